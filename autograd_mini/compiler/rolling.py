"""Rolling: a stretch of the tape that repeats itself becomes one loop.

A chain ``y = y * a + b`` traced 150,000 times is 300,000 nodes with two shapes that
alternate. Written one line per node, CPython would take gigabytes and minutes to
compile it; rolled, it is a loop of two lines run 150,000 times. Rolling changes no float
operation and no order: the loop body is the straight-line code of one period, the
iterations run in the tape's order forward and in reverse order backward, so every
value and every gradient sum is the eager engine's, term for term.

``find_segments`` looks for periods: position i repeats position i - p when the nodes
have the same op, the same form (which operand is a constant) and parents at the same
distance (or both far away). ``Segment`` then works out, for each node of one period
(a *body* node), where its operands come from:

  ``("local", k)``    body node k of the same iteration (k before it)
  ``("carried", k)``  body node k of the previous iteration (held in a local across
                      iterations; before the first, the node just before the segment)
  ``("fixed", i)``    node i before the segment, the same in every iteration
  ``("index", col)``  a different node each iteration, read from the arrays V/G at the
                      positions ``col`` (one per iteration)
  ``("const", c)``, ``("ccol", col)``  the op's constant, the same or one per iteration
and which body nodes must keep their value per iteration (``stored``: the backward pass
needs it, or something reads it from elsewhere).
"""

import operator
import re

from .. import core
from .reader import op_code
from .source import Namespace

__all__ = ["Segment", "find_segments", "MAX_PERIOD", "MIN_ITERATIONS"]

MAX_PERIOD = 8              # the longest period looked for
MIN_ITERATIONS = 4          # the fewest repetitions worth a loop
_NEAR = 2 * MAX_PERIOD      # parents further back than this are "far"


def _keys(tape, lo, hi):
    """Per position in [lo, hi), what must repeat: (op, parent distances, has a
    constant); "" for a leaf; a key of its own (the position) for an n-ary node. A leaf
    parent counts as far away (a loop reads it by its slot, wherever it is)."""
    ops, parents, consts = tape.ops, tape.parents, tape.constants
    keys = list(range(lo, hi))

    def away(i, p):
        return i - p if i - p <= _NEAR and parents[p] else -1
    for k, i in enumerate(range(lo, hi)):
        ps = parents[i]
        if len(ps) == 2:
            keys[k] = (ops[i], away(i, ps[0]), away(i, ps[1]), consts[i] is None)
        elif len(ps) == 1:
            keys[k] = (ops[i], away(i, ps[0]), consts[i] is None)
        elif not ps:
            keys[k] = ""
    return keys


def find_segments(tape, excluded):
    """The repeating stretches of the output's graph, longest first, not overlapping and
    not touching ``excluded`` positions: a list of Segments."""
    taken, segments = bytearray(len(excluded)), []
    for stretch in re.finditer(b"\x00{%d,}" % (2 * MIN_ITERATIONS), bytes(excluded)):
        lo, hi = stretch.span()
        keys = _keys(tape, lo, hi)
        for size, p, start, count in _candidates(keys, lo):
            if any(taken[start:start + size]):
                continue                                 # overlaps a longer one
            segment = _fit(tape, start, p, count)
            if segment is not None:
                taken[segment.start:segment.end] = b"\x01" * (segment.end - segment.start)
                segments.append(segment)
    segments.sort(key=lambda s: s.start)
    return segments


def _same_numbers(column):
    """Is every number of the column the same float, bit for bit?"""
    first = column[0]
    if column.count(first) != len(column):          # == (and identity, for NaN)
        return False
    return first != 0.0 and first == first or len({c.hex() for c in column}) == 1


def _candidates(keys, lo):
    """(size, period, start, count) of every periodic stretch of keys, longest first."""
    n, out = len(keys), []
    for p in range(1, MAX_PERIOD + 1):
        if n < p * MIN_ITERATIONS or out and max(out)[0] > n - p:
            break                       # a shorter period already covers the stretch
        same = bytes(map(operator.eq, keys[p:], keys[:-p]))
        for m in re.finditer(b"\x01{%d,}" % (p * (MIN_ITERATIONS - 1)), same):
            start, stop = m.span()
            count = (stop + p - start) // p
            out.append((count * p, -p, lo + start, count))
    out.sort(reverse=True)
    return [(size, -p, start, count) for size, p, start, count in out]


def _fit(tape, start, period, count):
    """A Segment from ``start`` (dropping first iterations where one cannot start it),
    or None."""
    if all(not tape.parents[start + j] for j in range(period)):
        return None
    for _ in range(3):
        if count < MIN_ITERATIONS:
            return None
        segment = Segment(tape, start, period, count)
        if segment.ok:
            return segment
        start, count = start + period, count - 1
    return None


class Segment:
    """``count`` repetitions of ``period`` nodes from position ``start``: see the module
    docstring. ``ok`` is False if it cannot be a loop as it stands."""

    def __init__(self, tape, start, period, count):
        self.tape = tape
        self.start, self.period, self.count = start, period, count
        self.end = start + period * count
        self.ok = False
        body = [self._node(j) for j in range(period)]
        if None in body:
            return
        self.body = body                    # per body node: (spec, operand kinds)
        self.leaf = [spec is None for spec, _ in body]
        if all(self.leaf):
            return                          # leaves alone: nothing to compute
        self.stored = set()
        self.carried = {k for _, ins in body for kind, k in ins if kind == "carried"}
        self._values_needed()
        self.ok = self._outside() and self._entries()
        self.stored -= {j for j in range(period) if self.leaf[j]}   # leaves have slots
        self.number = -1                    # set by the Layout

    def position(self, r, j):
        """The tape position of body node j in iteration r."""
        return self.start + r * self.period + j

    def positions(self, j):
        return range(self.start + j, self.end, self.period)

    def _node(self, j):
        """(spec, operand kinds) of body node j (spec None for a leaf), or None if its
        instances differ in what the loop cannot vary."""
        tape, first = self.tape, self.start + j
        nodes, parents = tape.nodes, tape.parents
        op = nodes[first].op
        if any(nodes[i].op is not op for i in self.positions(j)):
            return None
        if not parents[first]:
            return None, ()
        spec, operands = core.op_inputs(nodes[first])
        kinds, q = [], 0
        for x in operands:
            if isinstance(x, core.Value):
                kinds.append(self._operand(j, q))
                q += 1
            else:
                column = [tape.constants[i] for i in self.positions(j)]
                kinds.append(("const", column[0]) if _same_numbers(column) else
                             ("ccol", column))
        return (spec, kinds) if None not in kinds else None

    def _operand(self, j, q):
        """Where parent q of body node j comes from (see the module docstring)."""
        parents, start, p = self.tape.parents, self.start, self.period
        column = [parents[i][q] for i in self.positions(j)]
        d = start + j - column[0]
        if all(i - x == d for i, x in zip(self.positions(j), column)) and d <= p:
            return ("local", j - d) if d <= j else ("carried", j - d + p)
        if column.count(column[0]) == len(column) and column[0] < start:
            return ("fixed", column[0])
        return ("index", column)

    def index_reads(self):
        """The positions outside the loop it reads by index (they need slots)."""
        return [i for _, ins in self.body for kind, x in ins if kind == "index"
                for i in x if i < self.start]

    def _values_needed(self):
        """Store each body node whose value the backward pass reads (its op's local
        derivatives are written with its inputs or its output)."""
        ns = Namespace()
        for j, (spec, kinds) in enumerate(self.body):
            if spec is None:
                continue
            names = [f"Q{q}_" if kind in ("local", "carried") else "1.5"
                     for q, (kind, _) in enumerate(kinds)]
            local = op_code(self.tape.nodes[self.start + j], names, "QO_", ns)[1]
            text = " ".join(f"{d} {getattr(d, 'times', '') or ''}" for d in local
                            if type(d) is not float)
            if "QO_" in text:
                self.stored.add(j)
            for q, (kind, x) in enumerate(kinds):
                if kind in ("local", "carried") and f"Q{q}_" in text:
                    self.stored.add(x)

    def _outside(self):
        """Mark body nodes whose value is read from outside the loop (or by an "index"
        operand) as stored; the last iteration's may be read as locals (``exits``)."""
        tape, start, end = self.tape, self.start, self.end
        for _, ins in self.body:
            for kind, x in ins:
                if kind == "index":
                    for i in x:
                        if i >= start:
                            self.stored.add((i - start) % self.period)
        self.exits = {}
        first, more = tape.readers()
        for j in range(self.period):
            if j in self.stored or self.leaf[j]:
                continue
            positions = self.positions(j)
            if any(first[i] >= end or i in more and more[i][-1] >= end
                   for i in positions[:-1]):
                self.stored.add(j)
            elif first[positions[-1]] >= end or any(c >= end for c in
                                                    more.get(positions[-1], ())):
                self.exits[j] = positions[-1]
        for j in self.stored:
            self.exits.pop(j, None)
        return True

    def _entries(self):
        """The nodes just before the loop that its first iteration reads as carried
        values (``entries``: body node -> position): each needs a name, and the loop's
        gradient for it must add up as backward() adds it (see ``entry_ok``)."""
        self.entries = {k: self.start - self.period + k for k in self.carried}
        return all(e >= 0 and self.entry_ok(k, e) for k, e in self.entries.items())

    def entry_ok(self, k, e):
        """The first iteration's carried reads of node e (before the loop) add up to one
        sum, added to e's gradient after the loop: the same float sum as eager's only
        if e has no other reader inside the loop, and no earlier gradient when the loop
        reads it twice or more."""
        start, end = self.start, self.end
        consumers = self.tape.consumers(e)
        inside = [c for c in consumers if start <= c < end]
        first = [c for c in inside if c < start + self.period]
        if len(first) != len(inside):
            return False
        return len(first) <= 1 or len(consumers) == len(first)
