"""compile() against eager on random programs: every op of engine.OPS, constants on either
side, shared subexpressions, long sums, neurons (wsum), data-dependent branches, numbers
and aliased arguments; traced once, then replayed on new inputs. The compiled call must
give eager's output and gradients bit for bit, or raise what eager raises, or (past the
trace limit) CompileError."""

import math
import random

import pytest
from compile_checks import bits, eager, outcome

from autograd_mini import CompileError, Value, compile
from autograd_mini.core import OPS, weighted_sum

UNARY = ["neg", "abs", "exp", "log", "sqrt", "tanh", "sigmoid", "relu", "softplus", "sin",
         "cos"]
BINARY = ["+", "-", "*", "/", "**"]
EDGE = [0.0, -0.0, 1.0, -1.0, 2.5, 1e-300, 1e300, math.inf, -math.inf, math.nan]


def unary(op, x):
    if op == "neg":
        return -x
    if op == "abs":
        return abs(x)
    return getattr(x, op)()


def binary(op, x, y):
    return {"+": lambda: x + y, "-": lambda: x - y, "*": lambda: x * y,
            "/": lambda: x / y, "**": lambda: x ** y}[op]()


def random_program(rng, depth=14):
    """A list of steps over registers 0..2 (the inputs); each step adds a register."""
    steps, n = [], 3
    for _ in range(depth):
        kind = rng.choice(["un", "un", "bin", "bin", "const", "rconst", "sum", "dot",
                           "wsum", "if", "max", "leaky"])
        i, j = rng.randrange(n), rng.randrange(n)
        c = rng.choice([0.5, 2.0, 3.0, -1.5, 0.0, 1e-3])
        if kind == "un":
            steps.append((kind, rng.choice(UNARY), i))
        elif kind in ("bin", "const", "rconst"):
            steps.append((kind, rng.choice(BINARY), i, j, c))
        elif kind in ("sum", "dot"):
            steps.append((kind, [rng.randrange(n) for _ in range(rng.randint(2, 7))],
                          [rng.randrange(n) for _ in range(7)]))
        elif kind == "wsum":
            k = rng.randint(1, 4)
            steps.append((kind, [rng.randrange(n) for _ in range(2 * k + 1)]))
        elif kind == "if":
            steps.append((kind, i, j, rng.choice(UNARY), rng.choice(UNARY)))
        else:
            steps.append((kind, i, j, c))
        n += 1
    return steps


def run(steps, regs, number):
    """Execute a program on Values (the branches are Python control flow on Values)."""
    regs = list(regs)
    for step in steps:
        kind = step[0]
        if kind == "un":
            r = unary(step[1], regs[step[2]])
        elif kind == "bin":
            r = binary(step[1], regs[step[2]], regs[step[3]])
        elif kind == "const":
            r = binary(step[1], regs[step[2]], step[4] * number)
        elif kind == "rconst":
            r = binary(step[1], step[4] * number, regs[step[2]])
        elif kind == "sum":
            r = sum((regs[i] for i in step[1]), regs[step[2][0]])
        elif kind == "dot":
            r = sum(regs[i] * regs[j] for i, j in zip(step[1], step[2]))
        elif kind == "wsum":
            idx = step[1]
            k = len(idx) // 2
            r = weighted_sum([regs[i] for i in idx[:k]], [regs[i] for i in idx[k:2 * k]],
                             regs[idx[-1]])
        elif kind == "if":
            x, y = regs[step[1]], regs[step[2]]
            r = unary(step[3], x) if x > y else unary(step[4], y)
        elif kind == "max":
            r = max(regs[step[1]], regs[step[2]]) * step[3]
        else:
            r = regs[step[1]].leaky_relu(0.1 + step[3])
        regs.append(r)
    return sum(regs[3:-1], regs[-1] * regs[-2])     # every step reaches the output


def inputs(rng):
    return [rng.choice(EDGE) if rng.random() < 0.08 else rng.uniform(-2.0, 2.0)
            for _ in range(3)]


@pytest.mark.parametrize("seed", range(60))
def test_random_programs_replay_like_eager(seed):
    rng = random.Random(seed)
    steps = random_program(rng)
    a, b, c = (Value(x, label) for x, label in zip(inputs(rng), "abc"))
    style = seed % 3
    if style == 0:                          # everything captured
        fn, args = (lambda: run(steps, (a, b, c), 1.0)), lambda: ()
    elif style == 1:                        # Values as arguments, sometimes the same one
        fn = lambda x, y, z: run(steps, (x, y, z), 1.0)                 # noqa: E731
        args = lambda: (a, b, a) if rng.random() < 0.3 else (a, b, c)   # noqa: E731
    else:                                   # a number argument, one Value captured
        fn = lambda x, y, n: run(steps, (x, y, c), n)                   # noqa: E731
        args = lambda: (a, b, rng.choice([1, 2]))                       # noqa: E731
    step = compile(fn)
    for _ in range(6):
        call = args()
        expected = eager(fn, [a, b, c], call)
        try:
            got = outcome(lambda call=call: step(*call), [a, b, c])
        except CompileError as e:
            assert "more than 8 traces" in str(e)
            return
        assert got == expected, (steps, call, [a.data, b.data, c.data])
        for v, x in zip((a, b, c), inputs(rng)):
            v.data = x


def op_program(name, xs, form, c):
    """A function of the Values xs that applies op ``name``: to Values (form 0), or with
    the constant c on the right (1) or on the left (2)."""
    spec = OPS[name]

    def f():
        if name == "wsum":
            return weighted_sum(xs[:2], xs[2:4], xs[4]) * xs[0]
        if len(spec.derivatives) == 1:
            return spec(xs[0]) * xs[1]
        if form == 0:
            return spec(xs[0], xs[1]) * xs[2]
        return spec(xs[0], c) if form == 1 else spec(c, xs[0])
    return f


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_op_of_the_engine_compiles(name):
    """Each op, with Values and with a constant on either side, at ordinary and edge
    points: compiled == eager bit for bit (or both raise the same error)."""
    rng = random.Random(name)
    for point in range(12):
        xs = [Value(x) for x in inputs(rng)] + [Value(rng.uniform(0.1, 2.0)) for _ in "ab"]
        for form in range(3 if len(OPS[name].derivatives) == 2 else 1):
            f = op_program(name, xs, form, 0.5 + point)
            expected = eager(f, xs, ())
            assert outcome(compile(f), xs) == expected, (name, form, [x.data for x in xs])


def test_long_sums_are_loops_and_stay_bit_for_bit():
    rng = random.Random(5)
    xs = [Value(rng.uniform(-1, 1)) for _ in range(3000)]
    ws = [Value(rng.uniform(-1, 1)) for _ in range(3000)]

    def f():
        return sum(x * w for x, w in zip(xs, ws)) + sum(xs[::7], Value(0.5)) * xs[0]
    step = compile(f)
    assert outcome(step, xs + ws) == eager(f, xs + ws, ())
    assert len(step.source.splitlines()) < 40           # not two lines per term
    for v in xs[::3]:
        v.data = rng.uniform(-1, 1)
    assert outcome(step, xs + ws) == eager(f, xs + ws, ())


def test_a_sum_that_is_the_output_goes_last_in_one_pass():
    rng = random.Random(6)
    xs = [Value(rng.choice([-0.0, math.nan, math.inf, rng.uniform(-1, 1)])) for _ in range(500)]
    ws = [Value(rng.uniform(-1, 1)) for _ in range(500)]
    for f in (lambda: sum(x * w for x, w in zip(xs, ws)), lambda: sum(xs[1:], xs[0])):
        step = compile(f)
        for _ in range(2):
            assert outcome(step, xs + ws) == eager(f, xs + ws, ())
            ws[3].data = -ws[3].data
        assert "for p, q in zip(" in step.source or "for p in" in step.source


def test_user_defined_ops_compile_through_their_own_definitions():
    from autograd_mini import op

    @op(lambda x: 3 * x ** 2, name="cube (compile test)")
    def cube(x):
        return x ** 3

    @op(lambda a, b: b * a ** (b - 1), lambda a, b: a, name="odd (compile test)")
    def odd(a, b):
        return a ** b if a > 0 else a * b

    x, y = Value(1.5, "x"), Value(2.0, "y")

    def f():
        return cube(x) * odd(x, y) + odd(y, 3.0) + odd(2.0, x)
    step = compile(f)
    for data in ((1.5, 2.0), (-0.5, 3.0), (0.0, -1.0)):
        x.data, y.data = data
        assert outcome(step, [x, y]) == eager(f, [x, y], ())


@pytest.mark.parametrize("seed", range(0, 400, 4))
def test_signed_zeros_in_data_and_in_the_grads_held_before(seed):
    """-0.0 data, and .grad holding -0.0 before a call (backward() does not add a held
    -0.0: it starts from 0.0), give eager's bits on every call."""
    rng = random.Random(seed)
    steps = random_program(rng, depth=8)
    data = [rng.choice([-0.0, 0.0, 1.5, -2.0, 0.5]) for _ in range(3)]
    held = [rng.choice([-0.0, 0.0, 0.25]) for _ in range(3)]
    world_e, world_c = [Value(d) for d in data], [Value(d) for d in data]
    step = compile(lambda: run(steps, world_c, 1.0))
    for _ in range(3):
        for world in (world_e, world_c):
            for v, g in zip(world, held):
                v.grad = g
        expected = eager(lambda: run(steps, world_e, 1.0), [], ())
        expected = expected if isinstance(expected, type) else \
            (expected[0], [bits(v.grad) for v in world_e])
        try:
            value = step()
        except (ArithmeticError, ValueError) as e:
            assert expected is type(e)
            continue
        assert (bits(value), [bits(v.grad) for v in world_c]) == expected, (steps, data)


def test_a_leaf_only_compared_keeps_a_held_negative_zero():
    a, b = Value(1.0, "a"), Value(2.0, "b")
    step = compile(lambda: b * 2.0 if a > 0.0 else b * 3.0)
    for _ in range(3):                      # trace, checked call, replay
        a.grad = -0.0
        assert step() == 4.0
        assert bits(a.grad) == bits(-0.0)   # eager's backward never reaches a


def test_a_sum_of_leaves_written_directly_keeps_eagers_zero_signs():
    """Loops that add to .grad directly (leaves used once) add as backward() does:
    the pass, then what the leaf held if it held something (-0.0 is nothing)."""
    for make in (lambda xs, ws: sum(x * w for x, w in zip(xs, ws)),
                 lambda xs, ws: sum(x * w for x, w in zip(xs, ws)) * ws[0] + xs[0],
                 lambda xs, ws: sum(xs[1:], xs[0]) * ws[0],
                 lambda xs, ws: sum(c * w for c, w in zip([-0.0, 0.0, 2.0, -1.5, 0.5], ws)),
                 lambda xs, ws: sum(c * w for c, w in zip([1.0, 0.0, 2.0, -1.5, 0.5], ws)),
                 lambda xs, ws: sum(c * w for c, w in zip([-0.0, 0.0, 2.0, -1.5, 0.5], xs))
                 * ws[1]):
        worlds = [([Value(-0.0) for _ in range(5)], [Value(1.0) for _ in range(5)])
                  for _ in "ec"]
        (xs_e, ws_e), (xs_c, ws_c) = worlds
        step = compile(lambda make=make, xs=xs_c, ws=ws_c: make(xs, ws))
        for _ in range(3):
            for v in xs_e + ws_e + xs_c + ws_c:
                v.grad = -0.0
            make(xs_e, ws_e).backward()
            step()
            assert [bits(v.grad) for v in xs_c + ws_c] == [bits(v.grad) for v in xs_e + ws_e]


@pytest.mark.parametrize("seed", range(24))
def test_sums_of_products_with_constants_are_loops_and_bit_for_bit(seed):
    """sum(c_i * w_i) with plain-number c_i (data) and Value w_i: leaves used once (read
    and written directly), leaves used again, computed terms, constants on either side,
    terms built before the sum; edge constants included."""
    rng = random.Random(seed)
    n = rng.choice([3, 40, 300])
    cs = [rng.choice(EDGE) if rng.random() < 0.1 else rng.uniform(-2, 2) for _ in range(n)]
    ws = [Value(rng.uniform(-1, 1)) for _ in range(n)]
    style = seed % 4

    def f():
        terms = [c * w if k % 2 else w * c for k, (c, w) in enumerate(zip(cs, ws))]
        if style == 1:                                    # terms of computed nodes
            terms = [c * w.tanh() for c, w in zip(cs, ws)]
        total = sum(terms)
        if style == 2:                                    # a leaf used again
            total = total * ws[n // 2]
        if style == 3:                                    # the sum is not the output
            total = (total * 0.5).tanh() + ws[0]
        return total
    step = compile(f)
    for _ in range(4):
        assert outcome(step, ws) == eager(f, ws, ()), (seed, n, style)
        for w in ws[::3]:
            w.data = rng.uniform(-1, 1)
    if n == 300:
        assert len(step.source.splitlines()) < 60           # a loop, not a line per term
