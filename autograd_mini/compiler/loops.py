"""Writing a rolled Segment (``rolling.py``) as a forward loop and a backward loop.

Forward, body node j of iteration r is the local ``t<S>_<j>``; a carried operand reads
the same local before the iteration overwrites it. A stored node also goes to its slot
of V (one per iteration, and one before the first for a carried node's entry value).
Backward runs the iterations in reverse, body nodes last to first, each adding its
contributions as backward() does: to G for stored nodes, leaves and nodes read by index;
to ``h<S>_<k>`` for a node whose gradient crosses iterations (re-started by the first
carried contribution after the node has been read); to a per-iteration local otherwise.
"""

from .finite import needs_check, unchecked
from .reader import op_code

__all__ = ["LoopWriter"]


class LoopWriter:
    """Writes Segments for a Layout: ``forward(seg)`` and ``backward(seg, bw)``."""

    def __init__(self, layout, ns):
        self.layout = layout
        self.ns = ns

    # ---------------------------------------------------------------- texts
    def _texts(self, seg, index, backward):
        """Per body node: its value's text (forward: the local; backward: its slot) and
        its gradient's slot text (stored nodes and leaves), for this loop."""
        L, S = self.layout, seg.number
        value, grad, prev = {}, {}, {}
        for j in range(seg.period):
            if j in seg.stored or seg.leaf[j]:
                if seg.leaf[j]:
                    seq = [L.slot[i] for i in seg.positions(j)]
                    if j in seg.carried:            # the previous iteration's leaf
                        prev[j] = index([L.slot[seg.entries[j]]] + seq[:-1])
                else:
                    base = L.segment_slots[(S, j)]
                    first = base + (1 if j in seg.carried else 0)
                    seq = list(range(first, first + seg.count))
                    if j in seg.carried:
                        prev[j] = index(list(range(base, base + seg.count)))
                grad[j] = f"G[{index(seq)}]"
                value[j] = f"V[{index(seq)}]" if backward else f"t{S}_{j}"
            else:
                value[j] = f"t{S}_{j}"
        return value, grad, prev

    def _inputs(self, seg, j, value, prev, index, backward):
        """The texts of body node j's op inputs (the constant in its place)."""
        L, ns, out = self.layout, self.ns, []
        for kind, x in seg.body[j][1]:
            if kind == "local":
                out.append(value[x])
            elif kind == "carried":
                out.append(f"V[{prev[x]}]" if backward and x in prev else
                           f"t{seg.number}_{x}" if not backward else value[x])
            elif kind == "fixed":
                out.append(L.val[x])
            elif kind == "index":
                out.append(f"V[{index([L.slot[i] for i in x])}]")
            elif kind == "const":
                out.append(ns.literal(x))
            else:
                out.append(self._column(seg, x))
        return out

    def _column(self, seg, column):
        key = id(column)
        name = seg.columns.get(key)
        if name is None:
            name = seg.columns[key] = f"c{len(seg.columns)}"
            seg.column_values[name] = self.ns.constant(tuple(column), "_C")
        return name

    # ---------------------------------------------------------------- forward
    def forward(self, seg, probes):
        """The segment's forward loop, as lines; the texts of the values the finiteness
        check must see are added to ``probes`` (finite.py)."""
        L, S = self.layout, seg.number
        ops = [L.tape.ops[seg.start + j] for j in range(seg.period)]
        running = unchecked(seg, ops)
        seg.columns, seg.column_values = {}, {}
        names, iterables, index = _iteration(seg, self.ns)
        value, _, _ = self._texts(seg, index, False)
        before, body = [], []
        for k in sorted(seg.carried):
            before.append(f"t{S}_{k} = {L.val[seg.entries[k]]}")
            if k in seg.stored:
                before.append(f"V[{L.segment_slots[(S, k)]}] = t{S}_{k}")
        for j in range(seg.period):
            if seg.leaf[j]:
                body.append(f"t{S}_{j} = V[{index([L.slot[i] for i in seg.positions(j)])}]")
                continue
            inputs = self._inputs(seg, j, value, {}, index, False)
            node = L.tape.nodes[seg.start + j]
            body.append(f"t{S}_{j} = {op_code(node, inputs, value[j], self.ns)[0]}")
            if j in seg.stored:
                body.append(f"V[{self._slot(seg, j, index)}] = t{S}_{j}")
        if running:
            before.append(f"_p{S} = 0.0")
            body.append(f"_p{S} += {' + '.join(f't{S}_{j}' for j in running)}")
            probes.append(f"_p{S}")
        probes += [f"t{S}_{j}" for j in sorted(seg.exits) if needs_check(ops[j])]
        names += list(seg.column_values)
        iterables += list(seg.column_values.values())
        seg.loop = (names, iterables)
        head = (f"# {seg.count} x {seg.period} nodes, positions {seg.start}..{seg.end - 1}: "
                f"{' '.join(L.tape.ops[seg.start + j] or 'leaf' for j in range(seg.period))}")
        return [head] + before + [_header(names, iterables, seg.count, False)] + \
            ["    " + line for line in body]

    def _slot(self, seg, j, index):
        base = self.layout.segment_slots[(seg.number, j)]
        first = base + (1 if j in seg.carried else 0)
        return index(list(range(first, first + seg.count)))

    # ---------------------------------------------------------------- backward
    def backward(self, seg, bw):
        """The segment's backward loop, written into ``bw.lines``; ``bw`` (the
        BackwardWriter) keeps the gradients of the nodes outside the loop."""
        L, S = self.layout, seg.number
        idx_names, idx_iterables, index = _iteration(seg, self.ns)
        value, grad, prev = self._texts(seg, index, True)
        h = {k for k in seg.carried - seg.stored if not seg.leaf[k]} | set(seg.exits)
        for k in sorted(h):
            start = bw.grad_text(seg.exits[k]) if k in seg.exits else 0.0
            bw.lines.append(f"h{S}_{k} = {bw.text(start)}")
        fixed = self._fixed(seg, bw)
        outer, bw.lines = bw.lines, []
        state, started = {}, set()
        for j in range(seg.period - 1, -1, -1):
            if seg.leaf[j]:
                continue
            if j in grad:
                g = grad[j]
            elif j in h:
                g = f"g{S}_{j}"                 # h is re-started below: keep this one
                bw.lines.append(f"{g} = h{S}_{j}")
                if j not in seg.carried:
                    bw.lines.append(f"h{S}_{j} = 0.0")
            else:
                g = state.get(j, 0.0)
            inputs = self._inputs(seg, j, value, prev, index, True)
            node = L.tape.nodes[seg.start + j]
            local = op_code(node, inputs, value[j], self.ns)[1]
            targets = [x for x in seg.body[j][1] if x[0] not in ("const", "ccol")]
            for (kind, x), d in zip(targets, local):
                c = bw.contribution(d, g)
                self._push(seg, kind, x, c, bw, state, started, grad, prev, index, fixed)
        body = bw.lines
        bw.lines = outer
        names, iterables = idx_names + list(seg.column_values), \
            idx_iterables + list(seg.column_values.values())
        bw.lines.append(_header(names, iterables, seg.count, True))
        bw.lines += ["    " + line for line in body] or ["    pass"]
        for k in sorted(seg.carried):
            if not seg.leaf[k]:                     # a leaf's went to its slot directly
                text = f"G[{L.segment_slots[(S, k)]}]" if k in seg.stored else f"h{S}_{k}"
                bw.add(seg.entries[k], text)

    def _fixed(self, seg, bw):
        """Outside nodes every iteration reads (``fixed``) that keep their gradient in a
        local: a variable for it before the loop."""
        L, out = self.layout, {}
        for _, ins in seg.body:
            for kind, x in ins or ():
                if kind == "fixed" and L.slot[x] < 0 and x not in out:
                    out[x] = bw.materialize(x)
        return out

    def _push(self, seg, kind, x, c, bw, state, started, grad, prev, index, fixed):
        """Add contribution c to an operand's gradient, as backward() adds it."""
        S, L = seg.number, self.layout
        c = bw.text(c)
        if kind == "local":
            if x in grad:
                bw.lines.append(f"{grad[x]} += {c}")
            elif x in seg.carried or x in seg.exits:
                bw.lines.append(f"h{S}_{x} += {c}")
            else:
                state[x] = bw.accumulate(state.get(x), f"g{S}_{x}", c)
        elif kind == "carried":
            if x in prev:                           # stored, or a leaf: its slot
                bw.lines.append(f"G[{prev[x]}] += {c}")
            elif x in started:
                bw.lines.append(f"h{S}_{x} += {c}")
            else:
                started.add(x)
                bw.lines.append(f"h{S}_{x} = {c}")
        elif kind == "fixed":
            if L.slot[x] >= 0:
                bw.lines.append(f"G[{L.slot[x]}] += {c}")
            else:
                bw.lines.append(f"{fixed[x]} += {c}")
        else:
            bw.lines.append(f"G[{index([L.slot[i] for i in x])}] += {c}")


def _iteration(seg, ns):
    """The loop's variables and iterables, and how to write an index sequence (one int
    per iteration) as text: ``index(seq)``: a range variable where the ints step evenly
    (one per step size, the others as offsets from it), else a tuple."""
    names, iterables, steps = [], [], {}

    def index(seq):
        a = seq[0]
        b = seq[1] - a if len(seq) > 1 else 0
        if all(x == a + b * r for r, x in enumerate(seq)):
            if b == 0:
                return str(a)
            if b not in steps:
                steps[b] = (f"o{len(names)}", a)
                names.append(steps[b][0])
                iterables.append(f"range({a}, {a + b * len(seq)}, {b})")
            var, a0 = steps[b]
            return var if a == a0 else f"{var} + {a - a0}" if a > a0 else f"{var} - {a0 - a}"
        names.append(f"o{len(names)}")
        iterables.append(ns.constant(tuple(seq), "_I"))
        return names[-1]
    return names, iterables, index


def _header(names, iterables, count, backward):
    """``for ... in ...:`` over the iterables, reversed for the backward loop."""
    if not names:
        return f"for _ in range({count}):"
    its = [f"{it}[::-1]" if it.startswith("range") else f"reversed({it})"
           for it in iterables] if backward else iterables
    if len(names) == 1:
        return f"for {names[0]} in {its[0]}:"
    return f"for {', '.join(names)} in zip({', '.join(its)}):"
