"""Every op serves every path from its one definition (issue 8): first-order backward,
create_graph at second order, compile, drawing and explain. An op added to the table (or
defined with ``@op``) without one of them fails here."""

import math

import pytest

from autograd_mini import Value, compile, draw, explain, grad, op
from autograd_mini.core import OPS
from autograd_mini.visual.naming import op_text

try:
    import graphviz  # noqa: F401
except ImportError:                                   # drawing's DOT text needs graphviz
    graphviz = None


@op(lambda x: 3 * x ** 2)
def cube(x):
    return x ** 3


@op(lambda a, b: b.sigmoid() if not isinstance(b, float) else 1 / (1 + math.exp(-b)),
    lambda a, b: a * b.sigmoid() * (1 - b.sigmoid()) if not isinstance(b, float)
    else a * (1 / (1 + math.exp(-b))) * (1 - 1 / (1 + math.exp(-b))))
def gated(a, b):
    """a * sigmoid(b): a two-input user op."""
    return a / (1 + math.exp(-b))


def inputs_for(name, arity):
    """Points inside every op's domain, away from kinks."""
    return [Value(0.7, "a"), Value(1.3, "b")][:arity]


def build(name):
    """(a function of Values giving one node of op ``name``, its input Values)."""
    o = OPS[name]
    if name == "wsum":
        xs = [Value(0.7, "a"), Value(1.3, "b"), Value(-0.4, "c"), Value(0.2, "d"),
              Value(0.1, "bias")]
        return (lambda a, b, c, d, e: o(a, b, c, d, e)), xs
    arity = len(o.derivatives)
    return (lambda *v: o(*v)), inputs_for(name, arity)


def central(f, xs, i, eps=1e-6):
    saved = xs[i].data
    xs[i].data = saved + eps
    plus = f(*xs).data
    xs[i].data = saved - eps
    minus = f(*xs).data
    xs[i].data = saved
    return (plus - minus) / (2 * eps)


NAMES = sorted(OPS)
DETACHED = {"max_detached"}     # nn.functional's: the max, passing no gradient back


@pytest.mark.parametrize("name", NAMES)
def test_first_order_backward_matches_finite_differences(name):
    f, xs = build(name)
    y = f(*xs)
    assert y.op == name
    y.backward()
    if name in DETACHED:                    # declared without a gradient (softmax's shift)
        assert [x.grad for x in xs] == [0.0] * len(xs) and y.data == max(x.data for x in xs)
        return
    for i, x in enumerate(xs):
        assert x.grad == pytest.approx(central(f, xs, i), rel=1e-6, abs=1e-8), (name, i)


@pytest.mark.parametrize("name", NAMES)
def test_create_graph_gives_second_derivatives(name):
    f, xs = build(name)
    for i in range(len(xs)):
        first = grad(f(*xs), xs[i], create_graph=True)
        assert isinstance(first, Value)
        second = grad(first, xs[i], materialize_grads=True).data

        def df(*v, i=i):
            return grad(f(*v), v[i], create_graph=True)
        assert second == pytest.approx(central(df, xs, i, eps=1e-5), rel=1e-4, abs=1e-6), \
            (name, i)


@pytest.mark.parametrize("name", NAMES)
def test_compile_replays_the_op_bit_for_bit(name):
    f, xs = build(name)
    eager = f(*xs)
    eager.backward()
    eager_grads = [x.grad for x in xs]
    for x in xs:
        x.grad = 0.0
    step = compile(lambda *v: f(*v))
    assert step(*xs) == eager.data
    assert [x.grad for x in xs] == eager_grads
    for x in xs:                                      # new inputs, the same code
        x.data *= 1.01
        x.grad = 0.0
    again = f(*xs)
    again.backward()
    expected = [x.grad for x in xs]
    for x in xs:
        x.grad = 0.0
    assert step(*xs) == again.data and [x.grad for x in xs] == expected


@pytest.mark.skipif(graphviz is None, reason="needs graphviz (pip install graphviz)")
@pytest.mark.parametrize("name", NAMES)
def test_drawing_and_explain_show_the_op(name):
    f, xs = build(name)
    y = f(*xs)
    y.label = "y"
    y.backward()
    text = op_text(y)
    assert text and (name in text or name in ("wsum", "neg") or text.strip() in "+-*/**")
    assert text in draw(y).source
    e = explain(y, xs[0])
    assert e.gradient == pytest.approx(xs[0].grad, rel=1e-12) and str(e)


def test_constants_on_either_side_are_kept_on_the_node():
    x = Value(2.0, "x")
    for node, op_name, c in [(x + 3, "+", 3.0), (3 - x, "r-", 3.0), (x / 4, "/", 4.0),
                             (4 / x, "r/", 4.0), (x ** 2, "**", 2.0), (2 ** x, "r**", 2.0),
                             (x.leaky_relu(0.1), "leaky_relu", 0.1)]:
        assert (node.op, node.constant, node.parents) == (op_name, c, (x,))
