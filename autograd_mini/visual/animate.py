"""Backpropagation step by step: ``animate(output)``.

One frame per step of the backward pass, in reverse topological order (the order
``backward()`` uses; the first step says that the output's grad is 1): the current node is
highlighted, its grad complete; each edge it sends along shows ``local derivative × its
grad = what the operand receives``; the gradients filled in so far are black, partial sums
orange (``so far``), the rest ``?``. ``forward=True`` puts the forward pass first (its op
in blue): each op computes its data and stores its local derivatives, which the backward
pass then multiplies. No two frames in a row highlight the same thing.

The pass is computed on the side (``analysis.backward_steps``): no ``.grad`` is read or
changed. The graph is laid out once, so nothing moves from frame to frame.

In Jupyter the result shows as a player (inline SVG frames, a slider, play/pause and step
buttons, plain JavaScript: no network, no widget server); ``save("backprop.html")`` writes
the same player as a page of its own. The picture keeps its natural size (text 13 px) in
a stage that scrolls, and each step scrolls its node into view. Where the script does not
run (an untrusted notebook, e.g. a fresh clone) it shows the last frame as an image with
alt text.
"""

import copy
import re
import xml.etree.ElementTree as ET
from collections import namedtuple

from ..core import Value
from .analysis import analyse, more_than
from .digits import PRECISION, format_number
from .naming import shortened
from .player import Animation
from .rendering import render_dot
from .scene import choose_rankdir
from .value_scene import Style, value_scene
from .viz import check_precision, check_rankdir, to_drawing

__all__ = ["animate", "Animation", "Frame"]

_SVG = "http://www.w3.org/2000/svg"
ET.register_namespace("", _SVG)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
_HOT, _WARM, _EDGE, _DIM = "#ffe680", "#c05a00", "#d62728", "#999999"
_FORWARD, _FORWARD_EDGE = "#d6e6ff", "#1f4e9c"      # an op computing, its operands' edges

Frame = namedtuple("Frame", "kind node caption svg")
Frame.__doc__ = ("One picture: ``kind`` ('forward', 'backward', 'done', or 'start' when the "
                 "output is a leaf and there is no step), the ``node`` it is about (or None), "
                 "a ``caption`` and the ``svg`` text.")


def animate(output, *, forward=False, precision=PRECISION, max_nodes=60, interval=1200,
            rankdir=None, program=None):
    """The backward pass from ``output`` as an ``Animation`` (a player in Jupyter).

    forward    True: show the forward pass first (each op's data and local derivatives)
    precision  significant digits of the numbers (default 9, as the notes)
    max_nodes  refuse graphs with more Values than this (default 60): each frame draws
               the whole graph, so larger ones are unreadable and slow (None: no limit)
    interval   milliseconds per frame when playing
    """
    if not isinstance(output, Value):
        raise TypeError(f"animate: output must be a Value, got {type(output).__name__}")
    check_precision(precision, "animate")
    check_rankdir(rankdir, "animate")
    if isinstance(interval, bool) or not isinstance(interval, (int, float)) or interval <= 0:
        raise ValueError(f"animate: interval (ms per frame) must be a positive number, "
                         f"got {interval!r}")
    if max_nodes is not None and more_than(output, max_nodes):
        raise ValueError(
            f"animate: the graph has more than max_nodes={max_nodes} Values; each frame "
            f"draws all of them and there is one frame per op, so the animation would be "
            f"unreadable and take long to render. Animate a smaller piece (one neuron's "
            f"output, one sample's loss), or pass a larger max_nodes (or None) to render "
            f"it anyway")
    story = _Story(analyse(output, names=True, backward=True), precision)
    scene = value_scene(story.analysis, style=_StoryStyle(story))
    story.widest(scene)
    scene.graph.update(nodesep="0.4")           # room between the products on edges that
                                                # meet at one op (1 × g  -1 × g)
    svg = render_dot(to_drawing(scene, rankdir or choose_rankdir(scene), program).source,
                     "svg", program)
    base = ET.fromstring(svg)
    _center_cells(base)
    frames, trees, focus = zip(*story.frames(base, forward))
    return Animation(list(frames), interval, story.names[output], trees, story.alt(), focus)


class _StoryStyle(Style):
    """Boxes with every node's name and the gradients of the pass computed on the side."""

    def __init__(self, story):
        super().__init__(story.analysis, story.precision, True, True)
        self.story = story

    def fields(self, v, name=None):
        s = self.story
        return [shortened(s.names[v]), f"data {s.num(v.data)}", f"grad {s.num(s.grads[v])}"]


class _Story:
    """The states of every node and edge, frame by frame."""

    def __init__(self, analysis, precision):
        self.analysis, self.precision = analysis, precision
        self.output, self.order, self.index = analysis.root, analysis.order, analysis.index
        self.names, self.steps, self.grads = analysis.names, analysis.steps, analysis.grads

    def num(self, x):
        return format_number(x, self.precision)

    def alt(self, shown=20):
        """Alt text of the last frame: the grads, from the output back."""
        grads = [f"{self.names[v]} {self.num(self.grads[v])}" for v in reversed(self.order)]
        more = f" and {len(grads) - shown} more" if len(grads) > shown else ""
        return (f"The graph of {self.names[self.output]} after its backward pass, each box "
                f"with its data and grad; the grads: {', '.join(grads[:shown])}{more}.")

    def widest(self, scene):
        """Lay the graph out with the longest text each box and edge will show."""
        for step in self.steps:
            i = self.index[step.node]
            parents = step.node.parents
            for j, (_, local, sent) in enumerate(step.sends):
                attrs = next(e[2] for e in scene.edges if e[2].get("id") == f"e{i}_{j}")
                text = "\n".join(self._product(local, step.grad, sent))
                if parents[j] in parents[:j]:       # the same operand twice (a + a): this
                    attrs.pop("label", None)        # product goes at the head, apart from
                    attrs.update(headlabel=text, labeldistance="3.5", labelangle="-40")
                else:                               # the other's
                    attrs["label"] = text
        for v in self.order:
            fields = scene.nodes[f"n{self.index[v]}"]["fields"]
            received = [s for s in self._received(v)]
            fields[2] = max([fields[2], "grad ?"] + [self._partial(x) for x in received],
                            key=len)
            scene.nodes[f"n{self.index[v]}"]["fill"] = "#ffffff"

    def _product(self, local, grad, sent):
        return [f"{self.num(local)} × {self.num(grad)}", f"= {self.num(sent)}"]

    def _partial(self, x):
        return f"grad {self.num(x)} so far"

    def _received(self, v):
        """The running sums of v's gradient after each contribution."""
        total, sums = 0.0, []
        for step in self.steps:
            for p, _, sent in step.sends:
                if p is v:
                    total += sent
                    sums.append(total)
        return sums

    # ------------------------------------------------------------------ frames
    def frames(self, base, forward):
        frames = []
        ops = [v for v in self.order if v.parents]
        if forward:
            frames.append(self._frame(base, "forward", None, 0, None, "forward pass: the "
                                      "leaves hold their numbers; no op has run yet"))
            for k, v in enumerate(ops, 1):
                frames.append(self._frame(base, "forward", v, k, None, self._forward_text(v)))
        done = len(ops)
        name = self.names[self.output]
        start = f"backward pass: grad of {name} = ∂{name}/∂{name} = 1"
        if not self.steps:                          # a leaf: nothing is sent
            frames.append(self._frame(base, "start", self.output, done, 0, start))
        for k, step in enumerate(self.steps, 1):    # the first step says where it starts
            frames.append(self._frame(base, "backward", step.node, done, k, (
                f"{start}. " if k == 1 else "") + self._backward_text(step)))
        frames.append(self._frame(base, "done", None, done, len(self.steps) + 1,
                                  "done: every grad is the sum over its edges of local "
                                  "derivative × the grad of the result"))
        return frames

    def _forward_text(self, v):
        name = self.names[v]
        stored = ", ".join(f"∂{name}/∂{self.names[p]} = {self.num(d)}"
                           for p, d in zip(v.parents, v.local_grads))
        return f"forward: {name} = {self.num(v.data)}; the op stores {stored}"

    def _backward_text(self, step):
        name = self.names[step.node]
        sends = "; ".join(f"{self.names[p]} += {self.num(d)} × {self.num(step.grad)} = "
                          f"{self.num(sent)}" for p, d, sent in step.sends)
        return f"{name}: grad {self.num(step.grad)} is complete; it sends {sends}"

    def _frame(self, base, kind, node, computed, stage, caption):
        """The SVG after ``computed`` forward ops and ``stage`` backward steps (None:
        the backward pass has not begun)."""
        svg = copy.deepcopy(base)
        groups = {g.get("id"): g for g in svg.iter(f"{{{_SVG}}}g") if g.get("id")}
        ops = [v for v in self.order if v.parents]
        known = set(ops[:computed]) | {v for v in self.order if not v.parents}
        grads = self._grads_at(stage)
        fill = _FORWARD if kind == "forward" else _HOT
        for v in self.order:
            self._paint_node(groups, v, v in known, grads.get(v), fill if v is node else None)
        for k, step in enumerate(self.steps, 1):
            i = self.index[step.node]
            for j, (_, local, sent) in enumerate(step.sends):
                texts = self._product(local, step.grad, sent)
                hot = kind == "backward" and stage == k
                shown = [texts[0], texts[1]] if hot else [
                    self.num(local) if step.node in known else "", ""]
                colour = _EDGE if hot else _FORWARD_EDGE if kind == "forward" and \
                    step.node is node else None
                _paint_edge(groups.get(f"e{i}_{j}"), shown, colour)
        box = groups.get(f"n{self.index[node]}") if node is not None else None
        _compact(svg)
        focus = list(svg.iter())[1:].index(box) if box is not None else -1
        return Frame(kind, node, caption, ET.tostring(svg, encoding="unicode")), svg, focus

    def _grads_at(self, stage):
        """{node: (gradient so far, complete?)} after ``stage`` backward steps."""
        if stage is None:
            return {}
        grads = {self.output: [1.0, False]}
        for step in self.steps[:stage]:
            grads[step.node] = [grads.get(step.node, [0.0])[0], True]
            for p, _, sent in step.sends:
                grads.setdefault(p, [0.0, False])[0] += sent
        pending = {p for step in self.steps[stage:] for p, _, _ in step.sends}
        for v, state in grads.items():
            state[1] = state[1] or (v not in pending)
        return grads

    def _paint_node(self, groups, v, known, grad, fill):
        """Its data (or ``?``), its grad as far as it is known, and ``fill`` (if any)
        on its box and op."""
        i = self.index[v]
        box, oval = groups.get(f"n{i}"), groups.get(f"n{i}op")
        *_, data, grad_text = box.iter(f"{{{_SVG}}}text")      # name, data, grad
        data.text = f"data {self.num(v.data)}" if known else "data ?"
        _set_grad(grad_text, grad, self)
        if fill:
            next(box.iter(f"{{{_SVG}}}polygon")).set("fill", fill)
            if oval is not None:
                next(oval.iter(f"{{{_SVG}}}ellipse")).set("fill", fill)


def _center_cells(svg):
    """Centre each table cell's text in its cell, so a shorter text stays in the middle."""
    for group in svg.iter(f"{{{_SVG}}}g"):
        cell = None
        for el in group:
            if el.tag == f"{{{_SVG}}}polygon":
                cell = el
            elif (el.tag == f"{{{_SVG}}}text" and el.get("text-anchor") == "start"
                  and cell is not None):
                xs = [float(p.split(",")[0]) for p in cell.get("points").split()]
                el.set("x", f"{(min(xs) + max(xs)) / 2:.1f}")
                el.set("text-anchor", "middle")


def _set_grad(text, grad, story):
    if grad is None:
        text.text, colour = "grad ?", _DIM
    elif grad[1]:
        text.text, colour = f"grad {story.num(grad[0])}", None
    else:
        text.text, colour = story._partial(grad[0]), _WARM
    if colour:
        text.set("fill", colour)


def _paint_edge(group, texts, colour):
    """The edge's texts, and ``colour`` (if any) on its line, arrowhead and texts."""
    if group is None:
        return
    labels = list(group.iter(f"{{{_SVG}}}text"))
    for label, text in zip(labels, texts):
        label.text = text
        if colour:
            label.set("fill", colour)
            label.set("font-weight", "bold")
    if colour:
        for shape in list(group.iter(f"{{{_SVG}}}path")) + list(group.iter(f"{{{_SVG}}}polygon")):
            shape.set("stroke", colour)
            shape.set("stroke-width", "2.5")
            if shape.tag.endswith("polygon"):
                shape.set("fill", colour)


_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_GEOMETRY = {"points", "d", "x", "y", "cx", "cy", "rx", "ry"}
_DIGITS = re.compile(r"(\d\.\d)\d+")


def _compact(svg):
    """Inline SVG without ids (frames share a page) or titles, one font family and size
    on the root, coordinates to 0.1 pt; at its natural size (the player scrolls it)."""
    family = None
    for el in svg.iter():
        for title in el.findall(f"{{{_SVG}}}title"):
            el.remove(title)
        el.attrib.pop("id", None)
        el.attrib.pop(_XML_SPACE, None)
        family = el.attrib.pop("font-family", family)
        if el.get("font-size") == "11.00":
            del el.attrib["font-size"]
        for key in _GEOMETRY.intersection(el.attrib):
            el.set(key, _DIGITS.sub(r"\1", el.get(key)))
        if el.tail:
            el.tail = None
    svg.text = None
    svg.set("font-family", family or "sans-serif")
    svg.set("font-size", "11")
