"""Gradients as values: ``grad()`` (as ``torch.autograd.grad``), ``gradcheck()`` and
``gradgradcheck()`` against finite differences."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from numbers import Real

from .engine import check_differentiable, gradient_floats, gradient_values, topological_order
from .grad_mode import enable_grad
from .special import as_float
from .value import Value

__all__ = ["grad", "gradcheck", "gradgradcheck", "GradcheckError", "values"]


def values(inputs, what, name="inputs"):
    """``inputs`` (a Value or a sequence of them) as a list; TypeError naming a non-Value."""
    if isinstance(inputs, Value):
        return [inputs]
    if not isinstance(inputs, (list, tuple)):
        raise TypeError(f"{what}: {name} must be a Value or a list/tuple of Values, got "
                        f"{type(inputs).__name__}: {inputs!r:.60}")
    xs = list(inputs)
    for i, x in enumerate(xs):
        if not isinstance(x, Value):
            raise TypeError(f"{what}: {name}[{i}] must be a Value, got {type(x).__name__}")
    return xs


def grad(outputs: Value | Sequence[Value], inputs: Value | Sequence[Value],
         grad_outputs: float | Value | Sequence | None = None,
         retain_graph: bool | None = None, create_graph: bool = False,
         allow_unused: bool | None = None, materialize_grads: bool = False,
         ) -> Value | list[Value | None]:
    """d(outputs)/d(input) for each input, as Values; no ``.grad`` is touched.

    ``sum_k grad_outputs[k] * d outputs[k] / d input`` (``grad_outputs`` defaults to 1
    for each output), as ``torch.autograd.grad``. ``inputs``: one Value (one gradient
    returned) or a sequence (a list returned). An input the outputs do not depend on is
    an error, unless ``allow_unused=True`` (its gradient is None) or
    ``materialize_grads=True`` (0). ``create_graph=True``: the gradients are graphs
    themselves, so ``grad(grad(y, x, create_graph=True), x)`` is d2y/dx2.
    ``retain_graph`` is accepted for PyTorch code: the graph is always kept.
    """
    single = isinstance(inputs, Value)
    xs = values(inputs, "grad")
    ys = values(outputs, "grad", "outputs")
    seeds = _seeds(ys, grad_outputs, create_graph)
    order = _order(ys)
    leaves = set(xs)                    # hooks run for the inputs' leaves only, as torch
    if create_graph:
        grads = gradient_values(order, seeds, leaves)
    else:
        grads = gradient_floats(order, seeds, leaves=leaves)
    result = []
    for i, x in enumerate(xs):
        if x in grads:
            g = grads[x]
            result.append(g if isinstance(g, Value) else Value(g))
        elif materialize_grads:
            result.append(Value(0.0))
        elif allow_unused:
            result.append(None)
        else:
            raise RuntimeError(
                f"grad: inputs[{i}] ({x!r}) is not part of the graph of the outputs, so no "
                f"gradient reaches it (for a derivative of a derivative: the first one does "
                f"not depend on it, the second is 0). Pass allow_unused=True for None (as "
                f"PyTorch), or materialize_grads=True for 0")
    return result[0] if single else result


def _seeds(ys, grad_outputs, create_graph):
    """{output: its seed}: 1.0 each by default, else grad_outputs (one per output)."""
    if grad_outputs is None:
        given = [1.0] * len(ys)
    elif isinstance(grad_outputs, (Real, Value)):
        given = [grad_outputs]
    else:
        given = list(grad_outputs)
    if len(given) != len(ys):
        raise ValueError(f"grad: {len(given)} grad_outputs for {len(ys)} outputs")
    seeds = {}
    for k, (y, g) in enumerate(zip(ys, given)):
        check_differentiable(y, "grad")
        if g is None:
            g = 1.0
        if not isinstance(g, Value):
            g = as_float(g, f"grad: grad_outputs[{k}]")
        elif not create_graph:
            g = g._data
        seeds[y] = seeds[y] + g if y in seeds else g
    return seeds


def _order(ys):
    """One topological order of the graphs of all outputs."""
    if len(ys) == 1:
        return topological_order(ys[0])
    order, seen = [], set()
    for y in ys:
        for v in topological_order(y):
            if v not in seen:
                seen.add(v)
                order.append(v)
    return order


class GradcheckError(AssertionError):
    """Raised by ``gradcheck`` when analytic and numeric gradients disagree."""


def gradcheck(fn: Callable[..., Value], inputs: Value | Sequence[Value], eps: float = 1e-6,
              atol: float = 1e-6, rtol: float = 1e-4, raise_exception: bool = True) -> bool:
    """Compare the engine's gradient of ``fn(*inputs)`` with central finite differences.

    numeric_i = (fn(x_i + eps) - fn(x_i - eps)) / (2 eps). Passes when
    |analytic - numeric| <= atol + rtol |numeric| for every input: returns True, else
    raises ``GradcheckError`` with each input's two values (or returns False with
    ``raise_exception=False``). NaN and inf always fail.
    """
    __tracebackhide__ = True                        # pytest shows the message, not this
    xs = values(inputs, "gradcheck")
    if not (isinstance(eps, Real) and 0 < eps < math.inf):
        raise ValueError(f"gradcheck: eps must be a positive finite number, got {eps!r}")

    def evaluate():
        y = fn(*xs)
        if not isinstance(y, Value):
            raise TypeError(f"gradcheck: fn must return one Value, got {type(y).__name__}")
        return y

    with enable_grad():             # even inside no_grad(); fn may differentiate itself
        analytic = [g._data for g in grad(evaluate(), xs, materialize_grads=True)]
        numeric = [_central_difference(evaluate, x, eps) for x in xs]
    rows, bad = [], []
    for i, (x, a, n) in enumerate(zip(xs, analytic, numeric)):
        good = math.isfinite(a) and math.isfinite(n) and abs(a - n) <= atol + rtol * abs(n)
        name = x.label or f"inputs[{i}]"
        if not good:
            bad.append(name)
        rows.append(f"  {'ok ' if good else 'BAD'} {name}: analytic {a!r}, numeric {n!r}")
    if bad and raise_exception:
        raise GradcheckError("gradcheck failed for %s (atol=%g, rtol=%g, eps=%g):\n%s"
                             % (", ".join(bad), atol, rtol, eps, "\n".join(rows)))
    return not bad


def gradgradcheck(fn: Callable[..., Value], inputs: Value | Sequence[Value],
                  eps: float = 1e-6, atol: float = 1e-5, rtol: float = 1e-3,
                  raise_exception: bool = True) -> bool:
    """``gradcheck`` of each first derivative ``d fn / d inputs[i]`` (computed with
    ``create_graph=True``): the second derivatives against finite differences of the
    first, as ``torch.autograd.gradgradcheck``."""
    __tracebackhide__ = True
    xs = values(inputs, "gradgradcheck")
    ok = True
    for i in range(len(xs)):
        def first(*v, i=i):
            return grad(fn(*v), v[i], create_graph=True, materialize_grads=True)
        ok = gradcheck(first, xs, eps, atol, rtol, raise_exception) and ok
    return ok


def _central_difference(evaluate, x, eps):
    """(f(x + eps) - f(x - eps)) / (2 eps), x's data put back afterwards."""
    original = x._data
    try:
        x._data = original + eps
        plus = evaluate()._data
        x._data = original - eps
        minus = evaluate()._data
    finally:
        x._data = original
    return (plus - minus) / (2.0 * eps)
