"""Take a gradient apart into its chain-rule paths: ``explain(output, wrt)``.

Every path from ``wrt`` up to ``output`` contributes the product of the local derivatives
along it (each stored on the graph by the forward pass, ``node.local_grads``), and the
gradient is the sum over paths:

    dE/dw = sum over paths  prod over edges (d child / d parent)

By default a path is shown layer by layer, the way a textbook writes it, stepping at each
activation's output and input (``∂E_total/∂out_o1 × ∂out_o1/∂net_o1 × ∂net_o1/∂w5``), or
at the labelled nodes when no activation is on the way; a step over several nodes is the
product of their local derivatives. ``via="labels"`` steps at every labelled node,
``via="all"`` shows every single local derivative. Unlabelled nodes are named as the notes
would: in an MLP's graph a neuron's weighted input and activation are ``L0.N1.z`` and
``L0.N1.a``; other nodes get their expression (``w1*i1``, ``tanh(a)``) or, when that is
long, their op and position (``sum7``). Two nodes never share a name (``b``, ``b#2``), and
where one node is two operands of the next (``b + b``) a step says which operand it takes.

explain() needs no ``backward()``: it computes the gradient from the stored local
derivatives itself, and compares it with ``wrt.grad`` when that has been filled in.
When the paths are too many to list (they can grow exponentially with depth), it says how
many there are (counted by dynamic programming, never enumerated) and shows the gradient
summed per operand of ``output`` instead. ``paths(output, wrt)`` gives the paths themselves
to other code. Time and memory are linear in the size of the graph (times the number of
paths listed).
"""

import math
import reprlib
from itertools import pairwise
from numbers import Integral
from typing import Callable, NamedTuple

from ..core import Value, topological_order
from ..util.gc_pause import collector_paused
from .graph import ACTIVATION_OPS, node_names, simple_name

__all__ = ["explain", "Explanation", "paths", "Path"]

_COUNT_CAP = 10 ** 18                   # path counts saturate here (they stay cheap ints)
_MAX_FACTORS = 16                       # longer paths (and sums) show their first and last
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


def _check_arguments(fn, output, wrt, via, limit_name, limit, precision=9):
    for name, v in (("output", output), ("wrt", wrt)):
        if not isinstance(v, Value):
            raise TypeError(f"{fn}: {name} must be a Value, got {_describe(v)}")
    _check_via(fn, via)
    _check_int(fn, limit_name, limit, 1)
    _check_int(fn, "precision", precision, 0, _MAX_PRECISION, " (the decimals shown)")


# ---------------------------------------------------------------------- names
def _fmt(x, precision):
    """``precision`` decimals without trailing zeros: 0.741365070 -> '0.74136507'."""
    if not math.isfinite(x):
        return repr(x)
    s = f"{x:.{precision}f}"
    if x != 0.0 and float(s) == 0.0:                # too small for fixed decimals
        return f"{x:.{max(precision, 1)}g}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


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


def _count_paths(order, wrt):
    """Forward over the graph from ``wrt``: ``{node: number of paths from wrt}`` (saturating
    at 10**18) and ``{node: d node / d wrt}`` for every node that depends on ``wrt``."""
    count, deriv = {wrt: 1}, {wrt: 1.0}
    for v in order:
        if v is wrt:
            continue
        n, d = 0, 0.0
        for p, local in v.edges:
            if p in count:
                n += count[p]
                if local is not None:               # a masked edge (relu off) adds 0
                    d += local * deriv[p]
        if n:
            count[v], deriv[v] = min(n, _COUNT_CAP), d
    return count, deriv


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


class _Graph:
    """What ``explain`` and ``paths`` need of the graph below ``output``: the nodes in
    topological order, their names, the path counts and derivatives from ``wrt``."""

    def __init__(self, output, wrt, via, fn):
        self.output, self.wrt = output, wrt
        self.order = topological_order(output)
        self.names = node_names(self.order, distinct=True)
        self.count, self.deriv = _count_paths(self.order, wrt)
        self.n_paths = self.count.get(output, 0)
        self.keep = _keep_filter(via, self.order, self.count, fn)
        self.position = {v: i for i, v in enumerate(self.order)}
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
            name = self.names.get(nodes[0]) or nodes[0].label or "wrt"
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
                n[p] = min(n.get(p, 0) + self.count[p], _COUNT_CAP)
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
    _check_arguments("paths", output, wrt, via, "limit", limit)
    with collector_paused():                # a graph has no cycles: the collector only costs
        graph = _Graph(output, wrt, via, "paths")
        if graph.n_paths > limit:
            raise ValueError(f"paths: {_count_text(graph.n_paths)} from "
                             f"{graph.names.get(wrt, 'wrt')} to {graph.names[output]}, more "
                             f"than limit={limit}; raise limit, or use explain(), which sums "
                             f"them per operand of output")
        return graph.paths() if graph.n_paths else []


def _count_text(n):
    if n >= _COUNT_CAP:
        return f"more than {_COUNT_CAP:.0e} paths"
    return f"{n:,} path" + ("" if n == 1 else "s")


def explain(output, wrt, *, via="auto", precision=9, max_paths=64):
    """Every chain-rule path from ``wrt`` to ``output``, with names and numbers.

    Each path is the product of its local derivatives; their sum is d output / d wrt,
    the number ``backward()`` leaves in ``wrt.grad`` (explain computes it itself, from
    the local derivatives stored at the forward pass, and says whether ``wrt.grad``
    agrees). ``via`` picks the steps a path is shown in: "auto" (the default: layer by
    layer, at each activation's output and input, ``∂E/∂out × ∂out/∂net × ∂net/∂w``, or at
    the labelled nodes when no activation is on the way), "labels" (every labelled node),
    "all" (every local derivative), or the Values/labels to step through. ``precision``:
    decimals shown (0 to 30). Over ``max_paths`` paths, the gradient is summarised per
    operand of ``output``. Returns an ``Explanation``: ``print`` it, or show it in Jupyter.
    """
    _check_arguments("explain", output, wrt, via, "max_paths", max_paths, precision)
    with collector_paused():                # a graph has no cycles: the collector only costs
        graph = _Graph(output, wrt, via, "explain")
        found, terms = [], None
        if graph.n_paths > max_paths:
            terms = graph.terms()
        elif graph.n_paths:
            found = graph.paths()
    names = (graph.names[output], graph.names.get(wrt) or wrt.label or "wrt")
    gradient = math.fsum([local * dx for _, local, dx, _ in terms] if terms
                         else [p.value for p in found])
    return Explanation(output, wrt, *names, found, graph.n_paths, gradient, terms,
                       precision, max_paths)


# ---------------------------------------------------------------------- rendering
def _tex(name):
    """A name in LaTeX: ``\\mathtt{E\\_total}``."""
    return r"\mathtt{" + "".join(_TEX.get(c, c) for c in name) + "}"


_TEX = {**{c: "\\" + c for c in "_#%&{}$"}, "\\": r"\backslash{}", "^": r"\hat{}",
        "~": r"\sim{}", "…": r"\ldots{}", ".": "{.}"}


class _Style(NamedTuple):
    """How one output format writes each piece of an explanation."""
    symbol: Callable        # a name inside an equation
    code: str               # a name in running text
    word: str               # words inside an equation
    partial: str            # ∂a/∂b, from two symbols
    operand: str            # a partial with the operand it takes
    times: str
    sigma: str
    more: str               # what stands for the factors (or terms) left out
    inline: str             # an equation inside running text
    header: str
    row: str                # one path (or operand): label, partials, numbers, note
    long_row: str           # the same with more than 3 factors
    per_line: int           # factors per line in a long row (0: one line)
    newline: str            # how a long row's product goes on on the next line
    paths_note: str         # how many paths an operand's row sums
    summary: str            # why the rows are per operand
    total: str              # the final equation
    words: str              # a remark after it
    no_path: str
    sep: str


_PLAIN_TEXT = _Style(
    symbol=lambda s: s if simple_name(s) else f"({s})", code="{}", word="{}",
    partial="∂{}/∂{}", operand="{} ({})", times=" × ", sigma="Σ", more="…({} more)…",
    inline="{}", header="{d}: {count} from {wrt} to {out}",
    row="  {label} {partials} = {numbers}{note}",
    long_row="  {label} {partials} = {numbers}{note}", per_line=0, newline="",
    paths_note="   ({} paths)",
    summary="  more than max_paths={m}, too many to list; summed per operand {u} of {out} "
            "instead, {eq}:",
    total="{}", words=" ({})", no_path="{eq}: {out} does not depend on {wrt} (no path)",
    sep="\n")

_MARKDOWN = _Style(
    symbol=lambda s: _tex(s) if simple_name(s) else f"({_tex(s)})", code="`{}`",
    word=r"\text{{{}}}",
    partial=r"\frac{{\partial {}}}{{\partial {}}}",
    operand=r"\underbrace{{{}}}_{{\text{{{}}}}}", times=r" \times ", sigma=r"\sum_{{{}}}",
    more=r"\ldots\text{{({} more)}}\ldots", inline="${}$",
    header="**{count}** from {wrt} to {out}:",
    row=r"$${label}\quad {partials} = {numbers}{note}$$",
    long_row=(r"$$\begin{{aligned}}{label}\quad & {partials} \\ "
              r"& = {numbers}{note}\end{{aligned}}$$"),
    per_line=5, newline=r" \\ & \times ",
    paths_note=r"\quad\text{{({} paths)}}",
    summary="More than `max_paths={m}` paths, too many to list; summed per operand {u} of "
            "{out} instead:\n\n$${eq}$$",
    total="$${}$$", words="\n\n({})",
    no_path="$${eq}$$\n\n{out} does not depend on {wrt} (no path).", sep="\n\n")


class Explanation:
    """The result of ``explain``: ``str()`` for text, Markdown with math in Jupyter.

    Attributes: ``paths`` (list of ``Path``, empty when summarised), ``n_paths`` (the
    number of paths, saturating at 10**18), ``gradient`` (the sum over paths),
    ``terms`` (when summarised: ``(operand name, local, d operand/d wrt, n_paths)``).
    """

    def __init__(self, output, wrt, out_name, wrt_name, paths, n_paths, gradient,
                 terms, precision, max_paths):
        self.output, self.wrt = output, wrt
        self.out_name, self.wrt_name = out_name, wrt_name
        self.paths, self.n_paths, self.gradient = paths, n_paths, gradient
        self.terms, self.precision, self.max_paths = terms, precision, max_paths

    def __str__(self):
        return _render(self, _PLAIN_TEXT)

    def __repr__(self):
        return str(self)

    def _repr_markdown_(self):
        return _render(self, _MARKDOWN)

    def _grad_status(self):
        """How ``wrt.grad`` compares with the sum: 'equal', 'unset' (0.0 where the sum is
        not), 'differs' (with the number), or None when there is nothing to compare."""
        g = self.wrt.grad
        if self.wrt.grad is self.output:            # explain(x.grad, x)
            return None, None
        g = g.data if isinstance(g, Value) else g
        if not isinstance(g, float):
            return None, None
        finite = math.isfinite(g) and math.isfinite(self.gradient)
        scale = max(abs(self.gradient), 1e-300)
        if g == self.gradient or finite and abs(g - self.gradient) <= 1e-9 * scale:
            return "equal", g
        return ("unset" if g == 0.0 else "differs"), g

    def _placeholder(self):
        """A name for 'an operand of output' that no node of the explanation has."""
        taken = {self.out_name, self.wrt_name, *(name for name, *_ in self.terms)}
        return next(u for u in ("u", "v", "ξ", *(f"u{i}" for i in range(len(taken) + 1)))
                    if u not in taken)


def _render(e, s):
    """An explanation in style ``s``: the header, one row per path (or per operand of the
    output when summarised), and the total with its comparison to ``wrt.grad``."""
    d = _partial(s, e.out_name, e.wrt_name)
    out, wrt = s.code.format(e.out_name), s.code.format(e.wrt_name)
    if e.n_paths == 0:
        return s.no_path.format(eq=f"{d} = 0", out=out, wrt=wrt)
    lines = [s.header.format(d=d, count=_count_text(e.n_paths), wrt=wrt, out=out)]
    if e.terms is None:
        lines += [_row(e, s, s.word.format(f"path {k}:"), p.steps, p.operands, p.factors,
                       p.value)
                  for k, p in enumerate(e.paths, 1)]
        values = [p.value for p in e.paths]
    else:
        lines += _summary(e, s, d, out)
        values = [local * dx for _, local, dx, _ in e.terms]
    return s.sep.join(lines + [_total(e, s, d, values)])


def _partial(s, a, b, operand=None):
    """∂a/∂b in style ``s``, with the operand it takes when that is ambiguous."""
    d = s.partial.format(s.symbol(a), s.symbol(b))
    return s.operand.format(d, operand) if operand else d


def _shown(s, items, sep, per_line=0, show=str):
    """``show(item)`` for each item, joined by ``sep``; past 16 items, the first and last 8
    around '…(n more)…'; ``per_line`` items a line (joined by ``s.newline``) when not 0."""
    if len(items) > _MAX_FACTORS:
        half = _MAX_FACTORS // 2
        text = ([show(x) for x in items[:half]] + [s.more.format(len(items) - 2 * half)]
                + [show(x) for x in items[-half:]])
    else:
        text = [show(x) for x in items]
    if not per_line:
        return sep.join(text)
    return s.newline.join(sep.join(text[i:i + per_line]) for i in range(0, len(text), per_line))


def _row(e, s, label, steps, operands, factors, value, note=""):
    """'path 1: ∂E/∂out × ∂out/∂w = 0.74 × 0.19 = 0.14' (one factor: no repeated value);
    more than 3 factors make a long row, its numbers under its partials."""
    long = len(factors) > 3
    per_line = s.per_line if long else 0
    partials = _shown(s, list(zip(steps[:-1], steps[1:], operands, strict=True)), s.times,
                      per_line, lambda edge: _partial(s, *edge))
    numbers = _shown(s, factors, s.times, 2 * per_line, lambda f: _fmt(f, e.precision))
    if len(factors) > 1:
        numbers += " = " + _fmt(value, e.precision)
    return (s.long_row if long else s.row).format(label=label, partials=partials,
                                                  numbers=numbers, note=note)


def _summary(e, s, d, out):
    """The rows of a summarised explanation: one per operand u of the output."""
    u = e._placeholder()
    via = _partial(s, e.out_name, u) + s.times + _partial(s, u, e.wrt_name)
    lines = [s.summary.format(m=e.max_paths, u=s.inline.format(s.symbol(u)), out=out,
                              eq=f"{d} = {s.sigma.format(s.symbol(u))} {via}")]
    for name, local, dx, n in e.terms:
        count = f"more than {_COUNT_CAP:.0e}" if n >= _COUNT_CAP else f"{n:,}"
        label = s.word.format("via ") + s.symbol(name) + s.word.format(":")
        lines.append(_row(e, s, label, [e.out_name, name, e.wrt_name], [None, None],
                          [local, dx], local * dx, s.paths_note.format(count)))
    return lines


def _total(e, s, d, values):
    """'∂E/∂w1 = 0.000668 - 0.00023 = 0.000439 = w1.grad', or a remark on ``wrt.grad``."""
    def term(k):
        x = values[k]
        sign = "" if k == 0 else "- " if x < 0 else "+ "
        return sign + _fmt(-x if k and x < 0 else x, e.precision)

    eq = d + (" = " + _shown(s, range(len(values)), " ", show=term) if len(values) > 1 else "")
    eq += " = " + _fmt(e.gradient, e.precision)
    status, g = e._grad_status()
    name = e.wrt_name if simple_name(e.wrt_name) else "wrt"
    grad = f"{name}.grad"
    if status == "equal":
        return s.total.format(eq + " = " + s.symbol(grad))
    if status == "unset":
        note = (f"{s.code.format(grad)} is 0.0: {s.code.format('backward()')} has not been "
                f"called on this graph")
    elif status == "differs":
        out = e.out_name if simple_name(e.out_name) else "output"
        note = (f"but {s.code.format(grad)} holds {_fmt(g, e.precision)}: gradients "
                f"accumulate over {s.code.format('backward()')} calls, or "
                f"{s.code.format('backward()')} ran from another output; "
                f"zero them and call {s.code.format(out + '.backward()')}")
    else:
        return s.total.format(eq)
    return s.total.format(eq) + s.words.format(note)
