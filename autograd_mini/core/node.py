"""``Node``: what one node of a computation graph records, and how to read it.

``Value`` (value.py) is a Node with ops. A node holds ``data``, ``grad``, ``op``,
``label``, and for each parent the local derivative d(node)/d(parent), stored by the op
that made it. Comparisons and conversions read ``data``: they are not ops, so no gradient
flows through them; ``compile`` sees them through ``observer``.
"""

from __future__ import annotations

import math
import sys
from numbers import Real
from typing import Union

from . import engine
from .ops import MANY, MASKED
from .special import as_float, differentiating

__all__ = ["Node", "observing"]

Operand = Union["Node", float, int]       # what an op takes: a Value or a plain number


class Node:
    """One scalar node of a computation graph, as the engine records it.

    data        the number (float)               grad   d(output)/d(this node) (float)
    op          the op that made it ("" = leaf)  label  a name for drawings ("" = none)
    parents     the operand Values (tuple)       local_grads  d(this)/d(parent), each
    constant    the op's plain-number operand (``x * 3``: 3.0), else None

    Comparisons (``<``, ``<=``, ``>``, ``>=``) compare ``data`` and return a bool; they are
    not ops. ``==`` is identity, so Values can be dict keys.
    """

    # At most two parents, in slots of their own (_p0/_d0, _p1/_d1): one object per node
    # for the garbage collector. With one parent, _d1 keeps the constant operand. An
    # n-ary node (the neuron's weighted sum) keeps tuples in _p0/_d0 and MANY in _p1.
    # _hooks is set only by register_hook. The number and the gradient live in _data and
    # _grad, which the engine reads; ``data`` and ``grad`` (below the class) are the same
    # two slots under their public names, so that compile can observe what code outside
    # the engine reads and writes (``observing``) without observing the engine's own ops.
    __slots__ = ("_data", "_grad", "op", "label", "_p0", "_d0", "_p1", "_d1", "_hooks")

    def __init_subclass__(cls, **kwargs):
        """A subclass that redefines ``data`` or ``grad`` must redefine ``_data`` or
        ``_grad`` as the same thing (``grad = _grad``): the engine reads and writes the
        slots ``_data``, ``_grad``, so a property on the public name alone would be
        passed over by every op and backward (a silently different number)."""
        super().__init_subclass__(**kwargs)
        own = vars(cls)
        for name in ("data", "grad"):
            if (name in own or "_" + name in own) and own.get(name) is not own.get("_" + name):
                given, other = (name, "_" + name) if name in own else ("_" + name, name)
                raise TypeError(
                    f"{cls.__name__}: redefines {given!r} but not {other!r} as the same "
                    f"thing; the engine reads and writes the slot '_{name}' and users read "
                    f"{name!r}: define '_{name}' and set {name} = _{name}")

    def __init__(self, data: float, label: str = "") -> None:
        self._data = data if type(data) is float else as_float(data, "Value data")
        if type(label) is not str:
            raise TypeError(f"Value label must be a str, got {type(label).__name__}: {label!r}")
        self._grad = 0.0
        self.op = ""
        self.label = label
        self._p0 = self._p1 = self._d1 = None

    # ------------------------------------------------------------ reading the number
    # Comparisons and conversions read data; they are not ops (no gradient flows through
    # them). compile sees them through ``observer``.
    def __lt__(self, other: Operand) -> bool: return _compare(self, "<", other)
    def __le__(self, other: Operand) -> bool: return _compare(self, "<=", other)
    def __gt__(self, other: Operand) -> bool: return _compare(self, ">", other)
    def __ge__(self, other: Operand) -> bool: return _compare(self, ">=", other)
    def __float__(self) -> float: return _read(self, "float", None, self._data)
    def __int__(self) -> int: return _read(self, "int", None, int(self._data))
    def __floor__(self) -> int: return _read(self, "floor", None, math.floor(self._data))
    def __ceil__(self) -> int: return _read(self, "ceil", None, math.ceil(self._data))
    def __trunc__(self) -> int: return _read(self, "trunc", None, math.trunc(self._data))
    def __round__(self, ndigits: int | None = None) -> float:
        return _read(self, "round", ndigits, round(self._data, ndigits))
    def __format__(self, spec: str) -> str:
        return _read(self, "format", spec, format(self._data, spec) if spec else _text(self))

    def item(self) -> float:
        """The number, as ``tensor.item()``."""
        return _read(self, "float", None, self._data)

    def __repr__(self) -> str:
        text = _text(self)
        if observer is not None:                    # str(v), print(v): compile refuses
            observer("repr", self, None, text)
        return text

    # ------------------------------------------------------------ the graph
    @property
    def parents(self) -> tuple[Node, ...]:
        """The operand Values this node was computed from: (), (a,), (a, b) or more."""
        a, b = self._p0, self._p1
        return () if a is None else (a,) if b is None else a if b is MANY else (a, b)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d(this node)/d(parent) for each parent (0.0 where the op masks it)."""
        if observer is not None:
            _tell_outside("graph", self)
        return tuple(0.0 if d is MASKED else d for _, d in self.edges)

    @property
    def edges(self) -> tuple[tuple[Node, float | None], ...]:
        """(parent, local derivative) pairs, MASKED (None) kept: a masked edge passes back
        exactly 0, so a walk that multiplies must skip it (0 * inf would be nan)."""
        if observer is not None:
            _tell_outside("graph", self)
        a, b = self._p0, self._p1
        if a is None:
            return ()
        if b is None:
            return ((a, self._d0),)
        return tuple(zip(a, self._d0)) if b is MANY else ((a, self._d0), (b, self._d1))

    @property
    def constant(self) -> float | None:
        """The op's plain-number operand (``x * 3``: 3.0), else None. (A node with one
        parent keeps it in the slot a second parent's local derivative would use.)"""
        return self._d1 if self._p1 is None else None

    @property
    def _prev(self) -> set[Node]:                  # micrograd's names
        return set(self.parents)

    @property
    def _op(self) -> str:
        c = self.constant                           # micrograd's "**2"
        if self.op != "**" or c is None:
            return self.op
        return self.op + (str(int(c)) if c.is_integer() and abs(c) < 1e16 else repr(c))

    def backward(self, gradient: float = 1.0, retain_graph: bool | None = None,
                 create_graph: bool = False, inputs: Node | list | None = None) -> None:
        """Add d(self)/d(node) to ``.grad`` of every node of the graph (engine.py).

        Gradients accumulate, as in PyTorch: each node's ``.grad`` gets this pass added.
        If the pass is interrupted (an error, Ctrl-C), every ``.grad`` is put back as it
        was. ``create_graph=True``: the gradients are Values (differentiable again).
        ``inputs``: accumulate into these leaves only. ``retain_graph`` is accepted for
        PyTorch code; the graph is always kept (a second backward adds again).
        ``gradient``: d(result)/d(self), a number or a Value (None: 1).
        """
        if isinstance(gradient, Node) and not create_graph:
            gradient = gradient._data               # y.backward(torch.tensor(2.0)) ports as is
        engine.backward(self, gradient, create_graph, inputs)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when backward has this node's gradient, as
        ``tensor.register_hook``: a returned number replaces the gradient. Returns a
        handle whose ``remove()`` takes the hook off."""
        return engine.register_hook(self, hook)


# ==================================================================== reading the number
observer = None     # compile's: told of each comparison and conversion (see ``observing``)


class observing:
    """``with observing(hook):`` tells ``hook(kind, a, b, result)`` of every comparison
    (kind "<", "<=", ">", ">="; b the other operand) and conversion (kind "float", "int",
    "round", "floor", "ceil", "trunc", "format", "repr" (str and print too); b the
    argument or None) of a Value's number inside, and of every read of ``v.data`` by code
    outside this package (kind "float": ``x * x.data`` reads the number as ``float(x)``
    does) and every write (kind "write"), and of every read or write of ``v.grad`` by code
    outside the core (kind "grad"), and of reads of ``local_grads`` / ``edges`` (kind
    "graph"). One observer at a time (it is process-wide)."""

    def __init__(self, hook):
        self.hook = hook

    def __enter__(self):
        global observer
        if observer is not None:
            raise RuntimeError("another observer is set: Values are observed by one "
                               "tracer at a time (tracing is process-wide)")
        observer = self.hook
        Node.data = _OBSERVED_DATA          # .data and .grad read the slots and tell
        Node.grad = _OBSERVED_GRAD          # the observer (the engine reads _data, _grad)
        return self.hook

    def __exit__(self, *exc):
        global observer
        Node.data, Node.grad = _DATA, _GRAD     # the plain slots again
        observer = None
        return False


# ``v.data`` and ``v.grad``: the slots' own descriptors under their public names (a read
# costs what reading a slot costs); ``observing`` swaps them for properties that tell.
Node.data = _DATA = vars(Node)["_data"]
Node.grad = _GRAD = vars(Node)["_grad"]


def _tell_outside(kind, v):
    """Tell the observer of a read of ``v``'s graph (its local derivatives) by code outside
    the package (the caller of the property that calls this)."""
    if not sys._getframe(2).f_globals.get("__name__", "").startswith("autograd_mini."):
        observer(kind, v, None, None)


def _read_data(v):
    """``v.data`` while observed: a read by code outside the package is told to the
    observer as ``float(v)`` (the engine's own reads are its ops, not reads of a number)."""
    value = _DATA.__get__(v)
    if observer is not None and not sys._getframe(1).f_globals.get(
            "__name__", "").startswith("autograd_mini."):
        observer("float", v, None, value)
    return value


def _write_data(v, value):
    """``v.data = x`` while observed: a write by code outside the package is told to the
    observer (kind "write"), so that its own read (``w.data *= 0.5``) is not taken for a
    number the trace depends on."""
    _DATA.__set__(v, value)
    if observer is not None and not sys._getframe(1).f_globals.get(
            "__name__", "").startswith("autograd_mini."):
        observer("write", v, None, value)


_OBSERVED_DATA = property(_read_data, _write_data, doc="the number (observed)")


def _read_grad(v):
    """``v.grad`` while observed: a read by code outside the core (kind "grad"; the core
    reads the slot ``_grad``)."""
    value = _GRAD.__get__(v)
    if observer is not None:
        observer("grad", v, None, value)
    return value


def _write_grad(v, value):
    """``v.grad = g`` while observed: a write by code outside the core (kind "grad"; the
    core writes the slot ``_grad``), ``zero_grad()`` included."""
    _GRAD.__set__(v, value)
    if observer is not None:
        observer("grad", v, None, value)


_OBSERVED_GRAD = property(_read_grad, _write_grad, doc="d(output)/d(this node) (observed)")


def _text(v):
    label = f", label={v.label!r}" if v.label else ""
    return f"Value(data={v._data!r}, grad={v._grad!r}{label})"


def _compare(a, op, b):
    """a OP b on data (numbers compared exactly, as Python does)."""
    y = b._data if isinstance(b, Node) else b
    if not isinstance(y, Real):
        raise TypeError(f"cannot compare Value with {type(b).__name__}: {b!r}")
    x = a._data
    result = x < y if op == "<" else x <= y if op == "<=" else x > y if op == ">" else x >= y
    if observer is not None:
        observer(op, a, b, result)
    return result


def _read(v, kind, arg, result):
    """A conversion of a Value's number (float(v), round(v), f"{v:.3f}"): told to the
    observer; an error inside an op's derivative run on Values (create_graph), where a
    plain number would be taken as a constant and the second derivative silently 0."""
    if observer is not None:
        observer(kind, v, arg, result)
    op = differentiating.get()
    if op is not None:
        raise TypeError(
            f"op {op.name!r}: its derivative converted a Value to a plain number ({kind}() "
            f"of {v!r}; math.* functions do that), so create_graph would take it as a "
            f"constant and the second derivative would be silently wrong. Write the "
            f"derivative with Value ops (x.cos(), x.exp(), x ** 2) or autograd_mini's "
            f"scalar functions, which run on floats and on Values")
    return result
