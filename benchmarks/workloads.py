"""The benchmark workloads, written once per engine.

Engines: ``autograd_mini`` (eager), ``compiled`` (``autograd_mini.compile``),
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
  memory  bytes per node (tracemalloc) of the ``wide`` graph (leaves included) after
          forward + backward, with the graph alive
"""

import gc
import random
import sys
import tracemalloc

from autograd_mini.data import make_moons

from .lm import LanguageModelStep

ENGINES = ["autograd_mini", "compiled", "micrograd", "torch", "floor"]
CHAIN_A, CHAIN_B = 1.0000001, 1e-7
ALPHA = 1e-4


# ---------------------------------------------------------------------- shared data
def moons():
    """The mlp workload's data: 100 points of ``autograd_mini.data.make_moons``, labels -1/1."""
    return make_moons(100, noise=0.1, seed=1, labels=(-1, 1))


def demo_loss(model, X, y, parameters, alpha=ALPHA, value=None):
    """micrograd's demo loss, op for op, so that engines can be compared bit for bit:

        L = (1/n) sum_i relu(1 + -y_i s_i) + alpha sum_p p*p,   s_i = model(x_i)

    ``value`` wraps each input number (``Value``, a tensor constructor), as the demo's
    ``list(map(Value, xrow))``; None passes the rows as they are. Works on any engine's
    scalars (autograd_mini, micrograd, 0-d tensors)."""
    inputs = [list(map(value, xrow)) for xrow in X] if value is not None else X
    scores = list(map(model, inputs))
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = alpha * sum((p * p for p in parameters))
    return data_loss + reg_loss


def mlp_weights(sizes=(2, 16, 16, 1), seed=1):
    """Initial parameters in micrograd's order: per neuron its weights, then its bias 0."""
    rng = random.Random(seed)
    layers = []
    for nin, nout in zip(sizes, sizes[1:]):
        layers.append([([rng.uniform(-1, 1) for _ in range(nin)], 0.0) for _ in range(nout)])
    return layers


def flat(layers):
    return [x for layer in layers for w, b in layer for x in w + [b]]


def lr_at(k):
    return 1.0 - 0.9 * k / 100


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


class AutogradMini(LanguageModelStep, ScalarEngine):
    def __init__(self):
        from autograd_mini import Value
        from autograd_mini.nn import MLP
        super().__init__(Value, MLP)


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
        self.wide_step()                                # trace + generate code, untimed

    def wide(self, n):
        for v in self.xs:
            v.grad = 0.0
        for v in self.ws:
            v.grad = 0.0
        return self.wide_step()

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

    def wide_graph(self, n):
        raise NotImplementedError("PyTorch keeps its graph in C++ memory, "
                                  "which tracemalloc does not see")


# ---------------------------------------------------------------------- the floor
class Floor:
    """The same computations written by hand on Python floats: forward, then the
    chain rule applied by hand. No graph, no objects per op."""

    def mlp_setup(self):
        X, y = moons()
        self.X, self.y = X, y
        self.layers = [[(list(ws), b) for ws, b in layer] for layer in mlp_weights()]
        self.k = 0

    def mlp_step(self):
        """Forward, then backpropagation written out (BP1-BP4 of the notes): the same
        arithmetic as the graph, relu' and the hinge's derivative as 1/0 factors."""
        (L1, L2, L3) = self.layers
        W1, B1 = [w for w, _ in L1], [b for _, b in L1]
        W2, B2 = [w for w, _ in L2], [b for _, b in L2]
        w3, b3 = L3[0]
        gW1 = [[0.0, 0.0] for _ in W1]
        gB1 = [0.0] * len(B1)
        gW2 = [[0.0] * len(w) for w in W2]
        gB2 = [0.0] * len(B2)
        gw3 = [0.0] * len(w3)
        gb3 = 0.0
        n = len(self.X)
        data_loss = 0.0
        for (x0, x1), yi in zip(self.X, self.y):
            # forward: z = b + sum_k w_k a_k, a = relu(z)
            z1 = [b + w[0] * x0 + w[1] * x1 for w, b in zip(W1, B1)]
            h1 = [z if z > 0.0 else 0.0 for z in z1]
            z2 = []
            for w, b in zip(W2, B2):
                z = b
                for wk, hk in zip(w, h1):
                    z += wk * hk
                z2.append(z)
            h2 = [z if z > 0.0 else 0.0 for z in z2]
            s = b3
            for wk, hk in zip(w3, h2):
                s += wk * hk
            margin = 1.0 - yi * s
            data_loss += margin if margin > 0.0 else 0.0
            # backward: dL/ds, then delta = (W^T delta') * g'(z) layer by layer
            gs = (1.0 if margin > 0.0 else 0.0) * -yi / n
            gb3 += gs
            d2 = []
            for k, (wk, hk, z) in enumerate(zip(w3, h2, z2)):
                gw3[k] += gs * hk
                d2.append(gs * wk * (1.0 if z > 0.0 else 0.0))
            gh1 = [0.0] * len(h1)
            for j, (w, d) in enumerate(zip(W2, d2)):
                gB2[j] += d
                gw = gW2[j]
                for k, hk in enumerate(h1):
                    gw[k] += d * hk
                    gh1[k] += d * w[k]
            for j, z in enumerate(z1):
                d = gh1[j] * (1.0 if z > 0.0 else 0.0)
                gB1[j] += d
                gW1[j][0] += d * x0
                gW1[j][1] += d * x1
        # L2 regularisation: d(alpha sum p^2)/dp = 2 alpha p; then the SGD update
        reg = 0.0
        lr = lr_at(self.k)
        new_layers = []
        for layer, gW, gB in ((L1, gW1, gB1), (L2, gW2, gB2), (L3, [gw3], [gb3])):
            new = []
            for (w, b), gw, gb in zip(layer, gW, gB):
                reg += sum(p * p for p in w) + b * b
                w = [p - lr * (g + 2.0 * ALPHA * p) for p, g in zip(w, gw)]
                b = b - lr * (gb + 2.0 * ALPHA * b)
                new.append((w, b))
            new_layers.append(new)
        self.layers = new_layers
        self.k += 1
        return data_loss / n + ALPHA * reg

    def chain(self, n):
        y = 0.5
        for _ in range(n // 2):
            y = y * CHAIN_A + CHAIN_B
        g = 1.0
        for _ in range(n // 2):
            g = g * 1.0 * CHAIN_A                      # d(+)/dy = 1, d(*)/dy = a
        return g

    def wide_setup(self, n):
        rng = random.Random(2)
        self.xs = [rng.uniform(-1, 1) for _ in range(n)]
        self.ws = [rng.uniform(-1, 1) for _ in range(n)]

    def wide(self, n):
        s = 0.0
        for x, w in zip(self.xs, self.ws):
            s += x * w
        self.gx = [w * 1.0 for w in self.ws]          # ds/dx_i = w_i
        self.gw = [x * 1.0 for x in self.xs]          # ds/dw_i = x_i
        return s

    def wide_graph(self, n):
        rng = random.Random(2)
        xs = [rng.uniform(-1, 1) for _ in range(n)]
        ws = [rng.uniform(-1, 1) for _ in range(n)]
        s = 0.0
        for x, w in zip(xs, ws):
            s += x * w
        grads = ([w * 1.0 for w in ws], [x * 1.0 for x in xs])
        return (xs, ws, grads), 4 * n


FACTORIES = {"autograd_mini": AutogradMini, "compiled": Compiled, "micrograd": Micrograd,
             "torch": Torch, "floor": Floor}


def make(engine):
    """The engine's workload object, or raise ImportError naming what is missing."""
    return FACTORIES[engine]()


def memory_per_node(engine_obj, n):
    """Bytes per graph node of ``wide`` (tracemalloc, leaves included, graph alive)."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        graph, nodes = engine_obj.wide_graph(n)
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    del graph
    return (after - before) / nodes


def max_depth(engine_obj, limit):
    """The chain depth (ops) at which ``chain`` first fails with the interpreter's
    default recursion limit, searched up to ``limit``; None if it never fails."""
    saved = sys.getrecursionlimit()
    sys.setrecursionlimit(1000)

    def ok(n):
        try:
            engine_obj.chain(n)
            return True
        except RecursionError:
            return False
    try:
        lo, hi = 0, 2
        while hi <= limit and ok(hi):
            lo, hi = hi, hi * 4
        if hi > limit:
            return None if ok(limit) else _bisect(ok, lo, limit)
        return _bisect(ok, lo, hi)
    finally:
        sys.setrecursionlimit(saved)


def _bisect(ok, lo, hi):
    """Smallest failing n in (lo, hi], given ok(lo) and not ok(hi)."""
    while hi - lo > 2:
        mid = (lo + hi) // 2 // 2 * 2
        if mid <= lo:
            break
        if ok(mid):
            lo = mid
        else:
            hi = mid
    return hi
