"""``Value``: one scalar node of a computation graph, and its ops.

Each op is a method that computes its result on floats and, next to it, its local
derivative d(result)/d(operand) for each operand, and stores both on a new node: ``a * b``
stores b for a and a for b. ``backward()`` (engine.py) later multiplies these by the
gradient arriving from above: the chain rule. No closure is stored (micrograd stores one
per node), so a node holds no reference cycle.

Anything unusual (a domain error, an overflow, inf or nan, a constant on the left, an op
of your own) goes to ``apply``, the slow path at the end of this file; the rules it follows
are in special.py, the ops' definitions in the op table (ops.py).
"""

from __future__ import annotations

import math
from math import isfinite, isinf, isnan
from numbers import Real
from typing import Any, Final

from . import ops
from .grad_mode import recording
from .node import Node, mypyc_attr
from .ops import MANY, MASKED, Op
from .scalar import (
    d_pow_base,
    d_pow_exponent,
    pow_float,
    sigmoid_derivative_float,
    sigmoid_float,
    softplus_float,
    tanh_derivative_float,
)
from .special import as_float, constant, domain_error, ieee_mode, ieee_result, local_derivative

__all__ = ["Value", "apply"]

# What an op takes: a Value or a plain number. Typed Any: each op checks it and returns
# NotImplemented or names the error (the compiled engine would raise its own TypeError).
Operand = Any
Result = Any        # an op of two operands: a Value, or NotImplemented (not a number)
# A number a node keeps (its data, a constant, a local derivative that is an operand's
# data) is typed Any, as node.py's fields: the compiled engine then stores the float
# object itself, where a local typed float would be stored as a new copy of it. (So a
# constant is ``c: Any = other``, then converted if it is not a float: in ``other if
# type(other) is float else ...`` mypyc would type the float branch float, a copy.)
_ERRORS = (ArithmeticError, ValueError)    # what sends an op to the slow path


@mypyc_attr(allow_interpreted_subclasses=True)    # compiled: users may subclass it
class Value(Node):
    """One scalar node of a computation graph: a number (``data``) and, once
    ``backward()`` ran, d(output)/d(this node) (``grad``). Its ops make new nodes that
    record their parents and local derivatives (the data model is ``Node``, node.py)."""

    __slots__ = ()

    # ------------------------------------------------------------ ops of two operands
    def __add__(self, other: Operand) -> Result:
        """``a + b``.  d/da = 1, d/db = 1."""
        try:
            if isinstance(other, Value):
                return _node2(self._data + other._data, "+", self, 1.0, other, 1.0)
            c: Any = other
            if type(c) is not float:
                c = constant(other)
            return NotImplemented if c is None else _node1(self._data + c, "+", self, 1.0, c)
        except _ERRORS:
            return apply(ops.ADD, (self, other))

    def __radd__(self, other: Operand) -> Result:
        """``c + a`` is ``a + c``."""
        return self.__add__(other)

    def __sub__(self, other: Operand) -> Result:
        """``a - b``.  d/da = 1, d/db = -1."""
        try:
            if isinstance(other, Value):
                return _node2(self._data - other._data, "-", self, 1.0, other, -1.0)
            c: Any = other
            if type(c) is not float:
                c = constant(other)
            return NotImplemented if c is None else _node1(self._data - c, "-", self, 1.0, c)
        except _ERRORS:
            return apply(ops.SUB, (self, other))

    def __rsub__(self, other: Operand) -> Result:
        """``c - a`` for a plain number c (op "r-").  d/da = -1."""
        c: Any = other
        if type(c) is not float:
            c = constant(other, "-")
        if c is None:
            return NotImplemented
        try:
            return _node1(c - self._data, "r-", self, -1.0, c)
        except _ERRORS:
            return apply(ops.SUB, (c, self))

    def __mul__(self, other: Operand) -> Result:
        """``a * b``.  d/da = b, d/db = a."""
        x = self._data
        try:
            if isinstance(other, Value):
                y = other._data
                return _node2(x * y, "*", self, y, other, x)
            c: Any = other
            if type(c) is not float:
                c = constant(other)
            return NotImplemented if c is None else _node1(x * c, "*", self, c, c)
        except _ERRORS:
            return apply(ops.MUL, (self, other))

    def __rmul__(self, other: Operand) -> Result:
        """``c * a`` is ``a * c``."""
        return self.__mul__(other)

    def __truediv__(self, other: Operand) -> Result:
        """``a / b``.  d/da = 1/b, d/db = -a/b^2 = -out/b."""
        x: float = self._data
        try:
            if isinstance(other, Value):
                y: float = other._data
                out = x / y
                return _node2(out, "/", self, 1.0 / y, other, -out / y)
            c: Any = other
            if type(c) is not float:
                c = constant(other)
            return NotImplemented if c is None else _node1(x / c, "/", self, 1.0 / c, c)
        except _ERRORS:
            return apply(ops.DIV, (self, other))

    def __rtruediv__(self, other: Operand) -> Result:
        """``c / a`` for a plain number c (op "r/").  d/da = -c/a^2 = -out/a."""
        c: Any = other
        if type(c) is not float:
            c = constant(other, "/")
        if c is None:
            return NotImplemented
        x: float = self._data
        try:
            out = c / x
            return _node1(out, "r/", self, -out / x, c)
        except _ERRORS:
            return apply(ops.DIV, (c, self))

    def __pow__(self, other: Operand) -> Result:
        """``a ** b``.  d/da = b a^(b-1), d/db = a^b ln a (masked where they are exactly 0:
        b = 0, or a = 0 with b >= 0)."""
        x = self._data
        try:
            if isinstance(other, Value):
                y = other._data
                out = pow_float(x, y)
                return _node2(out, "**", self, d_pow_base(x, y, out),
                              other, d_pow_exponent(x, y, out))
            c: Any = other
            if type(c) is not float:
                c = constant(other)
            if c is None:
                return NotImplemented
            out = pow_float(x, c)
            return _node1(out, "**", self, d_pow_base(x, c, out), c)
        except _ERRORS:
            return apply(ops.POW, (self, other))

    def __rpow__(self, other: Operand) -> Result:
        """``c ** a`` for a plain number c (op "r**").  d/da = c^a ln c."""
        c: Any = other
        if type(c) is not float:
            c = constant(other, "**")
        if c is None:
            return NotImplemented
        try:
            out = pow_float(c, self._data)
            return _node1(out, "r**", self, d_pow_exponent(c, self._data, out), c)
        except _ERRORS:
            return apply(ops.POW, (c, self))

    def leaky_relu(self, slope: Any = 0.01) -> Value:
        """``a if a > 0 else slope * a``.  d/da = 1 above 0, else slope."""
        s = as_float(slope, "leaky_relu slope")
        x = self._data
        try:
            if x > 0.0:
                return _node1(x, "leaky_relu", self, 1.0, s)
            return _node1(x * s, "leaky_relu", self, s, s)
        except _ERRORS:
            return apply(ops.LEAKY_RELU, (self, s))

    # ------------------------------------------------------------ ops of one operand
    def __neg__(self) -> Value:
        """``-a``.  d/da = -1."""
        try:
            return _node1(-self._data, "neg", self, -1.0)
        except _ERRORS:
            return apply(ops.NEG, (self,))

    def __abs__(self) -> Value:
        """``|a|``.  d/da = sign(a) (0 at 0, as PyTorch)."""
        x: float = self._data
        try:
            return _node1(abs(x), "abs", self, 1.0 if x > 0.0 else -1.0 if x < 0.0 else x * 0.0)
        except _ERRORS:
            return apply(ops.ABS, (self,))

    def exp(self) -> Value:
        """``e^a``.  d/da = e^a = out."""
        x: float = self._data
        try:
            out: Any = math.exp(x)                  # (Any: one float object, kept twice)
            return _node1(out, "exp", self, out)
        except _ERRORS:
            return apply(ops.EXP, (self,))

    def log(self) -> Value:
        """``ln a``.  d/da = 1/a."""
        try:
            x: float = self._data
            return _node1(math.log(x), "log", self, 1.0 / x)
        except _ERRORS:
            return apply(ops.LOG, (self,))

    def sqrt(self) -> Value:
        """``sqrt(a)``.  d/da = 1/(2 sqrt(a)) = 0.5/out."""
        x: float = self._data
        try:
            out = math.sqrt(x)
            return _node1(out, "sqrt", self, 0.5 / out)
        except _ERRORS:
            return apply(ops.SQRT, (self,))

    def tanh(self) -> Value:
        """``tanh(a)``.  d/da = 1 - tanh(a)^2 (computed without cancellation)."""
        x: float = self._data
        try:
            out = math.tanh(x)                      # where 1 - out^2 would cancel, the
            d = 1.0 - out * out if -2.5 < x < 2.5 else tanh_derivative_float(x, out)
            return _node1(out, "tanh", self, d)     # accurate form (scalar.py)
        except _ERRORS:
            return apply(ops.TANH, (self,))

    def sigmoid(self) -> Value:
        """``1/(1+e^-a)``.  d/da = s(a)(1 - s(a)) (computed without cancellation)."""
        x: float = self._data
        try:
            out = sigmoid_float(x)                  # where 1 - out would cancel, the
            d = out * (1.0 - out) if -3.0 < x < 3.0 else sigmoid_derivative_float(x, out)
            return _node1(out, "sigmoid", self, d)  # accurate form (scalar.py)
        except _ERRORS:
            return apply(ops.SIGMOID, (self,))

    def relu(self) -> Value:
        """``max(a, 0)``.  d/da = 1 for a > 0; below, exactly 0 passes back (MASKED)."""
        x = self._data
        try:
            if x > 0.0:
                return _node1(x, "relu", self, 1.0)
            if x <= 0.0:
                return _node1(0.0, "relu", self, MASKED)
        except _ERRORS:
            pass
        return apply(ops.RELU, (self,))                 # nan or inf

    def softplus(self) -> Value:
        """``ln(1 + e^a)``.  d/da = sigmoid(a)."""
        x = self._data
        try:
            return _node1(softplus_float(x), "softplus", self, sigmoid_float(x))
        except _ERRORS:
            return apply(ops.SOFTPLUS, (self,))

    def sin(self) -> Value:
        """``sin a``.  d/da = cos a."""
        x: float = self._data
        try:
            return _node1(math.sin(x), "sin", self, math.cos(x))
        except _ERRORS:
            return apply(ops.SIN, (self,))

    def cos(self) -> Value:
        """``cos a``.  d/da = -sin a."""
        x: float = self._data
        try:
            return _node1(math.cos(x), "cos", self, -math.sin(x))
        except _ERRORS:
            return apply(ops.COS, (self,))

    def tanh_derivative(self) -> Value:
        """``tanh'(a) = 1 - tanh(a)^2`` (op "tanh'": second derivatives of tanh).
        d/da = -2 tanh(a) tanh'(a)."""
        return apply(ops.TANH_PRIME, (self,))

    def sigmoid_derivative(self) -> Value:
        """``sigmoid'(a) = s(a)(1 - s(a))`` (op "sigmoid'": second derivatives of sigmoid).
        d/da = -sigmoid'(a) tanh(a/2)."""
        return apply(ops.SIGMOID_PRIME, (self,))

    def __pos__(self) -> Value:
        return self

    def conjugate(self) -> Value:           # numpy's var/std on arrays of Values call it
        return self

    def detach(self) -> Value:
        """A new leaf with the same data and label, cut off from the graph."""
        return Value(self._data, self.label)


setattr(Value, "__hash__", object.__hash__)  # noqa: B010  identity (see node.py)


# ==================================================================== node construction
_recording: Final = recording.get   # bound once; compiled, a C variable (Final), not a dict


def _node1(out: Any, op: str, a: Value, d: Any, c: Any = None) -> Value:
    """A node of one parent a with local derivative d (c: the op's constant operand).
    A result that is not finite raises ArithmeticError: the op's slow path takes over."""
    number: float = out                         # isinf, isnan: compiled, tests of the C
    if isinf(number) or isnan(number):          # double (isfinite would be a call)
        raise ArithmeticError(op)
    node = Value(out)                           # a leaf: data, grad 0, no parents
    node.op = op
    node._d1 = c
    if _recording():
        node._p0 = a
        node._d0 = d
    return node                                 # no_grad(): the op is named, no parents


def _node2(out: Any, op: str, a: Value, da: Any, b: Value, db: Any) -> Value:
    """A node of two parents a, b with local derivatives da, db."""
    number: float = out
    if isinf(number) or isnan(number):
        raise ArithmeticError(op)
    node = Value(out)
    node.op = op
    if _recording():
        node._p0 = a
        node._d0 = da
        node._p1 = b
        node._d1 = db
    return node


def _node_many(out: Any, op: str, parents: tuple, ds: tuple) -> Value:
    """A node of n parents (a tuple) with their local derivatives (a tuple)."""
    node = Value(out)
    node.op = op
    if _recording():
        node._p0 = parents
        node._d0 = ds
        node._p1 = MANY
    return node


# ==================================================================== the slow path
def apply(op: Op, inputs: tuple) -> Value:
    """``op`` on ``inputs`` (Values and plain numbers, in the op's order) as a new node:
    any op, on any inputs. The ops' methods come here for everything unusual: finite
    inputs with a result that is not finite raise an error naming op and operands; inf
    or nan inputs (and IEEE mode) give PyTorch's inf/nan; a constant on the left ("r-");
    ops of your own, whose results are checked to be real numbers; n inputs."""
    if not all(isinstance(v, (Value, Real)) for v in inputs):
        raise TypeError(f"{op.name}: inputs must be Values or real numbers, got "
                        f"{', '.join(type(v).__name__ for v in inputs)}")
    if len(inputs) > 2 and not all(isinstance(v, Value) for v in inputs):
        raise TypeError(f"{op.name}: an op of {len(inputs)} inputs takes Values only")
    xs = [v._data if isinstance(v, Value) else as_float(v, f"{op.name}: a constant operand")
          for v in inputs]
    error = None
    try:
        out = op.forward(*xs)
        if type(out) is not float:
            out = as_float(out, f"{op.name} result")
    except _ERRORS as e:
        error, out = e, None
    if out is None or not isfinite(out):
        if not ieee_mode.get() and all(map(isfinite, xs)):
            raise domain_error(op.name, inputs, xs, error, out) from None
        if out is None:
            out = ieee_result(op, xs)
    parents = [i for i, v in enumerate(inputs) if isinstance(v, Value)]
    node = Value(out)
    node.op = op.name if parents[0] == 0 else op.rname
    if len(parents) < len(inputs):                  # one Value and a constant
        node._d1 = xs[1 - parents[0]]
    if not _recording():
        return node
    ds = [local_derivative(op, i, xs, out, Value) for i in parents]
    if len(inputs) > 2:
        node._p0, node._d0, node._p1 = tuple(inputs), tuple(ds), MANY
    elif len(parents) == 2:
        node._p0, node._d0, node._p1, node._d1 = inputs[0], ds[0], inputs[1], ds[1]
    else:
        node._p0, node._d0 = inputs[parents[0]], ds[0]
    return node


Op.apply, Op.node = staticmethod(apply), Value     # calling an Op on a Value makes a node
