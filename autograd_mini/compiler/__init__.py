"""``compile(fn)``: trace a function of Values once, replay it as generated Python.

compiled.py   compile, CompiledFunction: the cache of traces, the calls, their guards
tracing.py    one trace: fn run eagerly under the engine's observer, its graph as a Tape
guards.py     what a trace assumed: the arguments' key, comparisons; CompileError
check.py      CompiledFunction.check: eager against replay, bit for bit
tape.py       the traced graph as arrays by position
plan.py       loops (runs of sums, layers of neurons) and where values and gradients live
reader.py     the op table's functions as Python text (the one reader of core.OPS)
forward.py    the forward lines;  backward.py  the backward lines
source.py     the generated code's globals and kernels;  codegen.py  generate()
"""

from .compiled import CompiledFunction, CompileError, compile

__all__ = ["compile", "CompiledFunction", "CompileError"]
