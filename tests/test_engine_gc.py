"""How the engine treats CPython's cyclic garbage collector: graphs hold no reference
cycles, and where the engine pauses the collector (backward's graph walk, building an
MLP's graph) the user's setting comes back on every exit path, exceptions included."""

import gc

import pytest

from autograd_mini import Value, engine
from autograd_mini.engine import _collector_paused
from autograd_mini.nn import MLP


@pytest.fixture(params=[True, False], ids=["gc-on", "gc-off"])
def collector(request):
    """Run the test with the collector on, then off; restore the session's setting."""
    was = gc.isenabled()
    (gc.enable if request.param else gc.disable)()
    yield request.param
    (gc.enable if was else gc.disable)()


def graph():
    x, w = Value(0.5, "x"), Value(-1.5, "w")
    return (x * w + 2.0).tanh() * x, x, w


def test_backward_pauses_the_collector_and_restores_it(collector, monkeypatch):
    seen = []
    walk = engine._topological_order_zeroing

    def spy(root):
        seen.append(gc.isenabled())
        return walk(root)
    monkeypatch.setattr(engine, "_topological_order_zeroing", spy)
    y, x, w = graph()
    y.backward()
    assert seen == [False]                  # off during the walk...
    assert gc.isenabled() is collector      # ...and as it was afterwards
    assert x.grad != 0.0 and w.grad != 0.0


@pytest.mark.parametrize("error", [RuntimeError("walk failed"), KeyboardInterrupt()])
def test_collector_restored_when_the_walk_raises(collector, monkeypatch, error):
    def broken(root):
        raise error
    monkeypatch.setattr(engine, "_topological_order_zeroing", broken)
    y, x, w = graph()
    with pytest.raises(type(error)):
        y.backward()
    assert gc.isenabled() is collector
    assert (x.grad, w.grad) == (0.0, 0.0)


class Interrupting(Value):
    """A parent whose grad cannot be read: the walk is interrupted, as by Ctrl-C."""

    __slots__ = ()

    @property
    def grad(self):
        raise KeyboardInterrupt

    @grad.setter
    def grad(self, value):
        pass


def test_an_interrupted_walk_puts_every_grad_back(collector):
    y, x, w = graph()
    x.grad = 0.25                           # from an earlier backward(): must survive
    inner = y.parents[0]                    # tanh(x * w + 2)
    plus = inner.parents[0]                 # x * w + 2: its one parent is walked first,
    plus._p1, plus._d1 = Interrupting(0.0), 0.0   # then this second one interrupts
    nodes = [y, inner, plus, plus.parents[0], x, w]
    before = [v.grad for v in nodes]
    with pytest.raises(KeyboardInterrupt):
        y.backward()
    assert [v.grad for v in nodes] == before == [0.0, 0.0, 0.0, 0.0, 0.25, 0.0]
    assert all(type(v.grad) is float for v in nodes)
    assert gc.isenabled() is collector


def test_collector_restored_when_the_chain_rule_raises(collector):
    y, x, w = graph()
    y.parents[0].local_grads = ("not a number",)    # tanh's stored derivative, corrupted
    with pytest.raises(TypeError):
        y.backward()
    assert gc.isenabled() is collector


def test_nested_pauses_restore_in_order():
    was = gc.isenabled()
    gc.enable()
    try:
        with _collector_paused():
            assert not gc.isenabled()
            with _collector_paused():
                assert not gc.isenabled()
            assert not gc.isenabled()       # the inner exit leaves it to the outer one
        assert gc.isenabled()
    finally:
        (gc.enable if was else gc.disable)()


def test_mlp_call_pauses_the_collector_and_restores_it(collector):
    model = MLP(2, [3, 1], seed=0)
    seen = []
    neuron = model.layers[0].neurons[0]
    g = neuron._g

    def spy(z):
        seen.append(gc.isenabled())
        return g(z)
    neuron._g = spy
    out = model([1.0, -2.0])
    assert isinstance(out, Value) and seen == [False]
    assert gc.isenabled() is collector
    with pytest.raises(ValueError, match="expects 2 inputs, got 3"):
        model([1.0, 2.0, 3.0])
    assert gc.isenabled() is collector


def test_graphs_hold_no_reference_cycles():
    """Dropping a graph frees it by reference counting alone: the collector finds nothing."""
    was = gc.isenabled()
    gc.disable()
    try:
        gc.collect()
        model = MLP(2, [4, 1], seed=1)
        loss = sum((model([0.5, -1.0]) - 1.0) ** 2 for _ in range(3))
        loss.backward()
        y, x, w = graph()
        y.backward()
        del loss, y, x, w, model
        assert gc.collect() == 0
    finally:
        (gc.enable if was else gc.disable)()
