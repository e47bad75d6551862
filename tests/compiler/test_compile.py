"""compile(fn): the generated code gives the eager engine's numbers bit for bit, works in a
training loop, refuses what it cannot replay, and shows readable source."""

import math
import random
import struct

import pytest

import autograd_mini
from autograd_mini import CompileError, Value, compile
from autograd_mini.core.scalar import tanh_derivative_float
from autograd_mini.nn import MLP
from builders import labelled_expression


def bits(x):
    """The exact bit pattern of a float (so 0.0 != -0.0 and NaN == NaN of the same bits)."""
    return struct.pack("<d", x)


def eager(fn, leaves, *args):
    """fn's output and every leaf's gradient from backward(), leaving .grad as it was."""
    saved = [v.grad for v in leaves]
    for v in leaves:
        v.grad = 0.0
    out = fn(*args)
    out.backward()
    grads = [v.grad for v in leaves]
    for v, g in zip(leaves, saved):
        v.grad = g
    return out.data, grads


def compiled(step, leaves, *args):
    saved = [v.grad for v in leaves]
    for v in leaves:
        v.grad = 0.0
    value = step(*args)
    grads = [v.grad for v in leaves]
    for v, g in zip(leaves, saved):
        v.grad = g
    return value, grads


def assert_same(a, b):
    (va, ga), (vb, gb) = a, b
    assert bits(va) == bits(vb), (va, vb)
    assert [bits(g) for g in ga] == [bits(g) for g in gb], (ga, gb)


# functions of three leaves a, b, c that use every op (domains keep them defined)
GRAPHS = {
    "arithmetic": lambda a, b, c: (a * b + c) * (a - b) / (c + 3.0) - 2.0 * a + 1.5,
    "constants": lambda a, b, c: (3 - a) + (a - 2) + 2 * b + b / 4 + 1 / (c + 3.0) - -a,
    "powers": lambda a, b, c: a ** 2 + b ** 3 + (c + 3.0) ** 0.5 + 2 ** a + (c + 3.0) ** b,
    "functions": lambda a, b, c: (a.exp() + (c + 3.0).log() + (c + 3.0).sqrt() + b.tanh()
                                  + a.sigmoid() + b.relu() + a.leaky_relu(0.1)
                                  + b.softplus() + a.sin() * b.cos() + abs(b)),
    "shared": lambda a, b, c: (lambda h: h * h + h.tanh() * a)(a * b + b * c + c * a),
    "sum_of_paths": lambda a, b, c: sum((a * b, a * c, b * c, a * a), a),
}


@pytest.mark.parametrize("name", GRAPHS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_compiled_equals_eager_bit_for_bit(name, seed):
    rng = random.Random(seed)
    a, b, c = (Value(rng.uniform(-1.5, 1.5), label) for label in "abc")
    fn = GRAPHS[name]
    step = compile(lambda: fn(a, b, c))
    assert_same(compiled(step, [a, b, c]), eager(lambda: fn(a, b, c), [a, b, c]))
    for _ in range(3):                     # new data, same compiled code: still identical
        for v in (a, b, c):
            v.data = rng.uniform(-1.5, 1.5)
        assert_same(compiled(step, [a, b, c]), eager(lambda: fn(a, b, c), [a, b, c]))


def test_relu_branch_flipping_is_replayed_from_data():
    x = Value(2.0, "x")
    step = compile(lambda: (x * 3.0).relu() + (-x).relu() * 5.0)
    assert step() == 6.0 and x.grad == 3.0
    x.grad = 0.0
    x.data = -1.0                          # both relus switch branch: no retrace needed
    assert step() == 5.0 and x.grad == -5.0


def test_gradients_accumulate_like_backward():
    w = Value(0.5, "w")
    w.grad = 0.25
    step = compile(lambda: (w * w).tanh())
    step()
    step()
    expected = Value(0.5)
    expected.grad = 0.25
    for _ in range(2):
        (expected * expected).tanh().backward()
    assert bits(w.grad) == bits(expected.grad)


def moons(n=20, seed=3):
    rng = random.Random(seed)
    X = [[rng.uniform(-1, 2), rng.uniform(-1, 1)] for _ in range(n)]
    y = [1 if x0 + x1 > 0.5 else -1 for x0, x1 in X]
    return X, y


def demo_loss(model, X, y):
    """micrograd's moons demo loss: hinge + L2."""
    def loss():
        inputs = [list(map(Value, row)) for row in X]
        scores = list(map(model, inputs))
        losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        return data_loss + 1e-4 * sum(p * p for p in model.parameters())
    return loss


@pytest.mark.parametrize("activation", ["relu", "tanh", "sigmoid", "linear"])
def test_mlp_training_loop_matches_eager_bit_for_bit(activation):
    X, y = moons()
    eager_model, comp_model = (MLP(2, [8, 8, 1], activation=activation, seed=0)
                               for _ in "ec")
    eager_loss, step = demo_loss(eager_model, X, y), compile(demo_loss(comp_model, X, y))
    for k in range(5):
        total = eager_loss()
        eager_model.zero_grad()
        total.backward()
        comp_model.zero_grad()
        value = step()
        assert isinstance(value, float)
        assert bits(value) == bits(total.data)
        lr = 1.0 - 0.9 * k / 100
        for p, q in zip(eager_model.parameters(), comp_model.parameters()):
            assert bits(p.grad) == bits(q.grad), p.label
            p.data -= lr * p.grad
            q.data -= lr * q.grad
    assert [bits(p.data) for p in eager_model.parameters()] == \
        [bits(q.data) for q in comp_model.parameters()]


def test_the_code_grows_with_layers_not_with_neurons():
    """A layer of neurons is one call of a kernel per sample: twice the neurons, the
    same code (so the first call costs a few eager steps, not dozens)."""
    X, y = moons(10)
    sizes = []
    for width in (4, 16):
        step = compile(demo_loss(MLP(2, [width, width, 1], seed=1), X, y))
        step()
        sizes.append(sum(1 for line in step.source.splitlines()
                         if not line.lstrip().startswith("#")))
    assert sizes[0] == sizes[1] < 200


def test_neurons_are_table_rows_even_with_shared_inputs():
    """Consecutive neurons of one shape are one loop; a neuron whose inputs repeat a
    Value (w*w) adds up its gradient in backward()'s order."""
    from autograd_mini.core import weighted_sum
    w, x, b = Value(0.5, "w"), Value(-1.5, "x"), Value(0.25, "b")

    def f():
        hs = [weighted_sum([w, x], [x, w], b).tanh(), weighted_sum([w, x], [x, x], b).tanh(),
              weighted_sum([w, w], [w, w], b).tanh()]
        return weighted_sum(hs, [w, x, b], b)          # a layer reading the three
    step = compile(f)
    assert_same(compiled(step, [w, x, b]), eager(f, [w, x, b]))
    assert "_K0(V, _U" in step.source and "# 3 neurons of 2 inputs" in step.source
    w.data = 2.0
    assert_same(compiled(step, [w, x, b]), eager(f, [w, x, b]))


def test_arguments_numbers_and_values():
    w = Value(2.0, "w")
    step = compile(lambda x, pair: (w * x + pair[0] * pair[1]).tanh())
    x = Value(0.5, "x")
    value = step(x, [1.5, -0.25])
    expected = math.tanh(2.0 * 0.5 + 1.5 * -0.25)
    assert value == expected
    assert x.grad == (1.0 - expected ** 2) * 2.0
    x2 = Value(-1.0)                       # a different Value in the same slot
    step(x2, (3.0, 1.0))
    assert x2.grad == pytest.approx((1.0 - math.tanh(-2.0 + 3.0) ** 2) * 2.0, rel=1e-15)
    assert x2.grad == tanh_derivative_float(1.0, math.tanh(1.0)) * 2.0   # the engine's, exactly


def test_changed_arguments_are_traced_again():
    step = compile(lambda *xs: sum(xs, Value(0.0)))
    assert step(1.0, 2.0) == 3.0
    assert step(1.0, 2.0, 3.0) == 6.0                 # another structure: a second trace
    assert step(1.0, [2.0, 3.0][0]) == 3.0            # the first trace again
    assert step.traces == 2
    v = Value(1.0)                                    # a Value where a number was traced
    assert step(v, 2.5) == 3.5 and v.grad == 1.0 and step.traces == 3


def test_control_flow_on_a_comparison_gets_a_trace_per_branch():
    x = Value(1.0, "x")

    def f():
        return x * 2.0 if x > 0 else x.exp()
    step = compile(f)
    assert step() == 2.0 and x.grad == 2.0
    x.data = 3.0
    assert step() == 6.0 and step.traces == 1         # same branch: same trace
    x.data, x.grad = -1.0, 0.0
    assert step() == math.exp(-1.0) and x.grad == math.exp(-1.0)
    assert step.traces == 2
    for value in (2.0, -2.0, 0.5):                    # both traces kept: no more tracing
        x.data, x.grad = value, 0.0
        assert step() == (value * 2.0 if value > 0 else math.exp(value))
    assert step.traces == 2


def test_max_of_values_is_guarded():
    a, b = Value(1.0, "a"), Value(2.0, "b")
    step = compile(lambda: max(a, b) * 3.0)
    assert step() == 6.0 and b.grad == 3.0 and a.grad == 0.0
    a.data = 5.0
    assert step() == 15.0 and a.grad == 3.0 and b.grad == 3.0   # a now: a new trace
    assert step.traces == 2


def test_check_detects_a_changed_graph():
    x = Value(0.5, "x")
    flag = {"tanh": True}
    step = compile(lambda: x.tanh() if flag["tanh"] else x.sigmoid())
    step()
    assert step.check() is True
    flag["tanh"] = False                   # data-dependent control flow the trace cannot see
    with pytest.raises(CompileError, match="graph changed at node 1: traced op 'tanh'"):
        step.check()


def test_check_compares_every_gradient_and_sees_changed_constants():
    X, y = moons(6)
    model = MLP(2, [4, 1], seed=2)
    alpha = {"value": 1e-4}

    def loss():
        scores = [model(row) for row in X]
        data = sum((1 + -yi * si).relu() for yi, si in zip(y, scores))
        return data + alpha["value"] * sum(p * p for p in model.parameters())
    step = compile(loss)
    step()
    grads = [p.grad for p in model.parameters()]
    assert step.check() is True
    assert [p.grad for p in model.parameters()] == grads     # check() leaves .grad alone
    alpha["value"] = 1e-3                  # a plain number: baked in at the first call
    with pytest.raises(CompileError, match=r"graph changed at node \d+: traced op '\*' .* "
                                           r"with constant 0.0001, now .* 0.001"):
        step.check()


def test_float_errors_name_the_op_like_eager():
    x = Value(2.0, "x")
    step = compile(lambda: (x - 1.0).log())
    step()
    x.data = 0.5
    with pytest.raises(ValueError, match=r"log: operand must be > 0"):
        step()
    x.data = 1.0
    step2 = compile(lambda: 1.0 / (x - 0.5))
    step2()
    x.data = 0.5
    with pytest.raises(ZeroDivisionError):
        step2()
    y = Value(-8.0, "y")
    step3 = compile(lambda: (y * y) ** 0.5)
    assert step3() == 8.0
    y.data = 0.0
    step3()                                 # 0 ** 0.5 is fine
    step4 = compile(lambda: (y - 1.0) ** 2.0)
    assert step4() == 1.0


def test_source_reads_like_the_hand_derivation():
    a, b, c, f = Value(2.0, "a"), Value(-3.0, "b"), Value(10.0, "c"), Value(-2.0, "f")

    step = compile(lambda: labelled_expression(a, b, c, f))
    assert step.source is None
    assert step() == -8.0
    src = step.source
    forward, backward = src.split("# backward")
    for line in ("# leaves: V[0] = a, V[1] = b, V[2] = c, V[3] = f",
                 "= V[0] * V[1]  # e = a * b", "# d = e + c", "# L = d * f"):
        assert line in forward
    for line in ("G[3] += v4", "G[2] += V[3]", "G[0] += V[1] * V[3]", ".grad += g"):
        assert line in backward
    assert [a.grad, b.grad, c.grad, f.grad] == [6.0, -4.0, -2.0, 4.0]
    assert "7 nodes (4 leaves)" in src


def test_names_in_the_code_never_come_from_labels():
    p = Value(1.5, "L0.N1.w0")
    q = Value(2.0, "abs")                   # would shadow the builtin the code uses
    r = Value(2.0, "class")                 # a keyword
    step = compile(lambda: abs(p * q - r) + p)
    assert step() == 1.0 + 1.5
    assert "V[0] = L0.N1.w0" in step.source and "class =" not in step.source
    assert (p.grad, q.grad, r.grad) == (2.0 + 1.0, 1.5, -1.0)


def test_bad_uses_are_clear_errors():
    with pytest.raises(TypeError, match="must be callable"):
        compile(3)
    with pytest.raises(CompileError, match="must return one Value, got float"):
        compile(lambda: 3.0)()
    with pytest.raises(TypeError, match=r"args\[0\] must be a number, a Value"):
        compile(lambda x: x)("3")


def test_exported_as_autograd_mini_compile():
    assert autograd_mini.compile is compile
    assert "compile" in autograd_mini.__all__
    assert repr(compile(lambda: Value(1.0))).endswith("not traced yet>")
