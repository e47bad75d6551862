"""Fuzz: users' ops with derivatives written every way a user writes them (issue 18).

Random unary and binary ops are built from a few smooth functions; each derivative is
written either with Value-friendly calls (scalar functions, Value methods, operators) or
with ``math.*`` (hostile: it converts a Value to a float). For every op and point:
- first order (backward and grad) equals finite differences, whichever way it is written;
- second order (create_graph) equals finite differences of the first derivative when the
  derivative is Value-friendly, and is a TypeError naming the op when it uses ``math.*``:
  never a silent 0 or a wrong number;
- forwards returning ints, numpy floats or bools are numbers; complex, str or Value results
  are errors naming the op.
"""

import math
import os
import random

import pytest

from autograd_mini import Value, grad, op
from autograd_mini.core import scalar

N = 400 if os.environ.get("AUTOGRAD_MINI_FUZZ") == "long" else 60

# name -> (forward on floats, derivative Value-friendly, derivative with math.*)
UNARY = {
    "sin": (math.sin, scalar.cos, math.cos),
    "exp": (math.exp, scalar.exp, math.exp),
    "tanh": (math.tanh, lambda x: 1 - scalar.tanh(x) ** 2, lambda x: 1 - math.tanh(x) ** 2),
    "square": (lambda x: x * x, lambda x: 2 * x, lambda x: 2 * float(x)),
    "sigmoid": (scalar.sigmoid_float, lambda x: scalar.sigmoid(x) * (1 - scalar.sigmoid(x)),
                lambda x: math.exp(-x) / (1 + math.exp(-x)) ** 2),
}


def central(f, x, eps=1e-6):
    return (f(x + eps) - f(x - eps)) / (2 * eps)


def make_unary(rng, k):
    name = rng.choice(sorted(UNARY))
    forward, friendly, hostile = UNARY[name]
    scale = rng.choice([1.0, 2.0, -0.5])
    hostile_style = rng.random() < 0.5
    d = hostile if hostile_style else friendly

    def fwd(x):
        return scale * forward(x)

    def der(x):
        return scale * d(x)
    fwd.__name__ = f"u{k}_{name}"
    return op(der)(fwd), (lambda x: scale * forward(x)), hostile_style


@pytest.mark.parametrize("seed", range(4))
def test_random_unary_user_ops(seed):
    rng = random.Random(seed)
    for k in range(N // 4):
        f, reference, hostile = make_unary(rng, k)
        x0 = rng.uniform(-2, 2)
        x = Value(x0)
        f(x).backward()
        assert x.grad == pytest.approx(central(reference, x0), rel=1e-6, abs=1e-8)
        if hostile:
            with pytest.raises(TypeError, match=f"op '{f.name}': its derivative converted"):
                grad(f(x), x, create_graph=True)
            continue
        first = grad(f(x), x, create_graph=True)

        def first_at(t, f=f):
            v = Value(t)
            return grad(f(v), v).data
        second = grad(first, x, materialize_grads=True).data
        assert second == pytest.approx(central(first_at, x0, 1e-5), rel=1e-4, abs=1e-6)


def test_binary_user_ops_written_both_ways():
    rng = random.Random(7)
    for k in range(N // 4):
        hostile = k % 2 == 1

        @op((lambda x, y: math.cos(x) * y) if hostile else (lambda x, y: scalar.cos(x) * y),
            lambda x, y: scalar.sin(x))
        def sin_times(x, y):
            return math.sin(x) * y
        a, b = rng.uniform(-2, 2), rng.uniform(-2, 2)
        va, vb = Value(a), Value(b)
        sin_times(va, vb).backward()
        assert (va.grad, vb.grad) == pytest.approx((math.cos(a) * b, math.sin(a)), rel=1e-12)
        if hostile:
            with pytest.raises(TypeError, match="sin_times"):
                grad(sin_times(va, vb), [va, vb], create_graph=True)
        else:
            ga, _ = grad(sin_times(va, vb), [va, vb], create_graph=True)
            d2 = grad(ga, [va, vb])
            assert [g.data for g in d2] == pytest.approx([-math.sin(a) * b, math.cos(a)],
                                                         rel=1e-12)


@pytest.mark.parametrize("result, ok", [
    (lambda x: 2, True), (lambda x: True, True), (lambda x: 1j, False),
    (lambda x: "1.0", False), (lambda x: Value(1.0), False), (lambda x: None, False)])
def test_what_a_forward_may_return(result, ok):
    f = op(1.0)(result)
    if ok:
        assert isinstance(f(Value(0.5)).data, float)
    else:
        with pytest.raises(TypeError, match="must be a real number"):
            f(Value(0.5))


def test_numpy_numbers_are_numbers():
    np = pytest.importorskip("numpy")
    f = op(lambda x: np.float64(3.0) * x * x)(lambda x: np.float64(x) ** 3)
    x = Value(2.0)
    y = f(x)
    y.backward()
    assert type(y.data) is float and y.data == 8.0 and x.grad == 12.0
