"""The traced graph as arrays indexed by position in topological order (a tape), and its
compact signature (what a later eager run must reproduce)."""

import math
from array import array
from collections import Counter
from itertools import chain

from ..core import Value, topological_order

__all__ = ["Tape", "Signature", "graph_order"]

_NAN = math.nan


def graph_order(out, reads):
    """The output's graph in topological order, then the nodes only read by a guard
    (``reads``: the (kind, a, b, result) the engine reported; their values are needed
    for the guards): (order, number of nodes of the output's graph)."""
    order = topological_order(out)
    n_main = len(order)
    if reads:
        seen = set(order)
        for _, a, b, _ in reads:
            for v in (a, b):
                if isinstance(v, Value) and v not in seen:
                    for u in topological_order(v):
                        if u not in seen:
                            seen.add(u)
                            order.append(u)
    return order, n_main


class Tape:
    """The traced graph as arrays indexed by position in topological order.

    ``nodes`` holds the output's graph (the first ``n_main`` nodes, the output last),
    then nodes that were only read by a guard (their values are needed for it).
    ``parents[i]`` are positions; ``consumers(i)`` the positions of the nodes that read
    node i, ascending (one entry per use: ``x * x`` reads x twice). ``index`` (Value ->
    position) is there until ``drop_index()``: it is the largest part of a tape.
    """

    def __init__(self, order, n_main):
        self.nodes = order
        self.n_main = n_main
        self.index = index = dict(zip(order, range(len(order))))
        get = index.__getitem__
        self.ops = [v.op for v in order]
        self.parents = parents = []
        for v in order:             # one and two parents written out: 40% faster than map
            ps = v.parents
            k = len(ps)
            parents.append((get(ps[0]), get(ps[1])) if k == 2 else (get(ps[0]),) if k == 1
                           else tuple(map(get, ps)))
        self.constants = [v.constant for v in order]
        self._first = self._more = self._signature = self._counts = None

    def drop_index(self):
        self.index = None

    def _readers(self):
        """Who reads each node: the first reader's position, and all of them for a node
        read more than once (every node reading it counts, guarded ones too)."""
        first, more = array("l", [-1]) * len(self.nodes), {}
        for i, ps in enumerate(self.parents):       # ascending: each list is sorted
            for p in ps:
                if first[p] < 0:
                    first[p] = i
                elif p in more:
                    more[p].append(i)
                else:
                    more[p] = [first[p], i]
        self._first, self._more = first, more

    def readers(self):
        """(first, more): each node's first reader's position (-1: none), and every
        reader of the nodes read more than once."""
        if self._first is None:
            self._readers()
        return self._first, self._more

    def read_once(self):
        """A function telling whether node i is read by exactly one node (fast, for
        passes over every node)."""
        if self._counts is None:
            self._counts = Counter(chain.from_iterable(self.parents))
        counts = self._counts
        return lambda i: counts[i] == 1

    def uses(self, i):
        """How many times other nodes read node i."""
        if self._first is None:
            self._readers()
        more = self._more.get(i)
        return len(more) if more else (self._first[i] >= 0)

    def consumers(self, i):
        """The positions of the nodes that read node i, ascending."""
        if self._first is None:
            self._readers()
        more = self._more.get(i)
        return more if more else ([self._first[i]] if self._first[i] >= 0 else [])

    def signature(self):
        """What a later eager run must reproduce (a ``Signature``)."""
        if self._signature is None:
            self._signature = Signature(self.ops, map(len, self.parents),
                                        chain.from_iterable(self.parents), self.constants)
        return self._signature


class Signature:
    """Each node's op, parent positions and constant, in a few flat arrays (tens of
    bytes per node, kept with a trace). Constants compare by their bits (-0.0 is not
    0.0; every NaN is one NaN). ``Signature.of(order)`` reads an eager run's graph."""

    __slots__ = ("ops", "counts", "parents", "constants", "none")

    def __init__(self, ops, counts, parents, constants):
        self.ops = list(ops)
        self.counts = array("l", counts)
        self.parents = array("l", parents)
        constants = list(constants)
        self.none = bytes(c is None for c in constants)
        self.constants = array("d", [0.0 if c is None else c if c == c else _NAN
                                     for c in constants]).tobytes()

    @classmethod
    def of(cls, order):
        """The signature of the nodes ``order`` (in topological order)."""
        get = dict(zip(order, range(len(order)))).__getitem__
        counts, parents = array("l"), array("l")
        for v in order:
            ps = v.parents
            counts.append(len(ps))
            parents.extend(map(get, ps))
        return cls((v.op for v in order), counts, parents, (v.constant for v in order))

    def leaves(self, n=None):
        """The positions of the leaves (of the first n nodes)."""
        counts = self.counts if n is None else self.counts[:n]
        return [i for i, c in enumerate(counts) if not c]

    def __len__(self):
        return len(self.ops)

    def __eq__(self, other):
        return (isinstance(other, Signature) and self.ops == other.ops
                and self.counts == other.counts and self.parents == other.parents
                and self.none == other.none and self.constants == other.constants)

    __hash__ = None

    def node(self, i):
        """(op, parent positions, constant or None) of node i."""
        start = sum(self.counts[:i])
        parents = tuple(self.parents[start:start + self.counts[i]])
        c = None if self.none[i] else array("d", self.constants[8 * i:8 * i + 8])[0]
        return self.ops[i], parents, c

    def first_difference(self, other):
        """The first position where two signatures differ (None if they are equal)."""
        if self == other:
            return None
        a = b = 0
        for i in range(min(len(self), len(other))):
            na, nb = self.counts[i], other.counts[i]
            if (self.ops[i] != other.ops[i] or na != nb
                    or self.parents[a:a + na] != other.parents[b:b + nb]
                    or self.none[i] != other.none[i]
                    or self.constants[8 * i:8 * i + 8] != other.constants[8 * i:8 * i + 8]):
                return i
            a, b = a + na, b + nb
        return min(len(self), len(other))
