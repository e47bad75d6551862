"""reference: the delta rule (BP1-BP4) on lists agrees with the engine's autodiff."""

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mini.losses import binary_cross_entropy, mse
from autograd_mini.nn import MLP
from autograd_mini.reference import backprop, backprop_batch, from_mlp

SHAPES = [(1, [1]), (2, [2, 2]), (3, [5, 2]), (4, [6, 5, 3]), (2, [3, 1, 4]), (5, [4, 4, 4, 2])]
ACTS = ["sigmoid", "tanh", "relu", "linear"]


def random_case(seed, loss):
    """A random net, input and target; for cross-entropy the outputs lie in (0, 1)."""
    rng = random.Random(seed)
    nin, nouts = SHAPES[seed % len(SHAPES)]
    hidden = rng.choice(ACTS)
    output = ACTS[seed % 4]                         # every output activation, both losses
    bias = rng.random() < 0.8 or (loss == "cross_entropy" and output != "sigmoid")
    model = MLP(nin, nouts, activation=hidden, output_activation=output, bias=bias, rng=rng)
    for p in model.parameters():
        p.data = rng.uniform(-1.5, 1.5)
    if loss == "cross_entropy" and output != "sigmoid":
        for n in model.layers[-1].neurons:          # z near 0.5 keeps g(z) inside (0, 1)
            n.b.data = 0.5
            for w in n.w:
                w.data = rng.uniform(-0.02, 0.02)
    x = [rng.uniform(-2, 2) for _ in range(nin)]
    y = [rng.uniform(0.05, 0.95) for _ in range(nouts[-1])]
    return model, x, y


def engine_gradients(model, x, y, loss):
    out = model(x)
    out = out if isinstance(out, list) else [out]
    if loss == "squared_error":
        C = mse(out, y)
    else:
        C = binary_cross_entropy(out, y, reduction="sum")
    model.zero_grad()
    C.backward()
    return model.gradients(), C.data


def close(a, b):
    """Equal to 1e-12 relative (zero only equals zero)."""
    return abs(a - b) <= 1e-12 * max(abs(a), abs(b))


@pytest.mark.parametrize("loss", ["squared_error", "cross_entropy"])
@pytest.mark.parametrize("seed", range(24))
def test_delta_rule_equals_engine(seed, loss):
    model, x, y = random_case(seed, loss)
    (dW, db), cost = engine_gradients(model, x, y, loss)
    W, b, acts = from_mlp(model)
    ref = backprop(W, b, acts, x, y, loss)
    assert ref.cost == pytest.approx(cost, rel=1e-13)
    assert ref.a[-1] == [o.data for o in (lambda o: o if isinstance(o, list) else [o])(model(x))]
    for i in range(len(W)):
        for j in range(len(W[i])):
            for k in range(len(W[i][j])):
                assert close(ref.dW[i][j][k], dW[i][j][k]), (i, j, k)
            if b[i] is not None:
                assert close(ref.db[i][j], db[i][j]), (i, j)
            else:
                assert db[i] is None and ref.db[i] is None


def test_sigmoid_cross_entropy_output_delta_is_exactly_a_minus_y():
    model = MLP(3, [4, 2], activation="tanh", output_activation="sigmoid", seed=3)
    x, y = [0.2, -0.5, 0.9], [0.0, 1.0]
    ref = backprop(*from_mlp(model), x, y, loss="cross_entropy")
    a = ref.a[-1]
    assert ref.delta[-1] == [a[0] - y[0], a[1] - y[1]]            # exact, BP1
    assert ref.db[-1] == ref.delta[-1]                               # BP3
    # the engine gets dL/dz = (-y/a + (1-y)/(1-a)) * a(1-a), which is a - y up to rounding
    zs = []
    for n in model.layers[-1].neurons:
        hidden = [h for h in model.layers[0](x)]
        z = sum((w * h for w, h in zip(n.w, hidden)), n.b)
        zs.append(z)
    C = binary_cross_entropy([z.sigmoid() for z in zs], y, reduction="sum")
    C.backward()
    for z, aj, yj in zip(zs, a, y):
        assert z.grad == pytest.approx(aj - yj, rel=1e-12)


def test_squared_error_sigmoid_bp1_matches_the_notes_formula():
    # delta^L = (a - y) a (1 - a): the worked example's output layer
    W = [[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]]]
    b = [[0.35, 0.35], [0.60, 0.60]]
    ref = backprop(W, b, "sigmoid", [0.05, 0.10], [0.01, 0.99])
    a = ref.a[-1]
    assert ref.delta[-1] == [(a[0] - 0.01) * (a[0] * (1 - a[0])),
                             (a[1] - 0.99) * (a[1] * (1 - a[1]))]
    assert ref.cost == pytest.approx(0.298371109, abs=1e-9)
    assert ref.dW[1][0][0] == pytest.approx(0.082167041, abs=1e-9)   # dE/dw5
    assert ref.dW[0][0][0] == pytest.approx(0.000438568, abs=1e-9)   # dE/dw1


def test_batch_is_the_mean_over_samples():
    model = MLP(2, [3, 1], activation="sigmoid", output_activation="sigmoid", seed=1)
    X = [[0.1, 0.2], [-0.3, 0.8], [1.0, -1.0]]
    Y = [[1.0], [0.0], [1.0]]
    dW, db, J = backprop_batch(*from_mlp(model), X, Y, loss="cross_entropy")
    outs = [model(x) for x in X]
    loss = binary_cross_entropy(outs, [y[0] for y in Y])             # mean over m samples
    loss.backward()
    assert J == pytest.approx(loss.data, rel=1e-13)
    edW, edb = model.gradients()
    for i in range(2):
        for j in range(len(dW[i])):
            assert db[i][j] == pytest.approx(edb[i][j], rel=1e-12, abs=1e-15)
            assert dW[i][j] == pytest.approx(edW[i][j], rel=1e-12, abs=1e-15)


def test_finite_differences_agree_with_the_delta_rule():
    W = [[[0.3, -0.2], [0.5, 0.1], [-0.4, 0.7]], [[0.2, -0.6, 0.9]]]
    b = [[0.1, -0.1, 0.05], [0.3]]
    x, y = [0.6, -0.4], [0.25]
    ref = backprop(W, b, ["tanh", "sigmoid"], x, y)
    eps = 1e-6
    for i, j, k in [(0, 0, 0), (0, 2, 1), (1, 0, 2)]:
        W[i][j][k] += eps
        plus = backprop(W, b, ["tanh", "sigmoid"], x, y).cost
        W[i][j][k] -= 2 * eps
        minus = backprop(W, b, ["tanh", "sigmoid"], x, y).cost
        W[i][j][k] += eps
        assert ref.dW[i][j][k] == pytest.approx((plus - minus) / (2 * eps), rel=1e-6)


@pytest.mark.parametrize("args, match", [
    (([[[1.0, 2.0]]], None, "relu", [1.0], [0.0]), r"W\[0\]\[0\] has 2 weights, but layer 0 "
                                                   "has 1 inputs"),
    (([[[1.0]]], [[0.0, 1.0]], "relu", [1.0], [0.0]), r"b\[0\] has 2 entries for 1 neurons"),
    (([[[1.0]]], None, "softmax", [1.0], [0.0]), "unknown activation 'softmax'"),
    (([[[1.0]]], None, ["relu", "relu"], [1.0], [0.0]), "2 activations given for 1 layers"),
    (([[[1.0]]], None, "relu", [1.0], [0.0, 1.0]), "y has 2 targets for 1 outputs"),
    (([[[1.0]]], None, "linear", [2.0], [1.0], "cross_entropy"), r"output 0 = 2.0 is outside"),
    (([[[1.0]]], None, "linear", [2.0], [1.0], "l1"), "loss must be one of"),
])
def test_bad_input(args, match):
    with pytest.raises(ValueError, match=match):
        backprop(*args)


def test_no_value_or_numpy_in_the_reference():
    import autograd_mini.reference as ref
    source = open(ref.__file__).read()
    assert "import numpy" not in source and "from .engine" not in source
    r = backprop([[[2.0]]], None, "relu", [1.5], [1.0])          # z = a = 3, C = 1/2 2^2
    assert (r.cost, r.delta, r.dW, r.db) == (2.0, [[2.0]], [[[3.0]]], [None])


@settings(max_examples=30, deadline=None)
@given(nin=st.integers(1, 4), nouts=st.lists(st.integers(1, 4), min_size=1, max_size=3),
       hidden=st.sampled_from(ACTS), output=st.sampled_from(ACTS), bias=st.booleans(),
       seed=st.integers(0, 10 ** 6))
def test_delta_rule_equals_engine_on_any_shape(nin, nouts, hidden, output, bias, seed):
    rng = random.Random(seed)
    model = MLP(nin, nouts, activation=hidden, output_activation=output, bias=bias, rng=rng)
    x = [rng.uniform(-2, 2) for _ in range(nin)]
    y = [rng.uniform(-1, 1) for _ in range(nouts[-1])]
    (dW, db), cost = engine_gradients(model, x, y, "squared_error")
    ref = backprop(*from_mlp(model), x, y)
    assert ref.cost == pytest.approx(cost, rel=1e-13)
    for i in range(len(nouts)):
        for j in range(nouts[i]):
            assert all(close(r, e) for r, e in zip(ref.dW[i][j], dW[i][j])), (i, j)
            if bias:
                assert close(ref.db[i][j], db[i][j])
