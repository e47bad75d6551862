"""SGD and Adam: PyTorch's update rules, checked against torch.optim in float64."""

import math
import random

import pytest

from autograd_mini import Value
from autograd_mini.nn import MLP
from autograd_mini.optim import SGD, Adam


def quadratic_loss(params, step):
    """A loss with a different gradient at every step: sum_i (i+1) * (p_i - c)^2 + p_0 p_1."""
    c = 0.3 * step
    terms = [(p - c) ** 2 * float(i + 1) for i, p in enumerate(params)]
    return sum(terms[1:], terms[0]) + params[0] * params[1]


def test_sgd_plain_is_p_minus_lr_grad():
    p = Value(1.5)
    p.grad = 0.25
    SGD([p], lr=0.1).step()
    assert p.data == 1.5 - 0.1 * 0.25


def test_sgd_zero_grad_and_lr_attribute():
    ps = [Value(1.0), Value(2.0)]
    opt = SGD(ps, lr=0.5)
    for p in ps:
        p.grad = 3.0
    opt.lr = 0.1                                    # a schedule sets lr between steps
    opt.step()
    assert [p.data for p in ps] == [1.0 - 0.1 * 3.0, 2.0 - 0.1 * 3.0]
    opt.zero_grad()
    assert [p.grad for p in ps] == [0.0, 0.0]


def test_momentum_by_hand():
    p = Value(0.0)
    opt = SGD([p], lr=0.1, momentum=0.9)
    p.grad = 1.0
    opt.step()                                      # buf = 1
    assert p.data == -0.1
    p.grad = 1.0
    opt.step()                                      # buf = 0.9 + 1 = 1.9
    assert math.isclose(p.data, -0.1 - 0.19, rel_tol=1e-15)


def test_adam_first_step_is_lr_times_sign():
    # With m and v bias-corrected, the first Adam step is lr * g / (|g| + eps) ~ lr * sign(g).
    p, q = Value(1.0), Value(1.0)
    p.grad, q.grad = 3.0, -0.002
    Adam([p, q], lr=0.01).step()
    assert math.isclose(p.data, 1.0 - 0.01 * 3.0 / (3.0 + 1e-8), rel_tol=1e-14)
    assert math.isclose(q.data, 1.0 + 0.01 * 0.002 / (0.002 + 1e-8), rel_tol=1e-12)


@pytest.mark.parametrize("bad, match", [
    (dict(lr=-1.0), "lr must be >= 0"),
    (dict(lr=float("nan")), "lr must be a finite number"),
    (dict(lr=0.1, momentum=-0.5), "momentum must be >= 0"),
    (dict(lr=0.1, nesterov=True), "Nesterov momentum requires a momentum"),
])
def test_sgd_bad_hyperparameters(bad, match):
    with pytest.raises(ValueError, match=match):
        SGD([Value(1.0)], **bad)


def test_adam_bad_hyperparameters():
    with pytest.raises(ValueError, match=r"beta2 must be in \[0.0, 1.0\)"):
        Adam([Value(1.0)], betas=(0.9, 1.0))
    with pytest.raises(ValueError, match="betas must be a pair"):
        Adam([Value(1.0)], betas=0.9)


def test_bad_params():
    with pytest.raises(TypeError, match="got a single Value; wrap it in a list"):
        SGD(Value(1.0), lr=0.1)
    with pytest.raises(TypeError, match=r"params\[1\] must be a Value, got float"):
        SGD([Value(1.0), 2.0], lr=0.1)
    with pytest.raises(ValueError, match="empty parameter list"):
        Adam([], lr=0.1)


def test_optimizer_reads_create_graph_grads():
    x = Value(2.0)
    (x * x).backward(create_graph=True)             # x.grad is a Value (4.0)
    assert isinstance(x.grad, Value)
    SGD([x], lr=0.5).step()
    assert x.data == 0.0


def torch_run(torch_opt, kwargs, start, steps):
    torch = pytest.importorskip("torch")
    params = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in start]
    opt = getattr(torch.optim, torch_opt)(params, **kwargs)
    history = []
    for step in range(steps):
        opt.zero_grad()
        quadratic_loss(params, step).backward()
        opt.step()
        history.append([p.item() for p in params])
    return history


def ours_run(cls, kwargs, start, steps):
    params = [Value(v) for v in start]
    opt = cls(params, **kwargs)
    history = []
    for step in range(steps):
        opt.zero_grad()
        quadratic_loss(params, step).backward()
        opt.step()
        history.append([p.data for p in params])
    return history


@pytest.mark.parametrize("cls, kwargs", [
    (SGD, dict(lr=0.05)),
    (SGD, dict(lr=0.05, momentum=0.9)),
    (SGD, dict(lr=0.05, momentum=0.9, dampening=0.1, weight_decay=0.01)),
    (SGD, dict(lr=0.05, momentum=0.8, nesterov=True)),
    (Adam, dict()),
    (Adam, dict(lr=0.1)),
    (Adam, dict(lr=0.05, betas=(0.8, 0.99), eps=1e-6, weight_decay=0.1)),
])
def test_matches_torch_optim(cls, kwargs):
    start = [0.7, -1.2, 2.5]
    expected = torch_run(cls.__name__, kwargs, start, steps=12)
    got = ours_run(cls, kwargs, start, steps=12)
    for step, (e, g) in enumerate(zip(expected, got)):
        for a, b in zip(e, g):
            assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-13), (step, e, g)


def test_adam_trains_an_mlp_like_torch():
    torch = pytest.importorskip("torch")
    model = MLP(3, [4, 2], activation="tanh", seed=5)
    net = model.to_torch()
    rng = random.Random(1)
    X = [[rng.uniform(-1, 1) for _ in range(3)] for _ in range(5)]
    Y = [[rng.uniform(-1, 1) for _ in range(2)] for _ in range(5)]
    opt = Adam(model.parameters(), lr=0.02)
    topt = torch.optim.Adam(net.parameters(), lr=0.02)
    from autograd_mini.losses import mse
    for _ in range(5):
        opt.zero_grad()
        loss = mse([o for x in X for o in model(x)], [t for y in Y for t in y])
        loss.backward()
        opt.step()
        topt.zero_grad()
        out = net(torch.tensor(X, dtype=torch.float64))
        (0.5 * ((out - torch.tensor(Y, dtype=torch.float64)) ** 2).sum()).backward()
        topt.step()
    W, b = model.weights()
    tw = [(m.weight.tolist(), m.bias.tolist()) for m in net if isinstance(m, torch.nn.Linear)]
    for i, (tW, tb) in enumerate(tw):
        for j in range(len(tW)):
            assert b[i][j] == pytest.approx(tb[j], rel=1e-11, abs=1e-12)
            for k in range(len(tW[j])):
                assert W[i][j][k] == pytest.approx(tW[j][k], rel=1e-11, abs=1e-12)
