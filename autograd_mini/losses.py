"""Loss functions on Values: each returns one Value to call ``backward()`` on.

``predictions`` is one Value (or number) or a list of them; ``targets`` matches it.

- ``mse``: the notes' squared error, ``C = 1/2 sum_j (a_j - y_j)^2`` (so dC/da_j = a_j - y_j).
  ``reduction="mean"`` gives PyTorch's ``MSELoss`` (mean, no 1/2), ``"sum"`` the plain sum.
- ``binary_cross_entropy``: ``L = -(y log a + (1 - y) log(1 - a))`` on probabilities a,
  mean over the entries (PyTorch's ``BCELoss``) or ``reduction="sum"``.
- ``binary_cross_entropy_with_logits``: the same loss from the logit z (a = sigmoid(z)),
  computed stably as ``softplus(z) - y z`` with ``dL/dz = sigmoid(z) - y`` (PyTorch's
  ``BCEWithLogitsLoss``). Use it when the model's output is a logit: a sigmoid saturates
  (to 0, 1 or a subnormal number) long before the loss or its gradient stop being finite.
- ``hinge``: micrograd's max-margin loss ``mean_i relu(1 - y_i s_i)`` for labels -1/+1,
  plus ``alpha * sum p^2`` over ``parameters`` (L2 regularisation) when ``alpha`` > 0.
"""

import sys
from numbers import Real

from .core import Value

__all__ = ["mse", "binary_cross_entropy", "binary_cross_entropy_with_logits", "hinge"]

_LOGITS_HINT = ("compute the loss from the logit z instead (the sigmoid's input): "
                "binary_cross_entropy_with_logits(z, y)")


def _pairs(predictions, targets, name):
    """Predictions and targets as two equal-length lists."""
    preds = [predictions] if isinstance(predictions, (Value, Real)) else list(predictions)
    ys = [targets] if isinstance(targets, (Value, Real)) else list(targets)
    if len(preds) != len(ys):
        raise ValueError(f"{name}: {len(preds)} predictions but {len(ys)} targets")
    if not preds:
        raise ValueError(f"{name}: no predictions given")
    for i, p in enumerate(preds):
        if isinstance(p, bool) or not isinstance(p, (Value, Real)):
            raise TypeError(f"{name}: predictions[{i}] must be a Value or a number, "
                            f"got {type(p).__name__}: {p!r}")
    for i, y in enumerate(ys):
        if isinstance(y, bool) or not isinstance(y, (Value, Real)):
            raise TypeError(f"{name}: targets[{i}] must be a number or a Value, "
                            f"got {type(y).__name__}: {y!r}")
    return preds, ys


def _total(terms):
    """t0 + t1 + ... without a leading ``0 +`` node."""
    return sum(terms[1:], terms[0])


def _reduce(total, n, reduction, name, half_sum=False):
    if reduction == "mean":
        return total * (1.0 / n)
    if reduction == "sum":
        return total
    if half_sum and reduction == "half_sum":
        return total * 0.5
    choices = "'half_sum', 'sum' or 'mean'" if half_sum else "'mean' or 'sum'"
    raise ValueError(f"{name}: reduction must be {choices}, got {reduction!r}")


def mse(predictions, targets, reduction="half_sum"):
    """Squared error. Default: ``1/2 sum_j (a_j - y_j)^2`` as in the notes (E_total of the
    worked example); ``reduction="mean"``: ``mean_j (a_j - y_j)^2`` (PyTorch's MSELoss);
    ``reduction="sum"``: ``sum_j (a_j - y_j)^2``."""
    preds, ys = _pairs(predictions, targets, "mse")
    total = _total([(a - y) ** 2 for a, y in zip(preds, ys)])
    return _reduce(total, len(preds), reduction, "mse", half_sum=True)


def binary_cross_entropy(probabilities, targets, reduction="mean"):
    """``-(y log a + (1 - y) log(1 - a))`` averaged (or summed) over the entries.

    Each probability ``a`` must lie strictly inside (0, 1), where the logs are finite, and
    where its target y is not 0, ``a`` must be a normal float (>= 2.2e-308): below that
    ``dL/da = -y/a`` overflows to -inf. A sigmoid output saturates to such numbers (at
    z = -720, or 0.0 and 1.0 past |z| = 745 and 37); that is reported, not turned into inf:
    use ``binary_cross_entropy_with_logits`` on the logit. Targets lie in [0, 1]. With a
    sigmoid output, dL/dz = a - y.
    """
    preds, ys = _pairs(probabilities, targets, "binary_cross_entropy")
    terms = []
    for i, (a, y) in enumerate(zip(preds, ys)):
        p = a.data if isinstance(a, Value) else float(a)
        t = _target(y, i, "binary_cross_entropy")
        _check_probability(a, p, y, t, i)
        a = a if isinstance(a, Value) else Value(p)
        if type(y) is not Value and t == 1.0:       # skip the term multiplied by 0
            terms.append(-a.log())
        elif type(y) is not Value and t == 0.0:
            terms.append(-(1.0 - a).log())
        else:
            terms.append(-(y * a.log() + (1.0 - y) * (1.0 - a).log()))
    return _reduce(_total(terms), len(terms), reduction, "binary_cross_entropy")


def _target(y, i, name):
    t = y.data if isinstance(y, Value) else float(y)
    if not 0.0 <= t <= 1.0:
        raise ValueError(f"{name}: targets[{i}] = {t!r} is outside [0, 1]")
    return t


def _check_probability(a, p, y, t, i):
    """A probability whose loss and gradient are finite floats, or a ValueError."""
    label = f" (label {a.label!r})" if isinstance(a, Value) and a.label else ""
    if not 0.0 < p < 1.0:
        raise ValueError(f"binary_cross_entropy: probabilities[{i}] = {p!r}{label} is "
                         "outside (0, 1); apply sigmoid to the output, and note that a "
                         "saturated sigmoid (exactly 0.0 or 1.0) has an infinite loss; "
                         + _LOGITS_HINT)
    if p < sys.float_info.min and (type(y) is Value or t != 0.0):
        raise ValueError(f"binary_cross_entropy: probabilities[{i}] = {p!r}{label} is "
                         "subnormal (a saturated sigmoid): the gradient -y/a overflows to "
                         "-inf, so it cannot be computed; " + _LOGITS_HINT)


def binary_cross_entropy_with_logits(logits, targets, reduction="mean"):
    """Binary cross-entropy of ``a = sigmoid(z)`` computed from the logit z, stably:
    ``L = -(y log a + (1 - y) log(1 - a)) = softplus(z) - y z``, ``dL/dz = sigmoid(z) - y``,
    averaged (or summed) over the entries; finite for every finite z, as PyTorch's
    ``binary_cross_entropy_with_logits``. Targets lie in [0, 1].

    No term is large only to cancel: ``softplus(z) - y z`` is written
    ``(1 - y) z + softplus(-z)`` for z >= 0 and ``softplus(z) - y z`` for z < 0."""
    name = "binary_cross_entropy_with_logits"
    zs, ys = _pairs(logits, targets, name)
    terms = []
    for i, (z, y) in enumerate(zip(zs, ys)):
        t = _target(y, i, name)
        z = z if isinstance(z, Value) else Value(float(z))
        terms.append(_logit_term(z, y, t))
    return _reduce(_total(terms), len(terms), reduction, name)


def _logit_term(z, y, t):
    """One entry's ``softplus(z) - y z``, in the form that keeps its digits."""
    if type(y) is not Value and t == 0.0:           # -log(1 - a) = softplus(z)
        return z.softplus()
    if type(y) is not Value and t == 1.0:           # -log(a) = softplus(-z)
        return (-z).softplus()
    y = y if type(y) is Value else t
    if z.data >= 0.0:
        return z * (1.0 - y) + (-z).softplus()
    return z.softplus() - z * y


def hinge(scores, labels, parameters=None, alpha=0.0):
    """micrograd's max-margin loss: ``mean_i relu(1 - y_i s_i) + alpha * sum_p p^2``.

    ``labels`` must be -1 or +1 (0/1 labels convert with ``2*y - 1``). With ``alpha`` > 0,
    ``parameters`` (e.g. ``model.parameters()``) get the L2 penalty.
    """
    scores, ys = _pairs(scores, labels, "hinge")
    for i, y in enumerate(ys):
        if type(y) is Value or y not in (-1, 1):
            raise ValueError(f"hinge: labels[{i}] = {y!r} must be -1 or +1 "
                             "(convert 0/1 labels with 2*y - 1)")
    losses = [(1.0 - s * float(y)).relu() if isinstance(s, Value) else Value(max(0.0, 1.0 - s * y))
              for s, y in zip(scores, ys)]
    loss = _total(losses) * (1.0 / len(losses))
    if alpha:
        if parameters is None:
            raise ValueError("hinge: alpha > 0 needs the parameters to regularise "
                             "(parameters=model.parameters())")
        params = list(parameters)
        if params:
            loss = loss + _total([p * p for p in params]) * float(alpha)
    return loss
