"""draw(): DOT content, layout that fits a column, determinism. The network view is in
test_viz_network.py, rendering and saving in test_viz_render.py."""

import os
import re
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

ROOT = Path(__file__).resolve().parents[2]
from drawings import (  # noqa: E402
    big_moons_loss,
    boxes,
    bundles,
    edge_labels,
    edges,
    op_nodes,
    renderer,
    small,
    svg_texts,
    worked_mlp,
)

NEW_ENGINE = hasattr(Value(1.0) + 1.0, "constant")



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
