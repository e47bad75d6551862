"""The op table: every op's forward beside its local derivatives, one line each.

``Value``'s methods (``value.py``) compute the same derivatives on floats as they build a
node (``a * b`` stores b and a); this table is what the rest of the engine reads about an
op: ``create_graph`` runs the derivative functions on Values (second derivatives),
``compile`` writes them into its code, ``draw`` and ``explain`` name the op. A test
(tests/core/test_ops.py) checks that each method stores exactly what its table entry
computes. ``op`` defines your own op the same way.
"""

from __future__ import annotations

import inspect
import math
import operator
from numbers import Real
from typing import Callable, ClassVar

from . import scalar
from .scalar import (
    MASKED,
    cos,
    d_pow_base,
    d_pow_exponent,
    leaky_relu_float,
    pow_float,
    relu_float,
    sigmoid,
    sigmoid_derivative,
    sigmoid_float,
    sign,
    sin,
    softplus_float,
    tanh_derivative,
)
from .special import as_float, div_singular, exp_singular, log_singular, pow_singular

__all__ = ["Op", "OPS", "op", "op_inputs", "is_builtin", "MANY", "UNSET"]

OPS: dict[str, Op] = {}     # op name -> Op: every op the engine and its users defined
class _Marker:
    """A marker a node's slot holds (``MANY``, ``UNSET``), pickled and copied as itself:
    a plain ``object()`` would come back as another object (and, for ``MANY``, the n-ary
    node's tuple of parents would be read as one parent)."""

    __slots__ = ("name",)

    def __init__(self, name):
        self.name = name

    def __reduce__(self):
        return self.name

    def __repr__(self):
        return self.name


MANY = _Marker("MANY")      # a node's _p1 when it has more than two parents (wsum)
UNSET = _Marker("UNSET")    # a node's _grad_value when its .grad is None (grads.py)


class Op:
    """An op: ``forward`` on floats and, per input, its local derivative d(out)/d(input):
    a number where it is constant (``+``: 1.0), else a function of (inputs..., out)
    written with + - * / ** and scalar.py's functions, so that it works on floats
    (``backward``) and on Values (``create_graph``). A derivative may return ``MASKED``:
    then exactly 0 passes back to that input, whatever arrives (an inactive relu).
    ``singular``: the IEEE result where forward raises (default nan)."""

    __slots__ = ("name", "rname", "forward", "derivatives", "singular", "builtin")

    apply: ClassVar[Callable] = None    # how a node is made: value.apply (value.py sets it)
    node: ClassVar[type] = None         # the class of nodes: Value (value.py sets it)

    def __init__(self, name, forward, derivatives, singular=None, builtin=False):
        if not callable(forward) or not derivatives or not all(
                callable(d) or type(d) is float for d in derivatives):
            raise TypeError(f"op {name!r}: needs a forward function and one derivative "
                            f"(a function or a float) per input")
        if type(name) is not str or not name or not builtin and is_builtin(name):
            raise ValueError(f"op: {name!r} cannot name a new op (a non-empty str that is "
                             f"not one of the engine's own op names)")
        self.name = name if builtin else OpName(name, self)
        self.rname = "r" + name if builtin else OpName("r" + name, self, reversed=True)
        self.forward, self.derivatives = forward, tuple(derivatives)
        self.singular, self.builtin = singular, builtin
        OPS[name] = self

    def __call__(self, *inputs):
        """The op applied: to Values, a new node (what ``a * b`` makes for ``*``); to
        plain numbers, a number."""
        if len(inputs) != len(self.derivatives):
            raise TypeError(f"{self.name}: takes {len(self.derivatives)} input(s), "
                            f"got {len(inputs)}")
        for x in inputs:
            if isinstance(x, Op.node):                  # a Value among them: a node
                return Op.apply(self, inputs)
        out = self.forward(*[x if type(x) is float else as_float(x, f"{self.name} input")
                             for x in inputs])
        return out if type(out) is float else as_float(out, f"{self.name} result")

    def local_derivatives(self, inputs, out):
        """d(out)/d(input) for each input, evaluated (floats or Values, as the inputs)."""
        return [d(*inputs, out) if callable(d) else d for d in self.derivatives]

    def __repr__(self):
        return f"<op {self.name}>"


class OpName(str):
    """A user op's name as its nodes store it (``v.op == "cube"``), knowing its own Op:
    a node keeps the definition it was made with even if a later ``@op`` reuses the
    name. (The engine's own ops store plain strings: their names cannot be taken.)"""

    def __new__(cls, name, op, reversed=False):
        self = super().__new__(cls, name)
        self.op, self.reversed = op, reversed           # reversed: the constant on the left
        return self


def _t(name, forward, *derivatives, singular=None):
    return Op(name, forward, derivatives, singular, builtin=True)


# ============================================================== the table
#  name        forward                 d(out)/d(a), d(out)/d(b)
ADD = _t("+",  operator.add,           1.0, 1.0)
SUB = _t("-",  operator.sub,           1.0, -1.0)
MUL = _t("*",  operator.mul,           lambda a, b, out: b,
                                       lambda a, b, out: a)
DIV = _t("/",  operator.truediv,       lambda a, b, out: 1.0 / b,
                                       lambda a, b, out: -out / b,         singular=div_singular)
POW = _t("**", pow_float,              d_pow_base, d_pow_exponent,        singular=pow_singular)
NEG = _t("neg", operator.neg,          -1.0)
ABS = _t("abs", abs,                   lambda a, out: sign(a))
EXP = _t("exp", math.exp,              lambda a, out: out,                 singular=exp_singular)
LOG = _t("log", math.log,              lambda a, out: 1.0 / a,             singular=log_singular)
SQRT = _t("sqrt", math.sqrt,           lambda a, out: 0.5 / out)
TANH = _t("tanh", math.tanh,           lambda a, out: tanh_derivative(a, out))
SIGMOID = _t("sigmoid", sigmoid_float, lambda a, out: sigmoid_derivative(a, out))
RELU = _t("relu", relu_float,          lambda a, out: MASKED if a <= 0.0 else 1.0)
SOFTPLUS = _t("softplus", softplus_float, lambda a, out: sigmoid(a))
SIN = _t("sin", math.sin,              lambda a, out: cos(a))
COS = _t("cos", math.cos,              lambda a, out: -sin(a))
LEAKY_RELU = _t("leaky_relu", leaky_relu_float,
                                       lambda a, s, out: 1.0 if a > 0.0 else s,
                                       lambda a, s, out: 0.0 if a > 0.0 else a)
# The derivatives of tanh and sigmoid as ops of their own, so that a second derivative
# keeps full accuracy where 1 - tanh^2 would cancel: tanh'' = -2 tanh tanh',
# sigmoid'' = -sigmoid' tanh(a/2).
TANH_PRIME = _t("tanh'", lambda a: scalar.tanh_derivative_float(a, math.tanh(a)),
                                       lambda a, out: -2.0 * scalar.tanh(a) * out)
SIGMOID_PRIME = _t("sigmoid'", lambda a: scalar.sigmoid_derivative_float(a, sigmoid_float(a)),
                                       lambda a, out: -out * scalar.tanh(0.5 * a))
_BUILTIN = frozenset(OPS) | {"wsum"}        # wsum: the neuron's weighted sum (wsum.py)


def is_builtin(name):
    """True for the engine's own op names (``"*"``, ``"tanh"``, ``"r-"``), False for a
    user's op (``@op``)."""
    return name in _BUILTIN or name[:1] == "r" and name[1:] in _BUILTIN


def op_inputs(node):
    """(Op, inputs) of a node: its parents with the constant in its place, e.g. for
    ``3 - x`` (op "r-") ``(OPS["-"], (3.0, x))``. (None, ()) for a leaf."""
    name = node.op
    if not name or node._p0 is None:
        return None, ()
    op = getattr(name, "op", None)
    reversed_ = getattr(name, "reversed", False)
    if op is None:                                       # the engine's own op
        reversed_ = name not in OPS
        op = OPS[name[1:] if reversed_ else name]
    parents, c = node.parents, node.constant
    if reversed_:
        return op, (c,) + parents
    return op, parents + ((c,) if c is not None else ())


# ============================================================== your own ops
def op(*derivatives: float | Callable[..., object],
       name: str | None = None) -> Callable[[Callable[..., float]], Op]:
    """Define an op, as the engine defines its own::

        @op(lambda x: 3 * x ** 2)          # d/dx, written with ops: differentiable again
        def cube(x):                        # forward, on plain floats
            return x ** 3

    One derivative per input: a number (a constant derivative) or a function of the
    inputs (and optionally ``out``), written with Value ops or scalar.py's functions
    (not ``math.*``) so that it runs on floats and on Values. A derivative that returns
    None (a forgotten ``return``) is an error, never a zero gradient: return 0.0 for a
    zero derivative (``MASKED`` is how the engine's own relu and ``**`` mark theirs).
    """
    if not derivatives:
        raise TypeError("op: give one derivative per input, e.g. @op(lambda x: 3 * x ** 2)")
    for d in derivatives:
        if not callable(d) and not (isinstance(d, Real) and not isinstance(d, bool)):
            raise TypeError(f"op: each derivative must be a function or a number, got "
                            f"{type(d).__name__}: {d!r}")

    def define(forward):
        if not callable(forward):
            raise TypeError(f"op: decorates the forward function, got "
                            f"{type(forward).__name__}")
        n = len(derivatives)
        _check_arity(forward, n)
        opname = name or forward.__name__
        return Op(opname, forward, [_derivative(d, n, opname, i)
                                    for i, d in enumerate(derivatives)])
    return define


def _check_arity(forward, n):
    """The forward function must take as many inputs as there are derivatives."""
    try:
        inspect.signature(forward).bind(*range(n))
    except TypeError:
        raise TypeError(f"op {forward.__name__!r}: {n} derivative(s) given, so the forward "
                        f"function must take {n} input(s); its signature is "
                        f"{inspect.signature(forward)}") from None
    except ValueError:                                  # no signature (a builtin): trust it
        pass


def _derivative(d, n, name, i):
    """A user's derivative for input i of an n-input op as a function of (inputs...,
    out) that never returns None; a number as a float. A function that can take neither
    the n inputs nor the inputs and ``out`` is refused here, when the op is defined."""
    if not callable(d):
        return as_float(d, f"op {name!r}: a constant derivative")
    drop_out = False                                    # d(inputs) rather than d(inputs, out)
    try:
        sig = inspect.signature(d)
    except (TypeError, ValueError):                     # no signature (a builtin): trust it
        sig = None
    if sig is not None:
        params = sig.parameters.values()
        required = [p for p in params if p.default is p.empty and p.kind in
                    (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        varargs = any(p.kind == p.VAR_POSITIONAL for p in params)
        drop_out = len(required) == n and not varargs   # defaults (k=k) keep their values
        if not drop_out and not _binds(sig, n + 1):
            raise TypeError(f"op {name!r}: derivative {i + 1} must take the op's {n} "
                            f"input(s) (and optionally out); its signature is {sig}")

    def derivative(*inputs_and_out):
        r = d(*inputs_and_out[:-1]) if drop_out else d(*inputs_and_out)
        if r is None:
            raise TypeError(f"op {name!r}: its derivative for input {i + 1} returned None "
                            f"(a missing `return`?); it must return a number (0.0 for a "
                            f"zero derivative), or a Value on Values")
        return r
    derivative.__wrapped__ = d
    return derivative


def _binds(sig, n):
    try:
        sig.bind(*range(n))
    except TypeError:
        return False
    return True
