"""``Node``: what one node of a computation graph records, and how to read it.

``Value`` (value.py) is a Node with ops. A node holds ``data``, ``grad``, ``op``,
``label``, and for each parent the local derivative d(node)/d(parent), stored by the op
that made it. Comparisons and conversions read ``data``: they are not ops, so no gradient
flows through them; ``compile`` sees them through ``observer``.
"""

from __future__ import annotations

import copyreg
import math
from numbers import Real
from typing import Any

from . import engine
from .grads import grad_of, set_grad
from .ops import MASKED
from .special import as_float, differentiating

try:                    # mypyc's class options (the interpreted engine needs no such
    from mypy_extensions import mypyc_attr  # package: a no-op then)
except ImportError:
    def mypyc_attr(*args, **kwargs):  # type: ignore[misc]
        return lambda cls: cls

__all__ = ["Node"]

# What an op takes: a Value or a plain number. Typed Any: each op checks it and returns
# NotImplemented or names the error (the compiled engine would raise its own TypeError).
Operand = Any


_MISSING = object()          # (a class attribute may be None: not the same as none at all)
FIELDS = ("_data", "_grad", "_grad_value", "op", "label", "_p0", "_d0", "_p1", "_d1",
          "_hooks")  # Node's


@mypyc_attr(allow_interpreted_subclasses=True)    # compiled: users may subclass it
class Node:
    """One scalar node of a computation graph, as the engine records it.

    data        the number (float)               grad   d(output)/d(this node) (float)
    op          the op that made it ("" = leaf)  label  a name for drawings ("" = none)
    parents     the operand Values (tuple)       local_grads  d(this)/d(parent), each
    constant    the op's plain-number operand (``x * 3``: 3.0), else None

    Comparisons (``<``, ``<=``, ``>``, ``>=``) compare ``data`` and return a bool; they are
    not ops. ``==`` is identity, so Values can be dict keys."""

    # At most two parents, in slots of their own (_p0/_d0, _p1/_d1): one object per node
    # for the garbage collector. With one parent, _d1 keeps the constant operand. An
    # n-ary node (the neuron's weighted sum) keeps tuples in _p0/_d0 and MANY in _p1.
    # _hooks is set only by register_hook. The number and the gradient live in _data and
    # _grad (with _grad_value: grads.py), which the engine reads; ``data`` and ``grad``
    # are properties over them, so that compile can observe what code outside the engine
    # reads and writes (observe.py) without observing the engine's own ops. The types are
    # what the compiled engine (mypyc) stores: a ``float`` is a C double in the node.
    __slots__ = FIELDS  # (the compiled class keeps no __slots__ attribute: pickling reads FIELDS)
    _data: Any      # a float (shared with the local derivatives that are this number)
    _grad: float    # the gradient as a number (a C double, compiled)
    _grad_value: Any    # None; or what .grad is instead: UNSET (None) or a Value (grads.py)
    op: str
    label: str
    _p0: Any        # None (a leaf), a Node, or a tuple of Nodes (n-ary)
    _d0: Any        # a float, MASKED (None), or a tuple of them (n-ary)
    _p1: Any        # None, a Node, or MANY
    _d1: Any        # a float, MASKED, or the constant operand (one parent)
    _hooks: Any

    def __init_subclass__(cls, **kwargs):
        """A subclass may not redefine ``__eq__``/``__hash__`` (nodes are told apart by
        identity), nor ``data``, ``grad`` or the slots ``_data``,
        ``_grad`` behind them: the engine reads and writes the slots directly (the
        compiled engine reads the fields of the compiled class), so a property there
        would be passed over by every op and backward: a silently different number.
        The interpreted engine (AUTOGRAD_MINI_PURE=1) honours a redefinition of both
        names as one (``grad = _grad``), which tests use to watch backward's writes."""
        super().__init_subclass__(**kwargs)
        own = vars(cls)
        if own.get("__module__") != _VALUE_MODULE and (     # (compiled, Value's own dict
                "__eq__" in own or own.get("__hash__") not in (None, object.__hash__)):
            raise TypeError(
                f"{cls.__name__}: redefines __eq__ or __hash__; backward, grad and compile "
                f"keep nodes in sets and dicts, where two nodes that compare equal would "
                f"be taken for one (their gradients silently merged). A Value is equal "
                f"only to itself: compare numbers with a.data == b.data")
        for name in ("data", "grad"):
            if name not in own and "_" + name not in own:
                continue
            if COMPILED:
                raise TypeError(
                    f"{cls.__name__}: redefines {name!r} or '_{name}'; the compiled engine "
                    f"reads and writes the field '_{name}' directly and would pass over "
                    f"it. Store what you need in a slot of your own, or run the "
                    f"interpreted engine (AUTOGRAD_MINI_PURE=1)")
            if own.get(name, _MISSING) is not own.get("_" + name, _MISSING):
                given, other = (name, "_" + name) if name in own else ("_" + name, name)
                raise TypeError(
                    f"{cls.__name__}: redefines {given!r} but not {other!r} as the same "
                    f"thing; the engine reads and writes the slot '_{name}' and users read "
                    f"{name!r}: define '_{name}' and set {name} = _{name}")

    def __init__(self, data: Any, label: Any = "") -> None:
        if type(data) is not float:                 # (not ``data if type(data) is float
            data = as_float(data, "Value data")     # else``: compiled, a copy of data)
        self._data = data
        if type(label) is not str:
            raise TypeError(f"Value label must be a str, got {type(label).__name__}: {label!r}")
        self._grad, self._grad_value = 0.0, None          # .grad is 0.0 (grads.py)
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
    def __round__(self, ndigits: Any = None) -> Any:
        return _read(self, "round", ndigits, round(self._data, ndigits))
    def __format__(self, spec: Any) -> str:
        return _read(self, "format", spec, format(self._data, spec) if spec else _text(self))

    # pickle: Python's default state for __slots__ on both engines (mypyc's differs)
    def __getstate__(self) -> Any:
        names = dict.fromkeys((*FIELDS, *copyreg._slotnames(type(self))))  # type: ignore
        names.pop("_grad_value")                    # .grad goes under "_grad", as before
        state = {n: grad_of(self) if n == "_grad" else getattr(self, n)
                 for n in names if hasattr(self, n)}
        return (getattr(self, "__dict__", None) or None, state)

    def __setstate__(self, state: Any) -> None:
        extra, slots = state if isinstance(state, tuple) else (state, None)
        state = {**(extra or {}), **(slots or {})}
        self.grad = state.pop("_grad", 0.0)         # (checked as an assignment is)
        for name, value in state.items():
            setattr(self, name, value)

    @property
    def data(self) -> Any:
        """The number (a float: what is assigned is converted, ``v.data = 3`` stores 3.0)."""
        return _get_data(self)              # (below the class: Python's own properties
                                            # over the same functions replace these two)
    @data.setter
    def data(self, value: Any) -> None:
        _set_data(self, value)

    @property
    def grad(self) -> Any:
        """d(output)/d(this node), which ``backward()`` adds to: a float (what is assigned is
        converted), None (``zero_grad(set_to_none=True)``, ``del v.grad``), a Value
        (``create_graph``)."""
        return _get_grad(self)

    @grad.setter
    def grad(self, g: Any) -> None:
        _set_grad(self, g)

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
        return engine.parents_of(self)

    @property
    def local_grads(self) -> tuple[float, ...]:
        """d(this node)/d(parent) for each parent (0.0 where the op masks it)."""
        if observer is not None:
            observer("graph", self, None, None)
        return tuple(0.0 if d is MASKED else d for _, d in engine.edges_of(self))

    @property
    def edges(self) -> tuple[tuple[Node, float | None], ...]:
        """(parent, local derivative) pairs, MASKED (None) kept: a masked edge passes back
        exactly 0, so a walk that multiplies must skip it (0 * inf would be nan)."""
        if observer is not None:
            observer("graph", self, None, None)
        return engine.edges_of(self)

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

    def backward(self, gradient: Any = 1.0, retain_graph: Any = None,
                 create_graph: Any = False, inputs: Any = None) -> None:
        """Add d(self)/d(node) to ``.grad`` of every node of the graph (engine.py).

        Gradients accumulate, as in PyTorch; if the pass is interrupted (an error,
        Ctrl-C), every ``.grad`` is put back as it was. ``create_graph=True``: the
        gradients are Values (differentiable again). ``inputs``: accumulate into these
        leaves only. ``retain_graph`` is accepted for PyTorch code; the graph is always
        kept. ``gradient``: d(result)/d(self), a number or a Value (None: 1)."""
        if isinstance(gradient, Node) and not create_graph:
            gradient = gradient._data               # y.backward(torch.tensor(2.0)) ports as is
        engine.backward(self, gradient, create_graph, inputs)

    def register_hook(self, hook):
        """Call ``hook(grad)`` when backward has this node's gradient, as
        ``tensor.register_hook``: a returned number replaces the gradient. Returns a
        handle whose ``remove()`` takes the hook off."""
        return engine.register_hook(self, hook)


# ==================================================================== data and grad
def _get_data(v: Node) -> Any:
    return v._data


def _set_data(v: Node, value: Any) -> None:
    if type(value) is not float:                    # an int, a numpy or torch scalar: its
        value = as_float(value, "Value data")       # number; anything else: TypeError
    v._data = value


def _delete_data(v: Node) -> None:
    raise AttributeError("a Value's data cannot be deleted: assign a number (v.data = 0.0)")


def _get_grad(v: Node) -> Any:
    return v._grad if v._grad_value is None else grad_of(v)


def _set_grad(v: Node, g: Any) -> None:
    if type(g) is float:                            # (the common case, without a call)
        v._grad, v._grad_value = g, None
    elif g is None or isinstance(g, (Real, Node)):
        set_grad(v, g)
    else:
        raise TypeError(f"Value grad must be a real number, None or a Value, got "
                        f"{type(g).__name__}: {g!r:.60}")


def _delete_grad(v: Node) -> None:
    set_grad(v, None)                               # as torch's: del t.grad leaves None


# Python's own properties over these functions replace the class's (the same reads and
# writes, a few ns slower compiled): mypyc 2.4.1's property setters take ``del v.grad``
# for an assignment of nothing and crash the interpreter; a property has a deleter.
setattr(Node, "data", property(_get_data, _set_data, _delete_data,  # noqa: B010
                               vars(Node)["data"].__doc__))
setattr(Node, "grad", property(_get_grad, _set_grad, _delete_grad,  # noqa: B010
                               vars(Node)["grad"].__doc__))


# ==================================================================== reading the number
observer: Any = None    # compile's: told of each comparison and conversion (observe.py)

# (setattr: mypyc compiles no assignment to a class attribute it does not know.)
setattr(Node, "__hash__", object.__hash__)  # noqa: B010  identity (mypyc drops it for
#                                           a class with comparisons: "unhashable")


_VALUE_MODULE = __name__.rsplit(".", 1)[0] + ".value"    # has mypyc's __eq__ slot)


def _probe():
    """A function of this module: compiled, it has no Python code object."""


COMPILED = not hasattr(_probe, "__code__")   # this module runs compiled (mypyc)


def _text(v):
    label = f", label={v.label!r}" if v.label else ""
    return f"Value(data={v._data!r}, grad={grad_of(v)!r}{label})"


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
