"""compile and .grad: a replay adds each pass to a leaf's or an argument's gradient as
eager ``backward()`` adds it, whatever the gradient held (None, 0.0, -0.0, a number, a
create_graph Value)."""

import pytest

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
