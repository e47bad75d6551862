"""Small seeded toy data sets in pure Python (no numpy, no scikit-learn).

Each returns ``(X, y)``: ``X`` a list of ``[x1, x2]`` points, ``y`` a list of labels,
0/1 by default or -1/+1 with ``labels=(-1, 1)`` (what ``losses.hinge`` needs).
"""

import math
import random

__all__ = ["make_moons", "make_xor"]


def _check(n, noise, labels, minimum):
    if isinstance(n, bool) or not isinstance(n, int) or n < minimum:
        raise ValueError(f"n must be an int >= {minimum}, got {n!r}")
    if isinstance(noise, bool) or not isinstance(noise, (int, float)) or not noise >= 0.0:
        raise ValueError(f"noise must be a number >= 0, got {noise!r}")
    if len(labels) != 2 or labels[0] == labels[1]:
        raise ValueError(f"labels must be two different values, got {labels!r}")


def make_moons(n=100, noise=0.1, seed=None, labels=(0, 1)):
    """Two interleaving half circles, as scikit-learn's ``make_moons`` (not bit-identical).

    The upper moon ``(cos t, sin t)`` gets ``labels[0]``, the lower moon
    ``(1 - cos t, 1 - sin t - 0.5)`` gets ``labels[1]``, for t evenly spaced in [0, pi]
    (n // 2 upper points, the rest lower); points are shuffled and get Gaussian noise of
    standard deviation ``noise``. The same ``seed`` gives the same points.
    """
    _check(n, noise, labels, 2)
    rng = random.Random(seed)
    n_upper = n // 2
    n_lower = n - n_upper
    points = []
    for i in range(n_upper):
        t = math.pi * i / (n_upper - 1) if n_upper > 1 else 0.0
        points.append(([math.cos(t), math.sin(t)], labels[0]))
    for i in range(n_lower):
        t = math.pi * i / (n_lower - 1) if n_lower > 1 else 0.0
        points.append(([1.0 - math.cos(t), 1.0 - math.sin(t) - 0.5], labels[1]))
    rng.shuffle(points)
    X = [[a + rng.gauss(0.0, noise), b + rng.gauss(0.0, noise)] if noise else [a, b]
         for (a, b), _ in points]
    return X, [label for _, label in points]


def make_xor(n=4, noise=0.0, seed=None, labels=(0, 1)):
    """The XOR problem: corners (0,0), (0,1), (1,0), (1,1) in turn, label = x1 XOR x2.

    ``make_xor()`` is the four-row truth table, in that order. With n > 4 the corners
    repeat (point i is corner i % 4) and, with ``noise`` > 0, get Gaussian noise of that
    standard deviation; the same ``seed`` gives the same points.
    """
    _check(n, noise, labels, 1)
    rng = random.Random(seed)
    corners = [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)]
    X, y = [], []
    for i in range(n):
        a, b = corners[i % 4]
        if noise:
            a, b = a + rng.gauss(0.0, noise), b + rng.gauss(0.0, noise)
        X.append([a, b])
        y.append(labels[int(corners[i % 4][0] != corners[i % 4][1])])
    return X, y
