"""Inputs that several test modules build: micrograd's moons data, micrograd's demo loss,
the README's small labelled expression and the logistic sigmoid on floats. Import them
(`from builders import demo_loss`); tests/ is on sys.path while pytest runs."""

import math

import pytest

from benchmarks.common import demo_loss  # noqa: F401  (one copy, shared with benchmarks)

__all__ = ["demo_loss", "labelled_expression", "sigmoid", "sklearn_moons_numpy",
           "skip_unless_setuptools_can_build"]


def sigmoid(x):
    """1 / (1 + e^-x) on a float: the closed forms' reference."""
    return 1.0 / (1.0 + math.exp(-x))


def skip_unless_setuptools_can_build():
    """Skip where this environment's setuptools is older than pyproject.toml's
    [build-system] (setuptools>=77, for the PEP 639 licence string): a build without
    isolation uses it (pip's isolated builds fetch a new one, so `pip install .` works)."""
    setuptools = pytest.importorskip("setuptools")
    from packaging.version import Version
    if Version(setuptools.__version__) < Version("77"):
        pytest.skip(f"setuptools {setuptools.__version__} here; the package is built with "
                    f"setuptools>=77 (pyproject.toml's build-system)")


def sklearn_moons_numpy(n, noise):
    """``sklearn.datasets.make_moons(n, noise=noise)`` drawing from numpy's global generator,
    as micrograd's demo calls it after ``np.random.seed(1337)`` (sklearn not needed)."""
    np = pytest.importorskip("numpy", reason="needs numpy (pip install 'autograd-mini[check]')")
    n_out, n_in = n // 2, n - n // 2
    X = np.vstack([np.append(np.cos(np.linspace(0, np.pi, n_out)),
                             1 - np.cos(np.linspace(0, np.pi, n_in))),
                   np.append(np.sin(np.linspace(0, np.pi, n_out)),
                             1 - np.sin(np.linspace(0, np.pi, n_in)) - .5)]).T
    y = np.hstack([np.zeros(n_out, dtype=np.intp), np.ones(n_in, dtype=np.intp)])
    idx = np.arange(n)
    np.random.shuffle(idx)                          # sklearn.utils.shuffle
    X, y = X[idx], y[idx]
    X += np.random.normal(scale=noise, size=X.shape)
    return X.tolist(), (y * 2 - 1).tolist()


def labelled_expression(a, b, c, f):
    """L = (a*b + c) * f with the intermediate nodes labelled e and d (the demo's graph)."""
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    return L
