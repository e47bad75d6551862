"""Tracing: fn runs eagerly once, recorded, and its graph becomes generated code.

While fn runs, the engine's observer (``core.observing``) reports every read of a
Value's number that is not an op: comparisons and conversions, which become the trace's
guards (``guards.py``); formatting a Value as text is refused. The output's graph (plus
the nodes only read) becomes a ``Tape``, and ``codegen.generate`` writes it out. fn gets
a stand-in leaf for each Value argument, so that a Value it also reads directly (a
captured parameter) stays a leaf of its own, and so that fn changing an argument's
``.data`` is seen (and refused: a replay would not do it).
"""

import builtins
import contextlib
import threading

from .. import core
from ..core import Value, bulk, enable_grad
from ..util.gc_pause import collector_paused
from .codegen import generate
from .guards import COMPARISONS, CONVERSIONS, REFUSED, CompileError, guard_of
from .source import show
from .tape import Tape, graph_order

__all__ = ["Trace", "trace", "run", "tape_of", "eager_step", "name_of", "tracing_now",
           "same_bits", "data_changes"]

_GUARDED = frozenset(COMPARISONS + CONVERSIONS)
_here = threading.local()                   # .name: the function this thread traces


def tracing_now():
    """The name of the function this thread is tracing (running fn recorded), or None."""
    return getattr(_here, "name", None)


class _Recorder:
    """Collects every read of a Value's number the engine reports while fn runs, in the
    thread that traces (another thread's reads at the same time are not fn's):
    ``observed`` (kind, a, b, result) to guard, ``refused`` what cannot be replayed."""

    def __init__(self):
        self.observed = []
        self.refused = []
        self.written = set()            # Values whose .data fn wrote: their reads are not
        self.thread = threading.get_ident()     # guards (the write is checked instead)

    def __call__(self, kind, a, b, result):
        if threading.get_ident() != self.thread:
            return
        if kind == "write":
            self.written.add(a)
            self.observed = [r for r in self.observed if r[1] is not a and r[2] is not a]
        elif kind not in _GUARDED:
            self.refused.append((kind, a, b, result))
        elif not (a in self.written or isinstance(b, Value) and b in self.written):
            self.observed.append((kind, a, b, result))


@contextlib.contextmanager
def _recording(name):
    """Run with the engine's observer reporting to a new _Recorder (one at a time)."""
    recorder = _Recorder()
    _here.name = name
    try:
        with core.observing(recorder), enable_grad(), collector_paused():
            yield recorder
    except RuntimeError as error:
        if "another observer" not in str(error):
            raise
        raise CompileError("compile: another function is being traced right now (tracing "
                           "is process-wide: trace from one thread at a time)") from None
    finally:
        _here.name = None


def name_of(v):
    """A Value as an error message names it: its label, or its number."""
    return f"{v.label!r}" if v.label else f"(value {v.data!r})"


def same_bits(a, b):
    """The same float bits (-0.0 is not 0.0); any NaN is any NaN."""
    return a.hex() == b.hex() if type(a) is float and type(b) is float else a == b


def data_changes(snapshot):
    """(Value, before, now) for each Value whose data changed; ``snapshot`` is (Values,
    their data before)."""
    return [(v, d, v.data) for v, d in zip(*snapshot)
            if v.data is not d and not same_bits(v.data, d)]


def tape_of(out, recorder):
    """The output's graph, then the nodes only read (for the guards), as a Tape."""
    return Tape(*graph_order(out, recorder.observed))


class Trace:
    """One specialisation of fn: its generated step and what it was traced with."""

    def __init__(self, key, numbers, program, arg_pattern, comparisons, arg_of):
        self.key = key
        self.numbers = numbers
        self.program = program
        self.arg_pattern = arg_pattern          # per argument: captured index, or -1
        self.comparisons = comparisons          # (op, result) per guard
        self.arg_of = arg_of                    # position of an argument leaf -> its index
        self._captured_ids = None
        self.step = None
        self.confirmed = False                  # its first replay was checked against fn

    def refuses(self, arguments):
        """Why this trace cannot replay these arguments (a Value argument is, or is no
        longer, one of the Values fn reads directly), or None."""
        if not arguments.unique:
            return None
        if self._captured_ids is None:
            self._captured_ids = {id(v): k for k, v in enumerate(self.program.leaf_values)}
        ids = self._captured_ids
        for k, v in enumerate(arguments.unique):
            if ids.get(id(v), -1) != self.arg_pattern[k]:
                return (f"whether argument Value {k} is one of the Values fn reads "
                        f"directly (a captured parameter)")
        return None

    def guard(self, k):
        kind = "conversion" if self.program.guards[k][-1:] == ")" else "comparison"
        return f"the {kind} `{self.program.guards[k]}` (traced {self.comparisons[k]!r})"

    def same_as(self, other):
        """The same graph under the same guards (an identical trace)."""
        return (self.key == other.key and self.comparisons == other.comparisons
                and self.arg_pattern == other.arg_pattern
                and self.program.leaf_positions == other.program.leaf_positions
                and _same_objects(self.program.leaf_values, other.program.leaf_values)
                and self.program.signature == other.program.signature)


def _same_objects(a, b):
    return len(a) == len(b) and all(x is y for x, y in zip(a, b))


def eager_step(out, reached):
    """backward() on an eager graph, then each (argument, its stand-in) of ``reached``
    (the stand-ins the pass reaches: trace's) gets the stand-in's gradient added; an
    argument off the graph keeps its .grad, None included."""
    out.backward()
    for v, s in reached:
        bulk.add_pass(v, s.grad)                    # (None + g is g, as backward() has it)
    return out.data


def run(fn, name, args, kwargs, arguments, values):
    """Run fn eagerly, recording, with ``values`` standing for the Value arguments."""
    args, kwargs = arguments.rebuild(args, kwargs, values)
    with _recording(name) as recorder:
        out = fn(*args, **kwargs)
    if recorder.refused:
        kind, a, b, _ = recorder.refused[0]
        what = REFUSED.get(kind, f"reads a Value's number in a way compile cannot guard "
                                 f"({kind!r})")
        if kind == "grad":
            what = what.format(v=name_of(a))
            raise CompileError(f"compile: {name} {what} while it is traced: a replay only "
                               f"adds each leaf's gradient to its .grad, so code that reads "
                               f"or sets .grad inside fn (zero_grad() included) would not "
                               f"run. Zero the gradients outside fn, before each call")
        raise CompileError(f"compile: {name} {what} while it is traced: the compiled "
                           f"replay would not run that code (nothing shown, logged or "
                           f"decided from the text). Do it outside fn, with the float the "
                           f"compiled call returns, or call fn eagerly")
    if not isinstance(out, Value):
        raise CompileError(f"compile: {name} must return one Value, got {type(out).__name__}")
    if out.op and not out.parents:
        raise CompileError(f"compile: {name} returned a Value computed under no_grad() "
                           f"(op {out.op!r}): no gradient can reach its inputs")
    return out, recorder


def _argument_changes(name, arguments, stand_ins, snapshot):
    """Refuse a trace in which fn changed an argument's .data (through its stand-in or,
    for an argument fn also reads directly, itself): a replay would not change it."""
    changed = [(k, s.data) for k, (v, s) in enumerate(zip(arguments.unique, stand_ins))
               if not same_bits(s.data, v.data)] + \
        [(k, v.data) for k, (v, d) in enumerate(zip(*snapshot)) if not same_bits(v.data, d)]
    if changed:
        for v, d in zip(*snapshot):
            v.data = d
        k, now = changed[0]
        v = arguments.unique[k]
        raise CompileError(f"compile: {name} changes the .data of {arguments.where[k]} "
                           f"{name_of(v)} "
                           f"({snapshot[1][k]!r} -> {now!r}) while it runs: a compiled step "
                           f"replays the graph only, not assignments to .data. Change the "
                           f"Value before calling the step (or call fn eagerly)")


def trace(fn, name, number, args, kwargs, arguments, compile_code=True):
    """Trace fn for these arguments and generate its code: (Trace or None, the eager
    output, the (argument, stand-in) pairs whose stand-in is in the output's graph: what
    ``eager_step`` adds). ``number`` counts the traces of fn (for the code's title).

    fn gets a stand-in leaf for each Value argument, so that a Value it also reads
    directly stays a leaf of its own; if it does read one directly, fn is traced
    again with that argument itself (eager makes them one node).
    """
    snapshot = (arguments.unique, [v.data for v in arguments.unique])
    stand_ins = [Value(v.data, v.label) for v in arguments.unique]
    out, recorder = run(fn, name, args, kwargs, arguments, stand_ins)
    _argument_changes(name, arguments, stand_ins, snapshot)
    tape = tape_of(out, recorder)
    merged = {k for k, v in enumerate(arguments.unique) if v in tape.index}
    if merged:
        stand_ins = [v if k in merged else s
                     for k, (v, s) in enumerate(zip(arguments.unique, stand_ins))]
        out, recorder = run(fn, name, args, kwargs, arguments, stand_ins)
        _argument_changes(name, arguments, stand_ins, snapshot)
        tape = tape_of(out, recorder)
    index = tape.index
    arg_of = {index[s]: k for k, s in enumerate(stand_ins) if k not in merged and s in index}
    reached = [(arguments.unique[k], stand_ins[k]) for i, k in arg_of.items()
               if i < tape.n_main]             # (the tape's first n_main: out's graph)
    if not compile_code:
        return None, out, reached
    guards = [guard_of(index, *read) for read in recorder.observed]
    tape.drop_index()                       # positions are all known now: free its memory
    n_leaves = tape.parents[:tape.n_main].count(())
    title = [f"{show(name)}, trace {number}: {tape.n_main} nodes ({n_leaves} leaves)",
             "v<i>, g<i>: node i's value and d(output)/d(node i); V[k], G[k]: the same "
             "for leaves and loop operands"]
    program = generate(tape, arg_of, len(arguments.unique), guards, title)
    position = {id(v): j for j, v in enumerate(program.leaf_values)} if merged else {}
    pattern = tuple(position[id(v)] if k in merged else -1
                    for k, v in enumerate(arguments.unique))
    result = Trace(arguments.key, list(arguments.numbers), program, pattern,
                   [r for *_, r in guards], arg_of)
    code = builtins.compile(program.source, f"<autograd_mini.compile {name}>", "exec")
    exec(code, program.namespace)
    result.step = program.namespace["step"]
    return result, out, reached
