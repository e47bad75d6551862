"""Rolled loops (compiler/rolling.py): a stretch of the graph that repeats itself is one
loop, with the eager engine's numbers bit for bit. Random periods read the previous
iteration, the same iteration, a Value fixed for all iterations, a different leaf each
iteration, constants that stay or change, values read again after the loop."""

import math
import operator
import random

import pytest
from compile_checks import bits, eager, outcome

from autograd_mini import Value, compile

BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv,
          "^": operator.pow}
UNARY = ["tanh", "exp", "sigmoid", "relu", "sin", "neg", "abs", "softplus", "log", "sqrt",
         "leaky_relu", "cos"]


def random_period(rng):
    """One period of a repeated computation: steps over named operands (an op whose
    result nothing reads is not replayed, so every step feeds the next)."""
    steps = []
    for k in range(rng.randint(1, 4)):
        kind = rng.choice(["un", "bin", "bin", "const", "rconst", "param", "fixed", "twice"])
        a = "mine" if k else "prev"             # each step reads the one before: no dead op
        if kind == "un":
            steps.append((kind, rng.choice(UNARY), a))
        elif kind in ("const", "rconst"):
            steps.append((kind, rng.choice("+-*/^"), a, rng.choice(["same", "vary"])))
        else:
            steps.append((kind, rng.choice("+-*/"), a, rng.choice(["prev", "mine"]) if k
                          else "prev"))
    return steps


def run(steps, x, fixed, params, count, keep):
    """Repeat the period ``count`` times from x; every ``keep``-th value is also summed
    after the loop (read from outside), and the last one is the output's factor."""
    y, kept = x, []
    for r in range(count):
        mine = y
        for step in steps:
            kind, op, a = step[:3]
            u = y if a == "prev" else mine
            if kind == "un":
                v = -u if op == "neg" else abs(u) if op == "abs" else \
                    u.leaky_relu(0.1) if op == "leaky_relu" else getattr(u, op)()
            elif kind == "const":
                c = 0.5 if step[3] == "same" else 0.25 + (r % 5) * 0.125
                v = u ** 2.0 if op == "^" else BINARY[op](u, c)
            elif kind == "rconst":
                c = 1.5 if step[3] == "same" else 1.0 + (r % 3)
                v = BINARY[op](c, u * u + 1.0 if op == "/" else u)
            elif kind == "param":
                w = params[r % len(params)]
                v = w - u if op == "-" else BINARY[op](u, w)
            elif kind == "twice":                   # one leaf read by two ops
                w = params[r % len(params)]
                v = BINARY[op](u * w, w)
            else:
                b = y if step[3] == "prev" else mine
                v = u + fixed * b if op == "+" else u - fixed * b if op == "-" else \
                    BINARY[op](u, fixed)
            mine = v
        y = mine
        if keep and r % keep == 0:
            kept.append(y)
    return sum(kept, y * y) if kept else y * fixed


@pytest.mark.parametrize("seed", range(200))
def test_random_repeated_computations_roll_and_stay_bit_for_bit(seed):
    rng = random.Random(seed)
    steps = random_period(rng)
    count = rng.choice([5, 12, 40])
    keep = rng.choice([0, 0, 3, 7])
    x, fixed = Value(rng.uniform(-1, 1), "x"), Value(rng.uniform(0.5, 1.5), "w")
    params = [Value(rng.uniform(-1, 1), f"p{k}") for k in range(rng.choice([1, 3, count]))]
    leaves = [x, fixed] + params

    def f():
        return run(steps, x, fixed, params, count, keep)
    step = compile(f)
    for _ in range(4):
        assert outcome(step, leaves) == eager(f, leaves), (steps, count, keep)
        for v in leaves:
            v.data = rng.choice([rng.uniform(-1.5, 1.5), 0.0, -0.0])


def test_a_long_chain_is_one_loop():
    def f(x):
        y = x
        for _ in range(5000):
            y = y * 1.0000001 + 1e-7
        return y
    step = compile(f)
    x = Value(0.5)
    for _ in range(3):
        x.grad = 0.0
        value = step(x)
        y = f(Value(0.5))
        xe = Value(0.5)
        ye = f(xe)
        ye.backward()
        assert (bits(value), bits(x.grad)) == (bits(ye.data), bits(xe.grad))
        assert y.data == value
    assert "4999 x 2 nodes" in step.source or "x 2 nodes" in step.source
    assert len(step.source.splitlines()) < 50


def test_a_chain_of_tanh_keeps_each_output_for_backward():
    ws = [Value(0.1 * (k % 5) - 0.2) for k in range(300)]

    def f(x):
        y = x
        for w in ws:
            y = (y * w + 0.5).tanh()
        return y
    step = compile(f)
    x = Value(0.3)
    leaves = [x] + ws
    assert outcome(lambda: step(x), leaves) == eager(lambda: f(x), leaves)
    x.data = -math.pi
    assert outcome(lambda: step(x), leaves) == eager(lambda: f(x), leaves)
    assert outcome(lambda: step(x), leaves) == eager(lambda: f(x), leaves)
    assert len(step.source.splitlines()) < 50
