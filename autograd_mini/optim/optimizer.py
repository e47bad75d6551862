"""``Optimizer``: parameter groups, per-parameter state, ``zero_grad``, ``state_dict``, as
``torch.optim.Optimizer``.

    opt = Adam([{"params": model.body.parameters()},
                {"params": model.head.parameters(), "lr": 1e-3}], lr=1e-2)
    opt.param_groups[1]["lr"]          # 0.001; each group holds every hyperparameter
    opt.state[p]                       # p's own state, e.g. {"step": 3.0, "exp_avg": ...}
    saved = opt.state_dict()           # plain numbers, lists and dicts (JSON-ready)
    opt2.load_state_dict(saved)        # resumes exactly

A parameter whose ``grad`` is None (``zero_grad(set_to_none=True)``, or not reached by
``backward``) is skipped by ``step()``, its state untouched, as in torch.
"""

import copy
import math
from numbers import Real

from ..core import Value

__all__ = ["Optimizer", "check_entries"]


def hyper(x, name, low=0.0, high=None):
    """A hyperparameter: a finite number in range, as a float, or a ValueError naming it."""
    if isinstance(x, bool) or not isinstance(x, Real) or not math.isfinite(x):
        raise ValueError(f"{name} must be a finite number, got {x!r}")
    if x < low or (high is not None and x >= high):
        bounds = f">= {low}" if high is None else f"in [{low}, {high})"
        raise ValueError(f"{name} must be {bounds}, got {x!r}")
    return float(x)


def _number(x, where):
    if isinstance(x, bool) or not isinstance(x, Real) or not math.isfinite(x):
        raise ValueError(f"optimizer state: {where} must be a finite number, got {x!r}")
    return float(x)


class Optimizer:
    """Holds ``param_groups`` (dicts: ``"params"``, a list of Values, and every
    hyperparameter) and ``state`` (``{Value: dict}``). Subclasses set ``defaults`` and
    write ``step()`` and ``check_group(group)``."""

    def __init__(self, params, defaults):
        name = type(self).__name__
        if isinstance(params, (Value, dict)):
            raise TypeError(f"{name}: params must be an iterable of Values (e.g. "
                            "model.parameters()) or of dicts (parameter groups), got a "
                            f"single {type(params).__name__}; wrap it in a list")
        if not isinstance(defaults, dict):          # the old Optimizer(params, lr)
            defaults = {"lr": defaults}
        self.defaults = dict(defaults)
        self.state = {}
        self.param_groups = []
        groups = list(params)
        if not groups:
            raise ValueError(f"{name} got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group):
        """Add a group (``{"params": [...], "lr": ...}``); unset hyperparameters take the
        optimizer's defaults. A Value may belong to one group only."""
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}: a parameter group must be a dict with \"params\", "
                            f"got {type(param_group).__name__}")
        group = dict(param_group)
        params = group.get("params")
        params = [params] if isinstance(params, Value) else params
        if params is None or isinstance(params, (str, dict)):
            raise TypeError(f"{name}: a parameter group needs \"params\": a list of Values")
        params = list(params)
        where = f"param_groups[{len(self.param_groups)}]"
        for i, p in enumerate(params):
            if not isinstance(p, Value):
                raise TypeError(f"{name}: params[{i}] must be a Value, got "
                                f"{type(p).__name__}: {p!r}")
        if not params:
            raise ValueError(f"{name}: {where} has an empty parameter list")
        if len({id(p) for p in params}) != len(params):
            raise ValueError(f"{name}: {where} lists a parameter twice (it would be "
                             "updated twice per step)")
        taken = {id(p) for g in self.param_groups for p in g["params"]}
        if any(id(p) in taken for p in params):
            raise ValueError(f"{name}: some parameters appear in more than one parameter "
                             "group")
        group["params"] = params
        for key, value in self.defaults.items():
            group.setdefault(key, value)
        self.check_group(group)
        self.param_groups.append(group)

    def check_group(self, group):
        """Check (and normalise, in place) a group's hyperparameters."""
        group["lr"] = hyper(group["lr"], "lr")

    # ------------------------------------------------------------------ conveniences
    @property
    def params(self):
        """Every parameter, group after group."""
        return [p for g in self.param_groups for p in g["params"]]

    @property
    def lr(self):
        """The learning rate of every group (when they share one). Setting it sets every
        group's ``"lr"``, as a schedule between steps does."""
        lrs = {g["lr"] for g in self.param_groups}
        if len(lrs) != 1:
            raise AttributeError("the parameter groups have different learning rates; "
                                 "read opt.param_groups[i]['lr']")
        return lrs.pop()

    @lr.setter
    def lr(self, value):
        value = hyper(value, "lr")
        for g in self.param_groups:
            g["lr"] = value

    def zero_grad(self, set_to_none=False):
        """Reset every parameter's ``grad``: to 0.0, or to None with ``set_to_none=True``
        (torch's default; a None grad is skipped by ``step()``)."""
        value = None if set_to_none else 0.0
        for g in self.param_groups:
            for p in g["params"]:
                p.grad = value

    def grads(self, group):
        """``(parameter, its grad as a float)`` for each parameter of ``group`` whose grad
        is not None (a create_graph Value grad is read as its number)."""
        for p in group["params"]:
            g = p.grad
            if g is not None:
                yield p, g if type(g) is float else float(g)

    def step(self):
        raise NotImplementedError

    # ------------------------------------------------------------------ saving
    def state_dict(self):
        """``{"state": {index: {...}}, "param_groups": [{..., "params": [index, ...]}]}``:
        the parameters numbered across groups in order, as torch's; plain numbers only."""
        index = {id(p): i for i, p in enumerate(self.params)}
        groups = [{**{k: copy.deepcopy(v) for k, v in g.items() if k != "params"},
                   "params": [index[id(p)] for p in g["params"]]}
                  for g in self.param_groups]
        state = {index[id(p)]: dict(s) for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore what ``state_dict()`` gave (also after a JSON round trip: string keys,
        lists for tuples): hyperparameters and state, each saved parameter index mapped to
        the parameter at its place in the groups (as torch). The groups must have the
        sizes of this optimizer's and every hyperparameter it has; the state must be this
        optimizer's kind (``check_state``); nothing changes unless the whole state is good."""
        name = type(self).__name__
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            raise ValueError(f"{name}.load_state_dict: expected a dict with \"state\" and "
                             "\"param_groups\" (from state_dict())")
        saved = state_dict["param_groups"]
        if not isinstance(saved, list) or len(saved) != len(self.param_groups):
            raise ValueError("loaded state dict has a different number of parameter groups")
        groups, by_index = [], {}
        for i, (mine, theirs) in enumerate(zip(self.param_groups, saved)):
            if not isinstance(theirs, dict) or not isinstance(theirs.get("params"), list) \
                    or len(theirs["params"]) != len(mine["params"]):
                raise ValueError(f"loaded state dict contains a parameter group that doesn't "
                                 f"match the size of optimizer's group ({i})")
            _check_hyperparameters(theirs, self.defaults, f"{name}: param_groups[{i}]")
            for k, p in zip(theirs["params"], mine["params"]):
                if isinstance(k, bool) or not isinstance(k, int) or k in by_index:
                    raise ValueError(f"{name}: param_groups[{i}]['params'] must be distinct "
                                     f"parameter indices (ints), got {theirs['params']!r:.80}")
                by_index[k] = p
            group = {**copy.deepcopy({k: v for k, v in theirs.items() if k != "params"}),
                     "params": mine["params"]}
            self.check_group(group)
            groups.append(group)
        state = {}
        for key, entry in state_dict["state"].items():
            i = int(key) if isinstance(key, int) or str(key).isdigit() else -1
            if i not in by_index or not isinstance(entry, dict):
                raise ValueError(f"loaded state dict has state for parameter {key!r}, which "
                                 f"this optimizer does not have")
            entry = {k: _number(v, f"state[{key}][{k!r}]") for k, v in entry.items()}
            self.check_state(entry, f"{name}: state[{key}]")
            state[by_index[i]] = entry
        self.param_groups = groups
        self.state = state

    def check_state(self, entry, where):
        """Check one parameter's loaded state (numbers already checked finite): each
        optimizer knows what its own holds."""


def _check_hyperparameters(group, defaults, where):
    """Every hyperparameter of ``defaults`` present in a loaded group, a bool where the
    default is one (bool("false") would be True)."""
    for key, default in defaults.items():
        if key not in group:
            raise ValueError(f"{where} lacks the hyperparameter {key!r} (the state of another "
                             f"optimizer, or a file edited by hand?)")
        if isinstance(default, bool) and not isinstance(group[key], bool):
            raise ValueError(f"{where}[{key!r}] must be true or false, got {group[key]!r}")


def check_entries(entry, required, optional, where):
    """A loaded state entry has the keys ``required`` (and maybe ``optional``)."""
    missing = [k for k in required if k not in entry]
    unknown = [k for k in entry if k not in required and k not in optional]
    if missing or unknown:
        raise ValueError(f"{where}: expected the entries {sorted(required)}"
                         f"{' (and ' + repr(sorted(optional)) + ')' if optional else ''}, "
                         f"missing {missing}, unknown {unknown} (the state of another "
                         f"optimizer, or a file edited by hand?)")
