"""Optimizers and learning-rate schedules with PyTorch's names, update rules and state:
``SGD``, ``Adam``, ``AdamW`` (``optim.lr_scheduler``: ``StepLR``, ``CosineAnnealingLR``,
``LinearLR``, ``LambdaLR``).

    opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
    sched = lr_scheduler.StepLR(opt, step_size=30, gamma=0.1)
    for step in range(100):
        opt.zero_grad()
        loss = ...
        loss.backward()
        opt.step()
        sched.step()

Parameter groups (``[{"params": ..., "lr": ...}, ...]``), ``opt.param_groups``,
``opt.state``, ``state_dict()``/``load_state_dict()`` work as torch's. ``opt.lr`` reads or
sets every group's learning rate at once (a schedule by hand: ``opt.lr = ...``).
"""

from . import lr_scheduler
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "lr_scheduler"]
