"""draw(): DOT content, byte-identical output, rendering with each available backend."""

import html
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

graphviz = pytest.importorskip("graphviz")

from autograd_mini import Value, draw  # noqa: E402
from autograd_mini.nn import MLP  # noqa: E402
from autograd_mini.viz import RendererNotFound, find_program, op_text  # noqa: E402
from builders import labelled_expression  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent


def small():
    """L = (a*b + c) * f, after backward: 7 Values, 3 ops."""
    a, b, c, f = Value(2.0, "a"), Value(-3.0, "b"), Value(10.0, "c"), Value(-2.0, "f")
    L = labelled_expression(a, b, c, f)
    L.backward()
    return L, (a, b, c, f)


def record_nodes(dot):
    return re.findall(r"^\s*(n\d+) \[label=\"\{ (.*?) \}\"", dot, flags=re.M)


def op_nodes(dot):
    return re.findall(r"^\s*(n\d+op) \[label=\"?(.*?)\"? fontsize", dot, flags=re.M)


def edges(dot):
    return re.findall(r"^\s*(\w+) -> (\w+)", dot, flags=re.M)


# ------------------------------------------------------------------ DOT content
def test_records_show_label_data_and_grad():
    L, (a, b, c, f) = small()
    dot = draw(L).source
    records = dict(record_nodes(dot))
    assert len(records) == 7                        # a b e c d f L
    assert len(op_nodes(dot)) == 3                  # * + *
    assert len(edges(dot)) == 9                     # 2 + 2 + 2 operands, 3 op -> result
    assert "a | data 2.0000 | grad 6.0000" in records.values()     # dL/da = b*f
    assert "b | data -3.0000 | grad -4.0000" in records.values()   # dL/db = a*f
    assert "f | data -2.0000 | grad 4.0000" in records.values()    # dL/df = d
    assert "L | data -8.0000 | grad 1.0000" in records.values()
    assert 'rankdir=LR' in dot


def test_precision_and_hidden_grads():
    L, _ = small()
    dot = draw(L, precision=2, show_grad=False).source
    assert "| grad" not in dot
    assert "a | data 2.00" in dot and "data -8.00 " in dot + " "
    assert "data 2.0000" not in draw(L, precision=1).source


def test_edges_follow_the_forward_pass():
    L, _ = small()
    dot = draw(L).source
    names = {label.split(" | ")[0]: n for n, label in record_nodes(dot)}
    pairs = edges(dot)
    assert (names["a"], names["e"] + "op") in pairs
    assert (names["e"] + "op", names["e"]) in pairs
    assert (names["d"], names["L"] + "op") in pairs
    assert all(not tail.endswith("op") or head == tail[:-2] for tail, head in pairs)


def test_constants_show_in_the_op_node():
    x = Value(4.0, "x")
    cases = {"* 3": x * 3, "+ 2": x + 2, "- 1.5": x - 1.5, "2 -": 2 - x, "/ 8": x / 8,
             "**2": x ** 2, "*": x * x, "+ 0.1": Value(0.2) + 0.1}
    for expected, node in cases.items():
        assert op_text(node) == expected
        assert f'label="{expected}"' in draw(node).source or \
            f"label={expected} " in draw(node).source


def test_a_value_used_twice_has_two_edges():
    a = Value(1.0, "a")
    b = a + a
    dot = draw(b).source
    assert edges(dot).count(("n0", "n1op")) == 2


def test_highlighted_parameters_and_root():
    L, (a, b, c, f) = small()
    dot = draw(L, params=[a, f]).source
    filled = re.findall(r'label="\{ (\w+) \|[^\n]*fillcolor', dot)
    assert sorted(filled) == ["a", "f"]
    assert re.search(r'label="\{ L \|[^\n]*penwidth=2', dot)


def test_record_special_characters_are_escaped():
    x = Value(1.0, "x{1}|<y>")
    dot = draw(x * 2).source
    assert r"x\{1\}\|\<y\>" in dot


def test_cluster_per_neuron_and_collapse():
    model = MLP(2, [3, 2, 1], activation="tanh", seed=0)
    x = [Value(0.5, "x0"), Value(-1.0, "x1")]
    loss = (model(x) - 1.0) ** 2
    loss.backward()
    dot = draw(loss, module=model, cluster="neuron").source
    assert dot.count("subgraph cluster_") == 6      # 3 + 2 + 1 neurons
    for name in ("L0.N0", "L0.N2", "L1.N1", "L2.N0"):
        assert f"label={name!r}".replace("'", '"') in dot or f"label=\"{name}\"" in dot
    layers = draw(loss, module=model, cluster="layer").source
    assert layers.count("subgraph cluster_") == 3
    collapsed = draw(loss, module=model, cluster="neuron", collapse=True).source
    boxes = re.findall(r"^\s*c\d+ \[label=\"\{ (L\d\.N\d) \((\w+)\)", collapsed, flags=re.M)
    assert boxes == [("L0.N0", "tanh"), ("L0.N1", "tanh"), ("L0.N2", "tanh"),
                     ("L1.N0", "tanh"), ("L1.N1", "tanh"), ("L2.N0", "linear")]
    # x0, x1, the loss's two nodes, and one box per neuron: nothing else
    assert len(record_nodes(collapsed)) == 4
    # the loss (y - 1)**2 stays outside the output neuron's box
    assert "- 1" in collapsed and "**2" in collapsed
    # layer 0 feeds layer 1, which feeds the output neuron
    assert len([e for e in edges(collapsed) if e[0].startswith("c")]) == 6 + 2 + 1


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
    assert len(record_nodes(draw(z, max_nodes=None).source)) == 401
    with pytest.raises(ValueError, match="more than max_nodes=400"):
        draw(z, max_nodes=400)


def test_bad_arguments():
    L, _ = small()
    with pytest.raises(TypeError, match="root must be a Value"):
        draw(3.0)
    with pytest.raises(ValueError, match="cluster"):
        draw(L, cluster="neurons")
    with pytest.raises(ValueError, match="rankdir"):
        draw(L, rankdir="up")
    with pytest.raises(ValueError, match="precision"):
        draw(L, precision=-1)


# ------------------------------------------------------------------ determinism
SCRIPT = """
from autograd_mini import Value, draw
from autograd_mini.nn import MLP
m = MLP(2, [3, 1], activation="tanh", seed=1)
loss = (m([Value(0.5, "x0"), Value(-1.0, "x1")]) - 1) ** 2
loss.backward()
print(draw(loss).source + draw(loss, module=m, cluster="neuron").source)
"""


def test_dot_is_byte_identical_across_runs_and_hash_seeds():
    runs = []
    for seed in ("0", "1", "12345"):
        env = dict(os.environ, PYTHONHASHSEED=seed, PYTHONPATH=str(ROOT))
        runs.append(subprocess.run([sys.executable, "-c", SCRIPT], env=env, cwd=ROOT,
                                   capture_output=True, text=True, check=True).stdout)
    assert runs[0] == runs[1] == runs[2]
    namespace = {}
    from contextlib import redirect_stdout
    from io import StringIO
    out = StringIO()
    with redirect_stdout(out):
        exec(SCRIPT, namespace)
    assert out.getvalue() == runs[0]
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
    texts = [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    for expected in ("a", "data 2.0000", "grad 6.0000", "L", "data -8.0000", "grad 1.0000",
                     "*", "+"):
        assert expected in texts


@pytest.mark.parametrize("program", _backends())
def test_save_svg_png_and_source(program, tmp_path):
    L, _ = small()
    g = draw(L, program=program)
    svg = Path(g.save(tmp_path / "graph.svg"))
    png = Path(g.save(str(tmp_path / "sub" / "graph.png")))
    gv = Path(g.save(tmp_path / "graph.gv"))
    assert svg.read_text().count('class="node"') == 10
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 1000
    assert gv.read_text() == g.source
    rendered = Path(g.render(tmp_path / "r", format="svg"))
    assert rendered.suffix == ".svg" and "<svg" in rendered.read_text()


@pytest.mark.parametrize("program", _backends())
def test_jupyter_shows_svg(program):
    L, _ = small()
    bundle = draw(L, program=program)._repr_mimebundle_()
    assert list(bundle) == ["image/svg+xml"]
    assert bundle["image/svg+xml"].count('class="node"') == 10


def test_graphviz_pure_output_is_byte_identical():
    pytest.importorskip("graphviz")
    try:
        pure = find_program("graphviz-pure")
    except RendererNotFound:
        pytest.skip("graphviz-pure not installed")
    L, _ = small()
    assert draw(L, program=pure).pipe("svg") == draw(small()[0], program=pure).pipe("svg")


def test_environment_variable_chooses_the_program(monkeypatch):
    monkeypatch.setenv("AUTOGRAD_MINI_DOT", "no-such-dot-program")
    with pytest.raises(RendererNotFound, match="AUTOGRAD_MINI_DOT='no-such-dot-program'"):
        draw(small()[0]).pipe("svg")


def test_no_renderer_says_how_to_fix_and_keeps_the_source(monkeypatch):
    monkeypatch.delenv("AUTOGRAD_MINI_DOT", raising=False)
    monkeypatch.setattr("autograd_mini.viz.shutil.which", lambda *a, **k: None)
    g = draw(small()[0])
    with pytest.raises(RendererNotFound) as e:
        g.pipe("svg")
    assert isinstance(e.value, graphviz.ExecutableNotFound)   # graphviz's own error type
    assert "pip install graphviz-pure" in str(e.value)
    assert "apt-get install graphviz" in str(e.value)
    assert "graph.source" in str(e.value)
    assert "data 2.0000" in g.source                          # DOT is still there
    bundle = g._repr_mimebundle_()                            # Jupyter shows why
    assert "pip install graphviz-pure" in bundle["text/plain"]
    assert "digraph" in bundle["text/plain"]


def test_import_works_without_graphviz():
    code = ("import sys; sys.modules['graphviz'] = None\n"
            "import autograd_mini as am\n"
            "x = am.Value(2.0, 'x'); y = x * x\n"
            "print(am.explain(y, x).gradient)\n"
            "try:\n    am.draw(y)\nexcept ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    lines = out.stdout.splitlines()
    assert lines[0] == "4.0"
    assert "pip install graphviz graphviz-pure" in lines[1]


def test_system_dot_is_preferred_then_graphviz_pure(monkeypatch):
    monkeypatch.delenv("AUTOGRAD_MINI_DOT", raising=False)
    real_which = shutil.which
    monkeypatch.setattr("autograd_mini.viz.shutil.which",
                        lambda name, path=None: "/opt/graphviz/bin/dot" if name == "dot"
                        else real_which(name, path=path))
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
    try:
        find_program()
    except RendererNotFound:
        pytest.skip("no renderer")
    out = tmp_path / "example.svg"
    proc = subprocess.run([sys.executable, "-m", "autograd_mini", "example", "--steps", "1",
                           "--svg", str(out)], cwd=ROOT, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 0, proc.stderr
    assert "E_total" in proc.stdout                   # the table is still printed
    assert f"to {out}" in proc.stderr
    svg = out.read_text()
    ET.fromstring(svg.encode())                       # well-formed XML
    texts = [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]
    for name in ["i1", "i2", "b1", "b2", "net_h1", "out_o1", "E_total"] + \
            [f"w{k}" for k in range(1, 9)]:
        assert name in texts
    assert "data 0.298371109" in texts                # E_total
    assert "grad 0.082167041" in texts                # w5
    assert "grad 0.000438568" in texts                # w1
    assert svg.count("#cde4ff") == 8                  # w1..w8 highlighted


def test_example_command_without_renderer_fails_clearly(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), AUTOGRAD_MINI_DOT="no-such-dot-program")
    proc = subprocess.run([sys.executable, "-m", "autograd_mini", "example", "--steps", "0",
                           "--svg", str(tmp_path / "x.svg")], cwd=ROOT, capture_output=True,
                          text=True, env=env)
    assert proc.returncode == 1
    assert "no-such-dot-program" in proc.stderr and not (tmp_path / "x.svg").exists()


def test_collapsed_box_over_several_samples_says_so():
    model = MLP(2, [3, 1], seed=2)
    one = (model([0.5, 1.0]) - 1) ** 2
    both = one + (model([-0.5, 2.0]) + 1) ** 2
    single = draw(one, module=model, cluster="neuron", collapse=True).source
    assert re.search(r'L0\.N0 \(relu\) \| data [-\d.]+ \| grad [-\d.]+ \}', single)
    double = draw(both, module=model, cluster="neuron", collapse=True).source
    assert double.count("2 outputs (one per pass)") == 4     # 3 hidden + 1 output neuron


def test_gradients_that_are_values_are_drawn_as_numbers():
    x = Value(3.0, "x")
    y = x * x * x
    y.backward(create_graph=True)                     # x.grad is a Value: 3x^2 = 27
    assert isinstance(x.grad, Value)
    assert "x | data 3.0000 | grad 27.0000" in draw(y).source


def boxes(dot):
    """{box title: the rest of its label} of a collapsed drawing."""
    return dict(re.findall(r'^\s*c\d+ \[label="\{ (L[\d.N]+ \(\w+\)) \| (.*?) \}"', dot,
                           flags=re.M))


def test_regulariser_terms_stay_outside_the_neurons():
    from autograd_mini.losses import hinge
    m = MLP(2, [3, 1], seed=1)
    loss = hinge([m([0.5, -1.0])], [1], m.parameters(), alpha=1e-4)
    loss.backward()
    dot = draw(loss, module=m, cluster="neuron", collapse=True).source
    # one pass each, the real activation: data and grad of the neuron's output
    assert sorted(boxes(dot)) == ["L0.N0 (relu)", "L0.N1 (relu)", "L0.N2 (relu)",
                                  "L1.N0 (linear)"]
    out = m.layers[1].neurons[0]
    assert all(rest.startswith("data ") for rest in boxes(dot).values())
    # the alpha * sum p^2 term is one node outside the boxes: 13 parameters, 13 squares,
    # 12 sums of them and the product with alpha
    assert "parameter terms (26 ops on 13 parameters) | data 0.0003 | grad 1.0000" in dot
    assert out.b in m.parameters() and "**2" not in dot
    # unclustered, the squares are drawn outside every cluster box
    full = draw(loss, module=m, cluster="neuron").source
    inside = [line for line in full.splitlines() if line.startswith("\t\tn")]
    products = [line for line in inside if re.search(r'op \[label="?\*', line)]
    assert len(products) == 2 * 3 + 3                   # the w*x products only
    outside = [line for line in full.splitlines() if line.startswith("\tn")]
    squares = [line for line in outside if re.search(r'op \[label="\*"', line)]
    assert len(squares) == 13                           # p*p for each parameter
    # a single sample of the 16-16-1 moons network stays drawable
    big = MLP(2, [16, 16, 1], seed=1)
    loss = hinge([big([0.5, -1.0])], [1], big.parameters(), alpha=1e-4)
    dot = draw(loss, module=big, cluster="neuron", collapse=True).source
    assert len(boxes(dot)) == 33 and "on 337 parameters" in dot


def test_a_sum_of_two_passes_is_not_part_of_the_neuron():
    m = MLP(2, [2, 1], activation="tanh", seed=3)
    z0, z1 = m([0.3, 0.4]), m([0.1, 0.2])
    tot = z0 + z1
    tot.backward()
    dot = draw(tot, module=m, cluster="neuron", collapse=True).source
    assert boxes(dot)["L1.N0 (linear)"] == "2 outputs (one per pass)"
    root = re.search(r'^\s*(n\d+) \[label="\{ data ([-\d.]+) \| grad 1.0000 \}" penwidth=2',
                     dot, flags=re.M)
    assert root and float(root.group(2)) == pytest.approx(z0.data + z1.data, abs=1e-4)
    assert (root.group(1) + "op") in dict(edges(dot)).values() or \
        ("c2", root.group(1) + "op") in edges(dot)


def test_collapsed_layers_count_neurons_and_passes():
    m = MLP(2, [3, 1], seed=2)
    one = (m([0.5, 1.0]) - 1) ** 2
    dot = draw(one, module=m, cluster="layer", collapse=True).source
    assert boxes(dot)["L0 (relu)"] == "3 neurons"
    assert boxes(dot)["L1 (linear)"].startswith("data ")
    both = one + (m([-0.5, 2.0]) + 1) ** 2
    dot = draw(both, module=m, cluster="layer", collapse=True).source
    assert boxes(dot)["L0 (relu)"] == "3 neurons × 2 passes"
    assert boxes(dot)["L1 (linear)"] == "1 neuron × 2 passes"


def test_constants_lost_to_rounding_are_not_drawn():
    assert op_text(Value(1e16, "big") + 3.0) == "+"          # stored as 1e16 + 4
    assert op_text(Value(0.5) - 1e-17) == "-"                 # stored as 0.5
    assert op_text(5.0 - Value(1e17)) == "-"
    assert op_text(Value(2.0) + 3) == "+ 3" and op_text(5 - Value(2.5)) == "5 -"
    assert op_text(Value(0.1) + 0.2) == "+ 0.2" and op_text(Value(3.0) / 7) == "/ 7"
    assert op_text(Value(1e16) * 3.0) == "* 3"                # * keeps its constant exactly


@pytest.mark.parametrize("name", ["graph.pdf", "graph.ps", "graph.gif", "graph.PDF"])
def test_save_refuses_suffixes_it_cannot_write(tmp_path, name):
    L, _ = small()
    with pytest.raises(ValueError, match=r"\.svg, \.png, \.jpg.*\.gv, \.dot"):
        draw(L).save(str(tmp_path / name))
    assert list(tmp_path.iterdir()) == []


def test_save_writes_the_dot_source_for_gv_and_dot(tmp_path):
    L, _ = small()
    g = draw(L)
    for name in ("g.gv", "g.dot", "g.txt"):
        g.save(str(tmp_path / name))
        assert (tmp_path / name).read_text() == g.source


def test_non_ascii_labels_render_without_font_warnings(capfd):
    try:
        find_program()
    except RendererNotFound:
        pytest.skip("no dot program")
    a = Value(2.0, "α")
    draw(a * 3 + Value(1.0, "β")).pipe("svg")
    assert capfd.readouterr().err == ""
    broken = draw(a)
    broken.body.append("n0 -> ;\n")                     # a real renderer error still raises
    with pytest.raises(graphviz.CalledProcessError, match="syntax error"):
        broken.pipe("svg")


def test_collapsed_boxes_are_laid_out_in_neuron_order():
    try:
        find_program()
    except RendererNotFound:
        pytest.skip("no dot program")
    m = MLP(2, [12, 12, 1], seed=1337)
    loss = (m([0.5, -1.0]) - 1) ** 2
    loss.backward()
    svg = draw(loss, module=m, cluster="neuron", collapse=True).pipe("svg").decode()
    where = {name: float(y) for y, name in re.findall(
        r'<text[^>]* y="([-\d.]+)"[^>]*>(L\d\.N\d+) \(', svg)}
    for layer in ("L0", "L1"):
        ys = [where[f"{layer}.N{j}"] for j in range(12)]
        assert ys == sorted(ys) and len(set(ys)) == 12      # N0 at the top, N11 at the bottom
