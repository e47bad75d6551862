"""The visual sub-package's shape (issue 16): files and classes of readable size, imports
that point one way, the graph analysed once per picture, the player's files shipped as
package data, one file-writing policy, public helpers for other sub-packages."""

import ast
import itertools
import os
import re
import sys
from pathlib import Path

import pytest

from autograd_mini import Value, topological_order
from autograd_mini.example import build_worked_example
from autograd_mini.explain import paths
from autograd_mini.nn import MLP
from autograd_mini.visual import analysis, mlp
from autograd_mini.visual.analysis import PATH_CAP, count_paths
from autograd_mini.visual.digits import format_decimals, format_number

ROOT = Path(__file__).resolve().parents[2]
VISUAL = ROOT / "autograd_mini" / "visual"


def modules():
    return sorted(VISUAL.glob("*.py"))


def local_imports(path):
    """The visual modules ``path`` imports (at top level or inside functions)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            found.update([node.module.split(".")[0]] if node.module
                         else [a.name for a in node.names])
    return found


def test_files_and_classes_are_of_readable_size():
    for path in modules():
        text = path.read_text(encoding="utf-8")
        assert len(text.splitlines()) <= 400, path.name
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef):
                assert node.end_lineno - node.lineno < 200, (path.name, node.name)


def test_imports_point_one_way():
    graph = {path.stem: local_imports(path) for path in modules()}
    for start in graph:                              # no cycle, lazy imports included
        seen, todo = set(), list(graph[start])
        while todo:
            m = todo.pop()
            assert m != start, f"import cycle through {start}"
            if m not in seen:
                seen.add(m)
                todo += graph.get(m, ())
    assert "viz" not in graph["netview"] and "value_scene" not in graph["netview"]
    assert graph["scene"] == set()                  # the picture's data reads no graph
    for low in ("analysis", "naming", "mlp", "digits", "scene"):   # analysis never draws
        assert not graph[low] & {"viz", "value_scene", "netview", "digraph", "animate",
                                 "player", "explain"}, low


def test_no_private_name_crosses_the_sub_package_border():
    for path in [*modules(), *(ROOT / "autograd_mini" / "testing").glob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.level == 2 and \
                    (node.module or "").startswith("visual"):
                assert not [a.name for a in node.names if a.name.startswith("_")], path


def test_class_names_are_distinct():
    from autograd_mini.visual import digraph
    from autograd_mini.visual import paths as paths_module
    assert digraph.Graph is digraph.Drawing               # the old name, kept
    assert paths_module.PathGraph.__name__ == "PathGraph"
    names = [node.name for path in (ROOT / "autograd_mini").rglob("*.py")
             for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
             if isinstance(node, ast.ClassDef) and path.parent.name == "visual"]
    assert len(names) == len(set(names)) and "Graph" not in names


def count_calls(monkeypatch, module, name):
    calls = []
    real = getattr(module, name)

    def counted(*args, **kwargs):
        calls.append(args)
        return real(*args, **kwargs)
    monkeypatch.setattr(module, name, counted)
    return calls


def test_draw_analyses_the_graph_once(monkeypatch):
    """One topological order per drawing; each op's text and an MLP's neurons found
    once, before the scene is built (the scene reads the finished analysis)."""
    pytest.importorskip("graphviz")
    from autograd_mini import draw
    orders = count_calls(monkeypatch, analysis, "topological_order")
    ops = count_calls(monkeypatch, analysis, "op_text")
    found = count_calls(monkeypatch, analysis, "neurons")
    model = MLP(2, [3, 1], seed=0)
    loss = (model([0.5, -1.0]) - 1.0) ** 2
    draw(loss, module=model, cluster="neuron")
    n_ops = sum(1 for v in topological_order(loss) if v.parents)
    assert (len(orders), len(ops), len(found)) == (1, n_ops, 1)
    orders.clear(), ops.clear()
    ex = build_worked_example()
    draw(ex.output)
    assert len(orders) == 1 and len(ops) == sum(1 for v in topological_order(ex.output)
                                                 if v.parents)


def test_node_names_need_the_neurons_found_once(monkeypatch):
    found = count_calls(monkeypatch, analysis, "neurons")
    model = MLP(2, [2, 1], seed=0)
    out = model([0.5, -1.0])
    a = analysis.analyse(out, names=True, module=model, cluster="layer")
    assert len(found) == 1
    assert a.names[out] == "L1.N0.z" and a.labels[out] == "L1.N0.z"
    assert set(a.key.values()) == {"L0", "L1"}


# ---------------------------------------------------------------------- package data
def test_the_players_files_are_package_data():
    from importlib.resources import files
    assets = files("autograd_mini.visual").joinpath("assets")
    names = sorted(p.name for p in assets.iterdir())
    assert names == ["player.css", "player.js"]
    assert "function" in assets.joinpath("player.js").read_text(encoding="utf-8")
    tomllib = pytest.importorskip("tomllib")
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = data["tool"]["setuptools"]["package-data"]["autograd_mini.visual"]
    for name in names:                  # every asset matched by a package-data pattern
        assert any(Path("assets", name).match(p) for p in patterns), name


# ---------------------------------------------------------------------- one way to write
def test_pictures_are_written_all_or_nothing(tmp_path, monkeypatch):
    """A save that fails before its last step leaves the old file whole (the write goes
    to a temporary file that replaces the target at the end)."""
    pytest.importorskip("graphviz")
    from autograd_mini import draw
    target = tmp_path / "g.gv"
    target.write_text("old")

    def full_disk(*args):
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(os, "replace", full_disk)
    with pytest.raises(OSError, match="cannot write: No space left"):
        draw(Value(1.0, "x") * 2).save(target)
    assert target.read_text() == "old" and os.listdir(tmp_path) == ["g.gv"]


# ---------------------------------------------------------------------- public helpers
def test_count_paths_counts_what_paths_lists():
    ex = build_worked_example()
    order = topological_order(ex.output)
    for name in ("w1", "w5", "b1", "i1"):
        wrt = ex[name]
        counts = count_paths(order, wrt)
        listed = paths(ex.output, wrt, via="all")
        assert counts.count[ex.output] == len(listed)
        assert counts.nonzero[ex.output] == sum(p.value != 0 for p in listed)
        assert counts.deriv[ex.output] == pytest.approx(wrt.grad, rel=1e-12)


def test_count_paths_skips_zero_and_masked_edges_and_saturates():
    x = Value(-1.0, "x")
    y = x.relu() + x * 0.0 + x * 2.0                # masked, zero, live
    counts = count_paths(topological_order(y), x)
    assert (counts.count[y], counts.nonzero[y], counts.deriv[y]) == (3, 1, 2.0)
    h = x
    for _ in range(70):                             # 2**70 paths
        h = h + h
    assert count_paths(topological_order(h), x).count[h] == PATH_CAP
    assert h not in count_paths(topological_order(h), Value(1.0)).count


@pytest.mark.parametrize("x, decimals, text", [
    (0.741365070, 9, "0.74136507"), (0.000438568039, 9, "0.000438568"), (3.0, 9, "3"),
    (-0.0, 4, "0"), (-1e-12, 4, "-1e-12"), (1.5e-12, 9, "1.5e-12"), (2.5, 0, "2"),
    (float("inf"), 3, "inf"), (float("nan"), 3, "nan"),
])
def test_format_decimals(x, decimals, text):
    assert format_decimals(x, decimals) == text


def test_format_number_reads_a_value_and_refuses_nothing():
    assert format_number(Value(0.000438568039), 4) == "0.0004386"
    assert format_number("x", 4) == "'x'" and format_number(True, 4) == "True"


def test_mlp_helpers_take_the_neurons_key():
    model = MLP(2, [2, 2], seed=0)
    outs = model([0.5, -1.0])
    order = topological_order(outs[0] + outs[1])
    key = mlp.neurons(order, {})
    assert set(mlp.layers_of(key).values()) == {"L0", "L1"}
    assert mlp.layer_sizes(order, key) == {"L0": (2, 1), "L1": (2, 1)}
    assert set(mlp.neuron_names(order, key).values()) == set(mlp.neuron_names(order).values())


def test_nothing_in_visual_is_named_like_the_standard_library():
    clash = [p.stem for p in modules() if p.stem in sys.stdlib_module_names]
    assert clash == []


def test_players_script_has_one_placeholder():
    from importlib.resources import files
    js = files("autograd_mini.visual").joinpath("assets", "player.js").read_text("utf-8")
    assert len(re.findall(r"\bPLAYER_ID\b", js)) == 1
    assert list(itertools.islice(re.finditer(r"\bID\b", js), 1)) == []
