"""Pictures a learner can read (issue 17): text of at least 13 px at 100 % zoom on a phone
and on a desktop (a figure scrolls sideways inside its box, the page never does), the
notes' 9 digits everywhere, the worked graph's crossing edges told apart, the player's
highlighted node always in view and different from frame to frame, the collapsed view in
the vocabulary of the others, each bias in its own layer, alt text everywhere."""

import re
import xml.etree.ElementTree as ET

import pytest

graphviz = pytest.importorskip("graphviz")

from autograd_mini import Value, animate, draw  # noqa: E402
from autograd_mini.example import WEIGHTS, build_worked_example  # noqa: E402
from autograd_mini.visual.rendering import RendererNotFound, find_program  # noqa: E402
from autograd_mini.visual.value_scene import PALETTE  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def renderer():
    try:
        find_program()
    except RendererNotFound as e:
        pytest.skip(str(e))


def notes_graph():
    """E_total built as the notebook and the notes write it, after backward()."""
    def named(v, label):
        v.label = label
        return v
    i1, i2 = Value(0.05, "i1"), Value(0.10, "i2")
    w = {k: Value(x, k) for k, x in WEIGHTS.items()}
    b1, b2 = Value(0.35, "b1"), Value(0.60, "b2")
    out_h1 = named(named(w["w1"] * i1 + w["w2"] * i2 + b1, "net_h1").sigmoid(), "out_h1")
    out_h2 = named(named(w["w3"] * i1 + w["w4"] * i2 + b1, "net_h2").sigmoid(), "out_h2")
    out_o1 = named(named(w["w5"] * out_h1 + w["w6"] * out_h2 + b2, "net_o1").sigmoid(),
                   "out_o1")
    out_o2 = named(named(w["w7"] * out_h1 + w["w8"] * out_h2 + b2, "net_o2").sigmoid(),
                   "out_o2")
    E = named(named(0.5 * (0.01 - out_o1) ** 2, "E_o1") + named(0.5 * (0.99 - out_o2) ** 2,
                                                                   "E_o2"), "E_total")
    E.backward()
    return E, list(w.values())


# ---------------------------------------------------------------------- crossings
def _curve(d):
    """The points of an SVG path of cubic Béziers ('M x,y C ...'), 16 per segment."""
    pts = [tuple(map(float, p.split(","))) for p in re.findall(r"-?[\d.]+,-?[\d.]+", d)]
    out = [pts[0]]
    for k in range(1, len(pts) - 2, 3):
        p0, p1, p2, p3 = out[-1], pts[k], pts[k + 1], pts[k + 2]
        for s in range(1, 17):
            t = s / 16
            out.append(tuple((1 - t) ** 3 * a + 3 * (1 - t) ** 2 * t * b + 3 * (1 - t) * t ** 2
                             * c + t ** 3 * e for a, b, c, e in zip(p0, p1, p2, p3)))
    return out


def _cross(a, b, c, d):
    def side(p, q, r):
        return (q[0] - p[0]) * (r[1] - p[1]) - (q[1] - p[1]) * (r[0] - p[0])
    return side(a, b, c) * side(a, b, d) < 0 and side(c, d, a) * side(c, d, b) < 0


def crossings(svg):
    """[(edge, edge)] of the drawn edges that cross (not merely meet at a node), each edge
    as (tail, head, its label's colour or None)."""
    edges = []
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        if g.get("class") == "edge" and g.find(f"{SVG}path") is not None:
            tail, head = g.find(f"{SVG}title").text.replace("&#45;", "-").split("->")
            label = g.find(f"{SVG}text")
            edges.append(((tail, head, None if label is None else label.get("fill")),
                          _curve(g.find(f"{SVG}path").get("d"))))
    found = []
    for i, (e, a) in enumerate(edges):
        for f, b in edges[i + 1:]:
            if {e[0], e[1]} & {f[0], f[1]}:
                continue
            boxes = [(min(p[0] for p in c), max(p[0] for p in c), min(p[1] for p in c),
                      max(p[1] for p in c)) for c in (a, b)]
            if boxes[0][1] < boxes[1][0] or boxes[1][1] < boxes[0][0] or \
                    boxes[0][3] < boxes[1][2] or boxes[1][3] < boxes[0][2]:
                continue
            if any(_cross(a[k], a[k + 1], b[m], b[m + 1])
                   for k in range(len(a) - 1) for m in range(len(b) - 1)):
                found.append((e, f))
    return found


@pytest.mark.parametrize("build", ["notes", "example"])
def test_the_worked_graphs_crossing_edges_cannot_be_confused(build):
    """Crossings are left only where an input feeds two neurons (unavoidable), and there
    the two edges' numbers have different colours: an operand used more than once has a
    colour per edge, its line and its number alike. Before: 4 crossings, two of them
    between the weighted sums' edges, whose numbers sat side by side as '1 1'."""
    if build == "notes":
        E, weights = notes_graph()
        g = draw(E, params=weights)
    else:
        ex = build_worked_example()
        E, g = ex.output, draw(ex.output)
    svg = g.pipe("svg")
    found = crossings(svg)
    assert 0 < len(found) <= 5
    for e, f in found:
        assert e[2] != f[2] and (e[2] in PALETTE or f[2] in PALETTE), (e, f)
    ops = dict(re.findall(r'^\s*(n\d+op) \[label="?([^"\s]*)', g.source, re.M))
    for e, f in found:                  # no sum's edges cross: the '1 1' of the issue
        assert ops[e[1]] == "*" and ops[f[1]] == "*", (e, f)
    # every edge of an operand used twice or more has a colour of its own, label alike
    for line in g.source.splitlines():
        colour = re.search(r' color="(#\w+)"', line)
        if colour and "->" in line and "fontcolor" in line:
            assert f'fontcolor="{colour.group(1)}"' in line


# ---------------------------------------------------------------------- digits
def test_the_notes_nine_digits_everywhere():
    """draw, the network view, animate and `example --svg` show the same 9 significant
    digits, enough to check the notes' figures (w1's gradient 0.000438568)."""
    from autograd_mini.example import build_worked_example_mlp
    ex = build_worked_example()
    shown = "0.000438567734"
    assert f"grad {shown}" in draw(ex.output).source
    model, _ = build_worked_example_mlp()
    assert f"grad {shown}" in draw(model, inputs=[0.05, 0.1]).source
    anim = animate(build_worked_example(backward=False).output)
    assert f"grad {shown}" in anim.frames[-1].svg and "net_o1 0.138498562" in anim.alt
    assert round(float(shown), 9) == 0.000438568                # the notes' figure


# ---------------------------------------------------------------------- the player
def highlights(svg):
    """What a frame highlights: (texts of the node, fill) and (texts of the edge, stroke)."""
    found = set()
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        texts = tuple(t.text for t in g.iter(f"{SVG}text"))
        for shape in g:
            fill, stroke = shape.get("fill"), shape.get("stroke")
            if g.get("class") == "node" and fill not in (None, "none", "white", "#ffffff",
                                                           "black"):
                found.add(("node", texts, fill))
            if g.get("class") == "edge" and shape.get("stroke-width") == "2.5":
                found.add(("edge", texts, stroke))
    return frozenset(found)


@pytest.mark.parametrize("case", ["small", "a + a", "worked", "forward"])
def test_every_frame_changes_what_is_highlighted(case):
    """Frames 1 and 2 used to highlight the same node (the start, then its first step)."""
    a = Value(2.0, "a")
    if case == "small":
        out = (a * Value(-3.0, "b") + Value(10.0, "c")) * Value(-2.0, "f")
    elif case == "a + a":
        b = a + a
        out = b + b
    else:
        out = build_worked_example(backward=False).output
    anim = animate(out, forward=case == "forward")
    marks = [highlights(f.svg) for f in anim]
    assert all(m != n for m, n in zip(marks, marks[1:]))
    assert marks[-1] == frozenset() and anim.frames[-1].kind == "done"


def test_the_player_knows_which_node_each_frame_highlights():
    """The script scrolls to it: the element it names is the highlighted node's box."""
    import json
    anim = animate(build_worked_example(backward=False).output, forward=True)
    data = json.loads(re.search(r'<script type="application/json">(.*?)</script>',
                                anim.html(), re.S).group(1))
    assert len(data["focus"]) == len(anim)
    for frame, k in zip(anim, data["focus"]):
        if frame.node is None:
            assert k == -1
            continue
        element = list(ET.fromstring(frame.svg).iter())[1:][k]
        assert element.get("class") == "node"
        assert element.find(f"{SVG}polygon").get("fill") in ("#ffe680", "#d6e6ff")


_IN_VIEW = """() => {
  const stage = document.querySelector('.am-stage'), s = stage.getBoundingClientRect();
  const hot = [...stage.querySelectorAll('polygon')].find(
      p => ['#ffe680', '#d6e6ff'].includes(p.getAttribute('fill')));
  const svg = stage.querySelector('svg');
  const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
  const r = hot && hot.getBoundingClientRect();
  return {hot: !!hot, scale: scale,
          inStage: !hot || (r.top >= s.top && r.bottom <= s.bottom && r.left >= s.left
                            && r.right <= s.right),
          inWindow: !hot || (r.top >= 0 && r.bottom <= innerHeight && r.left >= 0
                             && r.right <= innerWidth),
          sideways: document.documentElement.scrollWidth > document.documentElement.clientWidth};
}"""


@pytest.mark.parametrize("width", [390, 1280])
def test_the_players_highlighted_node_stays_in_view(browser, tmp_path, width):
    """In a 900 px window, 10 of 28 highlighted steps were visible without scrolling:
    now every one is, inside the player's stage and the window, at 390 and 1280 px,
    with text at its natural size (13.3 px) and no sideways scrolling of the page."""
    path = tmp_path / "p.html"
    animate(build_worked_example(backward=False).output).save(path)
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_selector(".am-bar button")
    states = []
    for _ in range(28):
        states.append(page.evaluate(_IN_VIEW))
        page.click("[data-act=next]")
    page.close()
    assert errors == [] and sum(s["hot"] for s in states) == 27
    assert all(s["inStage"] and s["inWindow"] for s in states)
    assert not any(s["sideways"] for s in states)
    assert min(s["scale"] for s in states) == pytest.approx(4 / 3, rel=1e-3)   # 10 pt: 13.3 px


@pytest.mark.parametrize("width", [390, 1280])
def test_drawings_in_a_page_keep_readable_text(browser, tmp_path, width):
    """draw()'s Jupyter HTML in a page as wide as a phone or a desktop: every picture at
    its natural size (its smallest text 13.3 px), scrolling inside its own box."""
    ex = build_worked_example()
    from autograd_mini.example import build_worked_example_mlp
    model, _ = build_worked_example_mlp()
    figures = [draw(ex.output), draw(model, inputs=[0.05, 0.1]), draw(Value(2.0, "x") * 3)]
    path = tmp_path / "page.html"
    path.write_text('<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
                    + "".join(f._repr_html_() for f in figures) + "</body></html>",
                    encoding="utf-8")
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(path.as_uri())
    found = page.evaluate("""() => ({
      sideways: document.documentElement.scrollWidth > document.documentElement.clientWidth,
      images: [...document.images].map(i => [i.getBoundingClientRect().width, i.naturalWidth,
                                             i.alt.length, i.parentElement.clientWidth])})""")
    page.close()
    assert not found["sideways"]
    for shown, natural, alt, box in found["images"]:
        assert shown == pytest.approx(natural, abs=1) and alt > 30 and box <= width


# ---------------------------------------------------------------------- vocabulary
def test_the_collapsed_view_draws_ops_as_the_others_do():
    from autograd_mini.losses import hinge
    from autograd_mini.nn import MLP
    model = MLP(2, [16, 16, 1], seed=1)
    loss = hinge([model([0.5, -1.0])], [-1])
    loss.label = "loss"
    loss.backward()
    g = draw(loss, module=model, cluster="neuron", collapse=True)
    ops = re.findall(r'^\s*n\d+op \[label="?([^"\n]*?)"? fontsize=10[^\n]*shape=ellipse',
                     g.source, re.M)
    assert ops and "<td>op " not in g.source          # no 'op * 1' lines in boxes
    heads = [h for _, h in re.findall(r"^\s*(\w+) -> (\w+)", g.source, re.M)]
    assert max(heads.count(h) for h in set(heads)) <= 2     # no knot of 16 arrowheads
    assert "16×1\nweights" in g.source
