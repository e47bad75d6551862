"""Loss functions on Values: each returns one Value to call ``backward()`` on.

``predictions`` is one Value (or number) or a list of them; ``targets`` matches it.

- ``mse``: the notes' squared error, ``C = 1/2 sum_j (a_j - y_j)^2`` (so dC/da_j = a_j - y_j).
  ``reduction="mean"`` gives PyTorch's ``MSELoss`` (mean, no 1/2), ``"sum"`` the plain sum.
- ``binary_cross_entropy``: ``L = -(y log a + (1 - y) log(1 - a))``, mean over the
  entries (PyTorch's ``BCELoss``) or ``reduction="sum"``.
- ``hinge``: micrograd's max-margin loss ``mean_i relu(1 - y_i s_i)`` for labels -1/+1,
  plus ``alpha * sum p^2`` over ``parameters`` (L2 regularisation) when ``alpha`` > 0.
"""

from numbers import Real

from .engine import Value

__all__ = ["mse", "binary_cross_entropy", "hinge"]


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

    Each probability ``a`` must lie strictly inside (0, 1), where the logs are finite
    (a sigmoid output that saturates to exactly 0.0 or 1.0 is reported, not turned into
    inf). Targets lie in [0, 1]. With a sigmoid output, dL/dz = a - y.
    """
    preds, ys = _pairs(probabilities, targets, "binary_cross_entropy")
    terms = []
    for i, (a, y) in enumerate(zip(preds, ys)):
        p = a.data if isinstance(a, Value) else float(a)
        if not 0.0 < p < 1.0:
            label = f" (label {a.label!r})" if isinstance(a, Value) and a.label else ""
            raise ValueError(f"binary_cross_entropy: probabilities[{i}] = {p!r}{label} is "
                             "outside (0, 1); apply sigmoid to the output, and note that "
                             "a saturated sigmoid (exactly 0.0 or 1.0) has an infinite loss")
        t = y.data if isinstance(y, Value) else float(y)
        if not 0.0 <= t <= 1.0:
            raise ValueError(f"binary_cross_entropy: targets[{i}] = {t!r} is outside [0, 1]")
        a = a if isinstance(a, Value) else Value(p)
        if type(y) is not Value and t == 1.0:       # skip the term multiplied by 0
            terms.append(-a.log())
        elif type(y) is not Value and t == 0.0:
            terms.append(-(1.0 - a).log())
        else:
            terms.append(-(y * a.log() + (1.0 - y) * (1.0 - a).log()))
    return _reduce(_total(terms), len(terms), reduction, "binary_cross_entropy")


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
