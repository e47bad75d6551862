"""The neuron's weighted sum ``net = b + sum_k w_k x_k`` as ONE node (op "wsum").

The textbook draws a neuron as one weighted sum followed by its activation; built from
binary ops it would be 2n+1 nodes. As one node its parents are (w_1..w_n, x_1..x_n, b)
and its local derivatives are d(net)/dw_k = x_k, d(net)/dx_k = w_k, d(net)/db = 1. The
sum is the same float operations in the same order as micrograd's ``sum(w*x, b)``.
"""

from math import isfinite
from typing import Any

from .bulk import data_of
from .node import mypyc_attr
from .ops import Op
from .special import domain_error
from .value import Value, _node_many

__all__ = ["weighted_sum", "WSUM"]


@mypyc_attr(native_class=False)     # compiled, still a Python class (as its base, Op)
class WeightedSum(Op):
    """The neuron's ``net = b + sum_k w_k x_k`` as one node of 2n+1 parents
    (w_1..w_n, x_1..x_n, b): d(net)/dw_k = x_k, d(net)/dx_k = w_k, d(net)/db = 1."""

    def __init__(self):
        Op.__init__(self, "wsum", _weighted_sum_floats, (1.0,), builtin=True)

    def __call__(self, *inputs):
        """``WSUM(w_1..w_n, x_1..x_n, b)``: 2n+1 Values."""
        if len(inputs) % 2 != 1 or len(inputs) < 3:
            raise TypeError(f"wsum: takes 2n+1 inputs (w_1..w_n, x_1..x_n, b), got "
                            f"{len(inputs)}")
        n = len(inputs) // 2
        return weighted_sum(inputs[:n], inputs[n:2 * n], inputs[-1])

    def local_derivatives(self, inputs, out):
        n = len(inputs) // 2
        return list(inputs[n:2 * n]) + list(inputs[:n]) + [1.0]


def _weighted_sum_floats(*inputs):
    n = len(inputs) // 2
    s = inputs[-1]                                  # b, then + w_k x_k in order
    for w, x in zip(inputs[:n], inputs[n:2 * n]):
        s = s + w * x
    return s


WSUM = WeightedSum()


def weighted_sum(ws: Any, xs: Any, b: Any) -> Value:
    """``b + sum_k w_k x_k`` (Values) as one "wsum" node: the neuron's net input. The
    same float operations in the same order as ``sum((w*x for ...), b)``."""
    if not isinstance(ws, (list, tuple)):               # read twice below: not an iterator
        ws = tuple(ws)
    if not isinstance(xs, (list, tuple)):
        xs = tuple(xs)
    w_data, x_data = data_of(ws), data_of(xs)
    if len(w_data) != len(x_data):
        raise ValueError(f"weighted_sum: {len(w_data)} weights for {len(x_data)} inputs; "
                         f"each weight multiplies one input")
    bias: Value = b
    s: float = bias._data
    w_k: float
    x_k: float
    for w_k, x_k in zip(w_data, x_data):
        s += w_k * x_k
    if not isfinite(s) and all(map(isfinite, w_data + x_data + [b._data])):
        inputs = (*ws, *xs, b)
        raise domain_error("wsum", inputs, [v._data for v in inputs], None)
    # d/dw_k = x_k, d/dx_k = w_k, d/db = 1
    return _node_many(s, "wsum", (*ws, *xs, b), (*x_data, *w_data, 1.0))
