"""Evaluating quantities on the engine for ``check_derivation``: ``Numbers`` computes
values, derivatives and steps of a ``derivation_graph.Network`` from the engine's own
numbers, or with a learner's written numbers in place of computed ones (see
``derivation_graph`` for what the quantities mean).
"""

import math

from ..core import MASKED, Value, op_inputs
from .derivation_graph import Given

__all__ = ["Numbers"]


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
            ds = _local(node, op, inputs, bxs, out, same and out == node.data)
            written = self._written(("value", name), mark=False) if node is top else None
            if written is not None and written != out:  # the learner's out, where it counts
                ds_written = _local(node, op, inputs, bxs, written, False)
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
        if self.net.is_leaf(name) and self.net.params and name not in self.net.params:
            x = self.value(name)                # not a parameter: a step leaves it as is
        elif self.net.is_leaf(name):
            x = self.value(name) - self.eta * self.derivative(self.net.root, name)
        else:
            after = Numbers(self.net, self.given, self.exclude, self.eta,
                            leaf_data={p: self.step(p) for p in self.net.params},
                            after_step=True, at=self.at)
            x = after.value(name)
            self.used |= {("step", k[1]) for k in after.used}
        self._step[name] = x
        return x


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
