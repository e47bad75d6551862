"""Learning-rate schedules, as ``torch.optim.lr_scheduler`` (the same recursive update
rules, so the same floats): ``StepLR``, ``CosineAnnealingLR``, ``LinearLR``, ``LambdaLR``.

A scheduler sets every group's ``"lr"`` when it is made (epoch 0) and at each ``step()``
(call it after ``optimizer.step()``); ``get_last_lr()`` lists what it set. Its
``state_dict()`` is plain numbers (everything but the optimizer), so that training resumes
exactly with ``load_state_dict``.
"""

import math

from .optimizer import Optimizer, hyper

__all__ = ["LRScheduler", "StepLR", "CosineAnnealingLR", "LinearLR", "LambdaLR"]


class LRScheduler:
    """Base class: ``base_lrs`` (each group's ``"initial_lr"``), ``last_epoch`` (steps
    taken; -1 before the first), ``step()``, ``get_last_lr()``, ``state_dict()``."""

    def __init__(self, optimizer, last_epoch=-1):
        if not isinstance(optimizer, Optimizer):
            raise TypeError(f"{type(optimizer).__name__} is not an Optimizer")
        if isinstance(last_epoch, bool) or not isinstance(last_epoch, int) or last_epoch < -1:
            raise ValueError(f"last_epoch must be an int >= -1, got {last_epoch!r}")
        self.optimizer = optimizer
        for i, group in enumerate(optimizer.param_groups):
            if last_epoch == -1:
                group.setdefault("initial_lr", group["lr"])
            elif "initial_lr" not in group:
                raise KeyError(f"param 'initial_lr' is not specified in param_groups[{i}] "
                               "when resuming a scheduler with last_epoch >= 0: load the "
                               "optimizer's state first")
        self.base_lrs = [g["initial_lr"] for g in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._step_count = 0
        self._is_initial = True
        self.step()
        self._is_initial = False

    def get_lr(self):
        """The learning rates for epoch ``last_epoch``, one per group."""
        raise NotImplementedError

    def step(self):
        """Advance one epoch and set each group's ``"lr"``."""
        self._step_count += 1
        self.last_epoch += 1
        lrs = self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = [g["lr"] for g in self.optimizer.param_groups]

    def get_last_lr(self):
        """The learning rates the last ``step()`` set, one per group."""
        return list(self._last_lr)

    def _group_lrs(self):
        return [g["lr"] for g in self.optimizer.param_groups]

    def state_dict(self):
        """Every attribute but the optimizer (plain numbers and lists)."""
        return {k: (list(v) if isinstance(v, list) else v)
                for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict):
        """Restore what ``state_dict()`` gave; its keys must be this scheduler's."""
        mine = set(self.state_dict())
        theirs = set(state_dict) if isinstance(state_dict, dict) else None
        if theirs != mine:
            raise ValueError(f"{type(self).__name__}.load_state_dict: expected the keys "
                             f"{sorted(mine)}, got {sorted(theirs) if theirs else state_dict!r}")
        self.__dict__.update(self._checked(state_dict))

    # what each saved attribute must be: a checker (value, name) -> value, or raises
    _CHECKS = {}

    def _checked(self, state):
        """The loaded attributes, checked as the constructor checks them (a file edited by
        hand must not give a nan learning rate or a division by zero steps later)."""
        n = len(self.optimizer.param_groups)
        out = {k: (list(v) if isinstance(v, list) else v) for k, v in state.items()}
        for key in ("base_lrs", "_last_lr"):
            if not isinstance(out[key], list) or len(out[key]) != n:
                raise ValueError(f"{type(self).__name__} state: {key} must be a list of {n} "
                                 f"learning rates, got {out[key]!r:.80}")
            out[key] = [hyper(x, f"{type(self).__name__} state: {key}") for x in out[key]]
        for key in ("last_epoch", "_step_count"):
            x = out[key]
            if isinstance(x, bool) or not isinstance(x, int) or x < -1:
                raise ValueError(f"{type(self).__name__} state: {key} must be an int >= -1, "
                                 f"got {x!r}")
        if not isinstance(out["_is_initial"], bool):
            raise ValueError(f"{type(self).__name__} state: _is_initial must be true or false")
        for key, check in self._CHECKS.items():
            out[key] = check(out[key], f"{type(self).__name__} state: {key}")
        return out


def _positive_int(x, name):
    if isinstance(x, bool) or not isinstance(x, int) or x < 1:
        raise ValueError(f"{name} must be a positive int, got {x!r}")
    return x


def _factor(x, name, low, low_included):
    """A multiplicative factor in (0, 1] (``low_included``: [0, 1]), as a float; the
    error in torch's words."""
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not (
            (low <= x if low_included else low < x) and x <= 1.0):
        what = "Starting" if name.endswith("start_factor") else "Ending"
        raise ValueError(f"{what} multiplicative factor ({name}) expected to be in "
                         f"{'[' if low_included else '('}{low}, 1], got {x!r}")
    return float(x)


class StepLR(LRScheduler):
    """``lr * gamma`` every ``step_size`` epochs: ``lr_t = base_lr * gamma^(t // step_size)``."""

    _CHECKS = {"step_size": lambda x, name: _positive_int(x, name), "gamma": hyper}

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        self.step_size = _positive_int(step_size, "step_size")
        self.gamma = hyper(gamma, "gamma")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return self._group_lrs()
        return [lr * self.gamma for lr in self._group_lrs()]


class CosineAnnealingLR(LRScheduler):
    """``lr_t = eta_min + (base_lr - eta_min) (1 + cos(pi t / T_max)) / 2``, computed as
    torch does, step by step: ``lr_t = eta_min + (lr_(t-1) - eta_min) (1 + cos(pi t /
    T_max)) / (1 + cos(pi (t - 1) / T_max))``."""

    _CHECKS = {"T_max": lambda x, name: _positive_int(x, name), "eta_min": hyper}

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        self.T_max = _positive_int(T_max, "T_max")
        self.eta_min = hyper(eta_min, "eta_min")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        t, T, eta_min = self.last_epoch, self.T_max, self.eta_min
        if self._is_initial:
            return self._group_lrs()
        if (t - 1 - T) % (2 * T) == 0:
            return [lr + (base - eta_min) * (1 - math.cos(math.pi / T)) / 2
                    for base, lr in zip(self.base_lrs, self._group_lrs())]
        return [(1 + math.cos(math.pi * t / T)) / (1 + math.cos(math.pi * (t - 1) / T))
                * (lr - eta_min) + eta_min for lr in self._group_lrs()]


class LinearLR(LRScheduler):
    """The factor on ``base_lr`` goes linearly from ``start_factor`` (epoch 0) to
    ``end_factor`` (epoch ``total_iters`` and after), computed step by step as torch does."""

    _CHECKS = {"start_factor": lambda x, name: _factor(x, name, 0.0, False),
               "end_factor": lambda x, name: _factor(x, name, 0.0, True),
               "total_iters": lambda x, name: _positive_int(x, name)}

    def __init__(self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5,
                 last_epoch=-1):
        self.start_factor = _factor(start_factor, "start_factor", 0.0, False)
        self.end_factor = _factor(end_factor, "end_factor", 0.0, True)
        self.total_iters = _positive_int(total_iters, "total_iters")
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        t, start, end = self.last_epoch, self.start_factor, self.end_factor
        if t == 0:
            return [lr * start for lr in self._group_lrs()]
        if self._is_initial or t > self.total_iters:
            return self._group_lrs()
        return [lr * (1.0 + (end - start) / (self.total_iters * start + (t - 1) * (end - start)))
                for lr in self._group_lrs()]


class LambdaLR(LRScheduler):
    """``lr_t = base_lr * lr_lambda(t)`` (one function, or one per group). Its functions
    are not saved by ``state_dict()``: give the same ones to the resumed scheduler."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        fns = list(lr_lambda) if isinstance(lr_lambda, (list, tuple)) else \
            [lr_lambda] * len(optimizer.param_groups)
        if len(fns) != len(optimizer.param_groups) or not all(map(callable, fns)):
            raise ValueError(f"lr_lambda must be a function or a list of "
                             f"{len(optimizer.param_groups)} functions (one per group)")
        self.lr_lambdas = fns
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        return [base * float(fn(self.last_epoch)) for fn, base in zip(self.lr_lambdas,
                                                                       self.base_lrs)]

    def state_dict(self):
        return {k: v for k, v in super().state_dict().items() if k != "lr_lambdas"}
