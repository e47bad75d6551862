"""``CompiledFunction.check``: fn run eagerly against its compiled replay, bit for bit."""

from .guards import Arguments, CompileError
from .tracing import name_of, run, tape_of

__all__ = ["check"]


def check(compiled, args):
    """Run fn eagerly (twice) and compare with the compiled replay for these arguments:
    the graph, which leaves it reads and writes, the output and every leaf's gradient,
    bit for bit. Every ``.grad`` is left as it was. True, or a CompileError saying what
    differs."""
    if not compiled.traces:
        raise CompileError("compile: check() needs a first call to trace fn")
    arguments = Arguments(args)
    name = compiled.name
    (out, r1), (out2, r2) = (run(compiled.fn, name, args, arguments, arguments.unique)
                             for _ in "12")
    tapes = (tape_of(out, r1), tape_of(out2, r2))
    touched = {id(v): v for v in arguments.unique}
    for t in compiled.all_traces():
        touched.update((id(v), v) for _, v in t.program.leaves)
    touched.update((id(v), v) for v in tapes[0].nodes if not v.parents)
    saved = [(v, v.grad) for v in touched.values()]
    try:
        for v, _ in saved:
            v.grad = 0.0
        value = compiled(*args)
        trace = compiled.last
        leaves = _leaf_positions(trace, arguments)
        replayed = {i: v.grad for i, v in leaves.items()}
        for v, _ in saved:
            v.grad = 0.0
        out.backward()
        eager = {i: tapes[0].nodes[i].grad for i in leaves if i < len(tapes[0].nodes)}
    finally:
        for v, g in saved:
            v.grad = g
    _same_graph(trace, tapes)
    _same_leaves(tapes, leaves)
    _same_numbers(value, out.data, replayed, eager, leaves)
    return True


def _leaf_positions(trace, arguments):
    """position -> the Value the replay reads there (captured leaf or argument)."""
    leaves = dict(trace.program.leaves)
    leaves.update((i, arguments.unique[k]) for i, k in trace.arg_of.items())
    return leaves


def _same_graph(trace, tapes):
    """The eager graph (twice) has the traced structure, or CompileError."""
    traced = trace.program.signature
    now, again = (t.signature() for t in tapes)
    if now != again:
        raise CompileError("compile: fn builds a different graph at each call, so no trace "
                           "can stand for it")
    for i, (a, b) in enumerate(zip(now, traced)):
        if a != b:
            raise CompileError(f"compile: the graph changed at node {i}: traced {_show(b)}, "
                               f"now {_show(a)}")
    if len(now) != len(traced):
        raise CompileError(f"compile: the graph changed: {len(traced)} nodes when traced, "
                           f"{len(now)} now")


def _same_leaves(tapes, leaves):
    """A node that is the same object in two eager runs is one fn reads from outside: a
    leaf there must be the very Value the replay reads; a non-leaf cannot be replayed."""
    for i, (v, w) in enumerate(zip(tapes[0].nodes, tapes[1].nodes)):
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


def _same_numbers(value, expected, replayed, eager, leaves):
    if not _same(value, expected):
        raise CompileError(f"compile: output differs: eager {expected!r}, compiled {value!r}")
    for i, g in replayed.items():
        if not _same(g, eager.get(i, 0.0)):
            raise CompileError(f"compile: gradient of leaf {i} {name_of(leaves[i])} differs: "
                               f"eager {eager.get(i, 0.0)!r}, compiled {g!r}")


def _same(a, b):
    return a == b or (a != a and b != b)          # NaN == NaN here


def _show(sig):
    op, parents, const = sig
    return f"op {op or 'leaf'!r} on nodes {list(parents)}" + \
        (f" with constant {const!r}" if const is not None else "")
