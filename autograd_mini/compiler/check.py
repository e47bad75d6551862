"""fn run eagerly against its compiled replay, bit for bit.

``confirm`` is the second call of every trace: the replay runs, then fn runs eagerly,
and both must agree (the graph, every number) before later calls replay alone; fn
changing a Value's ``.data`` while it runs is refused by name (the data put back).
``check`` is the same on demand (``step.check()``), with fn run twice so that a Value
fn reads from outside is told from one it makes.
"""

from .guards import Arguments, CompileError, guard_of
from .tracing import data_changes, name_of, run, same_bits, tape_of

__all__ = ["check", "confirm"]


def confirm(compiled, trace, args, kwargs, arguments):
    """The first replay of ``trace``, checked against fn run eagerly: its output (the
    eager one, equal to the replay's), or CompileError naming what differs. The replay's
    own errors (a guard, an IEEE case) propagate before fn runs."""
    leaves = _leaf_positions(trace, arguments)
    grads = _Grads(leaves.values())
    grads.zero()
    try:
        value = trace.step(arguments.unique, [v.data for v in arguments.unique])
        replayed = {i: v.grad for i, v in leaves.items()}
        grads.zero()
        stand_ins = [v if k >= 0 else v.detach() for v, k in
                     zip(arguments.unique, trace.arg_pattern)]
        out, tape = _eager_run(compiled, args, kwargs, arguments, stand_ins, trace)
        _same_reads(compiled.name, trace, tape, _recorded(tape))
        grads.add(v for v in tape.nodes if not v.parents)
        grads.zero()
        out.backward()
        eager = {i: tape.nodes[i].grad for i in leaves}
        _same_numbers(compiled.name, value, out.data, replayed, eager, leaves)
    except BaseException:
        grads.restore()
        raise
    passes = {id(v): s.grad for v, s in zip(arguments.unique, stand_ins) if s is not v}
    passes.update((id(v), v.grad) for v in tape.nodes[:tape.n_main] if not v.parents)
    grads.accumulate(passes)
    trace.confirmed = True
    return out.data


def check(compiled, args, kwargs):
    """Run fn eagerly (twice) and compare with the compiled replay for these arguments:
    the graph, which leaves it reads and writes, the output and every leaf's gradient,
    bit for bit. Every ``.grad`` is left as it was. True, or a CompileError saying what
    differs."""
    if not compiled.traces:
        raise CompileError("compile: check() needs a first call to trace fn")
    arguments = Arguments(args, kwargs)
    runs = [_eager_run(compiled, args, kwargs, arguments, arguments.unique)
            for _ in "12"]
    (out, tape), (_, tape2) = runs
    touched = list(arguments.unique)
    for t in compiled.all_traces():
        touched += (v for _, v in t.program.leaves)
    touched += (v for v in tape.nodes if not v.parents)
    grads = _Grads(touched)
    try:
        grads.zero()
        value = compiled.call(args, kwargs, confirm=False)
        trace = compiled.last
        leaves = _leaf_positions(trace, arguments)
        replayed = {i: v.grad for i, v in leaves.items()}
        grads.zero()
        out.backward()
        eager = {i: tape.nodes[i].grad for i in leaves if i < len(tape.nodes)}
    finally:
        grads.restore()
    _same_graph(trace, tape, tape2)
    _same_leaves(tape, tape2, leaves)
    _same_numbers(compiled.name, value, out.data, replayed, eager, leaves)
    trace.confirmed = True
    return True


class _Grads:
    """The ``.grad`` of some Values: saved, zeroed, put back, or added to as backward()
    adds a pass to what a Value held."""

    def __init__(self, values):
        self.saved = {}
        self.add(values)

    def add(self, values):
        for v in values:
            self.saved.setdefault(id(v), (v, v.grad))

    def zero(self):
        for v, _ in self.saved.values():
            v.grad = 0.0

    def restore(self):
        for v, g in self.saved.values():
            v.grad = g

    def accumulate(self, passes):
        """Each Value's grad: this pass's gradient (``passes``, by id) plus what it held,
        as backward() adds them."""
        for key, (v, held) in self.saved.items():
            g = passes.get(key, 0.0)
            v.grad = g + held if held else (g if key in passes else held)


def _eager_run(compiled, args, kwargs, arguments, values, trace=None):
    """fn run eagerly (recorded) with ``values`` for the Value arguments: (output, its
    Tape). fn changing the .data of an argument or of a Value the traces read is
    refused (CompileError naming it), the data put back."""
    watched = list(arguments.unique)
    for t in ([trace] if trace else compiled.all_traces()):
        watched += (v for _, v in t.program.leaves)
    snapshot = [(v, v.data) for v in {id(v): v for v in watched}.values()]
    snapshot += [(s, v.data) for v, s in zip(arguments.unique, values) if s is not v]
    out, recorder = run(compiled.fn, compiled.name, args, kwargs, arguments, values)
    changes = data_changes(snapshot)
    if changes:
        for v, before in snapshot:
            v.data = before
        v, before, now = changes[0]
        where = {id(s): arguments.where[k] + " " for k, s in enumerate(values)}
        where.update((id(a), arguments.where[k] + " ") for k, a in enumerate(arguments.unique))
        raise CompileError(
            f"compile: {compiled.name} changes the .data of {where.get(id(v), '')}"
            f"{name_of(v)} ({before!r} -> {now!r}) while it runs: a compiled step replays "
            f"the graph only, not assignments to .data. Change the Value before calling "
            f"the step (an optimizer step, a clip), or call fn eagerly")
    tape = tape_of(out, recorder)
    tape.reads = recorder.observed
    return out, tape


def _recorded(tape):
    return [guard_of(tape.index, *read)[-1] for read in tape.reads]


def _same_reads(name, trace, tape, results):
    """The eager run built the traced graph and read the same numbers, or CompileError."""
    _same_graph(trace, tape)
    if results != trace.comparisons:
        raise CompileError(f"compile: {name} reads Values' numbers differently from its "
                           f"trace for the same data (traced {trace.comparisons}, now "
                           f"{results}): it depends on something the trace cannot see")


def _leaf_positions(trace, arguments):
    """position -> the Value the replay reads there (captured leaf or argument)."""
    leaves = dict(trace.program.leaves)
    leaves.update((i, arguments.unique[k]) for i, k in trace.arg_of.items())
    return leaves


def _same_graph(trace, tape, again=None):
    """The eager graph (and the same fn run again) has the traced structure."""
    traced = trace.program.signature
    now = tape.signature()
    if again is not None and now != again.signature():
        raise CompileError("compile: fn builds a different graph at each call, so no trace "
                           "can stand for it")
    for i, (a, b) in enumerate(zip(now, traced)):
        if a != b:
            raise CompileError(f"compile: the graph changed at node {i}: traced {_show(b)}, "
                               f"now {_show(a)}")
    if len(now) != len(traced):
        raise CompileError(f"compile: the graph changed: {len(traced)} nodes when traced, "
                           f"{len(now)} now")


def _same_leaves(tape, again, leaves):
    """A node that is the same object in two eager runs is one fn reads from outside: a
    leaf there must be the very Value the replay reads; a non-leaf cannot be replayed."""
    for i, (v, w) in enumerate(zip(tape.nodes, again.nodes)):
        if v is not w:
            continue                                    # made by fn at each call
        if v.parents:
            raise CompileError(
                f"compile: fn reads node {i} {name_of(v)} (op {v.op!r}), which was computed "
                f"before fn was called: the compiled code recomputes it from its inputs at "
                f"every call, eager does not. Build it inside fn, or use .detach() of it")
        if leaves.get(i) is not v:
            old = leaves.get(i)
            raise CompileError(
                f"compile: the captured parameters changed: the compiled code reads and "
                f"writes leaf {i} {name_of(old) if old is not None else ''} as traced, but "
                f"fn now reads a different Value there ({name_of(v)}). A compiled function "
                f"keeps the Values it traced: after replacing a model (model = "
                f"MLP.from_file(...)) call compile(fn) again, or load the weights in place "
                f"(model.load(path))")


def _same_numbers(name, value, expected, replayed, eager, leaves):
    differs = (f"compile: the replay of {name} differs from {name} run eagerly")
    why = (f": {name} does something its trace cannot replay (it changes the .data of a "
           f"Value it computed, or reads a number that changes from call to call)")
    if not _same(value, expected):
        raise CompileError(f"{differs} (output: eager {expected!r}, compiled {value!r}){why}")
    for i, g in replayed.items():
        if not _same(g, eager.get(i, 0.0)):
            raise CompileError(f"{differs} (gradient of leaf {i} {name_of(leaves[i])}: "
                               f"eager {eager.get(i, 0.0)!r}, compiled {g!r}){why}")


def _same(a, b):
    return same_bits(a, b)                        # -0.0 is not 0.0; NaN is NaN here


def _show(sig):
    op, parents, const = sig
    return f"op {op or 'leaf'!r} on nodes {list(parents)}" + \
        (f" with constant {const!r}" if const is not None else "")
