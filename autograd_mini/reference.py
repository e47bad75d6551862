"""The four backpropagation equations (BP1-BP4) written out on plain Python lists.

No ``Value``, no numpy: an independent implementation of the notes' delta rule, to check
the engine against. A fully connected net is given as

    W[l][j][k]   weight from neuron k of the layer below to neuron j of layer l
    b[l][j]      bias of neuron j of layer l (``b[l]`` may be None: no biases)
    activations  one name per layer (or one name for all): sigmoid, tanh, relu, linear

the layout ``MLP.weights()`` returns (``from_mlp(model)`` reads a model). For one sample
``x`` with target ``y``:

    forward      z^l = W^l a^(l-1) + b^l,  a^l = g(z^l),  a^0 = x
    BP1          delta^L = grad_a C (.) g'(z^L)
                 squared error  C = 1/2 sum_j (a_j - y_j)^2       grad_a C = a - y
                 cross-entropy  C = -sum_j [y_j ln a_j + (1 - y_j) ln(1 - a_j)]
                                grad_a C = -y/a + (1 - y)/(1 - a);  with a sigmoid output
                                delta^L = a - y exactly
    BP2          delta^l = (W^(l+1)^T delta^(l+1)) (.) g'(z^l)
    BP3          dC/db^l_j = delta^l_j
    BP4          dC/dW^l[j][k] = a^(l-1)_k delta^l_j

The engine computes the same costs with ``losses.mse(out, y)`` and
``losses.binary_cross_entropy(out, y, reduction="sum")``.
"""

import math
from dataclasses import dataclass

__all__ = ["backprop", "backprop_batch", "from_mlp", "Backprop", "LOSSES"]

LOSSES = ("squared_error", "cross_entropy")


def _sigmoid(z):
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def _sigmoid_prime(z, a):
    """s'(z) = s (1 - s); for |z| >= 3, 1 - s computed as s(-z): where s is close to 1,
    1 - s would lose every digit (s'(40) is 4.2e-18, not 0)."""
    return a * (1.0 - a) if abs(z) < 3.0 else a * _sigmoid(-z)


def _tanh_prime(z, a):
    """tanh'(z) = 1 - a^2 = sech(z)^2 = 4t / (1 + t)^2 with t = e^(-2|z|): the last form
    where a^2 is close to 1 and 1 - a^2 would lose every digit."""
    if abs(z) < 2.5:
        return 1.0 - a * a
    t = math.exp(-2.0 * abs(z))
    return 4.0 * t / ((1.0 + t) * (1.0 + t))


# g(z), and g'(z) written with a = g(z) where the notes do: s' = s (1 - s), tanh' = 1 - a^2
_G = {
    "sigmoid": (_sigmoid, _sigmoid_prime),
    "tanh": (math.tanh, _tanh_prime),
    "relu": (lambda z: z if z > 0.0 else 0.0, lambda z, a: 1.0 if z > 0.0 else 0.0),
    "linear": (lambda z: z, lambda z, a: 1.0),
}


@dataclass
class Backprop:
    """Everything one forward and one backward pass of the delta rule computes.

    ``a[0]`` is the input and ``a[l + 1]``, ``z[l]``, ``delta[l]``, ``dW[l]``, ``db[l]``
    belong to layer l (0-based, as ``MLP.layers``). ``cost`` is C for this sample.
    """
    a: list
    z: list
    delta: list
    dW: list
    db: list
    cost: float


def _layer_names(activations, n):
    names = [activations] * n if isinstance(activations, str) or activations is None \
        else list(activations)
    if len(names) != n:
        raise ValueError(f"{len(names)} activations given for {n} layers")
    names = ["linear" if g is None else g for g in names]
    for g in names:
        if g not in _G:
            raise ValueError(f"unknown activation {g!r}; choose one of {', '.join(_G)}")
    return names


def _check_shapes(W, b, x):
    if not W:
        raise ValueError("W must list at least one layer")
    if b is None:
        b = [None] * len(W)
    if len(b) != len(W):
        raise ValueError(f"{len(W)} weight matrices but {len(b)} bias vectors")
    width = len(x)
    for i, (Wl, bl) in enumerate(zip(W, b)):
        for j, row in enumerate(Wl):
            if len(row) != width:
                raise ValueError(f"W[{i}][{j}] has {len(row)} weights, but layer {i} has "
                                 f"{width} inputs")
        if bl is not None and len(bl) != len(Wl):
            raise ValueError(f"b[{i}] has {len(bl)} entries for {len(Wl)} neurons")
        width = len(Wl)
    return b, width


def backprop(W, b, activations, x, y, loss="squared_error"):
    """One sample through BP1-BP4: returns a ``Backprop`` with ``dW``, ``db`` and the deltas."""
    if loss not in LOSSES:
        raise ValueError(f"loss must be one of {LOSSES}, got {loss!r}")
    b, nout = _check_shapes(W, b, x)
    if len(y) != nout:
        raise ValueError(f"y has {len(y)} targets for {nout} outputs")
    names = _layer_names(activations, len(W))
    a, z = _forward(W, b, names, x)
    cost, delta_L = _output_delta(a[-1], z[-1], y, names[-1], loss)           # BP1
    delta = [None] * len(W)
    delta[-1] = delta_L
    for i in range(len(W) - 2, -1, -1):                                       # BP2
        dg = _G[names[i]][1]
        above, Wa = delta[i + 1], W[i + 1]
        delta[i] = [sum(Wa[j][k] * above[j] for j in range(len(Wa))) * dg(z[i][k], a[i + 1][k])
                    for k in range(len(z[i]))]
    db = [list(d) if bl is not None else None for d, bl in zip(delta, b)]          # BP3
    dW = [[[ak * dj for ak in a[i]] for dj in delta[i]] for i in range(len(W))]    # BP4
    return Backprop(a=a, z=z, delta=delta, dW=dW, db=db, cost=cost)


def _forward(W, b, names, x):
    """``z^l = W^l a^(l-1) + b^l``, ``a^l = g(z^l)``; the sum starts at the bias, as MLP's.
    Returns ``(a, z)`` with ``a[0] = x``."""
    a, z = [list(map(float, x))], []
    for Wl, bl, name in zip(W, b, names):
        g = _G[name][0]
        zl = []
        for j, row in enumerate(Wl):
            terms = [w * ak for w, ak in zip(row, a[-1])]
            s = bl[j] if bl is not None else terms.pop(0)
            for t in terms:
                s += t
            zl.append(s)
        z.append(zl)
        a.append([g(zj) for zj in zl])
    return a, z


def _output_delta(out, zL, y, name, loss):
    """BP1: the cost C and ``delta^L = grad_a C (.) g'(z^L)`` (``a - y`` exactly for a
    sigmoid output with cross-entropy)."""
    dg = _G[name][1]
    if loss == "squared_error":
        cost = 0.5 * sum((aj - yj) ** 2 for aj, yj in zip(out, y))
        return cost, [(aj - yj) * dg(zj, aj) for aj, yj, zj in zip(out, y, zL)]
    for j, aj in enumerate(out):
        if not 0.0 < aj < 1.0:
            raise ValueError(f"cross_entropy: output {j} = {aj!r} is outside (0, 1)")
    cost = -sum(yj * math.log(aj) + (1.0 - yj) * math.log(1.0 - aj) for aj, yj in zip(out, y))
    if name == "sigmoid":
        return cost, [aj - yj for aj, yj in zip(out, y)]
    return cost, [(-yj / aj + (1.0 - yj) / (1.0 - aj)) * dg(zj, aj)
                  for aj, yj, zj in zip(out, y, zL)]


def backprop_batch(W, b, activations, X, Y, loss="squared_error"):
    """The mean over samples: cost ``(1/m) sum_i C_i`` and its gradients (the notes' J)."""
    if len(X) != len(Y) or not X:
        raise ValueError(f"need equally many samples and targets, got {len(X)} and {len(Y)}")
    runs = [backprop(W, b, activations, x, y, loss) for x, y in zip(X, Y)]
    m = len(runs)
    dW = [[[sum(r.dW[i][j][k] for r in runs) / m for k in range(len(W[i][j]))]
           for j in range(len(W[i]))] for i in range(len(W))]
    db = [None if runs[0].db[i] is None else
          [sum(r.db[i][j] for r in runs) / m for j in range(len(W[i]))] for i in range(len(W))]
    return dW, db, sum(r.cost for r in runs) / m


def from_mlp(model):
    """``(W, b, activations)`` of an ``nn.MLP``, as numbers, for ``backprop``."""
    W, b = model.weights()
    return W, b, model.activations
