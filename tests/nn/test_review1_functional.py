"""Review 1's findings in nn.functional, each fixed: a test that failed before the fix."""

import math

import pytest

import autograd_mini.nn.functional as F
from autograd_mini.core import Value, grad


def values(rows):
    return [[Value(x) for x in row] for row in rows]


Q, K, V = [[0.3, -1.2], [0.8, 0.5]], [[1.0, 0.2], [-0.4, 0.9], [0.1, 0.1]], \
    [[1.0, -2.0], [0.5, 3.0], [2.0, 0.25]]


# A float attn_mask (torch: added to the scores) was read as bools: 0.0 meant "masked" and
# -1e9 "may attend", the opposite of torch, silently.
@pytest.mark.parametrize("mask", [
    [[0.0, -1e9, 0.0], [0.0, 0.0, -math.inf]],
    [[0.5, -0.25, 0.0], [0.0, 1.0, -math.inf]],
    [[True, False, True], [True, True, False]],
])
def test_attention_masks_as_torch(torch, mask):
    q, k, v = values(Q), values(K), values(V)
    out = F.scaled_dot_product_attention(q, k, v, attn_mask=mask)
    tq, tk, tv = (torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in (Q, K, V))
    tmask = torch.tensor(mask, dtype=torch.bool if isinstance(mask[0][0], bool)
                         else torch.float64)
    tout = torch.nn.functional.scaled_dot_product_attention(tq, tk, tv, attn_mask=tmask)
    assert [y.data for row in out for y in row] == pytest.approx(tout.flatten().tolist(),
                                                             rel=1e-12)
    loss = sum((y * (i + 1) for row in out for i, y in enumerate(row)), Value(0.0))
    tloss = (tout * torch.tensor([1.0, 2.0], dtype=torch.float64)).sum()
    flat = [x for m in (q, k, v) for row in m for x in row]
    got = [g.data for g in grad(loss, flat, materialize_grads=True)]
    want = [x for t in torch.autograd.grad(tloss, [tq, tk, tv]) for x in t.flatten().tolist()]
    assert got == pytest.approx(want, rel=1e-10, abs=1e-14)


# query and key of different widths were paired by zip (the extra features dropped); a
# mask of the wrong shape was accepted or failed with a bare IndexError; ragged rows too.
@pytest.mark.parametrize("q, k, v, mask, match", [
    ([[1.0, 0.0, 3.0]], [[1.0, 0.0]], [[1.0]], None, "query has 3 features but key has 2"),
    ([[1.0]], [[1.0]], [[1.0]], [[True, True]], "attn_mask must be 1 rows of 1"),
    ([[1.0], [1.0]], [[1.0], [1.0]], [[1.0], [1.0]], [[True]], "attn_mask must be 2 rows"),
    ([[1.0, 0.0], [1.0]], [[1.0, 0.0]], [[1.0]], None, "rows of query have different"),
    ([[1.0]], [[1.0]], [[1.0]], [[math.nan]], "attn_mask entries"),
])
def test_attention_shapes_are_checked(q, k, v, mask, match):
    with pytest.raises(ValueError, match=match):
        F.scaled_dot_product_attention(values(q), values(k), values(v), attn_mask=mask)


# layer_norm / rms_norm with a weight or bias shorter than the dimension returned fewer
# outputs than inputs (zip), silently: [x0, x1] normalised with weight [w0] gave one value.
@pytest.mark.parametrize("fn, kwargs", [
    (F.layer_norm, dict(weight=[Value(1.0)])),
    (F.layer_norm, dict(bias=[Value(0.0)] * 3)),
    (F.rms_norm, dict(weight=[Value(1.0)])),
])
def test_norm_weights_of_the_wrong_length_are_an_error(fn, kwargs):
    with pytest.raises(ValueError, match="must have 2 entries"):
        fn([Value(1.0), Value(5.0)], 2, **kwargs)


# cross_entropy / nll_loss with every target ignored and reduction="sum" raised an error
# whose message advised reduction="sum"; torch gives 0.
@pytest.mark.parametrize("fn", [F.cross_entropy, F.nll_loss])
def test_all_targets_ignored_with_sum_is_zero(torch, fn):
    x = values([[0.5, -1.0, 2.0], [1.0, 0.0, 0.0]])
    loss = fn(x, [1, 1], ignore_index=1, reduction="sum")
    tfn = getattr(torch.nn.functional, fn.__name__)
    want = tfn(torch.tensor([[0.5, -1.0, 2.0], [1.0, 0.0, 0.0]], dtype=torch.float64),
               torch.tensor([1, 1]), ignore_index=1, reduction="sum")
    assert loss.data == want.item() == 0.0
