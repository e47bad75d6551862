"""The chain-rule paths from ``wrt`` up to ``output``: ``paths(output, wrt)``.

Every path contributes the product of the local derivatives along it (each stored on the
graph by the forward pass, ``node.local_grads``), and the gradient is the sum over paths:

    dE/dw = sum over paths  prod over edges (d child / d parent)

A path is shown in steps (``via``): by default layer by layer, at each activation's output
and input, or at the labelled nodes when no activation is on the way; a step over several
nodes is the product of their local derivatives. Paths can grow exponentially with depth:
they are counted first (``analysis.count_paths``, dynamic programming) and listed only up
to a limit; ``PathGraph`` is what ``paths`` and ``explain`` read of the graph.
"""

import math
import reprlib
from itertools import pairwise
from numbers import Integral

from ..core import Value
from ..util.gc_pause import collector_paused
from .analysis import PATH_CAP, analyse, count_paths
from .mlp import ACTIVATION_OPS
from .naming import printable

__all__ = ["paths", "Path", "PathGraph", "check_arguments", "count_text"]

_MAX_PRECISION = 30
_MODES = ("auto", "labels", "all")


# ---------------------------------------------------------------------- arguments
def _describe(x):
    return f"{type(x).__name__}: {reprlib.repr(x)}"


def _check_int(fn, name, x, low, high=None, meaning=""):
    """``x`` must be an int in [low, high]: TypeError / ValueError naming it otherwise."""
    bounds = f"from {low} to {high}" if high is not None else f">= {low}"
    what = f"{fn}: {name} must be an int {bounds}{meaning}"
    if isinstance(x, bool) or not isinstance(x, Integral):
        raise TypeError(f"{what}, got {_describe(x)}")
    if x < low or high is not None and x > high:
        raise ValueError(f"{what}, got {x!r}")


def _check_via(fn, via):
    """``via``: a mode, a label, a Value, or a list/tuple/set of labels and Values."""
    items = [via] if isinstance(via, (str, Value)) else via
    if isinstance(via, str) and via in _MODES:
        return
    if not isinstance(items, (list, tuple, set, frozenset)):
        raise TypeError(f"{fn}: via must be 'auto', 'labels', 'all', a label, a Value, or a "
                        f"list of labels and Values; got {_describe(via)}")
    for item in items:
        if not isinstance(item, (str, Value)):
            raise TypeError(f"{fn}: via must hold Values or labels, got {_describe(item)}")
        if item == "":
            raise ValueError(f"{fn}: via holds an empty label ''; unlabelled nodes cannot be "
                             f"named, pass the Value itself")


def check_arguments(fn, output, wrt, via, limit_name, limit, precision=9):
    for name, v in (("output", output), ("wrt", wrt)):
        if not isinstance(v, Value):
            raise TypeError(f"{fn}: {name} must be a Value, got {_describe(v)}")
    _check_via(fn, via)
    _check_int(fn, limit_name, limit, 1)
    _check_int(fn, "precision", precision, 0, _MAX_PRECISION, " (the decimals shown)")


def _operand(v, slot):
    """Which operand of ``v`` slot ``slot`` is: 'left operand', 'operand 3'."""
    if len(v.parents) == 2:
        return ("left", "right")[slot] + " operand"
    return f"operand {slot + 1}"


# ---------------------------------------------------------------------- the paths
class Path:
    """One chain-rule path from ``wrt`` up to ``output``, shown in steps.

    nodes     the Values it steps through, from ``output`` down to ``wrt``
    steps     their names
    factors   ``factors[k]`` = ∂nodes[k]/∂nodes[k+1] along this path (the product of the
              local derivatives of the edges a step spans)
    operands  ``operands[k]``: which operand of ``nodes[k]`` the path takes ("left
              operand", "operand 3") where ``nodes[k+1]`` is more than one of them, else None
    value     the product of every local derivative on the path; the paths' values sum
              to d output / d wrt
    through   a short description: 'through out_o1, net_o1, out_h1, net_h1'
    """

    __slots__ = ("nodes", "steps", "factors", "operands", "value", "through")

    def __init__(self, nodes, steps, factors, operands, value):
        self.nodes, self.steps, self.factors = nodes, steps, factors
        self.operands, self.value = operands, value
        self.through = _through(steps, operands)

    def __repr__(self):
        return f"<Path {self.through}: {self.value!r}>"


def _through(steps, operands):
    """'through b as left operand of c, a as right operand of b', or 'directly'; of a long
    path, the first 4 and last 3 steps and every operand note, '…(n more)…' between."""
    parts = [(k, f"{steps[k]} as {operands[k - 1]} of {steps[k - 1]}" if operands[k - 1]
              else steps[k]) for k in range(1, len(steps))
             if operands[k - 1] or k < len(steps) - 1]
    shown, last = [], -1
    for i, (k, text) in enumerate(parts):
        if operands[k - 1] or i < 4 or i >= len(parts) - 3:
            if i > last + 1:
                shown.append(f"…({i - last - 1} more)…")
            shown.append(text)
            last = i
    return "through " + ", ".join(shown) if shown else "directly"


def _keep_filter(via, order, on_paths, fn):
    """Which nodes a path is shown stepping at (besides its two ends)."""
    if via == "auto":                       # out = g(net) and net, layer by layer
        keep = {v for v in on_paths if v.op in ACTIVATION_OPS}
        keep.update(p for v in list(keep) for p in v.parents if p in on_paths)
        if keep:
            return keep.__contains__
        via = "labels"
    if via == "labels":
        return lambda v: bool(v.label)
    if via == "all":
        return lambda v: True
    items = [via] if isinstance(via, (str, Value)) else via
    values = {x for x in items if isinstance(x, Value)}
    labels = {x for x in items if isinstance(x, str)}
    in_graph = set(order)
    missing = sorted(labels - {v.label for v in order}) + [
        reprlib.repr(x) for x in values if x not in in_graph]
    if missing:
        raise ValueError(f"{fn}: via names nodes that are not in the graph: {missing}")
    return lambda v: v in values or v.label in labels


class PathGraph:
    """What ``explain`` and ``paths`` need of the graph below ``output``: the nodes in
    topological order, their names, the path counts and derivatives from ``wrt``."""

    def __init__(self, output, wrt, via, fn):
        self.output, self.wrt = output, wrt
        analysis = analyse(output, names=True, distinct=True)
        self.order, self.names = analysis.order, analysis.names
        counts = count_paths(self.order, wrt)
        self.count, self.deriv = counts.count, counts.deriv
        self.n_paths = self.count.get(output, 0)
        self.keep = _keep_filter(via, self.order, self.count, fn)
        self.position = analysis.index
        self._reach = {}

    def reach(self, low, high):
        """The nodes from ``low`` up to ``high`` (in topological order) computed from
        ``low``: a scan of that stretch of the order only, cached."""
        key = (low, high)
        if key not in self._reach:
            reach = {low}
            for u in self.order[self.position[low] + 1:self.position[high] + 1]:
                if any(p in reach for p in u.parents):
                    reach.add(u)
            self._reach[key] = reach
        return self._reach[key]

    def walk(self):
        """Every path from ``output`` down to ``wrt``, depth first, operand by operand, as
        ``(nodes, locals, slots, value)``: ``locals[k]`` = d nodes[k] / d nodes[k+1] and
        ``slots[k]`` the operand of nodes[k] it is. A trail is a linked list of the edges
        taken, ``(node above, local, slot, trail)``, so a step is O(1) on long chains."""
        stack = [(self.output, None, 1.0)]
        while stack:
            v, trail, value = stack.pop()
            if v is self.wrt:
                yield _unwind(v, trail) + (0.0 if value is None else value,)
                continue
            edges = v.edges
            for slot in range(len(edges) - 1, -1, -1):
                p, d = edges[slot]
                if p in self.count:                 # a masked edge makes the path exactly 0
                    step = (value * d if value is not None else None) if d is not None \
                        else None
                    stack.append((p, (v, d, slot, trail), step))

    def stops(self, nodes):
        """Where a path's steps begin and end. A step over several edges is written
        ∂a/∂b, which is right only when it is the one route from b up to a: where a node
        on it has two operands computed from b (``x*x``, ``b + b``), every edge of that
        step is shown instead."""
        last = len(nodes) - 1
        stops = [0] + [i for i in range(1, last) if self.keep(nodes[i])] + [last]
        shown = set(stops)
        for a, b in pairwise(stops):
            if b - a > 1:
                reach = self.reach(nodes[b], nodes[a])
                shown.update(j for i in range(a, b)
                             if sum(p in reach for p in nodes[i].parents) > 1
                             for j in (i, i + 1))
        return sorted(shown)

    def path(self, nodes, locals_, slots, value):
        """A ``Path`` from one walked path: steps at ``stops``, each factor the product of
        the local derivatives it spans, each one-edge step told which operand it takes."""
        if len(nodes) == 1:                         # explain(x, x)
            name = self.names.get(nodes[0]) or printable(nodes[0].label) or "wrt"
            return Path(nodes * 2, [name] * 2, [1.0], [None], value)
        shown = self.stops(nodes)
        pairs = list(pairwise(shown))
        operands = [_operand(nodes[a], slots[a])
                    if b - a == 1 and sum(p is nodes[b] for p in nodes[a].parents) > 1
                    else None for a, b in pairs]
        return Path([nodes[i] for i in shown], [self.names[nodes[i]] for i in shown],
                    [_step_product(locals_[a:b]) for a, b in pairs], operands, value)

    def paths(self):
        return [self.path(*walked) for walked in self.walk()]

    def terms(self):
        """Per distinct operand u of ``output`` that depends on ``wrt``:
        ``(name, ∂output/∂u, ∂u/∂wrt, paths through u)``."""
        local, n = {}, {}
        for p, d in self.output.edges:
            if p in self.count:
                local[p] = local.get(p, 0.0) + (0.0 if d is None else d)
                n[p] = min(n.get(p, 0) + self.count[p], PATH_CAP)
        return [(self.names[p], local[p], self.deriv[p], n[p]) for p in local]


def _step_product(locals_):
    """The factor of a step over several edges: exactly 0 if one is masked (None: an
    inactive relu passes back 0 whatever arrives), else the product."""
    return 0.0 if any(d is None for d in locals_) else math.prod(locals_)


def _unwind(wrt, trail):
    """``(nodes, locals, slots)`` from output down to wrt, from a walk's trail."""
    nodes, locals_, slots = [wrt], [], []
    while trail is not None:
        above, local, slot, trail = trail
        nodes.append(above)
        locals_.append(local)
        slots.append(slot)
    return nodes[::-1], locals_[::-1], slots[::-1]


def paths(output, wrt, *, via="auto", limit=64):
    """Every chain-rule path from ``wrt`` up to ``output``, as a list of ``Path``.

    Each path's ``value`` is the product of the local derivatives along it, and
    ``sum(p.value for p in paths(y, x))`` = dy/dx (the gradient ``backward()`` gives).
    ``via`` picks the steps shown, as in ``explain``. ``[]`` when ``output`` does not
    depend on ``wrt``. Paths can grow exponentially with depth: past ``limit`` of them
    this raises ValueError with their number (counted, never enumerated).
    """
    check_arguments("paths", output, wrt, via, "limit", limit)
    with collector_paused():                # a graph has no cycles: the collector only costs
        graph = PathGraph(output, wrt, via, "paths")
        if graph.n_paths > limit:
            raise ValueError(f"paths: {count_text(graph.n_paths)} from "
                             f"{graph.names.get(wrt, 'wrt')} to {graph.names[output]}, more "
                             f"than limit={limit}; raise limit, or use explain(), which sums "
                             f"them per operand of output")
        return graph.paths() if graph.n_paths else []


def count_text(n):
    if n >= PATH_CAP:
        return f"more than {PATH_CAP:.0e} paths"
    return f"{n:,} path" + ("" if n == 1 else "s")
