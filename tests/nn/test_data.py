"""data: seeded pure-Python make_moons and make_xor."""

import math

import pytest

from autograd_mini.data import make_moons, make_xor


def test_moons_shape_labels_and_determinism():
    X, y = make_moons(101, noise=0.1, seed=3)
    assert len(X) == len(y) == 101 and all(len(p) == 2 for p in X)
    assert y.count(0) == 50 and y.count(1) == 51
    assert make_moons(101, noise=0.1, seed=3) == (X, y)
    assert make_moons(101, noise=0.1, seed=4) != (X, y)
    assert set(make_moons(10, seed=0, labels=(-1, 1))[1]) == {-1, 1}


def test_moons_without_noise_lie_on_the_half_circles():
    X, y = make_moons(40, noise=0.0, seed=0)
    for (a, b), label in zip(X, y):
        if label == 0:                              # upper moon: (cos t, sin t)
            assert math.hypot(a, b) == pytest.approx(1.0, abs=1e-12) and b >= -1e-12
        else:                                       # lower moon: (1 - cos t, 1 - sin t - 0.5)
            assert math.hypot(a - 1.0, b - 0.5) == pytest.approx(1.0, abs=1e-12)
            assert b <= 0.5 + 1e-12
    # the ends of both moons are there: t = 0 and t = pi
    for end in [(1.0, 0.0), (-1.0, 0.0), (0.0, 0.5), (2.0, 0.5)]:
        assert any(math.dist(p, end) < 1e-12 for p in X), end


def test_moons_noise_has_the_requested_spread():
    X0, _ = make_moons(2000, noise=0.0, seed=1)
    X1, _ = make_moons(2000, noise=0.2, seed=1)     # same shuffle, then noise
    dx = [a1 - a0 for (a0, _), (a1, _) in zip(X0, X1)]
    sd = math.sqrt(sum(d * d for d in dx) / len(dx))
    assert 0.18 < sd < 0.22


def test_xor_truth_table():
    X, y = make_xor()
    assert X == [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    assert y == [0, 1, 1, 0]
    assert make_xor(labels=(-1, 1))[1] == [-1, 1, 1, -1]


def test_xor_noisy_is_seeded():
    X, y = make_xor(40, noise=0.1, seed=2)
    assert y == [0, 1, 1, 0] * 10
    assert make_xor(40, noise=0.1, seed=2) == (X, y)
    assert all(abs(a - round(a)) < 0.5 and abs(b - round(b)) < 0.5 for a, b in X)


@pytest.mark.parametrize("call, match", [
    (lambda: make_moons(1), "n must be an int >= 2, got 1"),
    (lambda: make_moons(10, noise=-0.1), "noise must be a number >= 0"),
    (lambda: make_moons(10, labels=(1, 1)), "labels must be two different values"),
    (lambda: make_xor(0), "n must be an int >= 1, got 0"),
    (lambda: make_xor(4.0), "n must be an int"),
])
def test_bad_arguments(call, match):
    with pytest.raises(ValueError, match=match):
        call()
