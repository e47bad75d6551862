"""train.fit: micrograd's moons demo reaches 100%; histories; progress bar; bad input."""

import builtins
import gc

import pytest

from autograd_mini import Value
from autograd_mini.data import make_moons, make_xor
from autograd_mini.nn import MLP
from autograd_mini.optim import SGD, Adam
from autograd_mini.train import accuracy, fit
from builders import sklearn_moons_numpy


def test_micrograd_moons_demo_reaches_100_percent():
    """micrograd's demo.ipynb: same data, same initial weights, same trace (~7-10 s)."""
    np = pytest.importorskip("numpy")
    np.random.seed(1337)
    X, y = sklearn_moons_numpy(100, 0.1)
    model = MLP(2, [16, 16, 1], seed=1337)          # = random.seed(1337); micrograd MLP
    assert len(model.parameters()) == 337
    h = fit(model, X, y, loss="hinge", alpha=1e-4, steps=100,
            lr=lambda k: 1.0 - 0.9 * k / 100, progress=False)
    # the numbers micrograd's demo notebook prints
    assert h.loss[0] == pytest.approx(0.8958441028683222, rel=1e-15) and h.accuracy[0] == 0.5
    assert h.loss[1] == pytest.approx(1.7236, abs=5e-5) and h.accuracy[1] == 0.81
    assert h.accuracy.index(1.0) == 40
    assert h.loss[99] == pytest.approx(0.01098, abs=5e-6)
    assert h.accuracy[99] == 1.0 and h.final_accuracy == 1.0
    assert h.lr[0] == 1.0 and h.lr[99] == pytest.approx(0.109)
    assert len(h.loss) == len(h.accuracy) == 100


def test_fit_on_xor_with_adam_and_bce():
    X, y = make_xor()
    model = MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", seed=0)
    h = fit(model, X, y, loss="bce", optimizer=Adam(model.parameters(), lr=0.1), steps=150,
            progress=False)
    assert h.final_accuracy == 1.0 and h.final_loss < 0.1
    assert h.loss[-1] < h.loss[0]
    assert [round(model(x).data) for x in X] == y


def test_fit_mse_on_noisy_xor_with_minibatches():
    X, y = make_xor(16, noise=0.05, seed=1, labels=(-1, 1))
    model = MLP(2, [6, 1], activation="tanh", seed=2)
    h = fit(model, X, y, loss="mse", lr=0.1, steps=150, batch_size=8, seed=0, progress=False)
    assert h.final_accuracy == 1.0
    again = MLP(2, [6, 1], activation="tanh", seed=2)
    h2 = fit(again, X, y, loss="mse", lr=0.1, steps=150, batch_size=8, seed=0, progress=False)
    assert h2.loss == h.loss                        # seeded batches: reproducible


def test_callable_loss_and_one_step_by_hand():
    model = MLP(1, [1], activation="linear", seed=0)
    w, b = model.parameters()
    w0, b0 = w.data, b.data
    h = fit(model, [[2.0]], [3.0], loss=lambda out, y, m: (out[0] - y[0]) ** 2, lr=0.1,
            steps=1, progress=False)
    r = w0 * 2.0 + b0 - 3.0
    assert h.loss == [r * r]
    assert w.data == pytest.approx(w0 - 0.1 * 2 * r * 2.0, rel=1e-15)
    assert b.data == pytest.approx(b0 - 0.1 * 2 * r, rel=1e-15)
    assert h.accuracy == [None] and h.final_accuracy is None       # a regression target


def test_progress_bar_with_tqdm(capsys):
    pytest.importorskip("tqdm")
    X, y = make_xor(labels=(-1, 1))
    fit(MLP(2, [3, 1], seed=0), X, y, lr=0.1, steps=3, progress=True)
    err = capsys.readouterr().err
    assert "3/3" in err and "loss=" in err


def test_silent_without_tqdm(monkeypatch, capsys):
    real_import = builtins.__import__

    def no_tqdm(name, *args, **kwargs):
        if name.startswith("tqdm"):
            raise ImportError("No module named 'tqdm'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_tqdm)
    X, y = make_xor(labels=(-1, 1))
    h = fit(MLP(2, [3, 1], seed=0), X, y, lr=0.1, steps=3)
    assert len(h.loss) == 3
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_garbage_collector_state_is_restored():
    X, y = make_xor(labels=(-1, 1))
    assert gc.isenabled()
    fit(MLP(2, [2, 1], seed=0), X, y, lr=0.1, steps=2, progress=False)
    assert gc.isenabled()
    with pytest.raises(ValueError):
        fit(MLP(2, [2, 1], seed=0), X, y, lr=0.1, steps=2, progress=False,
            loss=lambda out, y, m: (_ for _ in ()).throw(ValueError("boom")))
    assert gc.isenabled()


def test_accuracy_helper():
    assert accuracy([Value(0.3), Value(-2.0), 1.0], [1, -1, -1]) == pytest.approx(2 / 3)
    assert accuracy([0.7, 0.2], [1, 0], threshold=0.5) == 1.0


@pytest.mark.parametrize("kwargs, exc, match", [
    (dict(lr=None), ValueError, "needs a learning rate"),
    (dict(lr=0.1, loss="l1"), ValueError,
     "loss must be 'hinge', 'mse', 'bce', 'bce_with_logits' or a callable"),
    (dict(lr=0.1, loss="mse", alpha=0.1), ValueError, "alpha \\(L2\\) is only built into"),
    (dict(lr=0.1, steps=-1), ValueError, "steps must be an int >= 0"),
    (dict(optimizer="sgd"), TypeError, "optimizer must be an autograd_mini.optim optimizer"),
])
def test_bad_arguments(kwargs, exc, match):
    X, y = make_xor(labels=(-1, 1))
    with pytest.raises(exc, match=match):
        fit(MLP(2, [2, 1], seed=0), X, y, progress=False, **kwargs)


def test_mismatched_data_and_hinge_labels():
    with pytest.raises(ValueError, match="equally many inputs and labels, got 4 and 3"):
        fit(MLP(2, [1]), make_xor()[0], [1, -1, 1], lr=0.1)
    X, y = make_xor()                               # 0/1 labels with hinge: a clear error
    with pytest.raises(ValueError, match="must be -1 or \\+1"):
        fit(MLP(2, [1], seed=0), X, y, lr=0.1, progress=False)


def test_optimizer_with_a_schedule():
    X, y = make_moons(20, noise=0.1, seed=0, labels=(-1, 1))
    model = MLP(2, [4, 1], seed=0)
    opt = SGD(model.parameters(), lr=123.0, momentum=0.5)
    h = fit(model, X, y, optimizer=opt, lr=lambda k: 0.1 / (k + 1), steps=3, progress=False)
    assert h.lr == [0.1, 0.05, 0.1 / 3]


def test_fit_mse_with_several_outputs():
    X = [[0.0, 1.0], [1.0, 0.0], [0.5, 0.5]]
    Y = [[1.0, -1.0], [-1.0, 1.0], [0.0, 0.0]]
    model = MLP(2, [4, 2], activation="tanh", seed=0)
    h = fit(model, X, Y, loss="mse", lr=0.2, steps=60, progress=False)
    assert h.accuracy == [None] * 60 and h.final_accuracy is None
    assert h.final_loss < 0.1 * h.loss[0]


def test_numpy_arrays_work_like_lists():
    np = pytest.importorskip("numpy")
    X, y = make_moons(30, noise=0.1, seed=2, labels=(-1, 1))
    lists = fit(MLP(2, [4, 1], seed=0), X, y, lr=0.2, steps=5, progress=False)
    arrays = fit(MLP(2, [4, 1], seed=0), np.array(X), np.array(y), lr=0.2, steps=5,
                 progress=False)
    assert arrays.loss == lists.loss and arrays.accuracy == lists.accuracy


# ---------------------------------------------------------------- cross-entropy on logits
def test_fit_bce_with_logits_steps_like_torch():
    """Three SGD steps on the mean BCE-with-logits loss: the weights torch's
    BCEWithLogitsLoss and torch.optim.SGD give, in float64."""
    torch = pytest.importorskip("torch")
    X, y = make_moons(12, noise=0.2, seed=3)        # labels 0/1
    model = MLP(2, [4, 1], activation="tanh", seed=0)
    net = model.to_torch()
    h = fit(model, X, y, loss="bce_with_logits", lr=0.5, steps=3, progress=False)
    opt = torch.optim.SGD(net.parameters(), lr=0.5)
    tX, ty = torch.tensor(X, dtype=torch.float64), torch.tensor(y, dtype=torch.float64)
    losses = []
    for _ in range(3):
        opt.zero_grad()
        loss = torch.nn.functional.binary_cross_entropy_with_logits(net(tX)[:, 0], ty)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert h.loss == pytest.approx(losses, rel=1e-13)
    W, b = model.weights()
    for layer, linear in zip(range(2), (net[0], net[2])):
        assert W[layer] == [pytest.approx(row, rel=1e-12) for row in linear.weight.tolist()]
        assert b[layer] == pytest.approx(linear.bias.tolist(), rel=1e-12, abs=1e-15)


def test_fit_bce_with_logits_far_past_saturation():
    """z = -800 for a label 1: loss 800, dL/dz = sigmoid(z) - 1 = -1, so w moves by
    lr * x exactly; on probabilities the same network is refused with a pointer."""
    model = MLP(1, [1], activation="linear", seed=0)
    w, b = model.parameters()
    w.data, b.data = 1000.0, 0.0
    h = fit(model, [[-0.8]], [1], loss="bce_with_logits", lr=1e-3, steps=1, progress=False)
    assert h.loss == [800.0] and h.accuracy == [0.0]
    assert w.data == 1000.0 - 1e-3 * -0.8 * -1.0 and b.data == 1e-3
    sig = MLP(1, [1], activation="linear", output_activation="sigmoid", seed=0)
    sig.parameters()[0].data = 1000.0
    with pytest.raises(ValueError, match=r"outside \(0, 1\).*binary_cross_entropy_with_logits"):
        fit(sig, [[-0.8]], [1], loss="bce", lr=1e-3, steps=1, progress=False)


def test_fit_bce_with_logits_reaches_100_percent_on_xor():
    X, y = make_xor()
    model = MLP(2, [4, 1], activation="tanh", seed=0)
    h = fit(model, X, y, loss="bce_with_logits", optimizer=Adam(model.parameters(), lr=0.1),
            steps=150, progress=False)
    assert h.final_accuracy == 1.0 and h.final_loss < 0.1
    assert [int(model(x).data > 0.0) for x in X] == y              # logit > 0: class 1


@pytest.mark.parametrize("loss, output, says", [
    ("bce_with_logits", "sigmoid", "takes logits, but the model's output activation is "
                                   "'sigmoid'; build it with output_activation=None"),
    ("bce", None, "takes probabilities \\(a sigmoid output\\), but the model's output "
                  "activation is 'linear'; .* use loss='bce_with_logits'"),
])
def test_cross_entropy_and_output_activation_must_fit(loss, output, says):
    X, y = make_xor()
    with pytest.raises(ValueError, match=says):
        fit(MLP(2, [2, 1], output_activation=output, seed=0), X, y, loss=loss, lr=0.1,
            progress=False)
