"""``compile(fn)``: trace a function of Values, then replay it as generated Python.

The first call runs ``fn`` eagerly and records its graph. From that graph a plain Python
function on floats is generated (``autograd_mini.codegen``): the forward pass, then
backward one chain-rule step at a time in exactly the order ``backward()`` takes them,
then each leaf's gradient added to its ``.grad``. Each op's forward and derivatives come
from ``engine.OPS``, the engine's own definitions. Every call reads the leaves' current
``.data`` (a training loop that updates parameters works) and returns the output as a
float, equal to the eager result bit for bit (a NaN is a NaN: which of two NaNs an
operation passes on depends on the machine instruction). ``step.source`` shows the code.

A trace holds only for what it saw, so each one is guarded, as ``torch.compile`` does:
  - the arguments' structure (nesting, which are Values and which numbers);
  - which Value arguments are the same Value, and whether one is a Value fn also reads
    directly (a captured parameter);
  - the value of each number argument: numbers reach fn as the numbers they are, so
    ``range(n)`` and ``if mode == 1`` work, and the trace is specialised on them;
  - each comparison of Values (``<``, ``<=``, ``>``, ``>=``: ``max``, ``sorted``,
    ``if a > b``): the generated code checks it comes out as traced.
When a guard fails, fn is traced again and the new trace kept beside the old ones (up to
8; ``step.traces`` counts them); past that, ``CompileError`` names the guard that keeps
failing. Where an op meets an IEEE special case (inf or nan data, a derivative at a
singular point), that call is an eager step. A compiled call returns what eager
returns, or raises what eager raises, or CompileError; never another number.

Not seen by the guards: branching on ``.data`` or ``float(v)``, plain numbers fn reads
from outside (``alpha * reg`` is baked in), Values fn makes under ``no_grad()``, Values
it reads that were computed before it was called, and ops whose results fn throws away
(not replayed, so an error they would raise eagerly is not raised). ``step.check()``
runs fn eagerly and compares everything: the graph, which leaves it reads (so a
replaced model is caught), and every number.

Arguments must be leaf Values (or numbers, or lists/tuples of them): the gradient of a
non-leaf argument would have to go on into its own graph, and a second backward pass
there would add up a shared leaf's gradient in another order than ``backward()``, so
the numbers could differ in the last bits. Compute such an op inside fn instead.
"""

import builtins
import contextlib
import threading
from collections import Counter
from numbers import Real

from .. import core
from ..core import Value, enable_grad, topological_order
from ..util.gc_pause import collector_paused
from .codegen import CompileError, Graph, GuardFailed, generate, show

__all__ = ["compile", "CompiledFunction", "CompileError"]

MAX_TRACES = 8                          # as torch.compile's cache_size_limit


def compile(fn):
    """Trace ``fn`` at its first call and replay it as generated Python from then on.

    ``step = compile(loss_fn)``; then ``loss = step()`` each iteration returns the output
    as a float and adds d(output)/d(leaf) to every leaf's ``.grad``, exactly as
    ``loss_fn().backward()`` would. Arguments may be leaf Values, numbers, and nested
    lists/tuples of them; see the module docstring for what is guarded.
    """
    if not callable(fn):
        raise TypeError(f"compile: fn must be callable, got {type(fn).__name__}")
    return CompiledFunction(fn)


# ------------------------------------------------------------------------ arguments
class _Arguments:
    """One call's arguments: the Value leaves (``unique``: each Value once) and the key
    the guards compare (structure, which Values are the same, each number's value)."""

    __slots__ = ("unique", "numbers", "paths", "key", "alias")

    def __init__(self, args):
        values, self.numbers, self.paths = [], [], []
        shape = _shape(args, values, self.numbers, self.paths) if args else "()"
        first, self.unique, self.alias = {}, [], []
        for v in values:
            k = first.setdefault(id(v), len(self.unique))
            if k == len(self.unique):
                self.unique.append(v)
            self.alias.append(k)
        self.key = (shape, tuple(self.alias), tuple(map(_number_key, self.numbers)))

    def rebuild(self, args, values):
        """``args`` with the i-th Value replaced by ``values[alias[i]]``."""
        it = iter(self.alias)

        def walk(x):
            if isinstance(x, (list, tuple)):
                items = [walk(item) for item in x]
                return type(x)._make(items) if hasattr(type(x), "_make") else type(x)(items)
            return values[next(it)] if isinstance(x, Value) else x
        return [walk(a) for a in args]


def _shape(args, values, numbers, paths):
    """The structure of ``args`` as text, e.g. ``(Value, number, [Value, Value])``,
    collecting the Values and numbers (and where each number stands)."""
    def walk(x, where):
        if isinstance(x, Value):
            if x.parents:
                raise CompileError(
                    f"compile: {where} is the result of an op ({x.op!r}"
                    f"{', label ' + repr(x.label) if x.label else ''}), not a leaf. A compiled "
                    f"function takes leaf Values: compute that op inside fn (pass its inputs), "
                    f"or pass {where}.detach() to cut its graph off")
            values.append(x)
            return "Value"
        if isinstance(x, Real):
            numbers.append(x)
            paths.append(where)
            return "number"
        if isinstance(x, (list, tuple)):
            inner = ", ".join(walk(item, f"{where}[{i}]") for i, item in enumerate(x))
            return f"[{inner}]" if isinstance(x, list) else f"{type(x).__name__}({inner})"
        raise TypeError(f"compile: {where} must be a number, a Value or a list/tuple of "
                        f"them, got {type(x).__name__}: {x!r}")
    return "(" + ", ".join(walk(a, f"args[{i}]") for i, a in enumerate(args)) + ")"


def _number_key(x):
    """Equal for the same number: float bits (so -0.0 and 0.0 differ, NaN equals NaN)."""
    return (type(x), x.hex()) if isinstance(x, float) else (type(x), x)


# ------------------------------------------------------------------------ tracing
_COMPARISONS = ("<", "<=", ">", ">=")


class _Recorder:
    """Collects every comparison of Values the engine reports while fn runs, in the
    thread that traces (another thread's comparisons at the same time are not fn's)."""

    def __init__(self):
        self.comparisons = []
        self.thread = threading.get_ident()

    def __call__(self, kind, a, b, result):
        if kind in _COMPARISONS and threading.get_ident() == self.thread:
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


def _name(v):
    return f"{v.label!r}" if v.label else f"(value {v.data!r})"


def _graph(out, recorder):
    """The output's graph, then the nodes only compared (for the guards), as a Graph."""
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
    return Graph(order, n_main)


class _Trace:
    """One specialisation of fn: its generated step and what it was traced with."""

    def __init__(self, key, numbers, program, arg_pattern, comparisons):
        self.key = key
        self.numbers = numbers
        self.program = program
        self.arg_pattern = arg_pattern          # per argument: captured index, or -1
        self.comparisons = comparisons          # (op, result) per guard
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


def _eager_step(out, arguments, stand_ins):
    """backward() on an eager graph, its stand-ins' gradients added to the arguments."""
    out.backward()
    for v, s in zip(arguments, stand_ins):
        if s is not v:
            v.grad += s.grad
    return out.data


# ------------------------------------------------------------------------ the function
class CompiledFunction:
    """The callable ``compile(fn)`` returns. See the module docstring."""

    def __init__(self, fn):
        self.fn = fn
        self._traces = []                   # most recently used first
        self._last = None                   # the trace the last call ran
        self._retraced = Counter()          # why fn was traced again, and how often

    @property
    def traces(self):
        """How many traces (specialisations) of fn exist."""
        return len(self._traces)

    @property
    def source(self):
        """The generated Python of the trace the last call ran (None before a call)."""
        return self._last.program.source if self._last else None

    @property
    def n_nodes(self):
        return self._last.program.n_main if self._last else 0

    def __repr__(self):
        state = (f"{self.traces} trace{'s' * (self.traces != 1)}, last {self.n_nodes} nodes"
                 if self._traces else "not traced yet")
        return f"<compiled {self._name()}: {state}>"

    def _name(self):
        return str(getattr(self.fn, "__name__", "fn"))

    def __call__(self, *args):
        arguments = _Arguments(args)
        failed = []
        for trace in self._traces:
            if trace.key != arguments.key:
                continue
            why = trace.refuses(arguments)
            if why:
                failed.append(why)
                continue
            try:
                value = trace.step(arguments.unique, [v.data for v in arguments.unique])
            except GuardFailed as e:
                failed.append(trace.guard(e.k))
                continue
            except (ArithmeticError, ValueError) as e:
                failed.append(f"a float error in the replay ({type(e).__name__}: {e})")
                continue
            self._use(trace)
            return value
        return self._retrace(args, arguments, failed)

    def _use(self, trace):
        self._last = trace
        if self._traces[0] is not trace:
            self._traces.remove(trace)
            self._traces.insert(0, trace)

    def _retrace(self, args, arguments, failed):
        """Trace fn for these arguments (an eager run: its errors are fn's errors), keep
        the trace, and replay it. Where the replay raises and eager did not (an op's
        IEEE special case: inf or nan inputs, a derivative at a singular point), this
        call's result is the eager run's own: backward() on its graph."""
        reason = failed[-1] if failed else self._mismatch(arguments)
        full = len(self._traces) >= MAX_TRACES
        with collector_paused():            # a graph walk makes no cycles: no collections
            trace, out, stand_ins = self._trace(args, arguments, compile_code=not full)
        if full:
            self._retraced[reason] += 1
            raise CompileError(self._limit_message(reason))
        same = next((t for t in self._traces if t.same_as(trace)), None)
        if same is None:
            if self._traces:
                self._retraced[reason] += 1
            self._traces.insert(0, trace)
        else:
            trace = same
        try:
            value = trace.step(arguments.unique, [v.data for v in arguments.unique])
        except GuardFailed as e:
            raise CompileError(f"compile: {self._name()} does not build the same graph "
                               f"twice for the same arguments ({trace.guard(e.k)} changed); "
                               f"does it depend on something else?") from None
        except (ArithmeticError, ValueError):
            value = _eager_step(out, arguments.unique, stand_ins)
        self._use(trace)
        return value

    def _mismatch(self, arguments):
        """Which guard the arguments fail, when no trace has their key."""
        if not self._traces:
            return "the first call"
        shape, alias, _ = arguments.key
        same = [t for t in self._traces if t.key[0] == shape]
        if not same:
            traced = ", ".join(sorted({t.key[0] for t in self._traces}))
            return f"the arguments' structure (traced with {traced}; called with {shape})"
        same = [t for t in same if t.key[1] == alias]
        if not same:
            return (f"which arguments are the same Value (traced with pattern "
                    f"{self._traces[0].key[1]}, now {alias})")
        t = same[0]
        for path, old, new in zip(arguments.paths, t.numbers, arguments.numbers):
            if _number_key(old) != _number_key(new):
                return f"the number {path} (traced with {old!r}, now {new!r})"
        return "the arguments"                                  # pragma: no cover

    def _limit_message(self, reason):
        counts = "; ".join(f"{why}: {n}x" for why, n in self._retraced.most_common(3))
        return (f"compile: {self._name()} needs more than {MAX_TRACES} traces. The guard that "
                f"keeps failing: {reason}. Retraced so far because of: {counts}. The compiled "
                f"code replays fixed graphs: call fn eagerly for inputs like these, or pass a "
                f"number that changes at every call as a Value (then it is an input, not a "
                f"constant of the trace)")

    # ------------------------------------------------------------------ tracing
    def _run(self, args, arguments, values):
        """Run fn eagerly, recording, with ``values`` standing for the Value arguments."""
        with _recording() as recorder:
            out = self.fn(*arguments.rebuild(args, values))
        if not isinstance(out, Value):
            raise CompileError(f"compile: {self._name()} must return one Value, "
                               f"got {type(out).__name__}")
        if out.op and not out.parents:
            raise CompileError(f"compile: {self._name()} returned a Value computed under "
                               f"no_grad() (op {out.op!r}): no gradient can reach its inputs")
        return out, recorder

    def _trace(self, args, arguments, compile_code=True):
        """Trace fn for these arguments and generate its code (a _Trace).

        fn gets a stand-in leaf for each Value argument, so that a Value it also reads
        directly stays a leaf of its own; if it does read one directly, fn is traced
        again with that argument itself (eager makes them one node).
        """
        stand_ins = [Value(v.data, v.label) for v in arguments.unique]
        out, recorder = self._run(args, arguments, stand_ins)
        graph = _graph(out, recorder)
        merged = {k for k, v in enumerate(arguments.unique) if v in graph.index}
        if merged:
            stand_ins = [v if k in merged else s
                         for k, (v, s) in enumerate(zip(arguments.unique, stand_ins))]
            out, recorder = self._run(args, arguments, stand_ins)
            graph = _graph(out, recorder)
        if not compile_code:
            return None, out, stand_ins
        index = graph.index
        arg_of = {index[s]: k for k, s in enumerate(stand_ins) if k not in merged and s in index}
        guards = [_guard(index, *c) for c in recorder.comparisons]
        n_leaves = sum(1 for ps in graph.parents[:graph.n_main] if not ps)
        title = [f"{show(self._name())}, trace {len(self._traces) + 1}: {graph.n_main} nodes "
                 f"({n_leaves} leaves)",
                 "v<i>, g<i>: node i's value and d(output)/d(node i); V[k], G[k]: the same "
                 "for leaves and loop operands"]
        program = generate(graph, arg_of, len(arguments.unique), guards, title)
        position = {id(v): j for j, (_, v) in enumerate(program.leaves)}
        pattern = tuple(position[id(v)] if k in merged else -1
                        for k, v in enumerate(arguments.unique))
        trace = _Trace(arguments.key, list(arguments.numbers), program, pattern,
                       [result for *_, result in guards])
        trace.arg_of = arg_of
        code = builtins.compile(program.source, f"<autograd_mini.compile {self._name()}>",
                                "exec")
        exec(code, program.namespace)
        trace.step = program.namespace["step"]
        return trace, out, stand_ins


    # ------------------------------------------------------------------ check
    def check(self, *args):
        """Run fn eagerly (twice) and compare with the compiled replay for these
        arguments: the graph, which leaves it reads and writes (a compiled function keeps
        the Values it traced: a replaced model is caught here), the output and every
        leaf's gradient, bit for bit. Every ``.grad`` is left as it was. True, or a
        CompileError saying what differs."""
        if not self._traces:
            raise CompileError("compile: check() needs a first call to trace fn")
        arguments = _Arguments(args)
        (out, r1), (out2, r2) = (self._run(args, arguments, arguments.unique) for _ in "12")
        graphs = (_graph(out, r1), _graph(out2, r2))
        touched = {id(v): v for v in arguments.unique}
        for t in self._traces:
            touched.update((id(v), v) for _, v in t.program.leaves)
        touched.update((id(v), v) for v in graphs[0].nodes if not v.parents)
        saved = [(v, v.grad) for v in touched.values()]
        try:
            for v, _ in saved:
                v.grad = 0.0
            value = self(*args)
            trace = self._last
            leaves = _leaf_positions(trace, arguments)
            replayed = {i: v.grad for i, v in leaves.items()}
            for v, _ in saved:
                v.grad = 0.0
            out.backward()
            eager = {i: graphs[0].nodes[i].grad for i in leaves if i < len(graphs[0].nodes)}
        finally:
            for v, g in saved:
                v.grad = g
        _same_graph(trace, graphs)
        _same_leaves(trace, graphs, leaves)
        _same_numbers(value, out.data, replayed, eager, leaves)
        return True


def _leaf_positions(trace, arguments):
    """position -> the Value the replay reads there (captured leaf or argument)."""
    leaves = dict(trace.program.leaves)
    leaves.update((i, arguments.unique[k]) for i, k in trace.arg_of.items())
    return leaves


def _same_graph(trace, graphs):
    """The eager graph (twice) has the traced structure, or CompileError."""
    traced = trace.program.signature
    now, again = (g.signature() for g in graphs)
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


def _same_leaves(trace, graphs, leaves):
    """A node that is the same object in two eager runs is one fn reads from outside: a
    leaf there must be the very Value the replay reads; a non-leaf cannot be replayed."""
    for i, (v, w) in enumerate(zip(graphs[0].nodes, graphs[1].nodes)):
        if v is not w:
            continue                                    # made by fn at each call
        if v.parents:
            raise CompileError(
                f"compile: fn reads node {i} {_name(v)} (op {v.op!r}), which was computed "
                f"before fn was called: the compiled code recomputes it from its inputs at "
                f"every call, eager does not. Build it inside fn, or use .detach() of it")
        if leaves.get(i) is not v:
            old = leaves.get(i)
            raise CompileError(
                f"compile: the captured parameters changed: the compiled code reads and "
                f"writes leaf {i} {_name(old) if old is not None else ''} as traced, but fn "
                f"now reads a different Value there ({_name(v)}). A compiled function keeps "
                f"the Values it traced: after replacing a model (model = MLP.from_file(...))"
                f" call compile(fn) again, or load the weights in place (model.load(path))")


def _same_numbers(value, expected, replayed, eager, leaves):
    if not _same(value, expected):
        raise CompileError(f"compile: output differs: eager {expected!r}, compiled {value!r}")
    for i, g in replayed.items():
        if not _same(g, eager.get(i, 0.0)):
            raise CompileError(f"compile: gradient of leaf {i} {_name(leaves[i])} differs: "
                               f"eager {eager.get(i, 0.0)!r}, compiled {g!r}")


def _same(a, b):
    return a == b or (a != a and b != b)          # NaN == NaN here


def _show(sig):
    op, parents, const = sig
    return f"op {op or 'leaf'!r} on nodes {list(parents)}" + \
        (f" with constant {const!r}" if const is not None else "")


_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def _guard(index, a, op, b, result):
    """A recorded comparison as the code generator takes it:
    (position of a, op, position of b or None, the number b, result)."""
    if not isinstance(a, Value):                # number OP Value: read it as Value OP' number
        a, op, b = b, _FLIPPED[op], a
    if isinstance(b, Value):
        return (index[a], op, index[b], None, bool(result))
    return (index[a], op, None, b, bool(result))          # b compared as it is
