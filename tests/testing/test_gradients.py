"""check_gradients / assert_gradients: a learner's hand-written backprop against the engine.

The worked 2-2-2 example written the way the notes write it (BP1-BP4): the correct backward
is the closed form the engine's numbers are checked against, and each classic bug must be
caught with a message naming the entry, both numbers and the cause. Then the inputs: plain
numbers and lists (without numpy), numpy scalars, arrays of every layout, bad values.
(The vectorised network: test_vectorised.py; tolerances, kinks, the first line:
test_trust.py.)
"""

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograd_mini import Value
from autograd_mini.testing import assert_gradients, check_gradients

ROOT = Path(__file__).resolve().parents[2]


# ---------------------------------------------------------------- the worked 2-2-2 example
I1, I2, B1, B2, T1, T2 = 0.05, 0.10, 0.35, 0.60, 0.01, 0.99
WEIGHTS = {"w1": 0.15, "w2": 0.20, "w3": 0.25, "w4": 0.30,
           "w5": 0.40, "w6": 0.45, "w7": 0.50, "w8": 0.55}


def _named(v, label):
    v.label = label
    return v


def loss_222(w1, w2, w3, w4, w5, w6, w7, w8):
    """The notes' 2-2-2 network on Values, nodes named as the notes name them."""
    out_h1 = _named(_named(w1 * I1 + w2 * I2 + B1, "net_h1").sigmoid(), "out_h1")
    out_h2 = _named(_named(w3 * I1 + w4 * I2 + B1, "net_h2").sigmoid(), "out_h2")
    out_o1 = _named(_named(w5 * out_h1 + w6 * out_h2 + B2, "net_o1").sigmoid(), "out_o1")
    out_o2 = _named(_named(w7 * out_h1 + w8 * out_h2 + B2, "net_o2").sigmoid(), "out_o2")
    return _named(0.5 * (T1 - out_o1) ** 2 + 0.5 * (T2 - out_o2) ** 2, "E_total")


def s(z):
    return 1.0 / (1.0 + math.exp(-z))


def backprop_222(w1, w2, w3, w4, w5, w6, w7, w8, bug=None):
    """A learner's scalar backprop of the 2-2-2 example (BP1-BP4 by hand).

    bug "o2 path": dw1 uses only the error through o1 (forgets the path through o2);
    bug "o2 sign": that path enters with the wrong sign."""
    h1, h2 = s(w1 * I1 + w2 * I2 + B1), s(w3 * I1 + w4 * I2 + B1)
    o1, o2 = s(w5 * h1 + w6 * h2 + B2), s(w7 * h1 + w8 * h2 + B2)
    d_o1, d_o2 = (o1 - T1) * o1 * (1 - o1), (o2 - T2) * o2 * (1 - o2)      # BP1
    d_h1 = (w5 * d_o1 + w7 * d_o2) * h1 * (1 - h1)                       # BP2
    d_h2 = (w6 * d_o1 + w8 * d_o2) * h2 * (1 - h2)
    grads = {"w1": d_h1 * I1, "w2": d_h1 * I2, "w3": d_h2 * I1, "w4": d_h2 * I2,  # BP4
             "w5": d_o1 * h1, "w6": d_o1 * h2, "w7": d_o2 * h1, "w8": d_o2 * h2}
    through_o1 = w5 * d_o1 * h1 * (1 - h1) * I1
    through_o2 = w7 * d_o2 * h1 * (1 - h1) * I1
    if bug == "o2 path":
        grads["w1"] = through_o1
    elif bug == "o2 sign":
        grads["w1"] = through_o1 - through_o2
    return grads, through_o1, through_o2


def test_worked_example_correct_backprop_passes_with_the_notes_numbers():
    grads, through_o1, through_o2 = backprop_222(**WEIGHTS)
    report = assert_gradients(loss_222, WEIGHTS, grads)
    assert report.ok and report.mismatches == [] and report.problems == []
    # the engine's numbers are the notes' published ones
    assert report.engine["w5"] == pytest.approx(0.082167041, abs=1e-9)
    assert report.engine["w1"] == pytest.approx(0.000438568, abs=1e-9)
    assert through_o1 == pytest.approx(0.000668396, abs=1e-9)
    assert report.engine["w1"] == pytest.approx(through_o1 + through_o2, rel=1e-12)


def test_worked_example_dw1_missing_the_path_through_o2_is_named():
    grads, through_o1, _ = backprop_222(**WEIGHTS, bug="o2 path")
    report = check_gradients(loss_222, WEIGHTS, grads)
    assert not report.ok
    assert report.mismatches == [("w1", (), through_o1, pytest.approx(0.000438568, abs=1e-9))]
    text = str(report)
    assert "First wrong entry w1: yours 0.000668396, engine 0.000438568" in text
    assert "path 1: ∂E_total/∂out_o1 × ∂out_o1/∂net_o1" in text
    assert "= -0.000229828" in text                         # path 2 listed with its value
    assert "searched all 4^2 = 16 combinations of the 2 paths" in text
    assert ("your ∂E_total/∂w1 = 0.000668396 is path 1 alone; path 2, through out_o2, is "
            "missing") in text
    with pytest.raises(AssertionError) as caught:
        assert_gradients(loss_222, WEIGHTS, grads)
    assert str(caught.value) == report.headline() + "\n" + text


def test_worked_example_path_with_flipped_sign_is_named():
    grads, through_o1, through_o2 = backprop_222(**WEIGHTS, bug="o2 sign")
    report = check_gradients(loss_222, WEIGHTS, grads)
    assert [m[:2] for m in report.mismatches] == [("w1", ())]
    assert ("is path 1 - path 2; path 2, through out_o2, has its sign flipped"
            in report.diagnosis)


def test_sign_flipped_everywhere():
    grads, _, _ = backprop_222(**WEIGHTS)
    report = check_gradients(loss_222, WEIGHTS, {k: -g for k, g in grads.items()})
    assert len(report.mismatches) == 8
    assert report.params["w5"].note == "it is -1 × the engine's: sign flipped"
    assert "First wrong entry w1: yours -0.000438568, engine 0.000438568" in report.diagnosis
    assert "→ your value is -1 × the engine's: sign flipped" in report.diagnosis


def test_plain_floats_and_lists_reach_the_loss_as_values():
    seen = {}

    def loss(w, v, M):
        seen.update(w=w, v=v, M=M)
        return w * v[0] + v[1] * M[1][0] + M[0][1] ** 2

    params = {"w": 2.0, "v": [3.0, 4.0], "M": [[1.0, 5.0], [6.0, 7.0]]}
    grads = {"w": 3.0, "v": [2.0, 6.0], "M": [[0.0, 10.0], [4.0, 0.0]]}
    report = assert_gradients(loss, params, grads)
    assert isinstance(seen["w"], Value) and seen["w"].label == "w"
    assert type(seen["v"]) is list and [x.label for x in seen["v"]] == ["v[0]", "v[1]"]
    assert type(seen["M"][1]) is list and seen["M"][0][1].label == "M[0,1]"
    assert report.engine == grads
    bad = check_gradients(loss, params, {**grads, "M": [[0.0, 10.0], [4.5, 0.0]]})
    assert bad.mismatches == [("M", (1, 0), 4.5, 4.0)]
    assert "M[1,0]: yours 4.5, engine 4" in str(bad)


def test_plain_lists_work_without_numpy():
    """A fresh interpreter in which numpy cannot be imported at all."""
    code = """
import sys
sys.modules["numpy"] = None                      # any import of numpy now fails
from autograd_mini.testing import check_gradients

def loss(W, b):
    return sum((W[0][j] * 2.0 + b[j]).tanh() for j in range(2))

W, b = [[0.5, -1.0]], [0.1, 0.2]
t = [1 - __import__("math").tanh(W[0][j] * 2.0 + b[j]) ** 2 for j in range(2)]
ok = check_gradients(loss, {"W": W, "b": b}, {"W": [[2 * t[0], 2 * t[1]]], "b": t})
bad = check_gradients(loss, {"W": W, "b": b}, {"W": [[2 * t[0], 2 * t[1]]], "b": [t[0], 0.0]})
print(ok.ok, bad.ok, bad.mismatches[0][:2], "numpy" in sys.modules and sys.modules["numpy"])
"""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                         check=True).stdout
    assert out.split() == ["True", "False", "('b',", "(1,))", "None"]


def test_missing_and_extra_keys_are_named():
    grads, _, _ = backprop_222(**WEIGHTS)
    del grads["w3"]
    grads["w9"] = 0.0
    report = check_gradients(loss_222, WEIGHTS, grads)
    assert not report.ok and report.mismatches == []
    assert str(report).startswith("check_gradients: 1 of 8 parameters wrong, 1 extra key in "
                                  "grads")
    assert report.problems == ["w3: grads has no entry 'w3'",
                               "w9: grads['w9'] is not a parameter (params has no 'w9')"]
    text = str(report)
    assert "missing from grads" in text and "not a parameter" in text
    with pytest.raises(AssertionError, match="grads has no entry 'w3'"):
        assert_gradients(loss_222, WEIGHTS, grads)


def test_non_finite_never_compares_equal():
    # d sqrt(x)/dx at 0 is inf on both sides: still reported
    report = check_gradients(lambda x: x.sqrt(), {"x": 0.0}, {"x": math.inf})
    assert report.mismatches == [("x", (), math.inf, math.inf)]
    assert "x: yours inf, engine inf" in str(report)
    assert "non-finite entry" in report.params["x"].note
    report = check_gradients(lambda x: x * 3, {"x": 1.0}, {"x": math.nan})
    assert not report.ok and "your value is nan" in report.diagnosis


def test_tolerances():
    report = check_gradients(lambda x: x * x, {"x": 3.0}, {"x": 6.0 * (1 + 1e-8)})
    assert report.ok                                            # within rtol = 1e-6
    report = check_gradients(lambda x: x * x, {"x": 3.0}, {"x": 6.0 * (1 + 1e-8)}, rtol=1e-10)
    assert report.mismatches == [("x", (), 6.0 * (1 + 1e-8), 6.0)]
    with pytest.raises(ValueError, match="rtol must be None .* or a finite number >= 0"):
        check_gradients(lambda x: x, {"x": 1.0}, {"x": 1.0}, rtol=-1)


def test_bad_inputs_get_clear_errors():
    with pytest.raises(ValueError, match=r"params\['W'\] is ragged"):
        check_gradients(lambda W: W[0][0], {"W": [[1.0, 2.0], [3.0]]}, {"W": [[1, 0], [0]]})
    with pytest.raises(TypeError, match=r"params\['x'\] must be a real number.*use \.data"):
        check_gradients(lambda x: x, {"x": Value(1.0)}, {"x": 1.0})
    with pytest.raises(TypeError, match=r"grads\['v'\]\[1\] must be a real number"):
        check_gradients(lambda v: v[0], {"v": [1.0, 2.0]}, {"v": [1.0, "0"]})
    with pytest.raises(TypeError, match="plain numbers, not with the Values"):
        check_gradients(lambda x: x.data * 2, {"x": 1.0}, {"x": 2.0})
    with pytest.raises(TypeError, match="params must be a dict"):
        check_gradients(lambda x: x, [1.0], {"x": 1.0})


def test_report_explain_gives_the_chain_rule_of_one_entry():
    grads, _, _ = backprop_222(**WEIGHTS)
    report = check_gradients(loss_222, WEIGHTS, grads)
    e = report.explain("w1")
    assert e.n_paths == 2 and e.gradient == pytest.approx(0.000438568, abs=1e-9)
    with pytest.raises(KeyError, match="no parameter 'w9'"):
        report.explain("w9")
    with pytest.raises(IndexError, match=r"index \(0,\) is not one of its entries"):
        report.explain("w1", 0)


# ------------------------------------------------------------------ inputs of every form
def test_numpy_scalars_are_values_and_zero_d_arrays_stay_arrays(np):
    for w in (np.float64(0.5), np.float32(0.5), np.int64(1)):
        report = assert_gradients(lambda w: w.tanh(), {"w": w},
                                  {"w": 1 - math.tanh(float(w)) ** 2})
        assert type(report.engine["w"]) is float
    seen = {}

    def loss(w):
        seen["w"] = w
        return w * 3
    assert assert_gradients(loss, {"w": np.array(2.0)}, {"w": 3.0}).ok
    assert seen["w"].shape == () and seen["w"].dtype == object


def test_non_finite_parameters_are_refused(np):
    with pytest.raises(ValueError, match=r"params\['w'\] is nan: check gradients at finite"):
        check_gradients(lambda w: w * 3, {"w": math.nan}, {"w": 3.0})
    with pytest.raises(ValueError, match=r"params\['W'\]\[1,0\] is inf"):
        check_gradients(lambda W: np.sum(W), {"W": np.array([[1.0], [np.inf]])},
                        {"W": np.ones((2, 1))})


def test_transposed_views_fortran_order_ints_and_empty_parameters(np):
    W = np.arange(6.0).reshape(3, 2).T                 # a non-contiguous view
    assert not W.flags.c_contiguous
    loss = lambda W: np.sum(W * W)                     # noqa: E731
    assert assert_gradients(loss, {"W": W}, {"W": 2 * W}).ok
    assert assert_gradients(loss, {"W": np.asfortranarray(W)}, {"W": 2 * W}).ok
    assert not check_gradients(loss, {"W": W}, {"W": (2 * W).T.copy().T[:, ::-1]}).ok
    assert assert_gradients(lambda W: np.sum(W * 3), {"W": np.ones((2, 2), dtype=int)},
                            {"W": np.full((2, 2), 3)}).ok
    report = assert_gradients(lambda W, b: np.sum(W) + b * 2,
                              {"W": np.zeros((0, 3)), "b": 1.0}, {"W": np.zeros((0, 3)),
                                                                  "b": 2.0})
    assert report.params["W"].entries == []
    with pytest.raises(TypeError, match=r"must be a real number, got bool"):
        check_gradients(lambda W: np.sum(W), {"W": np.ones(2)}, {"W": np.ones(2, dtype=bool)})
