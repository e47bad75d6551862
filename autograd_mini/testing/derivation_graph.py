"""The engine's side of ``check_derivation``: a graph's named quantities and their values
computed from any numbers, the true ones or a learner's.

A *named* node is one a learner can write down: in the worked example every quantity of
the notes (i1, w5, net_h1, out_o1, E_o1, E_total, ...), in a learner's own graph every node
whose label is a name (no spaces or operators, used by one node only). Between named nodes
lie *regions* of unnamed nodes: ``net_o1 = w5*out_h1 + w6*out_h2 + b2`` is one region with
the named parents w5, out_h1, w6, out_h2, b2.

Quantities (``keys``) are tuples:
  ``("value", X)``    X's value (forward pass);
  ``("d", A, B)``     dA/dB, B treated as a variable: every path from B to A, with B's
                      own inputs held fixed (dout_o1/dnet_o1 = out_o1 (1 - out_o1),
                      dnet_o1/dw5 = out_h1, dE_o1/dout_h1 only through o1);
  ``("step", X)``     X after one gradient step: for a leaf ``X - eta dRoot/dX`` with every
                      gradient from the same forward pass; for another node its value
                      after every parameter took its step.

``derivation_values.Numbers`` evaluates keys. With nothing given it reads the engine's
own forward values and local derivatives (``.data``, ``.edges``); given a learner's
numbers it uses each
written quantity in place of its computed value, as the learner would: their out_o1 in
E_o1, their dE_total/dout_o1 as a factor of dE_total/dw5, their dE_total/dw5 in w5's step.
"""

import bisect

from ..core import topological_order

__all__ = ["Network", "Given", "is_name"]

_NOT_IN_NAMES = set(" \t\r\n=+-*/^(),|:;<>'\"`$\\{}[]~!?&%#@")


def is_name(label):
    """Can a label be written as a quantity's name (``net_h1``, ``L0.N1.w0``; not
    ``w1*i1`` or ``target_o1-out_o1``)?"""
    return bool(label) and isinstance(label, str) and not (_NOT_IN_NAMES & set(label)) \
        and not label[0].isdigit()


class Region:
    """The unnamed nodes between a named node and its nearest named ancestors:
    ``interior`` in topological order (the named node last), ``boundary`` the named
    parents and unnamed leaves (constants) they read."""
    __slots__ = ("interior", "boundary")

    def __init__(self, node, named):
        interior, boundary, seen, stack = [], [], {node}, [(node, iter(node.parents))]
        while stack:
            v, parents = stack[-1]
            for p in parents:
                if p in seen:
                    continue
                seen.add(p)
                if p in named or not p.parents:
                    boundary.append(p)
                else:
                    stack.append((p, iter(p.parents)))
                    break
            else:
                interior.append(stack.pop()[0])
        self.interior, self.boundary = interior, boundary


class Network:
    """A graph's named nodes: ``root`` (the output's name), ``node`` (name -> Value),
    ``name`` (Value -> name), ``order`` (names, topologically), ``parents`` /
    ``consumers`` (nearest named neighbours), ``params`` (the names a step updates),
    ``aliases`` (more spellings -> name), ``ambiguous`` (labels on several nodes),
    ``listing`` (the names in the order messages list them: leaves first) and a
    ``description`` for the report."""

    def __init__(self, root, names, params=(), aliases=None, description=""):
        order = topological_order(root)
        self.node = dict(names)
        self.name = {v: k for k, v in self.node.items()}
        self.order = [self.name[v] for v in order if v in self.name]
        self.index = {n: i for i, n in enumerate(self.order)}
        self.root = self.name[root]
        self.regions = {n: Region(self.node[n], self.name) for n in self.order
                        if self.node[n].parents}
        self.parents = {n: [] for n in self.order}
        self.consumers = {n: [] for n in self.order}
        for n, region in self.regions.items():
            for b in region.boundary:
                if b in self.name and self.name[b] not in self.parents[n]:
                    self.parents[n].append(self.name[b])
                    self.consumers[self.name[b]].append(n)
        self.params = [p for p in params if p in self.node]
        self.aliases = dict(aliases or {})
        self.ambiguous = {}
        self.description = description
        self.listing = sorted(self.order, key=lambda n: (not self.is_leaf(n), self.index[n]))
        self._up, self._down = {}, {}

    def is_leaf(self, name):
        return not self.node[name].parents

    def ancestors(self, name):
        """Named nodes ``name`` depends on (itself included)."""
        return self._closure(name, self.parents, self._up)

    def descendants(self, name):
        """Named nodes that depend on ``name`` (itself included)."""
        return self._closure(name, self.consumers, self._down)

    @staticmethod
    def _closure(name, edges, cache):
        if name not in cache:
            seen, stack = {name}, [name]
            while stack:
                for m in edges[stack.pop()]:
                    if m not in seen:
                        seen.add(m)
                        stack.append(m)
            cache[name] = frozenset(seen)
        return cache[name]

    def between(self, a, b):
        """Named nodes on some path from b up to a (both included; empty if none)."""
        return self.ancestors(a) & self.descendants(b)

    def reaches(self, y, a, within, avoiding=()):
        """Is there a path from y up to a inside ``within`` that avoids ``avoiding``?"""
        seen, stack = {y}, [y]
        while stack:
            n = stack.pop()
            if n == a:
                return True
            for c in self.consumers[n]:
                if c in within and c not in avoiding and c not in seen:
                    seen.add(c)
                    stack.append(c)
        return False

    def paths(self, a, b, limit=64):
        """The named paths from b up to a (lists of names, b first), or None when there
        are more than ``limit``."""
        within, found = self.between(a, b), []
        stack = [[b]]
        while stack:
            path = stack.pop()
            if path[-1] == a:
                found.append(path)
                if len(found) > limit:
                    return None
                continue
            stack += [path + [c] for c in self.consumers[path[-1]] if c in within]
        return found

    def cut_vertices(self, a, b):
        """Named nodes strictly between b and a that every path passes, in order from b."""
        within = self.between(a, b)
        return [n for n in sorted(within, key=self.index.get) if n not in (a, b)
                and not self.reaches(b, a, within, avoiding={n})]


class Given:
    """A learner's written quantities: ``lines`` (objects with ``key``, ``number`` (a
    Number) and ``line``), by key in ``entries``; ``by_den`` the numerators of the
    derivatives written with respect to each name."""

    def __init__(self, lines=()):
        self.entries = {}
        for ln in sorted(lines, key=lambda ln: ln.line):
            self.entries.setdefault(ln.key, []).append(ln)
        self.by_den, self._lines = {}, {}
        for key in self.entries:
            if key[0] == "d":
                self.by_den.setdefault(key[2], []).append(key[1])

    def pick(self, key, at=None):
        """The line of ``key`` a computation at line ``at`` uses: the last one before
        it, else the first (None if the quantity was not written)."""
        found = self.entries.get(key)
        if not found:
            return None
        if at is None:
            return found[-1]
        if key not in self._lines:
            self._lines[key] = [ln.line for ln in found]
        i = bisect.bisect_left(self._lines[key], at)
        return found[i - 1] if i else found[0]
