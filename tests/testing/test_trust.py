"""check_gradients never calls a wrong gradient right (issue 18, items 7-11, and their
siblings): tolerances that follow the gradient's scale and precision, kinks, the point of
the check, the assertion's first line, and inputs of every form."""

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
from nets import two_layer

import autograd_mini
from autograd_mini import Value
from autograd_mini.testing import assert_gradients, check_gradients

ROOT = Path(autograd_mini.__file__).resolve().parents[1]     # the package under test


def network(np, dtype=None, scale=1.0, seed=0, m=4, h=3):
    """A 2-h-1 network (tanh, sigmoid, mean cross-entropy over m samples) at a generic
    point: its loss, its parameters and a learner's backprop (correct or with one bug)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(2, m)) * scale
    Y = (np.arange(m) % 2 == 0).astype(float)[None, :]
    params = {"W1": rng.normal(size=(2, h)), "b1": rng.normal(size=(h, 1)),
              "W2": rng.normal(size=(h, 1)), "b2": rng.normal(size=(1, 1))}
    if dtype is not None:
        X, Y = X.astype(dtype), Y.astype(dtype)
        params = {k: v.astype(dtype) for k, v in params.items()}

    loss, backprop = two_layer(np, X, Y)
    return loss, params, backprop


# ------------------------------------------------------------------ 7. vacuous comparisons
def squares(np, scale):
    """sum((W X)^2) with data in units of ``scale``: its gradient 2 (W X) Xᵀ."""
    rng = np.random.default_rng(0)
    X, W = rng.normal(size=(2, 4)) * scale, rng.normal(size=(1, 2)) * scale
    return (lambda W: np.sum((W @ X) ** 2)), {"W": W}, 2 * (W @ X) @ X.T


def test_small_units_a_sign_flipped_or_zero_gradient_never_passes(np):
    loss, params, grad = squares(np, 1e-5)
    assert np.abs(grad).max() < 1e-13                 # every entry far below 1e-9
    right = assert_gradients(loss, params, {"W": grad})
    assert right.atol == pytest.approx(1e-9 * np.abs(grad).max())
    assert "atol=1e-09 × 8.8e-15 (the largest |engine| entry) = 8.8e-24" in str(right)
    flipped = check_gradients(loss, params, {"W": -grad})
    assert not flipped.ok and len(flipped.mismatches) == 2
    assert flipped.params["W"].note == "all entries are -1 × the engine's: sign flipped"
    zero = check_gradients(loss, params, {"W": 0 * grad})
    assert not zero.ok and "nothing reached W[0,0]" in zero.diagnosis
    # the same check in large units: the same verdicts
    loss, params, grad = squares(np, 1e5)
    assert check_gradients(loss, params, {"W": grad}).ok
    assert not check_gradients(loss, params, {"W": -grad}).ok


def test_an_absolute_atol_above_every_entry_is_refused_as_vacuous(np):
    loss, params, grad = squares(np, 1e-5)
    for yours in (grad, -grad, 0 * grad):
        report = check_gradients(loss, params, {"W": yours}, atol=1e-9)
        assert not report.ok
        assert len(report.mismatches) == (2 if yours is not grad and yours[0, 0] else 0)
        assert report.problems[0].startswith(
            "vacuous comparison: every engine entry is within atol + rtol·|engine| of 0 "
            "(largest |engine| 8.78e-15, atol=1e-09, rtol=1e-06), so a gradient of zeros "
            "would pass, and one with every sign flipped too")
        assert "no match: the comparison is vacuous" in str(report)
    with pytest.raises(AssertionError, match=r"^vacuous comparison"):
        assert_gradients(loss, params, {"W": grad}, atol=1e-9)
    # rtol >= 1 lets zeros through as well (but not a flipped sign)
    report = check_gradients(loss, params, {"W": grad}, rtol=1.0)
    assert "would pass; rtol must be below 1" in report.problems[0]
    # an atol below the gradient's scale is a real comparison
    assert check_gradients(loss, params, {"W": grad}, atol=1e-20).ok


def test_a_gradient_that_is_zero_everywhere_is_no_match():
    report = check_gradients(lambda w, v: w * 0.0 + v[0] * 0.0 + 1.0, {"w": 2.0, "v": [1.0]},
                             {"w": 0.0, "v": [0.0]})
    assert not report.ok and report.mismatches == []
    assert report.problems == [
        "the engine's gradient is 0 in every entry: the loss does not change with any "
        "parameter at this point, so a backward that returns zeros passes; check at a point "
        "where it does (random values, no dead relus)"]
    # an empty parameter compares nothing: with nothing else, that is vacuous too
    report = check_gradients(lambda v: sum(v, Value(1.0)), {"v": []}, {"v": []})
    assert report.problems == ["nothing to compare: every parameter is empty"]


def test_an_entry_whose_paths_cancel_keeps_their_rounding_room():
    """An entry whose exact gradient is 0, the engine's rounding to about 1e-17: yours,
    an exact 0, passes (its own scale is its Σ|paths|, 0.6, not its value)."""
    def loss(w, b):
        return (w * 3.0) + (b * 0.1 + b * 0.2 - b * 0.3)    # d/db = 0.1 + 0.2 - 0.3
    report = check_gradients(loss, {"w": 1.0, "b": 1.0}, {"w": 3.0, "b": 0.0})
    assert report.engine["b"] != 0.0 and abs(report.engine["b"]) < 1e-16
    assert report.ok


def feature_scales(np):
    """A linear least-squares fit whose two input features differ in scale by 1e11: the
    gradient's entries differ by as much, within one parameter."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2, 5)) * np.array([[1e6], [1e-5]])
    y, w = rng.normal(size=(1, 5)), rng.normal(size=(1, 2))
    return (lambda w: np.mean((w @ X - y) ** 2)), {"w": w}, 2 * ((w @ X - y) @ X.T) / 5


def test_an_entry_far_below_the_largest_keeps_its_sign_checked(np):
    loss, params, grad = feature_scales(np)
    assert abs(grad[0, 1]) < 1e-9 * abs(grad[0, 0])    # atol alone would pass any sign
    report = assert_gradients(loss, params, {"w": grad})
    assert list(report.tolerance.small) == ["w"] and set(report.tolerance.small["w"]) == {1}
    assert report.params["w"].rooms[1] < 1e-8 < report.atol
    assert report.notes == [
        "1 entry of w is so small that a zero or a flipped sign would pass atol = 2.2e+02: "
        "there yours must agree to 1e-09 × the entry's Σ|chain-rule paths|, or have the "
        "engine's sign (or be 0)"]
    flipped = check_gradients(loss, params, {"w": grad * [[1, -1]]})
    assert [m[:2] for m in flipped.mismatches] == [("w", (0, 1))]
    assert "sign flipped" in flipped.cause
    # the same sign, or 0 (a saturated 1 - tanh(z)^2 rounds to 0), passes
    assert assert_gradients(loss, params, {"w": grad * [[1, 0]]}).ok
    assert assert_gradients(loss, params, {"w": grad * [[1, 3]]}).ok
    # in float32, and with an atol of your own, the same
    params32 = {"w": params["w"].astype(np.float32)}
    assert assert_gradients(loss, params32, {"w": grad.astype(np.float32)}).tolerance.small
    assert not check_gradients(loss, params32, {"w": (grad * [[1, -1]]).astype(np.float32)}).ok
    assert not check_gradients(loss, params, {"w": grad * [[1, -1]]}, atol=10.0).ok


def test_a_saturated_tanh_that_rounds_to_zero_is_not_a_wrong_gradient(np):
    """tanh(z) = 1.0 in floats for z > 19: 1 - A1**2 is exactly 0, while the engine's
    accurate derivative is about 1e-30; the learner's formula is right."""
    loss, params, backprop = network(np, scale=30.0)
    grads = backprop(**params)
    assert (grads["W1"] == 0).any()
    report = assert_gradients(loss, params, grads)
    assert report.tolerance.small


# ------------------------------------------------------------------ 8. float32 and float16
def test_a_correct_float32_backprop_passes_at_single_precision(np):
    loss, params, backprop = network(np, np.float32, m=100, h=16, seed=1)
    grads = backprop(**params)
    assert grads["W1"].dtype == np.float32
    report = assert_gradients(loss, params, grads)
    assert max(c.max_rel for c in report.params.values()) > 1e-7   # float32 rounding
    assert report.tolerance.precision == "float32" and report.rtol == 1e-4
    assert "your gradients are float32: rtol=0.0001, atol=1e-05 ×" in str(report)
    # a real bug is still caught, with its cause
    report = check_gradients(loss, params, backprop(**params, bug="g'"))
    assert {m[0] for m in report.mismatches} == {"W1", "b1"}
    assert "derivative of every tanh left out" in report.cause


def test_float32_at_a_tolerance_it_cannot_meet_is_called_rounding(np):
    loss, params, backprop = network(np, np.float32)
    report = check_gradients(loss, params, backprop(**params), rtol=1e-9, atol=1e-15)
    assert not report.ok
    assert "no simple cause" not in report.diagnosis
    assert ("the rounding of float32 (machine epsilon 1.2e-07): a backward in single or half "
            "precision differs this much. Compare with rtol=0.0001 (the default for float32 "
            "gradients) or compute in float64") in report.diagnosis
    # float32 numbers handed over as float64: the parameters' precision is named
    grads = {k: v.astype(np.float64) for k, v in backprop(**params).items()}
    report = check_gradients(loss, params, grads, rtol=1e-9, atol=1e-15)
    assert report.tolerance.precision == "float64" and "float32" in report.diagnosis


def test_float16_and_lists_of_float32_numbers(np):
    loss, params, backprop = network(np, np.float16, m=8)
    report = assert_gradients(loss, params, backprop(**params))
    assert report.tolerance.precision == "float16" and report.rtol == 1e-2
    loss, params, backprop = network(np, np.float32)
    grads = {k: [[np.float32(x) for x in row] for row in v] for k, v in
             backprop(**params).items()}
    assert assert_gradients(loss, params, grads).tolerance.precision == "float32"


def test_torch_float32_gradients_are_single_precision(np, torch):
    loss, params, backprop = network(np, np.float32)
    grads = {k: torch.from_numpy(v) for k, v in backprop(**params).items()}
    assert assert_gradients(loss, params, grads).tolerance.precision == "float32"


# ------------------------------------------------------------------ 9. kinks
X9 = [[1.0, 2.0], [0.0, 1.0]]
W9 = [[0.0, 1.0], [1.0, -1.0]]        # z = W X has z[0,0] = 0: relu's kink
C9 = [[1.0, 2.0], [3.0, 4.0]]


def relu_net(np, relu):
    X, C = np.array(X9), np.array(C9)

    def loss(W1):
        return np.sum(relu(W1 @ X) * C)
    Z = np.array(W9) @ X
    assert Z[0, 0] == 0
    return loss, {"W1": np.array(W9)}, {"torch": (C * (Z > 0)) @ X.T,
                                        "z >= 0": (C * (Z >= 0)) @ X.T}


def test_relu_kink_pytorchs_convention_is_accepted(np):
    """np.maximum(z, 0) passes z on at z = 0 (the engine's derivative 1); PyTorch's
    relu'(0) = 0 is the derivative from the left: accepted, and said so."""
    loss, params, grads = relu_net(np, lambda z: np.maximum(z, 0))
    report = assert_gradients(loss, params, {"W1": grads["torch"]})
    (kink,) = report.params["W1"].at_kink
    assert kink[:3] == ((0, 0), 4.0, 5.0)
    assert kink[3] == "the loss's derivative in W1[0,0] from the left"
    assert ("W1[0,0] at a kink: yours 4 is the loss's derivative in W1[0,0] from the left, "
            "the engine's 5 the forward's branch: accepted") in str(report)
    assert assert_gradients(loss, params, {"W1": grads["z >= 0"]}).ok
    assert "nothing reached" not in report.diagnosis


@pytest.mark.parametrize("form", ["np.maximum(0, z)", "np.where", "z * (z > 0)", "relu"])
def test_relu_kink_either_convention_passes_however_relu_is_written(np, form):
    relu = {"np.maximum(0, z)": lambda z: np.maximum(0, z),
            "np.where": lambda z: np.where(z > 0, z, 0.0),
            "z * (z > 0)": lambda z: z * (z > 0),
            "relu": np.vectorize(lambda v: v.relu(), otypes=[object])}[form]
    loss, params, grads = relu_net(np, relu)
    for convention in ("torch", "z >= 0"):
        assert assert_gradients(loss, params, {"W1": grads[convention]}).ok, convention


def test_abs_and_leaky_relu_at_zero_take_either_side_exactly(np):
    def loss(w):                      # |w| + leaky(w) at w = 0, one node each
        return abs(w) + w.leaky_relu(0.1)
    for yours in (-1.0 + 0.1, 1.0 + 1.0):             # both from the left, both from the right
        report = assert_gradients(loss, {"w": 0.0}, {"w": yours})
        assert report.params["w"].at_kink[0][3].startswith("every relu/abs at 0 from the")
    report = check_gradients(loss, {"w": 0.0}, {"w": 0.5})
    assert not report.ok and "w reaches a kink of the loss: abs and leaky_relu at 0" in \
        report.diagnosis


def test_a_wrong_gradient_at_a_kink_still_fails_and_the_kink_is_named(np):
    loss, params, grads = relu_net(np, lambda z: np.maximum(z, 0))
    report = check_gradients(loss, params, {"W1": 3 * grads["torch"] + 1})
    assert not report.ok and len(report.mismatches) == 4
    assert ("W1[0,0] reaches a kink of the loss: a comparison of equal numbers (z >= 0 at "
            "z = 0") in report.diagnosis
    assert ("The one-sided derivatives: the loss's derivative in W1[0,0] from the left: 4; "
            "the loss's derivative in W1[0,0] from the right: 5. Yours matches none of them"
            ) in report.diagnosis
    report = check_gradients(loss, params, {"W1": 0 * grads["torch"] + 7})
    assert "reaches a kink" in report.diagnosis and "nothing reached" not in report.diagnosis


# ------------------------------------------------------------------ 10. the point
def test_parameters_that_are_zero_everywhere_get_a_note(np):
    loss, params, backprop = network(np)
    params = {**params, "b1": np.zeros((3, 1)), "b2": np.zeros((1, 1))}

    def no_biases(W1, b1, W2, b2):                     # its forward forgets the biases
        return backprop(W1, 0 * b1, W2, 0 * b2)
    report = assert_gradients(loss, params, no_biases(**params))      # passes: blind here
    assert report.notes == [
        "b1, b2 are 0 in every entry: a backward whose own forward leaves them out (z = W x "
        "instead of W x + b) gives the same numbers here and passes; check at random values "
        "too"]
    assert "  note: b1, b2 are 0 in every entry" in str(report)
    assert "<p>note: b1, b2 are 0 in every entry" in report._repr_html_()
    loss, params, backprop = network(np)                # at a generic point it fails
    assert not check_gradients(loss, params, no_biases(**params)).ok
    assert check_gradients(loss, params, backprop(**params)).notes == []


# ------------------------------------------------------------------ 11. the first line
def test_the_assertions_first_line_names_the_entry_its_cause_and_both_numbers(np):
    loss, params, backprop = network(np)
    grads = backprop(**params, bug="g'")
    with pytest.raises(AssertionError) as caught:
        assert_gradients(loss, params, grads)
    first, rest = str(caught.value).split("\n", 1)
    report = check_gradients(loss, params, grads)
    name, index, yours, engine = report.mismatches[0]
    assert first.startswith("W1[0,0] wrong: derivative of every tanh left out (d tanh(z)/dz "
                            "= 1 - tanh(z)^2); yours ")
    assert first.endswith("(check_gradients: 2 of 4 parameters wrong)")
    assert f"{yours:.9f}".rstrip("0") in first and f"{engine:.9f}".rstrip("0") in first
    assert rest == str(report)
    # a problem without a wrong entry: the problem comes first
    grads["W2"] = grads["W2"].T
    del grads["b2"]
    with pytest.raises(AssertionError, match=r"^W2: shape mismatch: your gradient has shape "
                                             r"\(1, 3\)"):
        assert_gradients(loss, params, {**grads, "W1": backprop(**params)["W1"],
                                        "b1": backprop(**params)["b1"]})


@pytest.mark.parametrize("bug, cause", [
    ("sign", "yours is -1 × the engine's: sign flipped"),
    ("zero", "yours is 0: nothing reached it"),
    ("nan", "yours is nan"),
])
def test_every_kind_of_cause_reaches_the_first_line(np, bug, cause):
    loss, params, backprop = network(np)
    grads = backprop(**params)
    grads["W1"] = {"sign": -grads["W1"], "zero": 0 * grads["W1"],
                   "nan": grads["W1"] * math.nan}[bug]
    report = check_gradients(loss, params, grads)
    assert report.headline().startswith(f"W1[0,0] wrong: {cause}; yours ")


def test_pytest_shows_the_entry_and_cause_in_its_summary_lines(tmp_path):
    (tmp_path / "test_student.py").write_text(
        "from autograd_mini.testing import assert_gradients\n"
        "def loss(w, b):\n"
        "    return (w * 3.0 + b).tanh()\n"
        "def test_backward():\n"
        "    assert_gradients(loss, {'w': 0.5, 'b': 0.2}, {'w': 3.0, 'b': 1.0})\n")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COLUMNS": "200"}
    out = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "-rf", "--tb=line", "test_student.py"], cwd=tmp_path, env=env,
                         capture_output=True, text=True).stdout
    first = ("AssertionError: w wrong: derivative of every tanh left out (d tanh(z)/dz = "
             "1 - tanh(z)^2); yours 3, engine ")
    assert f"test_student.py:5: {first}" in out, out                 # --tb=line
    assert f"FAILED test_student.py::test_backward - {first}" in out, out   # -rf


def test_a_forward_that_reads_values_as_numbers_is_named(np):
    loss, params, backprop = network(np)

    def cut(W1, b1, W2, b2):
        return loss(np.array([[float(w) for w in row] for row in W1]), b1, W2, b2)
    report = check_gradients(cut, params, backprop(**params))
    assert ("cut the graph; the forward read 6 Values as plain numbers, the first W1[0,0] by "
            "float()") in report.diagnosis
    assert report.headline().startswith("W1[0,0] wrong: the loss does not depend on it")


def test_a_batch_of_two_not_averaged_is_named_among_the_factors_of_2():
    def loss(w):
        return ((w * 1.0 - 1.0) ** 2 + (w * 2.0 - 1.0) ** 2) / 2       # a mean over m = 2
    w = 0.3
    right = ((w - 1.0) * 2 + (2 * w - 1.0) * 4) / 2
    report = check_gradients(loss, {"w": w}, {"w": 2 * right})
    assert "not divided by m = 2" in report.diagnosis


def test_kinks_made_by_comparisons_rerun_the_loss_for_at_most_16_entries(np):
    calls = []

    def loss(w):                                       # every entry sits on relu's kink
        calls.append(1)
        return np.sum(np.maximum(w * 2.0, 0))
    report = check_gradients(loss, {"w": np.zeros(20)}, {"w": np.zeros(20)})
    assert len(calls) == 1 + 2 * 16
    assert len(report.params["w"].at_kink) == 16 and len(report.mismatches) == 4
    assert report.mismatches[0][:2] == ("w", (16,))
    assert ("(Its one-sided derivatives in w[16] were not computed: the loss is called again "
            "for the first 16 such entries only.)") in report.diagnosis
    assert report.notes[0].startswith("w is 0 in every entry")
