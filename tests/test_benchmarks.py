"""The benchmark command runs on tiny sizes and writes its table (no timed assertions)."""

import json
import os
import subprocess
import sys

import pytest

from benchmarks import report, workloads

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def bench(tmp_path, *args, env=None):
    out = tmp_path / "RESULTS.md"
    raw = tmp_path / "results.json"
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--quick", "--out", str(out),
                           "--json", str(raw), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr
    return proc, out.read_text(), json.loads(raw.read_text())


def test_quick_run_writes_the_table(tmp_path):
    proc, md, raw = bench(tmp_path, "--engines", "autograd_mini,interpreted,compiled,floor")
    for name in ("mlp (one step, 100 points)", "chain (2,000 ops)", "wide (2,000 products)",
                 "memory (wide, 2,000 products)"):
        assert name in proc.stdout and name in md
    for label in ("autograd_mini (eager, compiled core)", "autograd_mini.compile",
                  "autograd_mini (eager, interpreted core)",
                  "hand-written floats (floor)"):
        assert label in md
    assert "| benchmark | engine | median | vs micrograd | vs floor |" in md
    assert "Machine:" in md and "Python 3." in md and "garbage collector on" in md
    assert raw["engines"] == ["autograd_mini", "interpreted", "compiled", "floor"]
    for b in ("mlp", "chain", "wide"):
        for e in raw["engines"]:
            assert raw["times"][b][e] and all(t > 0 for t in raw["times"][b][e])
    assert 50 < raw["memory"]["autograd_mini"] < 1000      # bytes per node, measured
    # the engines computed the same numbers (eager and compiled bit for bit)
    assert raw["checks"]["mlp"]["autograd_mini"] == raw["checks"]["mlp"]["compiled"]
    assert raw["checks"]["wide"]["autograd_mini"] == raw["checks"]["wide"]["compiled"]
    for b in ("mlp", "chain", "wide", "lm"):        # the two cores: the same numbers
        assert raw["checks"][b]["autograd_mini"] == raw["checks"][b]["interpreted"], b
    assert abs(raw["checks"]["chain"]["floor"][0] - raw["checks"]["chain"]["autograd_mini"][0]) \
        < 1e-12
    assert raw["depth"]["autograd_mini"] is None            # no recursion limit to hit
    # the names GPT's training step: autograd_mini's engines only, with its graph's size
    assert "| lm (names GPT step, 11,542 nodes) | autograd_mini (eager, compiled core) |" in md
    assert "| lm (names GPT step, 11,542 nodes) | autograd_mini.compile |" in md
    assert set(raw["times"]["lm"]) == {"autograd_mini", "interpreted", "compiled"}
    for eager, compiled in zip(raw["checks"]["lm"]["autograd_mini"],
                               raw["checks"]["lm"]["compiled"]):
        assert abs(eager - compiled) <= 1e-12 * abs(eager)    # to rounding (docs: the shift)
    # the eager lm step timed in its parts (forward, backward, Adam), one triple per step
    for e in ("autograd_mini", "interpreted"):
        steps = raw["parts"]["lm"][e]
        assert len(steps) == len(raw["times"]["lm"][e])
        for parts, whole in zip(steps, raw["times"]["lm"][e]):
            assert len(parts) == 3 and all(t > 0 for t in parts) and sum(parts) <= whole
    assert "compiled" not in raw["parts"]["lm"]             # one replay: no parts
    assert "The `lm` step in parts" in md


def test_missing_peer_is_skipped_with_a_note(tmp_path):
    fake = tmp_path / "site"
    (fake / "micrograd").mkdir(parents=True)
    (fake / "micrograd" / "__init__.py").write_text("raise ImportError('no micrograd here')\n")
    env = dict(os.environ, PYTHONPATH=str(fake))
    proc, md, raw = bench(tmp_path, "--engines", "floor,micrograd", env=env)
    assert "skipping micrograd: ImportError: no micrograd here" in proc.stderr
    assert raw["engines"] == ["floor"]
    assert "Skipped engines:" in md and "micrograd 0.1.0: ImportError" in md
    assert "n/a" in md                                       # no micrograd ratio to show


def test_table_ratios():
    results = {
        "engines": ["autograd_mini", "micrograd", "floor"],
        "sizes": {"mlp": 100, "chain": 10, "wide": 10},
        "times": {b: {"autograd_mini": [0.1, 0.2, 0.3], "micrograd": [2.0], "floor": [0.05]}
                  for b in report.TIMED},
        "errors": {}, "config": {"memory": 10},
        "memory": {"autograd_mini": 150.0, "micrograd": 600.0, "floor": 30.0},
    }
    table = report.table(results)
    assert "| mlp (one step, 100 points) | autograd_mini (eager, compiled core) | 200.0 ms " \
           "| 10.0x faster | 4.00x floor |" in table
    assert "| micrograd 0.1.0 | 2000.0 ms | 1x | 40.00x floor |" in table
    assert "| autograd_mini (eager, compiled core) | 150 B/node | 4.0x less |" in table
    results["config"]["depth"] = 1_000_000
    results["depth"] = {"autograd_mini": None}
    results["config"]["big_chain"] = 1_000_000
    results["big_chain"] = {"autograd_mini": 3.0, "floor": 0.1}
    results["setup"] = {"mlp": {"compiled": 0.8}}
    goals = report.targets(results)
    assert "- `mlp` step eager / floor at most 1.5x: 4.00x (NOT met)" in goals  # 0.2 / 0.05
    assert "- `compile(loss)` first call (trace + code) at most 5 eager steps: " \
           "4.00 steps (met)" in goals                                 # 0.8 s / 0.2 s
    assert "- chain of 1,000,000 ops built by user code, eager fwd+bwd / floor at most " \
           "12x: 30.00x (NOT met)" in goals
    assert "- `wide` (sum of products built by user code) eager / floor at most 12x: " \
           "4.00x (met)" in goals
    assert "- `wide` compiled / floor at most 1.5x: not measured (an engine is missing)" \
        in goals
    assert "- `mlp` eager at least 12x faster than micrograd: 10.0x (NOT met)" in goals
    assert "- a 1,000,000-node chain works: works (met)" in goals
    assert "- `memory` at most 160 bytes per node on `wide`: 150 B/node (met)" in goals


def test_step_parts():
    results = {"times": {"mlp": {"autograd_mini": [0.008, 0.009, 0.010], "paused": [0.006]}},
               "parts": {"lm": {"autograd_mini": [(0.004, 0.004, 0.002),
                                                  (0.003, 0.005, 0.003),
                                                  (0.005, 0.003, 0.001)],
                                "issue-day": [(0.006, 0.012, 0.002)]}}}
    lines = report.step_parts(results)
    assert "- autograd_mini (eager, compiled core): 4.00 ms / 4.00 ms / 2.00 ms" in lines
    assert "- on the compiled core against issue 20's day: zero_grad + forward + loss 1.5x " \
           "faster, backward 3.0x faster, Adam's step 1.0x faster" in lines
    assert any(line.startswith("The collector's share of the eager `mlp` step: 3.00 ms")
               for line in lines)                               # 9 ms - 6 ms
    assert report.step_parts({"times": {}}) == []               # nothing measured: nothing said


def test_floor_mlp_matches_the_engine():
    """The hand-written floats compute the same training step as the engine."""
    floor, eager = workloads.make("floor"), workloads.make("autograd_mini")
    floor.mlp_setup()
    eager.mlp_setup()
    for _ in range(3):
        assert floor.mlp_step() == pytest.approx(eager.mlp_step(), rel=1e-12)


def test_unknown_engine_is_an_error(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--engines", "tensorflow"],
                          cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "unknown engine(s) ['tensorflow']" in proc.stderr


def test_compile_rows_alone(tmp_path):
    """`--only` runs just the compile rows: the data-times-Value sum (wconst) and the
    cost of compiling a chain (time at two sizes, peak memory against eager's)."""
    proc, md, raw = bench(tmp_path, "--engines", "autograd_mini,compiled,floor",
                          "--only", "wconst,compile_cost")
    assert "wconst (2,000 products, data x Value)" in md and "mlp (one step" not in md
    assert raw["checks"]["wconst"]["autograd_mini"] == raw["checks"]["wconst"]["compiled"]
    cost = raw["compile_cost"]
    assert all(len(cost[k]) == 3 and all(x > 0 for x in cost[k])
               for k in ("time", "time_third", "memory"))
    assert "compile of the chain of 6,000 ops" in md and "peak memory at 2,000 ops" in md
    assert "`wconst` compiled first call (trace + code) at most 1 s" in md
    proc = subprocess.run([sys.executable, "-m", "benchmarks", "--only", "speed"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and "unknown part(s) ['speed']" in proc.stderr


def test_the_layout_experiment_computes_what_the_engine_computes():
    """benchmarks/layout's node (interpreted here; make bench-layout compiles it): the
    same floats as the engine, bit for bit, on its chain and wide workloads and on tanh
    and relu, and an inactive relu's edge is masked (passes nothing back)."""
    import random

    from autograd_mini import Value
    from benchmarks.layout import node_layout
    from benchmarks.layout.__main__ import chain, wide

    for n in (2, 1_000):
        assert chain(node_layout.Node, n) == chain(Value, n)
    rng = random.Random(0)
    xs = [rng.uniform(-1, 1) for _ in range(50)]
    ws = [rng.uniform(-1, 1) for _ in range(50)]
    assert wide(node_layout.Node, xs, ws)[1] == wide(Value, xs, ws)[1]
    for start in (1.5, -0.7):
        t, u = node_layout.Node(start), Value(start)
        (t.tanh() + (t * t).relu() * t.relu()).backward()
        (u.tanh() + (u * u).relu() * u.relu()).backward()
        assert t.grad == u.grad
    off = node_layout.Node(-2.0).relu()
    assert off.masked == 1 and off.data == 0.0
