"""The floor: each workload written by hand on Python floats (forward, then the chain
rule by hand), what an engine's time is divided by."""

import random

from .common import ALPHA, CHAIN_A, CHAIN_B, lr_at, mlp_weights, moons


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

    def wconst_setup(self, n):
        rng = random.Random(3)
        self.cx = [rng.uniform(-1, 1) for _ in range(n)]
        self.cw = [rng.uniform(-1, 1) for _ in range(n)]

    def wconst(self, n):
        s = 0.0
        for x, w in zip(self.cx, self.cw):
            s += x * w
        self.gcw = [x * 1.0 for x in self.cx]         # ds/dw_i = x_i
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
