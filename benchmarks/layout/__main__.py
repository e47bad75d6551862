"""``python -m benchmarks.layout``: see the package docstring."""

import gc
import importlib.util
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from autograd_mini import Value
from autograd_mini.core import compiled as engine_choice

from ..floor import Floor
from ..measures import memory_per_node
from ..workloads import ScalarEngine
from . import node_layout

HERE = Path(__file__).parent
FLOOR = Floor()                         # the hand-written floats of benchmarks/floor.py


TYPED = 'Number = float                  # the boxed variant: Any\n' \
    'Parent = Optional["Node"]       # the boxed variant: Any\n'
BOXED = "Number = Any\nParent = Any\n"


def compiled(name, boxed):
    """node_layout.py built with mypyc in a temporary folder (its two type lines ``Any``
    if ``boxed``), imported as the module ``name``."""
    source = (HERE / "node_layout.py").read_text()
    assert TYPED in source, "node_layout.py: the two type lines changed"
    folder = Path(tempfile.mkdtemp())
    (folder / f"{name}.py").write_text(source.replace(TYPED, BOXED) if boxed else source)
    mypyc = shutil.which("mypyc") or sys.exit("mypyc not found: pip install mypy")
    subprocess.run([mypyc, f"{name}.py"], cwd=folder, check=True, capture_output=True)
    path = next(folder.glob(f"{name}.*.so"))
    spec = importlib.util.spec_from_file_location(name, path)
    built = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(built)
    assert not built.__file__.endswith(".py"), built.__file__
    shutil.rmtree(folder, ignore_errors=True)     # the module stays loaded
    return built


def chain(make, n):
    """The chain workload of benchmarks/workloads.py on ``make``'s nodes: dy/dx."""
    return ScalarEngine(make, None).chain(n)


def wide(make, xs, ws):
    """The wide workload on new leaves (so no .grad to zero first: the ops and backward
    alone are timed): (seconds, (the sum, one d/dx, one d/dw))."""
    xs, ws = [make(x) for x in xs], [make(w) for w in ws]
    t0 = time.perf_counter()
    s = sum(x * w for x, w in zip(xs, ws))
    s.backward()
    return time.perf_counter() - t0, (s.data, xs[7].grad, ws[7].grad)


def wide_floor(n):
    t0 = time.perf_counter()
    s = FLOOR.wide(n)
    return time.perf_counter() - t0, (s, FLOOR.gx[7], FLOOR.gw[7])


def median(run, make, repeats=5):
    """(median seconds, result) of ``run(make)``, which returns (seconds, result)."""
    times, result = [], None
    for _ in range(repeats):
        t, result = run(make)
        times.append(t)
    return sorted(times)[repeats // 2], result


def timed(f, *args):
    t0 = time.perf_counter()
    r = f(*args)
    return time.perf_counter() - t0, r


def main():
    engines = {"hand-written floats (floor)": None,
               "node_layout, interpreted": node_layout.Node,
               "mypyc, slots Any (boxed)": compiled("layout_boxed", True).Node,
               "mypyc, slots float": compiled("layout_typed", False).Node,
               f"autograd_mini ({engine_choice.ENGINE} core)": Value}     # (which runs)
    n = 100_000
    FLOOR.wide_setup(n)                 # the same numbers as every engine's wide below
    xs, ws = FLOOR.xs, FLOOR.ws
    print(f"Python {sys.version.split()[0]}; medians of 5 runs; x: the floor's time")
    print("| workload | collector | " + " | ".join(engines) + " |")
    print("| --- | --- |" + " ---: |" * len(engines))
    for collector in (True, False):
        (gc.enable if collector else gc.disable)()
        rows = [(f"chain {m:,}", lambda make, m=m: timed(chain, make, m) if make
                 else timed(FLOOR.chain, m)) for m in (100_000, 1_000_000)]
        rows.append((f"wide {n:,}", lambda make: wide(make, xs, ws) if make
                     else wide_floor(n)))
        for name, run in rows:
            results = {e: median(run, make) for e, make in engines.items()}
            floor = results["hand-written floats (floor)"][0]
            firsts = {repr(r) for _, r in results.values()}
            assert len(firsts) == 1, f"{name}: engines disagree: {firsts}"
            cells = [f"{t * 1e3:.1f} ms ({t / floor:.1f}x)" for t, _ in results.values()]
            print(f"| {name} | {'on' if collector else 'off'} | " + " | ".join(cells) + " |")
    gc.enable()
    print("every engine's gradients (and the sum) equal, bit for bit")
    print("memory of the wide graph of 20,000 products (tracemalloc, leaves included): " +
          ", ".join(f"{e} {memory_per_node(ScalarEngine(make, None), 20_000):.0f} B/node"
                    for e, make in engines.items() if make is not None))


if __name__ == "__main__":
    main()
