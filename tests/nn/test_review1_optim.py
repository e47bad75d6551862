"""Review 1's findings in optim: state loaded from a file edited by hand (or another
optimizer's) is checked; each test failed before the fix."""

import copy
import math

import pytest

from autograd_mini.core import Value
from autograd_mini.optim import SGD, Adam
from autograd_mini.optim import lr_scheduler as LS


def adam_after_one_step(**kwargs):
    p, q = Value(1.0), Value(2.0)
    opt = Adam([p, q], lr=0.1, **kwargs)
    p.grad, q.grad = 0.5, -0.25
    opt.step()
    return opt, p, q


def edited(change):
    state = copy.deepcopy(adam_after_one_step()[0].state_dict())
    change(state)
    return state


# A negative or fractional "step" was loaded, and the next step made the parameter a
# complex number ((1 - beta2^t)^0.5 of a negative): p.data == (0.90+0.065j), silently. A
# negative exp_avg_sq failed in the step with a bare "math domain error"; a missing entry
# with a bare KeyError at the next step; amsgrad "false" (a string) was read as True.
@pytest.mark.parametrize("change, match", [
    (lambda s: s["state"][0].update(step=-3.0), r"state\[0\]\['step'\] must be a whole"),
    (lambda s: s["state"][0].update(step=0.5), r"state\[0\]\['step'\] must be a whole"),
    (lambda s: s["state"][0].update(exp_avg_sq=-1.0), r"'exp_avg_sq'\] must be >= 0"),
    (lambda s: s["state"][0].pop("exp_avg"), r"missing \['exp_avg'\]"),
    (lambda s: s["state"][0].update(momentum_buffer=0.1), r"unknown \['momentum_buffer'\]"),
    (lambda s: s["param_groups"][0].pop("eps"), "lacks the hyperparameter 'eps'"),
    (lambda s: s["param_groups"][0].update(amsgrad="false"), "amsgrad.*true or false"),
    (lambda s: s["param_groups"][0].update(params=[0, 0]), "distinct parameter indices"),
])
def test_a_hand_edited_adam_state_is_refused_and_nothing_changes(change, match):
    opt, p, q = adam_after_one_step()
    before = copy.deepcopy(opt.state_dict())
    with pytest.raises(ValueError, match=match):
        opt.load_state_dict(edited(change))
    assert opt.state_dict() == before
    p.grad = q.grad = 0.1
    opt.step()
    assert type(p.data) is float and math.isfinite(p.data)


# Another optimizer's state: a bare KeyError ('momentum' / 'betas') before; now a message.
def test_another_optimizers_state_is_refused_with_a_message():
    sgd = SGD([Value(1.0), Value(2.0)], lr=0.1, momentum=0.9)
    with pytest.raises(ValueError, match="lacks the hyperparameter 'momentum'"):
        sgd.load_state_dict(adam_after_one_step()[0].state_dict())
    for v in sgd.params:
        v.grad = 1.0
    sgd.step()
    with pytest.raises(ValueError, match="lacks the hyperparameter 'betas'"):
        adam_after_one_step()[0].load_state_dict(sgd.state_dict())


# The saved "params" indices were ignored (state i went to the i-th parameter whatever the
# group said); torch maps each saved index to the parameter at its place in the groups.
def test_saved_parameter_indices_are_mapped_through_the_groups():
    opt, p, q = adam_after_one_step()
    saved = opt.state_dict()
    saved["param_groups"][0]["params"] = [1, 0]
    fresh, p2, q2 = adam_after_one_step()
    fresh.load_state_dict(saved)
    assert fresh.state[p2] == opt.state[q] and fresh.state[q2] == opt.state[p]


# A scheduler's state was loaded unchecked: a nan gamma gave nan learning rates, a
# step_size of 0 a ZeroDivisionError steps later, a str last_epoch a bare TypeError.
@pytest.mark.parametrize("key, bad", [("gamma", math.nan), ("step_size", 0),
                                      ("last_epoch", "3"), ("base_lrs", [math.inf]),
                                      ("_last_lr", [0.1, 0.2])])
def test_a_hand_edited_scheduler_state_is_refused(key, bad):
    opt = SGD([Value(1.0)], lr=0.1)
    sched = LS.StepLR(opt, step_size=2, gamma=0.5)
    state = sched.state_dict()
    state[key] = bad
    with pytest.raises(ValueError, match=key):
        LS.StepLR(SGD([Value(1.0)], lr=0.1), step_size=2).load_state_dict(state)


@pytest.mark.parametrize("make, key, bad", [
    (lambda o: LS.CosineAnnealingLR(o, T_max=4), "eta_min", -1.0),
    (lambda o: LS.CosineAnnealingLR(o, T_max=4), "T_max", 0),
    (lambda o: LS.LinearLR(o, start_factor=0.5, total_iters=3), "start_factor", 0.0),
    (lambda o: LS.LinearLR(o, start_factor=0.5, total_iters=3), "total_iters", -1),
])
def test_other_schedulers_check_their_own_state(make, key, bad):
    state = make(SGD([Value(1.0)], lr=0.1)).state_dict()
    state[key] = bad
    with pytest.raises(ValueError, match=key):
        make(SGD([Value(1.0)], lr=0.1)).load_state_dict(state)
