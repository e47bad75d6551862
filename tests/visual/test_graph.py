"""analysis, naming, digits: numbers in significant digits, constants and op text,
names, the backward pass computed on the side."""

import math
import random
from types import SimpleNamespace

import pytest

from autograd_mini import Value, topological_order
from autograd_mini.example import build_worked_example
from autograd_mini.nn import MLP
from autograd_mini.visual.analysis import backward_steps, more_than
from autograd_mini.visual.digits import format_number as number
from autograd_mini.visual.naming import constant_of, node_names, op_text

NEW_ENGINE = hasattr(Value(1.0) + 1.0, "constant")


@pytest.mark.parametrize("x, digits, text", [
    (0.000438568039, 4, "0.0004386"), (0.000438568039, 2, "0.00044"),
    (0.082167041, 4, "0.08217"), (3.0, 4, "3"), (-2.0, 4, "-2"), (12345.6, 4, "12346"),
    (123.456, 4, "123.5"), (0.1 + 0.2, 6, "0.3"), (1.5e-7, 4, "1.5e-7"), (2.5e10, 4, "2.5e10"),
    (-0.0, 4, "0"), (0.0, 4, "0"), (999999.7, 4, "1000000"), (1e6, 4, "1e6"),
    (math.inf, 4, "inf"), (-math.inf, 4, "-inf"), (math.nan, 4, "nan"),
])
def test_number_uses_significant_digits(x, digits, text):
    assert number(x, digits) == text


def test_number_keeps_the_digits_it_is_asked_for():
    rng = random.Random(0)
    for _ in range(2000):
        x = rng.uniform(-1, 1) * 10 ** rng.randint(-12, 12)
        for digits in (1, 4, 9):
            text = number(x, digits)
            assert float(text) == pytest.approx(x, rel=10 ** (1 - digits))


def node(op, constant, parent_data=2.0):
    """A node as the engine contract describes it (``constant`` on the node)."""
    x = Value(parent_data, "x")
    return SimpleNamespace(op=op, constant=constant, parents=(x,), local_grads=(1.0,),
                           data=0.0, label="")


@pytest.mark.parametrize("op, constant, text", [
    ("+", 3.0, "+ 3"), ("-", 3.0, "- 3"), ("*", 0.5, "* 0.5"), ("/", 7.0, "/ 7"),
    ("**", 2.0, "** 2"), ("r-", 3.0, "3 -"), ("r/", 1.0, "1 /"), ("r**", 2.0, "2 **"),
    ("leaky_relu", 0.1, "leaky_relu 0.1"), ("+", None, "+"), ("tanh", None, "tanh"),
])
def test_op_text_reads_the_constant_on_the_node(op, constant, text):
    assert op_text(node(op, constant)) == text


def test_a_constant_on_the_node_is_shown_even_where_rounding_hides_it():
    n = node("+", 3.0, parent_data=1e16)
    n.data = 1e16 + 3.0                             # rounds to 1e16 + 4
    assert constant_of(n) == (3.0, "right") and op_text(n) == "+ 3"


def test_engine_constants_are_right_or_left_out():
    big = Value(1e16) + 3
    assert op_text(big) == ("+ 3" if NEW_ENGINE else "+")     # never '+ 4'
    assert op_text(Value(2.0) * 3) == "* 3"
    assert op_text(5 - Value(2.5)) == "5 -"
    assert op_text(Value(3.0) / 7) == "/ 7"
    assert op_text(Value(0.1) + 0.2) == "+ 0.2"
    assert op_text(Value(2.0) * Value(3.0)) == "*"


def test_node_names_follow_labels_neurons_and_expressions():
    ex = build_worked_example()
    order = topological_order(ex.output)
    names = node_names(order)
    assert names[ex["w1*i1"]] == "w1*i1" and names[ex.output] == "E_total"
    x = Value(2.0, "x")
    y = (x * 3).tanh()
    names = node_names(topological_order(y))
    assert names[y] == "tanh(x*3)"
    model = MLP(2, [2, 1], activation="tanh", seed=0)
    out = model([0.5, -1.0])
    names = node_names(topological_order(out))
    assert names[out] == "L1.N0.z"                  # a linear output neuron: its sum
    assert "x0" in names.values() and "x1" in names.values()   # the inputs, as labelled
    assert sorted(n for n in names.values() if n.startswith("L0.N") and n[-2:] == ".a") == \
        ["L0.N0.a", "L0.N1.a"]


def expressions():
    """Graphs with shared subexpressions, constants on both sides and every kind of op."""
    a, b, c = Value(0.7, "a"), Value(-1.3, "b"), Value(2.0, "c")
    d = a * b + a                                   # a used twice
    e = (d.tanh() * c - 3) / (1 + b * b)
    f = (e.sigmoid() + d.exp() * 0.5) ** 2 + (2 - c).relu() + a.sin() * c.log()
    yield f, (a, b, c)
    ex = build_worked_example(backward=False)
    yield ex.output, tuple(ex[w] for w in ("w1", "w5", "b1", "i1"))


@pytest.mark.parametrize("case", range(2))
def test_backward_steps_match_backward_and_touch_no_grad(case):
    root, leaves = list(expressions())[case]
    order = topological_order(root)
    for v in order:
        v.grad = 0.0
    steps, grads = backward_steps(root, order)
    assert all(v.grad == 0.0 for v in order)        # computed on the side
    ops = [v for v in order if v.parents]
    assert [s.node for s in steps] == ops[::-1]     # reverse topological order
    received = {}
    for s in steps:
        assert s.grad == grads[s.node]              # complete when its turn comes
        for p, local, sent in s.sends:
            assert sent == local * s.grad
            received[p] = received.get(p, 0.0) + sent
    assert all(received[v] == grads[v] for v in received)
    root.backward()
    for v in order:
        assert grads[v] == v.grad                   # the very same floats


def test_more_than_stops_counting():
    x = Value(1.0)
    y = x
    for _ in range(1000):
        y = y * 1.0
    assert more_than(y, 1000) and not more_than(y, 1001)
