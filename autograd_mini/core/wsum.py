"""The neuron's weighted sum ``net = b + sum_k w_k x_k`` as ONE node (op "wsum").

The textbook draws a neuron as one weighted sum followed by its activation; built from
binary ops it would be 2n+1 nodes. As one node its parents are (w_1..w_n, x_1..x_n, b)
and its local derivatives are d(net)/dw_k = x_k, d(net)/dx_k = w_k, d(net)/db = 1. The
sum is the same float operations in the same order as micrograd's ``sum(w*x, b)``.
"""

from math import isfinite, isinf, isnan
from typing import Any

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
    w_all: tuple = tuple(ws)                            # (a tuple is itself, not a copy)
    x_all: tuple = tuple(xs)
    n = len(w_all)
    if len(x_all) != n:
        raise ValueError(f"weighted_sum: {n} weights for {len(x_all)} inputs; "
                         f"each weight multiplies one input")
    local_grads: list[Any] = [1.0] * (2 * n + 1)       # d/dw_k = x_k, d/dx_k = w_k, d/db = 1
    try:
        bias: Value = b
        s: float = bias._data
        for k in range(n):
            w: Value = w_all[k]
            x: Value = x_all[k]
            w_k, x_k = w._data, x._data                 # (the float objects: kept, not copied)
            local_grads[k] = x_k
            local_grads[n + k] = w_k
            w_f: float = w_k
            x_f: float = x_k
            s += w_f * x_f
    except (TypeError, AttributeError):
        _check_values(w_all, x_all, b)
        raise
    if (isinf(s) or isnan(s)) and all(map(isfinite, local_grads[:-1])) and isfinite(bias._data):
        inputs = (*w_all, *x_all, b)
        raise domain_error("wsum", inputs, [v._data for v in inputs], None)
    return _node_many(s, "wsum", w_all + x_all + (b,), tuple(local_grads))


def _check_values(ws, xs, b):
    """A TypeError naming the first operand of weighted_sum that is not a Value."""
    for name, group in (("ws", ws), ("xs", xs), ("b", (b,))):
        for k, v in enumerate(group):
            if not isinstance(v, Value):
                where = "b" if name == "b" else f"{name}[{k}]"
                raise TypeError(f"weighted_sum: {where} must be a Value, got "
                                f"{type(v).__name__}: {v!r}") from None
