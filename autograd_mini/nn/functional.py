"""Functions on Values with ``torch.nn.functional``'s names:
``import autograd_mini.nn.functional as F``.

A "tensor" here is a Value or number (0-d), a list of them (1-d, a vector) or a list of
such lists (2-d: rows). ``dim=-1`` (the default) works along the last dimension of any
input; ``dim=0`` also works on a 2-d input (along its columns).

- ``softmax(x)_i = exp(x_i - m) / sum_j exp(x_j - m)`` with ``m = max_j x_j`` (nodes of op
  "max_detached", whose local derivatives are 0, as torch's ``x.max().detach()``: the shift
  changes no value and no gradient, and keeps ``exp`` from overflowing);
  ``d softmax_i / d x_j = softmax_i ([i = j] - softmax_j)``.
- ``log_softmax(x)_i = (x_i - m) - log sum_j exp(x_j - m)``; ``d/dx_j = [i = j] - softmax_j``.
- ``cross_entropy(logits, target) = -log_softmax(logits)[target]`` per sample, so
  ``d/d logits_j = softmax_j - [j = target]``; then mean (default), sum or none.
- ``linear(x, W, b)_j = b_j + sum_k W[j][k] x_k``: one "wsum" node per output (the
  neuron's weighted sum), ``W`` of shape (out, in) as torch's.
- ``embedding(i, W) = W[i]``: the row's own Values (no new node), so their gradients
  add up over every use, as torch's.
- ``layer_norm``, ``rms_norm``, ``scaled_dot_product_attention``, ``relu``, ``dropout``.
"""

import math
import random
from numbers import Real

from ..core import Value, op, weighted_sum
from .shapes import _along, _last, _map, _ndim, _total, _value, _vector

__all__ = ["relu", "softmax", "log_softmax", "cross_entropy", "nll_loss", "linear",
           "embedding", "layer_norm", "rms_norm", "scaled_dot_product_attention", "dropout"]


# ---------------------------------------------------------------------- activations
def relu(input):
    """``max(0, x)`` on every entry (a Value, or nested lists of them)."""
    return _map(input, lambda v: _value(v, "relu").relu())


def dropout(input, p=0.5, training=True, rng=None):
    """Each entry zeroed with probability ``p``, the others scaled by ``1/(1-p)``, while
    ``training``; else the input unchanged. ``rng``: a ``random.Random`` (default: the
    ``random`` module). (torch's draws come from its own generator: only the law matches.)"""
    if isinstance(p, bool) or not isinstance(p, Real) or not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p!r}")
    if not training or p == 0.0:
        return input
    rng = rng if rng is not None else random
    if p == 1.0:
        return _map(input, lambda v: _value(v, "dropout") * 0.0)
    scale = 1.0 / (1.0 - p)
    return _map(input, lambda v: _value(v, "dropout") * (0.0 if rng.random() < p else scale))


# ---------------------------------------------------------------------- softmax family
# The larger of two numbers as a node whose local derivatives are 0: softmax's shift by the
# largest entry changes no value's gradient, and compile's replay computes it from its
# inputs (a number read with .data would be a constant of the trace).
_larger = op(0.0, 0.0, name="max_detached")(lambda a, b: b if b > a else a)


def _shifted(x):
    """x - max(x), the max taken in the order of ``max()`` (the same float)."""
    m = _larger(x[0], x[1] if len(x) > 1 else x[0])
    for v in x[2:]:
        m = _larger(m, v)
    return [v - m for v in x]


def _softmax1(x):
    e = [v.exp() for v in _shifted(x)]
    s = _total(e)
    return [v / s for v in e]


def _log_softmax1(x):
    z = _shifted(x)
    lse = _total([v.exp() for v in z]).log()
    return [v - lse for v in z]


def softmax(input, dim=-1):
    """``exp(x_i - m) / sum_j exp(x_j - m)`` along ``dim`` (m the largest entry)."""
    return _along(input, dim, _softmax1, "softmax")


def log_softmax(input, dim=-1):
    """``(x_i - m) - log sum_j exp(x_j - m)`` along ``dim``: finite for any finite input."""
    return _along(input, dim, _log_softmax1, "log_softmax")


# ---------------------------------------------------------------------- losses
_REDUCTIONS = ("mean", "sum", "none")


def _batch(input, target, what):
    """``(rows, targets, batched)``: a (C,) input with one int target, or (N, C) with N."""
    n = _ndim(input, what)
    if n == 1:
        rows, targets = [input], [target]
    elif n == 2:
        rows = list(input)
        if isinstance(target, int) or not isinstance(target, (list, tuple)):
            raise TypeError(f"{what}: a 2-d input (N, C) takes a list of N class indices, "
                            f"got {type(target).__name__}")
        targets = list(target)
        if len(targets) != len(rows):
            raise ValueError(f"{what}: {len(rows)} rows of logits but {len(targets)} targets")
    else:
        raise ValueError(f"{what}: input must be 1-d (C,) or 2-d (N, C), got {n}-d")
    classes = len(rows[0])
    for i, (row, t) in enumerate(zip(rows, targets)):
        if not isinstance(row, (list, tuple)) or len(row) != classes:
            raise ValueError(f"{what}: every row must have {classes} logits (row {i})")
        if isinstance(t, bool) or not isinstance(t, int):
            raise TypeError(f"{what}: targets must be class indices (int), got "
                            f"{type(t).__name__}: {t!r}")
    return rows, targets, classes, n == 2


def _check_reduction(reduction, what):
    if reduction not in _REDUCTIONS:
        raise ValueError(f"{what}: reduction must be 'mean', 'sum' or 'none', "
                         f"got {reduction!r}")


def _class_weights(weight, classes, what):
    if weight is None:
        return None
    if len(weight) != classes:
        raise ValueError(f"{what}: weight must have one entry per class ({classes}), "
                         f"got {len(weight)}")
    return [w if isinstance(w, Value) else float(w) for w in weight]


def _reduce(losses, weights, reduction, batched, what):
    """``losses``: per-sample Values (None where ignored); ``weights``: what a mean
    divides by, per sample."""
    kept = [v for v in losses if v is not None]
    if reduction == "none":
        out = [v if v is not None else Value(0.0) for v in losses]
        return out if batched else out[0]
    if not kept and reduction == "sum":
        return Value(0.0)                               # torch: an empty sum is 0
    if not kept:
        raise ValueError(f"{what}: every target is ignore_index, so there is nothing to "
                         "average (torch gives nan); use reduction='sum'")
    total = _total(kept)
    if reduction == "sum":
        return total
    return total / _total([w for w, v in zip(weights, losses) if v is not None])


def nll_loss(input, target, weight=None, ignore_index=-100, reduction="mean"):
    """``-w[t] input[t]`` per sample (``input``: log-probabilities, e.g. ``log_softmax``),
    then the mean ``sum / sum w[t]`` (over targets not ``ignore_index``), sum, or none."""
    what = "nll_loss"
    _check_reduction(reduction, what)
    rows, targets, classes, batched = _batch(input, target, what)
    weights = _class_weights(weight, classes, what)
    losses, ws = [], []
    for i, (row, t) in enumerate(zip(rows, targets)):
        if t == ignore_index:
            losses.append(None)
            ws.append(0.0)
            continue
        if not 0 <= t < classes:
            raise IndexError(f"{what}: target {t} is out of bounds for {classes} classes "
                             f"(sample {i})")
        w = 1.0 if weights is None else weights[t]
        x = _value(row[t], what)
        losses.append(-x if weights is None else -(x * w))
        ws.append(w)
    return _reduce(losses, ws, reduction, batched, what)


def cross_entropy(input, target, weight=None, ignore_index=-100, reduction="mean",
                  label_smoothing=0.0):
    """Softmax cross-entropy from logits and class indices, as torch's:
    ``loss = -w[t] log softmax(x)[t]`` per sample (``d/dx_j = w[t] (softmax_j - [j = t])``);
    with ``label_smoothing`` e, ``(1 - e) loss + e/C * sum_c -w[c] log softmax(x)[c]``.
    ``input``: C logits (``target`` one int) or N rows of C (``target`` N ints);
    ``reduction``: "mean" (divides by the summed weights of the targets), "sum", "none"."""
    what = "cross_entropy"
    _check_reduction(reduction, what)
    if isinstance(label_smoothing, bool) or not isinstance(label_smoothing, Real) \
            or not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"{what}: label_smoothing must be between 0.0 and 1.0, got "
                         f"{label_smoothing!r}")
    rows, targets, classes, batched = _batch(input, target, what)
    logp = [_log_softmax1(_vector(row, what)) for row in rows]
    nll = nll_loss(logp if batched else logp[0], target, weight, ignore_index, reduction)
    if not label_smoothing:
        return nll
    weights = _class_weights(weight, classes, what)
    smooth = [None if t == ignore_index else
              -_total(row if weights is None else [v * w for v, w in zip(row, weights)])
              for row, t in zip(logp, targets)]
    counts = [0.0 if t == ignore_index else 1.0 if weights is None else weights[t]
              for t in targets]
    smooth = _reduce(smooth, counts, reduction, batched, what)
    e = float(label_smoothing)
    if reduction == "none" and batched:
        return [a * (1.0 - e) + b * (e / classes) for a, b in zip(nll, smooth)]
    return nll * (1.0 - e) + smooth * (e / classes)


# ---------------------------------------------------------------------- layers
def _dot(ws, xs, b=None):
    """``b + sum_k w_k x_k`` as one "wsum" node (``b`` None: the first product starts it)."""
    if b is None:
        if len(ws) == 1:
            return ws[0] * xs[0]
        return weighted_sum(ws[1:], xs[1:], ws[0] * xs[0])
    return weighted_sum(ws, xs, b)


def linear(input, weight, bias=None):
    """``y_j = b_j + sum_k W[j][k] x_k`` (``weight``: out rows of in entries, as torch's);
    ``input`` one vector of ``in`` entries or a list of them."""
    if isinstance(input, (list, tuple)) and input and isinstance(input[0], (list, tuple)):
        return [linear(row, weight, bias) for row in input]
    try:                                            # the common case: Values of the right sizes
        if all(len(w) == len(input) for w in weight) and (bias is None or
                                                          len(bias) == len(weight)):
            if bias is None:
                return [_dot(w, input) for w in weight]
            return [weighted_sum(w, input, b) for w, b in zip(weight, bias)]
    except (AttributeError, TypeError):             # numbers among them, or not lists
        pass
    return _linear_checked(input, weight, bias)


def _linear_checked(input, weight, bias):
    what = "linear"
    n = _ndim(input, what)
    if n != 1:
        raise ValueError(f"{what}: input must be 1-d or 2-d, got {n}-d")
    x = _vector(input, what)
    rows = [_vector(w, what) for w in weight]
    for j, w in enumerate(rows):
        if len(w) != len(x):
            raise ValueError(f"{what}: input has {len(x)} features but weight row {j} has "
                             f"{len(w)}")
    if bias is None:
        return [_dot(w, x) for w in rows]
    if len(bias) != len(rows):
        raise ValueError(f"{what}: {len(rows)} weight rows but {len(bias)} biases")
    return [_dot(w, x, _value(b, what)) for w, b in zip(rows, bias)]


def embedding(input, weight):
    """``weight[i]`` for an index ``i`` (a list of its Values), or a list of rows for a
    list of indices; no new node: gradients reach the rows themselves."""
    if isinstance(input, (list, tuple)):
        return [embedding(i, weight) for i in input]
    if isinstance(input, bool) or not isinstance(input, int):
        raise TypeError(f"embedding: indices must be ints, got {type(input).__name__}")
    if not 0 <= input < len(weight):                # torch takes no negative index either
        raise IndexError(f"embedding: index {input} is out of range for {len(weight)} rows")
    return list(weight[input])


def _norm_shape(normalized_shape, x, what):
    size = normalized_shape[0] if isinstance(normalized_shape, (list, tuple)) \
        and len(normalized_shape) == 1 else normalized_shape
    if isinstance(size, bool) or not isinstance(size, int):
        raise ValueError(f"{what}: normalized_shape must be one int (the last dimension), "
                         f"got {normalized_shape!r}")
    if len(x) != size:
        raise ValueError(f"{what}: expected {size} entries in the last dimension, "
                         f"got {len(x)}")


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """``(x - mean) / sqrt(var + eps) * w + b`` over the last dimension (var the biased
    variance ``mean (x - mean)^2``), as ``torch.nn.functional.layer_norm``."""
    def norm(x):
        _norm_shape(normalized_shape, x, "layer_norm")
        n = len(x)
        mean = _total(x) / n
        d = [v - mean for v in x]
        r = (_total([v * v for v in d]) / n + eps) ** -0.5
        return _affine([v * r for v in d], weight, bias)
    return _rows(input, norm, "layer_norm")


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """``x / sqrt(mean(x^2) + eps) * w`` over the last dimension, as
    ``torch.nn.functional.rms_norm`` (``eps=None``: the float epsilon, 2.22e-16)."""
    eps = 2.220446049250313e-16 if eps is None else eps

    def norm(x):
        _norm_shape(normalized_shape, x, "rms_norm")
        r = (_total([v * v for v in x]) / len(x) + eps) ** -0.5
        return _affine([v * r for v in x], weight, None)
    return _rows(input, norm, "rms_norm")


def _rows(input, fn, what):
    if _ndim(input, what) == 0:
        raise ValueError(f"{what}: expected a list (1-d or more), got a single "
                         f"{type(input).__name__}")
    return _last(input, fn, what)


def _affine(y, weight, bias):
    if any(p is not None and len(p) != len(y) for p in (weight, bias)):
        raise ValueError(f"weight and bias must have {len(y)} entries (the last dimension)")
    if weight is not None:
        y = [v * w for v, w in zip(y, weight)]
    if bias is not None:
        y = [v + b for v, b in zip(y, bias)]
    return y


def scaled_dot_product_attention(query, key, value, attn_mask=None, dropout_p=0.0,
                                 is_causal=False, scale=None):
    """``softmax(q k^T * scale + mask) v`` for one head: ``query`` (L, E), ``key`` (S, E),
    ``value`` (S, Ev) -> (L, Ev); ``scale`` defaults to ``1/sqrt(E)``. ``is_causal``:
    position l attends to positions s <= l only (the masked scores are left out, which is
    what torch's -inf does). ``attn_mask``: an (L, S) list, as torch's: bools (True: may
    attend) or numbers added to the scores (``-inf``: may not attend)."""
    what = "scaled_dot_product_attention"
    if dropout_p:
        raise ValueError(f"{what}: dropout_p is not supported; apply dropout() yourself")
    if is_causal and attn_mask is not None:
        raise ValueError(f"{what}: give attn_mask or is_causal, not both")
    for name, x in (("query", query), ("key", key), ("value", value)):
        if _ndim(x, what) != 2:
            raise ValueError(f"{what}: {name} must be 2-d (positions, features)")
        if len({len(row) for row in x}) != 1:
            raise ValueError(f"{what}: the rows of {name} have different lengths")
    if len(key) != len(value):
        raise ValueError(f"{what}: {len(key)} keys but {len(value)} values")
    if len(query[0]) != len(key[0]):
        raise ValueError(f"{what}: query has {len(query[0])} features but key has "
                         f"{len(key[0])}")
    query, key, value = ([_vector(row, what) for row in x] for x in (query, key, value))
    scale = 1.0 / math.sqrt(len(query[0])) if scale is None else float(scale)
    mask = _attention_mask(attn_mask, len(query), len(key), what)
    out = []
    for l, q in enumerate(query):
        allowed = [s for s in range(len(key)) if (s <= l if is_causal else
                                                  mask is None or mask[l][s] is not None)]
        if not allowed:
            raise ValueError(f"{what}: query {l} may attend to no key (torch gives nan)")
        scores = [_dot(q, key[s]) * scale for s in allowed]
        if mask is not None:
            scores = [v + mask[l][s] if mask[l][s] else v for v, s in zip(scores, allowed)]
        p = _softmax1(scores)
        out.append([_dot(p, list(col)) for col in zip(*[value[s] for s in allowed])])
    return out


def _attention_mask(mask, rows, cols, what):
    """torch's two kinds of (L, S) mask as rows of None (may not attend) or a number added
    to the score: bools (True: may attend, 0.0) or numbers (-inf: may not attend)."""
    if mask is None:
        return None
    if not isinstance(mask, (list, tuple)) or len(mask) != rows or any(
            not isinstance(r, (list, tuple)) or len(r) != cols for r in mask):
        raise ValueError(f"{what}: attn_mask must be {rows} rows of {cols} entries (L, S)")
    if not all(isinstance(m, Real) and not math.isnan(m) and m != math.inf
               for r in mask for m in r):
        raise ValueError(f"{what}: attn_mask entries must be bools or numbers (not nan or "
                         f"+inf), got {mask!r:.80}")
    return [[(0.0 if m else None) if isinstance(m, bool) else
             None if m == -math.inf else float(m) for m in r] for r in mask]
