"""losses: mse (the notes' 1/2 sum), binary cross-entropy, hinge; closed forms and torch."""

import math

import pytest

from autograd_mini import Value, gradcheck
from autograd_mini.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    hinge,
    mse,
)


def test_mse_is_half_sum_of_squares_with_gradient_a_minus_y():
    a = [Value(0.75136507), Value(0.772928465)]
    y = [0.01, 0.99]
    C = mse(a, y)
    assert C.data == pytest.approx(0.5 * (0.74136507 ** 2 + 0.217071535 ** 2), rel=1e-14)
    C.backward()
    assert a[0].grad == pytest.approx(a[0].data - 0.01, rel=1e-15)   # dC/da = a - y
    assert a[1].grad == pytest.approx(a[1].data - 0.99, rel=1e-15)


def test_mse_reductions_and_single_value():
    a = [Value(1.0), Value(3.0)]
    assert mse(a, [0.0, 0.0], reduction="sum").data == 10.0
    assert mse(a, [0.0, 0.0], reduction="mean").data == 5.0
    assert mse(Value(2.0), 1.0).data == 0.5
    t = Value(0.5)
    mse(Value(2.0), t).backward()                   # a Value target gets a gradient too
    assert t.grad == -1.5


def test_bce_closed_form_and_sigmoid_gradient_is_a_minus_y():
    z = Value(0.8)
    a = z.sigmoid()
    L = binary_cross_entropy(a, 0.3)
    p = a.data
    assert L.data == pytest.approx(-(0.3 * math.log(p) + 0.7 * math.log(1 - p)), rel=1e-15)
    L.backward()
    assert a.grad == pytest.approx(-0.3 / p + 0.7 / (1 - p), rel=1e-14)
    assert z.grad == pytest.approx(p - 0.3, rel=1e-13)               # dL/dz = a - y


@pytest.mark.parametrize("y", [0.0, 1.0])
def test_bce_hard_labels(y):
    a = Value(0.25)
    L = binary_cross_entropy([a], [y])
    assert L.data == pytest.approx(-math.log(0.25) if y else -math.log(0.75), rel=1e-15)
    L.backward()
    assert a.grad == pytest.approx(-1 / 0.25 if y else 1 / 0.75, rel=1e-15)


def test_bce_mean_and_sum():
    a = [Value(0.2), Value(0.9)]
    s = binary_cross_entropy(a, [0, 1], reduction="sum").data
    assert s == pytest.approx(-math.log(0.8) - math.log(0.9), rel=1e-15)
    assert binary_cross_entropy(a, [0, 1]).data == pytest.approx(s / 2, rel=1e-15)


@pytest.mark.parametrize("p", [0.0, 1.0, -0.1, 1.5, math.nan])
def test_bce_probability_outside_open_interval_is_an_error(p):
    with pytest.raises(ValueError, match=r"probabilities\[1\] = .* is outside \(0, 1\)"):
        binary_cross_entropy([Value(0.5), Value(p, "out")], [1, 0])


def test_bce_saturated_sigmoid_names_label():
    a = Value(40.0).sigmoid()
    a.label = "out_o1"
    with pytest.raises(ValueError, match=r"= 1\.0 \(label 'out_o1'\) is outside"):
        binary_cross_entropy(a, 1.0)


@pytest.mark.parametrize("z, y", [(-720.0, 1), (-720.0, 0.5), (-740.0, 1)])
def test_bce_on_a_subnormal_sigmoid_is_refused_not_minus_inf(z, y):
    """sigmoid(-720) = 2e-313 is subnormal: dL/da = -y/a overflows, and dL/dz came out
    -inf (true: a - y = -1). It must be refused, pointing to the logits version."""
    a = Value(z).sigmoid()
    assert 0.0 < a.data < 2.2250738585072014e-308
    with pytest.raises(ValueError, match=r"probabilities\[0\] = .*e-3\d\d is subnormal .*"
                                         r"gradient -y/a overflows.*"
                                         r"binary_cross_entropy_with_logits\(z, y\)"):
        binary_cross_entropy(a, y)


def test_bce_on_a_subnormal_sigmoid_with_target_0_is_computed():
    z = Value(-720.0)
    a = z.sigmoid()
    L = binary_cross_entropy(a, 0)                  # -log(1 - a): finite, and so is 1/(1 - a)
    L.backward()
    assert L.data == 0.0 and z.grad == a.data       # 1 - a rounds to 1; dL/dz = a - y = a
    with pytest.raises(ValueError, match=r"= 0\.0 is outside \(0, 1\).*with_logits"):
        binary_cross_entropy(Value(-746.0).sigmoid(), 0)


def test_bce_bad_target_and_lengths():
    with pytest.raises(ValueError, match=r"targets\[0\] = 2.0 is outside \[0, 1\]"):
        binary_cross_entropy(Value(0.5), 2)
    with pytest.raises(ValueError, match="2 predictions but 1 targets"):
        binary_cross_entropy([Value(0.5), Value(0.5)], [1])
    with pytest.raises(ValueError, match="reduction must be 'mean' or 'sum'"):
        binary_cross_entropy(Value(0.5), 1, reduction="half_sum")
    with pytest.raises(TypeError, match=r"targets\[0\] must be a number or a Value, got str"):
        mse(Value(0.5), "1")


def test_hinge_closed_form():
    s = [Value(2.0), Value(0.5), Value(-0.25)]
    y = [1, 1, 1]
    L = hinge(s, y)
    assert L.data == pytest.approx((0.0 + 0.5 + 1.25) / 3, rel=1e-15)
    L.backward()
    assert [v.grad for v in s] == pytest.approx([0.0, -1 / 3, -1 / 3], rel=1e-15)


def test_hinge_with_l2():
    w = [Value(0.5), Value(-2.0)]
    s = Value(0.0)
    L = hinge([s], [-1], parameters=w, alpha=1e-4)
    assert L.data == pytest.approx(1.0 + 1e-4 * 4.25, rel=1e-15)
    L.backward()
    assert [p.grad for p in w] == pytest.approx([1e-4, -4e-4], rel=1e-12)


def test_hinge_labels_must_be_plus_minus_one():
    with pytest.raises(ValueError, match=r"labels\[1\] = 0 must be -1 or \+1 \(convert 0/1"):
        hinge([Value(1.0), Value(1.0)], [1, 0])
    with pytest.raises(ValueError, match="alpha > 0 needs the parameters"):
        hinge([Value(1.0)], [1], alpha=0.1)


def test_losses_pass_gradcheck():
    xs = [Value(0.3), Value(-0.4), Value(0.9)]

    def f(a, b, c):
        probs = [a.sigmoid(), b.sigmoid(), c.sigmoid()]
        return (mse([a, b, c], [0.1, 0.2, -0.3]) + binary_cross_entropy(probs, [1, 0, 0.4])
                + hinge([a, b, c], [1, -1, 1]))

    assert gradcheck(f, xs)


def test_against_torch():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    data, targets = [0.2, -1.3, 0.7], [0.0, 1.0, 0.25]
    xs = [Value(v) for v in data]
    t = torch.tensor(data, dtype=torch.float64, requires_grad=True)
    ours = mse(xs, targets, reduction="mean") + binary_cross_entropy(
        [x.sigmoid() for x in xs], targets)
    theirs = (F.mse_loss(t, torch.tensor(targets, dtype=torch.float64))
              + F.binary_cross_entropy(torch.sigmoid(t), torch.tensor(targets,
                                                                     dtype=torch.float64)))
    ours.backward()
    theirs.backward()
    assert ours.data == pytest.approx(theirs.item(), rel=1e-14)
    assert [x.grad for x in xs] == pytest.approx(t.grad.tolist(), rel=1e-13)


# ---------------------------------------------------------------- cross-entropy from logits
LOGITS = [-1e6, -720.0, -40.0, -3.0, -0.5, 0.0, 1e-300, 0.5, 3.0, 40.0, 720.0, 1e6]
TARGETS = [0.0, 0.001, 0.3, 0.999, 1.0]


def exact_bce_with_logits(z, y):
    """softplus(z) - y z and sigmoid(z) - y to 50 digits."""
    mpmath = pytest.importorskip("mpmath")
    with mpmath.workdps(50):
        Z, Y = mpmath.mpf(z), mpmath.mpf(y)
        loss = mpmath.log1p(mpmath.exp(-abs(Z))) + max(Z, 0) - Y * Z
        return float(loss), float(1 / (1 + mpmath.exp(-Z)) - Y)


@pytest.mark.parametrize("z", LOGITS)
def test_bce_with_logits_is_accurate_for_every_logit(z):
    """Within 4e-16 relative of the 50-digit value (or below 1e-300 where that is 0)."""
    for y in TARGETS:
        x = Value(z)
        L = binary_cross_entropy_with_logits(x, y)
        L.backward()
        loss, dz = exact_bce_with_logits(z, y)
        assert L.data == pytest.approx(loss, rel=4e-16, abs=1e-300), (z, y)
        assert x.grad == pytest.approx(dz, rel=4e-16, abs=1e-300), (z, y)


def test_bce_with_logits_against_torch_float64():
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    zs = [z for z in LOGITS for _ in TARGETS]
    ys = [y for _ in LOGITS for y in TARGETS]
    for reduction in ("mean", "sum"):
        xs = [Value(z) for z in zs]
        ours = binary_cross_entropy_with_logits(xs, ys, reduction=reduction)
        ours.backward()
        t = torch.tensor(zs, dtype=torch.float64, requires_grad=True)
        theirs = F.binary_cross_entropy_with_logits(t, torch.tensor(ys, dtype=torch.float64),
                                                    reduction=reduction)
        theirs.backward()
        assert ours.data == pytest.approx(theirs.item(), rel=1e-15)
        # torch rounds sigmoid(z) - y, so it is off by up to 2^-52 absolute (sigmoid(40) - 1
        # is 0.0 there, -4.2e-18 here); elsewhere the two agree to 1e-15
        for x, g in zip(xs, t.grad.tolist()):
            assert x.grad == pytest.approx(g, rel=1e-15, abs=2.3e-16 / (len(zs) if
                                                                   reduction == "mean" else 1))


def test_bce_with_logits_equals_bce_of_the_sigmoid_where_both_work():
    zs, ys = [Value(-2.0), Value(0.3), Value(4.0)], [1.0, 0.25, 0.0]
    from_logits = binary_cross_entropy_with_logits(zs, ys)
    from_logits.backward()
    grads = [z.grad for z in zs]
    for z in zs:
        z.grad = 0.0
    from_probs = binary_cross_entropy([z.sigmoid() for z in zs], ys)
    from_probs.backward()
    assert from_logits.data == pytest.approx(from_probs.data, rel=1e-14)
    assert grads == pytest.approx([z.grad for z in zs], rel=1e-12)
    assert grads == pytest.approx([(1 / (1 + math.exp(-z.data)) - y) / 3
                                   for z, y in zip(zs, ys)], rel=1e-14)


def test_bce_with_logits_value_targets_and_bad_input():
    z, y = Value(1.5), Value(0.25)
    L = binary_cross_entropy_with_logits(z, y)
    L.backward()
    assert y.grad == pytest.approx(-1.5, rel=1e-15)            # dL/dy = -z
    assert z.grad == pytest.approx(1 / (1 + math.exp(-1.5)) - 0.25, rel=1e-15)
    assert gradcheck(lambda z, y: binary_cross_entropy_with_logits([z, -z], [y, 1 - y]),
                     [Value(-0.7), Value(0.4)])
    with pytest.raises(ValueError, match=r"binary_cross_entropy_with_logits: targets\[0\] = "
                                         r"1.5 is outside \[0, 1\]"):
        binary_cross_entropy_with_logits(Value(0.0), 1.5)
    with pytest.raises(ValueError, match="reduction must be 'mean' or 'sum'"):
        binary_cross_entropy_with_logits(Value(0.0), 1, reduction="none")
