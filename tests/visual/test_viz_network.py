"""draw(): the network view of an MLP, a layer or a neuron, and collapsed drawings."""

import re
from pathlib import Path

import pytest

graphviz = pytest.importorskip("graphviz")

from autograd_mini import Value, draw, topological_order  # noqa: E402
from autograd_mini.example import WEIGHTS, build_worked_example  # noqa: E402
from autograd_mini.nn import MLP  # noqa: E402
from autograd_mini.visual.digits import format_number as number  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
from drawings import (  # noqa: E402
    big_moons_loss,
    boxes,
    bundles,
    edge_labels,
    edges,
    op_nodes,
    renderer,
    svg_texts,
    worked_mlp,
)

NEW_ENGINE = hasattr(Value(1.0) + 1.0, "constant")



# ------------------------------------------------------------------ the network view
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
