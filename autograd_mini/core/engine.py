"""The scalar reverse-mode engine, top to bottom:

1. ``Value``: one node. It holds ``data``, ``grad``, ``op``, ``label``, the plain-number
   operand ``constant`` of its op (``x * 3`` keeps 3), and for each parent the *local
   derivative* d(node)/d(parent), computed by the op during the forward pass.
2. Ops: the op table, each op's forward (on floats) beside its local derivatives, defined
   once in an ``Op`` (``opcode.py``: the class, and ``op`` to define your own). The same
   derivative functions run on floats (``backward``) and on Values (``create_graph``),
   and ``compile``, ``draw`` and ``explain`` read them too.
3. Node construction: each op's ``apply`` makes its result node (``print(MUL.source)``).
4. ``topological_order``: every node after its parents, without recursion.
5. ``backward``: in reverse topological order, ``parent.grad += local_grad * node.grad``.

No closure is stored (micrograd stores one per node), so a node holds no reference cycle.

Hooks, the only places where other modules reach into the core:
- ``recording``: a ContextVar, False under ``no_grad()`` (``grad_mode.py`` sets it).
- ``observer``: None, or a function ``(kind, a, b, result)`` told of every read of a
  Value's number that is not an op: comparisons (kind "<", "<=", ">", ">="; b the other
  operand) and conversions (kind "float", "int", "round", "floor", "ceil", "trunc",
  "format", "bool"; b the argument or None). ``compile`` sets it (``observing``) while it
  traces, to guard or refuse them.
"""

from __future__ import annotations

import contextvars
import gc
import math
import operator
from typing import TYPE_CHECKING, Union

from ..util.gc_pause import collector_paused
from .opdef import _BUILTIN, OPS, Op, op  # noqa: F401  (op: defining your own)
from .scalar import (
    MASKED,
    cos,
    d_pow_base,
    d_pow_exponent,
    pow_float,
    sigmoid,
    sigmoid_float,
    sign,
    sin,
    softplus_float,
)

__all__ = ["Value", "Op", "op", "OPS", "MASKED", "topological_order", "op_inputs"]

recording = contextvars.ContextVar("autograd_mini_recording", default=True)
observer = None


class observing:
    """``with observing(hook):`` sets ``observer`` to hook, one at a time (process-wide),
    and puts None back on every exit path."""

    def __init__(self, hook):
        self.hook = hook

    def __enter__(self):
        global observer
        if observer is not None:
            raise RuntimeError("another observer is set: Values are observed by one "
                               "tracer at a time (tracing is process-wide)")
        observer = self.hook
        return self.hook

    def __exit__(self, *exc):
        global observer
        observer = None
        return False

Operand = Union["Value", float, int]       # what an op takes: a Value or a plain number

# MASKED (None): a local derivative that passes back exactly 0, whatever arrives from above
# (an inactive relu, x**0), as PyTorch masks them; 0.0 times inf is nan, as in PyTorch.


# ============================================================== 1. the data model
class Value:
    """One scalar node of a computation graph.

    data        the number (float)               grad   d(output)/d(this node) (float)
    op          the op that made it ("" = leaf)  label  a name for drawings ("" = none)
    constant    the op's plain-number operand (``x * 3``: 3.0), else None
    parents     the operand Values (tuple)       local_grads  d(this)/d(parent), each

    Comparisons (``<``, ``<=``, ``>``, ``>=``) compare ``data`` and return a bool; they are
    not ops. ``==`` is identity, so Values can be dict keys.
    """

    # At most two parents, in slots of their own (_p0/_d0, _p1/_d1): one object per node
    # for the garbage collector. With one parent, _d1 keeps the constant operand. An
    # n-ary node (the neuron's weighted sum) keeps tuples in _p0/_d0 and _MANY in _p1.
    __slots__ = ("data", "grad", "op", "label", "_p0", "_d0", "_p1", "_d1")

    def __init__(self, data: float, label: str = "") -> None:
        self.data = data if type(data) is float else _as_float(data, "Value data")
        if type(label) is not str:
            raise TypeError(f"Value label must be a str, got {type(label).__name__}: {label!r}")
        self.grad = 0.0
        self.op = ""
        self.label = label
        self._p0 = self._p1 = self._d1 = None

    # ---------------------------------------------------------------- 2. ops
    # + - * / ** (a Value or a number on either side), -a, abs(a), a.exp() .log()
    # .sqrt() .tanh() .sigmoid() .relu() .softplus() .sin() .cos(): each is an Op of
    # the table below, attached to Value right after it.
    if TYPE_CHECKING:                   # the ops attached below, as a type checker sees them
        def __add__(self, other: Operand) -> Value: ...
        def __radd__(self, other: Operand) -> Value: ...
        def __sub__(self, other: Operand) -> Value: ...
        def __rsub__(self, other: Operand) -> Value: ...
        def __mul__(self, other: Operand) -> Value: ...
        def __rmul__(self, other: Operand) -> Value: ...
        def __truediv__(self, other: Operand) -> Value: ...
        def __rtruediv__(self, other: Operand) -> Value: ...
        def __pow__(self, other: Operand) -> Value: ...
        def __rpow__(self, other: Operand) -> Value: ...
        def __neg__(self) -> Value: ...
        def __abs__(self) -> Value: ...
        def exp(self) -> Value: ...
        def log(self) -> Value: ...
        def sqrt(self) -> Value: ...
        def tanh(self) -> Value: ...
        def sigmoid(self) -> Value: ...
        def relu(self) -> Value: ...
        def softplus(self) -> Value: ...
        def sin(self) -> Value: ...
        def cos(self) -> Value: ...

    def leaky_relu(self, slope: float = 0.01) -> Value:
        return LEAKY_RELU.apply2(self, _as_float(slope, "leaky_relu slope"))

    def __pos__(self) -> Value:
        return self

    def conjugate(self):                    # numpy's var/std on arrays of Values call it
        return self

    # Comparisons compare data (bool, not an op); compile sees them through the hook.
    def __lt__(self, other: Operand) -> bool: return _compare(self, "<", other)
    def __le__(self, other: Operand) -> bool: return _compare(self, "<=", other)
    def __gt__(self, other: Operand) -> bool: return _compare(self, ">", other)
    def __ge__(self, other: Operand) -> bool: return _compare(self, ">=", other)

    # ---------------------------------------------------------------- reading a node
    # Conversions read the number: compile sees them through ``observer``.
    def __float__(self) -> float: return _read(self, "float", None, self.data)
    def __int__(self) -> int: return _read(self, "int", None, int(self.data))
    def __round__(self, ndigits=None):
        return _read(self, "round", ndigits, round(self.data, ndigits))
    def __floor__(self) -> int: return _read(self, "floor", None, math.floor(self.data))
    def __ceil__(self) -> int: return _read(self, "ceil", None, math.ceil(self.data))
    def __trunc__(self) -> int: return _read(self, "trunc", None, math.trunc(self.data))
    def __format__(self, spec: str) -> str:
        return _read(self, "format", spec, format(self.data, spec) if spec else repr(self))
    def item(self) -> float: return _read(self, "float", None, self.data)   # as in PyTorch

    def detach(self) -> Value:
        """A new leaf with the same data and label, cut off from the graph."""
        return Value(self.data, self.label)

    def __repr__(self):
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    @property
    def parents(self) -> tuple[Value, ...]:
        """The operand Values this node was computed from: (), (a,), (a, b) or more."""
        a, b = self._p0, self._p1
        return () if a is None else (a,) if b is None else a if b is _MANY else (a, b)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d(this node)/d(parent) for each parent (0.0 where the op masks it)."""
        a, b = self._p0, self._p1
        d = () if a is None else (self._d0,) if b is None else \
            self._d0 if b is _MANY else (self._d0, self._d1)
        return tuple(0.0 if g is MASKED else g for g in d)

    @property
    def edges(self) -> tuple[tuple[Value, float | None], ...]:
        """(parent, local derivative) pairs, MASKED (None) kept: a masked edge passes back
        exactly 0, so a walk that multiplies must skip it (0 * inf would be nan)."""
        a, b = self._p0, self._p1
        if a is None:
            return ()
        if b is None:
            return ((a, self._d0),)
        return tuple(zip(a, self._d0)) if b is _MANY else ((a, self._d0), (b, self._d1))

    @property
    def constant(self) -> float | None:
        """The op's plain-number operand (``x * 3``: 3.0), else None. (A node with one
        parent keeps it in the slot a second parent's local derivative would use.)"""
        return self._d1 if self._p1 is None else None

    @property
    def _prev(self): return set(self.parents)           # micrograd's names
    @property
    def _op(self):
        c = self.constant                               # micrograd's "**2"
        if self.op != "**" or c is None:
            return self.op
        return self.op + (str(int(c)) if c.is_integer() and abs(c) < 1e16 else repr(c))

    def backward(self, gradient: float = 1.0, create_graph: bool = False) -> None:
        """Fill ``.grad`` of every node of the graph with d(self)/d(node) (section 5).

        Gradients accumulate, as in PyTorch: this pass's gradient of each node is added
        to what its ``.grad`` held. If the pass is interrupted (an error, Ctrl-C), every
        ``.grad`` is put back as it was. ``create_graph=True``: the gradients are Values.
        """
        backward(self, gradient, create_graph)


# ============================================================== 2. ops
# The op table: each op's forward on floats beside its local derivative d(out)/d(input)
# for each input, a number where it is constant, else a function of (inputs..., out),
# written with + - * / ** and scalar.py's functions so that it runs on floats and Values.
# A derivative may give MASKED: exactly 0 passes back to that input (relu below 0).
#    name              forward                     d(out)/d(a), d(out)/d(b)
ADD = Op("+",          operator.add,               (1.0, 1.0))
SUB = Op("-",          operator.sub,               (1.0, -1.0))
MUL = Op("*",          operator.mul,               (lambda a, b, out: b,
                                                    lambda a, b, out: a))
DIV = Op("/",          operator.truediv,           (lambda a, b, out: 1.0 / b,
                                                    lambda a, b, out: -out / b))
POW = Op("**",         pow_float,                  (d_pow_base, d_pow_exponent))
NEG = Op("neg",        operator.neg,               (-1.0,))
ABS = Op("abs",        abs,                        (lambda a, out: sign(a),))
EXP = Op("exp",        math.exp,                   (lambda a, out: out,))
LOG = Op("log",        math.log,                   (lambda a, out: 1.0 / a,))
SQRT = Op("sqrt",      math.sqrt,                  (lambda a, out: 0.5 / out,))
TANH = Op("tanh",      math.tanh,                  (lambda a, out: 1.0 - out * out,))
SIGMOID = Op("sigmoid", sigmoid_float,             (lambda a, out: out * (1.0 - out),))
RELU = Op("relu",      lambda a: 0.0 if a <= 0.0 else a,
                                                   (lambda a, out: MASKED if a <= 0.0 else 1.0,))
SOFTPLUS = Op("softplus", softplus_float,          (lambda a, out: sigmoid(a),))
SIN = Op("sin",        math.sin,                   (lambda a, out: cos(a),))
COS = Op("cos",        math.cos,                   (lambda a, out: -sin(a),))
LEAKY_RELU = Op("leaky_relu", lambda a, s: a if a > 0.0 else a * s,
                                                   (lambda a, s, out: 1.0 if a > 0.0 else s,
                                                    lambda a, s, out: 0.0 if a > 0.0 else a))


_BUILTIN.update(OPS)

# The ops as Value's operators and methods (c + a and c * a are a + c and a * c).
Value.__add__ = Value.__radd__ = ADD.apply2
Value.__mul__ = Value.__rmul__ = MUL.apply2
Value.__sub__, Value.__rsub__ = SUB.apply2, SUB.rapply2
Value.__truediv__, Value.__rtruediv__ = DIV.apply2, DIV.rapply2
Value.__pow__, Value.__rpow__ = POW.apply2, POW.rapply2
Value.__neg__, Value.__abs__ = NEG.apply1, ABS.apply1
for _op in (EXP, LOG, SQRT, TANH, SIGMOID, RELU, SOFTPLUS, SIN, COS):
    setattr(Value, _op.name, _op.apply1)


# ============================================================== 3. node construction
# Each op is written out once as a small Python function, ``apply1(a)`` or ``apply2(a, b)``
# (a is a Value; b a Value or a plain number, which becomes the node's ``constant``): it
# computes the result and the local derivatives on floats and stores them on a new node.
# Where the table's functions read as expressions (``lambda a, b, out: b``), their text is
# written in; elsewhere (``math.tanh``) the function is called. ``op.source`` shows it.
# Anything unusual (a domain error, inf/nan) is handed to ``_apply`` (special.py).
# ``opcode.py`` writes and compiles it (``attach_apply``), in this module's globals.
# The numbers an op is given are checked by ``_as_float`` and ``_constant`` (special.py).


_MANY = object()                    # _p1 of an n-ary node
_new = object.__new__
_recording = recording.get          # bound once: one C call per op


# ============================================================== 4. topological order
def topological_order(root: Value) -> list[Value]:
    """Every node reachable from ``root``, each after all of its parents.

    Iterative depth-first search (no recursion limit): a node stays on the stack until
    none of its parents is left unseen. A leaf parent is emitted on the spot.
    """
    order, stack, seen, many = [], [root], {root}, _MANY
    emit, push, mark = order.append, stack.append, seen.add     # bound once: hot loop
    while stack:
        node = stack[-1]
        a, b = node._p0, node._p1
        if b is many:                                   # n-ary: the first unseen parent
            for p in a:
                if p not in seen:
                    mark(p)
                    if p._p0 is not None:
                        push(p)
                        break
                    emit(p)
            else:
                emit(stack.pop())
            continue
        if a is not None and a not in seen:
            mark(a)
            if a._p0 is not None:
                push(a)
                continue
            emit(a)
        if b is not None and b not in seen:
            mark(b)
            if b._p0 is not None:
                push(b)
                continue
            emit(b)
        emit(stack.pop())
    return order


# ============================================================== 5. backward
def backward(output, gradient=1.0, create_graph=False):
    """``output.backward()``: d(output)/d(node) added to every node's ``.grad``."""
    _check_differentiable(output, "backward")
    if create_graph:
        from .autograd import accumulate_gradient_values  # differentiable grads
        return accumulate_gradient_values(output, gradient)
    seed = gradient if type(gradient) is float else _as_float(gradient, "backward gradient")
    held = []                                        # (node, what .grad held before)
    walking, collecting = False, gc.isenabled()
    try:                                             # an interrupt anywhere in here, even
        with collector_paused():                     # as the collector is put back: every
            order = topological_order(output)        # .grad as it was, the collector too
            for v in order:
                g = v.grad
                if g:
                    held.append((v, g))
                v.grad = 0.0
            walking = True
            output.grad = seed
            _chain_rule(order)                       # this pass alone...
            for v, g in held:                        # ...added to the old grads
                v.grad += g
    except BaseException:
        if walking:
            for v in order:
                v.grad = 0.0
        for v, g in held:
            v.grad = g
        if collecting:
            gc.enable()
        raise


def _chain_rule(order):
    """parent.grad += local_grad * node.grad, for each node from the output back.
    (``is not None``: not MASKED, the derivative an inactive relu passes back as 0.)"""
    many = _MANY
    for v in reversed(order):
        a = v._p0
        if a is None:                                    # a leaf passes nothing on
            continue
        g = v.grad                                       # complete by now
        b = v._p1
        d = v._d0
        if b is None:
            if d is not None:
                a.grad += d * g
        elif b is not many:
            if d is not None:
                a.grad += d * g
            d = v._d1
            if d is not None:
                b.grad += d * g
        else:                                            # n-ary: tuples of parents, grads
            for p, local in zip(a, d):
                if local is not None:
                    p.grad += local * g


# Everything the fast paths hand over (domain errors, inf/nan, constants on the left,
# n inputs) lives in special.py, which uses the definitions above.
# The generated apply functions read _apply, _constant and _as_float from this module.
from .special import (  # noqa: E402, F401
    _as_float,
    _check_differentiable,
    _compare,
    _constant,
    _read,
    op_inputs,
)
from .special import apply as _apply  # noqa: E402, F401  (read by the apply functions)
