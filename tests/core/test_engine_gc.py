"""How the engine treats CPython's cyclic garbage collector: graphs hold no reference
cycles, and where the engine pauses the collector (backward's graph walk, building an
MLP's graph) the user's setting comes back on every exit path, exceptions included."""

import gc

import pytest

import autograd_mini
from autograd_mini import Value
from autograd_mini.core.compiled import ENGINE
from autograd_mini.nn import MLP
from autograd_mini.util.gc_pause import collector_paused as _collector_paused


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


if ENGINE == "interpreted":          # the compiled engine refuses such a subclass (below)
    class Watching(Value):
        """A leaf that notes, each time backward() writes its grad, whether the collector
        was on; with ``interrupt_after=n`` the (n+1)-th write raises KeyboardInterrupt (once).
        (The engine writes the slot ``_grad``; ``grad`` is its public name: both are watched.)"""

        __slots__ = ("seen", "interrupt_after", "_g")

        def __init__(self, data, label="", interrupt_after=None):
            self.seen, self.interrupt_after, self._g = [], interrupt_after, 0.0
            super().__init__(data, label)

        @property
        def _grad(self):
            return self._g

        @_grad.setter
        def _grad(self, value):
            self.seen.append(gc.isenabled())
            if self.interrupt_after is not None and len(self.seen) == self.interrupt_after + 1:
                raise KeyboardInterrupt
            self._g = value

        grad = _grad


def test_a_hook_sees_the_collector_paused_during_backward(collector):
    """On both engines: backward's walk runs with the collector off, and it is put back."""
    x, w = Value(0.5, "x"), Value(-1.5, "w")
    seen = []
    w.register_hook(lambda g: seen.append(gc.isenabled()))
    ((x * w + 2.0).tanh() * x).backward()
    assert seen == [False] and gc.isenabled() is collector and w.grad != 0.0


@pytest.mark.interpreted
def test_backward_pauses_the_collector_and_restores_it(collector):
    x, w = Value(0.5, "x"), Watching(-1.5, "w")
    y = (x * w + 2.0).tanh() * x
    w.seen.clear()
    y.backward()
    assert w.seen and not any(w.seen)       # off during the walk...
    assert gc.isenabled() is collector      # ...and as it was afterwards
    assert x.grad != 0.0 and w.grad != 0.0


@pytest.mark.interpreted
@pytest.mark.parametrize("writes", [0, 1, 2])
def test_an_interrupted_backward_puts_every_grad_back(collector, writes):
    """Ctrl-C (or any error) at any point of backward(): every .grad as it was before."""
    x, w = Value(0.5, "x"), Watching(-1.5, "w")
    y = (x * w + 2.0).tanh() * x
    y.backward()                            # an earlier pass: its gradients must survive
    nodes = [v for v in autograd_mini.topological_order(y)]
    before = [v.grad for v in nodes]
    assert x.grad != 0.0 and w.grad != 0.0
    w.seen.clear()
    w.interrupt_after = writes              # zeroing, the chain rule, accumulating
    with pytest.raises(KeyboardInterrupt):
        y.backward()
    w.interrupt_after = None
    assert [v.grad for v in nodes] == before
    assert gc.isenabled() is collector


def test_a_real_sigint_during_a_long_backward_puts_every_grad_back():
    """A real SIGINT from another thread 50 ms into the walk of a 600,000-node graph."""
    import _thread
    import signal
    import threading
    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:
        pytest.skip("SIGINT is ignored in this process (a shell starts a background job "
                    "so): interrupt_main() does nothing")
    w = Value(1.0001, "w")
    y = w
    for _ in range(300_000):
        y = y * w + 0.0
    y.backward()
    nodes = autograd_mini.topological_order(y)
    before = [v.grad for v in nodes]
    timer = threading.Timer(0.05, _thread.interrupt_main)
    timer.start()
    try:
        with pytest.raises(KeyboardInterrupt):
            for _ in range(100):            # until the interrupt lands inside backward()
                y.backward()
                before = [v.grad for v in nodes]
    finally:
        timer.cancel()
    assert w.grad != 0.0 and [v.grad for v in nodes] == before


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


@pytest.mark.interpreted
@pytest.mark.parametrize("body, message", [
    ("data = property(lambda self: 1.0)", "redefines 'data' but not '_data'"),
    ("_data = property(lambda self: 1.0)", "redefines '_data' but not 'data'"),
    ("__slots__ = ('grad',)", "redefines 'grad' but not '_grad'"),
    ("grad = None", "redefines 'grad' but not '_grad'"),     # (None: not 'the same as none')
    ("data = None", "redefines 'data' but not '_data'"),
])
def test_a_subclass_redefining_data_or_grad_alone_is_refused(body, message):
    """The engine reads and writes the slots _data and _grad; a property on the public
    name alone would be passed over by every op and backward: a silently different
    number, so defining such a subclass is an error naming both names."""
    with pytest.raises(TypeError, match=message):
        exec(f"class Sub(Value):\n    {body}\n", {"Value": Value})


@pytest.mark.compiled
@pytest.mark.parametrize("body", ["_grad = property(lambda self: 1.0)\n    grad = _grad",
                                  "__slots__ = ('_data',)", "data = 2.0"])
def test_the_compiled_engine_refuses_any_subclass_redefining_data_or_grad(body):
    """The compiled ops read the class's fields, not a subclass's property: refused."""
    with pytest.raises(TypeError, match="the compiled engine reads and writes the field"):
        exec(f"class Sub(Value):\n    {body}\n", {"Value": Value})


@pytest.mark.interpreted
def test_a_subclass_redefining_both_names_as_one_is_used_by_the_engine():
    class Rounded(Value):
        __slots__ = ("_raw",)

        @property
        def _data(self):
            return round(self._raw, 1)

        @_data.setter
        def _data(self, value):
            self._raw = value

        data = _data

    a = Rounded(1.26)
    assert a.data == 1.3
    y = a * a                                   # the op reads the rounded number
    assert y.data == 1.3 * 1.3
    y.backward()
    assert a.grad == 2 * 1.3
