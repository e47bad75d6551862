"""Optimizers and schedulers against torch.optim (float64): 100-step trajectories with two
parameter groups and a parameter whose grad is None on some steps; state_dict layout;
exact resume; parameter groups and their errors."""

import json
import math

import pytest

from autograd_mini import Value, optim
from autograd_mini.optim import SGD, Adam, AdamW
from autograd_mini.optim import lr_scheduler as LS

START = [0.7, -1.2, 2.5, 0.1]

OPTIMIZERS = [
    ("SGD", dict(lr=0.05)),
    ("SGD", dict(lr=0.05, momentum=0.9)),
    ("SGD", dict(lr=0.05, momentum=0.9, nesterov=True)),
    ("SGD", dict(lr=0.05, momentum=0.8, dampening=0.1, weight_decay=0.01, maximize=True)),
    ("Adam", dict(lr=0.1)),
    ("Adam", dict(lr=0.05, betas=(0.3, 0.99), eps=1e-6, weight_decay=0.1, amsgrad=True)),
    ("Adam", dict(lr=0.05, weight_decay=0.1, decoupled_weight_decay=True, maximize=True)),
    ("AdamW", dict(lr=0.05)),
    ("AdamW", dict(lr=0.05, weight_decay=0.3, amsgrad=True)),
]
SCHEDULERS = [
    (None, {}),
    ("StepLR", dict(step_size=7, gamma=0.5)),
    ("CosineAnnealingLR", dict(T_max=30, eta_min=0.001)),
    ("LinearLR", dict(start_factor=0.2, total_iters=40)),
]


def quadratic_loss(params, step):
    """A loss whose gradient changes every step: sum_i (i+1) (p_i - 0.3 k)^2 + p_0 p_1."""
    c = 0.3 * step
    terms = [(p - c) ** 2 * float(i + 1) for i, p in enumerate(params)]
    return sum(terms[1:], terms[0]) + params[0] * params[1]


def make(lib, opt_name, kwargs, sched_name, sched_kwargs, torch=None):
    if lib == "torch":
        params = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in START]
        opt_cls, sched_mod = getattr(torch.optim, opt_name), torch.optim.lr_scheduler
    else:
        params = [Value(v) for v in START]
        opt_cls, sched_mod = getattr(optim, opt_name), LS
    opt = opt_cls([{"params": params[:2]}, {"params": params[2:], "lr": 0.03}], **kwargs)
    sched = getattr(sched_mod, sched_name)(opt, **sched_kwargs) if sched_name else None
    return params, opt, sched


def train(params, opt, sched, steps, first=0):
    """Steps ``first .. first+steps-1``; parameter 3 has no gradient on every third step."""
    history = []
    for k in range(first, first + steps):
        opt.zero_grad()
        quadratic_loss(params, k).backward()
        if k % 3 == 1:
            params[3].grad = None
        opt.step()
        if sched is not None:
            sched.step()
        history.append(([float(p.item() if hasattr(p, "item") and not isinstance(p, Value)
                               else p.data) for p in params],
                        [g["lr"] for g in opt.param_groups]))
    return history


@pytest.mark.parametrize("sched_name, sched_kwargs", SCHEDULERS,
                         ids=[s or "constant" for s, _ in SCHEDULERS])
@pytest.mark.parametrize("opt_name, kwargs", OPTIMIZERS,
                         ids=[f"{o}-{i}" for i, (o, _) in enumerate(OPTIMIZERS)])
def test_100_steps_match_torch(torch, opt_name, kwargs, sched_name, sched_kwargs):
    expected = train(*make("torch", opt_name, kwargs, sched_name, sched_kwargs, torch), 100)
    got = train(*make("ours", opt_name, kwargs, sched_name, sched_kwargs), 100)
    for k, ((tp, tlr), (p, lr)) in enumerate(zip(expected, got)):
        assert lr == tlr, (k, lr, tlr)              # the schedule: the same floats
        for a, b in zip(p, tp):
            assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-13), (k, p, tp)


def test_state_dict_layout_matches_torch(torch):
    for opt_name, kwargs in OPTIMIZERS:
        tparams, topt, _ = make("torch", opt_name, kwargs, None, {}, torch)
        params, opt, _ = make("ours", opt_name, kwargs, None, {})
        train(tparams, topt, None, 5)
        train(params, opt, None, 5)
        theirs, ours = topt.state_dict(), opt.state_dict()
        plain_sgd = opt_name == "SGD" and not kwargs.get("momentum")
        assert set(ours["state"]) == set(theirs["state"]) == (set() if plain_sgd
                                                              else {0, 1, 2, 3})
        for i, state in theirs["state"].items():
            assert set(ours["state"][i]) == set(state), (opt_name, i)
            for key, x in state.items():
                x = x.item() if hasattr(x, "item") else x
                assert ours["state"][i][key] == pytest.approx(x, rel=1e-12, abs=1e-14)
        for tg, g in zip(theirs["param_groups"], ours["param_groups"]):
            assert g["params"] == tg["params"]
            for key, value in g.items():
                assert tg[key] == (value if key != "betas" else tuple(value)), key


def test_grad_none_is_skipped_state_and_all(torch):
    """torch's rule: a parameter whose grad is None is not updated, its step not counted."""
    p, q = Value(1.0), Value(2.0)
    opt = Adam([p, q], lr=0.1)
    p.grad, q.grad = 0.5, None
    opt.step()
    assert q.data == 2.0 and q not in opt.state and opt.state[p]["step"] == 1.0
    tp, tq = (torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in (1.0, 2.0))
    topt = torch.optim.Adam([tp, tq], lr=0.1)
    tp.grad = torch.tensor(0.5, dtype=torch.float64)
    topt.step()
    assert tp.item() == p.data and tq not in topt.state
    for cls in (SGD, AdamW):
        r = Value(3.0)
        r.grad = None
        cls([r], lr=0.1, **({"momentum": 0.9} if cls is SGD else {})).step()
        assert r.data == 3.0


def test_zero_grad_set_to_none():
    ps = [Value(1.0), Value(2.0)]
    opt = SGD(ps, lr=0.1)
    for p in ps:
        p.grad = 1.0
    opt.zero_grad(set_to_none=True)
    assert [p.grad for p in ps] == [None, None]
    (ps[0] * ps[1]).backward()                      # backward starts a None grad at 0
    assert [p.grad for p in ps] == [2.0, 1.0]
    opt.zero_grad()                                 # the default here: 0.0 (see the docs)
    assert [p.grad for p in ps] == [0.0, 0.0]


@pytest.mark.parametrize("opt_name, kwargs", OPTIMIZERS[1:2] + OPTIMIZERS[5:6] + OPTIMIZERS[8:],
                         ids=["SGD-momentum", "Adam-amsgrad", "AdamW-amsgrad"])
@pytest.mark.parametrize("sched_name, sched_kwargs", SCHEDULERS[1:],
                         ids=[s for s, _ in SCHEDULERS[1:]])
def test_resume_through_json_is_bit_for_bit(opt_name, kwargs, sched_name, sched_kwargs):
    params, opt, sched = make("ours", opt_name, kwargs, sched_name, sched_kwargs)
    straight = train(params, opt, sched, 40)
    params, opt, sched = make("ours", opt_name, kwargs, sched_name, sched_kwargs)
    first = train(params, opt, sched, 15)
    saved = json.loads(json.dumps({"params": [p.data for p in params],
                                   "opt": opt.state_dict(), "sched": sched.state_dict()}))
    fresh, opt2, sched2 = make("ours", opt_name, kwargs, sched_name, sched_kwargs)
    for p, x in zip(fresh, saved["params"]):
        p.data = x
    opt2.load_state_dict(saved["opt"])
    sched2.load_state_dict(saved["sched"])
    assert first + train(fresh, opt2, sched2, 25, first=15) == straight


def test_load_state_dict_checks_before_changing_anything():
    p = Value(1.0)
    opt = Adam([p], lr=0.1)
    p.grad = 1.0
    opt.step()
    good = opt.state_dict()
    other = Adam([Value(0.0), Value(0.0)])
    with pytest.raises(ValueError, match="doesn't match the size"):
        other.load_state_dict(good)
    with pytest.raises(ValueError, match="different number of parameter groups"):
        Adam([{"params": [Value(0.0)]}, {"params": [Value(0.0)]}]).load_state_dict(good)
    bad = json.loads(json.dumps(good))
    bad["state"]["0"]["exp_avg"] = "x"
    fresh = Adam([Value(0.0)], lr=0.5)
    with pytest.raises(ValueError, match=r"state\[0\]\['exp_avg'\] must be a finite number"):
        fresh.load_state_dict(bad)
    assert fresh.state == {} and fresh.lr == 0.5
    bad = json.loads(json.dumps(good))
    bad["state"]["x"] = bad["state"].pop("0")
    with pytest.raises(ValueError, match="state for parameter 'x'"):
        fresh.load_state_dict(bad)
    bad = json.loads(json.dumps(good))
    bad["param_groups"][0]["betas"] = [0.9, 1.5]
    with pytest.raises(ValueError, match="beta2"):
        fresh.load_state_dict(bad)
    fresh.load_state_dict(json.loads(json.dumps(good)))
    assert fresh.param_groups[0]["betas"] == (0.9, 0.999) and fresh.lr == 0.1


def test_param_groups():
    a, b, c = Value(1.0), Value(2.0), Value(3.0)
    opt = SGD([{"params": [a, b]}, {"params": c, "lr": 0.5, "momentum": 0.9}], lr=0.1)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.5]
    assert opt.param_groups[0]["momentum"] == 0.0 and opt.param_groups[1]["momentum"] == 0.9
    assert opt.params == [a, b, c]
    with pytest.raises(AttributeError, match="different learning rates"):
        print(opt.lr)
    opt.lr = 0.2
    assert opt.lr == 0.2
    opt.add_param_group({"params": [Value(0.0)], "lr": 1.0})
    assert len(opt.param_groups) == 3 and opt.param_groups[2]["lr"] == 1.0
    with pytest.raises(ValueError, match="more than one parameter group"):
        opt.add_param_group({"params": [a]})
    with pytest.raises(ValueError, match="lists a parameter twice"):
        SGD([a, a], lr=0.1)
    with pytest.raises(TypeError, match="needs \"params\""):
        SGD([{"lr": 0.1}], lr=0.1)
    with pytest.raises(ValueError, match="lr must be >= 0"):
        SGD([{"params": [a], "lr": -1.0}], lr=0.1)


def test_scheduler_basics():
    opt = SGD([Value(1.0)], lr=1.0)
    sched = LS.StepLR(opt, step_size=2, gamma=0.5)
    lrs = [sched.get_last_lr()[0]]
    for _ in range(5):
        opt.step()
        sched.step()
        lrs.append(sched.get_last_lr()[0])
    assert lrs == [1.0, 1.0, 0.5, 0.5, 0.25, 0.25]
    assert opt.param_groups[0]["initial_lr"] == 1.0
    with pytest.raises(TypeError, match="is not an Optimizer"):
        LS.StepLR(object(), step_size=1)
    with pytest.raises(ValueError, match="step_size must be a positive int"):
        LS.StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="Starting multiplicative factor"):
        LS.LinearLR(opt, start_factor=0.0)
    with pytest.raises(KeyError, match="initial_lr"):
        LS.CosineAnnealingLR(SGD([Value(1.0)], lr=1.0), T_max=5, last_epoch=3)
    with pytest.raises(ValueError, match="gamma must be a finite number"):
        LS.StepLR(opt, step_size=2, gamma=float("nan"))
    with pytest.raises(ValueError, match="eta_min must be >= 0"):
        LS.CosineAnnealingLR(opt, T_max=2, eta_min=-1.0)
    with pytest.raises(ValueError, match="expected the keys"):
        LS.StepLR(SGD([Value(1.0)], lr=1.0), step_size=2).load_state_dict({"last_epoch": 3})


def test_lambda_lr_matches_torch(torch):
    fn = lambda k: 0.95 ** k                        # noqa: E731
    tp = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    topt = torch.optim.SGD([tp], lr=0.2)
    tsched = torch.optim.lr_scheduler.LambdaLR(topt, fn)
    opt = SGD([Value(1.0)], lr=0.2)
    sched = LS.LambdaLR(opt, fn)
    for _ in range(100):
        topt.step()
        tsched.step()
        opt.step()
        sched.step()
        assert sched.get_last_lr() == tsched.get_last_lr()
    assert "lr_lambdas" not in sched.state_dict()


def test_old_single_group_api_still_works():
    p = Value(1.5)
    p.grad = 0.25
    opt = Adam([p], lr=0.1, betas=(0.9, 0.99))
    opt.lr = 0.01                                   # train.fit's schedules set opt.lr
    opt.step()
    assert opt.param_groups[0]["lr"] == 0.01 and opt.state[p]["step"] == 1.0
