"""MLP.to_torch(): the same network in PyTorch, float64, same outputs and gradients."""

import builtins
import random

import pytest

from autograd_mini.losses import mse
from autograd_mini.nn import MLP


def test_error_without_torch(monkeypatch):
    real_import = builtins.__import__

    def no_torch(name, *args, **kwargs):
        if name == "torch" or name.startswith("torch."):
            raise ImportError("No module named 'torch'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_torch)
    with pytest.raises(ImportError, match=r"to_torch\(\) needs PyTorch.*pip install torch"):
        MLP(2, [2, 1], seed=0).to_torch()


@pytest.mark.parametrize("nin, nouts, activation, output, bias", [
    (2, [16, 16, 1], "relu", None, True),
    (3, [4, 2], "tanh", "sigmoid", True),
    (2, [3, 3, 3], "sigmoid", "tanh", False),
    (1, [1], "linear", "relu", True),
])
def test_same_outputs_and_gradients(nin, nouts, activation, output, bias):
    torch = pytest.importorskip("torch")
    model = MLP(nin, nouts, activation=activation, output_activation=output, bias=bias, seed=3)
    rng = random.Random(0)
    for p in model.parameters():
        p.data = rng.uniform(-1, 1)                 # nonzero biases too
    net = model.to_torch()
    assert isinstance(net, torch.nn.Sequential)
    assert all(p.dtype == torch.float64 for p in net.parameters())
    expected_layers = [m for m in net if isinstance(m, torch.nn.Linear)]
    assert len(expected_layers) == len(nouts)

    X = [[rng.uniform(-2, 2) for _ in range(nin)] for _ in range(4)]
    Y = [[rng.uniform(-1, 1) for _ in range(nouts[-1])] for _ in range(4)]
    outs = [model(x) for x in X]
    outs = [o if isinstance(o, list) else [o] for o in outs]
    loss = mse([v for o in outs for v in o], [t for y in Y for t in y])
    loss.backward()

    tout = net(torch.tensor(X, dtype=torch.float64))
    tloss = 0.5 * ((tout - torch.tensor(Y, dtype=torch.float64)) ** 2).sum()
    tloss.backward()
    for o, row in zip(outs, tout.tolist()):
        assert [v.data for v in o] == pytest.approx(row, rel=1e-14, abs=1e-15)
    assert loss.data == pytest.approx(tloss.item(), rel=1e-13)
    dW, db = model.gradients()
    for i, lin in enumerate(expected_layers):
        for j, row in enumerate(lin.weight.grad.tolist()):
            assert dW[i][j] == pytest.approx(row, rel=1e-12, abs=1e-15)
        if bias:
            assert db[i] == pytest.approx(lin.bias.grad.tolist(), rel=1e-12, abs=1e-15)
        else:
            assert lin.bias is None and db[i] is None


def test_weights_are_copied_not_shared():
    pytest.importorskip("torch")
    model = MLP(2, [2, 1], seed=0)
    net = model.to_torch()
    w = model.parameters()[0]
    before = net[0].weight[0, 0].item()
    assert before == w.data
    w.data += 1.0
    assert net[0].weight[0, 0].item() == before
    assert [type(m).__name__ for m in net] == ["Linear", "ReLU", "Linear"]
