"""The benchmark workloads, written once per engine.

Engines: ``autograd_mini`` (eager, on the compiled core where it was built),
``interpreted`` (the same, AUTOGRAD_MINI_PURE=1: the core's Python source), ``compiled``
(``autograd_mini.compile``),
``micrograd`` (0.1.0), ``torch`` (0-d float64 tensors, one thread) and ``floor``
(the same arithmetic written by hand on floats). Every workload function returns a
number that the driver compares across engines, so a benchmark that computes
something different fails loudly instead of timing it.

Workloads:
  mlp     micrograd's moons demo step: MLP(2, [16, 16, 1]), 100 points of
          autograd_mini.data.make_moons, hinge loss + L2 (alpha 1e-4), zero_grad,
          backward and the SGD update
  chain   y = x, then ``y = y * 1.0000001 + 1e-7`` until there are n ops; forward +
          backward, returns dy/dx
  wide    sum of n products ``x_i * w_i`` of leaves made beforehand; forward +
          backward, returns the sum
  wconst  a linear model's score: sum of n products ``x_i * w_i`` of plain numbers
          ``x_i`` (data) and leaves ``w_i``, built by user code; forward + backward
  memory  bytes per node (tracemalloc) of the ``wide`` graph (leaves included) after
          forward + backward, with the graph alive
  compile_cost  ``autograd_mini.compile`` of the ``chain`` of n ops: the first call (trace,
          generate and compile the code) and the second (checked against an eager run),
          in seconds or in peak bytes (tracemalloc), beside one eager forward + backward
"""

import random
import sys
import time

from .common import (
    CHAIN_A,
    CHAIN_B,
    demo_loss,
    flat,
    lr_at,
    mlp_weights,
    moons,
)
from .floor import Floor
from .lm import LanguageModelStep

ENGINES = ["autograd_mini", "interpreted", "compiled", "micrograd", "torch", "floor",
           "issue-day", "paused"]


# ---------------------------------------------------------------------- scalar engines
class ScalarEngine:
    """autograd_mini and micrograd run the very same code (micrograd's demo)."""

    def __init__(self, Value, MLP):
        self.Value, self.MLP = Value, MLP

    # mlp ---------------------------------------------------------------
    def mlp_setup(self):
        X, y = moons()
        self.X, self.y = X, y
        self.model = self.MLP(2, [16, 16, 1])
        self.params = self.model.parameters()
        for p, w in zip(self.params, flat(mlp_weights())):
            p.data = w
        self.k = 0

    def mlp_loss(self):
        return demo_loss(self.model, self.X, self.y, self.params, value=self.Value)

    def mlp_step(self):
        total = self.mlp_loss()
        self.model.zero_grad()
        total.backward()
        lr = lr_at(self.k)
        for p in self.params:
            p.data -= lr * p.grad
        self.k += 1
        return total.data

    # chain / wide ------------------------------------------------------
    def chain(self, n):
        x = self.Value(0.5)
        y = x
        for _ in range(n // 2):
            y = y * CHAIN_A + CHAIN_B
        y.backward()
        return x.grad

    def wide_setup(self, n):
        rng = random.Random(2)
        self.xs = [self.Value(rng.uniform(-1, 1)) for _ in range(n)]
        self.ws = [self.Value(rng.uniform(-1, 1)) for _ in range(n)]

    def wide(self, n):
        for v in self.xs:
            v.grad = 0.0
        for v in self.ws:
            v.grad = 0.0
        s = sum(x * w for x, w in zip(self.xs, self.ws))
        s.backward()
        return s.data

    def wide_graph(self, n):
        rng = random.Random(2)
        xs = [self.Value(rng.uniform(-1, 1)) for _ in range(n)]
        ws = [self.Value(rng.uniform(-1, 1)) for _ in range(n)]
        s = sum(x * w for x, w in zip(xs, ws))
        s.backward()
        return s, 4 * n                                 # leaves, products, sums


    def wconst_setup(self, n):
        rng = random.Random(3)
        self.cx = [rng.uniform(-1, 1) for _ in range(n)]
        self.cw = [self.Value(rng.uniform(-1, 1)) for _ in range(n)]

    def wconst(self, n):
        for v in self.cw:
            v.grad = 0.0
        s = sum(x * w for x, w in zip(self.cx, self.cw))
        s.backward()
        return s.data


class AutogradMini(LanguageModelStep, ScalarEngine):
    def __init__(self):
        from autograd_mini import Value
        from autograd_mini.nn import MLP
        super().__init__(Value, MLP)


class Paused(AutogradMini):
    """The same eager step with the cyclic collector paused around all of it, as
    ``models.Trainer`` runs a step (``mlp`` only): what the collector costs the step."""

    def mlp_step(self):
        from autograd_mini import collector_paused
        with collector_paused():
            return super().mlp_step()


class Compiled(AutogradMini):
    """The same loss function, traced once by ``autograd_mini.compile`` and replayed."""

    lm_compile = True

    def mlp_setup(self):
        from autograd_mini import compile
        super().mlp_setup()
        self.compiled = compile(self.mlp_loss)
        self.compiled()                                 # trace + generate code, untimed
        for p in self.params:
            p.grad = 0.0

    def mlp_step(self):
        self.model.zero_grad()
        loss = self.compiled()
        lr = lr_at(self.k)
        for p in self.params:
            p.data -= lr * p.grad
        self.k += 1
        return loss

    def chain_setup(self, n):
        from autograd_mini import compile

        def f(x):
            y = x
            for _ in range(n // 2):
                y = y * CHAIN_A + CHAIN_B
            return y
        self.chain_step = compile(f)
        self.chain_step(self.Value(0.5))               # trace + generate code, untimed

    def chain(self, n):
        x = self.Value(0.5)
        self.chain_step(x)
        return x.grad

    def wide_setup(self, n):
        from autograd_mini import compile
        super().wide_setup(n)
        xs, ws = self.xs, self.ws
        self.wide_step = compile(lambda: sum(x * w for x, w in zip(xs, ws)))
        t0 = time.perf_counter()
        self.wide_step()                                # trace + generate code, untimed
        self.wide_trace = time.perf_counter() - t0      # the first call alone

    def wide(self, n):
        for v in self.xs:
            v.grad = 0.0
        for v in self.ws:
            v.grad = 0.0
        return self.wide_step()

    def wconst_setup(self, n):
        from autograd_mini import compile
        super().wconst_setup(n)
        xs, ws = self.cx, self.cw
        self.wconst_step = compile(lambda: sum(x * w for x, w in zip(xs, ws)))
        t0 = time.perf_counter()
        self.wconst_step()                              # trace + generate code, untimed
        self.wconst_trace = time.perf_counter() - t0    # the first call alone

    def wconst(self, n):
        for v in self.cw:
            v.grad = 0.0
        return self.wconst_step()

    def wide_graph(self, n):
        raise NotImplementedError("a compiled step keeps no graph")


class Micrograd(ScalarEngine):
    def __init__(self):
        from micrograd.engine import Value
        from micrograd.nn import MLP
        super().__init__(Value, MLP)
        sys.setrecursionlimit(max(sys.getrecursionlimit(), 1_000_000))  # recursive topo sort

    def wide_graph(self, n):
        s, nodes = super().wide_graph(n)
        return s, nodes + 1                             # micrograd wraps sum()'s start 0


# ---------------------------------------------------------------------- PyTorch
class Torch:
    def __init__(self):
        import torch
        torch.set_num_threads(1)
        self.torch = torch

    def t(self, x, grad=False):
        return self.torch.tensor(x, dtype=self.torch.float64, requires_grad=grad)

    def mlp_setup(self):
        X, y = moons()
        self.X, self.y = X, y
        self.layers = [[([self.t(w, True) for w in ws], self.t(b, True)) for ws, b in layer]
                       for layer in mlp_weights()]
        self.params = [p for layer in self.layers for ws, b in layer for p in ws + [b]]
        self.k = 0

    def model(self, x):
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            out = []
            for ws, b in layer:
                act = sum((wi * xi for wi, xi in zip(ws, x)), b)
                out.append(act.relu() if i != last else act)
            x = out
        return x[0]

    def mlp_step(self):
        total = demo_loss(self.model, self.X, self.y, self.params, value=self.t)
        for p in self.params:
            p.grad = None
        total.backward()
        lr = lr_at(self.k)
        with self.torch.no_grad():
            for p in self.params:
                p -= lr * p.grad
        self.k += 1
        return total.item()

    def chain(self, n):
        x = self.t(0.5, True)
        y = x
        for _ in range(n // 2):
            y = y * CHAIN_A + CHAIN_B
        y.backward()
        return x.grad.item()

    def wide_setup(self, n):
        rng = random.Random(2)
        self.xs = [self.t(rng.uniform(-1, 1), True) for _ in range(n)]
        self.ws = [self.t(rng.uniform(-1, 1), True) for _ in range(n)]

    def wide(self, n):
        for v in self.xs + self.ws:
            v.grad = None
        s = sum(x * w for x, w in zip(self.xs, self.ws))
        s.backward()
        return s.item()

    def wconst_setup(self, n):
        rng = random.Random(3)
        self.cx = [rng.uniform(-1, 1) for _ in range(n)]
        self.cw = [self.t(rng.uniform(-1, 1), True) for _ in range(n)]

    def wconst(self, n):
        for v in self.cw:
            v.grad = None
        s = sum(x * w for x, w in zip(self.cx, self.cw))
        s.backward()
        return s.item()

    def wide_graph(self, n):
        raise NotImplementedError("PyTorch keeps its graph in C++ memory, "
                                  "which tracemalloc does not see")


FACTORIES = {"autograd_mini": AutogradMini, "interpreted": AutogradMini,  # (the worker
             "compiled": Compiled, "micrograd": Micrograd,      # sets AUTOGRAD_MINI_PURE=1)
             "torch": Torch, "floor": Floor,
             "issue-day": AutogradMini,                        # (lm only: lm.py)
             "paused": Paused}                                 # (mlp only)


def make(engine):
    """The engine's workload object, or raise ImportError naming what is missing."""
    return FACTORIES[engine]()
