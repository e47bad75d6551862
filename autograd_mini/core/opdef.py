"""Defining an op (``op``), and how each op's apply function is written: the op table's
forward and derivative functions turned into one small Python function per op, compiled
by ``attach_apply`` (``op.source`` shows it).

Where a function reads as an expression when run on symbols (``lambda a, b, out: b`` gives
``y``; ``lambda a, out: 1.0 - out * out`` gives ``(1.0 - (out * out))``), its text is
written in: the same float operations in the same order as calling it, without the call.
Anything else (a comparison, ``math.tanh``) is called as it is. Nothing here runs an op.
"""

from __future__ import annotations

import inspect
import math
import operator
import sys
from typing import Callable

__all__ = ["Op", "OPS", "op", "write_apply", "attach_apply"]


_APPLY1 = """def apply1(a):
    x = a.data
    try:
        out = {forward}
        node = _new(Value)
        node.data = out
        node.grad = 0.0
        node.op = name
        node.label = ""
        node._p1 = node._d1 = None
        if _recording():
            node._p0 = a
            node._d0 = {d0}
        else:                       # no_grad(): the op is named, nothing recorded
            node._p0 = None
        return node
    except (ArithmeticError, ValueError):
        return _apply(op, (a,))
"""
_APPLY2 = """def apply2(a, b):
    x = a.data
    if isinstance(b, Value):
        y = b.data
        c = None
    else:                           # a plain number: the node's constant
        y = c = b if type(b) is float else _constant(b)
        if c is None:
            return NotImplemented
    try:
        out = {forward}
        node = _new(Value)
        node.data = out
        node.grad = 0.0
        node.op = name
        node.label = ""
        if not _recording():
            node._p0 = node._p1 = None
            node._d1 = c
        elif c is None:
            node._p0 = a
            node._d0 = {d0}
            node._p1 = b
            node._d1 = {d1}
        else:
            node._p0 = a
            node._d0 = {d0}
            node._p1 = None
            node._d1 = c
        return node
    except (ArithmeticError, ValueError):
        return _apply(op, (a, b if c is None else c))
"""


def write_apply(op):
    """The source of op's apply function, and the values it reads besides the module's."""
    names = ["x", "y"][:len(op.derivatives)]
    values = {"op": op, "name": op.name, "_forward": op.forward}
    fields = {"forward": _expression(op.forward, names, values, "_forward")}
    for i, d in enumerate(op.derivatives):
        values[f"_d{i}"] = d
        fields[f"d{i}"] = _expression(d, names + ["out"], values, f"_d{i}")
    template = _APPLY1 if len(names) == 1 else _APPLY2
    return template.format(**fields), values


def _expression(f, names, values, fallback):
    """f's value as a Python expression in ``names``: its text where f reads as one (run
    on symbols), else a call ``fallback(x, ...)`` of f itself."""
    if not callable(f):                                  # a constant local derivative
        return _literal(f, values)
    if not _readable(f):
        return f"{fallback}({', '.join(names)})"
    try:
        result = f(*map(_Symbol, names))
        return _literal(result, values) if not isinstance(result, _Symbol) else result.text
    except (TypeError, ValueError, ArithmeticError, AttributeError):
        return f"{fallback}({', '.join(names)})"


def _readable(f):
    """True where running f on symbols writes what f computes: an operator, or a function
    that reads nothing but its arguments (no globals, closures or defaults, whose values
    could change after the op is defined)."""
    if f in (operator.add, operator.sub, operator.mul, operator.truediv, operator.neg):
        return True
    code = getattr(f, "__code__", None)
    return code is not None and not (code.co_names or code.co_freevars or
                                     getattr(f, "__defaults__", None) or
                                     getattr(f, "__kwdefaults__", None))


def _literal(c, values):
    if c is None or (type(c) is float and math.isfinite(c)):
        return repr(c)
    if type(c) is not float:
        raise TypeError(f"a local derivative must be a float or a function, got {c!r}")
    key = f"_k{len(values)}"
    values[key] = c
    return key


class _Symbol:
    """An input while an op's functions are read as expressions: ``b * out`` is '(y * out)'.
    Comparisons and anything else it cannot write raise, and the function is called."""

    __slots__ = ("text",)

    def __init__(self, text):
        self.text = text

    def _binary(symbol, reflected=False):
        def method(self, other):
            if not isinstance(other, (_Symbol, float, int)) or isinstance(other, bool):
                return NotImplemented
            o = other.text if isinstance(other, _Symbol) else f"({other!r})"
            left, right = (o, self.text) if reflected else (self.text, o)
            return _Symbol(f"({left} {symbol} {right})")
        return method

    __add__, __radd__ = _binary("+"), _binary("+", True)
    __sub__, __rsub__ = _binary("-"), _binary("-", True)
    __mul__, __rmul__ = _binary("*"), _binary("*", True)
    __truediv__, __rtruediv__ = _binary("/"), _binary("/", True)
    __pow__, __rpow__ = _binary("**"), _binary("**", True)

    def __neg__(self):
        return _Symbol(f"(-{self.text})")

    def __bool__(self, *other):
        raise TypeError("a symbol has no truth value")

    __lt__ = __le__ = __gt__ = __ge__ = __eq__ = __ne__ = __bool__
    __hash__ = None


def attach_apply(op, env, own=True):
    """Write out and compile op's apply function (``op.source``). It runs in ``env``, the
    engine's globals (Value, _new, _recording, _apply, _constant); the op's own values
    (its functions, name) are closed over. A user's op (``own=False``) goes through the
    engine's checked path instead: its results are checked to be real numbers."""
    if not own:
        return _checked_apply(op, env)
    source, values = write_apply(op)
    maker = "def make({}):\n{}    return {}\n".format(
        ", ".join(values), "".join("    " + line + "\n" for line in source.splitlines()),
        "apply1" if len(op.derivatives) == 1 else "apply2")
    namespace = {}
    exec(compile(maker, f"<autograd_mini op {op.name!r}>", "exec"), env, namespace)
    apply = namespace["make"](*values.values())
    op.source = source
    if len(op.derivatives) == 1:
        op.apply1 = apply
    else:
        op.apply2, op.rapply2 = apply, _reversed(op, env)


def _checked_apply(op, env):
    """A user op's apply functions: every call through ``special.apply``, which checks
    that the forward and each local derivative give real numbers (a complex result, a
    Value or a string is an error naming the op, never a stored wrong number)."""
    Value, constant = env["Value"], env["_constant"]

    def apply1(a):
        return env["_apply"](op, (a,))

    def apply2(a, b):
        if not isinstance(b, Value):
            b = constant(b)
            if b is None:
                return NotImplemented
        return env["_apply"](op, (a, b))

    op.source = "(a user op: each call goes through special.apply, its results checked)"
    if len(op.derivatives) == 1:
        op.apply1 = apply1
    else:
        op.apply2, op.rapply2 = apply2, _reversed(op, env)


def _reversed(op, env):
    """c OP b for a plain number c: a node of op "r" + name, e.g. "r-" for 3 - x."""
    def rapply2(b, a):
        c = env["_constant"](a)
        return NotImplemented if c is None else env["_apply"](op, (c, b))
    return rapply2


def op(*derivatives: float | Callable[..., object],
       name: str | None = None) -> Callable[[Callable[..., float]], object]:
    """Define an op, as the engine defines its own::

        @op(lambda x: 3 * x ** 2)          # d/dx, written with ops: differentiable again
        def cube(x):                        # forward, on plain floats
            return x ** 3

    One derivative per input, each a function of the inputs (and optionally ``out``).
    """
    def define(forward):
        n = len(derivatives)
        return Op(name or forward.__name__, forward, [_takes_out(d, n) for d in derivatives])
    return define


def _takes_out(d, n):
    """A derivative of n inputs as a function of (inputs..., out)."""
    if type(d) is float:                            # a constant local derivative
        return d
    if not callable(d):
        raise TypeError(f"op: each derivative must be a function, got {type(d).__name__}")
    try:
        params = inspect.signature(d).parameters.values()
    except (TypeError, ValueError):
        return d
    required = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                and p.default is p.empty]
    if len(required) == n and not any(p.kind == p.VAR_POSITIONAL for p in params):
        return lambda *xs: d(*xs[:-1])          # d(inputs): defaults (k=k) keep their values
    return d


# ---------------------------------------------------------------------- the Op
def _engine():
    """The engine module (it imports this one first, then defines its op table)."""
    return sys.modules[__package__ + ".engine"]


class Op:
    """An op: ``forward`` on floats and, per input, its local derivative d(out)/d(input):
    a number where it is constant (``+``: 1.0), else a function of (inputs..., out)
    written with + - * / ** and scalar.py's functions, so that it works on floats
    (backward) and on Values (create_graph). A derivative may return ``MASKED``: then
    exactly 0 passes back to that input, whatever arrives (an inactive relu)."""

    __slots__ = ("name", "rname", "forward", "derivatives", "singular", "apply1", "apply2",
                 "rapply2", "source")

    def __init__(self, name, forward, derivatives, singular=None):
        if not callable(forward) or not derivatives or not all(
                callable(d) or type(d) is float for d in derivatives):
            raise TypeError(f"op {name!r}: needs a forward function and one derivative "
                            f"(a function or a float) per input")
        if type(name) is not str or not name or name in _BUILTIN or \
                name[:1] == "r" and name[1:] in _BUILTIN:
            raise ValueError(f"op: {name!r} cannot name a new op (a non-empty str that is "
                             f"not one of the engine's own op names)")
        self.name, self.rname = _OpName(name, self), _OpName("r" + name, self, reversed=True)
        self.forward, self.derivatives = forward, tuple(derivatives)
        self.singular = singular      # IEEE result where forward raises (default nan)
        if len(derivatives) <= 2:               # the table's own ops, before _BUILTIN is filled,
            attach_apply(self, vars(_engine()), own=not _BUILTIN)   # are written out; a user's
                                                                # op is checked at each call
        OPS[name] = self

    def __call__(self, *inputs):
        engine = _engine()
        Value, _as_float, _apply = engine.Value, engine._as_float, engine._apply
        if len(inputs) != len(self.derivatives):
            raise TypeError(f"{self.name}: takes {len(self.derivatives)} input(s), "
                            f"got {len(inputs)}")
        if not any(isinstance(x, Value) for x in inputs):     # plain numbers: a number
            out = self.forward(*(_as_float(x, f"{self.name} input") for x in inputs))
            return out if type(out) is float else _as_float(out, f"{self.name} result")
        if len(inputs) == 1:
            out = self.apply1(inputs[0])
        elif len(inputs) == 2 and isinstance(inputs[0], Value):
            out = self.apply2(*inputs)
        else:
            out = _apply(self, inputs)
        if out is NotImplemented:                   # apply2's answer to a non-number
            raise TypeError(f"{self.name}: inputs must be Values or real numbers, got "
                            f"{', '.join(type(x).__name__ for x in inputs)}")
        return out

    def local_derivatives(self, inputs, out):
        """d(out)/d(input) for each input, evaluated (floats or Values, as the inputs)."""
        return [d(*inputs, out) if callable(d) else d for d in self.derivatives]

    def __repr__(self):
        return f"<op {self.name}>"


OPS = {}    # op name -> Op: every op the engine and its users have defined
_BUILTIN = set()            # the engine's own op names (filled after the table)


class _OpName(str):
    """An op's name as a node stores it (``v.op == "tanh"``), knowing its own Op: a node
    keeps the definition it was made with even if a later ``@op`` reuses the name."""

    def __new__(cls, name, op, reversed=False):
        self = super().__new__(cls, name)
        self.op, self.reversed = op, reversed           # reversed: the constant on the left
        return self
