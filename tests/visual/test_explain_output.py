"""explain(): linear in depth, bad arguments, the rendered maths, the names of constants,
and paths() for other code; the published worked example verbatim."""

import math
import re
import time

import pytest

from autograd_mini import Value, explain
from autograd_mini.example import build_worked_example
from autograd_mini.explain import paths
from builders import labelled_expression


@pytest.fixture
def ex():
    return build_worked_example()          # E_total.backward() has been called


# ---------------------------------------------------------------------- linear time
def _tanh_chain(n):
    """A 1-wide tanh network n layers deep: y_k = tanh(w_k y_(k-1) + b_k)."""
    x = y = Value(0.5, "x")
    for i in range(n):
        y = (Value(0.9, f"w{i}") * y + Value(0.1, f"b{i}")).tanh()
    return x, y


def _seconds(fn):
    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def test_explain_is_linear_in_depth():
    small, big = _tanh_chain(2_000), _tanh_chain(8_000)     # before: 5.9 s and 84 s
    t_small = _seconds(lambda: str(explain(small[1], small[0])))
    t_big = _seconds(lambda: str(explain(big[1], big[0])))
    assert t_big < 5.0
    assert t_big / t_small < 10                     # 4x the depth: 4x linear, 16x quadratic
    x, y = big
    y.backward()
    e = explain(y, x)
    assert e.gradient == pytest.approx(x.grad, rel=1e-12)
    (path,) = e.paths                               # a_k = tanh(z_k), z_k = w_k a_(k-1) + b_k
    assert len(path.factors) == 2 * 8_000           # ∂a_k/∂z_k and ∂z_k/∂a_(k-1) per layer
    a = [v.data for v in path.nodes[::2]]
    assert path.factors[0::2] == pytest.approx([1 - t * t for t in a[:-1]], rel=1e-15)
    assert path.factors[1::2] == [0.9] * 8_000
    assert path.through == ", ".join(["through " + path.steps[1], *path.steps[2:5],
                                      "…(15992 more)…", *path.steps[-4:-1]])


# ---------------------------------------------------------------------- bad arguments
@pytest.mark.parametrize("kwargs, error, message", [
    ({"precision": -1}, ValueError, "precision must be an int from 0 to 30.*got -1"),
    ({"precision": 31}, ValueError, "precision must be an int from 0 to 30.*got 31"),
    ({"precision": 2.5}, TypeError, "precision must be an int.*got float: 2.5"),
    ({"precision": True}, TypeError, "precision must be an int.*got bool: True"),
    ({"via": 3}, TypeError, "via must be 'auto', 'labels', 'all', a label, a Value.*int: 3"),
    ({"via": None}, TypeError, "via must be .*got NoneType: None"),
    ({"via": [3]}, TypeError, "via must hold Values or labels, got int: 3"),
    ({"via": ""}, ValueError, "via holds an empty label"),
    ({"via": ["w5", "nope"]}, ValueError, r"via names nodes that are not in the graph: "
                                          r"\['nope'\]"),
    ({"via": [Value(1.0, "stranger")]}, ValueError, "via names nodes that are not in the "
                                                    "graph.*stranger"),
    ({"max_paths": "5"}, TypeError, "max_paths must be an int >= 1, got str: '5'"),
    ({"max_paths": 0}, ValueError, "max_paths must be an int >= 1, got 0"),
    ({"max_paths": 2.0}, TypeError, "max_paths must be an int >= 1, got float: 2.0"),
])
def test_bad_arguments_say_what_is_wrong(ex, kwargs, error, message):
    with pytest.raises(error, match="^explain: " + message):
        explain(ex.output, ex["w5"], **kwargs)


def test_precision_is_the_decimals_shown(ex):
    assert "= 0.7414 × 0.1868 × 0.5933 = 0.0822" in str(explain(ex.output, ex["w5"],
                                                                 precision=4))
    # a number too small for the decimals keeps one significant digit, never shows as 0
    assert str(explain(ex.output, ex["w5"], precision=0)).endswith(
        "= 1 × 0.2 × 1 = 0.08\n∂E_total/∂w5 = 0.08 = w5.grad")


# ---------------------------------------------------------------------- rendered maths
def test_markdown_total_is_one_equation_with_the_grad_inside():
    a = Value(2.0, "a")
    L = labelled_expression(a, Value(-3.0, "b"), Value(10.0, "c"), Value(-2.0, "f"))
    L.backward()
    md = explain(L, a, via="all")._repr_markdown_()
    paragraphs = md.split("\n\n")
    assert paragraphs[-1] == (r"$$\frac{\partial \mathtt{L}}{\partial \mathtt{a}} = 6 = "
                              r"\mathtt{a{.}grad}$$")
    assert "= 6 = 6" not in md and not any(p.startswith("=") for p in paragraphs)
    assert paragraphs[1] == (r"$$\text{path 1:}\quad \frac{\partial \mathtt{L}}{\partial "
                             r"\mathtt{d}} \times \frac{\partial \mathtt{d}}{\partial "
                             r"\mathtt{e}} \times \frac{\partial \mathtt{e}}{\partial "
                             r"\mathtt{a}} = -2 \times 1 \times -3 = 6$$")
    x = Value(3.0, "x")
    md = explain(x * 2, x)._repr_markdown_()           # no backward(): said in words
    assert md.split("\n\n")[-2:] == [
        r"$$\frac{\partial (\mathtt{x*2})}{\partial \mathtt{x}} = 2$$",
        "(`x.grad` is 0.0: `backward()` has not been called on this graph)"]


def test_text_and_markdown_are_one_structure(ex):
    number = re.compile(r"-?\d+\.\d+")
    for wrt in ("w1", "w5", "b1"):
        e = explain(ex.output, ex[wrt])
        lines, paragraphs = str(e).splitlines(), e._repr_markdown_().split("\n\n")
        assert len(lines) == len(paragraphs) == e.n_paths + 2
        for line, paragraph in zip(lines, paragraphs, strict=True):
            assert number.findall(line) == number.findall(paragraph)
    md = explain(ex.output, ex["w1"])._repr_markdown_()   # 5 factors: numbers on a 2nd line
    assert r"\begin{aligned}\text{path 1:}\quad & \frac{\partial" in md
    assert (r"\\ & = 0.74136507 \times 0.186815602 \times 0.4 \times 0.241300709 \times "
            r"0.05 = 0.000668396\end{aligned}$$") in md


# ---------------------------------------------------------------------- constants and names
def test_expression_names_of_constants_and_differences():
    x, y, z = Value(0.5, "x"), Value(2.0, "y"), Value(1.0, "z")
    assert explain(3 - x, x).out_name == "3 - x"
    assert explain(x ** 2, x).out_name == "x**2"
    assert explain(x * 0.5 + 1, x).out_name == "x*0.5 + 1"
    assert explain(x - (y + z), x).out_name == "x - (y + z)"       # not x - y + z
    assert explain((y + z) - x, x).out_name == "y + z - x"


def test_names_use_the_constant_the_engine_keeps():
    """The engine contract's ``constant`` (with "r" ops for a constant on the left)."""
    from types import SimpleNamespace as Node

    from autograd_mini.visual.naming import _expression
    x = Value(0.5, "x")
    cases = [("+", 3.0, "x + 3"), ("-", 3.0, "x - 3"), ("r-", 3.0, "3 - x"),
             ("*", 2.0, "x*2"), ("/", 4.0, "x/4"), ("r/", 1.0, "1/x"), ("**", 2.0, "x**2"),
             ("r**", 2.0, "2**x"), ("leaky_relu", 0.1, "leaky_relu(x, 0.1)"),
             ("+", 1e16 + 4, "x + 1e16")]
    for op, c, name in cases:
        assert _expression(Node(op=op, constant=c, parents=(x,)), ["x"]) == name
    assert _expression(Node(op="+", constant=None, parents=(x, x)), ["x", "x"]) == "x + x"
    assert _expression(Node(op="r-", constant=3.0, parents=(x,)), ["a + b"]) == "3 - (a + b)"


# ---------------------------------------------------------------------- paths() for other code
def test_paths_lists_each_paths_factors_value_and_route(ex):
    found = paths(ex.output, ex["w1"])
    assert [p.through for p in found] == ["through out_o1, net_o1, out_h1, net_h1",
                                          "through out_o2, net_o2, out_h1, net_h1"]
    for p in found:
        assert p.nodes[0] is ex.output and p.nodes[-1] is ex["w1"]
        assert p.steps == [v.label for v in p.nodes]
        assert p.value == pytest.approx(math.prod(p.factors), rel=1e-15)
    # ∂E/∂w1 = Σ_o (out_o - t_o) out_o (1 - out_o) w_(o,h1) · out_h1 (1 - out_h1) · i1
    out_h1 = ex["out_h1"].data
    tail = out_h1 * (1 - out_h1) * 0.05
    o1, o2 = ex["out_o1"].data, ex["out_o2"].data
    assert found[0].value == pytest.approx((o1 - 0.01) * o1 * (1 - o1) * 0.4 * tail, rel=1e-14)
    assert found[1].value == pytest.approx((o2 - 0.99) * o2 * (1 - o2) * 0.5 * tail, rel=1e-14)
    assert math.fsum(p.value for p in found) == pytest.approx(ex["w1"].grad, rel=1e-14)
    (direct,) = paths(ex["net_o1"], ex["w5"], via=[])
    assert direct.through == "directly" and direct.factors == [ex["out_h1"].data]
    assert paths(ex["net_o1"], ex["w1"], via="all")[0].steps[0] == "net_o1"
    assert paths(ex["net_h1"], ex["w5"]) == []


def test_paths_refuses_more_than_its_limit():
    v = Value(1.0, "v")
    h = v
    for _ in range(10):
        h = h + h
    assert len(paths(h, v, limit=1024)) == 1024
    with pytest.raises(ValueError, match="^paths: 1,024 paths from v to .*more than limit=1000"):
        paths(h, v, limit=1000)
    with pytest.raises(ValueError, match="limit must be an int >= 1, got 0"):
        paths(h, v, limit=0)
    with pytest.raises(TypeError, match="^paths: wrt must be a Value, got str: 'v'"):
        paths(h, "v")


def test_the_published_worked_example_output_is_verbatim(ex):
    published = """\
∂E_total/∂w5: 1 path from w5 to E_total
  path 1: ∂E_total/∂out_o1 × ∂out_o1/∂net_o1 × ∂net_o1/∂w5 = 0.74136507 × 0.186815602 × 0.593269992 = 0.082167041
∂E_total/∂w5 = 0.082167041 = w5.grad
∂E_total/∂w1: 2 paths from w1 to E_total
  path 1: ∂E_total/∂out_o1 × ∂out_o1/∂net_o1 × ∂net_o1/∂out_h1 × ∂out_h1/∂net_h1 × ∂net_h1/∂w1 = 0.74136507 × 0.186815602 × 0.4 × 0.241300709 × 0.05 = 0.000668396
  path 2: ∂E_total/∂out_o2 × ∂out_o2/∂net_o2 × ∂net_o2/∂out_h1 × ∂out_h1/∂net_h1 × ∂net_h1/∂w1 = -0.217071535 × 0.175510053 × 0.5 × 0.241300709 × 0.05 = -0.000229828
∂E_total/∂w1 = 0.000668396 - 0.000229828 = 0.000438568 = w1.grad"""  # noqa: E501
    assert f"{explain(ex.output, ex['w5'])}\n{explain(ex.output, ex['w1'])}" == published


def test_a_summary_sums_each_distinct_operand_once():
    v = Value(0.5, "v")
    h = v
    for _ in range(4):
        h = h * h + h                               # 3**4 paths from v to h
    h.label = "h"
    out = h + h                                     # h is both operands: one term, ∂out/∂h = 2
    out.label = "out"
    out.backward()
    e = explain(out, v, max_paths=8)
    assert e.paths == [] and e.n_paths == 2 * 3 ** 4
    (term,) = e.terms
    assert term[:2] == ("h", 2.0) and term[3] == 2 * 3 ** 4
    assert term[2] == pytest.approx(v.grad / 2, rel=1e-14)
    assert e.gradient == pytest.approx(v.grad, rel=1e-14)
    assert "  via h: ∂out/∂h × ∂h/∂v = 2 × " in str(e)
