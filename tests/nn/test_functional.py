"""autograd_mini.nn.functional against torch.nn.functional in float64: values and
gradients to 1e-12, including the numerically hard cases (large logits)."""

import math
import random

import pytest

import autograd_mini.nn.functional as F
from autograd_mini import Value


def nested(x, fn):
    return [nested(v, fn) for v in x] if isinstance(x, list) else fn(x)


def flat(x):
    return [w for v in x for w in flat(v)] if isinstance(x, list) else [x]


def values(x):
    return nested(x, Value)


def weights_for(out, seed=0):
    """Fixed random coefficients c: the test differentiates sum c_i out_i."""
    rng = random.Random(seed)
    return [rng.uniform(-1, 1) for _ in flat(out)]


def ours_and_grads(fn, inputs):
    """``fn`` on Values: its output numbers and d(sum c out)/d(each input number)."""
    leaves = [values(x) for x in inputs]
    out = fn(*leaves)
    outs = flat(out)
    cs = weights_for(outs)
    total = sum((o * c for o, c in zip(outs[1:], cs[1:])), outs[0] * cs[0])
    total.backward()
    return [o.data for o in outs], [[v.grad for v in flat(x)] for x in leaves]


def torch_and_grads(torch, fn, inputs):
    leaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
    out = fn(*leaves).reshape(-1)
    cs = torch.tensor(weights_for(out.tolist()), dtype=torch.float64)
    (out * cs).sum().backward()
    return out.tolist(), [x.grad.reshape(-1).tolist() for x in leaves]


def assert_close(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b):
        assert math.isclose(x, y, rel_tol=1e-12, abs_tol=1e-12), (a, b)


def check(torch, ours, theirs, *inputs):
    out, grads = ours_and_grads(ours, inputs)
    tout, tgrads = torch_and_grads(torch, theirs, inputs)
    assert_close(out, tout)
    for g, tg in zip(grads, tgrads):
        assert_close(g, tg)


X1 = [0.3, -1.2, 2.5, 0.0, 1.1]
X2 = [[0.3, -1.2, 2.5], [1.0, 1.0, -3.0], [0.5, 0.25, 0.125], [-2.0, 4.0, 0.0]]
BIG = [[1000.0, 1001.0, 999.0], [-1000.0, -1002.0, -1001.0]]


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("x, dim", [(X1, -1), (X1, 0), (X2, -1), (X2, 1), (X2, 0), (BIG, -1)])
def test_softmax_family(torch, name, x, dim):
    check(torch, lambda v: getattr(F, name)(v, dim=dim),
          lambda t: getattr(torch.nn.functional, name)(t, dim=dim), x)


def test_softmax_is_stable_where_naive_overflows():
    p = F.softmax([Value(1000.0), Value(1000.0)])
    assert [v.data for v in p] == [0.5, 0.5]
    assert F.log_softmax([Value(-1000.0), Value(0.0)])[0].data == -1000.0


CE_CASES = [
    dict(),
    dict(reduction="sum"),
    dict(reduction="none"),
    dict(weight=[0.2, 1.5, 0.7]),
    dict(weight=[0.2, 1.5, 0.7], reduction="sum"),
    dict(ignore_index=1),
    dict(ignore_index=1, reduction="none"),
    dict(label_smoothing=0.1),
    dict(label_smoothing=0.2, reduction="none", ignore_index=0),
    dict(label_smoothing=0.3, weight=[0.2, 1.5, 0.7]),
    dict(label_smoothing=0.3, weight=[0.2, 1.5, 0.7], ignore_index=2, reduction="sum"),
]


@pytest.mark.parametrize("kwargs", CE_CASES, ids=lambda k: ",".join(f"{a}={b}" for a, b in
                                                                        k.items()) or "mean")
@pytest.mark.parametrize("x, target", [(X2, [2, 0, 1, 1]), (BIG, [0, 2]), (X2[0], 1)],
                         ids=["batch", "large", "one"])
def test_cross_entropy(torch, kwargs, x, target):
    if isinstance(target, int) and "ignore_index" in kwargs:
        kwargs = dict(kwargs, ignore_index=-100)
    tkw = dict(kwargs)
    if "weight" in tkw:
        tkw["weight"] = torch.tensor(tkw["weight"], dtype=torch.float64)
    t = torch.tensor(target)
    check(torch, lambda v: F.cross_entropy(v, target, **kwargs),
          lambda v: torch.nn.functional.cross_entropy(v, t, **tkw), x)


def test_cross_entropy_gradient_is_softmax_minus_one_hot():
    logits = [Value(v) for v in X1]
    F.cross_entropy(logits, 2).backward()
    p = F.softmax([Value(v) for v in X1])
    for j, (z, pj) in enumerate(zip(logits, p)):
        assert z.grad == pytest.approx(pj.data - (j == 2), abs=1e-15)


@pytest.mark.parametrize("kwargs", [dict(), dict(reduction="sum"), dict(weight=[1.0, 2.0, 3.0]),
                                    dict(ignore_index=0, reduction="none")])
def test_nll_loss(torch, kwargs):
    tkw = dict(kwargs)
    if "weight" in tkw:
        tkw["weight"] = torch.tensor(tkw["weight"], dtype=torch.float64)
    target = [2, 0, 1, 0]
    check(torch, lambda v: F.nll_loss(F.log_softmax(v), target, **kwargs),
          lambda v: torch.nn.functional.nll_loss(torch.log_softmax(v, -1), torch.tensor(target),
                                                 **tkw), X2)


def test_loss_errors():
    x = [[Value(0.0), Value(1.0)], [Value(1.0), Value(0.0)]]
    with pytest.raises(IndexError, match="target 2 is out of bounds for 2 classes"):
        F.cross_entropy(x, [0, 2])
    with pytest.raises(TypeError, match="class indices"):
        F.cross_entropy(x, [0, 1.0])
    with pytest.raises(ValueError, match="2 rows of logits but 3 targets"):
        F.cross_entropy(x, [0, 1, 1])
    with pytest.raises(ValueError, match="every target is ignore_index"):
        F.cross_entropy(x, [-100, -100])
    with pytest.raises(ValueError, match="reduction must be"):
        F.cross_entropy(x, [0, 1], reduction="avg")
    with pytest.raises(ValueError, match="label_smoothing"):
        F.cross_entropy(x, [0, 1], label_smoothing=1.5)
    with pytest.raises(ValueError, match="dim must be an int in"):
        F.softmax(x, dim=2)
    with pytest.raises(TypeError, match="entries must be Values or numbers"):
        F.softmax(["a", "b"])


def test_linear(torch):
    W = [[0.5, -0.25, 1.5], [2.0, 0.125, -1.0]]
    b = [0.1, -0.3]
    for x in (X2[0], X2):
        check(torch, lambda x, w, b: F.linear(x, w, b), torch.nn.functional.linear, x, W, b)
        check(torch, lambda x, w: F.linear(x, w), torch.nn.functional.linear, x, W)


def test_embedding_adds_gradients_of_repeated_rows(torch):
    table = [[0.5, -1.0], [2.0, 0.25], [1.0, 1.0]]
    idx = [2, 0, 2, 2]
    check(torch, lambda w: F.embedding(idx, w),
          lambda w: torch.nn.functional.embedding(torch.tensor(idx), w), table)
    with pytest.raises(IndexError, match="index 3 is out of range for 3 rows"):
        F.embedding(3, values(table))


def test_layer_norm_and_rms_norm(torch):
    w, b = [1.5, -0.5, 2.0], [0.1, 0.2, -0.3]
    tf = torch.nn.functional
    for x in (X2[0], X2):
        check(torch, lambda x, w, b: F.layer_norm(x, [3], w, b), lambda x, w, b:
              tf.layer_norm(x, [3], w, b), x, w, b)
        check(torch, lambda x: F.layer_norm(x, 3, eps=1e-3), lambda x:
              tf.layer_norm(x, [3], eps=1e-3), x)
        check(torch, lambda x, w: F.rms_norm(x, [3], w), lambda x, w: tf.rms_norm(x, [3], w),
              x, w)
        check(torch, lambda x: F.rms_norm(x, 3, eps=1e-6), lambda x:
              tf.rms_norm(x, [3], eps=1e-6), x)
    with pytest.raises(ValueError, match="expected 4 entries"):
        F.layer_norm(values(X2[0]), 4)


@pytest.mark.parametrize("causal", [False, True])
def test_scaled_dot_product_attention(torch, causal):
    rng = random.Random(3)
    q, k, v = ([[rng.uniform(-1, 1) for _ in range(4)] for _ in range(5)] for _ in range(3))
    check(torch, lambda q, k, v: F.scaled_dot_product_attention(q, k, v, is_causal=causal),
          lambda q, k, v: torch.nn.functional.scaled_dot_product_attention(
              q, k, v, is_causal=causal), q, k, v)


def test_relu_and_dropout():
    x = values([[-1.0, 2.0], [3.0, -4.0]])
    assert nested(F.relu(x), lambda v: v.data) == [[0.0, 2.0], [3.0, 0.0]]
    assert F.dropout(x, 0.5, training=False) is x
    rng = random.Random(0)
    out = flat(F.dropout(values([1.0] * 2000), 0.25, rng=rng))
    kept = [o.data for o in out if o.data]
    assert set(kept) == {1.0 / 0.75} and 0.2 < 1 - len(kept) / 2000 < 0.3
    with pytest.raises(ValueError, match="dropout probability"):
        F.dropout(x, 1.5)
