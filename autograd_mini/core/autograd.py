"""Gradients beyond ``backward()``: ``grad()``, differentiable gradients
(``create_graph=True``, for second and higher derivatives) and ``gradcheck()``.

For ``create_graph`` each local derivative is recomputed as a Value from the op's own
derivative function (the one ``backward()`` evaluates on floats), with the parents as
Values, so the gradient graph can be differentiated again.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from numbers import Real

from . import engine, special
from .engine import MASKED, Value, _as_float, _check_differentiable, op_inputs, topological_order
from .grad_mode import enable_grad, no_grad

__all__ = ["grad", "gradcheck", "GradcheckError", "gradient_values", "gradient_floats"]


def gradient_floats(order, output, seed=1.0):
    """d(output)/d(node) for every node of ``order`` as floats, touching no ``.grad``."""
    grads = dict.fromkeys(order, 0.0)
    grads[output] = seed
    for v in reversed(order):
        g = grads[v]
        for p, local in v.edges:
            if local is not MASKED:                     # masked: exactly 0 passes back
                grads[p] += local * g
    return grads


def local_grad_values(node):
    """d(node)/d(parent) for each parent, as Values built from the parents (or MASKED).
    A constant operand takes part as a Value too, so that IEEE mode covers it (the
    derivative of ``(-2.0) ** x`` in x is nan, not a math domain error)."""
    op, inputs = op_inputs(node)
    if op is None:
        return ()
    _check_unchanged(node, op, inputs)
    as_values = [x if isinstance(x, Value) else Value(x) for x in inputs]
    return [d for d, x in zip(op.local_derivatives(as_values, node), inputs)
            if isinstance(x, Value)]


def _check_unchanged(node, op, inputs):
    """create_graph differentiates the parents as they are now; if a parent's data was
    changed after the node was made, that is another function: an error (as in PyTorch),
    not a gradient of neither."""
    try:
        now = op.forward(*[x.data if isinstance(x, Value) else x for x in inputs])
    except (ArithmeticError, ValueError):           # a singular point: IEEE values
        return
    if now != node.data and not (now != now and node.data != node.data):
        name = f"{node.label!r} " if node.label else ""
        raise RuntimeError(
            f"create_graph: the node {name}(op {node.op!r}, data {node.data!r}) now computes "
            f"{now!r} from its operands: an operand's data changed after the graph was "
            f"built. Build the graph again from the current data")


def gradient_values(order, output, seed=1.0):
    """d(output)/d(node) for every node of ``order``, as differentiable Values."""
    grads = dict.fromkeys(order, 0.0)
    grads[output] = seed if isinstance(seed, Value) else Value(_as_float(seed, "gradient"))
    recording = engine.recording.set(True)
    ieee = special.ieee_mode.set(True)        # inf/nan at singular points, as PyTorch
    try:
        for v in reversed(order):
            g = grads[v]
            for p, local in zip(v.parents, local_grad_values(v)):
                if local is not MASKED:
                    grads[p] = grads[p] + local * g
    finally:
        special.ieee_mode.reset(ieee)
        engine.recording.reset(recording)
    return {v: g if isinstance(g, Value) else Value(g) for v, g in grads.items()}


def accumulate_gradient_values(output, seed):
    """``output.backward(seed, create_graph=True)``: add Value gradients to ``.grad``."""
    order = topological_order(output)
    grads = gradient_values(order, output, seed)
    for v in order:
        old = v.grad
        v.grad = grads[v] if (type(old) is float and old == 0.0) else old + grads[v]


def _value_list(inputs, what):
    """``inputs`` (a Value or a sequence of them) as a list; TypeError naming a non-Value."""
    xs = [inputs] if isinstance(inputs, Value) else list(inputs)
    for i, x in enumerate(xs):
        if not isinstance(x, Value):
            raise TypeError(f"{what}: inputs[{i}] must be a Value, got {type(x).__name__}")
    return xs


def grad(output: Value, inputs: Value | Sequence[Value],
         create_graph: bool = False) -> Value | list[Value]:
    """d(output)/d(input) for each input, as Values; no ``.grad`` is touched.

    ``inputs``: one Value (one gradient returned) or a sequence (a list returned). An
    input the output does not depend on gets 0. ``create_graph=True``: the gradients are
    graphs themselves, so ``grad(grad(y, x, create_graph=True), x)`` is d2y/dx2.
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad: output must be a Value, got {type(output).__name__}")
    single = isinstance(inputs, Value)
    xs = _value_list(inputs, "grad")
    _check_differentiable(output, "grad")
    order = topological_order(output)
    if create_graph:
        grads = gradient_values(order, output)
        result = [grads[x] if x in grads else Value(0.0) for x in xs]
    else:
        grads = gradient_floats(order, output)
        result = [Value(grads.get(x, 0.0)) for x in xs]
    return result[0] if single else result


class GradcheckError(AssertionError):
    """Raised by ``gradcheck`` when analytic and numeric gradients disagree."""


def gradcheck(fn: Callable[..., Value], inputs: Value | Sequence[Value], eps: float = 1e-6,
              atol: float = 1e-6, rtol: float = 1e-4) -> bool:
    """Compare the engine's gradient of ``fn(*inputs)`` with central finite differences.

    numeric_i = (fn(x_i + eps) - fn(x_i - eps)) / (2 eps). Passes when
    |analytic - numeric| <= atol + rtol |numeric| for every input: returns True, else
    raises ``GradcheckError`` with each input's two values. NaN and inf always fail.
    """
    xs = _value_list(inputs, "gradcheck")
    if not (isinstance(eps, Real) and 0 < eps < math.inf):
        raise ValueError(f"gradcheck: eps must be a positive finite number, got {eps!r}")

    def evaluate():
        y = fn(*xs)
        if not isinstance(y, Value):
            raise TypeError(f"gradcheck: fn must return one Value, got {type(y).__name__}")
        return y

    with enable_grad():                             # even when called inside no_grad()
        analytic = [g.data for g in grad(evaluate(), xs)]
    with no_grad():
        numeric = [_central_difference(evaluate, x, eps) for x in xs]
    rows, ok = [], True
    for i, (x, a, n) in enumerate(zip(xs, analytic, numeric)):
        good = math.isfinite(a) and math.isfinite(n) and abs(a - n) <= atol + rtol * abs(n)
        ok = ok and good
        rows.append(f"  {'ok ' if good else 'BAD'} {x.label or f'inputs[{i}]'}: "
                    f"analytic {a!r}, numeric {n!r}")
    if not ok:
        raise GradcheckError("gradcheck failed (atol=%g, rtol=%g, eps=%g):\n%s"
                             % (atol, rtol, eps, "\n".join(rows)))
    return True


def _central_difference(evaluate, x, eps):
    """(f(x + eps) - f(x - eps)) / (2 eps), x's data put back afterwards."""
    original = x.data
    try:
        x.data = original + eps
        plus = evaluate().data
        x.data = original - eps
        minus = evaluate().data
    finally:
        x.data = original
    return (plus - minus) / (2.0 * eps)
