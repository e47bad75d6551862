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
long, their op and position (``sum7``).

explain() needs no ``backward()``: it computes the gradient from the stored local
derivatives itself, and compares it with ``wrt.grad`` when that has been filled in.
When the paths are too many to list (they can grow exponentially with depth), it says how
many there are (counted by dynamic programming, never enumerated) and shows the gradient
summed per operand of ``output`` instead.
"""

import math

from .engine import Value, topological_order
from .viz import ACTIVATION_OPS, cluster_outputs, clusters, constant_operand, number

__all__ = ["explain", "Explanation"]

_COUNT_CAP = 10 ** 18                   # path counts saturate here (they stay cheap ints)
_PLAIN = str.maketrans("", "", "_.[]")
_MAX_FACTORS = 16                       # longer paths show their first and last factors
_WORDS = {"+": "sum", "-": "diff", "*": "prod", "/": "quot", "**": "pow", "neg": "neg"}


def _fmt(x, precision):
    """``precision`` decimals without trailing zeros: 0.741365070 -> '0.74136507'."""
    if not math.isfinite(x):
        return repr(x)
    s = f"{x:.{precision}f}"
    if x != 0.0 and float(s) == 0.0:                # too small for fixed decimals
        return f"{x:.{precision}g}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s == "-0" else s


def _neuron_names(order):
    """In an MLP's graph (parameters labelled ``L0.N1.w0``), each neuron's weighted input
    and activation, named as the notes do: ``L0.N1.z`` and ``L0.N1.a`` (with ``[i]`` for
    the i-th forward pass when the graph holds several)."""
    names = {}
    for k, outs in cluster_outputs(order, clusters(order, {}, "neuron")).items():
        for i, out in enumerate(outs):
            tag = f"[{i}]" if len(outs) > 1 else ""
            if out.op in ACTIVATION_OPS:
                names[out] = f"{k}.a{tag}"
                out = out.parents[0]
            names[out] = f"{k}.z{tag}"
    return names


def _names(order):
    """A name for every node: its label, else its neuron's ``z``/``a``, else a short
    expression, else op and position."""
    names = {}
    neurons = _neuron_names(order)
    for i, v in enumerate(order):
        if v.label or v in neurons:
            names[v] = v.label or neurons[v]
            continue
        if not v.parents:
            names[v] = f"leaf{i}"
            continue
        args = [names[p] for p in v.parents]
        wrap = [a if _simple(a) else f"({a})" for a in args]
        const = constant_operand(v)
        op = v.op
        if const is not None:
            c = number(const[0])
            sep = "" if op in ("*", "/") else " "
            text = (f"{wrap[0]}{sep}{op}{sep}{c}" if const[1] == "right"
                    else f"{c}{sep}{op}{sep}{wrap[0]}")
        elif len(args) == 1 and op in ("+", "-", "*", "/"):
            text = ""                               # a constant rounding lost: sum7
        elif op in ("+", "-"):
            text = f" {op} ".join(args)
        elif op in ("*", "/", "**"):
            text = op.join(wrap)
        elif op.startswith("**"):
            text = wrap[0] + op
        elif op == "neg":
            text = "-" + wrap[0]
        else:
            text = f"{op}({', '.join(args)})"
        word = "pow" if op.startswith("**") else _WORDS.get(op, op)
        names[v] = text if 0 < len(text) <= 20 else f"{word}{i}"
    return names


def _simple(name):
    """A name that needs no parentheses: letters, digits, '_', '.', and an index '[0]'."""
    return name.translate(_PLAIN).isalnum()


def _partial(a, b):
    """'∂a/∂b', with compound names in parentheses: '∂E/∂(w1*i1)'."""
    return "∂" + (a if _simple(a) else f"({a})") + "/∂" + (b if _simple(b) else f"({b})")


class Path:
    """One path from ``wrt`` up to ``output``: its steps, their factors and its product."""

    def __init__(self, steps, factors, value):
        self.steps = steps          # node names from output down to wrt
        self.factors = factors      # d steps[i] / d steps[i+1] along this path
        self.value = value          # the product of every local derivative on the path


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

    # ---------------------------------------------------------------- shared pieces
    def _n(self, x):
        return _fmt(x, self.precision)

    def _count_text(self):
        n = self.n_paths
        if n >= _COUNT_CAP:
            return f"more than {_COUNT_CAP:.0e} paths"
        return f"{n:,} path" + ("" if n == 1 else "s")

    def _grad_note(self):
        """How the sum compares with ``wrt.grad``."""
        g = self.wrt.grad
        g = g.data if isinstance(g, Value) else g
        name = self.wrt_name if _simple(self.wrt_name) else "wrt"
        if not isinstance(g, float) or self.wrt.grad is self.output:
            return ""
        finite = math.isfinite(g) and math.isfinite(self.gradient)
        scale = max(abs(self.gradient), 1e-300)
        if g == self.gradient or finite and abs(g - self.gradient) <= 1e-9 * scale:
            return f"= {name}.grad"
        if g == 0.0:
            return f"({name}.grad is 0.0: backward() has not been called on this graph)"
        return (f"(but {name}.grad holds {self._n(g)}: gradients accumulate over backward() "
                f"calls, or backward() ran from another output; zero them and call "
                f"{self.out_name if _simple(self.out_name) else 'output'}.backward())")

    def _placeholder(self):
        """A name for 'an operand of output' that no node of the explanation has."""
        taken = {self.out_name, self.wrt_name, *(name for name, *_ in self.terms)}
        return next(u for u in ("u", "v", "ξ", *(f"u{i}" for i in range(len(taken) + 1)))
                    if u not in taken)

    def _sum(self, values):
        """'a + b - c' for the terms of a sum."""
        text = self._n(values[0])
        for x in values[1:]:
            text += f" - {self._n(-x)}" if x < 0 else f" + {self._n(x)}"
        return text

    def _shown(self, items):
        """Long paths show their first and last factors."""
        if len(items) <= _MAX_FACTORS:
            return items
        half = _MAX_FACTORS // 2
        return items[:half] + [f"…({len(items) - 2 * half} more)…"] + items[-half:]

    # ---------------------------------------------------------------- text
    def __str__(self):
        d = _partial(self.out_name, self.wrt_name)
        if self.n_paths == 0:
            return f"{d} = 0: {self.out_name} does not depend on {self.wrt_name} (no path)"
        lines = [f"{d}: {self._count_text()} from {self.wrt_name} to {self.out_name}"]
        if self.terms is None:
            for k, p in enumerate(self.paths, 1):
                partials = [_partial(a, b) for a, b in zip(p.steps, p.steps[1:])]
                lines.append(f"  path {k}: " + " × ".join(self._shown(partials))
                             + " = " + " × ".join(self._shown([self._n(f) for f in p.factors]))
                             + f" = {self._n(p.value)}")
            parts = self._sum([p.value for p in self.paths])
            total = f" = {parts}" if len(self.paths) > 1 else ""
        else:
            u = self._placeholder()
            via = f"{_partial(self.out_name, u)} × {_partial(u, self.wrt_name)}"
            lines.append(f"  more than max_paths={self.max_paths}, too many to list; summed "
                         f"per operand {u} of {self.out_name} instead, {d} = Σ {via}:")
            for name, local, dx, n in self.terms:
                count = f"more than {_COUNT_CAP:.0e}" if n >= _COUNT_CAP else f"{n:,}"
                lines.append(f"  via {name}: {self._n(local)} × {self._n(dx)} = "
                             f"{self._n(local * dx)}   ({count} paths)")
            total = ""
        lines.append(f"{d}{total} = {self._n(self.gradient)} {self._grad_note()}".rstrip())
        return "\n".join(lines)

    def __repr__(self):
        return str(self)

    # ---------------------------------------------------------------- Jupyter
    def _repr_markdown_(self):
        def tex(name):
            esc = "".join("\\" + c if c in "_#%&{}$" else c for c in name)
            esc = esc.replace("^", r"\hat{}").replace("~", r"\sim ").replace("…", r"\ldots ")
            return r"\mathtt{" + esc + "}"

        def partial(a, b):
            return r"\frac{\partial " + tex(a) + r"}{\partial " + tex(b) + "}"

        head = partial(self.out_name, self.wrt_name)
        if self.n_paths == 0:
            return f"$${head} = 0$$ ({self.out_name} does not depend on {self.wrt_name})"
        rows = [f"**{self._count_text()}** from `{self.wrt_name}` to `{self.out_name}`:"]
        if self.terms is None:
            for k, p in enumerate(self.paths, 1):
                partials = [partial(a, b) for a, b in zip(p.steps, p.steps[1:])]
                factors = [self._n(f) for f in p.factors]
                rows.append(f"path {k}: $$" + r" \times ".join(self._shown(partials))
                            + " = " + r" \times ".join(self._shown(factors))
                            + f" = {self._n(p.value)}$$")
            total = self._sum([p.value for p in self.paths])
        else:
            rows.append(f"More than `max_paths={self.max_paths}`: summed per operand of "
                        f"`{self.out_name}` instead.")
            for name, local, dx, n in self.terms:
                rows.append(f"via `{name}`: $${partial(self.out_name, name)} "
                            rf"\times {partial(name, self.wrt_name)} = {self._n(local)} \times "
                            f"{self._n(dx)} = {self._n(local * dx)}$$")
            total = self._sum([local * dx for _, local, dx, _ in self.terms[:8]])
            if len(self.terms) > 8:
                total += r" + \ldots"
        note = self._grad_note()
        rows.append(f"sum: $${head} = {total} = {self._n(self.gradient)}$$ {note}")
        return "\n\n".join(rows)


def _steps_filter(via, order, on_paths):
    """Which nodes a path is shown stepping through (besides its two ends)."""
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
    if isinstance(via, (str, Value)):
        via = [via]
    keep = set()
    labels = set()
    for item in via:
        if isinstance(item, Value):
            keep.add(item)
        elif isinstance(item, str):
            labels.add(item)
        else:
            raise TypeError(f"explain: via must hold Values or labels, got "
                            f"{type(item).__name__}: {item!r}")
    known = {v.label for v in order}
    missing = sorted(labels - known)
    if missing:
        raise ValueError(f"explain: via names labels that are not in the graph: {missing}")
    return lambda v: v in keep or (v.label in labels and v.label != "")


def _path(nodes, locals_, keep, branches, names, value):
    """A ``Path`` from the nodes output..wrt and the local derivative of each edge: steps at
    the kept nodes, each step's factor the product of the local derivatives it spans."""
    if len(nodes) == 1:                             # explain(x, x)
        return Path([names[nodes[0]]] * 2, [1.0], value)
    stops = [0] + [i for i in range(1, len(nodes) - 1) if keep(nodes[i])] + [len(nodes) - 1]
    shown = set(stops)
    for a, b in zip(stops, stops[1:]):
        for i in range(a, b) if b - a > 1 else ():  # a step is ∂a/∂b only if it is
            if branches(nodes[i], nodes[b]):        # the one route from b to a, so the
                shown.update((i, i + 1))            # edge below a fork is a step of its own
    shown = sorted(shown)
    factors = [math.prod(locals_[a:b]) for a, b in zip(shown, shown[1:])]
    return Path([names[nodes[i]] for i in shown], factors, value)


def explain(output, wrt, *, via="auto", precision=9, max_paths=64):
    """Every chain-rule path from ``wrt`` to ``output``, with names and numbers.

    Each path is the product of its local derivatives; their sum is d output / d wrt,
    the number ``backward()`` leaves in ``wrt.grad`` (explain computes it itself, from
    the local derivatives stored at the forward pass, and says whether ``wrt.grad``
    agrees). ``via`` picks the steps a path is shown in: "auto" (the default: layer by
    layer, at each activation's output and input, ``∂E/∂out × ∂out/∂net × ∂net/∂w``, or at
    the labelled nodes when no activation is on the way), "labels" (every labelled node),
    "all" (every local derivative), or the Values/labels to step through. ``precision``:
    decimals shown. Over ``max_paths`` paths, the gradient is summarised per operand of
    ``output``.
    """
    if not isinstance(output, Value):
        raise TypeError(f"explain: output must be a Value, got {type(output).__name__}")
    if not isinstance(wrt, Value):
        raise TypeError(f"explain: wrt must be a Value, got {type(wrt).__name__}")
    if isinstance(max_paths, bool) or not isinstance(max_paths, int) or max_paths < 1:
        raise ValueError(f"explain: max_paths must be a positive int, got {max_paths!r}")
    order = topological_order(output)
    names = _names(order)
    out_name = names[output]
    wrt_name = names.get(wrt) or wrt.label or "wrt"

    # forward over the graph: number of paths from wrt, and d node / d wrt
    count, deriv = {wrt: 1}, {wrt: 1.0}
    if wrt in names:
        for v in order:
            if v is wrt:
                continue
            n, d = 0, 0.0
            for p, local in zip(v.parents, v.local_grads):
                if p in count:
                    n += count[p]
                    d += local * deriv[p]
            if n:
                count[v], deriv[v] = min(n, _COUNT_CAP), d
    n_paths = count.get(output, 0) if wrt in names else 0
    if n_paths == 0:
        return Explanation(output, wrt, out_name, wrt_name, [], 0, 0.0, None, precision,
                           max_paths)

    keep = _steps_filter(via, order, count)
    if n_paths > max_paths:
        terms = [(names[p], local, deriv[p], count[p])
                 for p, local in zip(output.parents, output.local_grads) if p in count]
        gradient = math.fsum(local * dx for _, local, dx, _ in terms)
        return Explanation(output, wrt, out_name, wrt_name, [], n_paths, gradient, terms,
                           precision, max_paths)

    # a step over several edges is labelled ∂a/∂b, which is right only when it is the one
    # route from b to a: when a node on it has two operands that depend on wrt, show
    # every edge of that step instead (x*x, a sum of two uses of one node)
    position = {v: i for i, v in enumerate(order)}
    above = {}                              # b -> the nodes computed from b (and b)

    def branches(v, b):
        """True when two operands of v are computed from b (two routes from b to v)."""
        if b not in above:
            reach = {b}
            for u in order[position[b] + 1:]:
                if any(p in reach for p in u.parents):
                    reach.add(u)
            above[b] = reach
        return sum(p in above[b] for p in v.parents) > 1

    paths = []
    # depth-first from output down to wrt. A trail is a linked list of the edges taken so
    # far, (node, local derivative from the previous node down to node, previous trail),
    # so pushing is O(1) even on long chains.
    stack = [(output, (output, None, None), 1.0)]
    while stack:
        v, trail, value = stack.pop()
        if v is wrt:
            nodes, locals_ = [], []
            while trail is not None:
                nodes.append(trail[0])
                locals_.append(trail[1])
                trail = trail[2]
            paths.append(_path(nodes[::-1], locals_[-2::-1], keep, branches, names, value))
            continue
        for p, local in reversed(list(zip(v.parents, v.local_grads))):
            if p in count:
                stack.append((p, (p, local, trail), value * local))
    gradient = math.fsum(p.value for p in paths)
    return Explanation(output, wrt, out_name, wrt_name, paths, n_paths, gradient, None,
                       precision, max_paths)
