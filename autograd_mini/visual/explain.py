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
import re
from typing import Callable, NamedTuple

from ..core import Value
from ..util.gc_pause import collector_paused
from .analysis import PATH_CAP
from .digits import format_decimals
from .naming import printable, simple_name
from .paths import Path, PathGraph, check_arguments, count_text, paths

__all__ = ["explain", "Explanation", "paths", "Path"]

_MAX_FACTORS = 16                       # longer paths (and sums) show their first and last


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
    check_arguments("explain", output, wrt, via, "max_paths", max_paths, precision)
    with collector_paused():                # a graph has no cycles: the collector only costs
        graph = PathGraph(output, wrt, via, "explain")
        found, terms = [], None
        if graph.n_paths > max_paths:
            terms = graph.terms()
        elif graph.n_paths:
            found = graph.paths()
    names = (graph.names[output], graph.names.get(wrt) or printable(wrt.label) or "wrt")
    gradient = math.fsum([local * dx for _, local, dx, _ in terms] if terms
                         else [p.value for p in found])
    return Explanation(output, wrt, *names, found, graph.n_paths, gradient, terms,
                       precision, max_paths)


# ---------------------------------------------------------------------- rendering
def _tex(name):
    """A name in LaTeX: ``\\mathtt{E\\_total}``."""
    return r"\mathtt{" + "".join(_TEX.get(c, c) for c in name) + "}"


_TEX = {**{c: "\\" + c for c in "_#%&{}$"}, "\\": r"\backslash{}", "^": r"\hat{}",
        "~": r"\sim{}", "…": r"\ldots{}", ".": "{.}", "<": r"\lt{}", ">": r"\gt{}"}


def _code_span(text):
    """``text`` as a Markdown code span that shows it whatever it holds: fenced by one
    backtick more than its longest run of them, padded where it starts or ends with one
    (or starts and ends with a space, which Markdown would strip); a code span shows
    ``<b>`` as text, never as markup."""
    run = max((len(r) for r in re.findall("`+", text)), default=0)
    ends = text[:1] + text[-1:]
    pad = " " if "`" in ends or ends == "  " and text.strip() else ""
    return f"{'`' * (run + 1)}{pad}{text}{pad}{'`' * (run + 1)}"


class _Notation(NamedTuple):
    """How one output format writes each piece of an explanation."""
    symbol: Callable        # a name inside an equation
    code: Callable          # a name in running text
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


_PLAIN_TEXT = _Notation(
    symbol=lambda s: s if simple_name(s) else f"({s})", code=str, word="{}",
    partial="∂{}/∂{}", operand="{} ({})", times=" × ", sigma="Σ", more="…({} more)…",
    inline="{}", header="{d}: {count} from {wrt} to {out}",
    row="  {label} {partials} = {numbers}{note}",
    long_row="  {label} {partials} = {numbers}{note}", per_line=0, newline="",
    paths_note="   ({} paths)",
    summary="  more than max_paths={m}, too many to list; summed per operand {u} of {out} "
            "instead, {eq}:",
    total="{}", words=" ({})", no_path="{eq}: {out} does not depend on {wrt} (no path)",
    sep="\n")

_MARKDOWN = _Notation(
    symbol=lambda s: _tex(s) if simple_name(s) else f"({_tex(s)})", code=_code_span,
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
    out, wrt = s.code(e.out_name), s.code(e.wrt_name)
    if e.n_paths == 0:
        return s.no_path.format(eq=f"{d} = 0", out=out, wrt=wrt)
    lines = [s.header.format(d=d, count=count_text(e.n_paths), wrt=wrt, out=out)]
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
    numbers = _shown(s, factors, s.times, 2 * per_line, lambda f: format_decimals(f, e.precision))
    if len(factors) > 1:
        numbers += " = " + format_decimals(value, e.precision)
    return (s.long_row if long else s.row).format(label=label, partials=partials,
                                                  numbers=numbers, note=note)


def _summary(e, s, d, out):
    """The rows of a summarised explanation: one per operand u of the output."""
    u = e._placeholder()
    via = _partial(s, e.out_name, u) + s.times + _partial(s, u, e.wrt_name)
    lines = [s.summary.format(m=e.max_paths, u=s.inline.format(s.symbol(u)), out=out,
                              eq=f"{d} = {s.sigma.format(s.symbol(u))} {via}")]
    for name, local, dx, n in e.terms:
        count = f"more than {PATH_CAP:.0e}" if n >= PATH_CAP else f"{n:,}"
        label = s.word.format("via ") + s.symbol(name) + s.word.format(":")
        lines.append(_row(e, s, label, [e.out_name, name, e.wrt_name], [None, None],
                          [local, dx], local * dx, s.paths_note.format(count)))
    return lines


def _total(e, s, d, values):
    """'∂E/∂w1 = 0.000668 - 0.00023 = 0.000439 = w1.grad', or a remark on ``wrt.grad``."""
    def term(k):
        x = values[k]
        sign = "" if k == 0 else "- " if x < 0 else "+ "
        return sign + format_decimals(-x if k and x < 0 else x, e.precision)

    eq = d + (" = " + _shown(s, range(len(values)), " ", show=term) if len(values) > 1 else "")
    eq += " = " + format_decimals(e.gradient, e.precision)
    status, g = e._grad_status()
    name = e.wrt_name if simple_name(e.wrt_name) else "wrt"
    grad = f"{name}.grad"
    if status == "equal":
        return s.total.format(eq + " = " + s.symbol(grad))
    if status == "unset":
        note = (f"{s.code(grad)} is 0.0: {s.code('backward()')} has not been "
                f"called on this graph")
    elif status == "differs":
        out = e.out_name if simple_name(e.out_name) else "output"
        note = (f"but {s.code(grad)} holds {format_decimals(g, e.precision)}: gradients "
                f"accumulate over {s.code('backward()')} calls, or "
                f"{s.code('backward()')} ran from another output; "
                f"zero them and call {s.code(out + '.backward()')}")
    else:
        return s.total.format(eq)
    return s.total.format(eq) + s.words.format(note)
