"""The two engines: the core compiled by mypyc (setup.py) and its interpreted source.

Which one runs is chosen at import (autograd_mini/core/compiled.py); `make test` runs the
whole suite on each. Here: the switch, a stale compiled module never running, and the
same numbers bit for bit from both engines on a program that uses every op."""

import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import autograd_mini
from autograd_mini.core import compiled

PACKAGE = Path(autograd_mini.__file__).parent
BUILT = any((PACKAGE / "core").glob("_compiled_from.*.so")) or any(
    (PACKAGE / "core").glob("_compiled_from.*.pyd"))


def run(code, pure, cwd=None, package_dir=None, stdin=None):
    """``code`` run in a new interpreter (AUTOGRAD_MINI_PURE=1 if ``pure``), given
    ``stdin``: its stdout and stderr."""
    env = {k: v for k, v in os.environ.items() if k != "AUTOGRAD_MINI_PURE"}
    if pure:
        env["AUTOGRAD_MINI_PURE"] = "1"
    if package_dir is not None:
        env["PYTHONPATH"] = str(package_dir)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=env, cwd=cwd or PACKAGE.parent.parent, timeout=300,
                          input=stdin)
    assert done.returncode == 0, done.stderr
    return done.stdout, done.stderr


WHICH = ("import autograd_mini.core.compiled as c, autograd_mini.core.value as v\n"
         "print(c.ENGINE, v.__file__.rsplit('.', 1)[-1], sep=';')")


def test_ci_tests_the_engine_it_means_to():
    """The engine that runs is the one asked for: CI says which it built
    (AUTOGRAD_MINI_EXPECT_ENGINE), so that a silent fallback cannot leave the compiled
    engine untested; elsewhere, the compiled one wherever it was built."""
    expected = os.environ.get("AUTOGRAD_MINI_EXPECT_ENGINE")
    if os.environ.get("AUTOGRAD_MINI_PURE", "0") not in ("", "0"):
        assert compiled.ENGINE == "interpreted"
        assert compiled.REASON == "AUTOGRAD_MINI_PURE is set"
    elif expected:
        assert compiled.ENGINE == expected, compiled.REASON
    else:
        assert compiled.ENGINE == ("compiled" if BUILT else "interpreted"), compiled.REASON


def test_the_switch_runs_the_interpreted_source():
    out, _ = run(WHICH, pure=True)
    assert out.split() == ["interpreted;py"]
    out, _ = run(WHICH, pure=False)
    assert out.split() == (["compiled;so"] if BUILT else ["interpreted;py"])


@pytest.mark.skipif(not BUILT, reason="needs the compiled engine built (pip install -e . "
                                      "with a C compiler)")
def test_an_edited_source_runs_and_says_so(tmp_path):
    """A learner edits core/node.py in a checkout: the edit runs (the interpreted source,
    with a warning naming the file), never the stale compiled module."""
    copy = tmp_path / "autograd_mini"
    shutil.copytree(PACKAGE, copy, ignore=shutil.ignore_patterns("__pycache__"))
    node = copy / "core" / "node.py"
    node.write_text(node.read_text() + "\nEDITED_BY_THE_LEARNER = 42\n")
    code = ("import autograd_mini.core.compiled as c, autograd_mini.core.node as n\n"
            "print(c.ENGINE, n.EDITED_BY_THE_LEARNER, n.__file__.endswith('.py'))")
    out, err = run(code, pure=False, cwd=tmp_path, package_dir=tmp_path)
    assert out.split() == ["interpreted", "42", "True"]
    assert "core/node.py changed since the engine was compiled" in err
    assert "pip install -e ." in err
    out, err = run(WHICH, pure=False, cwd=tmp_path, package_dir=tmp_path)
    assert out.split() == ["interpreted;py"]           # engine and value from source too
    node.write_text(node.read_text().replace("\nEDITED_BY_THE_LEARNER = 42\n", ""))
    out, err = run(WHICH, pure=False, cwd=tmp_path, package_dir=tmp_path)
    assert out.split() == ["compiled;so"] and "changed" not in err     # undone: compiled
    for built in (copy / "core").glob("bulk.*.so"):                     # a partial build
        built.unlink()
    out, _ = run("import autograd_mini.core.compiled as c; print(c.ENGINE, '|', c.REASON)",
                 pure=False, cwd=tmp_path, package_dir=tmp_path)
    assert out.split("|")[0].strip() == "interpreted"
    assert "core/bulk was not compiled with the others" in out


PROGRAM = r'''
import math
from autograd_mini import Value, grad, no_grad
from autograd_mini.nn import MLP
from autograd_mini.losses import binary_cross_entropy_with_logits, mse

out = []
def note(*vs):
    out.extend(float(v.data if isinstance(v, Value) else v).hex() for v in vs)

xs = [Value(x) for x in (0.3, -1.7, 2.5, 1e-3, 7.0)]
a, b, c, d, e = xs
ys = [a + b, a - b, a * b, a / b, abs(a) ** b, c ** 2.5, 2.0 ** a, 3.0 - a, 2.0 / b,
      -a, abs(b), a.exp(), c.log(), c.sqrt(), a.tanh(), b.sigmoid(), b.relu(), a.relu(),
      a.leaky_relu(0.1), b.leaky_relu(0.1), a.softplus(), a.sin(), b.cos(), e.tanh(),
      (a * b + c).tanh() * d, a.tanh_derivative(), b.sigmoid_derivative(),
      sum((x * x for x in xs), Value(0.0)), a * 3, 3 * a, a + 1, 1 + a]
total = sum((y * (i + 1) for i, y in enumerate(ys)), Value(0.0))
total.backward()
note(*ys, total, *[x.grad for x in xs])
g1, = grad((a * a * b).tanh(), [a], create_graph=True)
g2, = grad(g1, [a])
note(g1, g2)
model = MLP(3, [4, 4, 1], seed=3)
for step in range(3):
    predictions = [model(x) for x in ([0.1, 0.2, 0.3], [-1.0, 0.5, 2.0])]
    loss = (mse(predictions, [1.0, -1.0])
            + binary_cross_entropy_with_logits(predictions, [1.0, 0.0]))
    model.zero_grad()
    loss.backward()
    note(loss, *[p.grad for p in model.parameters()])
    for p in model.parameters():
        p.data -= 0.1 * p.grad
note(*model.parameters())
y = Value(0.5)
for _ in range(20_000):
    y = y * 1.0001 + 0.0001
y.backward()
note(y)
with no_grad():
    note(a * b + c)
print(len(out)); print(" ".join(out))
'''


def test_both_engines_compute_the_same_numbers_bit_for_bit():
    """Every op, backward, create_graph, an MLP trained 3 steps, a 20,000-op chain: the
    float.hex of every number from the compiled engine equals the interpreted one's."""
    compiled_out, _ = run(PROGRAM, pure=False)
    interpreted_out, _ = run(PROGRAM, pure=True)
    count = int(compiled_out.split()[0])
    assert count > 150
    assert compiled_out == interpreted_out


PICKLE = r'''
import pickle, sys
from autograd_mini import Value
x = Value(2.0, "x")
y = (x * x + 1).tanh()
y.backward()
sys.stdout.write(pickle.dumps(y).hex())
'''
UNPICKLE = r'''
import pickle, sys
y = pickle.loads(bytes.fromhex(sys.stdin.read()))
x = y.parents[0].parents[0].parents[0]
before = x.grad
y.backward()
print(y.data.hex(), x.label, before.hex(), x.grad.hex())
'''


@pytest.mark.parametrize("made_pure", [True, False], ids=["interpreted-to-compiled",
                                                           "compiled-to-interpreted"])
def test_a_pickled_graph_loads_on_the_other_engine(made_pure):
    """One state format on both engines (Python's default for __slots__), so a graph
    pickled by one engine (or by the previous main's engine) loads on the other."""
    dumped, _ = run(PICKLE, pure=made_pure)
    loaded, _ = run(UNPICKLE, pure=not made_pure, stdin=dumped)
    data, label, before, after = loaded.split()
    assert label == "x" and float.fromhex(after) == 2 * float.fromhex(before) != 0.0
    assert float.fromhex(data) == math.tanh(5.0)


def test_a_subclass_with_its_own_slot_pickles():
    import pickle

    class Tagged(autograd_mini.Value):
        __slots__ = ("tag",)
    globals()["Tagged"] = Tagged            # picklable by name
    Tagged.__qualname__ = "Tagged"
    t = Tagged(1.5, "t")
    t.tag = "mine"
    back = pickle.loads(pickle.dumps(t))
    assert (type(back), back.data, back.label, back.tag) == (Tagged, 1.5, "t", "mine")
