"""Layers with ``torch.nn``'s names, kept scalar (lists of Values): ``Linear``,
``Embedding``, ``LayerNorm``, ``RMSNorm``, ``ReLU``, ``Dropout``.

Parameters are laid out as torch's tensors, as nested lists: ``Linear.weight[j][k]``
(out x in), ``Embedding.weight[i]`` (one row per index); their names in
``named_parameters`` carry the indices (``weight.2.0``). Initial values follow torch's
distributions (not its random numbers): ``seed`` or ``rng`` (a ``random.Random``) make
them reproducible; without either they come from the ``random`` module.
"""

import math

from ..core import Value
from . import functional as F
from .base import Module
from .module import _count, _rng

__all__ = ["Linear", "Embedding", "LayerNorm", "RMSNorm", "ReLU", "Dropout"]


class Linear(Module):
    """``y = W x + b``: ``y_j = b_j + sum_k W[j][k] x_k`` (``torch.nn.Linear``); W and b
    start uniform in [-1/sqrt(in), 1/sqrt(in)] as torch's."""

    def __init__(self, in_features, out_features, bias=True, *, seed=None, rng=None):
        super().__init__()
        self.in_features = _count(in_features, "Linear in_features")
        self.out_features = _count(out_features, "Linear out_features")
        rng = _rng(seed, rng)
        bound = 1.0 / math.sqrt(in_features)
        self.weight = [[Value(rng.uniform(-bound, bound)) for _ in range(in_features)]
                       for _ in range(out_features)]
        self.bias = [Value(rng.uniform(-bound, bound)) for _ in range(out_features)] \
            if bias else None

    def forward(self, x):
        return F.linear(x, self.weight, self.bias)

    def __repr__(self):
        return (f"Linear(in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None})")


class Embedding(Module):
    """A table of ``num_embeddings`` rows of ``embedding_dim`` Values, looked up by index
    (``torch.nn.Embedding``); rows start standard normal as torch's."""

    def __init__(self, num_embeddings, embedding_dim, *, seed=None, rng=None):
        super().__init__()
        self.num_embeddings = _count(num_embeddings, "Embedding num_embeddings")
        self.embedding_dim = _count(embedding_dim, "Embedding embedding_dim")
        rng = _rng(seed, rng)
        self.weight = [[Value(rng.gauss(0.0, 1.0)) for _ in range(embedding_dim)]
                       for _ in range(num_embeddings)]

    def forward(self, indices):
        return F.embedding(indices, self.weight)

    def __repr__(self):
        return f"Embedding({self.num_embeddings}, {self.embedding_dim})"


def _size(normalized_shape, what):
    if isinstance(normalized_shape, (list, tuple)) and len(normalized_shape) == 1:
        normalized_shape = normalized_shape[0]
    return _count(normalized_shape, f"{what} normalized_shape (one int)")


class LayerNorm(Module):
    """``(x - mean) / sqrt(var + eps) * weight + bias`` over the last dimension
    (``torch.nn.LayerNorm``); weight starts at 1, bias at 0."""

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True):
        super().__init__()
        self.normalized_shape = (_size(normalized_shape, "LayerNorm"),)
        self.eps = float(eps)
        n = self.normalized_shape[0]
        self.weight = [Value(1.0) for _ in range(n)] if elementwise_affine else None
        self.bias = [Value(0.0) for _ in range(n)] if elementwise_affine and bias else None

    def forward(self, x):
        return F.layer_norm(x, self.normalized_shape, self.weight, self.bias, self.eps)

    def __repr__(self):
        return f"LayerNorm({self.normalized_shape}, eps={self.eps})"


class RMSNorm(Module):
    """``x / sqrt(mean(x^2) + eps) * weight`` over the last dimension (``torch.nn.RMSNorm``;
    ``eps=None``: the float epsilon); weight starts at 1."""

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True):
        super().__init__()
        self.normalized_shape = (_size(normalized_shape, "RMSNorm"),)
        self.eps = eps
        n = self.normalized_shape[0]
        self.weight = [Value(1.0) for _ in range(n)] if elementwise_affine else None

    def forward(self, x):
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def __repr__(self):
        return f"RMSNorm({self.normalized_shape}, eps={self.eps})"


class ReLU(Module):
    """``max(0, x)`` on every entry (``torch.nn.ReLU``)."""

    def forward(self, x):
        return F.relu(x)

    def __repr__(self):
        return "ReLU()"


class Dropout(Module):
    """While ``training``: each entry zeroed with probability ``p``, the rest scaled by
    ``1/(1-p)``; after ``eval()``: the identity (``torch.nn.Dropout``)."""

    def __init__(self, p=0.5, *, seed=None, rng=None):
        super().__init__()
        F.dropout([], p, training=False)            # checks p
        self.p = float(p)
        self._rng = _rng(seed, rng)

    def forward(self, x):
        return F.dropout(x, self.p, self.training, self._rng)

    def __repr__(self):
        return f"Dropout(p={self.p})"
