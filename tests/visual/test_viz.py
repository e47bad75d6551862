"""draw(): DOT content, layout that fits a column, the network view, rendering and saving."""

import base64
import html
import os
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

graphviz = pytest.importorskip("graphviz")

from autograd_mini import Value, draw, topological_order  # noqa: E402
from autograd_mini.example import WEIGHTS, build_worked_example  # noqa: E402
from autograd_mini.nn import MLP  # noqa: E402
from autograd_mini.visual.digits import format_number as number  # noqa: E402
from autograd_mini.visual.naming import op_text  # noqa: E402
from autograd_mini.visual.rendering import RendererNotFound, find_program  # noqa: E402
from builders import labelled_expression  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
NEW_ENGINE = hasattr(Value(1.0) + 1.0, "constant")


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


# ------------------------------------------------------------------ DOT content
def test_boxes_show_label_data_and_grad():
    L, _ = small()
    dot = draw(L).source
    found = boxes(dot)
    assert len(found) == 7 and len(op_nodes(dot)) == 3
    assert len(edges(dot)) == 9                     # 2 + 2 + 2 operands, 3 op -> result
    assert ["a", "data 2", "grad 6"] in found.values()          # dL/da = b*f
    assert ["b", "data -3", "grad -4"] in found.values()        # dL/db = a*f
    assert ["f", "data -2", "grad 4"] in found.values()         # dL/df = d
    assert ["L", "data -8", "grad 1"] in found.values()


def test_numbers_are_significant_digits():
    ex = build_worked_example()
    w1 = ex["w1"].grad
    dot = draw(ex.output).source
    lines = [line for b in boxes(dot).values() for line in b]
    # by default 9, as the notes and `python -m autograd_mini example --svg` (0.000438568)
    assert f"grad {number(w1, 9)}" in lines and number(w1, 9) == "0.000438567734"
    four = [x for b in boxes(draw(ex.output, precision=4).source).values() for x in b]
    assert "grad 0.0004386" in four and "grad 0.0004" not in four   # not fixed decimals
    assert f"grad {number(w1, 2)}" in [x for b in boxes(draw(ex.output, precision=2).source
                                                          ).values() for x in b]
    assert "grad 0.000438568" in draw(ex.output, precision=6).source
    hidden = draw(ex.output, show_grad=False).source
    assert "grad" not in "".join(x for b in boxes(hidden).values() for x in b)


def test_edges_carry_local_derivatives():
    L, (a, b, c, f) = small()
    dot = draw(L).source
    name = {lines[0]: n for n, lines in boxes(dot).items()}
    labels = edge_labels(dot)
    assert labels[(name["a"], name["e"] + "op")] == "-3"        # d(a*b)/da = b
    assert labels[(name["b"], name["e"] + "op")] == "2"         # d(a*b)/db = a
    assert labels[(name["d"], name["L"] + "op")] == "-2"        # d(d*f)/dd = f
    assert labels[(name["c"], name["d"] + "op")] == "1"
    assert "local derivatives" in dot                           # the caption says so
    # grad of a node = sum over its edges of (edge number x grad of the result)
    for v in topological_order(L):
        for p, local in zip(v.parents, v.local_grads):
            assert labels[(f"n{topological_order(L).index(p)}",
                           f"n{topological_order(L).index(v)}op")] == number(local, 4)
    bare = draw(L, local_grads=False).source
    assert not edge_labels(bare) and "local derivatives" not in bare


def test_local_derivatives_are_off_by_default_for_big_graphs():
    x = Value(0.5, "x")
    y = x
    for _ in range(40):
        y = (y * 0.9).tanh()
    assert len(topological_order(y)) > 60
    assert not edge_labels(draw(y).source)
    assert edge_labels(draw(y, local_grads=True).source)


def test_edges_follow_the_forward_pass():
    L, _ = small()
    dot = draw(L).source
    name = {lines[0]: n for n, lines in boxes(dot).items()}
    pairs = edges(dot)
    assert (name["a"], name["e"] + "op") in pairs
    assert (name["e"] + "op", name["e"]) in pairs
    assert all(not tail.endswith("op") or head == tail[:-2] for tail, head in pairs)


def test_constants_show_in_the_op_node():
    x = Value(4.0, "x")
    cases = {"* 3": x * 3, "+ 2": x + 2, "- 1.5": x - 1.5, "2 -": 2 - x, "/ 8": x / 8,
             ("** 2" if NEW_ENGINE else "**2"): x ** 2, "*": x * x, "+ 0.1": Value(0.2) + 0.1}
    for expected, n in cases.items():
        assert op_text(n) == expected
        assert op_nodes(draw(n).source)[f"n{len(topological_order(n)) - 1}op"] == expected


def test_a_value_used_twice_has_two_edges():
    a = Value(1.0, "a")
    b = a + a
    assert edges(draw(b).source).count(("n0", "n1op")) == 2


def test_highlighted_parameters_and_root():
    L, (a, b, c, f) = small()
    dot = draw(L, params=[a, f]).source
    filled = re.findall(r"<table[^>]*bgcolor=\"#cde4ff\"><tr><td>(\w+)</td>", dot)
    assert sorted(filled) == ["a", "f"]
    assert re.search(r'<table border="2"[^>]*><tr><td>L</td>', dot)


def test_special_characters_are_escaped_and_render():
    x = Value(1.0, 'x{1}|<y> & "z"')
    g = draw(x * 2)
    assert "x{1}|&lt;y&gt; &amp; \"z\"" in g.source
    renderer()
    assert 'x{1}|<y> & "z"' in svg_texts(g.pipe("svg").decode())


def test_cluster_per_neuron_and_collapse():
    model = MLP(2, [3, 2, 1], activation="tanh", seed=0)
    x = [Value(0.5, "x0"), Value(-1.0, "x1")]
    loss = (model(x) - 1.0) ** 2
    loss.label = "loss"
    loss.backward()
    dot = draw(loss, module=model, cluster="neuron").source
    assert dot.count("subgraph cluster_") == 6      # 3 + 2 + 1 neurons
    for name in ("L0.N0", "L0.N2", "L1.N1", "L2.N0"):
        assert f'label="{name}"' in dot
    assert draw(loss, module=model, cluster="layer").source.count("subgraph cluster_") == 3
    collapsed = draw(loss, module=model, cluster="neuron", collapse=True).source
    found = boxes(collapsed)
    titles = [found[f"c{i}"][0] for i in range(6)]
    assert titles == ["L0.N0 (tanh)", "L0.N1 (tanh)", "L0.N2 (tanh)", "L1.N0 (tanh)",
                      "L1.N1 (tanh)", "L2.N0 (linear)"]
    out = model.layers[2].neurons[0]
    top = loss.parents[0].parents[0]                # the output neuron's z
    assert found["c5"][1:] == [f"out {number(top.data, 9)}",
                               f"∂loss/∂out {number(top.grad, 9)}"]
    assert out.b in model.parameters()
    # x0, x1, the loss's two nodes and one box per neuron; the loss's ops are ovals with
    # their symbol, as in every drawing (not lines 'op - 1' in the boxes)
    assert len(found) == 6 + 4
    assert sorted(op_nodes(collapsed).values()) == ["** 2", "- 1"]
    assert not [x for b in found.values() for x in b if x.startswith("op ")]
    assert len([e for e in edges(collapsed) if e[0].startswith("c")]) == 6 + 2 + 1


def test_an_off_relu_says_it_passes_nothing_back():
    m = MLP(2, [3, 1], seed=2)
    x = [0.5, 1.0]
    loss = (m(x) - 5) ** 2
    loss.label = "loss"
    loss.backward()
    found = boxes(draw(loss, module=m, cluster="neuron", collapse=True).source)
    for j, n in enumerate(m.layers[0].neurons):
        lines = found[f"c{j}"]
        off = sum(w * xk for w, xk in zip(n.w, x)) + n.b.data <= 0
        assert ("off: passes 0 back" in lines) == off
        assert lines[2].startswith("∂loss/∂out ")
    assert any("off: passes 0 back" in lines for lines in found.values())


def big_moons_loss(seed=1):
    from autograd_mini.losses import hinge
    big = MLP(2, [16, 16, 1], seed=seed)
    loss = hinge([big([0.5, -1.0])], [-1], big.parameters(), alpha=1e-4)
    loss.label = "loss"
    loss.backward()
    return big, loss


def bundles(dot):
    """{bundle node: (its label, the cluster it leaves, the cluster it enters)}."""
    found = {}
    for name, label in re.findall(r'^\s*(\w+_to_\w+) \[label="([^"]*)"', dot, flags=re.M):
        ltail = re.search(rf"-> {name} \[[^\]]*ltail=(\w+)", dot).group(1)
        lhead = re.search(rf"{name} -> \w+ \[[^\]]*lhead=(\w+)", dot).group(1)
        found[name] = (label, ltail, lhead)
    return found


def test_collapsed_big_network_draws_one_bundle_not_a_band():
    big, loss = big_moons_loss()
    dot = draw(loss, module=big, cluster="neuron", collapse=True).source
    between = [e for e in edges(dot) if e[0].startswith("c") and e[1].startswith("c")]
    assert between == []                            # no 256 edges, no 16 into L2.N0
    assert bundles(dot) == {"L0_to_L1": ("16×16\nweights", "cluster_L0", "cluster_L1"),
                            # 16 arrowheads into one box were a black knot: one edge
                            "L1_to_L2": ("16×1\nweights", "cluster_L1", "cluster_L2"),
                            # the inputs, leaves once per layer call, bundled too
                            "in_to_L0": ("2×16\nweights", "cluster_in", "cluster_L0")}
    assert "674 ops on" in dot and "337 parameters" in dot
    xs = [Value(0.5, "x0"), Value(-1.0, "x1")]      # with input nodes: a bundle from them
    dot = draw((big(xs) - 1) ** 2, module=big, cluster="neuron", collapse=True).source
    assert bundles(dot)["in_to_L0"] == ("2×16\nweights", "cluster_in", "cluster_L0")


def test_cluster_without_mlp_names_is_an_error():
    L, _ = small()
    with pytest.raises(ValueError, match="L0.N1.w0"):
        draw(L, cluster="neuron")
    with pytest.raises(ValueError, match="collapse=True needs cluster"):
        draw(L, collapse=True)


def test_node_limit_stops_with_advice():
    x = Value(1.0, "x")
    y = x
    for _ in range(200_000):
        y = y + 1
    with pytest.raises(ValueError) as e:
        draw(y)
    msg = str(e.value)
    assert "more than max_nodes=300" in msg
    assert "cluster='neuron', collapse=True" in msg and "max_nodes=None" in msg
    z = x
    for _ in range(400):
        z = z * 1
    assert len(boxes(draw(z, max_nodes=None).source)) == 401
    with pytest.raises(ValueError, match="more than max_nodes=400"):
        draw(z, max_nodes=400)


def test_bad_arguments():
    L, _ = small()
    with pytest.raises(TypeError, match="root must be a Value or a Module"):
        draw(3.0)
    with pytest.raises(ValueError, match="cluster"):
        draw(L, cluster="neurons")
    with pytest.raises(ValueError, match="rankdir"):
        draw(L, rankdir="up")
    for bad in (0, -1, 18, 2.5, True):
        with pytest.raises(ValueError, match="significant digits"):
            draw(L, precision=bad)
    with pytest.raises(ValueError, match="local_grads"):
        draw(L, local_grads="yes")
    with pytest.raises(TypeError, match="inputs= and names= apply to draw"):
        draw(L, inputs=["x"])
    model = MLP(2, [2, 1], seed=0)
    with pytest.raises(TypeError, match="cluster apply to drawing a Value"):
        draw(model, cluster="neuron")
    with pytest.raises(ValueError, match="inputs must list 2"):
        draw(model, inputs=["x"])
    with pytest.raises(TypeError, match="names must be a dict"):
        draw(model, names=["a"])


# ------------------------------------------------------------------ layout and fonts
def test_direction_follows_the_shape():
    chain = Value(0.5, "x")
    for _ in range(20):
        chain = (chain * 0.9).tanh()
    assert "rankdir=TB" in draw(chain).source           # a deep chain: top to bottom
    level = [Value(float(k), f"x{k}") for k in range(32)]
    while len(level) > 1:                               # a balanced sum: wide and shallow
        level = [a + b for a, b in zip(level[::2], level[1::2])]
    assert "rankdir=LR" in draw(level[0]).source
    assert "rankdir=BT" in draw(level[0], rankdir="BT").source
    ex = build_worked_example()
    assert "rankdir=TB" in draw(ex.output).source
    assert "rankdir=TB" in draw(small()[0]).source      # taller than wide


def figure_cases():
    ex = build_worked_example()
    big, loss = big_moons_loss()
    return {"tiny": draw(small()[0]),
            "worked example": draw(ex.output, params=[ex[w] for w in WEIGHTS]),
            "collapsed moons network": draw(loss, module=big, cluster="neuron", collapse=True),
            "network 2-2-2": draw(worked_mlp()[0], inputs=[0.05, 0.10]),
            "network 2-16-16-1": draw(big)}


def test_pictures_keep_their_natural_size_and_scroll_sideways():
    """Text of at least 13 px (10 pt) at 100 % zoom on any page: the SVG keeps its size
    (no max-width on it), and Jupyter gets it as an <img> of that size in a box that
    scrolls sideways, never wider than the column."""
    renderer()
    for case, g in figure_cases().items():
        svg = g.pipe("svg").decode()
        root = re.search(r"<svg\b[^>]*>", svg).group()
        assert "style=" not in root and "max-width" not in svg, case
        width_pt = float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1))
        view = [float(x) for x in re.search(r'viewBox="([^"]+)"', root).group(1).split()]
        assert width_pt == pytest.approx(view[2], abs=1)     # 1 unit = 1 pt = 4/3 px
        smallest = min(float(f) for f in re.findall(r'font-size="([\d.]+)"', svg))
        assert smallest * 4 / 3 >= 13, case
        page = g._repr_html_()
        assert page.startswith('<div class="am-figure" style="overflow-x:auto;max-width:100%">')
        assert f'width="{round(width_pt * 4 / 3)}"' in page and "max-width:none" in page


def test_svg_names_a_font_the_renderer_has():
    path = renderer()
    svg = draw(small()[0]).pipe("svg").decode()
    families = set(re.findall(r'font-family="([^"]*)"', svg))
    assert families == {"Arimo,Liberation Sans,Arial,Helvetica,sans-serif"}
    if "graphviz-pure" in Path(path).name:              # it ships Arimo's metrics
        assert "-Nfontname=Arimo" in " ".join(_command_line(path))


def _command_line(path):
    from autograd_mini.visual.rendering import font_for
    font = font_for(path)
    return [f"-{k}fontname={font}" for k in "GNE"]


# ------------------------------------------------------------------ the network view
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


def test_network_view_of_the_worked_example():
    m, E = worked_mlp()
    ex = build_worked_example()
    g = draw(m, inputs=[Value(0.05, "i1"), Value(0.10, "i2")],
             names={"L0.N0": "h1", "L0.N1": "h2", "L1.N0": "o1", "L1.N1": "o2"})
    dot = g.source
    circles = dict(re.findall(r'^\s*(\w+) \[label="([^"]*)"[^\n]*shape=circle', dot, re.M))
    assert circles["x0"] == "i1\n0.05" and circles["x1"] == "i2\n0.1"
    assert circles["L0N0"] == f"h1\nout {number(ex['out_h1'].data, 9)}"
    assert circles["L1N1"] == f"o2\nout {number(ex['out_o2'].data, 9)}"
    labels = edge_labels(dot)
    for w, (tail, head) in zip(WEIGHTS, [("x0", "L0N0"), ("x1", "L0N0"), ("x0", "L0N1"),
                                         ("x1", "L0N1"), ("L0N0", "L1N0"), ("L0N1", "L1N0"),
                                         ("L0N0", "L1N1"), ("L0N1", "L1N1")]):
        assert labels[(tail, head)] == (f"{w} = {number(WEIGHTS[w], 9)}\n"
                                        f"grad {number(ex[w].grad, 9)}")
    assert labels[("x0", "L0N0")] == "w1 = 0.15\ngrad 0.000438567734"
    # the shared biases are nodes feeding both neurons of their layer; grad = the sum
    assert f"b1 = 0.35\ngrad {number(ex['b1'].grad, 9)}" in dot
    # each in the box of the layer it belongs to (b2 was drawn in the hidden layer's)
    for bias, layer in (("b0", "L0"), ("b1", "L1")):
        cluster = re.search(rf"subgraph cluster_{layer} {{(.*?)\n\t}}", dot, re.S).group(1)
        assert re.search(rf"^\t\t{bias} \[", cluster, re.M), (bias, layer)
    assert {("b0", "L0N0"), ("b0", "L0N1"), ("b1", "L1N0"), ("b1", "L1N1")} <= set(edges(dot))
    assert len(edges(dot)) == 8 + 4                 # weights, bias edges
    renderer()
    texts = svg_texts(g.pipe("svg").decode())
    assert "grad 0.000438567734" in texts and "w5 = 0.4" in texts
    assert g.alt.startswith("Network diagram, inputs: i1 0.05, i2 0.1; layer L0 (sigmoid)")
    assert "w1 = 0.15 grad 0.000438567734" in g.alt and "b2 = 0.6 grad 0.100400325" in g.alt


def test_network_view_before_backward_hides_grads():
    m = MLP(2, [3, 1], seed=4)
    dot = draw(m).source
    assert "grad " not in dot and "L0.N0.w0 = " in dot and "b = 0" in dot
    assert draw(m, show_grad=True).source.count("grad 0") >= 9 + 4


def test_network_view_of_a_big_network_bundles_and_drops_labels():
    big, loss = big_moons_loss()
    dot = draw(big).source
    assert not edge_labels(dot)                     # no weight is labelled
    found = bundles(dot)
    assert [(t, h) for _, t, h in found.values()] == [("cluster_in", "cluster_L0"),
                                                       ("cluster_L0", "cluster_L1"),
                                                       ("cluster_L1", "cluster_L2")]
    for layer, (label, _, _) in zip(big.layers, found.values()):
        strongest = max((w for n in layer.neurons for w in n.w), key=lambda w: abs(w.grad))
        assert label.startswith(f"{layer.nin}×{len(layer.neurons)}\nweights\n"
                                "largest |grad|\n")
        assert label.endswith(f"{number(abs(strongest.grad), 9)}\n({strongest.label})")
    drawn = [e for e in edges(dot) if not e[1].endswith(tuple(found))
             and not e[0].endswith(tuple(found))]
    assert drawn == []                  # 16 arrowheads into L2.N0 were a knot: a bundle
    renderer()
    svg = draw(big).pipe("svg").decode()
    for layer in ("L0", "L1"):                       # neurons in order, N0 at the top
        ys = []
        for j in range(16):
            group = re.search(rf'<g id="{layer}N{j}" class="node">.*?</g>', svg, re.S).group(0)
            ys.append(float(re.search(r'y="(-?[\d.]+)"', group).group(1)))
        assert ys == sorted(ys)


# ------------------------------------------------------------------ determinism
SCRIPT = """
from autograd_mini import Value, draw
from autograd_mini.nn import MLP
m = MLP(2, [3, 1], activation="tanh", seed=1)
loss = (m([Value(0.5, "x0"), Value(-1.0, "x1")]) - 1) ** 2
loss.backward()
print(draw(loss).source + draw(loss, module=m, cluster="neuron").source + draw(m).source)
"""


def test_dot_is_byte_identical_across_runs_and_hash_seeds():
    runs = []
    for seed in ("0", "1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(ROOT))
        runs.append(subprocess.run([sys.executable, "-c", SCRIPT], env=env, cwd=ROOT,
                                   capture_output=True, text=True, check=True).stdout)
    assert runs[0] == runs[1] == runs[2]
    assert "n0 " in runs[0] and "0x" not in runs[0]     # no id() in node names


# ------------------------------------------------------------------ rendering backends
def _backends():
    found = []
    system = shutil.which("dot")
    found.append(pytest.param(system, id="system-dot", marks=pytest.mark.skipif(
        system is None, reason="no system Graphviz `dot` on PATH")))
    try:
        pure = find_program("graphviz-pure")
    except RendererNotFound:
        pure = None
    found.append(pytest.param(pure, id="graphviz-pure", marks=pytest.mark.skipif(
        pure is None, reason="graphviz-pure not installed")))
    return found


@pytest.mark.parametrize("program", _backends())
def test_svg_has_every_node_and_number(program):
    L, _ = small()
    g = draw(L, program=program)
    assert g.backend == program
    svg = g.pipe("svg").decode()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert svg.count('class="node"') == 7 + 3
    assert svg.count('class="edge"') == 9
    texts = svg_texts(svg)
    for expected in ("a", "data 2", "grad 6", "L", "data -8", "grad 1", "*", "+", "-3"):
        assert expected in texts
    assert g.pipe("svg", encoding="utf-8") == svg


@pytest.mark.parametrize("program", _backends())
def test_save_svg_png_and_source(program, tmp_path):
    L, _ = small()
    g = draw(L, program=program)
    svg = Path(g.save(tmp_path / "graph.svg"))
    png = Path(g.save(str(tmp_path / "graph.png")))
    jpg = Path(g.save("graph.jpg", directory=tmp_path))
    gv = Path(g.save(tmp_path / "graph.gv"))
    assert svg.read_text().count('class="node"') == 10
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 1000
    assert jpg.read_bytes()[:2] == b"\xff\xd8"
    assert gv.read_text() == g.source
    rendered = Path(g.render(tmp_path / "r", format="svg"))
    assert rendered.name == "r.svg" and "<svg" in rendered.read_text()
    assert (tmp_path / "r").read_text() == g.source


@pytest.mark.parametrize("program", _backends())
def test_jupyter_shows_svg(program):
    L, _ = small()
    g = draw(L, program=program)
    bundle = g._repr_mimebundle_()
    # HTML for every notebook, trusted or not: an <img> of the SVG with alt text (an
    # untrusted JupyterLab drops image/svg+xml and inline SVG, keeps <img> data: URIs);
    # a PNG beside it, the alt text as plain text
    assert list(bundle) == ["text/html", "image/png", "text/plain"]
    page = bundle["text/html"]
    alt = html.unescape(re.search(r'<img alt="([^"]*)"', page).group(1))
    assert alt == bundle["text/plain"] == g.alt
    assert alt.startswith("Computation graph of L: 7 values as boxes (data and grad), 3 ops")
    assert "L -8 grad 1" in alt and "a 2 grad 6" in alt
    svg = base64.b64decode(re.search(r'base64,([^"]+)"', page).group(1)).decode()
    assert svg == g.pipe("svg", encoding="utf-8") and svg.count('class="node"') == 10
    assert "<svg" not in page and "<script" not in page
    png = bundle["image/png"]
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png == g.pipe("png")
    width, height = struct.unpack(">II", png[16:24])           # the IHDR chunk
    svg_width = float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1))
    assert width == pytest.approx(svg_width * 4 / 3, abs=2)   # the same size on screen
    assert list(g._repr_mimebundle_(include=["image/png"])) == ["image/png"]
    assert list(g._repr_mimebundle_(exclude=["image/png", "text/plain"])) == ["text/html"]
    assert isinstance(g, graphviz.Digraph)
    assert repr(g) == "<autograd_mini Graph: 10 nodes, 9 edges>"
    assert g.copy().program == program


@pytest.mark.parametrize("program", _backends())
def test_svg_keeps_its_natural_size(program):
    """pipe("svg"), save(".svg") and Jupyter's SVG are drawn at their natural size (they
    used to shrink to the column, to 4-6 px text on a phone); Jupyter's HTML scrolls."""
    g = draw(small()[0], program=program)
    for svg in (g.pipe("svg").decode(), g.pipe("svg", encoding="utf-8")):
        assert "max-width" not in svg and "style=" not in re.search(r"<svg\b[^>]*>", svg).group()
    assert "overflow-x:auto" in g._repr_html_()


def test_graphviz_pure_output_is_byte_identical():
    try:
        pure = find_program("graphviz-pure")
    except RendererNotFound:
        pytest.skip("graphviz-pure not installed")
    assert draw(small()[0], program=pure).pipe("svg") == \
        draw(small()[0], program=pure).pipe("svg")


def test_environment_variable_chooses_the_program(monkeypatch):
    monkeypatch.setenv("AUTOGRAD_MINI_DOT", "no-such-dot-program")
    with pytest.raises(RendererNotFound, match="AUTOGRAD_MINI_DOT='no-such-dot-program'"):
        draw(small()[0]).pipe("svg")


def test_no_renderer_says_how_to_fix_and_keeps_the_source(monkeypatch):
    monkeypatch.delenv("AUTOGRAD_MINI_DOT", raising=False)
    monkeypatch.setattr(shutil, "which", lambda *a, **k: None)
    g = draw(small()[0])
    with pytest.raises(RendererNotFound) as e:
        g.pipe("svg")
    assert isinstance(e.value, RuntimeError)
    assert "pip install graphviz-pure" in str(e.value)
    assert "apt-get install graphviz" in str(e.value)
    assert "graph.source" in str(e.value)
    assert "data 2" in g.source                               # DOT is still there
    bundle = g._repr_mimebundle_()                            # Jupyter shows why
    assert "pip install graphviz-pure" in bundle["text/plain"]
    assert "digraph" in bundle["text/plain"]


def test_import_works_without_graphviz():
    code = ("import sys; sys.modules['graphviz'] = None\n"
            "import autograd_mini as am\n"
            "x = am.Value(2.0, 'x'); y = x * x\n"
            "print(am.explain(y, x).gradient)\n"
            "try:\n    am.draw(y)\nexcept ImportError as e:\n    print(e)\n"
            "from autograd_mini.visual.viz import RendererNotFound, find_program\n"
            "try:\n    find_program()\nexcept RendererNotFound as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    lines = out.stdout.splitlines()
    assert lines[0] == "4.0"
    assert "pip install graphviz graphviz-pure" in lines[1]
    assert "graphviz Python package" in lines[2]


def test_example_command_without_the_graphviz_package_says_error(tmp_path):
    code = ("import sys, runpy; sys.modules['graphviz'] = None\n"
            f"sys.argv = ['autograd_mini', 'example', '--steps', '0', '--svg', "
            f"{str(tmp_path / 'x.svg')!r}]\n"
            "runpy.run_module('autograd_mini', run_name='__main__')\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr
    assert "pip install graphviz" in proc.stderr and not (tmp_path / "x.svg").exists()


def test_system_dot_is_preferred_then_graphviz_pure(monkeypatch):
    monkeypatch.delenv("AUTOGRAD_MINI_DOT", raising=False)
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, path=None: "/opt/graphviz/bin/dot"
                        if name == "dot" else real_which(name, path=path))
    assert find_program() == "/opt/graphviz/bin/dot"
    assert draw(small()[0]).backend == "/opt/graphviz/bin/dot"


def test_graphviz_pure_is_found_next_to_python_without_path(monkeypatch):
    scripts = Path(sys.executable).parent
    if not (scripts / "graphviz-pure").exists():
        pytest.skip("graphviz-pure is not installed next to this Python")
    monkeypatch.delenv("AUTOGRAD_MINI_DOT", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")          # e.g. a venv that is not activated
    assert Path(find_program()).name == "graphviz-pure"
    assert b"<svg" in draw(small()[0]).pipe("svg")


def test_example_command_writes_the_graph_as_svg(tmp_path):
    import xml.etree.ElementTree as ET
    renderer()
    out = tmp_path / "example.svg"
    proc = subprocess.run([sys.executable, "-m", "autograd_mini", "example", "--steps", "1",
                           "--svg", str(out)], cwd=ROOT, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 0, proc.stderr
    assert "E_total" in proc.stdout                   # the table is still printed
    svg = out.read_text()
    ET.fromstring(svg.encode())                       # well-formed XML
    texts = svg_texts(svg)
    for name in ["i1", "i2", "b1", "b2", "net_h1", "out_o1", "E_total"] + list(WEIGHTS):
        assert name in texts
    ex = build_worked_example()
    assert "data 0.298371109" in texts                # E_total
    assert f"grad {number(ex['w5'].grad, 9)}" in texts
    assert f"grad {number(ex['w1'].grad, 9)}" in texts
    assert svg.count("#cde4ff") == 8                  # w1..w8 highlighted
    assert readable_at_column(svg)[1] >= 10


def test_example_command_without_renderer_fails_clearly(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), AUTOGRAD_MINI_DOT="no-such-dot-program")
    proc = subprocess.run([sys.executable, "-m", "autograd_mini", "example", "--steps", "0",
                           "--svg", str(tmp_path / "x.svg")], cwd=ROOT, capture_output=True,
                          text=True, env=env)
    assert proc.returncode == 1
    assert "no-such-dot-program" in proc.stderr and not (tmp_path / "x.svg").exists()


# ------------------------------------------------------------------ saving
@pytest.mark.parametrize("name", ["graph.pdf", "graph.ps", "graph.gif", "graph.PDF",
                                  "graph.txt", "graph", "graph.svg.bak"])
def test_save_refuses_names_it_cannot_write(tmp_path, name):
    with pytest.raises(ValueError, match=r"\.svg, \.png, \.jpg.*\.gv, \.dot"):
        draw(small()[0]).save(str(tmp_path / name))
    assert list(tmp_path.iterdir()) == []


def test_save_does_not_create_folders(tmp_path):
    missing = tmp_path / "no" / "such"
    with pytest.raises(FileNotFoundError, match=re.escape(repr(str(missing)))):
        draw(small()[0]).save(missing / "x.svg")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(IsADirectoryError, match="is a folder"):
        draw(small()[0]).save(tmp_path)
    (tmp_path / "file").write_text("")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        draw(small()[0]).save(tmp_path / "file" / "x.gv")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="needs POSIX permissions that bind (root may write anything)")
def test_save_onto_a_read_only_file_says_so(tmp_path):
    target = tmp_path / "x.gv"
    target.write_text("old")
    target.chmod(0o444)
    with pytest.raises(PermissionError, match="read-only"):
        draw(small()[0]).save(target)
    assert target.read_text() == "old"


def test_save_writes_the_dot_source_for_gv_and_dot(tmp_path):
    g = draw(small()[0])
    for name in ("g.gv", "g.dot", "G.GV"):
        g.save(str(tmp_path / name))
        assert (tmp_path / name).read_text() == g.source


def test_non_ascii_labels_render_without_font_warnings(capfd):
    renderer()
    a = Value(2.0, "α")
    draw(a * 3 + Value(1.0, "β")).pipe("svg")
    assert capfd.readouterr().err == ""
    broken = draw(a)
    broken.body.append("n0 -> ;\n")                     # a real renderer error still raises
    with pytest.raises(graphviz.CalledProcessError, match="syntax error"):
        broken.pipe("svg")


# ------------------------------------------------------------------ collapsed drawings
def test_collapsed_box_over_several_samples_says_so():
    model = MLP(2, [3, 1], seed=2)
    one = (model([0.5, 1.0]) - 1) ** 2
    both = one + (model([-0.5, 2.0]) + 1) ** 2
    single = boxes(draw(one, module=model, cluster="neuron", collapse=True).source)
    assert single["c0"][0] == "L0.N0 (relu)" and single["c0"][1].startswith("out ")
    double = draw(both, module=model, cluster="neuron", collapse=True).source
    assert double.count("2 outputs (one per pass)") == 4     # 3 hidden + 1 output neuron


def test_gradients_that_are_values_are_drawn_as_numbers():
    x = Value(3.0, "x")
    y = x * x * x
    y.backward(create_graph=True)                     # x.grad is a Value: 3x^2 = 27
    assert isinstance(x.grad, Value)
    assert ["x", "data 3", "grad 27"] in boxes(draw(y).source).values()


def test_regulariser_terms_stay_outside_the_neurons():
    from autograd_mini.losses import hinge
    m = MLP(2, [3, 1], seed=1)
    loss = hinge([m([0.5, -1.0])], [1], m.parameters(), alpha=1e-4)
    loss.backward()
    dot = draw(loss, module=m, cluster="neuron", collapse=True).source
    found = boxes(dot)
    assert [found[f"c{i}"][0] for i in range(4)] == ["L0.N0 (relu)", "L0.N1 (relu)",
                                                     "L0.N2 (relu)", "L1.N0 (linear)"]
    # 13 parameters, 13 squares, 12 sums of them and the product with alpha
    terms = found["p0"]
    assert terms[:3] == ["parameter terms", "26 ops on", "13 parameters"]
    assert terms[3:] == [f"data {number(loss.data - loss.parents[0].data, 9)}", "grad 1"]
    full = draw(loss, module=m, cluster="neuron").source
    inside = [line for line in full.splitlines() if line.startswith("\t\tn")]
    sums = [line for line in inside if re.search(r'op \[label="?(wsum|Σ)', line)]
    assert len(sums) == 3 + 1                   # each neuron's net = b + Σ w·x, one node
    outside = [line for line in full.splitlines() if line.startswith("\tn")]
    assert len([line for line in outside if re.search(r'op \[label="\*"', line)]) == 13


def test_a_sum_of_two_passes_is_not_part_of_the_neuron():
    m = MLP(2, [2, 1], activation="tanh", seed=3)
    z0, z1 = m([0.3, 0.4]), m([0.1, 0.2])
    tot = z0 + z1
    tot.backward()
    dot = draw(tot, module=m, cluster="neuron", collapse=True).source
    found = boxes(dot)
    assert found["c2"] == ["L1.N0 (linear)", "2 outputs (one per pass)"]
    root = [n for n, lines in found.items() if lines[-1] == "grad 1"]
    assert len(root) == 1 and found[root[0]] == [f"data {number(tot.data, 9)}", "grad 1"]
    assert op_nodes(dot)[root[0] + "op"] == "+"
    assert edges(dot).count(("c2", root[0] + "op")) == 2      # z0 + z1: both from the box


def test_collapsed_layers_count_neurons_and_passes():
    m = MLP(2, [3, 1], seed=2)
    one = (m([0.5, 1.0]) - 1) ** 2
    found = boxes(draw(one, module=m, cluster="layer", collapse=True).source)
    assert found["c0"] == ["L0 (relu)", "3 neurons"]
    assert found["c1"][1].startswith("out ")
    both = one + (m([-0.5, 2.0]) + 1) ** 2
    found = boxes(draw(both, module=m, cluster="layer", collapse=True).source)
    assert found["c0"] == ["L0 (relu)", "3 neurons × 2 passes"]
    assert found["c1"] == ["L1 (linear)", "1 neuron × 2 passes"]


def test_collapsed_boxes_are_laid_out_in_neuron_order():
    renderer()
    m = MLP(2, [12, 12, 1], seed=1337)
    loss = (m([0.5, -1.0]) - 1) ** 2
    loss.backward()
    svg = draw(loss, module=m, cluster="neuron", collapse=True).pipe("svg").decode()
    where = {name: float(y) for y, name in re.findall(
        r'<text[^>]* y="([-\d.]+)"[^>]*>(L\d\.N\d+) \(', svg)}
    for layer in ("L0", "L1"):
        ys = [where[f"{layer}.N{j}"] for j in range(12)]
        assert ys == sorted(ys) and len(set(ys)) == 12      # N0 at the top, N11 at the bottom


def test_network_view_of_a_layer_and_a_neuron():
    from autograd_mini.nn import Layer, Module, Neuron
    layer = Layer(3, 2, activation="tanh", seed=0)
    dot = draw(layer, inputs=["a", "b", "c"]).source
    assert len([e for e in edges(dot) if e[0] in ("x0", "x1", "x2")]) == 6
    assert 'label="L0 (tanh)"' in dot and "label=a " in dot
    neuron = Neuron(2, activation="sigmoid", seed=0)
    dot = draw(neuron, inputs=[0.5, -1.0]).source
    out = neuron([0.5, -1.0]).data
    assert f"L0.N0\n(sigmoid)\nout {number(out, 4)}" in dot
    with pytest.raises(TypeError, match="MLP, Layer or Neuron"):
        draw(Module())


def test_neuron_boxes_name_their_sum_and_activation():
    m = MLP(2, [2, 1], activation="tanh", seed=3)
    loss = (m([Value(0.5, "x0"), Value(-1.0, "x1")]) - 1) ** 2
    loss.backward()
    g = draw(loss, module=m, cluster="neuron")
    names = [lines[0] for lines in boxes(g.source).values()]
    for k in ("L0.N0", "L0.N1"):
        assert f"{k}.z" in names and f"{k}.a" in names
    assert "L1.N0.z" in names                           # a linear neuron: its sum only
    if any(v.op == "wsum" for v in topological_order(loss)):
        assert list(op_nodes(g.source).values()).count("Σ w·x + b") == 3
    assert 'fontcolor="#333333" fontsize=11 label="L0.N0" labelloc=t' in g.source
