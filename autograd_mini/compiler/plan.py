"""The plan of the generated code: which nodes are written as loops, and where each
node's value and gradient live.

Repeated structure is written as loops, with the same float operations in the same
order: a long sum (``sum(w_i * x_i)``, a chain of ``+`` nodes) is a loop over a tuple of
operands (a ``Run``), and a layer's neurons (each a ``wsum`` node and its activation) one
loop over a table with a row per neuron. ``Layout`` then decides each node's home: a
local ``v<i>``, or a slot of the arrays ``V``/``G`` (leaves, arguments, and nodes a loop
reads), or nowhere (nodes inside a loop).
"""

from array import array
from itertools import chain

from .rolling import find_segments
from .runs import find_runs

__all__ = ["find_neurons", "Program", "Layout"]

def find_neurons(graph, pinned):
    """Neurons written as one loop each layer: consecutive pairs (wsum node, the one op
    that reads it: its activation) of one shape, nothing but leaves between them."""
    ops, parents, consumers, consts = graph.ops, graph.parents, graph.consumers, \
        graph.constants
    groups, last, last_shape = [], -1, None
    for w in range(graph.n_main - 1):
        a = w + 1
        if (ops[w] != "wsum" or w in pinned or consumers(w) != [a] or a in pinned
                or len(parents[a]) != 1 or ops[a] == "wsum"):
            continue
        ps = parents[w]
        shape = (len(ps), ops[a], consts[a], len(set(ps)) == len(ps))
        if groups and shape == last_shape and all(not parents[k] for k in range(last + 1, w)):
            groups[-1].append((w, a))
        else:
            groups.append([(w, a)])
        last, last_shape = a, shape
    return groups


class Program:
    """What ``generate`` returns: the source, its namespace (the globals of ``step``),
    the signature of the graph and the leaves the code reads, by position."""

    def __init__(self, source, namespace, signature, leaves, guards, n_main):
        self.source = source
        self.namespace = namespace
        self.signature = signature
        self.leaf_positions, self.leaf_values = leaves      # the captured leaves
        self.guards = guards        # one text per guard, e.g. "x > 0.0", "floor(x)"
        self.n_main = n_main


class Layout:
    """Plans where each node's value and gradient live.

    A value lives in a local ``v<i>``, or in the array ``V`` (leaves, and nodes a loop
    reads); a gradient in ``g<i>`` or ``G``. Nodes inside a loop live nowhere.
    ``val[i]`` is the text of node i's value (None if it has none), ``slot[i]`` its
    index in V and G (or -1).
    """

    def __init__(self, tape, arg_of, n_args, guards):
        self.tape = tape
        self.n_args = n_args
        self.arg_of = arg_of            # position of an argument leaf -> argument index
        self.guards = guards            # (kind, position, position or None, number, result)
        pinned = {tape.n_main - 1}
        for _, a, b, _, _ in guards:
            pinned.update((a, b))
        self.runs = find_runs(tape, pinned, arg_of.__contains__)
        self.neurons = find_neurons(tape, pinned)
        self.neurons_at = {group[0][0]: group for group in self.neurons}    # forward
        self.neurons_end = {group[-1][1]: group for group in self.neurons}  # backward
        self.in_neurons = {i for group in self.neurons for unit in group for i in unit}
        self.run_at = {run.end: run for run in self.runs}
        self.segments = find_segments(tape, self._excluded(pinned))
        for k, seg in enumerate(self.segments):
            seg.number = k
        self.segment_at = {seg.start: seg for seg in self.segments}       # forward
        self.segment_end = {seg.end - 1: seg for seg in self.segments}    # backward
        self._place()
        self._visits()

    def _visits(self):
        """The positions the writers act at, ascending: nodes written one line each
        (``plain``), and where loops and guards go; nothing inside a loop."""
        g, n = self.tape, len(self.tape.nodes)
        looped = bytearray(n)
        for seg in self.segments:
            looped[seg.start:seg.end] = b"\x01" * (seg.end - seg.start)
        for i in self.in_neurons:
            looped[i] = 1
        kind, parents = self.val.kind, g.parents
        self.plain = plain = bytearray(n)
        for i in [i for i in range(n) if parents[i] and kind[i] != 1 and not looped[i]]:
            plain[i] = 1
        ready = [max(a, -1 if b is None else b) for _, a, b, _, _ in self.guards]
        marks = set(self.segment_at) | set(self.segment_end) | set(self.neurons_at) | \
            set(self.neurons_end) | set(ready)
        self.visits = sorted(marks.union(i for i in range(n) if plain[i]))

    def _excluded(self, pinned):
        """Positions no rolled loop may take: guarded and argument nodes, the output,
        nodes of runs and neurons, n-ary nodes."""
        out = bytearray(self.tape.n_main)
        for i in list(pinned) + list(self.arg_of) + list(self.in_neurons):
            if i is not None and i < len(out):
                out[i] = 1
        for run in self.runs:
            for i in run.positions:
                out[i] = 1
        for i, op in enumerate(self.tape.ops[:self.tape.n_main]):
            if op == "wsum":
                out[i] = 1
        return out

    def _place(self):
        """Decide each node's home: ``val[i]`` and ``slot[i]``."""
        g, n = self.tape, len(self.tape.nodes)
        self.slot = slot = [-1] * n
        self.val = Names(slot)
        objects, arrays = self._loop_operands()
        arg_of = self.arg_of
        captured = array("l", [i for i, ps in enumerate(g.parents) if not ps and i not in arg_of])
        self.main_leaves = [i for i in captured if i < g.n_main and i not in objects]
        order = self.main_leaves + [i for i in captured if i >= g.n_main]
        for k, i in enumerate(order):
            slot[i] = k
        base = len(order)
        for i, k in self.arg_of.items():
            slot[i] = base + k
        computed = sorted(i for i in arrays if g.parents[i])
        base += self.n_args
        for k, i in enumerate(computed):
            slot[i] = base + k
        self.n_computed = len(computed) + self._place_segments(base + len(computed))
        self.val.clear(objects)
        self.read_leaves = [g.nodes[i] for i in order]      # V starts with their data
        self.captured = (captured, [g.nodes[i] for i in captured])

    def _loop_operands(self):
        """The nodes loops read straight from their Values (``objects``) and from the
        arrays V/G (``arrays``); run-internal nodes get no home."""
        g, objects, arrays = self.tape, set(), set()
        for run in self.runs:
            self.val.clear(run.links[:-1])
            if run.pattern[0] != "+":
                self.val.clear(run.terms)
            (objects if run.pattern[1] == "o" else arrays).update(
                chain.from_iterable(run.operands))
        for i in [i for i, op in enumerate(g.ops) if op == "wsum"]:
            arrays.update(g.parents[i])
        arrays.update(self.in_neurons)
        for seg in self.segments:
            arrays.update(seg.index_reads())
        return objects, arrays

    def _place_segments(self, base):
        """Slots for the stored nodes of rolled loops (one per iteration, one more before
        the first for a carried node's entry value), names for the last iteration's
        nodes read after the loop; no home for the others. Returns how many slots."""
        self.segment_slots = {}
        used = 0
        for seg in self.segments:
            for j in range(seg.period):
                positions = seg.positions(j)
                if seg.leaf[j]:
                    continue
                if j in seg.stored:
                    first = base + used + (1 if j in seg.carried else 0)
                    self.segment_slots[(seg.number, j)] = base + used
                    used += seg.count + (1 if j in seg.carried else 0)
                    for r, i in enumerate(positions):
                        self.slot[i] = first + r
                    continue
                self.val.clear(positions)
                if j in seg.exits:
                    self.val[seg.exits[j]] = f"t{seg.number}_{j}"
        return used


class Names:
    """``val[i]``: the text of node i's value in the generated code: ``V[k]`` for a node
    with a slot, ``v<i>`` for one in a local, None for one with no home (inside a loop),
    or a name set for it (``t<S>_<j>``: the last iteration of a rolled loop). One byte
    per node, not one string."""

    __slots__ = ("slot", "kind", "texts")

    def __init__(self, slot):
        self.slot = slot
        self.kind = bytearray(len(slot))        # 0: by its slot; 1: no home; 2: texts
        self.texts = {}

    def __getitem__(self, i):
        k = self.kind[i]
        if k == 0:
            s = self.slot[i]
            return f"V[{s}]" if s >= 0 else f"v{i}"
        return None if k == 1 else self.texts[i]

    def clear(self, positions):
        """No home for the nodes at these positions."""
        kind = self.kind
        for i in positions:
            kind[i] = 1

    def __setitem__(self, i, text):
        if text is None:
            self.kind[i] = 1
        else:
            self.kind[i] = 2
            self.texts[i] = text
