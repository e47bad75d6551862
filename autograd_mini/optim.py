"""Optimizers with PyTorch's update rules: ``SGD`` and ``Adam``.

    opt = SGD(model.parameters(), lr=0.1, momentum=0.9)
    for step in range(100):
        opt.zero_grad()
        loss = ...
        loss.backward()
        opt.step()

``lr`` is a plain attribute, so a schedule just sets ``opt.lr = ...`` before ``step()``.
"""

import math

from .core import Value

__all__ = ["Optimizer", "SGD", "Adam"]


def _hyper(x, name, low=0.0, high=None):
    if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
        raise ValueError(f"{name} must be a finite number, got {x!r}")
    if x < low or (high is not None and x >= high):
        bounds = f">= {low}" if high is None else f"in [{low}, {high})"
        raise ValueError(f"{name} must be {bounds}, got {x!r}")
    return float(x)


class Optimizer:
    """Holds the parameters (a list of Values); ``zero_grad()`` sets their grads to 0.0."""

    def __init__(self, params, lr):
        if isinstance(params, Value):
            raise TypeError(f"{type(self).__name__}: params must be an iterable of Values "
                            "(e.g. model.parameters()), got a single Value; wrap it in a list")
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{type(self).__name__} got an empty parameter list")
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"{type(self).__name__}: params[{i}] must be a Value, "
                                f"got {type(p).__name__}: {p!r}")
        self.lr = _hyper(lr, "lr")

    def zero_grad(self):
        for p in self.params:
            p.grad = 0.0

    def _grads(self):
        """Each parameter's gradient as a float (a create_graph Value grad is read too)."""
        return [g if type(g) is float else float(g) for g in (p.grad for p in self.params)]

    def step(self):
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent, as ``torch.optim.SGD``:

        g <- grad + weight_decay * p
        buf <- g (first step), else momentum * buf + (1 - dampening) * g
        g <- g + momentum * buf if nesterov else buf     (when momentum != 0)
        p <- p - lr * g
    """

    def __init__(self, params, lr, momentum=0.0, dampening=0.0, weight_decay=0.0,
                 nesterov=False):
        super().__init__(params, lr)
        self.momentum = _hyper(momentum, "momentum")
        self.dampening = _hyper(dampening, "dampening")
        self.weight_decay = _hyper(weight_decay, "weight_decay")
        if nesterov and (self.momentum <= 0.0 or self.dampening != 0.0):
            raise ValueError("Nesterov momentum requires a momentum and zero dampening")
        self.nesterov = bool(nesterov)
        self.buffers = [None] * len(self.params)

    def step(self):
        lr, mom, wd = self.lr, self.momentum, self.weight_decay
        for i, (p, g) in enumerate(zip(self.params, self._grads())):
            if wd:
                g = g + wd * p.data
            if mom:
                buf = self.buffers[i]
                buf = g if buf is None else mom * buf + (1.0 - self.dampening) * g
                self.buffers[i] = buf
                g = g + mom * buf if self.nesterov else buf
            p.data = p.data + (-lr) * g


class Adam(Optimizer):
    """Adam, as ``torch.optim.Adam`` (amsgrad off):

        g <- grad + weight_decay * p
        m <- beta1 m + (1 - beta1) g,   v <- beta2 v + (1 - beta2) g^2
        p <- p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
    """

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise ValueError(f"betas must be a pair (beta1, beta2), got {betas!r}")
        self.betas = (_hyper(betas[0], "beta1", 0.0, 1.0), _hyper(betas[1], "beta2", 0.0, 1.0))
        self.eps = _hyper(eps, "eps")
        self.weight_decay = _hyper(weight_decay, "weight_decay")
        self.t = 0
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)

    def step(self):
        beta1, beta2 = self.betas
        self.t += 1
        step_size = self.lr / (1.0 - beta1 ** self.t)
        correction2_sqrt = math.sqrt(1.0 - beta2 ** self.t)
        m, v, wd = self.m, self.v, self.weight_decay
        for i, (p, g) in enumerate(zip(self.params, self._grads())):
            if wd:
                g = g + wd * p.data
            m[i] = m[i] + (g - m[i]) * (1.0 - beta1)        # torch's lerp_
            v[i] = v[i] * beta2 + (1.0 - beta2) * g * g
            p.data = p.data - step_size * (m[i] / (math.sqrt(v[i]) / correction2_sqrt + self.eps))
