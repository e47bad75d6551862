"""``Adam`` and ``AdamW``, as ``torch.optim.Adam`` / ``torch.optim.AdamW`` (float for
float: the same operations in the same order)."""

import math

from .optimizer import Optimizer, check_entries, hyper

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """Adam, as ``torch.optim.Adam``, for each parameter p at its step t:

        g <- -grad if maximize else grad
        p <- p (1 - lr weight_decay)  if decoupled_weight_decay  else  g <- g + weight_decay p
        m <- m + (1 - beta1)(g - m),   v <- beta2 v + (1 - beta2) g^2
        v_max <- max(v_max, v) and used for v    (amsgrad)
        p <- p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

    ``state[p]``: ``step`` (t), ``exp_avg`` (m), ``exp_avg_sq`` (v), ``max_exp_avg_sq``.
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0,
                 amsgrad=False, *, maximize=False, decoupled_weight_decay=False):
        super().__init__(params, dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                                      amsgrad=amsgrad, maximize=maximize,
                                      decoupled_weight_decay=decoupled_weight_decay))

    def check_group(self, group):
        super().check_group(group)
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        group["betas"] = (hyper(betas[0], "beta1", 0.0, 1.0), hyper(betas[1], "beta2", 0.0, 1.0))
        group["eps"] = hyper(group["eps"], "eps")
        group["weight_decay"] = hyper(group["weight_decay"], "weight_decay")
        for key in ("amsgrad", "maximize", "decoupled_weight_decay"):
            group[key] = bool(group[key])

    def check_state(self, entry, where):
        """``step`` a whole number >= 1, ``exp_avg_sq`` and ``max_exp_avg_sq`` >= 0 (a hand
        edit otherwise makes a parameter complex: (1 - beta2^t)^0.5 of a negative)."""
        check_entries(entry, ("step", "exp_avg", "exp_avg_sq"), ("max_exp_avg_sq",), where)
        if entry["step"] < 1 or not entry["step"].is_integer():
            raise ValueError(f"{where}['step'] must be a whole number >= 1, got "
                             f"{entry['step']!r}")
        for k in ("exp_avg_sq", "max_exp_avg_sq"):
            if entry.get(k, 0.0) < 0.0:
                raise ValueError(f"{where}[{k!r}] must be >= 0, got {entry[k]!r}")

    def step(self):
        """One update of every parameter whose grad is not None."""
        states = self.state
        for group in self.param_groups:
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            wd, amsgrad = group["weight_decay"], group["amsgrad"]
            decoupled, maximize = group["decoupled_weight_decay"], group["maximize"]
            w = 1.0 - beta1                             # m.lerp_(g, w), as torch writes it:
            near = abs(w) < 0.5                         # m + w (g - m), or g - (g - m)(1 - w)
            corrections = {}                            # t -> the bias corrections at step t
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                g = g if type(g) is float else float(g)   # a create_graph grad: its number
                if maximize:
                    g = -g
                state = states.get(p)
                if state is None:
                    state = states[p] = {"step": 0.0, "exp_avg": 0.0, "exp_avg_sq": 0.0}
                    if amsgrad:
                        state["max_exp_avg_sq"] = 0.0
                t = state["step"] = state["step"] + 1.0
                if wd:
                    if decoupled:
                        p.data = p.data * (1.0 - lr * wd)
                    else:
                        g = g + wd * p.data
                m = state["exp_avg"]
                m = state["exp_avg"] = m + w * (g - m) if near else g - (g - m) * (1.0 - w)
                v = state["exp_avg_sq"] = state["exp_avg_sq"] * beta2 + (1.0 - beta2) * g * g
                if amsgrad:
                    v = state["max_exp_avg_sq"] = max(state.get("max_exp_avg_sq", 0.0), v)
                c = corrections.get(t)                  # (computed once per step t: the
                if c is None:                           # same numbers, 3 pows fewer a p)
                    c = corrections[t] = (-(lr / (1.0 - beta1 ** t)), (1.0 - beta2 ** t) ** 0.5)
                denom = math.sqrt(v) / c[1] + eps
                p.data = p.data + c[0] * m / denom      # torch's addcdiv_


class AdamW(Adam):
    """Adam with decoupled weight decay (``torch.optim.AdamW``): each step first shrinks
    ``p <- p (1 - lr weight_decay)``, then takes Adam's step without weight decay in g.
    Default ``weight_decay=1e-2``, as torch's."""

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2,
                 amsgrad=False, *, maximize=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         decoupled_weight_decay=True)
