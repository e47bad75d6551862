"""backward(): gradients accumulate over paths and passes, deep graphs without
recursion limits, higher-order gradients (create_graph), grad(), no_grad() and detach."""

import math
import threading

import pytest

from autograd_mini import Value, enable_grad, grad, no_grad
from builders import sigmoid

try:
    import torch
except ImportError:  # the PyTorch comparisons skip; CI installs torch so they run
    torch = None

needs_torch = pytest.mark.torch     # skips, naming the install, without torch (conftest.py)


# ---------------------------------------------------------------- accumulation semantics
def test_node_used_twice_gets_sum_of_paths():
    a = Value(3.0)
    b = a + a
    c = b * a                     # c = 2a^2, dc/da = 4a
    c.backward()
    assert a.grad == 12.0
    assert b.grad == 3.0


def test_naive_recursion_example_from_the_notebook():
    a = Value(1.0)
    b = a + a
    c = b + b
    c.backward()
    assert (a.grad, b.grad, c.grad) == (4.0, 2.0, 1.0)


def test_backward_twice_accumulates_like_torch():
    x = Value(2.0)
    h = x * x                     # intermediate
    y = h * 3.0
    y.backward()
    y.backward()
    assert x.grad == 2 * 12.0     # each pass adds dy/dx = 6x = 12
    assert h.grad == 2 * 3.0
    assert y.grad == 2.0
    if torch is not None:
        t = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
        ty = t * t * 3.0
        ty.backward(retain_graph=True)
        ty.backward()
        assert x.grad == t.grad.item()


def test_backward_with_a_given_gradient():
    x = Value(2.0)
    (x * x).backward(gradient=0.5)
    assert x.grad == 2.0


def test_gradients_reach_every_leaf_of_a_shared_subgraph():
    w = Value(0.5, "w")
    outs = [w * float(i) for i in range(1, 5)]
    total = sum(outs)
    total.backward()
    assert w.grad == 1 + 2 + 3 + 4


# ---------------------------------------------------------------- deep graphs
def test_million_op_chain_without_recursion_error():
    import sys
    limit = sys.getrecursionlimit()
    x = Value(1.0, "x")
    y = x
    for _ in range(1_000_000):
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0
    assert sys.getrecursionlimit() == limit


def test_deep_chain_of_mixed_ops_gradient():
    x = Value(0.3)
    y = x
    n = 20_000
    for _ in range(n):
        y = y + x * 0.0001        # y = x (1 + 0.0001 n)
    y.backward()
    assert x.grad == pytest.approx(1 + 0.0001 * n, rel=1e-12)


# ---------------------------------------------------------------- higher order
SECOND = [
    ("tanh", Value.tanh, lambda x: -2 * math.tanh(x) * (1 - math.tanh(x) ** 2)),
    ("sigmoid", Value.sigmoid, lambda x: sigmoid(x) * (1 - sigmoid(x)) * (1 - 2 * sigmoid(x))),
    ("exp", Value.exp, math.exp),
    ("log", Value.log, lambda x: -1 / x ** 2),
    ("cube", lambda v: v ** 3, lambda x: 6 * x),
    ("sin", Value.sin, lambda x: -math.sin(x)),
    ("cos", Value.cos, lambda x: -math.cos(x)),
    ("sqrt", Value.sqrt, lambda x: -0.25 * x ** -1.5),
    ("softplus", Value.softplus, lambda x: sigmoid(x) * (1 - sigmoid(x))),
    ("reciprocal", lambda v: 1 / v, lambda x: 2 / x ** 3),
    ("x_pow_x", lambda v: v ** v, lambda x: x ** x * ((math.log(x) + 1) ** 2 + 1 / x)),
]


@pytest.mark.parametrize("name,op,second", SECOND, ids=[s[0] for s in SECOND])
@pytest.mark.parametrize("x", [0.3, 0.7, 1.9])
def test_second_derivatives_match_closed_forms(name, op, second, x):
    v = Value(x)
    first = grad(op(v), v, create_graph=True)
    assert isinstance(first, Value)
    assert grad(first, v).data == pytest.approx(second(x), rel=1e-10)


def test_mixed_second_derivative_of_product():
    x, y = Value(1.5), Value(-2.0)
    dx, dy = grad(x * y, [x, y], create_graph=True)
    assert (dx.data, dy.data) == (-2.0, 1.5)
    with pytest.raises(RuntimeError, match="not part of the graph"):
        grad(dx, [x, y])                                    # dx = y: x is not in its graph
    d2x, d2xy = grad(dx, [x, y], materialize_grads=True)
    assert d2x.data == 0.0 and d2xy.data == 1.0                             # d2/dxdy = 1
    assert grad(dy, x).data == 1.0


def test_third_derivative():
    x = Value(0.4)
    y = x ** 4
    d1 = grad(y, x, create_graph=True)
    d2 = grad(d1, x, create_graph=True)
    d3 = grad(d2, x)
    assert (d1.data, d2.data, d3.data) == pytest.approx((4 * 0.4 ** 3, 12 * 0.4 ** 2, 24 * 0.4))


def test_backward_create_graph_through_grad_attribute():
    x = Value(0.5)
    y = x.tanh()
    y.backward(create_graph=True)
    assert isinstance(x.grad, Value)
    g = x.grad
    x.grad = 0.0
    g.backward()
    assert x.grad == pytest.approx(-2 * math.tanh(0.5) * (1 - math.tanh(0.5) ** 2), rel=1e-12)


@needs_torch
def test_second_derivatives_match_torch_on_a_graph():
    a, b = Value(0.7), Value(-1.2)
    y = (a * b).tanh() * a.exp() + (b ** 2).sigmoid()
    ga, gb = grad(y, [a, b], create_graph=True)
    haa, hab = grad(ga, [a, b])
    ta = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(-1.2, dtype=torch.float64, requires_grad=True)
    ty = torch.tanh(ta * tb) * torch.exp(ta) + torch.sigmoid(tb ** 2)
    tga, tgb = torch.autograd.grad(ty, [ta, tb], create_graph=True)
    thaa, thab = torch.autograd.grad(tga, [ta, tb])
    assert (ga.data, gb.data) == pytest.approx((tga.item(), tgb.item()), rel=1e-12)
    assert (haa.data, hab.data) == pytest.approx((thaa.item(), thab.item()), rel=1e-12)


# ---------------------------------------------------------------- grad() and no_grad()
def test_grad_does_not_touch_dot_grad_and_handles_unused_inputs():
    x, y, unused = Value(2.0), Value(3.0), Value(7.0)
    z = x * y
    with pytest.raises(RuntimeError, match=r"inputs\[2\].*not part of the graph.*allow_unused"):
        grad(z, [x, y, unused])                             # as torch.autograd.grad
    gx, gy, gu = grad(z, [x, y, unused], allow_unused=True)
    assert (gx.data, gy.data, gu) == (3.0, 2.0, None)
    gx, gy, gu = grad(z, [x, y, unused], materialize_grads=True)
    assert (gx.data, gy.data, gu.data) == (3.0, 2.0, 0.0)
    assert x.grad == y.grad == z.grad == 0.0


def test_grad_rejects_non_values():
    with pytest.raises(TypeError, match="outputs must be a Value"):
        grad(3.0, [Value(1.0)])
    with pytest.raises(TypeError, match=r"inputs\[1\] must be a Value, got float"):
        grad(Value(1.0), [Value(1.0), 2.0])


def test_no_grad_records_nothing_and_restores():
    x = Value(2.0)
    with no_grad():
        y = x * x + 1
        with enable_grad():
            z = x * x
    assert y.parents == () and y.op == "+" and y.data == 5.0     # named, not recorded
    assert z.parents == (x, x)
    w = x * x
    assert w.parents == (x, x)


def test_no_grad_as_decorator_and_per_thread():
    @no_grad()
    def f(v):
        return v * 2

    assert f(Value(1.0)).parents == ()
    seen = {}
    barrier = threading.Barrier(2)

    def inside():
        with no_grad():
            barrier.wait()
            seen["inside"] = (Value(1.0) * 2).parents
            barrier.wait()

    def outside():
        barrier.wait()
        v = Value(1.0)
        seen["outside"] = (v * 2).parents == (v,)
        barrier.wait()

    threads = [threading.Thread(target=inside), threading.Thread(target=outside)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"inside": (), "outside": True}


def test_detach_is_a_leaf_with_same_data():
    x = Value(2.0, "x")
    y = (x * 3).detach()
    assert y.data == 6.0 and y.parents == () and y.op == ""
    (y * y).backward()
    assert x.grad == 0.0
