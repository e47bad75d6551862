"""``jacobian`` and ``hessian``, as ``torch.autograd.functional`` gives them."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from .autograd import grad, values
from .grad_mode import enable_grad
from .value import Value

__all__ = ["jacobian", "hessian"]


def _outputs(result, what):
    """fn's result as (a list of Values, whether it was one Value)."""
    if isinstance(result, Value):
        return [result], True
    if isinstance(result, (list, tuple)) and result and all(
            isinstance(y, Value) for y in result):
        return list(result), False
    raise TypeError(f"{what}: func must return a Value or a tuple of Values, got "
                    f"{type(result).__name__}: {result!r:.80}")


def jacobian(func: Callable[..., Value | Sequence[Value]], inputs: Value | Sequence[Value],
             create_graph: bool = False):
    """J[i][j] = d func(inputs)[i] / d inputs[j], as Values.

    Shaped as torch's: one output and one input give one Value; one output and a tuple
    of inputs a tuple; a tuple of outputs and one input a tuple; both tuples a tuple of
    tuples. An output that does not depend on an input gives 0 there.
    ``create_graph=True``: the entries are differentiable again.
    """
    one_input = isinstance(inputs, Value)
    xs = values(inputs, "jacobian")
    with enable_grad():
        ys, one_output = _outputs(func(*xs), "jacobian")
        rows = [tuple(grad(y, xs, create_graph=create_graph, materialize_grads=True))
                for y in ys]
    if one_input:
        rows = [row[0] for row in rows]
    return rows[0] if one_output else tuple(rows)


def hessian(func: Callable[..., Value], inputs: Value | Sequence[Value],
            create_graph: bool = False):
    """H[i][j] = d^2 func(inputs) / d inputs[i] d inputs[j] for a func giving one Value:
    one Value for one input, else a tuple of tuples (as torch's)."""
    one_input = isinstance(inputs, Value)
    xs = values(inputs, "hessian")
    with enable_grad():
        y = func(*xs)
        if not isinstance(y, Value):
            raise TypeError(f"hessian: func must return one Value, got {type(y).__name__}")
        first = grad(y, xs, create_graph=True, materialize_grads=True)
        rows = [tuple(grad(g, xs, create_graph=create_graph, materialize_grads=True))
                for g in first]
    return rows[0][0] if one_input else tuple(rows)
