"""The Value engine: every op three ways (closed form, finite differences, PyTorch),
random graphs against PyTorch, higher-order gradients, deep graphs and bad input."""

import math
import re
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mini import GradcheckError, Value, enable_grad, grad, gradcheck, no_grad, op

try:
    import torch
except ImportError:  # the PyTorch comparisons skip; CI installs torch so they run
    torch = None

needs_torch = pytest.mark.torch     # skips, naming the install, without torch (conftest.py)


def sigmoid(x):
    return 1.0 / (1.0 + math.exp(-x))


# name -> (op on a Value, op on a float64 tensor, closed-form derivative, domain)
UNARY = {
    "neg": (lambda v: -v, lambda t: -t, lambda x: -1.0, (-10, 10)),
    "abs": (abs, torch.abs if torch else None, lambda x: math.copysign(1.0, x), (-10, 10)),
    "exp": (Value.exp, torch.exp if torch else None, math.exp, (-10, 10)),
    "log": (Value.log, torch.log if torch else None, lambda x: 1 / x, (0.01, 100)),
    "sqrt": (Value.sqrt, torch.sqrt if torch else None, lambda x: 0.5 / math.sqrt(x), (0.01, 100)),
    "tanh": (Value.tanh, torch.tanh if torch else None, lambda x: 1 - math.tanh(x) ** 2, (-5, 5)),
    "sigmoid": (Value.sigmoid, torch.sigmoid if torch else None,
                lambda x: sigmoid(x) * (1 - sigmoid(x)), (-10, 10)),
    "relu": (Value.relu, torch.relu if torch else None, lambda x: 1.0 if x > 0 else 0.0, (-10, 10)),
    "leaky_relu": (lambda v: v.leaky_relu(0.1),
                   (lambda t: torch.nn.functional.leaky_relu(t, 0.1)) if torch else None,
                   lambda x: 1.0 if x > 0 else 0.1, (-10, 10)),
    "softplus": (Value.softplus, torch.nn.functional.softplus if torch else None,
                 sigmoid, (-10, 10)),
    "sin": (Value.sin, torch.sin if torch else None, math.cos, (-10, 10)),
    "cos": (Value.cos, torch.cos if torch else None, lambda x: -math.sin(x), (-10, 10)),
    "square": (lambda v: v ** 2, lambda t: t ** 2, lambda x: 2 * x, (-10, 10)),
    "cube": (lambda v: v ** 3, lambda t: t ** 3, lambda x: 3 * x * x, (-10, 10)),
    "pow_half": (lambda v: v ** 0.5, lambda t: t ** 0.5, lambda x: 0.5 * x ** -0.5, (0.01, 100)),
    "reciprocal": (lambda v: 1 / v, lambda t: 1 / t, lambda x: -1 / x ** 2, (0.1, 10)),
    "rpow": (lambda v: 2 ** v, lambda t: 2 ** t, lambda x: 2 ** x * math.log(2), (-5, 5)),
    "add_const": (lambda v: v + 2.5, lambda t: t + 2.5, lambda x: 1.0, (-10, 10)),
    "rsub_const": (lambda v: 2.5 - v, lambda t: 2.5 - t, lambda x: -1.0, (-10, 10)),
    "mul_const": (lambda v: -3 * v, lambda t: -3 * t, lambda x: -3.0, (-10, 10)),
    "div_const": (lambda v: v / 4, lambda t: t / 4, lambda x: 0.25, (-10, 10)),
}

# name -> (op on Values, op on tensors, (d/da, d/db) closed forms, domain of a, domain of b)
BINARY = {
    "add": (lambda a, b: a + b, lambda a, b: a + b, lambda a, b: (1.0, 1.0), (-10, 10), (-10, 10)),
    "sub": (lambda a, b: a - b, lambda a, b: a - b, lambda a, b: (1.0, -1.0), (-10, 10), (-10, 10)),
    "mul": (lambda a, b: a * b, lambda a, b: a * b, lambda a, b: (b, a), (-10, 10), (-10, 10)),
    "div": (lambda a, b: a / b, lambda a, b: a / b, lambda a, b: (1 / b, -a / b ** 2),
            (-10, 10), (0.1, 10)),
    "pow": (lambda a, b: a ** b, lambda a, b: a ** b,
            lambda a, b: (b * a ** (b - 1), a ** b * math.log(a)), (0.1, 5), (-3, 3)),
}


def avoid_kink(name, x):
    """relu, leaky_relu and abs have no derivative at 0: stay away from it."""
    if name in ("relu", "leaky_relu", "abs") and abs(x) < 1e-3:
        return 1e-3 if x >= 0 else -1e-3
    return x


def floats_in(lo, hi):
    return st.floats(min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False)


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_closed_form_and_finite_differences(name):
    op, _, derivative, (lo, hi) = UNARY[name]

    @settings(max_examples=30, deadline=None)
    @given(floats_in(lo, hi))
    def check(x):
        x = avoid_kink(name, x)
        v = Value(x, "x")
        op(v).backward()
        assert v.grad == pytest.approx(derivative(x), rel=1e-12, abs=1e-12)
        assert gradcheck(op, [Value(x)], eps=1e-6, atol=1e-6, rtol=1e-5)

    check()


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_closed_form_and_finite_differences(name):
    op, _, derivatives, (alo, ahi), (blo, bhi) = BINARY[name]

    @settings(max_examples=30, deadline=None)
    @given(floats_in(alo, ahi), floats_in(blo, bhi))
    def check(a, b):
        va, vb = Value(a, "a"), Value(b, "b")
        op(va, vb).backward()
        da, db = derivatives(a, b)
        assert va.grad == pytest.approx(da, rel=1e-12, abs=1e-12)
        assert vb.grad == pytest.approx(db, rel=1e-12, abs=1e-12)
        assert gradcheck(op, [Value(a), Value(b)], atol=1e-5, rtol=1e-5)

    check()


@needs_torch
@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_matches_torch(name):
    op, torch_op, _, (lo, hi) = UNARY[name]
    for i in range(25):
        x = avoid_kink(name, lo + (hi - lo) * (i + 0.37) / 25)
        v = Value(x)
        y = op(v)
        y.backward()
        t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        ty = torch_op(t)
        ty.backward()
        assert y.data == pytest.approx(ty.item(), rel=1e-14, abs=1e-300)
        if name in SATURATING:      # torch's s(1 - s) cancels where s is near 1: ours
            exact = SATURATING[name](x)                 # must be right to 1e-14 there
            assert abs(v.grad - exact) <= 1e-14 * abs(exact)
            if abs(t.grad.item() - exact) <= 1e-13 * abs(exact):
                assert v.grad == pytest.approx(t.grad.item(), rel=1e-12)
        else:
            assert v.grad == pytest.approx(t.grad.item(), rel=1e-12, abs=1e-300)


def _mp_sigmoid_derivative(x):
    # the torch tests' reference (the test extra installs both)
    import mpmath
    e = mpmath.exp(-abs(mpmath.mpf(x)))
    return float(e / (1 + e) ** 2)


def _mp_tanh_derivative(x):
    import mpmath
    return float(1 / mpmath.cosh(mpmath.mpf(x)) ** 2)


SATURATING = {"sigmoid": _mp_sigmoid_derivative, "tanh": _mp_tanh_derivative}


@needs_torch
@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_matches_torch(name):
    op, torch_op, _, (alo, ahi), (blo, bhi) = BINARY[name]
    for i in range(10):
        for j in range(10):
            a = alo + (ahi - alo) * (i + 0.31) / 10
            b = blo + (bhi - blo) * (j + 0.53) / 10
            va, vb = Value(a), Value(b)
            y = op(va, vb)
            y.backward()
            ta = torch.tensor(a, dtype=torch.float64, requires_grad=True)
            tb = torch.tensor(b, dtype=torch.float64, requires_grad=True)
            ty = torch_op(ta, tb)
            ty.backward()
            assert y.data == pytest.approx(ty.item(), rel=1e-14)
            assert va.grad == pytest.approx(ta.grad.item(), rel=1e-12, abs=1e-300)
            assert vb.grad == pytest.approx(tb.grad.item(), rel=1e-12, abs=1e-300)


# ---------------------------------------------------------------- random expression graphs
SAFE_UNARY = ["tanh", "sigmoid", "sin", "cos", "neg", "softplus", "square", "mul_const",
              "add_const", "exp_small", "log_abs"]


def apply_unary(name, x, lib):
    """One op, the same for Values (lib=None) and tensors; kept in safe domains."""
    if name == "exp_small":                    # exp of a bounded argument cannot overflow
        return x.tanh().exp() if lib is None else torch.exp(torch.tanh(x))
    if name == "log_abs":                      # log(1 + x^2) is defined everywhere
        return (1 + x * x).log() if lib is None else torch.log(1 + x * x)
    op, torch_op, _, _ = UNARY[name]
    return op(x) if lib is None else torch_op(x)


@st.composite
def expression_programs(draw):
    """A random DAG: each step combines earlier nodes, so nodes get reused (fan-out)."""
    n_inputs = draw(st.integers(1, 4))
    inputs = draw(st.lists(floats_in(-2, 2), min_size=n_inputs, max_size=n_inputs))
    steps = []
    for k in range(draw(st.integers(1, 12))):
        n_nodes = n_inputs + k
        if draw(st.booleans()):
            steps.append(("u", draw(st.sampled_from(SAFE_UNARY)),
                          draw(st.integers(0, n_nodes - 1))))
        else:
            steps.append(("b", draw(st.sampled_from(["add", "sub", "mul", "div1"])),
                          draw(st.integers(0, n_nodes - 1)), draw(st.integers(0, n_nodes - 1))))
    return inputs, steps


def run_program(inputs, steps, leaves):
    nodes = list(leaves)
    for step in steps:
        if step[0] == "u":
            nodes.append(apply_unary(step[1], nodes[step[2]], None if isinstance(leaves[0], Value)
                                     else torch))
        else:
            a, b = nodes[step[2]], nodes[step[3]]
            name = step[1]
            if name == "div1":                 # a / (1 + b^2): a division that never hits 0
                nodes.append(a / (1 + b * b))
            else:
                nodes.append(BINARY[name][0](a, b))
    out = nodes[len(leaves):]
    total = out[-1]
    for extra in out[:-1]:                     # every node contributes, so every path counts
        total = total + 0.5 * extra
    return total


@needs_torch
@settings(max_examples=60, deadline=None)
@given(expression_programs())
def test_random_graphs_match_torch(program):
    inputs, steps = program
    leaves = [Value(x) for x in inputs]
    y = run_program(inputs, steps, leaves)
    y.backward()
    tleaves = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in inputs]
    ty = run_program(inputs, steps, tleaves)
    ty.backward()
    assert y.data == pytest.approx(ty.item(), rel=1e-9, abs=1e-12)
    for v, t in zip(leaves, tleaves):
        expected = t.grad.item() if t.grad is not None else 0.0
        assert v.grad == pytest.approx(expected, rel=1e-9, abs=1e-12)


@settings(max_examples=40, deadline=None)
@given(expression_programs())
def test_random_graphs_pass_gradcheck(program):
    inputs, steps = program
    assert gradcheck(lambda *xs: run_program(inputs, steps, xs), [Value(x) for x in inputs],
                     atol=1e-5, rtol=1e-4)


# ---------------------------------------------------------------- accumulation semantics
def test_node_used_twice_gets_sum_of_paths():
    a = Value(3.0)
    b = a + a
    c = b * a                     # c = 2a^2, dc/da = 4a
    c.backward()
    assert a.grad == 12.0
    assert b.grad == 3.0


def test_naive_recursion_example_from_the_notebook():
    a = Value(1.0)
    b = a + a
    c = b + b
    c.backward()
    assert (a.grad, b.grad, c.grad) == (4.0, 2.0, 1.0)


def test_backward_twice_accumulates_like_torch():
    x = Value(2.0)
    h = x * x                     # intermediate
    y = h * 3.0
    y.backward()
    y.backward()
    assert x.grad == 2 * 12.0     # each pass adds dy/dx = 6x = 12
    assert h.grad == 2 * 3.0
    assert y.grad == 2.0
    if torch is not None:
        t = torch.tensor(2.0, dtype=torch.float64, requires_grad=True)
        ty = t * t * 3.0
        ty.backward(retain_graph=True)
        ty.backward()
        assert x.grad == t.grad.item()


def test_backward_with_a_given_gradient():
    x = Value(2.0)
    (x * x).backward(gradient=0.5)
    assert x.grad == 2.0


def test_gradients_reach_every_leaf_of_a_shared_subgraph():
    w = Value(0.5, "w")
    outs = [w * float(i) for i in range(1, 5)]
    total = sum(outs)
    total.backward()
    assert w.grad == 1 + 2 + 3 + 4


# ---------------------------------------------------------------- deep graphs
def test_million_op_chain_without_recursion_error():
    import sys
    limit = sys.getrecursionlimit()
    x = Value(1.0, "x")
    y = x
    for _ in range(1_000_000):
        y = y * 1.0
    y.backward()
    assert x.grad == 1.0
    assert sys.getrecursionlimit() == limit


def test_deep_chain_of_mixed_ops_gradient():
    x = Value(0.3)
    y = x
    n = 20_000
    for _ in range(n):
        y = y + x * 0.0001        # y = x (1 + 0.0001 n)
    y.backward()
    assert x.grad == pytest.approx(1 + 0.0001 * n, rel=1e-12)


# ---------------------------------------------------------------- higher order
SECOND = [
    ("tanh", Value.tanh, lambda x: -2 * math.tanh(x) * (1 - math.tanh(x) ** 2)),
    ("sigmoid", Value.sigmoid, lambda x: sigmoid(x) * (1 - sigmoid(x)) * (1 - 2 * sigmoid(x))),
    ("exp", Value.exp, math.exp),
    ("log", Value.log, lambda x: -1 / x ** 2),
    ("cube", lambda v: v ** 3, lambda x: 6 * x),
    ("sin", Value.sin, lambda x: -math.sin(x)),
    ("cos", Value.cos, lambda x: -math.cos(x)),
    ("sqrt", Value.sqrt, lambda x: -0.25 * x ** -1.5),
    ("softplus", Value.softplus, lambda x: sigmoid(x) * (1 - sigmoid(x))),
    ("reciprocal", lambda v: 1 / v, lambda x: 2 / x ** 3),
    ("x_pow_x", lambda v: v ** v, lambda x: x ** x * ((math.log(x) + 1) ** 2 + 1 / x)),
]


@pytest.mark.parametrize("name,op,second", SECOND, ids=[s[0] for s in SECOND])
@pytest.mark.parametrize("x", [0.3, 0.7, 1.9])
def test_second_derivatives_match_closed_forms(name, op, second, x):
    v = Value(x)
    first = grad(op(v), v, create_graph=True)
    assert isinstance(first, Value)
    assert grad(first, v).data == pytest.approx(second(x), rel=1e-10)


def test_mixed_second_derivative_of_product():
    x, y = Value(1.5), Value(-2.0)
    dx, dy = grad(x * y, [x, y], create_graph=True)
    assert (dx.data, dy.data) == (-2.0, 1.5)
    with pytest.raises(RuntimeError, match="not part of the graph"):
        grad(dx, [x, y])                                    # dx = y: x is not in its graph
    d2x, d2xy = grad(dx, [x, y], materialize_grads=True)
    assert d2x.data == 0.0 and d2xy.data == 1.0                             # d2/dxdy = 1
    assert grad(dy, x).data == 1.0


def test_third_derivative():
    x = Value(0.4)
    y = x ** 4
    d1 = grad(y, x, create_graph=True)
    d2 = grad(d1, x, create_graph=True)
    d3 = grad(d2, x)
    assert (d1.data, d2.data, d3.data) == pytest.approx((4 * 0.4 ** 3, 12 * 0.4 ** 2, 24 * 0.4))


def test_backward_create_graph_through_grad_attribute():
    x = Value(0.5)
    y = x.tanh()
    y.backward(create_graph=True)
    assert isinstance(x.grad, Value)
    g = x.grad
    x.grad = 0.0
    g.backward()
    assert x.grad == pytest.approx(-2 * math.tanh(0.5) * (1 - math.tanh(0.5) ** 2), rel=1e-12)


@needs_torch
def test_second_derivatives_match_torch_on_a_graph():
    a, b = Value(0.7), Value(-1.2)
    y = (a * b).tanh() * a.exp() + (b ** 2).sigmoid()
    ga, gb = grad(y, [a, b], create_graph=True)
    haa, hab = grad(ga, [a, b])
    ta = torch.tensor(0.7, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(-1.2, dtype=torch.float64, requires_grad=True)
    ty = torch.tanh(ta * tb) * torch.exp(ta) + torch.sigmoid(tb ** 2)
    tga, tgb = torch.autograd.grad(ty, [ta, tb], create_graph=True)
    thaa, thab = torch.autograd.grad(tga, [ta, tb])
    assert (ga.data, gb.data) == pytest.approx((tga.item(), tgb.item()), rel=1e-12)
    assert (haa.data, hab.data) == pytest.approx((thaa.item(), thab.item()), rel=1e-12)


# ---------------------------------------------------------------- grad() and no_grad()
def test_grad_does_not_touch_dot_grad_and_handles_unused_inputs():
    x, y, unused = Value(2.0), Value(3.0), Value(7.0)
    z = x * y
    with pytest.raises(RuntimeError, match=r"inputs\[2\].*not part of the graph.*allow_unused"):
        grad(z, [x, y, unused])                             # as torch.autograd.grad
    gx, gy, gu = grad(z, [x, y, unused], allow_unused=True)
    assert (gx.data, gy.data, gu) == (3.0, 2.0, None)
    gx, gy, gu = grad(z, [x, y, unused], materialize_grads=True)
    assert (gx.data, gy.data, gu.data) == (3.0, 2.0, 0.0)
    assert x.grad == y.grad == z.grad == 0.0


def test_grad_rejects_non_values():
    with pytest.raises(TypeError, match="outputs must be a Value"):
        grad(3.0, [Value(1.0)])
    with pytest.raises(TypeError, match=r"inputs\[1\] must be a Value, got float"):
        grad(Value(1.0), [Value(1.0), 2.0])


def test_no_grad_records_nothing_and_restores():
    x = Value(2.0)
    with no_grad():
        y = x * x + 1
        with enable_grad():
            z = x * x
    assert y.parents == () and y.op == "+" and y.data == 5.0     # named, not recorded
    assert z.parents == (x, x)
    w = x * x
    assert w.parents == (x, x)


def test_no_grad_as_decorator_and_per_thread():
    @no_grad()
    def f(v):
        return v * 2

    assert f(Value(1.0)).parents == ()
    seen = {}
    barrier = threading.Barrier(2)

    def inside():
        with no_grad():
            barrier.wait()
            seen["inside"] = (Value(1.0) * 2).parents
            barrier.wait()

    def outside():
        barrier.wait()
        v = Value(1.0)
        seen["outside"] = (v * 2).parents == (v,)
        barrier.wait()

    threads = [threading.Thread(target=inside), threading.Thread(target=outside)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"inside": (), "outside": True}


def test_detach_is_a_leaf_with_same_data():
    x = Value(2.0, "x")
    y = (x * 3).detach()
    assert y.data == 6.0 and y.parents == () and y.op == ""
    (y * y).backward()
    assert x.grad == 0.0


# ---------------------------------------------------------------- gradcheck
def test_gradcheck_passes_and_reports_failures():
    assert gradcheck(lambda a, b: (a * b).tanh() + a.exp(), [Value(0.3), Value(-0.7)]) is True

    @op(lambda a: a)                          # a wrong derivative: d(a^2)/da is 2a
    def bad_square(a):
        return a * a

    with pytest.raises(GradcheckError) as err:
        gradcheck(bad_square, [Value(1.5, "a")])
    assert re.search(r"BAD a: analytic 1\.5, numeric (3\.0000|2\.9999)", str(err.value))


def test_gradcheck_reports_nan():
    with pytest.raises(GradcheckError, match="analytic nan"):
        gradcheck(lambda a: a * float("nan"), [Value(1.0, "a")])


def test_gradcheck_rejects_bad_fn_and_inputs():
    with pytest.raises(TypeError, match="must return one Value, got float"):
        gradcheck(lambda a: 1.0, [Value(1.0)])
    with pytest.raises(TypeError, match=r"inputs\[0\] must be a Value, got int"):
        gradcheck(lambda a: a, [1])


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("data,kind", [("3", "str"), (None, "NoneType"), (1 + 2j, "complex"),
                                       ([1.0], "list")])
def test_value_rejects_non_real_data(data, kind):
    with pytest.raises(TypeError, match=f"got {kind}"):
        Value(data)


def test_value_rejects_value_data_and_bad_label():
    with pytest.raises(TypeError, match="got Value"):
        Value(Value(1.0))
    with pytest.raises(TypeError, match="label must be a str, got int"):
        Value(1.0, 5)


def test_value_accepts_ints_bools_and_numpy_like_reals():
    assert Value(3).data == 3.0 and type(Value(3).data) is float
    assert Value(True).data == 1.0
    from fractions import Fraction
    assert Value(Fraction(1, 4)).data == 0.25


@pytest.mark.parametrize("expr", [lambda v: v + "a", lambda v: "a" * v, lambda v: v * None,
                                  lambda v: v ** "2", lambda v: v - [1], lambda v: v / {}])
def test_ops_with_non_numbers_are_type_errors_naming_the_type(expr):
    with pytest.raises(TypeError, match="Value|str|NoneType|list|dict"):
        expr(Value(1.0))


def test_add_str_message_names_str():
    with pytest.raises(TypeError, match="'Value' and 'str'"):
        Value(1.0) + "a"


@pytest.mark.parametrize("x", [0.0, -1.0])
def test_log_of_non_positive(x):
    with pytest.raises(ValueError,
                       match=rf"log: operand must be > 0; got value {x!r} \(label 'x'\)"):
        Value(x, "x").log()


def test_sqrt_of_negative():
    with pytest.raises(ValueError,
                       match=r"sqrt: operand must be >= 0; got value -4.0 \(label 'q'\)"):
        Value(-4.0, "q").sqrt()


def test_division_by_zero():
    with pytest.raises(ZeroDivisionError,
                       match=r"division by zero: divisor is value 0.0 \(label 'd'\)"):
        Value(1.0, "n") / Value(0.0, "d")
    with pytest.raises(ZeroDivisionError, match=r"/: division by zero.*label 'n'"):
        Value(1.0, "n") / 0
    with pytest.raises(ZeroDivisionError, match=r"/: division by zero.*label 'z'"):
        1.0 / Value(0.0, "z")


def test_negative_base_non_integer_exponent():
    with pytest.raises(ValueError,
                       match=r"\*\*: a negative base needs an integer exponent.*0.5.*label 'b'"):
        Value(-2.0, "b") ** 0.5
    with pytest.raises(ValueError, match=r"negative base"):
        Value(-2.0, "b") ** Value(1.5)
    assert (Value(-2.0) ** 3).data == -8.0
    assert (Value(-2.0) ** Value(2.0)).data == 4.0


def test_zero_to_negative_power():
    with pytest.raises(ZeroDivisionError, match=r"0 cannot be raised to the negative power -1"):
        Value(0.0, "z") ** -1


def test_exp_overflow():
    with pytest.raises(OverflowError,
                       match=r"exp: result overflows.*got value 1000.0 \(label 'big'\)"):
        Value(1000.0, "big").exp()


def test_pow_overflow():
    with pytest.raises(OverflowError, match=r"\*\*: result overflows"):
        Value(1e200, "h") ** 3


def test_nan_and_inf_propagate_by_ieee_rules():
    n = Value(float("nan"))
    y = n * 2 + 1
    y.backward()
    assert math.isnan(y.data) and n.grad == 2.0
    i = Value(float("inf"))
    z = i.exp() + i.tanh()
    assert z.data == math.inf
    assert (Value(float("-inf")).sigmoid()).data == 0.0
    assert math.isnan((n.log()).data)


def test_comparisons_compare_data_and_are_not_ops():
    a, b = Value(1.0), Value(2.0)
    assert a < b and b > a and a <= 1.0 and b >= 2 and not (a > b)
    assert max(a, b) is b
    assert a != Value(1.0)          # == is identity
    assert len({a, b, a}) == 2
    with pytest.raises(TypeError, match="cannot compare Value with str"):
        assert a < "x"


def test_repr_float_item_and_micrograd_attributes():
    x = Value(2.0, "x")
    assert repr(x) == "Value(data=2.0, grad=0.0, label='x')"
    assert float(x) == 2.0 and x.item() == 2.0
    y = x * x
    assert y._prev == {x} and y._op == "*" and y.op == "*"
    assert (x ** 2)._op == "**2" and (x ** 0.5)._op == "**0.5"     # micrograd's op string
    assert (x ** 2).op == "**" and (x ** 2).constant == 2.0        # ours: op and constant


def test_constants_do_not_become_values():
    x = Value(2.0)
    y = x * 3 + 1
    assert y.parents[0].parents == (x,)
    assert y.parents[0].local_grads == (3.0,)


def test_differentiating_a_result_computed_under_no_grad_is_an_error():
    x = Value(3.0, "x")
    with no_grad():
        y = x * x
    y.label = "y"
    with pytest.raises(RuntimeError,
                       match=r"backward: the output 'y' \(op '\*'\) was computed under no_grad"):
        y.backward()
    with pytest.raises(RuntimeError, match="grad: the output 'y'"):
        grad(y, [x])
    assert x.grad == 0.0
    leaf = Value(2.0)                   # a user's leaf (op "") is fine: d leaf/d leaf = 1
    leaf.backward()
    assert leaf.grad == 1.0
    z = x * x                           # a graph built outside no_grad() can be
    with no_grad():                     # differentiated inside it, as in PyTorch
        z.backward()
    assert x.grad == 6.0


def test_gradcheck_inside_no_grad_still_records_its_analytic_pass():
    with no_grad():
        assert gradcheck(lambda a: a.tanh() * a, [Value(0.4, "a")])


def test_subclasses_of_value_combine_with_every_op():
    class Param(Value):
        __slots__ = ()

    p, q, v = Param(3.0), Param(2.0), Value(5.0)
    for y, expected in [(v - p, 2.0), (p - v, -2.0), (p * q, 6.0), (v / q, 2.5), (q ** p, 8.0),
                        (p + v, 8.0), (v * p, 15.0)]:
        assert y.data == expected
    (v - p * q).backward()
    assert (p.grad, q.grad, v.grad) == (-2.0, -3.0, 1.0)
    assert p < v and max(p, q) is p


def test_int_data_set_by_hand_works_as_exponent():
    e = Value(2.0)
    e.data = 3
    assert (Value(-2.0) ** e).data == -8.0


def test_no_grad_as_a_bare_decorator():
    @no_grad
    def double(v):
        return v * 2

    assert double(Value(1.0)).parents == ()
    assert double.__name__ == "double"
    with pytest.raises(TypeError, match="no_grad\\(\\) takes no arguments"):
        no_grad(3)


@pytest.mark.parametrize("eps", [0, -1e-6, float("nan"), float("inf")])
def test_gradcheck_rejects_bad_eps(eps):
    with pytest.raises(ValueError, match="eps must be a positive finite number"):
        gradcheck(lambda a: a * a, [Value(1.0)], eps=eps)
