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

``Numbers`` evaluates keys. With nothing given it reads the engine's own forward values
and local derivatives (``.data``, ``.edges``); given a learner's numbers it uses each
written quantity in place of its computed value, as the learner would: their out_o1 in
E_o1, their dE_total/dout_o1 as a factor of dE_total/dw5, their dE_total/dw5 in w5's step.
"""

import bisect
import math

from ..core import MASKED, Value, op_inputs, topological_order

__all__ = ["Network", "Numbers", "Given", "is_name"]

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


def _float(f, *xs):
    try:
        y = f(*xs)
        return y if type(y) is float or y is MASKED else float(y)
    except (ArithmeticError, ValueError, TypeError):
        return math.nan


class Numbers:
    """Quantities of ``net`` evaluated from numbers: the engine's own, or with the
    learner's written ones (``given``, a ``Given``; ``exclude`` the key being checked,
    never used for itself; ``at`` the line it is computed for, which picks the learner's
    last line of a quantity before it). Variations for the diagnosis: ``values`` (key ->
    float used in place of a value), ``leaf_data`` (name -> a leaf's number in the forward pass),
    ``backward_leaf`` (Value -> a leaf's number inside local derivatives only),
    ``forward_hook(node, xs)`` / ``local_hook(node, xs, out, ds)`` (a node's forward or
    local derivatives replaced where they return something), ``fresh_forward`` (a new
    forward pass: the learner's values not used). ``used`` collects the
    learner's keys read."""

    def __init__(self, net, given=None, exclude=None, eta=0.5, values=None, leaf_data=None,
                 backward_leaf=None, forward_hook=None, local_hook=None, after_step=False,
                 at=None, fresh_forward=False):
        self.net, self.given, self.eta, self.at = net, given or Given(), eta, at
        self.exclude = frozenset([exclude] if isinstance(exclude, tuple) else exclude or ())
        self.values, self.leaf_data = values or {}, leaf_data or {}
        self.backward_leaf = backward_leaf or {}
        self.forward_hook, self.local_hook, self.after_step = forward_hook, local_hook, after_step
        self.fresh_forward = fresh_forward          # the learner's values not used
        self.pure = not (self.given.entries or self.values or self.leaf_data
                         or self.backward_leaf or forward_hook or local_hook)
        self.used = set()
        self._value, self._edges, self._adj, self._d, self._step = {}, {}, {}, {}, {}

    def _written(self, key, mark=True):
        if self.after_step and key[0] == "value":       # after the step: the learner's x+
            key = ("step", key[1])
        if key in self.values:
            return self.values[key]
        if key in self.exclude or key not in self.given.entries or (
                self.fresh_forward and key[0] == "value"):
            return None
        if mark:
            self.used.add(key)
        return self.given.pick(key, self.at).number.value

    def get(self, key):
        """The value of any key."""
        kind = key[0]
        if kind == "value":
            return self.value(key[1])
        if kind == "d":
            return self.derivative(key[1], key[2])
        return self.step(key[1])

    # ------------------------------------------------------------------ forward
    def value(self, name):
        if name not in self._value:
            todo, stack = set(), [name]         # what it needs, then parents first
            while stack:                        # (no recursion: a chain may be long)
                n = stack.pop()
                if n in todo or n in self._value:
                    continue
                todo.add(n)
                if not self.net.is_leaf(n) and self._written(("value", n), False) is None:
                    stack += self.net.parents[n]
            for n in sorted(todo, key=self.net.index.get):
                w = self._written(("value", n))
                if w is not None:
                    self._value[n] = w
                elif self.net.is_leaf(n):
                    self._value[n] = self.leaf_data.get(n, self.net.node[n].data)
                else:
                    self._value[n] = self._region(n)[0][self.net.node[n]]
        return self._value[name]

    def _boundary(self, v):
        return self.value(self.net.name[v]) if v in self.net.name else v.data

    def _region(self, name):
        """(values, local derivatives) of the region of ``name``: node -> float and
        node -> [(parent, d)], computed from the boundary's values."""
        if name in self._edges:
            return self._edges[name]
        top, region = self.net.node[name], self.net.regions[name]
        vals = {v: self._boundary(v) for v in region.boundary}
        back = dict(vals)
        back.update((v, x) for v, x in self.backward_leaf.items() if v in back)
        local = {}
        for node in region.interior:
            op, inputs = op_inputs(node)
            xs = [vals[x] if isinstance(x, Value) else x for x in inputs]
            unchanged = all(vals[p] == p.data for p in node.parents)
            out = self.forward_hook(node, xs) if self.forward_hook else None
            if out is None:
                out = node.data if unchanged else _float(op.forward, *xs)
            bxs = [back.get(x, vals[x]) if isinstance(x, Value) else x for x in inputs]
            same = unchanged and all(back.get(p, vals[p]) == p.data for p in node.parents)
            ds = self._local(node, op, inputs, bxs, out, same and out == node.data)
            written = self._written(("value", name), mark=False) if node is top else None
            if written is not None and written != out:  # the learner's out, where it counts
                ds_written = self._local(node, op, inputs, bxs, written, False)
                if ds_written != ds:
                    self._written(("value", name))
                    ds = ds_written
                out = written
            vals[node] = out
            if self.local_hook:
                ds = self.local_hook(node, bxs, out, ds) or ds
            local[node] = list(zip(node.parents, ds))
        self._edges[name] = (vals, local)
        return self._edges[name]

    @staticmethod
    def _local(node, op, inputs, xs, out, same):
        """d node / d parent for each parent: the engine's recorded numbers when nothing
        changed, else the op's derivative functions on the new numbers (one per Value
        input; an n-ary op's own ``local_derivatives``); nan where one fails."""
        if same:
            return [0.0 if d is MASKED else d for _, d in node.edges]
        if len(op.derivatives) == len(inputs):
            ds = [_float(d, *xs, out) if callable(d) else d
                  for d, x in zip(op.derivatives, inputs) if isinstance(x, Value)]
        else:
            try:
                ds = [d for d, x in zip(op.local_derivatives(xs, out), inputs)
                      if isinstance(x, Value)]
            except (ArithmeticError, ValueError, TypeError):
                return [math.nan] * len(node.parents)
        return [0.0 if d is MASKED else _float(float, d) for d in ds]

    def edge(self, c, p):
        """dc/dp through c's region alone (p a named parent of c)."""
        if c not in self._adj:
            vals, local = self._region(c)
            adj = dict.fromkeys(vals, 0.0)
            adj[self.net.node[c]] = 1.0
            for node in reversed(self.net.regions[c].interior):
                for parent, d in local[node]:
                    if adj[node] != 0.0:
                        adj[parent] += adj[node] * d
            self._adj[c] = adj
        return self._adj[c][self.net.node[p]]

    # ------------------------------------------------------------------ backward
    def derivative(self, a, b):
        """dA/dB: reverse accumulation over the named nodes between B and A, using each
        derivative the learner wrote (``dA/dY``, ``dX/dY`` where X lies on every path
        from Y, or several such X that together cut every path) in place of its parts.
        Only the nodes the answer needs are visited (so ``used`` names what it read)."""
        if (a, b) in self._d:
            return self._d[(a, b)]
        w = self._written(("d", a, b))
        if w is not None:
            return w
        within = self.net.between(a, b)
        if a == b or not within:
            return 1.0 if a == b else 0.0
        plan, stack = {}, [b]
        while stack:
            y = stack.pop()
            if y not in plan and y != a:
                plan[y] = self._plan(y, a, within)
                stack += plan[y][1]
        adj = {a: 1.0}
        for y in sorted(plan, key=self.net.index.get, reverse=True):
            shortcut, xs = plan[y]
            total = 0.0
            for x in xs:
                if adj[x] != 0.0:
                    d = self._written(("d", x, y))
                    total += adj[x] * (d if d is not None or shortcut else self.edge(x, y))
            adj[y] = total
        self._d[(a, b)] = adj[b]
        return adj[b]

    def _plan(self, y, a, within):
        """How y's adjoint is formed: ``(True, xs)`` from written dX/dy for X in xs (one X
        on every path from y to a, or several that cut every path and lie on no path
        from one another), else ``(False, consumers of y)``."""
        net = self.net
        written = [x for x in self.given.by_den.get(y, ()) if x in within and x != y
                   and ("d", x, y) not in self.exclude]
        for x in sorted(written, key=net.index.get, reverse=True):
            if not net.reaches(y, a, within, avoiding={x}):
                return True, [x]
        if len(written) > 1 and not net.reaches(y, a, within, avoiding=set(written)) and \
                not any(x2 in net.ancestors(x1) for x1 in written for x2 in written if x1 != x2):
            return True, written
        return False, [c for c in net.consumers[y] if c in within]

    # ------------------------------------------------------------------ one step
    def step(self, name):
        """``name`` after one step of gradient descent (see the module's doc)."""
        if name in self._step:
            return self._step[name]
        w = self._written(("step", name))
        if w is not None:
            return w
        if self.net.is_leaf(name):
            x = self.value(name) - self.eta * self.derivative(self.net.root, name)
        else:
            after = Numbers(self.net, self.given, self.exclude, self.eta,
                            leaf_data={p: self.step(p) for p in self.net.params},
                            after_step=True, at=self.at)
            x = after.value(name)
            self.used |= {("step", k[1]) for k in after.used}
        self._step[name] = x
        return x
