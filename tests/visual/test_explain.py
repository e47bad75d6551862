"""explain(): chain-rule paths of the worked example, path sums, path explosions, names.
Its cost, arguments, rendered maths and paths() are in test_explain_output.py."""

import math
import time

import pytest

from autograd_mini import Value, explain, grad
from autograd_mini.example import build_worked_example


@pytest.fixture
def ex():
    return build_worked_example()          # E_total.backward() has been called


def test_w5_is_the_notes_three_factors(ex):
    e = explain(ex.output, ex["w5"])
    assert e.n_paths == 1
    (path,) = e.paths
    assert path.steps == ["E_total", "out_o1", "net_o1", "w5"]
    for got, published in zip(path.factors, [0.74136507, 0.186815602, 0.593269992], strict=True):
        assert abs(got - published) < 1e-9
    assert abs(path.value - 0.082167041) < 1e-9
    assert path.value == pytest.approx(math.prod(path.factors), rel=1e-15)
    assert e.gradient == ex["w5"].grad
    text = str(e)
    assert ("∂E_total/∂out_o1 × ∂out_o1/∂net_o1 × ∂net_o1/∂w5 = 0.74136507 × 0.186815602 × "
            "0.593269992 = 0.082167041") in text
    assert text.endswith("∂E_total/∂w5 = 0.082167041 = w5.grad")


def test_w1_has_two_paths_through_o1_and_o2(ex):
    e = explain(ex.output, ex["w1"])
    assert e.n_paths == 2
    first, second = e.paths
    assert first.steps == ["E_total", "out_o1", "net_o1", "out_h1", "net_h1", "w1"]
    assert second.steps == ["E_total", "out_o2", "net_o2", "out_h1", "net_h1", "w1"]
    # dnet_o1/dout_h1 = w5, dnet_o2/dout_h1 = w7, dnet_h1/dw1 = i1
    assert first.factors[2] == 0.4 and second.factors[2] == 0.5
    assert first.factors[4] == second.factors[4] == 0.05
    assert abs(first.value + second.value - 0.000438568) < 1e-9
    assert abs(e.gradient - 0.000438568) < 1e-9
    assert e.gradient == pytest.approx(ex["w1"].grad, rel=1e-14)
    assert "= 0.000668396 - 0.000229828 = 0.000438568 = w1.grad" in str(e)


@pytest.mark.parametrize("name", ["w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8", "b1",
                                  "b2", "i1", "i2", "out_h2", "net_o2"])
def test_sum_over_paths_is_the_gradient(ex, name):
    for via in ("auto", "labels", "all"):
        e = explain(ex.output, ex[name], via=via)
        assert e.gradient == pytest.approx(ex[name].grad, rel=1e-13, abs=1e-300)
        for p in e.paths:
            assert len(p.factors) == len(p.steps) - 1
            assert p.value == pytest.approx(math.prod(p.factors), rel=1e-14)


def test_via_all_uses_every_stored_local_derivative(ex):
    e = explain(ex.output, ex["w5"], via="all")
    (path,) = e.paths
    # E_total -> E_o1 -> square -> diff -> out_o1 -> net_o1 -> w5*out_h1+w6*out_h2
    # -> w5*out_h1 -> w5: one factor per edge, each a stored local derivative
    assert len(path.factors) == 8
    assert path.factors[:2] == [1.0, 0.5]
    assert path.factors[3] == -1.0                         # d(t - out)/d out
    assert path.factors[4] == ex["out_o1"].local_grads[0]  # sigmoid' = s(1 - s)
    assert path.factors[-1] == ex["out_h1"].data           # d(w5*out_h1)/dw5


def test_via_names_the_steps(ex):
    e = explain(ex.output, ex["w5"], via=["E_o1", "net_o1"])
    assert e.paths[0].steps == ["E_total", "E_o1", "net_o1", "w5"]
    with pytest.raises(ValueError, match="not in the graph"):
        explain(ex.output, ex["w5"], via=["nope"])
    with pytest.raises(TypeError, match="via must hold"):
        explain(ex.output, ex["w5"], via=[3])


def test_naive_example_a_plus_a():
    a = Value(1.0, "a")
    b = a + a
    b.label = "b"
    c = b + b
    c.label = "c"
    c.backward()
    e = explain(c, a)
    assert e.n_paths == 4 and e.gradient == 4.0 == a.grad
    assert [p.steps for p in e.paths] == [["c", "b", "a"]] * 4
    text = str(e)
    assert text.endswith("∂c/∂a = 1 + 1 + 1 + 1 = 4 = a.grad")
    # the four paths take different operand slots, and each line says which
    rows = [line for line in text.splitlines() if line.startswith("  path")]
    assert rows == [f"  path {k}: ∂c/∂b ({x} operand) × ∂b/∂a ({y} operand) = 1 × 1 = 1"
                    for k, (x, y) in enumerate([("left", "left"), ("left", "right"),
                                                ("right", "left"), ("right", "right")], 1)]
    assert [p.operands for p in e.paths] == [["left operand", "left operand"],
                                             ["left operand", "right operand"],
                                             ["right operand", "left operand"],
                                             ["right operand", "right operand"]]
    assert len({p.through for p in e.paths}) == 4
    assert e.paths[1].through == "through b as left operand of c, a as right operand of b"
    md = e._repr_markdown_()
    assert md.count(r"\underbrace{") == 8 and md.count(r"_{\text{right operand}}") == 4


def test_without_backward_the_gradient_is_computed_and_said_so():
    x, y = Value(0.5, "x"), Value(2.0, "y")
    z = (x * y).tanh() + x ** 2 * 3
    e = explain(z, x)
    expected = 2.0 * (1 - math.tanh(1.0) ** 2) + 6 * 0.5
    assert e.gradient == pytest.approx(expected, rel=1e-15)
    assert x.grad == 0.0
    assert "backward() has not been called" in str(e)
    z.backward()
    z.backward()                                   # gradients accumulate: 2x
    assert "gradients accumulate" in str(explain(z, x))


def test_unlabelled_nodes_get_expression_names():
    x = Value(1.0, "x")
    y = ((x + 0.5) * 2).tanh()
    e = explain(y, x, via="all")
    assert e.paths[0].steps == ["tanh((x + 0.5)*2)", "(x + 0.5)*2", "x + 0.5", "x"]
    assert "∂(tanh((x + 0.5)*2))/∂((x + 0.5)*2)" in str(e)


def test_path_explosion_is_counted_and_summarised():
    v = Value(1.0, "v")
    h = v
    for _ in range(40):                            # 2**40 paths
        h = h * 1.0 + h * 0.5
    h.backward()
    start = time.perf_counter()
    e = explain(h, v)
    assert time.perf_counter() - start < 5         # counted, never enumerated
    assert e.n_paths == 2 ** 40 and e.paths == []
    assert e.gradient == pytest.approx(1.5 ** 40, rel=1e-12)
    assert e.gradient == pytest.approx(v.grad, rel=1e-12)
    assert [t[3] for t in e.terms] == [2 ** 39, 2 ** 39]
    text = str(e)
    assert "1,099,511,627,776 paths" in text
    assert "more than max_paths=64, too many to list" in text
    assert text.count("  via ") == 2


def test_path_counts_saturate_instead_of_growing_without_bound():
    v = Value(1.0, "v")
    h = v
    for _ in range(200):                           # 2**200 paths
        h = h + h
    e = explain(h, v)
    assert e.n_paths == 10 ** 18
    assert "more than 1e+18 paths" in str(e)
    assert e.gradient == 2.0 ** 200


def test_long_chain_is_linear_and_shortened():
    x = Value(1.0, "x")
    y = x
    for _ in range(50_000):
        y = y * 1.0
    e = explain(y, x, via="all")
    assert len(e.paths[0].factors) == 50_000
    assert "(49984 more)" in str(e)


def test_no_path_and_self():
    x, q = Value(2.0, "x"), Value(3.0, "q")
    y = x * x
    e = explain(y, q)
    assert e.n_paths == 0 and e.gradient == 0.0
    assert str(e) == "∂(x*x)/∂q = 0: x*x does not depend on q (no path)"
    assert explain(y, y).gradient == 1.0


def test_markdown_has_the_math(ex):
    md = explain(ex.output, ex["w5"])._repr_markdown_()
    assert (r"\frac{\partial \mathtt{E\_total}}{\partial \mathtt{out\_o1}} \times "
            r"\frac{\partial \mathtt{out\_o1}}{\partial \mathtt{net\_o1}}") in md
    assert r"= 0.74136507 \times 0.186815602 \times 0.593269992 = 0.082167041$$" in md
    assert "**1 path**" in md


def test_gradient_matches_grad_function_on_a_random_graph():
    a, b, c = Value(0.3, "a"), Value(-1.2, "b"), Value(2.0, "c")
    d = (a * b + c).sigmoid() * (a - c).tanh() + (b ** 2).exp() / c
    e = explain(d, a)
    assert e.gradient == pytest.approx(grad(d, a).data, rel=1e-14)


def test_bad_arguments(ex):
    with pytest.raises(TypeError, match="output must be a Value"):
        explain(1.0, ex["w5"])
    with pytest.raises(TypeError, match="wrt must be a Value"):
        explain(ex.output, "w5")
    with pytest.raises(ValueError, match="max_paths"):
        explain(ex.output, ex["w5"], max_paths=0)


def test_mlp_nodes_are_named_z_and_a_per_neuron():
    from autograd_mini.nn import MLP
    model = MLP(2, [2, 1], activation="tanh", seed=0)
    w = model.layers[0].neurons[0].w[0]
    loss = (model([Value(0.5, "x0"), Value(-1.0, "x1")]) - 1.0) ** 2
    loss.label = "loss"
    loss.backward()
    e = explain(loss, w)
    assert e.paths[0].steps == ["loss", "L0.N0.a", "L0.N0.z", "L0.N0.w0"]
    assert e.gradient == w.grad
    # two samples: each forward pass gets its own index
    both = (model([0.1, 0.2]) - 1) ** 2 + (model([0.3, -0.2]) + 1) ** 2
    steps = [p.steps[1:3] for p in explain(both, model.layers[0].neurons[1].b).paths]
    assert steps == [["L0.N1.a[0]", "L0.N1.z[0]"], ["L0.N1.a[1]", "L0.N1.z[1]"]]
    assert "∂(L1.N0.z - 1)/∂L1.N0.z" in str(explain(loss, w, via="all"))


def test_neuron_names_ignore_regularisers_and_sums_of_passes():
    from autograd_mini.losses import hinge
    from autograd_mini.nn import MLP
    m = MLP(2, [3, 1], seed=1)
    loss = hinge([m([0.5, -1.0])], [1], m.parameters(), alpha=1e-4)
    loss.backward()
    text = str(explain(loss, dict(m.named_parameters())["L0.N0.w0"]))
    assert "L1.N0.z*1" in text and "[0]" not in text and "L0.N0.a/∂L0.N0.z" in text
    m = MLP(2, [2, 1], activation="tanh", seed=3)
    tot = m([0.3, 0.4]) + m([0.1, 0.2])
    tot.backward()
    e = explain(tot, dict(m.named_parameters())["L1.N0.b"])
    assert [p.steps for p in e.paths] == [["sum23", "L1.N0.z[0]", "L1.N0.b"],
                                          ["sum23", "L1.N0.z[1]", "L1.N0.b"]]
    assert str(e).endswith("∂sum23/∂L1.N0.b = 1 + 1 = 2 = L1.N0.b.grad")


def test_a_step_is_never_labelled_with_a_derivative_it_is_only_part_of():
    x = Value(0.7, "x2")
    y = (x * x).tanh()
    y.backward(create_graph=True)                   # x.grad = 2x (1 - tanh(x^2)^2)
    e = explain(x.grad, x)
    total = e.gradient
    t = math.tanh(0.49)
    assert total == pytest.approx(2 * (1 - t * t) - 8 * 0.49 * t * (1 - t * t), rel=1e-12)
    text = str(e)
    d = text.split(":")[0]                          # ∂out/∂x2, the whole derivative
    assert d.endswith("/∂x2")
    for p in e.paths:
        assert p.steps[0] == e.out_name and p.steps[-1] == "x2" and len(p.steps) > 2
        assert p.value == pytest.approx(math.prod(p.factors), rel=1e-12)
    assert f"path 1: {d} =" not in text and text.count(d) == 2   # the header and total
    assert "x2.grad" not in text            # the output is x.grad itself: nothing to compare
    # the worked example's textbook steps stay: one route from out_o1 to E_total
    ex = build_worked_example()
    assert explain(ex.output, ex["w1"]).paths[0].steps[:2] == ["E_total", "out_o1"]


def test_an_infinite_gradient_is_not_said_to_match_an_empty_grad():
    x = Value(0.0, "x")                   # sqrt'(0) = inf: a finite graph, an infinite gradient
    text = str(explain(x.sqrt() * 10, x))
    assert "= inf (x.grad is 0.0: backward() has not been called" in text
    assert "x.grad" in text and "= inf = x.grad" not in text
    y = x.sqrt() * 10
    y.backward()
    assert str(explain(y, x)).endswith("= inf = x.grad")
    n = Value(float("nan"), "n")
    assert "= n.grad" not in str(explain(n * 2, n))


def test_the_summary_placeholder_never_clashes_with_a_name():
    for name in ("x", "u", "v"):
        x = Value(0.5, name)
        y = x
        for _ in range(3):
            y = y * y + y
        text = str(explain(y, x, max_paths=2))
        u = "v" if name == "u" else "u"
        assert f"∂{name}/∂{name}" not in text
        assert f"per operand {u} of" in text and f"× ∂{u}/∂{name}:" in text


def test_constants_lost_to_rounding_are_not_named():
    big = Value(1e16, "big")
    y = big + 3.0
    e = explain(y, big)
    if getattr(y, "constant", None) is not None:    # the engine keeps the constant itself
        assert e.out_name == "big + 3"
    else:                                           # read back from data: 1e16 + 3 -> 1e16 + 4
        assert e.out_name not in ("big", "big + 4", "big + 3")
        assert e.out_name.startswith("sum")
    assert explain(big * 2.0, big).out_name == "big*2"


# ---------------------------------------------------------------------- paths told apart
def test_x_times_x_has_two_paths_one_per_operand():
    x = Value(0.7, "x")
    y = (x * x) * 3
    y.label = "y"
    y.backward()
    e = explain(y, x)
    assert e.gradient == pytest.approx(6 * 0.7, rel=1e-15) and e.gradient == x.grad
    text = str(e)
    assert "  path 1: ∂y/∂(x*x) × ∂(x*x)/∂x (left operand) = 3 × 0.7 = 2.1" in text
    assert "  path 2: ∂y/∂(x*x) × ∂(x*x)/∂x (right operand) = 3 × 0.7 = 2.1" in text


def test_nodes_with_the_same_label_get_distinct_names():
    x = Value(2.0, "x")
    h1 = x * 3
    h1.label = "h"
    h2 = x * 5
    h2.label = "h"
    y = h1 + h2
    y.label = "y"
    e = explain(y, x)
    assert [p.steps for p in e.paths] == [["y", "h", "x"], ["y", "h#2", "x"]]
    assert [p.value for p in e.paths] == [3.0, 5.0] and e.gradient == 8.0
    assert "∂y/∂h#2 × ∂h#2/∂x = 1 × 5 = 5" in str(e)
    y = x
    for _ in range(20_000):                         # one label on every node: still linear
        y = y * 1.0
        y.label = "h"
    start = time.perf_counter()
    e = explain(y, x, via="all")
    assert time.perf_counter() - start < 5
    assert e.paths[0].steps[:3] == ["h#20000", "h#19999", "h#19998"]
    assert e.paths[0].steps[-2:] == ["h", "x"]
