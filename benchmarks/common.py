"""What every engine's workloads share: the data of the mlp workload, micrograd's demo
loss written once, the initial weights, the learning-rate schedule and the chain's
constants."""

import random

from autograd_mini.data import make_moons

CHAIN_A, CHAIN_B = 1.0000001, 1e-7
ALPHA = 1e-4


def moons():
    """The mlp workload's data: 100 points of ``autograd_mini.data.make_moons``, labels -1/1."""
    return make_moons(100, noise=0.1, seed=1, labels=(-1, 1))


def demo_loss(model, X, y, parameters, alpha=ALPHA, value=None):
    """micrograd's demo loss, op for op, so that engines can be compared bit for bit:

        L = (1/n) sum_i relu(1 + -y_i s_i) + alpha sum_p p*p,   s_i = model(x_i)

    ``value`` wraps each input number (``Value``, a tensor constructor), as the demo's
    ``list(map(Value, xrow))``; None passes the rows as they are. Works on any engine's
    scalars (autograd_mini, micrograd, 0-d tensors)."""
    inputs = [list(map(value, xrow)) for xrow in X] if value is not None else X
    scores = list(map(model, inputs))
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = alpha * sum((p * p for p in parameters))
    return data_loss + reg_loss


def mlp_weights(sizes=(2, 16, 16, 1), seed=1):
    """Initial parameters in micrograd's order: per neuron its weights, then its bias 0."""
    rng = random.Random(seed)
    layers = []
    for nin, nout in zip(sizes, sizes[1:]):
        layers.append([([rng.uniform(-1, 1) for _ in range(nin)], 0.0) for _ in range(nout)])
    return layers


def flat(layers):
    return [x for layer in layers for w, b in layer for x in w + [b]]


def lr_at(k):
    return 1.0 - 0.9 * k / 100
