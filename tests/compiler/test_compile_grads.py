"""compile and .grad: a replay adds each pass to a leaf's or an argument's gradient as
eager ``backward()`` adds it, whatever the gradient held (None, 0.0, -0.0, a number, a
create_graph Value)."""

import pytest
from compile_checks import bits

from autograd_mini import Value, compile


@pytest.mark.parametrize("old", [None, 0.0, -0.0, 1.5, "value"])
def test_an_argument_s_grad_gets_the_pass_as_backward_adds_it(old):
    """A Value passed as an argument: the trace call and the replays add the pass to its
    .grad as eager backward() does: the pass alone where .grad was None, 0.0 or -0.0
    (it was a TypeError on None, after the captured leaves had been updated)."""
    w = Value(2.0, "w")
    step = compile(lambda x: (x * w).tanh() * -0.0 + x * w)

    def start(x):
        x.grad = Value(7.0) if old == "value" else old
        w.grad = None
    for _call in range(3):                          # the trace call, then replays
        x, e = Value(0.5), Value(0.5)
        start(x)
        start(e)
        got = step(x)
        eager_w = w.grad
        w.grad = None
        want = ((e * w).tanh() * -0.0 + e * w)
        want.backward()
        assert got == want.data
        if old == "value":
            assert isinstance(x.grad, Value) and x.grad.data == e.grad.data == 9.0
        else:
            assert repr(x.grad) == repr(e.grad)          # the same float, the sign of 0 too
        assert eager_w == w.grad


@pytest.mark.parametrize("old", [None, -0.0, "value"])
def test_an_argument_the_pass_does_not_reach_keeps_its_grad(old):
    """An argument off the graph (unused, or read by a comparison only): eager leaves its
    .grad alone, and so do the trace call and every replay (the trace call and the first
    replay set None to 0.0, -0.0 to 0.0: an optimizer then moved a parameter eager skips)."""
    w = Value(2.0, "w")

    def f(x, u, c):
        return x * x if c > 0.0 else x * 2.0
    step = compile(f)
    for _call in range(4):
        u, c = Value(1.0, "u"), Value(0.5, "c")
        kept = Value(7.0) if old == "value" else old
        u.grad = c.grad = kept
        step(w, u, c)
        for v in (u, c):
            assert v.grad is kept or repr(v.grad) == repr(kept)


def test_an_optimizer_skips_an_unused_parameter_after_a_compiled_step():
    """The review's case: SGD with weight decay on a parameter the loss does not use, its
    grad None after zero_grad(set_to_none=True): eager and compiled leave it where it is."""
    from autograd_mini import optim

    def run(use_compile):
        w, u = Value(2.0, "w"), Value(1.0, "u")
        opt = optim.SGD([w, u], lr=0.1, weight_decay=0.5)
        step = compile(lambda w, u: w * w) if use_compile else None
        for _ in range(3):
            opt.zero_grad(set_to_none=True)
            if use_compile:
                step(w, u)
            else:
                (w * w).backward()
            opt.step()
        return w.data, u.data, u.grad
    assert run(True) == run(False) == (0.84375, 1.0, None)


_STATES = [None, 0.0, -0.0, 1.5, "value"]
_FNS = {          # each reaches one of core/bulk.py's replay loops (the review's c2.py)
    "add_scaled": lambda L, x: x * 1.5 + L[0] * 2.0 + L[1] * 3.0 + L[2] * 4.0 + L[3] * 0.5,
    "add_constants": lambda L, x: (x * 1.5 + L[0] * 2.0 + L[1] * 3.0 + L[2] * 4.0
                                   + L[3] * 0.5).tanh(),
    "add_same": lambda L, x: (x * 1.5 + L[0] + L[1] + L[2] + L[3]) * 3.0,
    "add_products": lambda L, x: x * 1.5 + L[0] * L[1] + L[2] * L[3],
    "signed zeros": lambda L, x: x * 1.5 + L[0] * -0.0 + L[1] * 0.0 + L[2] * -0.0 + L[3],
}


def _show(g):
    return ("V", g.data.hex(), g.op) if isinstance(g, Value) else g if g is None else g.hex()


@pytest.mark.parametrize("name", _FNS)
def test_replay_loops_add_onto_every_kind_of_grad_as_eager(name):
    """Leaves holding None, 0.0, -0.0, a number or a Value: after each call (the trace,
    the checked first replay, plain replays) every .grad is eager's, the sign of 0 and
    a Value's op included."""
    f = _FNS[name]
    for a in _STATES:
        for b in _STATES:
            leaves = [Value(0.1 * (i + 1) - 0.2, f"l{i}") for i in range(4)]
            twins = [Value(0.1 * (i + 1) - 0.2, f"l{i}") for i in range(4)]
            step = compile(lambda x, leaves=leaves, f=f: f(leaves, x))
            for _call in range(3):
                for i, (v, t) in enumerate(zip(leaves, twins)):
                    kind = a if i % 2 else b
                    v.grad, t.grad = [Value(7.0) * u if kind == "value" else kind
                                      for u in (v, t)]
                x, e = Value(0.7), Value(0.7)
                step(x)
                f(twins, e).backward()
                assert [_show(v.grad) for v in leaves + [x]] == \
                       [_show(v.grad) for v in twins + [e]], (name, a, b, _call)


@pytest.mark.parametrize("case", ["leaky_relu", "user op, conditional", "abs"])
def test_a_conditional_derivative_is_one_operand_of_a_gradient_sum(case):
    """A derivative written out as a conditional (leaky_relu's ``1.0 if v > 0.0 else s``)
    added to another contribution of the same node's gradient: the replay on the branch
    the trace did not take gives eager's gradient, bit for bit (the code had read
    ``g = 2.0 + 1.0 if v > 0.0 else 0.01``: 0.01 where eager gives 2.01)."""
    from autograd_mini import op

    kinked = op(lambda x: 1.0 if x > 0.0 else 0.25)(lambda x: x if x > 0.0 else 0.25 * x)
    branch = {"leaky_relu": lambda h: h.leaky_relu(0.01), "abs": abs,
              "user op, conditional": kinked}[case]

    def f(x):
        h = x * 1.5                                 # read twice: two contributions
        return branch(h) + h * 2.0

    step = compile(f)
    for start in (1.0, -1.0, 1.0, -2.0, 3.0, -0.5):   # traced at x > 0, then both sides
        x, e = Value(start), Value(start)
        got = step(x)
        want = f(e)
        want.backward()
        assert bits(got) == bits(want.data)
        assert bits(x.grad) == bits(e.grad), (start, x.grad, e.grad)
