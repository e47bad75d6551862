"""Backpropagation step by step: ``animate(output)``.

One frame per step of the backward pass, in reverse topological order (the order
``backward()`` uses): the current node is highlighted, its grad complete; each edge it
sends along shows ``local derivative × its grad = what the operand receives``; the
gradients filled in so far are black, partial sums orange (``so far``), the rest ``?``.
``forward=True`` puts the forward pass first: each op computes its data and stores its
local derivatives, which the backward pass then multiplies.

The pass is computed on the side (``graph.backward_steps``): no ``.grad`` is read or
changed. The graph is laid out once, so nothing moves from frame to frame.

In Jupyter the result shows as a player (inline SVG frames, a slider, play/pause and step
buttons, plain JavaScript: no network, no widget server); ``save("backprop.html")`` writes
the same player as a page of its own. Where its script does not run (an untrusted
notebook, e.g. a fresh clone) it shows the last frame as an image.
"""

import base64
import copy
import hashlib
import html
import itertools
import json
import re
import xml.etree.ElementTree as ET
from collections import namedtuple

from ..core import Value, topological_order
from .graph import backward_steps, more_than, node_names, number
from .viz import (
    Style,
    check_writable,
    choose_rankdir,
    plain_scene,
    render_dot,
    to_graph,
    write_file,
)

__all__ = ["animate", "Animation", "Frame"]

_SVG = "http://www.w3.org/2000/svg"
ET.register_namespace("", _SVG)
ET.register_namespace("xlink", "http://www.w3.org/1999/xlink")
_HOT, _WARM, _EDGE, _DIM = "#ffe680", "#c05a00", "#d62728", "#999999"
_players = itertools.count()

Frame = namedtuple("Frame", "kind node caption svg")
Frame.__doc__ = ("One picture: ``kind`` ('forward', 'backward', 'start' or 'done'), the "
                 "``node`` it is about (or None), a ``caption`` and the ``svg`` text.")


def animate(output, *, forward=False, precision=4, max_nodes=60, interval=1200,
            rankdir=None, program=None):
    """The backward pass from ``output`` as an ``Animation`` (a player in Jupyter).

    forward    True: show the forward pass first (each op's data and local derivatives)
    precision  significant digits of the numbers (default 4)
    max_nodes  refuse graphs with more Values than this (default 60): each frame draws
               the whole graph, so larger ones are unreadable and slow (None: no limit)
    interval   milliseconds per frame when playing
    """
    from .viz import _check_precision, _check_rankdir
    if not isinstance(output, Value):
        raise TypeError(f"animate: output must be a Value, got {type(output).__name__}")
    _check_precision(precision, "animate")
    _check_rankdir(rankdir, "animate")
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
    order = topological_order(output)
    story = _Story(output, order, precision)
    scene = plain_scene(order, {}, story.style)
    story.widest(scene)
    scene.graph.update(nodesep="0.4")           # room between the products on edges that
                                                # meet at one op (1 × g  -1 × g)
    svg = render_dot(to_graph(scene, rankdir or choose_rankdir(scene), program).source,
                     "svg", program)
    base = ET.fromstring(svg)
    _center_cells(base)
    frames, trees = zip(*story.frames(base, forward))
    return Animation(list(frames), interval, story.names[output], trees, story.alt())


class _Style(Style):
    """Boxes with every node's name and the gradients of the pass computed on the side."""

    def __init__(self, story):
        super().__init__(story.precision, True, True, {}, story.output)
        self.story = story

    def fields(self, v, name=None):
        s = self.story
        return [s.names[v], f"data {s.num(v.data)}", f"grad {s.num(s.grads[v])}"]


class _Story:
    """The states of every node and edge, frame by frame."""

    def __init__(self, output, order, precision):
        self.output, self.order, self.precision = output, order, precision
        self.index = {v: i for i, v in enumerate(order)}
        self.names = node_names(order)
        self.steps, self.grads = backward_steps(output, order)
        self.style = _Style(self)

    def num(self, x):
        return number(x, self.precision)

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
        frames.append(self._frame(base, "start", self.output, done, 0,
                                  f"backward pass: grad of {name} = ∂{name}/∂{name} = 1"))
        for k, step in enumerate(self.steps, 1):
            frames.append(self._frame(base, "backward", step.node, done, k,
                                      self._backward_text(step)))
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
        for v in self.order:
            self._paint_node(groups, v, v in known, grads.get(v), v is node)
        for k, step in enumerate(self.steps, 1):
            i = self.index[step.node]
            for j, (_, local, sent) in enumerate(step.sends):
                texts = self._product(local, step.grad, sent)
                hot = kind == "backward" and stage == k
                shown = [texts[0], texts[1]] if hot else [
                    self.num(local) if step.node in known else "", ""]
                _paint_edge(groups.get(f"e{i}_{j}"), shown, hot)
        _compact(svg)
        return Frame(kind, node, caption, ET.tostring(svg, encoding="unicode")), svg

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

    def _paint_node(self, groups, v, known, grad, hot):
        i = self.index[v]
        box, oval = groups.get(f"n{i}"), groups.get(f"n{i}op")
        *_, data, grad_text = box.iter(f"{{{_SVG}}}text")      # name, data, grad
        data.text = f"data {self.num(v.data)}" if known else "data ?"
        _set_grad(grad_text, grad, self)
        if hot:
            next(box.iter(f"{{{_SVG}}}polygon")).set("fill", _HOT)
            if oval is not None:
                next(oval.iter(f"{{{_SVG}}}ellipse")).set("fill", _HOT)


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


def _paint_edge(group, texts, hot):
    if group is None:
        return
    labels = list(group.iter(f"{{{_SVG}}}text"))
    for label, text in zip(labels, texts):
        label.text = text
        if hot:
            label.set("fill", _EDGE)
            label.set("font-weight", "bold")
    if hot:
        for shape in list(group.iter(f"{{{_SVG}}}path")) + list(group.iter(f"{{{_SVG}}}polygon")):
            shape.set("stroke", _EDGE)
            shape.set("stroke-width", "2.5")
            if shape.tag.endswith("polygon"):
                shape.set("fill", _EDGE)


_XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
_GEOMETRY = {"points", "d", "x", "y", "cx", "cy", "rx", "ry"}
_DIGITS = re.compile(r"(\d\.\d)\d+")


def _compact(svg):
    """Inline SVG without ids (frames share a page) or titles, one font family and size
    on the root, coordinates to 0.1 pt; scaled down to the column width."""
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
    svg.set("style", "max-width:100%;height:auto")


_PAINT = ("fill", "stroke", "stroke-width", "font-weight")


def changes(base, tree):
    """What differs in ``tree`` from ``base`` (same elements): ``[[k, text, {attr:
    value}], ...]``, k counting the elements inside the root in document order."""
    out = []
    for k, (a, b) in enumerate(zip(list(base.iter())[1:], list(tree.iter())[1:])):
        attrs = {key: b.get(key) for key in _PAINT if b.get(key) != a.get(key)}
        text = b.text if b.text != a.text else None
        if attrs or text is not None:
            out.append([k, text, attrs])
    return out


# ---------------------------------------------------------------------- the player
# The bar and the caption stay at the top of the window while a tall graph scrolls under
# them: the script moves them (position:sticky does not work in a notebook's output,
# whose overflow:auto boxes do not scroll).
_CSS = """
#{id} .am-top {{ position:relative; top:0; background:#fff; z-index:2; padding:.2em 0 }}
#{id} .am-bar {{ display:flex; gap:.4em; align-items:center; flex-wrap:wrap;
  font:14px sans-serif; margin:.1em 0 }}
#{id} .am-bar button {{ font:14px sans-serif; min-width:2.4em }}
#{id} .am-bar input {{ flex:1; min-width:8em }}
#{id} .am-caption {{ font:14px sans-serif; margin:.3em 0; min-height:2.6em }}
"""

# Until the script runs (an untrusted notebook never runs it) the player is a still of
# the last frame. The script puts the controls and frame 0's inline SVG in its place;
# each other frame is the list of changes from frame 0 (texts and colours), so a
# 30-frame player weighs about two pictures, not thirty.
_JS = """
(function start(tries) {
  var root = document.getElementById(ID);
  if (!root) {                  /* not in the page yet (a notebook may add it later) */
    if (tries < 100) setTimeout(function () { start(tries + 1); }, 50);
    return;
  }
  var data = JSON.parse(
    root.querySelector("script[type='application/json']").textContent);
  var live = document.createElement("div");
  live.innerHTML = data.player;
  root.replaceChild(live, root.querySelector(".am-still"));
  var els = live.querySelector(".am-stage svg").querySelectorAll("*");
  var paint = ["fill", "stroke", "stroke-width", "font-weight"], base = {};
  data.frames.forEach(function (f) { f.forEach(function (c) {
    if (!(c[0] in base)) base[c[0]] = [els[c[0]].textContent,
      paint.map(function (a) { return els[c[0]].getAttribute(a); })];
  }); });
  var slider = live.querySelector("input"), count = live.querySelector(".am-count");
  var caption = live.querySelector(".am-caption"), n = data.captions.length;
  var play = live.querySelector("[data-act=play]"), timer = null, i = 0;
  function set(el, a, v) { if (v === null) el.removeAttribute(a); else el.setAttribute(a, v); }
  function show(k) {
    i = Math.max(0, Math.min(n - 1, k));
    Object.keys(base).forEach(function (j) {
      els[j].textContent = base[j][0];
      paint.forEach(function (a, m) { set(els[j], a, base[j][1][m]); });
    });
    data.frames[i].forEach(function (c) {
      if (c[1] !== null) els[c[0]].textContent = c[1];
      Object.keys(c[2]).forEach(function (a) { set(els[c[0]], a, c[2][a]); });
    });
    caption.textContent = (i + 1) + "/" + n + ". " + data.captions[i];
    slider.value = i; count.textContent = (i + 1) + " / " + n;
  }
  function stop() { clearInterval(timer); timer = null; play.textContent = data.labels.play; }
  play.onclick = function () {
    if (timer) { stop(); return; }
    if (i === n - 1) show(0);
    play.textContent = data.labels.pause;
    timer = setInterval(function () { if (i >= n - 1) stop(); else show(i + 1); },
                        data.interval);
  };
  var moves = {first: function () { return 0; }, prev: function () { return i - 1; },
               next: function () { return i + 1; }, last: function () { return n - 1; }};
  Object.keys(moves).forEach(function (act) {
    live.querySelector("[data-act=" + act + "]").onclick = function () {
      stop(); show(moves[act]()); };
  });
  slider.oninput = function () { stop(); show(parseInt(slider.value, 10)); };
  var top = live.querySelector(".am-top");
  function follow() {           /* keep the controls in view: below the top edge of */
    if (!document.body.contains(root)) {       /* every box that scrolls the player */
      document.removeEventListener("scroll", follow, true);
      window.removeEventListener("resize", follow);
      return;
    }
    var edge = 0;
    for (var e = root.parentElement; e && e !== document.body; e = e.parentElement) {
      var y = getComputedStyle(e).overflowY;
      if ((y === "auto" || y === "scroll") && e.scrollHeight > e.clientHeight)
        edge = Math.max(edge, e.getBoundingClientRect().top);
    }
    var box = live.getBoundingClientRect();
    top.style.top = Math.max(0, Math.min(edge - box.top, box.height - top.offsetHeight)) + "px";
  }
  document.addEventListener("scroll", follow, true);
  window.addEventListener("resize", follow);
  show(0);
})(0);
"""
# glyphs that common text fonts have (U+23EE/23ED/23F8 need an emoji font)
_PLAY, _PAUSE = "\u25b6 play", "\u275a\u275a pause"
_BUTTONS = (("first", "first frame", "|\u25c0"), ("prev", "previous step", "\u25c0"),
            ("play", "play / pause", _PLAY), ("next", "next step", "\u25b6"),
            ("last", "last frame", "\u25b6|"))
_STILL_NOTE = ("(the last frame; the player needs JavaScript: in Jupyter, run the cell or "
               "trust the notebook)")


def svg_img(svg, alt, style="max-width:100%;height:auto"):
    """An ``<img>`` showing the SVG text ``svg`` from a data: URI, with alt text: it shows
    where inline SVG is stripped (an untrusted notebook's HTML) and keeps its alt text
    in nbconvert's HTML."""
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return (f'<img alt="{html.escape(alt)}" style="{style}" '
            f'src="data:image/svg+xml;base64,{data}">')


class Animation:
    """The frames of ``animate(output)``: ``frames`` (a list of ``Frame``), ``html()`` (the
    player), ``save(path)`` (an .html page with the player), ``alt`` (a text description
    of the last frame: the alt text of the player's still image)."""

    def __init__(self, frames, interval, name, trees, alt=""):
        self.frames, self.interval, self.name = frames, interval, name
        self._trees = trees
        self.alt = alt or f"the graph of {name} after its backward pass"

    def __len__(self):
        return len(self.frames)

    def __getitem__(self, i):
        return self.frames[i]

    def __iter__(self):
        return iter(self.frames)

    def __repr__(self):
        return (f"<autograd_mini Animation: {len(self.frames)} frames of "
                f"{self.name}'s backward pass>")

    def html(self):
        """The player: a self-contained ``<div>`` (a still of the last frame, which its
        plain script replaces by the controls and the frames; no network)."""
        pid, text = self._data()
        last = self.frames[-1]
        still = (f'<div class="am-still"><div class="am-caption">'
                 f'{html.escape(f"{len(self)}/{len(self)}. {last.caption}")} '
                 f'<small>{html.escape(_STILL_NOTE)}</small></div>'
                 f'{svg_img(last.svg, self.alt)}</div>')
        return (f'<div id="{pid}" class="am-player"><style>{_CSS.format(id=pid)}</style>'
                f'{still}<script type="application/json">'
                f'{text.replace("</", "<" + chr(92) + "/")}</script>'
                f'<script>{_JS.replace("ID", json.dumps(pid), 1)}</script></div>')

    def _data(self):
        """(the player's id, the JSON the script reads: the controls and frame 0's SVG,
        the captions, each frame's changes from frame 0)."""
        base, n = self._trees[0], len(self.frames)
        bar = "".join(f'<button type="button" data-act="{act}" title="{title}">{label}'
                      f'</button>' for act, title, label in _BUTTONS)
        bar += (f'<input type="range" min="0" max="{n - 1}" value="0" aria-label="frame">'
                f'<span class="am-count">1 / {n}</span>')
        player = (f'<div class="am-top"><div class="am-bar">{bar}</div>'
                  f'<div class="am-caption"></div></div>'
                  f'<div class="am-stage">{self.frames[0].svg}</div>')
        data = {"captions": [f.caption for f in self.frames], "interval": self.interval,
                "labels": {"play": _PLAY, "pause": _PAUSE}, "player": player,
                "frames": [changes(base, tree) for tree in self._trees]}
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        digest = hashlib.sha1(text.encode()).hexdigest()[:10]
        return f"am-{digest}-{next(_players)}", text

    def _repr_html_(self):
        return self.html()

    def save(self, path):
        """Write the player as an HTML page (``path`` must end in .html or .htm)."""
        import os
        from pathlib import Path
        if Path(path).suffix.lower() not in (".html", ".htm"):
            raise ValueError(f"save({os.fspath(path)!r}): an animation is saved as an HTML "
                             f"page; give a name ending in .html")
        check_writable(path)
        page = ('<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
                f"<title>backpropagation: {html.escape(self.name)}</title></head>"
                f'<body style="max-width:1000px;margin:auto">{self.html()}</body></html>\n')
        return write_file(path, page.encode("utf-8"))
