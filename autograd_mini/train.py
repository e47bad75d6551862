"""``fit``: the usual training loop, written once.

Each step: forward over the batch, loss, ``zero_grad()``, ``backward()``, optimizer step.
A ``tqdm`` progress bar shows loss and accuracy when tqdm is installed (nothing is
printed otherwise). For 0/1 labels, give the model a linear output and use
``loss="bce_with_logits"`` (stable for any logit). micrograd's moons demo is::

    X, y = make_moons(100, noise=0.1, seed=0, labels=(-1, 1))
    model = MLP(2, [16, 16, 1], seed=1337)
    history = fit(model, X, y, loss="hinge", alpha=1e-4, steps=100,
                  lr=lambda k: 1.0 - 0.9 * k / 100)
"""

import random
from dataclasses import dataclass, field

from .core import Value, no_grad
from .losses import binary_cross_entropy, binary_cross_entropy_with_logits, hinge, mse
from .optim import SGD, Optimizer
from .util.gc_pause import collector_paused as _collector_paused

__all__ = ["fit", "History", "accuracy"]


@dataclass
class History:
    """Per step (before that step's update): ``loss``, ``accuracy`` (None if it does not
    apply) and ``lr``. ``final_loss``/``final_accuracy``: on all the data after training."""
    loss: list = field(default_factory=list)
    accuracy: list = field(default_factory=list)
    lr: list = field(default_factory=list)
    final_loss: float = None
    final_accuracy: float = None


def accuracy(outputs, y, threshold=0.0):
    """Fraction of samples where ``output > threshold`` agrees with ``label > threshold``."""
    right = sum((_num(o) > threshold) == (t > threshold) for o, t in zip(outputs, y))
    return right / len(y)


def _num(o):
    return o.data if isinstance(o, Value) else o


_LOGITS = ("bce_with_logits", "binary_cross_entropy_with_logits")
_PROBABILITIES = ("bce", "binary_cross_entropy")


def _default_threshold(loss, y):
    """Where a score turns into class 1: 0 for -1/+1 labels and for logits, 0.5 for
    probabilities with 0/1 labels."""
    if loss == "hinge" or loss in _LOGITS:
        return 0.0
    try:
        labels = set(y)
    except TypeError:                               # several outputs per sample
        return None
    if labels <= {-1, 1}:
        return 0.0
    if labels <= {0, 1}:
        return 0.5
    return None                                     # a regression target: no accuracy


def _loss_fn(loss, alpha):
    if callable(loss):
        return loss
    if loss == "hinge":
        return lambda out, y, model: hinge(out, y, model.parameters(), alpha=alpha)
    if alpha:
        raise ValueError(f"alpha (L2) is only built into loss='hinge'; for {loss!r} pass "
                         "a callable loss(outputs, targets, model)")
    if loss == "mse":
        return lambda out, y, model: mse(_flat(out), _flat(y), reduction="mean")
    if loss in _PROBABILITIES:
        return lambda out, y, model: binary_cross_entropy(out, y)
    if loss in _LOGITS:
        return lambda out, y, model: binary_cross_entropy_with_logits(out, y)
    raise ValueError(f"loss must be 'hinge', 'mse', 'bce', 'bce_with_logits' or a callable, "
                     f"got {loss!r}")


def _check_output_activation(model, loss):
    """'bce' wants probabilities (a sigmoid output), 'bce_with_logits' logits (a linear
    output); the other way round trains the wrong thing or fails midway."""
    activations = getattr(model, "activations", None)
    if not activations or not isinstance(loss, str):
        return
    last = activations[-1]
    if loss in _LOGITS and last != "linear":
        raise ValueError(f"loss={loss!r} takes logits, but the model's output activation is "
                         f"{last!r}; build it with output_activation=None (linear), or use "
                         "loss='bce' on a sigmoid output")
    if loss in _PROBABILITIES and last != "sigmoid":
        raise ValueError(f"loss={loss!r} takes probabilities (a sigmoid output), but the "
                         f"model's output activation is {last!r}; for a linear output (a "
                         "logit) use loss='bce_with_logits'")


def _flat(xs):
    return [v for x in xs for v in (x if isinstance(x, list) else [x])]


def _progress_bar(steps, progress):
    if progress is False:
        return None
    try:
        from tqdm.auto import tqdm
    except ImportError:
        return None
    return tqdm(total=steps, desc="fit", leave=True)


def _step(k, model, X, y, lr, optimizer, loss_fn, threshold, batch_size, rng, history, bar):
    """One training step: forward, loss, zero_grad, backward, update; record it."""
    if batch_size is None:
        Xb, yb = X, y
    else:
        idx = rng.sample(range(len(X)), min(batch_size, len(X)))
        Xb, yb = [X[i] for i in idx], [y[i] for i in idx]
    if callable(lr):
        optimizer.lr = float(lr(k))
    outputs = [model(x) for x in Xb]
    total = loss_fn(outputs, yb, model)
    optimizer.zero_grad()
    total.backward()
    optimizer.step()
    acc = accuracy(outputs, yb, threshold) if threshold is not None else None
    history.loss.append(total.data)
    history.accuracy.append(acc)
    history.lr.append(optimizer.lr)
    if bar is not None:
        bar.set_postfix(loss=f"{total.data:.4g}", refresh=False,
                        **({"acc": f"{acc:.0%}"} if acc is not None else {}))
        bar.update(1)


def _optimizer(model, lr, optimizer):
    """The optimizer to use: ``SGD(lr)`` by default; a given one gets a fixed ``lr``."""
    if optimizer is None:
        if lr is None:
            raise ValueError("fit needs a learning rate lr (or an optimizer)")
        return SGD(model.parameters(), lr(0) if callable(lr) else lr)
    if not isinstance(optimizer, Optimizer):
        raise TypeError(f"optimizer must be an autograd_mini.optim optimizer, "
                        f"got {type(optimizer).__name__}")
    if lr is not None and not callable(lr):
        optimizer.lr = float(lr)
    return optimizer


def fit(model, X, y, loss="hinge", steps=100, lr=None, optimizer=None, alpha=0.0,
        batch_size=None, seed=None, accuracy_threshold="auto", progress=None):
    """Train ``model`` on ``(X, y)`` for ``steps`` steps; returns a ``History``.

    loss        "hinge": labels -1/+1, ``mean relu(1 - y s)`` (``alpha`` adds
                ``alpha * sum p^2``); "mse": mean squared error;
                "bce_with_logits": labels 0/1 (or in [0, 1]), the output is a logit z
                (a linear output layer), ``softplus(z) - y z``, stable for every z;
                "bce": the output is a probability (a sigmoid output layer), refused
                once the sigmoid saturates; or ``loss(outputs, targets, model) -> Value``.
                "binary_cross_entropy" and "binary_cross_entropy_with_logits" are the
                long names of the two cross-entropies
    lr          a number, or a schedule ``lr(step) -> number`` set before each step
    optimizer   an ``optim`` optimizer over ``model.parameters()`` (default: ``SGD(lr)``)
    batch_size  None: all samples every step; else a random batch (``seed``) each step
    accuracy_threshold  "auto" (0 for -1/+1 labels and for logits, 0.5 for
                probabilities with 0/1 labels), a number, or None
    progress    None/True: a tqdm bar if tqdm is installed; False: never
    """
    if len(X) != len(y) or len(X) == 0:
        raise ValueError(f"fit needs equally many inputs and labels, got {len(X)} and {len(y)}")
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps must be an int >= 0, got {steps!r}")
    optimizer = _optimizer(model, lr, optimizer)
    loss_fn = _loss_fn(loss, alpha)
    _check_output_activation(model, loss)
    threshold = (_default_threshold(loss, y) if accuracy_threshold == "auto"
                 else accuracy_threshold)
    rng = random.Random(seed)
    history = History()
    bar = _progress_bar(steps, progress)
    # Each step's graph holds no reference cycles and is freed by reference counting;
    # pausing the cyclic collector saves it rescanning every live node (3-4x faster).
    with _collector_paused():
        try:
            for k in range(steps):
                _step(k, model, X, y, lr, optimizer, loss_fn, threshold, batch_size, rng,
                      history, bar)
        finally:
            if bar is not None:
                bar.close()
    with no_grad():
        outputs = [model(x) for x in X]
        history.final_loss = loss_fn(outputs, y, model).data
        if threshold is not None:
            history.final_accuracy = accuracy(outputs, y, threshold)
    return history
