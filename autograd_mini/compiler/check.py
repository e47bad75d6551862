"""fn run eagerly against its compiled replay, bit for bit.

``confirm`` is the second call of every trace: the replay runs, then fn runs eagerly,
and both must agree (the graph, every number) before later calls replay alone; fn
changing a Value's ``.data`` while it runs is refused by name (the data put back).
``check`` is the same on demand (``step.check()``), with fn run twice so that a Value
fn reads from outside is told from one it makes.
"""

from array import array

from .guards import COMPARISONS, Arguments, CompileError
from .tape import Signature, graph_order
from .tracing import data_changes, name_of, run, same_bits

__all__ = ["check", "confirm"]


class _EagerRun:
    """fn run eagerly once: its output, its graph's nodes in order (the output's graph,
    then nodes only read by a guard), what it read of Values' numbers."""

    def __init__(self, out, reads):
        self.out = out
        self.order, self.n_main = graph_order(out, reads)
        self.reads = [bool(r) if kind in COMPARISONS else r for kind, _, _, r in reads]
        self._signature = None

    def signature(self):
        if self._signature is None:
            self._signature = Signature.of(self.order)
        return self._signature

    def leaves(self):
        """The leaf Values of the output's graph."""
        order = self.order
        return [order[i] for i in self.signature().leaves(self.n_main)]


def confirm(compiled, trace, args, kwargs, arguments):
    """The first replay of ``trace``, checked against fn run eagerly: its output (the
    eager one, equal to the replay's), or CompileError naming what differs. The replay's
    own errors (a guard, an IEEE case) propagate before fn runs."""
    positions, values = _leaves(trace, arguments)
    grads = _Grads(values)
    grads.zero()
    try:
        value = trace.step(arguments.unique, [v.data for v in arguments.unique])
        replayed = [v.grad for v in values]
        grads.zero()
        stand_ins = [v if k >= 0 else v.detach() for v, k in
                     zip(arguments.unique, trace.arg_pattern)]
        run_ = _eager_run(compiled, args, kwargs, arguments, stand_ins, trace)
        _same_reads(compiled.name, trace, run_)
        order, n, m = run_.order, run_.n_main, len(trace.program.leaf_values)
        # a leaf fn makes at each call stands where the trace has its first one
        grads.add(order[i] for i, v in zip(positions[:m], values) if i < n and order[i] is not v)
        grads.zero()
        run_.out.backward()
        eager = [order[i].grad for i in positions]
        _same_numbers(compiled.name, value, run_.out.data, replayed, eager, positions,
                      values)
    except BaseException:
        grads.restore()
        raise
    passes = [order[i].grad if i < n and order[i] is v else None
              for i, v in zip(positions[:m], values)]
    passes += [stand_ins[k].grad if i < n else None         # (a guard's alone: no pass)
               for i, k in trace.arg_of.items()]
    grads.accumulate(passes + [v.grad for v in grads.values[len(values):]])
    trace.confirmed = True
    return run_.out.data


def check(compiled, args, kwargs):
    """Run fn eagerly (twice) and compare with the compiled replay for these arguments:
    the graph, which leaves it reads and writes, the output and every leaf's gradient,
    bit for bit. Every ``.grad`` is left as it was. True, or a CompileError saying what
    differs."""
    if not compiled.traces:
        raise CompileError("compile: check() needs a first call to trace fn")
    arguments = Arguments(args, kwargs)
    first, again = (_eager_run(compiled, args, kwargs, arguments, arguments.unique)
                    for _ in "12")
    touched = list(arguments.unique) + first.leaves()
    for t in compiled.all_traces():
        touched += t.program.leaf_values
    grads = _Grads({id(v): v for v in touched}.values())
    try:
        grads.zero()
        value = compiled.call(args, kwargs, confirm=False)
        trace = compiled.last
        positions, values = _leaves(trace, arguments)
        replayed = [v.grad for v in values]
        grads.zero()
        first.out.backward()
        eager = [first.order[i].grad if i < len(first.order) else 0.0 for i in positions]
    finally:
        grads.restore()
    _same_graph(trace, first, again)
    _same_leaves(first, again, dict(zip(positions, values)))
    _same_numbers(compiled.name, value, first.out.data, replayed, eager, positions, values)
    trace.confirmed = True
    return True


class _Grads:
    """The ``.grad`` of some Values (each once): saved, zeroed, put back, or added to as
    backward() adds a pass to what a Value held."""

    def __init__(self, values):
        self.values, self.held = [], []
        self.add(values)

    def add(self, values):
        values = list(values)
        self.values += values
        self.held += [v.grad for v in values]

    def zero(self):
        for v in self.values:
            v.grad = 0.0

    def restore(self):
        for v, g in zip(self.values, self.held):
            v.grad = g

    def accumulate(self, passes):
        """Each Value's grad: this pass's gradient (``passes``, one per Value; None: the
        pass did not reach it) plus what it held, as backward() adds them."""
        for v, held, g in zip(self.values, self.held, passes):
            v.grad = held if g is None else g + held if held else g


def _eager_run(compiled, args, kwargs, arguments, values, trace=None):
    """fn run eagerly (recorded) with ``values`` for the Value arguments (an _EagerRun).
    fn changing the .data of an argument or of a Value the traces read is refused
    (CompileError naming it), the data put back."""
    watched = list(arguments.unique)
    for t in ([trace] if trace else compiled.all_traces()):
        watched += t.program.leaf_values
    watched += [s for v, s in zip(arguments.unique, values) if s is not v]   # stand-ins
    snapshot = (watched, [v.data for v in watched])
    out, recorder = run(compiled.fn, compiled.name, args, kwargs, arguments, values)
    changes = data_changes(snapshot)
    if changes:
        for v, d in zip(*snapshot):
            v.data = d
        v, before, now = changes[0]
        where = {id(s): arguments.where[k] + " " for k, s in enumerate(values)}
        where.update((id(a), arguments.where[k] + " ") for k, a in enumerate(arguments.unique))
        raise CompileError(
            f"compile: {compiled.name} changes the .data of {where.get(id(v), '')}"
            f"{name_of(v)} ({before!r} -> {now!r}) while it runs: a compiled step replays "
            f"the graph only, not assignments to .data. Change the Value before calling "
            f"the step (an optimizer step, a clip), or call fn eagerly")
    return _EagerRun(out, recorder.observed)


def _same_reads(name, trace, run_):
    """The eager run built the traced graph and read the same numbers, or CompileError."""
    _same_graph(trace, run_)
    if run_.reads != trace.comparisons:
        raise CompileError(f"compile: {name} reads Values' numbers differently from its "
                           f"trace for the same data (traced {trace.comparisons}, now "
                           f"{run_.reads}): it depends on something the trace cannot see")


def _leaves(trace, arguments):
    """(positions, Values) the replay reads and writes: captured leaves, arguments."""
    program = trace.program
    positions = list(program.leaf_positions) + list(trace.arg_of)
    values = list(program.leaf_values) + [arguments.unique[k] for k in trace.arg_of.values()]
    return positions, values


def _same_graph(trace, run_, again=None):
    """The eager graph (and the same fn run again) has the traced structure."""
    traced, now = trace.program.signature, run_.signature()
    if again is not None and now != again.signature():
        raise CompileError("compile: fn builds a different graph at each call, so no trace "
                           "can stand for it")
    i = now.first_difference(traced)
    if i is None:
        return
    if i < min(len(now), len(traced)):
        raise CompileError(f"compile: the graph changed at node {i}: traced "
                           f"{_show(traced.node(i))}, now {_show(now.node(i))}")
    raise CompileError(f"compile: the graph changed: {len(traced)} nodes when traced, "
                       f"{len(now)} now")


def _same_leaves(first, again, leaves):
    """A node that is the same object in two eager runs is one fn reads from outside: a
    leaf there must be the very Value the replay reads; a non-leaf cannot be replayed."""
    for i, (v, w) in enumerate(zip(first.order, again.order)):
        if v is not w:
            continue                                    # made by fn at each call
        if first.signature().counts[i]:
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


def _same_numbers(name, value, expected, replayed, eager, positions, values):
    differs = f"compile: the replay of {name} differs from {name} run eagerly"
    why = (f": {name} does something its trace cannot replay (it changes the .data of a "
           f"Value it computed, reads a number that changes from call to call, or a hook "
           f"(register_hook) changes a gradient: a replay calls no hook)")
    if not same_bits(value, expected):
        raise CompileError(f"{differs} (output: eager {expected!r}, compiled {value!r}){why}")
    if array("d", replayed).tobytes() == array("d", eager).tobytes():
        return                                          # every bit the same: no NaN either
    for i, v, g, e in zip(positions, values, replayed, eager):
        if not same_bits(g, e):
            raise CompileError(f"{differs} (gradient of leaf {i} {name_of(v)}: eager {e!r}, "
                               f"compiled {g!r}){why}")


def _show(sig):
    op, parents, const = sig
    return f"op {op or 'leaf'!r} on nodes {list(parents)}" + \
        (f" with constant {const!r}" if const is not None else "")
