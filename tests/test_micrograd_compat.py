"""micrograd code runs on autograd_mini after changing only its import.

The two expressions below are those of micrograd's own ``test/test_engine.py`` (its
"sanity check" and "more ops" tests), rewritten here in our own words. They are run with
our ``Value`` and compared with PyTorch (float64) as micrograd's tests do, and with
micrograd 0.1.0 itself where it is installed.
"""

import pytest

from autograd_mini import Value

try:
    import torch
except ImportError:
    torch = None

try:
    from micrograd.engine import Value as MicrogradValue
except ImportError:
    MicrogradValue = None


def sanity_expression(Scalar):
    """micrograd's sanity check: relu, products and sums reusing x and z."""
    x = Scalar(-4.0)
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    y = h + q + q * x
    y.backward()
    return x, y


def more_ops_expression(Scalar):
    """micrograd's "more ops" test: in-place +=, powers, division, reflected ops."""
    a = Scalar(-4.0)
    b = Scalar(2.0)
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    g.backward()
    return a, b, g


def test_sanity_check_values():
    x, y = sanity_expression(Value)
    assert y.data == -20.0
    assert x.grad == 46.0


def test_more_ops_values():
    a, b, g = more_ops_expression(Value)
    assert g.data == pytest.approx(24.70408163265306, abs=1e-12)
    assert a.grad == pytest.approx(138.83381924198252, abs=1e-12)
    assert b.grad == pytest.approx(645.5772594752186, abs=1e-12)


@pytest.mark.torch
def test_sanity_check_against_torch():
    x, y = sanity_expression(Value)
    tx, ty = sanity_expression(lambda d: torch.tensor([d], dtype=torch.float64,
                                                      requires_grad=True))
    assert y.data == ty.item()
    assert x.grad == tx.grad.item()


@pytest.mark.torch
def test_more_ops_against_torch():
    a, b, g = more_ops_expression(Value)
    ta, tb, tg = more_ops_expression(lambda d: torch.tensor([d], dtype=torch.float64,
                                                            requires_grad=True))
    tol = 1e-6                                  # micrograd's own tolerance
    assert abs(g.data - tg.item()) < tol
    assert abs(a.grad - ta.grad.item()) < tol
    assert abs(b.grad - tb.grad.item()) < tol
    assert g.data == pytest.approx(tg.item(), rel=1e-14)
    assert (a.grad, b.grad) == pytest.approx((ta.grad.item(), tb.grad.item()), rel=1e-13)


@pytest.mark.micrograd
def test_same_numbers_as_micrograd_itself():
    x, y = sanity_expression(Value)
    mx, my = sanity_expression(MicrogradValue)
    assert (y.data, x.grad) == (my.data, mx.grad)
    a, b, g = more_ops_expression(Value)
    ma, mb, mg = more_ops_expression(MicrogradValue)
    assert g.data == pytest.approx(mg.data, rel=1e-14)
    assert (a.grad, b.grad) == pytest.approx((ma.grad, mb.grad), rel=1e-13)


def test_micrograd_attribute_names_for_drawing_code():
    """micrograd's draw_dot walks ``_prev`` and reads ``_op``, ``data`` and ``grad``."""
    a, b = Value(2.0), Value(3.0)
    c = a * b + a
    nodes, edges = set(), set()
    stack = [c]
    while stack:
        v = stack.pop()
        if v not in nodes:
            nodes.add(v)
            for child in v._prev:
                edges.add((child, v))
                stack.append(child)
    assert len(nodes) == 4 and len(edges) == 4
    assert c._op == "+" and a._op == ""
