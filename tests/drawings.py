"""Reading what draw() makes, for the drawing tests: the boxes, op nodes, edges and
edge labels and bundles of its DOT text, the texts and fitted size of its SVG, the
renderer (or a skip); the graphs drawn: a small expression, a 2-16-16-1 network's hinge
loss, the notes' worked 2-2-2 network. Import them (`from drawings import boxes`)."""

import html
import re

import pytest

from autograd_mini import Value
from autograd_mini.example import WEIGHTS
from autograd_mini.nn import MLP
from autograd_mini.visual.rendering import RendererNotFound, find_program
from builders import labelled_expression


def renderer():
    try:
        return find_program()
    except RendererNotFound:
        pytest.skip("no dot program")


def small():
    """L = (a*b + c) * f, after backward: 7 Values, 3 ops."""
    a, b, c, f = Value(2.0, "a"), Value(-3.0, "b"), Value(10.0, "c"), Value(-2.0, "f")
    L = labelled_expression(a, b, c, f)
    L.backward()
    return L, (a, b, c, f)


def boxes(dot):
    """{node id: [its lines]} for the boxes (HTML-like tables) of the DOT text."""
    found = {}
    for name, table in re.findall(r"^\s*(\w+) \[label=<<table[^>]*>(.*?)</table>>", dot,
                                  flags=re.M):
        cells = re.findall(r"<td>(?:<font[^>]*>)?(.*?)(?:</font>)?</td>", table)
        found[name] = [html.unescape(c) for c in cells]
    return found


def op_nodes(dot):
    return dict(re.findall(r'^\s*(n\d+op) \[label="?(.*?)"? fontsize', dot, flags=re.M))


def edges(dot):
    """The drawn edges (not the invisible ones that keep a column in order)."""
    return [pair for line in dot.splitlines() if "style=invis" not in line
            for pair in re.findall(r"^\s*(\w+) -> (\w+)", line)]


def edge_labels(dot):
    """{(tail, head): label} of the labelled edges."""
    found = {}
    for tail, head, attrs in re.findall(r"^\s*(\w+) -> (\w+) \[([^\]]*)\]", dot, flags=re.M):
        m = re.search(r'label=(?:"((?:[^"\\]|\\.)*)"|([^\s"]+))', attrs)
        if m:
            found[(tail, head)] = html.unescape(m.group(1) or m.group(2))
    return found


def svg_texts(svg):
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def readable_at_column(svg, column_px=1000):
    """(width in px as shown, smallest text in px) when the SVG is fitted to the column
    (1 pt = 4/3 px; a notebook shrinks wider pictures to the column, never enlarges)."""
    width = float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1)) * 4 / 3
    scale = min(1.0, column_px / width)
    smallest = min(float(s) for s in re.findall(r'font-size="([\d.]+)"', svg)) * 4 / 3
    return width * scale, smallest * scale


def bundles(dot):
    """{bundle node: (its label, the cluster it leaves, the cluster it enters)}."""
    found = {}
    for name, label in re.findall(r'^\s*(\w+_to_\w+) \[label="([^"]*)"', dot, flags=re.M):
        ltail = re.search(rf"-> {name} \[[^\]]*ltail=(\w+)", dot).group(1)
        lhead = re.search(rf"{name} -> \w+ \[[^\]]*lhead=(\w+)", dot).group(1)
        found[name] = (label, ltail, lhead)
    return found


def big_moons_loss(seed=1):
    from autograd_mini.losses import hinge
    big = MLP(2, [16, 16, 1], seed=seed)
    loss = hinge([big([0.5, -1.0])], [-1], big.parameters(), alpha=1e-4)
    loss.label = "loss"
    loss.backward()
    return big, loss


def worked_mlp():
    """The notes' 2-2-2 network as an MLP: w1..w8, biases b1 and b2 shared per layer."""
    m = MLP(2, [2, 2], activation="sigmoid", output_activation="sigmoid", seed=0)
    names = iter(WEIGHTS)
    for layer, (bias, data) in zip(m.layers, (("b1", 0.35), ("b2", 0.60))):
        shared = Value(data, bias)
        for n in layer.neurons:
            for w in n.w:
                w.label = next(names)
                w.data = WEIGHTS[w.label]
            n.b = shared
    out = m([0.05, 0.10])
    E = 0.5 * (0.01 - out[0]) ** 2 + 0.5 * (0.99 - out[1]) ** 2
    E.backward()
    return m, E
