"""``compile(fn)``: trace a function of Values once, then replay it as straight-line code.

The first call runs ``fn`` eagerly and records its graph. From that graph a plain Python
function on floats is generated, the Wengert list written out as code:

    forward   one line per node, e.g. ``net_o1 = v12 + b2``
    backward  one line per local chain-rule step, ``g_p += d(node)/d(p) * g_node``,
              in exactly the order ``backward()`` applies them
    .grad     each leaf's gradient is added to its ``.grad`` (accumulating, like
              ``backward()``)

Every call reads the leaves' current ``.data`` (so a training loop that updates the
parameters works) and returns the output as a float. The float operations are the
eager engine's, in the same order, so values and gradients equal ``backward()``'s bit
for bit. ``step.source`` shows the generated code.

What a trace cannot see: Python control flow that depends on data. The replay always
follows the graph of the first call. Detected, with a ``CompileError``:
  - a different number or structure of arguments than at the first call;
  - a comparison of Values (``<``, ``<=``, ``>``, ``>=``, so also ``max``, ``sorted``,
    ``if a > b``) that comes out differently than when traced.
Not detected: branching on ``.data`` or ``float(v)`` directly. Plain numbers used in
``fn`` (``alpha * reg``) and Values built under ``no_grad()`` are baked in as the
constants they were at the first call. Ops that
branch *inside* (``relu``, ``abs``, ``leaky_relu``) are fine: their choice is made from the
data in the generated code. ``step.check()`` runs ``fn`` eagerly and verifies that the
graph and every number still match.
"""

import builtins
import keyword
import math
import re
from numbers import Real

from . import engine
from .engine import Value, topological_order

__all__ = ["compile", "CompiledFunction", "CompileError"]


class CompileError(RuntimeError):
    """fn cannot be (or can no longer be) replayed from its trace."""


def compile(fn):
    """Trace ``fn`` at its first call and replay it as generated Python from then on.

    ``step = compile(loss_fn)``; then ``loss = step()`` each iteration returns the output
    as a float and adds d(output)/d(leaf) to every leaf's ``.grad``, exactly as
    ``loss_fn().backward()`` would. Arguments (numbers, Values, or nested lists/tuples of
    them) are allowed: their structure must stay the one of the first call.
    """
    if not callable(fn):
        raise TypeError(f"compile: fn must be callable, got {type(fn).__name__}")
    return CompiledFunction(fn)


class _Trace:
    """What the engine records while ``fn`` runs: the constant operand of each op that has
    one, and every comparison of Values."""

    def __init__(self):
        self.constants = {}
        self.comparisons = []


def _flatten(args):
    """The leaves (numbers as floats, Values) of nested lists/tuples, and their shape as a
    string such as ``(x, [x, x])``: a number and a Value are both an input leaf ``x``."""
    leaves = []

    def walk(x, where):
        if isinstance(x, (list, tuple)):
            return "[" + ", ".join(walk(item, f"{where}[{i}]") for i, item in enumerate(x)) + "]"
        if isinstance(x, Value):
            leaves.append(x)
            return "x"
        if isinstance(x, Real) and not isinstance(x, bool):
            leaves.append(float(x))
            return "x"
        raise TypeError(f"compile: {where} must be a number, a Value or a list/tuple of "
                        f"them, got {type(x).__name__}: {x!r}")
    shape = "(" + ", ".join(walk(a, f"args[{i}]") for i, a in enumerate(args)) + ")"
    return leaves, shape


def _rebuild(args, leaves):
    """``args`` with each leaf replaced by the next item of ``leaves``."""
    it = iter(leaves)

    def walk(x):
        if isinstance(x, (list, tuple)):
            return type(x)(walk(item) for item in x)
        return next(it)
    return [walk(a) for a in args]


class CompiledFunction:
    """The callable ``compile(fn)`` returns. See the module docstring."""

    def __init__(self, fn):
        self.fn = fn
        self.source = None          # the generated Python, after the first call
        self._step = None
        self._kinds = None
        self._signature = None
        self._leaves = None         # the Value leaves fn captured (parameters, constants)
        self.n_nodes = 0

    def __repr__(self):
        state = f"{self.n_nodes} nodes" if self._step else "not traced yet"
        return f"<compiled {getattr(self.fn, '__name__', 'fn')}: {state}>"

    def __call__(self, *args):
        flat, kinds = _flatten(args)
        if self._step is None:
            return self._trace_and_compile(args, flat, kinds)
        if kinds != self._kinds:
            raise CompileError(
                f"compile: {self._name()} was traced with arguments shaped {self._kinds}"
                f" and is now called with {kinds}; the graph depends on the inputs, so"
                f" compile a new function for them (or call fn eagerly)")
        A = [x if isinstance(x, Value) else None for x in flat]
        X = [x.data if isinstance(x, Value) else x for x in flat]
        try:
            return self._step(self._leaves, A, X)
        except (ArithmeticError, ValueError) as e:
            self._explain_failure(args, e)

    def _name(self):
        return getattr(self.fn, "__name__", "fn")

    # ------------------------------------------------------------------ tracing
    def _run_traced(self, args, flat):
        """Run fn eagerly with the tracing hooks on; returns (output, arg leaves, trace)."""
        values = [x if isinstance(x, Value) else Value(x) for x in flat]
        for i, v in enumerate(values):
            if v.parents:
                raise CompileError(f"compile: argument leaf {i} is the result of an op "
                                   f"({v.op!r}); pass leaves (use .detach())")
        trace = _Trace()
        if engine._trace is not None:
            raise CompileError("compile: another function is being traced right now")
        engine._trace = trace
        try:
            with engine.enable_grad():
                out = self.fn(*_rebuild(args, values))
        finally:
            engine._trace = None
        if not isinstance(out, Value):
            raise CompileError(f"compile: {self._name()} must return one Value, "
                               f"got {type(out).__name__}")
        return out, values, trace

    def _trace_and_compile(self, args, flat, kinds):
        out, arg_values, trace = self._run_traced(args, flat)
        order = topological_order(out)
        source, leaves, namespace, signature = _generate(order, arg_values, trace,
                                                         self._name())
        code = builtins.compile(source, f"<autograd_mini.compile {self._name()}>", "exec")
        exec(code, namespace)
        self._step = namespace["step"]
        self.source = source
        self._kinds = kinds
        self._leaves = leaves
        self._signature = signature
        self.n_nodes = len(order)
        return self(*args)

    def _explain_failure(self, args, error):
        """A float error in the replay: rerun fn eagerly so the engine names the op."""
        flat, _ = _flatten(args)
        self.fn(*_rebuild(args, [x if isinstance(x, Value) else Value(x) for x in flat]))
        raise CompileError(f"compile: the compiled {self._name()} failed with "
                           f"{type(error).__name__}: {error}, but fn runs eagerly; its graph "
                           f"must have changed since it was traced") from error

    def check(self, *args):
        """Run fn eagerly and verify that its graph and every number are what the compiled
        code computes (gradients not written). True, or CompileError saying what differs."""
        if self._step is None:
            raise CompileError("compile: check() needs a first call to trace fn")
        flat, kinds = _flatten(args)
        if kinds != self._kinds:
            raise CompileError(f"compile: arguments shaped {kinds}, traced with "
                               f"{self._kinds}")
        out, arg_values, trace = self._run_traced(args, flat)
        order = topological_order(out)
        _, leaves, _, signature = _generate(order, arg_values, trace, self._name(),
                                            source=False)
        if signature != self._signature:
            for i, (a, b) in enumerate(zip(signature, self._signature)):
                if a != b:
                    raise CompileError(f"compile: the graph changed at node {i}: traced "
                                       f"{_show(b)}, now {_show(a)}")
            raise CompileError(f"compile: the graph changed: {len(self._signature)} nodes "
                               f"when traced, {len(signature)} now")
        eager = engine._gradient_floats(order, out, 1.0)
        # (compiled leaf or argument Value, the eager trace's leaf, a name for messages)
        pairs = [(old, new, old.label or f"captured leaf {j}")
                 for j, (old, new) in enumerate(zip(self._leaves, leaves))]
        pairs += [(x, v, x.label or f"argument leaf {i}")
                  for i, (x, v) in enumerate(zip(flat, arg_values)) if isinstance(x, Value)]
        saved = [(v, v.grad) for v, _, _ in pairs]
        try:
            for v, _ in saved:
                v.grad = 0.0
            value = self(*args)
            for v, new, name in pairs:
                if not _same(v.grad, eager.get(new, 0.0)):
                    raise CompileError(f"compile: gradient of {name} differs: eager "
                                       f"{eager.get(new, 0.0)!r}, compiled {v.grad!r}")
        finally:
            for v, g in saved:
                v.grad = g
        if not _same(value, out.data):
            raise CompileError(f"compile: output differs: eager {out.data!r}, "
                               f"compiled {value!r}")
        return True


def _same(a, b):
    return a == b or (a != a and b != b)          # NaN == NaN here


def _show(sig):
    op, parents, const = sig
    return f"op {op or 'leaf'!r} on nodes {list(parents)}" + \
        (f" with constant {const!r}" if const is not None else "")


# ---------------------------------------------------------------------- code generation
# op -> forward expression; a, b are the parents' names, c the constant, o the node
_FORWARD = {
    "+": "{a} + {b}", "-": "{a} - {b}", "*": "{a} * {b}", "/": "{a} / {b}",
    "**": "_pow({a}, {b})", "neg": "-{a}", "abs": "_abs({a})",
    "exp": "_exp({a})", "log": "_log({a})", "sqrt": "_sqrt({a})", "tanh": "_tanh({a})",
    "sigmoid": "_sigmoid({a})", "relu": "{a} if {a} > 0.0 else 0.0",
    "leaky_relu": "{a} if {a} > 0.0 else {a} * {c}", "softplus": "_softplus({a})",
    "sin": "_sin({a})", "cos": "_cos({a})",
}
_FORWARD_CONST = {"+": "{a} + {c}", "*": "{a} * {c}", "/": "{a} / {c}", "**": "_pow({a}, {c})"}

# op -> local derivative d(node)/d(parent) for each parent, as an expression; the same
# float operations the eager op performs when it stores local_grads
_LOCAL = {
    "+": ("1.0", "1.0"), "-": ("1.0", "-1.0"), "*": ("{b}", "{a}"),
    "/": ("1.0 / {b}", "-{o} / {b}"),
    "**": ("_power_derivative({a}, {b})", "_exponent_derivative({a}, {b}, {o})"),
    "neg": ("-1.0",), "abs": ("(1.0 if {a} > 0 else -1.0 if {a} < 0 else 0.0)",),
    "exp": ("{o}",), "log": ("1.0 / {a}",), "sqrt": ("(0.5 / {o} if {o} else _inf)",),
    "tanh": ("(1.0 - {o} * {o})",), "sigmoid": ("{o} * (1.0 - {o})",),
    "relu": ("(1.0 if {a} > 0.0 else 0.0)",),
    "leaky_relu": ("(1.0 if {a} > 0.0 else {c})",), "softplus": ("_sigmoid({a})",),
    "sin": ("_cos({a})",), "cos": ("-_sin({a})",),
}
_LOCAL_CONST = {"+": ("1.0",), "*": ("{c}",), "/": ("{l}",),
                "**": ("_power_derivative({a}, {c})",)}

_IDENT = re.compile(r"\W")


def _pow(a, n):
    """a ** n on floats, refusing what the eager op refuses (a complex result)."""
    out = a ** n
    if type(out) is not float:
        raise ValueError("** of a negative base with a non-integer exponent")
    return out


def _generate(order, arg_values, trace, fn_name, source=True):
    """The source of ``step(_P, _A, _X)``, its captured leaves, namespace and signature.

    ``order`` is the output's graph. Values compared while tracing that are not in it
    (``max(a, b)`` keeps only one) are computed too, after it, for the guards only.
    """
    n_graph = len(order)
    index = {v: i for i, v in enumerate(order)}
    order = list(order)
    for a, _, b, _ in trace.comparisons:
        for v in (a, b):
            if isinstance(v, Value) and v not in index:
                for u in topological_order(v):
                    if u not in index:
                        index[u] = len(order)
                        order.append(u)
    arg_slot = {}
    for i, v in enumerate(arg_values):
        arg_slot.setdefault(v, i)
    namespace = {"_pow": _pow, "_abs": abs, "_exp": math.exp, "_log": math.log,
                 "_sqrt": math.sqrt, "_tanh": math.tanh, "_sin": math.sin, "_cos": math.cos, "_inf": math.inf,
                 "_sigmoid": engine._sigmoid, "_softplus": engine._softplus,
                 "_power_derivative": engine._power_derivative,
                 "_exponent_derivative": engine._exponent_derivative}
    names, taken = [], set()
    for i, v in enumerate(order):
        names.append(_variable_name(v.label, i, taken))

    def literal(x):
        if math.isfinite(x):
            return repr(x)
        key = f"_k{len(namespace)}"
        namespace[key] = x
        return key

    leaves, forward, backward, writeback, signature = [], [], [], [], []
    for i, v in enumerate(order):
        name = names[i]
        const = trace.constants.get(v) if v.parents else None
        signature.append((v.op, tuple(index[p] for p in v.parents), const))
        if not v.parents:
            if v in arg_slot:
                forward.append(f"{name} = _X[{arg_slot[v]}]" + _comment(v, name))
                if i < n_graph:
                    writeback.append((i, f"if _A[{arg_slot[v]}] is not None: "
                                         f"_A[{arg_slot[v]}].grad += {{g}}"))
            else:
                forward.append(f"{name} = _P[{len(leaves)}].data" + _comment(v, name))
                if i < n_graph:
                    writeback.append((i, f"_P[{len(leaves)}].grad += {{g}}"))
                leaves.append(v)
            continue
        op = "**" if v.op.startswith("**") else v.op
        fields = {"o": name, "a": names[index[v.parents[0]]]}
        if len(v.parents) == 2:
            fields["b"] = names[index[v.parents[1]]]
            template, locals_ = _FORWARD.get(op), _LOCAL.get(op)
        elif op == "-" and const is not None:
            # x - c has local derivative 1, c - x has -1: the stored derivative tells them apart
            template = "{a} - {c}" if v.local_grads[0] == 1.0 else "{c} - {a}"
            locals_ = (literal(v.local_grads[0]),)
        elif op in _FORWARD_CONST or op == "-":
            if const is None:
                raise CompileError(
                    f"compile: node {_describe(v, name)} (op {v.op!r} with a constant) was "
                    f"computed before fn was called; build the whole graph inside fn")
            template, locals_ = _FORWARD_CONST[op], _LOCAL_CONST[op]
        else:
            template, locals_ = _FORWARD.get(op), _LOCAL.get(op)
        if template is None or locals_ is None or (("{c}" in template or any(
                "{c}" in t for t in locals_)) and const is None):
            raise CompileError(f"compile: op {v.op!r} with {len(v.parents)} parent(s) "
                               f"cannot be compiled")
        if const is not None:
            fields["c"] = literal(const)
        if v.local_grads:
            fields["l"] = literal(v.local_grads[0])
        forward.append(f"{name} = {template.format(**fields)}" + _comment(v, name))
        v_locals = [t.format(**fields) for t in locals_]
        if i < n_graph:
            backward.append((i, v_locals))
    if not source:
        return None, leaves, namespace, signature

    # comparisons made while tracing become guards
    guards = []
    for k, (a, op, b, result) in enumerate(trace.comparisons):
        if a not in index or (isinstance(b, Value) and b not in index):
            continue
        rhs = names[index[b]] if isinstance(b, Value) else literal(engine._data(b))
        test = f"{names[index[a]]} {op} {rhs}"
        namespace[f"_guard{k}"] = (f"{_describe(a, names[index[a]])} {op} "
                                   f"{_describe(b, rhs) if isinstance(b, Value) else rhs}")
        guards.append(f"if {'not ' if result else ''}({test}): "
                      f"_diverged(_guard{k}, {result!r})")
    namespace["_diverged"] = _diverged

    root = names[n_graph - 1]
    lines = [
        "def step(_P, _A, _X):",
        f'    """{fn_name}, traced: {n_graph} nodes ({len(leaves) + len(arg_slot)} leaves).',
        "",
        "    Forward, then backward: g_x is d(output)/d(x). _P holds the captured leaves",
        '    (parameters), _X the argument values and _A the argument Values."""',
        "    # forward: one line per node (the Wengert list)",
    ]
    lines += ["    " + line for line in forward]
    if guards:
        lines.append("    # control flow seen while tracing: the same comparisons must hold")
        lines += ["    " + g for g in guards]
    lines.append(f"    # backward: one line per local chain-rule step, "
                 f"g_parent += d(node)/d(parent) * g_node")
    lines.append(f"    g_{root} = 1.0")
    # grad[j]: the variable holding node j's gradient so far. A first contribution with
    # local derivative 1 (``+``) is the consumer's gradient itself: it is only noted in
    # a comment and the consumer's variable is used (1.0 * g == g exactly).
    grad = {n_graph - 1: f"g_{root}"}
    for i, v_locals in reversed(backward):
        v = order[i]
        g = grad[i]
        for p, local in zip(v.parents, v_locals):
            j = index[p]
            own = f"g_{names[j]}"
            contribution = g if local == "1.0" else f"{local} * {g}"
            if j not in grad:
                if local == "1.0":
                    lines.append(f"    # {own} = {g}")
                    grad[j] = g
                    continue
                lines.append(f"    {own} = {contribution}")
            elif grad[j] != own:                # was an alias: now it gets its own value
                lines.append(f"    {own} = {grad[j]} + {contribution}")
            else:
                lines.append(f"    {own} += {contribution}")
            grad[j] = own
    lines.append("    # each leaf's gradient, accumulated into .grad as backward() does")
    lines += ["    " + w.format(g=grad[j]) for j, w in writeback]
    lines.append(f"    return {root}")
    return "\n".join(lines) + "\n", leaves, namespace, signature


def _variable_name(label, i, taken):
    """A Python name for node i: its label made an identifier where possible, else v<i>."""
    name = _IDENT.sub("_", label) if label else ""
    if (not name.isidentifier() or name.startswith(("_", "g_")) or keyword.iskeyword(name)
            or name == "step"):
        name = f"v{i}"
    while name in taken:
        name += "_"
    taken.add(name)
    return name


def _comment(v, name):
    return f"  # {repr(v.label)[1:-1]}" if v.label and v.label != name else ""


def _describe(v, name):
    return f"{name} (label {v.label!r})" if v.label and v.label != name else name


def _diverged(what, result):
    raise CompileError(f"compile: control flow changed: `{what}` was {result} when the "
                       f"function was traced and is {not result} now; the compiled code "
                       f"replays the traced graph only. Call fn eagerly for this input, or "
                       f"compile one function per branch")
