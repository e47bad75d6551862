"""Tracing: fn runs eagerly once, recorded, and its graph becomes generated code.

While fn runs, the engine's observer (``core.observing``) reports every comparison of
Values (``<``, ``<=``, ``>``, ``>=``), which become the trace's guards. The output's graph
(plus the nodes only compared) becomes a ``Tape``, and ``codegen.generate`` writes it out.
fn gets a stand-in leaf for each Value argument, so that a Value it also reads directly
(a captured parameter) stays a leaf of its own.
"""

import builtins
import contextlib
import threading

from .. import core
from ..core import Value, enable_grad, topological_order
from ..util.gc_pause import collector_paused
from .codegen import generate
from .guards import COMPARISONS, CompileError, comparison_guard
from .source import show
from .tape import Tape

__all__ = ["Trace", "trace", "run", "tape_of", "eager_step", "name_of"]


class _Recorder:
    """Collects every comparison of Values the engine reports while fn runs, in the
    thread that traces (another thread's comparisons at the same time are not fn's)."""

    def __init__(self):
        self.comparisons = []
        self.thread = threading.get_ident()

    def __call__(self, kind, a, b, result):
        if kind in COMPARISONS and threading.get_ident() == self.thread:
            self.comparisons.append((a, kind, b, result))


@contextlib.contextmanager
def _recording():
    """Run with the engine's observer reporting to a new _Recorder (one at a time)."""
    recorder = _Recorder()
    try:
        with core.observing(recorder), enable_grad(), collector_paused():
            yield recorder
    except RuntimeError as error:
        if "another observer" not in str(error):
            raise
        raise CompileError("compile: another function is being traced right now (tracing "
                           "is process-wide: trace from one thread at a time)") from None


def name_of(v):
    """A Value as an error message names it: its label, or its number."""
    return f"{v.label!r}" if v.label else f"(value {v.data!r})"


def tape_of(out, recorder):
    """The output's graph, then the nodes only compared (for the guards), as a Tape."""
    order = topological_order(out)
    n_main = len(order)
    if recorder.comparisons:
        seen = set(order)
        for a, _, b, _ in recorder.comparisons:
            for v in (a, b):
                if isinstance(v, Value) and v not in seen:
                    for u in topological_order(v):
                        if u not in seen:
                            seen.add(u)
                            order.append(u)
    return Tape(order, n_main)


class Trace:
    """One specialisation of fn: its generated step and what it was traced with."""

    def __init__(self, key, numbers, program, arg_pattern, comparisons, arg_of):
        self.key = key
        self.numbers = numbers
        self.program = program
        self.arg_pattern = arg_pattern          # per argument: captured index, or -1
        self.comparisons = comparisons          # (op, result) per guard
        self.arg_of = arg_of                    # position of an argument leaf -> its index
        self.captured_ids = {id(v): k for k, (_, v) in enumerate(program.leaves)}
        self.step = None

    def refuses(self, arguments):
        """Why this trace cannot replay these arguments (a Value argument is, or is no
        longer, one of the Values fn reads directly), or None."""
        ids = self.captured_ids
        for k, v in enumerate(arguments.unique):
            if ids.get(id(v), -1) != self.arg_pattern[k]:
                return (f"whether argument Value {k} is one of the Values fn reads "
                        f"directly (a captured parameter)")
        return None

    def guard(self, k):
        return f"the comparison `{self.program.guards[k]}` (traced {self.comparisons[k]})"

    def same_as(self, other):
        """The same graph under the same guards (an identical trace)."""
        return (self.key == other.key and self.comparisons == other.comparisons
                and self.arg_pattern == other.arg_pattern
                and self.program.leaves == other.program.leaves
                and self.program.signature == other.program.signature)


def eager_step(out, arguments, stand_ins):
    """backward() on an eager graph, its stand-ins' gradients added to the arguments."""
    out.backward()
    for v, s in zip(arguments, stand_ins):
        if s is not v:
            v.grad += s.grad
    return out.data


def run(fn, name, args, arguments, values):
    """Run fn eagerly, recording, with ``values`` standing for the Value arguments."""
    with _recording() as recorder:
        out = fn(*arguments.rebuild(args, values))
    if not isinstance(out, Value):
        raise CompileError(f"compile: {name} must return one Value, got {type(out).__name__}")
    if out.op and not out.parents:
        raise CompileError(f"compile: {name} returned a Value computed under no_grad() "
                           f"(op {out.op!r}): no gradient can reach its inputs")
    return out, recorder


def trace(fn, name, number, args, arguments, compile_code=True):
    """Trace fn for these arguments and generate its code: (Trace or None, the eager
    output, the stand-ins). ``number`` counts the traces of fn (for the code's title).

    fn gets a stand-in leaf for each Value argument, so that a Value it also reads
    directly stays a leaf of its own; if it does read one directly, fn is traced
    again with that argument itself (eager makes them one node).
    """
    stand_ins = [Value(v.data, v.label) for v in arguments.unique]
    out, recorder = run(fn, name, args, arguments, stand_ins)
    tape = tape_of(out, recorder)
    merged = {k for k, v in enumerate(arguments.unique) if v in tape.index}
    if merged:
        stand_ins = [v if k in merged else s
                     for k, (v, s) in enumerate(zip(arguments.unique, stand_ins))]
        out, recorder = run(fn, name, args, arguments, stand_ins)
        tape = tape_of(out, recorder)
    if not compile_code:
        return None, out, stand_ins
    index = tape.index
    arg_of = {index[s]: k for k, s in enumerate(stand_ins) if k not in merged and s in index}
    guards = [comparison_guard(index, *c) for c in recorder.comparisons]
    n_leaves = sum(1 for ps in tape.parents[:tape.n_main] if not ps)
    title = [f"{show(name)}, trace {number}: {tape.n_main} nodes ({n_leaves} leaves)",
             "v<i>, g<i>: node i's value and d(output)/d(node i); V[k], G[k]: the same "
             "for leaves and loop operands"]
    program = generate(tape, arg_of, len(arguments.unique), guards, title)
    position = {id(v): j for j, (_, v) in enumerate(program.leaves)}
    pattern = tuple(position[id(v)] if k in merged else -1
                    for k, v in enumerate(arguments.unique))
    result = Trace(arguments.key, list(arguments.numbers), program, pattern,
                   [r for *_, r in guards], arg_of)
    code = builtins.compile(program.source, f"<autograd_mini.compile {name}>", "exec")
    exec(code, program.namespace)
    result.step = program.namespace["step"]
    return result, out, stand_ins
