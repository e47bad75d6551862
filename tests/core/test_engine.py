"""The Value engine's ops: every op three ways (closed form, finite differences,
PyTorch), and random graphs against PyTorch and gradcheck. Backward's semantics are in
test_backward.py, bad input and edge cases in test_engine_input.py."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autograd_mini import Value, gradcheck
from builders import sigmoid

try:
    import torch
except ImportError:  # the PyTorch comparisons skip; CI installs torch so they run
    torch = None

needs_torch = pytest.mark.torch     # skips, naming the install, without torch (conftest.py)


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


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["*", "+", "wsum", "tanh"]),
                          st.lists(st.integers(0, 10 ** 6), min_size=1, max_size=9)),
                min_size=1, max_size=40))
def test_topological_order_puts_every_node_after_all_its_parents(steps):
    """Random graphs of binary, unary and n-ary ("wsum") nodes sharing parents: each
    reachable node exactly once, after every one of its parents (an n-ary node that
    pushes a parent goes on from the next one: no parent skipped, none seen twice)."""
    from autograd_mini.core import topological_order, weighted_sum
    nodes = [Value(0.1 * k) for k in range(4)]
    for kind, picks in steps:
        ps = [nodes[i % len(nodes)] for i in picks]
        if kind == "wsum":
            n = max(1, len(ps) // 2)
            ws = [nodes[(i * 7) % len(nodes)] for i in picks[:n]]
            nodes.append(weighted_sum(ws, (ps * 2)[:n], ps[-1]))
        elif kind == "tanh":
            nodes.append(ps[0].tanh())
        else:
            nodes.append(ps[0] * ps[-1] if kind == "*" else ps[0] + ps[-1])
    root = nodes[-1]
    order = topological_order(root)
    reachable, todo = set(), [root]                 # by a walk that shares no code
    while todo:
        v = todo.pop()
        if v not in reachable:
            reachable.add(v)
            todo.extend(v.parents)
    assert len(order) == len(set(order)) == len(reachable) and set(order) == reachable
    place = {v: i for i, v in enumerate(order)}
    assert all(place[p] < place[v] for v in order for p in v.parents)
    assert order[-1] is root


def test_a_graph_with_an_n_ary_node_pickles_and_copies():
    """A neuron's weighted sum (one node of 2n+1 parents) comes back from pickle and
    deepcopy as an n-ary node and backpropagates to the same gradients (its marker
    MANY used to come back as another object: the parents' tuple was read as a parent)."""
    import copy
    import pickle

    from autograd_mini.core import weighted_sum
    w, x, b = [Value(1.0), Value(-2.0)], [Value(3.0), Value(0.25)], Value(0.5)
    y = weighted_sum(w, x, b).tanh()
    copies = (pickle.loads(pickle.dumps(y)), copy.deepcopy(y))     # before backward
    y.backward()
    expected = [p.grad for p in y.parents[0].parents]
    for again in copies:
        again.backward()
        got = [p.grad for p in again.parents[0].parents]
        assert got == expected and len(got) == 5 and again.parents[0].op == "wsum"
