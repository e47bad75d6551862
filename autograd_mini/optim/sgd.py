"""``SGD``: stochastic gradient descent with momentum, as ``torch.optim.SGD``."""

from .optimizer import Optimizer, check_entries, hyper

__all__ = ["SGD"]


class SGD(Optimizer):
    """Stochastic gradient descent, as ``torch.optim.SGD``, for each parameter p:

        g <- -grad if maximize else grad;   g <- g + weight_decay * p
        buf <- g (first step), else momentum * buf + (1 - dampening) * g
        g <- g + momentum * buf if nesterov else buf     (when momentum != 0)
        p <- p - lr * g

    ``state[p]["momentum_buffer"]`` is ``buf``.
    """

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0,
                 nesterov=False, *, maximize=False):
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize))

    def check_group(self, group):
        super().check_group(group)
        for key in ("momentum", "dampening", "weight_decay"):
            group[key] = hyper(group[key], key)
        group["nesterov"], group["maximize"] = bool(group["nesterov"]), bool(group["maximize"])
        if group["nesterov"] and (group["momentum"] <= 0.0 or group["dampening"] != 0.0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")

    def check_state(self, entry, where):
        """Only ``momentum_buffer``."""
        check_entries(entry, ("momentum_buffer",), (), where)

    def step(self):
        """One update of every parameter whose grad is not None."""
        for group in self.param_groups:
            lr, mom, wd = group["lr"], group["momentum"], group["weight_decay"]
            damp, nesterov, maximize = group["dampening"], group["nesterov"], group["maximize"]
            for p, g in self.grads(group):
                if maximize:
                    g = -g
                if wd:
                    g = g + wd * p.data
                if mom:
                    state = self.state.setdefault(p, {})
                    buf = state.get("momentum_buffer")
                    buf = g if buf is None else buf * mom + (1.0 - damp) * g
                    state["momentum_buffer"] = buf
                    g = g + mom * buf if nesterov else buf
                p.data = p.data + (-lr) * g
