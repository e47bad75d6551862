"""A node's gradient, as the engine keeps it: the number in the slot ``_grad`` (a C
double on the compiled engine), unless the slot ``_grad_value`` holds what ``.grad`` is
instead.

    _grad_value None      .grad is the number _grad (every gradient backward() adds)
    _grad_value UNSET     .grad is None (zero_grad(set_to_none=True), as in PyTorch)
    _grad_value a Value   .grad is that Value (backward(create_graph=True))

backward() makes every ``_grad_value`` of its graph None first, so that the chain rule
reads and writes numbers alone (``parent._grad += local * node._grad``: no float object
made per edge). ``grad_of`` and ``set_grad`` are ``v.grad`` and ``v.grad = g`` (node.py's
property) for the core, which does not go through the property: compile watches it to
learn what a traced function reads (observe.py).
"""

from __future__ import annotations

from numbers import Real
from typing import TYPE_CHECKING, Any

from .ops import UNSET
from .special import as_float

if TYPE_CHECKING:                       # node.py imports this module: types only
    from .node import Node

__all__ = ["grad_of", "set_grad", "UNSET"]


def grad_of(v: Node) -> Any:
    """``v.grad``: a float, None, or a Value."""
    other = v._grad_value
    if other is None:
        return v._grad
    return None if other is UNSET else other


def set_grad(v: Node, g: Any) -> None:
    """``v.grad = g`` for g a number (kept as a float), None, or a Value (node.py's
    property refuses anything else before it comes here)."""
    if type(g) is float:
        v._grad = g
        v._grad_value = None
    elif g is None:
        v._grad = 0.0
        v._grad_value = UNSET
    elif type(g) is int or isinstance(g, Real):
        v._grad = as_float(g, "Value grad")
        v._grad_value = None
    else:
        v._grad = 0.0
        v._grad_value = g
