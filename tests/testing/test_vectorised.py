"""check_gradients on the notes' vectorised network (z1 = W1ᵀX + b1, tanh, sigmoid output,
mean cross-entropy over m = 4 samples): the classic bugs, each caught with the entry, both
numbers and the cause; the report's HTML; numpy on arrays of Values; a batch of 1,000."""

import math
import time

import pytest
from nets import two_layer

from autograd_mini.testing import assert_gradients, check_gradients

# ---------------------------------------------------------------- the vectorised network
M, H = 4, 3                 # batch size, hidden units


@pytest.fixture
def net(np):
    """A 2-3-1 network as the notes vectorise it: z1 = W1ᵀX + b1, tanh, sigmoid output,
    mean cross-entropy over m = 4 samples; its loss and a learner's backprop."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2, M))
    Y = np.array([[0.0, 1.0, 1.0, 0.0]])
    params = {"W1": rng.normal(size=(2, H)), "b1": rng.normal(size=(H, 1)) * 0.1,
              "W2": rng.normal(size=(H, 1)), "b2": np.zeros((1, 1))}

    loss, backprop = two_layer(np, X, Y)
    return np, loss, params, backprop


def test_vectorised_network_correct_backprop_passes(net):
    np, loss, params, backprop = net
    grads = backprop(**params)
    report = assert_gradients(loss, params, grads)
    assert report.ok and report.batch_size == M
    for name, g in grads.items():
        assert report.engine[name].shape == g.shape
        assert np.allclose(report.engine[name].astype(float), g, rtol=1e-12, atol=1e-15)
    assert report.params["W1"].max_rel < 1e-12
    html = report._repr_html_()
    assert html.count("<tr") == 5 and "all parameters match the engine" in html
    assert "first wrong entries" not in html and html.count("<td") == 4 * 5   # no empty column
    assert "<pre" not in html                                 # nothing to diagnose


def html_cells(html, tag="td"):
    """[(style, text)] of the table's cells."""
    import re
    return re.findall(rf'<{tag} style="([^"]*)">(.*?)</{tag}>', html, re.S)


def test_report_html_wraps_its_diagnosis_and_keeps_numbers_whole(net):
    np, loss, params, backprop = net
    html = check_gradients(loss, params, backprop(**params, bug="g'"))._repr_html_()
    heads = [text for _, text in html_cells(html, "th")]
    assert heads == ["parameter", "shape", "max abs err", "max rel err", "wrong entries",
                     "first wrong entries"]
    cells = html_cells(html)
    assert len(cells) == 4 * 6
    for k, (style, text) in enumerate(cells):
        assert "padding:" in style                      # headers and numbers stand apart
        if k % 6 in (1, 2, 3, 4):                       # shape, errors, count: one line
            assert "white-space:nowrap" in style, text
    w1 = [text for _, text in cells[:6]]
    assert w1[4] == "6 of 6" and w1[5].count('<span style="white-space:nowrap">W1[') == 3
    assert "<style" not in html and "class=" not in html    # inline: kept when untrusted
    pre = html[html.index("<pre"):]
    assert pre.startswith('<pre style="white-space:pre-wrap;word-break:normal;'
                          'overflow-wrap:anywhere">First wrong entry W1[0,0]')


def test_bug_a_transposed_dW2_is_a_shape_mismatch_with_the_transpose_hint(net):
    np, loss, params, backprop = net
    grads = backprop(**params, bug="transpose")
    report = check_gradients(loss, params, grads)
    assert not report.ok and report.mismatches == []
    (problem,) = report.problems
    assert problem.startswith("W2: shape mismatch: your gradient has shape (1, 3), the "
                              "parameter W2 has shape (3, 1); its transpose matches the "
                              "engine's gradient entry for entry: transpose it "
                              "(grads['W2'].T)")
    assert "z = Wᵀa has dW = a·dzᵀ" in problem
    with pytest.raises(AssertionError, match=r"shape mismatch: your gradient has shape \(1, 3\)"):
        assert_gradients(loss, params, grads)
    # fixed, it passes
    assert assert_gradients(loss, params, {**grads, "W2": grads["W2"].T}).ok
    # a transpose that is also wrong is not called a fix
    report = check_gradients(loss, params, {**grads, "W2": 2 * grads["W2"]})
    assert "its transpose has the right shape but 3 of 3 entries still differ" in \
        report.problems[0]


def test_bug_b_forgotten_g_prime_z1_is_named(net):
    np, loss, params, backprop = net
    right, grads = backprop(**params), backprop(**params, bug="g'")
    report = check_gradients(loss, params, grads)
    assert {name for name, *_ in report.mismatches} == {"W1", "b1"}
    name, index, yours, engine = report.mismatches[0]
    assert (name, index) == ("W1", (0, 0))
    assert yours == grads["W1"][0, 0] and engine == pytest.approx(right["W1"][0, 0], rel=1e-12)
    text = str(report)
    nine = [f"{x:.9f}".rstrip("0") for x in (yours, engine)]    # 9 decimals, as explain
    assert f"First wrong entry W1[0,0]: yours {nine[0]}, engine {nine[1]}" in text
    assert ("searched all 4^4 = 256 combinations of the 4 paths that are not 0 (the other 4 "
            "are), each taken -1, 0, 1 or 2 times: none gives yours") in text
    assert ("your value equals the engine's with the derivative of every tanh on each path "
            "left out (set to 1): d tanh(z)/dz = 1 - tanh(z)^2 is missing") in text
    assert "forgotten ⊙ g'(z)" in text
    assert "the engine's gradient equals yours for every entry of W1, b1" in text


def test_forgotten_derivative_of_a_sigmoid_written_out_in_numpy(net):
    """z = W a convention, sigmoid hidden layer as 1/(1 + np.exp(-z)): the forgotten
    g'(z1) is the first of two sigmoids after W1, each five engine ops."""
    np, _, _, _ = net
    rng = np.random.default_rng(1)
    X, Y = rng.normal(size=(2, M)), np.array([[1.0, 0.0, 0.0, 1.0]])
    params = {"W1": rng.normal(size=(H, 2)), "W2": rng.normal(size=(1, H))}

    def sigmoid(z):
        return 1 / (1 + np.exp(-z))

    def loss(W1, W2):
        A2 = sigmoid(W2 @ sigmoid(W1 @ X))
        return -np.sum(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)) / M

    A1 = sigmoid(params["W1"] @ X)
    dZ2 = (sigmoid(params["W2"] @ A1) - Y) / M
    right = {"W1": ((params["W2"].T @ dZ2) * A1 * (1 - A1)) @ X.T, "W2": dZ2 @ A1.T}
    assert assert_gradients(loss, params, right).ok
    report = check_gradients(loss, params, {**right, "W1": (params["W2"].T @ dZ2) @ X.T})
    assert [m[0] for m in report.mismatches] == ["W1"] * 6
    assert ("with the derivative of the first sigmoid (written out: neg → exp → + →"
            in report.diagnosis)
    assert "after W1[0,0] on each path left out (set to 1): d s(z)/dz = s(z)(1 - s(z))" in \
        report.diagnosis
    assert "equals yours for every entry of W1" in report.diagnosis


def test_missing_one_over_m_is_named(net):
    np, loss, params, backprop = net
    report = check_gradients(loss, params, backprop(**params, bug="1/m"))
    assert len(report.mismatches) == 2 * H + H + H + 1
    for check in report.params.values():
        assert check.note.endswith("m = 4 × the engine's: not divided by the batch size m = 4")
    assert "→ your value is m = 4 × the engine's: not divided by the batch size m = 4" in \
        report.diagnosis


def test_nan_in_grads_is_reported(net):
    np, loss, params, backprop = net
    grads = backprop(**params)
    grads["b1"][1, 0] = np.nan
    report = check_gradients(loss, params, grads)
    assert [(n, i) for n, i, *_ in report.mismatches] == [("b1", (1, 0))]
    assert math.isnan(report.mismatches[0][2])
    assert "b1[1,0]: yours nan, engine" in str(report)
    assert "1 non-finite entry (NaN and inf are never accepted)" in str(report)


def test_lost_axis_gets_a_reshape_hint(net):
    np, loss, params, backprop = net
    grads = backprop(**params)
    report = check_gradients(loss, params, {**grads, "b1": grads["b1"].ravel()})
    assert report.problems == [
        "b1: shape mismatch: your gradient has shape (3,), the parameter b1 has shape (3, 1) "
        "(same number of entries: an axis lost or added); its entries in row-major order "
        "match the engine's: reshape it, grads['b1'].reshape((3, 1)) (np.sum(..., "
        "keepdims=True) keeps the axis)"]
    report = check_gradients(lambda x: x * x, {"x": 3.0}, {"x": [[6.0]]})
    assert report.problems == [
        "x: shape mismatch: your gradient has shape (1, 1), the parameter x is a number, "
        "shape () (same number of entries: an axis lost or added); its entries in row-major "
        "order match the engine's: pass it as a number, float(grads['x'])"]


def test_forward_that_cuts_the_graph_is_named(net):
    np, loss, params, backprop = net
    grads = backprop(**params)

    def cut(W1, b1, W2, b2):
        return loss(W1.astype(float), b1, W2, b2)           # W1 turned into plain floats

    report = check_gradients(cut, params, grads)
    assert report.engine["W1"].tolist() == [[0.0] * H] * 2
    assert "the loss does not depend on W1[0,0] through the Values it was given" in \
        report.diagnosis and ".astype(float)" in report.diagnosis


def test_numpy_functions_on_value_arrays(net):
    """The ufuncs learner code uses, against closed-form gradients; and a clear error for
    one that does not work on Values."""
    np, _, _, _ = net
    W = np.array([[0.5, -1.5], [2.0, 0.25]])

    def loss(W):
        Z = np.maximum(0, W) + np.where(W > 0, 0.0, W) * 3       # relu, then 3z below 0
        return (np.sum(np.sqrt(W ** 2 + 1)) + np.mean(np.abs(W)) + np.sum(Z @ Z.T)
                + np.exp(W).sum() + np.log(W ** 2).sum())

    Z = np.maximum(0, W) + np.where(W > 0, 0.0, W) * 3
    dZ = 2 * np.ones((2, 2)) @ Z                # d sum(Z Zᵀ)/dZ_ik = 2 sum_j Z_jk
    grad = (W / np.sqrt(W ** 2 + 1) + np.sign(W) / W.size + dZ * np.where(W > 0, 1.0, 3.0)
            + np.exp(W) + 2 / W)
    assert assert_gradients(loss, {"W": W}, {"W": grad}).ok
    with pytest.raises(TypeError, match=r"numpy function that does not work on Values.*log1p"):
        check_gradients(lambda W: np.sum(np.log1p(W)), {"W": W}, {"W": W})


def test_a_thousand_samples_through_2_16_1_check_in_seconds(np):
    rng = np.random.default_rng(2)
    m = 1000
    X = rng.normal(size=(2, m))
    Y = (X[0:1] * X[1:2] > 0).astype(float)
    params = {"W1": rng.normal(size=(2, 16)), "b1": np.zeros((16, 1)),
              "W2": rng.normal(size=(16, 1)), "b2": np.zeros((1, 1))}

    def loss(W1, b1, W2, b2):
        A1 = np.tanh(W1.T @ X + b1)
        A2 = 1 / (1 + np.exp(-(W2.T @ A1 + b2)))
        return np.mean(-(Y * np.log(A2) + (1 - Y) * np.log(1 - A2)))

    A1 = np.tanh(params["W1"].T @ X + params["b1"])
    dZ2 = (1 / (1 + np.exp(-(params["W2"].T @ A1 + params["b2"]))) - Y) / m
    dZ1 = (params["W2"] @ dZ2) * (1 - A1 ** 2)
    grads = {"W1": X @ dZ1.T, "b1": dZ1.sum(axis=1, keepdims=True), "W2": A1 @ dZ2.T,
             "b2": dZ2.sum(axis=1, keepdims=True)}
    start = time.perf_counter()
    report = assert_gradients(loss, params, grads)
    assert time.perf_counter() - start < 10                # about 0.5 s when the machine is idle
    assert set(report.seconds) == {"forward", "backward", "compare", "diagnosis"}
    start = time.perf_counter()
    report = check_gradients(loss, params, {**grads, "W1": X @ (params["W2"] @ dZ2).T})
    assert time.perf_counter() - start < 20                # with the diagnosis, about 1.5 s
    # per sample, y log(a) or (1 - y) log(1 - a) is multiplied by 0
    assert ("2,000 paths from W1[0,0] to the loss (1,000 of them not 0): too many to search"
            in report.diagnosis)
    assert "every tanh" in report.diagnosis


def test_a_sample_left_out_is_a_missing_path(net):
    """dW1 summed over the first m - 1 samples only (an off-by-one in a loop)."""
    np, loss, params, backprop = net
    grads = backprop(**params, bug="last sample")
    report = check_gradients(loss, params, grads)
    assert [m[:2] for m in report.mismatches][0] == ("W1", (0, 0))
    paths = report.explain("W1", (0, 0)).paths
    live = [k for k, p in enumerate(paths, 1) if p.value != 0]
    assert len(paths) == 2 * M and len(live) == M  # y log a or (1 - y) log(1 - a) is 0
    assert grads["W1"][0, 0] == pytest.approx(sum(paths[k - 1].value for k in live[:-1]),
                                              rel=1e-12)
    expected = " + ".join(f"path {k}" for k in live[:-1])
    assert f"is {expected}; path {live[-1]}, through " in report.diagnosis
    assert report.diagnosis.endswith("is missing")
