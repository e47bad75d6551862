"""``compile(fn)``: trace a function of Values, then replay it as generated Python.

The first call runs ``fn`` eagerly (its result is eager's) and records its graph. From
that graph a plain Python function on floats is generated (``codegen``): the forward
pass, then backward one chain-rule step at a time in exactly the order ``backward()``
takes them, then each leaf's gradient added to its ``.grad``. Each op's forward and
derivatives come from ``core.OPS``, the engine's own definitions. The second call of a
trace replays it and runs fn eagerly too, and both must agree bit for bit (the graph,
the output, every gradient) and fn must leave every Value's ``.data`` as it was; later
calls replay alone. Every replay reads the leaves' current ``.data`` (a training loop
that updates parameters works) and returns the output as a float, equal to the eager
result bit for bit (a NaN is a NaN: which of two NaNs an operation passes on depends on
the machine instruction). ``step.source`` shows the code.

A trace holds only for what it saw, so each one is guarded, as ``torch.compile`` does:
  - the arguments' structure (nesting, which are Values and which numbers, keyword
    names);
  - which Value arguments are the same Value, and whether one is a Value fn also reads
    directly (a captured parameter);
  - the value of each number argument: numbers reach fn as the numbers they are, so
    ``range(n)`` and ``if mode == 1`` work, and the trace is specialised on them;
  - each read of a Value's number: comparisons (``<``, ``<=``, ``>``, ``>=``: ``max``,
    ``sorted``, ``if a > b``) and conversions (``float``, ``int``, ``round``,
    ``math.floor``/``ceil``/``trunc``; ``math.isfinite(v)`` and ``v.item()`` are
    ``float``): the generated code checks each comes out as traced.
When a guard fails, fn is traced again and the new trace kept beside the old ones (up to
8; ``step.traces`` counts them); past that, ``CompileError`` names the guard that keeps
failing. Where an op meets an IEEE special case (inf or nan data, a derivative at a
singular point), that call is an eager step. A compiled call returns what eager
returns, or raises what eager raises, or CompileError; never another number.

Refused with a CompileError naming the cause: formatting a Value as text inside fn
(``f"{v:.3f}"``: a replay would not show it); fn changing the ``.data`` of an argument
(at the first call) or of a Value the trace reads (at the second call), or of a Value it
computed (the second call's replay differs); a compiled function called while another
is traced (call its ``.fn``). Not seen: ``.data`` read directly, plain numbers fn reads
from outside once the second call has passed (``alpha * reg`` is baked in), ``str(v)``,
a change to ``.data`` that happens only at later calls, Values it reads that were
computed before it was called, and ops whose results fn throws away (not replayed, so
an error they would raise eagerly is not raised). ``step.check()`` runs fn eagerly and
compares everything: the graph, which leaves it reads (so a replaced model is caught),
every ``.data`` and every number. See docs/compile.md.

Arguments must be leaf Values (or numbers, or lists/tuples of them), positional or by
keyword: the gradient of a non-leaf argument would have to go on into its own graph,
and a second backward pass there would add up a shared leaf's gradient in another order
than ``backward()``, so the numbers could differ in the last bits. Compute such an op
inside fn instead.
"""

from collections import Counter

from ..util.gc_pause import collector_paused
from . import check as _check
from .guards import Arguments, CompileError, GuardFailed, number_key
from .tracing import eager_step, trace, tracing_now

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


class CompiledFunction:
    """The callable ``compile(fn)`` returns. See the module docstring."""

    def __init__(self, fn):
        self.fn = fn
        self._traces = []                   # most recently used first
        self.last = None                    # the trace the last call ran
        self._retraced = Counter()          # why fn was traced again, and how often

    @property
    def traces(self):
        """How many traces (specialisations) of fn exist."""
        return len(self._traces)

    def all_traces(self):
        """The traces, most recently used first."""
        return list(self._traces)

    @property
    def source(self):
        """The generated Python of the trace the last call ran (None before a call)."""
        return self.last.program.source if self.last else None

    @property
    def n_nodes(self):
        """The number of nodes of the graph the last call replayed."""
        return self.last.program.n_main if self.last else 0

    @property
    def name(self):
        """fn's name, as messages show it."""
        return str(getattr(self.fn, "__name__", "fn"))

    def __repr__(self):
        state = (f"{self.traces} trace{'s' * (self.traces != 1)}, last {self.n_nodes} nodes"
                 if self._traces else "not traced yet")
        return f"<compiled {self.name}: {state}>"

    def __call__(self, *args, **kwargs):
        return self.call(args, kwargs)

    def call(self, args, kwargs, confirm=True):
        """One call: the replay of the trace whose guards hold (its first replay checked
        against fn run eagerly, unless ``confirm`` is False), else a new trace."""
        outer = tracing_now()
        if outer is not None:
            raise CompileError(
                f"compile: {outer} calls the compiled function {self.name} while {outer} "
                f"is traced. A compiled function runs its own backward pass and returns a "
                f"float, which the trace of {outer} cannot replay: call its plain function "
                f"inside {outer} (`inner.fn(...)`, which returns a Value), or compile only "
                f"the outer function")
        arguments = Arguments(args, kwargs)
        failed = []
        for t in self._traces:
            if t.key != arguments.key:
                continue
            why = t.refuses(arguments)
            if why:
                failed.append(why)
                continue
            try:
                if confirm and not t.confirmed:     # its first replay: checked against fn
                    value = _check.confirm(self, t, args, kwargs, arguments)
                else:
                    value = t.step(arguments.unique, [v.data for v in arguments.unique])
            except GuardFailed as e:
                failed.append(t.guard(e.k))
                continue
            except (ArithmeticError, ValueError) as e:
                failed.append(f"a float error in the replay ({type(e).__name__}: {e})")
                continue
            self._use(t)
            return value
        return self._retrace(args, kwargs, arguments, failed)

    def check(self, *args, **kwargs):
        """Run fn eagerly (twice) and compare with the compiled replay for these
        arguments: the graph, which leaves it reads and writes (a compiled function keeps
        the Values it traced: a replaced model is caught here), the output and every
        leaf's gradient, bit for bit. Every ``.grad`` is left as it was. True, or a
        CompileError saying what differs."""
        return _check.check(self, args, kwargs)

    def _use(self, t):
        self.last = t
        if self._traces[0] is not t:
            self._traces.remove(t)
            self._traces.insert(0, t)

    def _retrace(self, args, kwargs, arguments, failed):
        """Trace fn for these arguments and keep the trace. The call is the eager run
        itself (its errors are fn's errors): its result is backward() on its graph. The
        trace's next call is checked against fn run eagerly (``check.confirm``); the ones
        after it replay."""
        reason = failed[-1] if failed else self._mismatch(arguments)
        full = len(self._traces) >= MAX_TRACES
        with collector_paused():            # a graph walk makes no cycles: no collections
            new, out, reached = trace(self.fn, self.name, len(self._traces) + 1, args,
                                      kwargs, arguments, compile_code=not full)
        if full:
            self._retraced[reason] += 1
            raise CompileError(self._limit_message(reason))
        same = next((t for t in self._traces if t.same_as(new)), None)
        if same is None:
            if self._traces:
                self._retraced[reason] += 1
            self._traces.insert(0, new)
        else:
            new = same
        value = eager_step(out, reached)
        self._use(new)
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
            if number_key(old) != number_key(new):
                return f"the number {path} (traced with {old!r}, now {new!r})"
        return "the arguments"                                  # pragma: no cover

    def _limit_message(self, reason):
        counts = "; ".join(f"{why}: {n}x" for why, n in self._retraced.most_common(3))
        return (f"compile: {self.name} needs more than {MAX_TRACES} traces. The guard that "
                f"keeps failing: {reason}. Retraced so far because of: {counts}. The compiled "
                f"code replays fixed graphs: call fn eagerly for inputs like these, or pass a "
                f"number that changes at every call as a Value (then it is an input, not a "
                f"constant of the trace)")
