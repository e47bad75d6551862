"""The worked 2-2-2 example: every value of the notes' table, at its published precision,
from the library and from ``python -m autograd_mini example --json``."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_mini.example import (
    BIASES,
    OUT_O1_TYPO,
    WEIGHTS,
    build_worked_example,
    build_worked_example_mlp,
    format_table,
    worked_example,
)
from autograd_mini.reference import backprop

ROOT = Path(__file__).resolve().parents[2]

# The notes' table, as published (the string keeps the number of published decimals).
PUBLISHED = {
    ("forward", "net_h1"): "0.3775",
    ("forward", "out_h1"): "0.593269992",
    ("forward", "out_h2"): "0.596884378",
    ("forward", "net_o1"): "1.105905967",
    ("forward", "out_o1"): "0.75136507",
    ("forward", "out_o2"): "0.772928465",
    ("E_o1",): "0.274811083",
    ("E_o2",): "0.023560026",
    ("E_total",): "0.298371109",
    ("factors", "dE_total/dout_o1"): "0.74136507",
    ("factors", "dout_o1/dnet_o1"): "0.186815602",
    ("factors", "dnet_o1/dw5"): "0.593269992",
    ("grads", "w5"): "0.082167041",
    ("grads", "w1"): "0.000438568",
    ("updated", "w5"): "0.35891648",
    ("updated", "w6"): "0.408666186",
    ("updated", "w7"): "0.511301270",
    ("updated", "w8"): "0.561370121",
    ("updated", "w1"): "0.149780716",
    ("updated", "w2"): "0.19956143",
    ("updated", "w3"): "0.24975114",
    ("updated", "w4"): "0.29950229",
}


def lookup(result, key):
    for k in key:
        result = result[k]
    return result


def assert_published(result):
    for key, text in PUBLISHED.items():
        decimals = len(text.split(".")[1])
        tol = 0.5 * 10.0 ** -decimals                # the published digits, correctly rounded
        got = lookup(result, key)
        assert abs(got - float(text)) <= tol, f"{'/'.join(key)}: {got!r} vs published {text}"
        assert f"{got:.{decimals}f}" == text, key


@pytest.fixture(scope="module")
def result():
    return worked_example(steps=3)


def test_library_call_matches_every_published_value(result):
    assert_published(result)


def test_json_command_matches_every_published_value():
    out = subprocess.run([sys.executable, "-m", "autograd_mini", "example", "--json",
                          "--steps", "3"], capture_output=True, text=True, check=True, cwd=ROOT)
    data = json.loads(out.stdout)
    assert set(data) >= {"forward", "E_total", "grads", "updated", "E_history"}
    assert set(data["forward"]) >= {"net_h1", "out_h1", "out_h2", "net_o1", "out_o1", "out_o2"}
    assert set(data["grads"]) == set(data["updated"]) == {f"w{i}" for i in range(1, 9)}
    assert_published(data)
    assert len(data["E_history"]) == 4
    assert data["E_history"] == worked_example(steps=3)["E_history"]   # full precision, exact


def test_table_command_prints_every_number_and_the_typo_note():
    out = subprocess.run([sys.executable, "-m", "autograd_mini", "example", "--steps", "5"],
                         capture_output=True, text=True, check=True, cwd=ROOT).stdout
    for name, text in [("out_h1", "0.593269992"), ("out_o1", "0.751365070"),
                       ("E_total", "0.298371109"), ("dE_total/dw5", "+0.082167041"),
                       ("dE_total/dw1", "+0.000438568"), ("w5  0.40 ->", "0.358916480"),
                       ("w1  0.15 ->", "0.149780716")]:
        assert any(name in line and text in line for line in out.splitlines()), (name, text)
    assert "0.74136507" in out and "0.186815602" in out          # the w5 chain, factor by factor
    assert re.search(r"\n  checked: the MLP and the hand-built graph agree on all 10 "
                     r"gradients \(max difference (0\.0|\d\.\d+e-1[6-9])\)\n", out)
    assert "0.75136079" in out and "typo" in out
    assert "after 5 steps" in out
    assert out == format_table(worked_example(steps=5)) + "\n"


def test_command_rejects_bad_options():
    out = subprocess.run([sys.executable, "-m", "autograd_mini", "example", "--steps", "-2"],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 2 and "--steps: must be an integer >= 0, got '-2'" in out.stderr
    out = subprocess.run([sys.executable, "-m", "autograd_mini", "example", "--steps", "ten"],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 2 and "--steps: must be an integer >= 0, got 'ten'" in out.stderr
    out = subprocess.run([sys.executable, "-m", "autograd_mini", "example", "--lr", "0"],
                         capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 2 and "--lr: must be a positive number" in out.stderr


def test_typo_is_not_the_value(result):
    assert abs(result["forward"]["out_o1"] - OUT_O1_TYPO) > 4e-6


def test_error_history(result):
    h = result["E_history"]
    assert len(h) == 4
    assert h[0] == result["E_total"]
    assert h[0] > h[1] > h[2] > h[3]
    # E_history[1] is the error with the weights after one step
    ex = build_worked_example(weights=result["updated"])
    assert h[1] == ex.output.data
    assert worked_example(steps=0)["E_history"] == [h[0]]


def test_biases_not_updated_by_default_and_option_updates_them(result):
    assert result["updated_biases"] == {"b1": 0.35, "b2": 0.60}
    both = worked_example(steps=2, update_biases=True)
    g = both["bias_grads"]
    # a shared bias collects the gradient of both neurons it feeds
    assert both["updated_biases"]["b1"] == 0.35 - 0.5 * g["b1"]
    assert both["updated_biases"]["b2"] == 0.60 - 0.5 * g["b2"]
    assert both["updated"] == result["updated"]                    # weights: same first step
    assert both["E_history"][1] < result["E_history"][1]           # biases help here
    assert both["E_history"][0] == result["E_history"][0]


def test_graph_labels_read_like_the_notes():
    ex = build_worked_example()
    for name in ["i1", "i2", "b1", "b2", "net_h1", "out_h1", "net_h2", "out_h2", "net_o1",
                 "out_o1", "net_o2", "out_o2", "E_o1", "E_o2", "E_total", "w5*out_h1",
                 "target_o1-out_o1"] + [f"w{i}" for i in range(1, 9)]:
        assert ex[name].label == name
    assert ex["h1"] is ex["out_h1"] and ex["o2"] is ex["out_o2"]
    assert ex.output is ex["E_total"]
    assert ex["out_o1"].op == "sigmoid" and ex["out_o1"].parents == (ex["net_o1"],)
    assert ex["E_total"].parents == (ex["E_o1"], ex["E_o2"])
    # b1 is one Value feeding both hidden neurons
    assert ex["b1"] in ex["net_h1"].parents and ex["b1"] in ex["net_h2"].parents


def test_w5_chain_rule_and_w1_two_paths():
    ex = build_worked_example()
    dE_dout = ex["out_o1"].grad
    dout_dnet = ex["out_o1"].local_grads[0]
    dnet_dw5 = ex["w5*out_h1"].local_grads[0]
    assert dE_dout == ex["out_o1"].data - 0.01
    assert ex["w5"].grad == pytest.approx(dE_dout * dout_dnet * dnet_dw5, rel=1e-15)
    # w1: dE/dout_h1 collects paths through o1 and o2
    o1 = ex["net_o1"].grad * ex["w5"].data
    o2 = ex["net_o2"].grad * ex["w7"].data
    assert ex["out_h1"].grad == pytest.approx(o1 + o2, rel=1e-15)
    s = ex["out_h1"].data
    assert ex["w1"].grad == pytest.approx((o1 + o2) * s * (1 - s) * 0.05, rel=1e-14)


def test_gradients_three_ways():
    """Closed form (the reference's delta rule), finite differences, and torch float64."""
    ex = build_worked_example()
    W = [[[0.15, 0.20], [0.25, 0.30]], [[0.40, 0.45], [0.50, 0.55]]]
    ref = backprop(W, [[0.35, 0.35], [0.60, 0.60]], "sigmoid", [0.05, 0.10], [0.01, 0.99])
    order = [(0, 0, 0), (0, 0, 1), (0, 1, 0), (0, 1, 1), (1, 0, 0), (1, 0, 1), (1, 1, 0),
             (1, 1, 1)]
    for i, (layer, j, k) in enumerate(order, start=1):
        assert ex[f"w{i}"].grad == pytest.approx(ref.dW[layer][j][k], rel=1e-13)

    eps = 1e-6
    for name, w in WEIGHTS.items():                 # central finite differences
        plus = build_worked_example({name: w + eps}, backward=False).output.data
        minus = build_worked_example({name: w - eps}, backward=False).output.data
        assert ex[name].grad == pytest.approx((plus - minus) / (2 * eps), rel=1e-6, abs=1e-11)


def test_the_example_through_the_mlp():
    """MLP(2, [2, 2], sigmoid, sigmoid) in the notes' wiring gives the hand-built graph's
    gradients (issue 9: the network layer reproduces the worked example)."""
    model, E_total = build_worked_example_mlp()
    assert (model.nin, model.nouts, model.activations) == (2, [2, 2], ["sigmoid", "sigmoid"])
    assert [[[w.label for w in n.w] for n in layer.neurons] for layer in model.layers] == \
        [[["w1", "w2"], ["w3", "w4"]], [["w5", "w6"], ["w7", "w8"]]]
    for layer, b in zip(model.layers, ("b1", "b2")):
        first, second = layer.neurons
        assert first.b is second.b and first.b.label == b     # one bias Value per layer
    params = model.parameters()
    assert [p.label for p in params] == ["w1", "w2", "b1", "w3", "w4", "w5", "w6", "b2",
                                         "w7", "w8"]
    assert [p.data for p in params] == [0.15, 0.20, 0.35, 0.25, 0.30, 0.40, 0.45, 0.60,
                                        0.50, 0.55]
    ex = build_worked_example()
    assert E_total.data == pytest.approx(ex.output.data, rel=1e-15)
    for p in params:
        assert p.grad != 0.0
        assert p.grad == pytest.approx(ex[p.label].grad, rel=1e-15, abs=0.0), p.label
    assert f"{E_total.data:.9f}" == "0.298371109"
    assert f"{params[0].grad:.9f}" == "0.000438568" and f"{params[5].grad:.9f}" == "0.082167041"


def test_worked_example_reports_its_cross_check(result):
    assert result["check"] == {"against": "the hand-built graph", "gradients": 10,
                               "max_difference": result["check"]["max_difference"],
                               "agree": True}
    assert result["check"]["max_difference"] <= 1e-16              # a few ulps at most
    model, _ = build_worked_example_mlp()
    assert result["grads"] == {w: p.grad for p in model.parameters() for w in [p.label]
                               if w in WEIGHTS}
    failed = format_table({**result, "check": {**result["check"], "agree": False,
                                               "max_difference": 0.25}})
    assert ("  CHECK FAILED: the MLP and the hand-built graph differ (max difference 0.25)"
            in failed.splitlines())


def test_against_torch():
    torch = pytest.importorskip("torch")
    ex = build_worked_example()
    model, E_total = build_worked_example_mlp()
    net = model.to_torch()
    out = net(torch.tensor([0.05, 0.10], dtype=torch.float64))
    E = 0.5 * ((torch.tensor([0.01, 0.99], dtype=torch.float64) - out) ** 2).sum()
    E.backward()
    assert E.item() == pytest.approx(ex.output.data, rel=1e-15)
    assert E.item() == pytest.approx(E_total.data, rel=1e-15)
    tW = [net[0].weight.grad.tolist(), net[2].weight.grad.tolist()]
    got = [[[ex["w1"].grad, ex["w2"].grad], [ex["w3"].grad, ex["w4"].grad]],
           [[ex["w5"].grad, ex["w6"].grad], [ex["w7"].grad, ex["w8"].grad]]]
    for layer in range(2):
        for j in range(2):
            assert got[layer][j] == pytest.approx(tW[layer][j], rel=1e-14)
    dW, _ = model.gradients()
    for layer in range(2):
        for j in range(2):
            assert dW[layer][j] == pytest.approx(tW[layer][j], rel=1e-14)
    # a shared bias gets the sum of the per-neuron bias gradients (torch has one per neuron)
    b1, b2 = (p for p in model.parameters() if p.label in BIASES)
    for b, linear in ((b1, net[0]), (b2, net[2])):
        assert ex[b.label].grad == pytest.approx(sum(linear.bias.grad.tolist()), rel=1e-14)
        assert b.grad == pytest.approx(sum(linear.bias.grad.tolist()), rel=1e-14)


def test_bad_overrides_and_steps():
    with pytest.raises(KeyError, match=r"unknown names \['w9'\]"):
        build_worked_example(weights={"w9": 1.0})
    with pytest.raises(ValueError, match="steps must be an int >= 0"):
        worked_example(steps=-1)
    slow = worked_example(steps=0, lr=0.1)
    assert slow["E_total"] == worked_example(steps=0)["E_total"]      # lr: after the pass
    assert slow["updated"]["w5"] == pytest.approx(0.40 - 0.1 * 0.082167041, abs=1e-10)


def test_the_docs_quote_the_printed_table():
    readme = (ROOT / "docs" / "worked-example.md").read_text(encoding="utf-8")
    start = readme.index("`python -m autograd_mini example` prints:")
    block = readme[readme.index("```text\n", start) + len("```text\n"):]
    block = block[:block.index("```")]
    assert block == format_table(worked_example(steps=10000)) + "\n"


def _cli(*args, cwd):
    return subprocess.run([sys.executable, "-m", "autograd_mini", "example", *args],
                          cwd=cwd, capture_output=True, text=True,
                          env={"PYTHONPATH": str(ROOT), "PATH": str(Path(sys.executable).parent)
                               + ":/usr/bin:/bin"})


@pytest.mark.parametrize("path, says", [
    ("missing/dir/x.svg", "does not exist"),
    (".", "is a directory"),
    ("graph.pdf", "'.pdf' is not an image format"),
    ("graph", "'(none)' is not an image format"),
    ("", "give a file name")])
def test_svg_path_is_checked_before_the_training_run(tmp_path, path, says):
    proc = _cli("--svg", path, cwd=tmp_path)     # default 10,000 steps: fails first
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.startswith("error: --svg") and says in proc.stderr
    assert "Traceback" not in proc.stderr and list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("what, name", [("file", "old.svg"), ("folder", "new.svg"),
                                        ("folder", "old.svg")])
def test_svg_onto_a_read_only_file_or_folder_fails_before_the_run(tmp_path, what, name):
    from filesystems import read_only_place
    with read_only_place(tmp_path / "ro", what) as folder:
        proc = _cli("--svg", str(folder / name), cwd=tmp_path)
        assert proc.returncode == 1 and proc.stdout == ""           # no table: no run
        assert proc.stderr.startswith("error: --svg") and "is not writable" in proc.stderr
        assert "Traceback" not in proc.stderr
        assert sorted(p.name for p in folder.iterdir()) == ["old.svg"]


def test_output_cut_short_by_the_reader_ends_quietly():
    """`example --json | head -c 20`: no BrokenPipeError traceback, as Unix tools."""
    if shutil.which("head") is None:
        pytest.skip("needs the Unix tool head")
    done = subprocess.run(f"'{sys.executable}' -m autograd_mini example --json --steps 10000"
                          " | head -c 20", shell=True, capture_output=True, cwd=ROOT)
    assert done.stdout == b'{\n "forward": {\n  "n' and done.stderr == b""
    proc = subprocess.Popen([sys.executable, "-m", "autograd_mini", "example", "--steps", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT)
    proc.stdout.close()                             # the reader is gone before the first line
    assert proc.stderr.read() == b"" and proc.wait() == 1


def test_svg_suffix_picks_the_image_format(tmp_path):
    pytest.importorskip("graphviz")
    for name, magic in (("g.svg", b"<?xml"), ("g.png", b"\x89PNG")):
        proc = _cli("--steps", "0", "--svg", name, cwd=tmp_path)
        assert proc.returncode == 0, proc.stderr
        assert (tmp_path / name).read_bytes().startswith(magic)
