"""Writing the forward pass: one line per node (the Wengert list), loops for long sums and
for layers of neurons, each traced comparison checked as soon as its operands exist."""

import math
import struct

from .. import core
from .finite import needs_check
from .guards import CONVERSIONS
from .reader import OPERATORS, op_code
from .source import Writer, show

__all__ = ["ForwardWriter", "LOOP_FORWARD", "columns"]

# "o": over Values (leaves): core/bulk.py's loops, which read the leaves' numbers in C on
# the compiled core (each docstring is the Python loop it runs)
LOOP_FORWARD = {
    ("*", "a", "a"): "for i, j in {T}: {acc} += V[i] * V[j]",
    ("*", "o", "o"): "{acc} = sum_products({acc}, {C})",
    ("*c", "a"): "for j, c in {T}: {acc} += V[j] * c",
    ("*c", "o"): "{acc} = sum_scaled({acc}, {C})",
    ("+", "a"): "for j in {T}: {acc} += V[j]",
    ("+", "o"): "{acc} = sum_data({acc}, {C})",
}


def columns(T):
    """A loop's operands as arguments: ``zip(_L1, _L2)`` as ``_L1, _L2``."""
    return T[4:-1] if T.startswith("zip(") else T


CONVERT = {"int": int, "floor": math.floor, "ceil": math.ceil, "trunc": math.trunc}


def same_float(a, b):
    """The same float, bit for bit (-0.0 is not 0.0); any NaN is any NaN."""
    return type(a) is float and (a != a and b != b or struct.pack("<d", a) == struct.pack(
        "<d", b))


class ForwardWriter(Writer):
    """Writes the forward lines of a Layout; keeps what the backward pass reuses: each
    node's local derivatives (``local``), each loop's tuple of operands (``tuples``),
    each neuron shape's activation code and description."""

    def __init__(self, layout, ns, kernels, loops):
        super().__init__(layout, ns, kernels, loops)
        self.local = {}                 # node -> its local derivatives (floats or text)
        self.tuples = {}                # run end or wsum -> name of its tuple of operands
        self.shape, self.activations = {}, {}
        self.probes = []                # locals an op may have made inf or nan in (finite.py)

    def write(self):
        """The forward lines, node by node in topological order."""
        L = self.layout
        ready = {}
        for k, (_, a, b, _, _) in enumerate(L.guards):
            ready.setdefault(max(a, -1 if b is None else b), []).append(k)
        for i in L.visits:
            if i in L.segment_at:
                self.lines += self.loops.forward(L.segment_at[i], self.probes)
            elif i in L.neurons_at:
                self._neurons(L.neurons_at[i])
            elif i in L.run_at:
                self._run(L.run_at[i])
            elif L.plain[i]:
                self._node(i)
            for k in ready.get(i, ()):
                self._guard(k)
        return self.lines

    def _node(self, i):
        g = self.g
        v = g.nodes[i]
        if g.ops[i] == "wsum":
            return self._wsum(i)
        _, operands = core.op_inputs(v)
        parents = iter(g.parents[i])                # the Value operands, in their order
        where = [next(parents) if isinstance(x, core.Value) else None for x in operands]
        inputs = [self.val[p] if p is not None else self.ns.literal(x)
                  for p, x in zip(where, operands)]
        forward, self.local[i] = op_code(v, inputs, self.val[i], self.ns)
        line = f"{self.val[i]} = {forward}"
        if v.label:
            line += f"  # {show(v.label)} = {_shown(v, operands, where, g.nodes, self.val)}"
        self.lines.append(line)
        self._probe(i)

    def _probe(self, i):
        if self.slot[i] < 0 and needs_check(self.g.ops[i]):
            self.probes.append(self.val[i])

    def _wsum(self, i):
        """net = b + w_1 x_1 + ... + w_n x_n, as ``core.weighted_sum`` adds it up."""
        parents, slot = self.g.parents[i], self.slot
        n = len(parents) // 2
        pairs = tuple((slot[w], slot[x]) for w, x in zip(parents[:n], parents[n:2 * n]))
        T = self.tuples[i] = self.ns.constant(pairs, "_W")
        acc = self.val[i] if slot[i] < 0 else "_s"
        self.lines += [f"{acc} = {self.val[parents[-1]]}",
                       f"for i, j in {T}: {acc} += V[i] * V[j]"]
        if acc == "_s":
            self.lines.append(f"{self.val[i]} = _s")
        self._probe(i)

    def _run(self, run):
        T = self.tuples[run.end] = self.operands(run)
        acc = self.val[run.end] if self.slot[run.end] < 0 else "_s"
        self.lines.append(f"{acc} = {self.val[run.start]}")
        self.lines.append(LOOP_FORWARD[run.pattern].format(T=T, acc=acc, C=columns(T)))
        if acc == "_s":
            self.lines.append(f"{self.val[run.end]} = _s")
        self._probe(run.end)

    def operands(self, run):
        """What a run's loop iterates over: a tuple of V indices (pairs for products, (index,
        constant) pairs for products with constants), or the leaf Values themselves (a zip
        of two tuples for products)."""
        slot = self.slot
        if run.pattern[1] == "a":
            if run.pattern[0] == "*c":
                out = tuple(zip([slot[xs[0]] for xs in run.operands], run.constants))
            else:
                out = tuple(tuple(slot[x] for x in xs) if len(xs) == 2 else slot[xs[0]]
                            for xs in run.operands)
            return self.ns.constant(out, "_T")
        nodes = self.g.nodes
        columns = [self.ns.constant(tuple(nodes[xs[k]] for xs in run.operands), "_L")
                   for k in range(len(run.operands[0]))]
        if run.pattern[0] == "*c":
            columns.append(self.ns.constant(tuple(run.constants), "_C"))
        return columns[0] if len(columns) == 1 else f"zip({', '.join(columns)})"

    def _guard(self, k):
        """The traced read k, checked: ``_fail(k)`` where it comes out differently."""
        kind, a, b, number, result = self.layout.guards[k]
        if kind in CONVERSIONS:
            test = self._conversion_differs(kind, self.val[a], number, result)
            self.lines.append(f"if {test}: _fail({k})")
            return
        rhs = self.val[b] if b is not None else self.ns.literal(number)
        test = f"{self.val[a]} {kind} {rhs}"
        self.lines.append(f"if not ({test}): _fail({k})" if result else
                          f"if {test}: _fail({k})")

    def _conversion_differs(self, kind, x, number, result):
        """An expression that is true where ``kind(x)`` (``round(x, number)``) differs from
        ``result``: ints compared with ==, floats by their bits (NaN is NaN)."""
        ns = self.ns
        if kind == "float":
            call = x                                    # x is the float itself
        elif kind == "round":
            call = f"round({x})" if number is None else f"round({x}, {ns.constant(number)})"
        else:
            call = f"{ns.function(CONVERT[kind])}({x})"
        if type(result) is float:
            return f"not {ns.function(same_float)}({call}, {ns.literal(result)})"
        return f"{call} != {ns.constant(result) if type(result) is not int else result}"

    def activation(self, a, value):
        """The activation node a's op code with ``value`` as its input (the same for
        every neuron of a shape: worked out once)."""
        node = self.g.nodes[a]
        key = (node.op, node.constant, value)
        code = self.activations.get(key)
        if code is None:
            _, operands = core.op_inputs(node)
            inputs = [value if isinstance(x, core.Value) else self.ns.literal(x)
                      for x in operands]
            code = self.activations[key] = op_code(node, inputs, "V[h]", self.ns)
        return code

    def _neurons(self, group):
        """z = b + w_1 x_1 + ... (as core.weighted_sum adds it up), h = act(z): one
        row of a table per neuron, one call of the shape's kernel per layer."""
        g, slot = self.g, self.slot
        get = slot.__getitem__
        rows = []
        for w, a in group:
            ps = g.parents[w]
            n = len(ps) // 2
            rows.append((slot[ps[-1]], tuple(zip(map(get, ps[:n]), map(get, ps[n:2 * n]))),
                         slot[w], slot[a]))
        U = self.tuples[group[-1][1]] = self.ns.constant(tuple(rows), "_U")
        w, a = group[0]
        activation = self.activation(a, "_s")[0]
        self.shape[group[-1][1]] = shape = (f"neurons of {len(g.parents[w]) // 2} inputs: "
                                            f"h = {activation.replace('_s', 'z')}")
        kernel = self.kernels.add("(V, U)", [
            "for b, T, z, h in U:", "    _s = V[b]",
            "    for i, j in T: _s += V[i] * V[j]      # z = b + w_1 x_1 + ...",
            "    V[z] = _s", f"    V[h] = {activation}"], f"forward, {shape}")
        self.lines.append(f"{kernel}(V, {U})  # {len(group)} {shape}".replace(
            "1 neurons", "1 neuron"))


def _shown(node, operands, where, nodes, val):
    """The node's op written with its operands' labels, for a comment: ``a * b``."""
    spec, _ = core.op_inputs(node)
    names = [(show(nodes[p].label) or val[p]) if p is not None else repr(x)
             for p, x in zip(where, operands)]
    template = OPERATORS.get(spec.forward)
    return template.format(*names) if template else f"{spec.name}({', '.join(names)})"
