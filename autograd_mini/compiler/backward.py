"""Writing the backward pass: d(output)/d(node) node by node in exactly the order
``backward()`` takes them (``g_parent += d(node)/d(parent) * g``), so every float is the
eager engine's, bit for bit."""

from .forward import columns
from .reader import Maybe, atomic, paren
from .source import Writer

__all__ = ["BackwardWriter", "LOOP_BACKWARD"]

# "a": terms last to first, as backward() meets them; "o": each leaf gets one
# contribution (any order is that order), added to its .grad directly as backward() adds
# a pass to what a leaf held: ``(p.grad or 0.0) + d`` (a held -0.0 is not kept), or
# ``p.grad += d`` where d cannot be -0.0 (a gradient; a constant that is not -0.0). The
# "o" loops are core/bulk.py's (``add_products``: ``for p, q in T: p.grad = (p.grad or
# 0.0) + q.data * g; ...``), which write the leaves' gradients in C on the compiled core.
LOOP_BACKWARD = {
    ("*", "a", "a"): "for i, j in reversed({T}): G[i] += V[j]{g}; G[j] += V[i]{g}",
    ("*", "o", "o"): "add_products({C}, {ga})",
    ("*c", "a"): "for j, c in reversed({T}): G[j] += c{g}",
    ("*c", "o"): "add_scaled({C}, {ga})",
    ("*c", "o", "+0"): "add_constants({C})",
    ("+", "a"): "for j in reversed({T}): G[j] += {gt}",
    ("+", "o"): "add_same({C}, {gt})",
}


def _no_negative_zero(run, factor):
    """A run of constant products whose every contribution ``c`` is a constant that is
    not -0.0 (so adding it straight to a held -0.0 gives eager's bits)."""
    return run.pattern == ("*c", "o") and not factor and not any(
        c == 0.0 and str(c)[0] == "-" for c in run.constants)


class BackwardWriter(Writer):
    """Writes the backward lines of a Layout from the output back, reusing what the
    ForwardWriter kept. A gradient lives in ``G`` (slotted nodes) or, for a node kept in
    locals, in ``gstate``: a float known now, a name, or nothing yet."""

    def __init__(self, layout, ns, kernels, forward, loops):
        super().__init__(layout, ns, kernels, loops)
        self.fw = forward
        self.gstate = {}                # node kept in locals -> its gradient so far
        self.deferred = []              # loops writing .grad directly: at the very end

    def write(self):
        """The backward lines, from the output back."""
        g, L = self.g, self.layout
        self.add(g.n_main - 1, 1.0)
        for i in reversed(L.visits):
            if i >= g.n_main:
                continue                            # read by a guard only: no gradient
            if i in L.segment_end:
                self.loops.backward(L.segment_end[i], self)
            elif i in L.neurons_end:
                self._neurons(L.neurons_end[i])
            elif i in L.run_at:
                self._run(L.run_at[i])
            elif L.plain[i]:
                self._node(i)
        return self.lines

    def text(self, x):
        return self.ns.literal(x) if type(x) is float else x

    def grad_text(self, i):
        if self.slot[i] >= 0:
            return f"G[{self.slot[i]}]"
        return self.gstate.get(i, 0.0)

    def _times(self, local, g):
        """``local * g`` as the engine computes it, folded where exact: x * 1.0 is x, and
        two known numbers are multiplied now."""
        if type(local) is float and type(g) is float:
            return local * g
        if type(local) is float and local == 1.0:
            return g
        if type(g) is float and g == 1.0:
            return local
        return f"{paren(self.text(local))} * {paren(self.text(g))}"

    def add(self, p, c):
        """Add the contribution c (a float or text) to node p's gradient."""
        if self.slot[p] >= 0:
            self.lines.append(f"G[{self.slot[p]}] += {self.text(c)}")
            return
        s, own = self.gstate.get(p), f"g{p}"
        if s is None and type(c) is float:
            self.gstate[p] = 0.0 + c                # the engine starts every sum at 0.0
        elif s is None and atomic(c):
            self.gstate[p] = c                      # an alias: no line
        elif s is None:
            self.lines.append(f"{own} = {c}")
            self.gstate[p] = own
        elif type(s) is float and type(c) is float:
            self.gstate[p] = s + c
        elif s == own:
            self.lines.append(f"{own} += {self.text(c)}")
        else:
            self.lines.append(f"{own} = {self.text(s)} + {self.text(c)}")
            self.gstate[p] = own

    def accumulate(self, s, own, c):
        """A gradient kept as text ``s`` (None: nothing yet) plus the contribution text c,
        written as add() writes a local's: the new text."""
        if s is None and atomic(c):
            return c                                # an alias: no line
        if s is None:
            self.lines.append(f"{own} = {c}")
        elif s == own:
            self.lines.append(f"{own} += {c}")
        else:
            self.lines.append(f"{own} = {self.text(s)} + {c}")
        return own

    def materialize(self, p):
        """Node p's gradient (a local) as the variable ``g<p>``, so that a loop can add
        to it."""
        own, s = f"g{p}", self.gstate.get(p)
        if s != own:
            self.lines.append(f"{own} = {self.text(0.0 if s is None else s)}")
            self.gstate[p] = own
        return own

    def _node(self, i):
        g = self.grad_text(i)
        if self.g.ops[i] == "wsum":
            return self._wsum(i, g)
        for p, local in zip(self.g.parents[i], self.fw.local[i]):
            self.add(p, self.contribution(local, g))

    def contribution(self, local, g):
        """local * g, as the engine's backward() computes it; 0.0 where local is MASKED
        (the engine adds nothing then: the same sum, up to the sign of a zero)."""
        if not isinstance(local, Maybe):
            return self._times(local, g)
        g = paren(self.text(g))
        if local.times:
            return local.times.replace("_G_", g)
        self.lines.append(f"_d = {local}")
        return f"(0.0 if _d is None else _d * {g})"

    def _wsum(self, i, g):
        """d(net)/dw_k = x_k, d(net)/dx_k = w_k, d(net)/db = 1: the w's, then the x's,
        then b, as backward() goes through the parents (one loop if they are distinct)."""
        parents, T = self.g.parents[i], self.fw.tuples[i]
        times = "" if type(g) is float and g == 1.0 else f" * {paren(self.text(g))}"
        if len(set(parents)) == len(parents):
            self.lines.append(f"for i, j in {T}: G[i] += V[j]{times}; G[j] += V[i]{times}")
        else:
            self.lines += [f"for i, j in {T}: G[i] += V[j]{times}",
                           f"for i, j in {T}: G[j] += V[i]{times}"]
        self.add(parents[-1], g)

    def _run(self, run):
        g = self.grad_text(run.end)
        if type(g) is float:
            gt = 0.0 + g
        else:
            gt = f"gr{run.end}"
            self.lines.append(f"{gt} = 0.0 + {g}")
        factor = "" if gt == 1.0 else f" * {self.text(gt)}"
        # a loop that writes .grad itself goes last, after every line that could raise
        key = run.pattern + (("+0",) if _no_negative_zero(run, factor) else ())
        T = self.fw.tuples[run.end]
        loop = LOOP_BACKWARD[key].format(T=T, C=columns(T), g=factor, gt=self.text(gt),
                                         ga="None" if gt == 1.0 else self.text(gt))
        (self.deferred if "o" in run.pattern else self.lines).append(loop)
        self.add(run.start, gt)

    def _neurons(self, group):
        """dh/dz, then d(z)/dw_k = x_k, d(z)/dx_k = w_k, d(z)/db = 1, neuron by neuron
        from the last, as backward() takes them."""
        w, a = group[0]
        outer, self.lines = self.lines, []
        c = self.contribution(self.fw.activation(a, "V[z]")[1][0], "G[h]")
        body, self.lines = self.lines + [f"_g = {self.text(c)}"], outer
        if len(set(self.g.parents[w])) == len(self.g.parents[w]):
            body.append("for i, j in T: G[i] += V[j] * _g; G[j] += V[i] * _g")
        else:
            body += ["for i, j in T: G[i] += V[j] * _g", "for i, j in T: G[j] += V[i] * _g"]
        body.append("G[b] += _g")
        shape = self.fw.shape[group[-1][1]]
        kernel = self.kernels.add("(V, G, U)", ["for b, T, z, h in reversed(U):"] +
                                  ["    " + line for line in body], f"backward, {shape}")
        self.lines.append(f"{kernel}(V, G, {self.fw.tuples[group[-1][1]]})")
