"""compile() against eager on random programs: every op of engine.OPS, constants on either
side, shared subexpressions, long sums, neurons (wsum), data-dependent branches, numbers
and aliased arguments; traced once, then replayed on new inputs. The compiled call must
give eager's output and gradients bit for bit, or raise what eager raises, or (past the
trace limit) CompileError."""

import math
import random
import struct

import pytest

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


def bits(x):
    """The float's bits; every NaN alike (which NaN an operation on two NaNs returns
    depends on the machine instruction's operand order, eager's or compiled's)."""
    return b"nan" if x != x else struct.pack("<d", x)


def outcome(f, leaves):
    """(output bits, gradient bits) of f(), or the type of what it raised; .grad zeroed."""
    for v in leaves:
        v.grad = 0.0
    try:
        value = f()
    except (ArithmeticError, ValueError) as e:
        return type(e)
    value = value.data if isinstance(value, Value) else value
    return bits(value), [bits(v.grad) for v in leaves]


def eager(fn, leaves, args):
    def f():
        out = fn(*args)
        out.backward()
        return out
    return outcome(f, leaves)


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
