"""core/grads.py: a node's gradient is the number in ``_grad`` unless ``_grad_value``
says .grad is None or a Value. What users see through ``.grad``: the same on both engines."""

import copy
import gc
import math
import pickle

import pytest

from autograd_mini import Value, compile
from autograd_mini.core.grads import UNSET, grad_of
from autograd_mini.core.node import COMPILED, Node
from autograd_mini.nn import MLP


def test_grad_keeps_what_is_assigned_as_a_float_none_or_a_value():
    v = Value(2.0)
    v.grad = 3
    assert v.grad == 3.0 and type(v.grad) is float
    v.grad = True
    assert v.grad == 1.0 and type(v.grad) is float
    v.grad = None
    assert v.grad is None
    g = Value(5.0)
    v.grad = g
    assert v.grad is g
    v.grad = -0.0
    assert type(v.grad) is float and math.copysign(1.0, v.grad) == -1.0


@pytest.mark.parametrize("bad, kind", [("1.0", "str"), ([1.0], "list"), (1j, "complex")])
def test_grad_refuses_what_is_not_a_number_none_or_a_value(bad, kind):
    v = Value(2.0)
    v.grad = 4.0
    with pytest.raises(TypeError, match=f"Value grad must be a real number, None or a "
                                        f"Value, got {kind}"):
        v.grad = bad
    assert v.grad == 4.0                       # unchanged


def test_a_huge_int_grad_is_an_overflow_error_naming_grad():
    v = Value(2.0)
    with pytest.raises(OverflowError, match="Value grad is too large for a float"):
        v.grad = 10 ** 400


def test_numpy_scalars_are_their_number():
    np = pytest.importorskip("numpy")
    v = Value(1.0)
    v.grad = np.float32(0.5)
    assert v.grad == 0.5 and type(v.grad) is float
    v.grad = np.int64(3)
    assert v.grad == 3.0 and type(v.grad) is float


def test_backward_onto_none_grads_gives_this_pass_alone():
    x, w = Value(0.5), Value(-1.5)
    x.grad = w.grad = None
    (x * w).backward()
    assert (x.grad, w.grad) == (-1.5, 0.5)


def test_backward_onto_a_value_grad_adds_out_of_place_as_torch():
    """A create_graph gradient (a Value) plus a plain pass stays a Value: g + number."""
    x = Value(3.0)
    (x * x).backward(create_graph=True)
    first = x.grad
    assert isinstance(first, Value) and first.data == 6.0
    (x * x).backward()
    assert isinstance(x.grad, Value) and x.grad.data == 12.0
    assert x.grad.parents[0] is first          # first + 6.0: differentiable still
    x.grad.backward()                          # d(2x + 6)/dx
    assert isinstance(x.grad, Value)


def test_an_interrupted_backward_puts_back_none_and_value_grads():
    """Ctrl-C inside the walk (here: in a hook): every .grad as it was, None and a
    create_graph Value included, and the collector as it was."""
    x, w, u = Value(0.5, "x"), Value(-1.5, "w"), Value(2.0, "u")
    y = (x * w + u).tanh()
    x.grad, u.grad, w.grad = None, Value(7.0), 0.25
    kept = u.grad

    def interrupt(g):
        raise KeyboardInterrupt
    y.register_hook(interrupt)
    was = gc.isenabled()
    with pytest.raises(KeyboardInterrupt):
        y.backward()
    assert x.grad is None and u.grad is kept and w.grad == 0.25 and y.grad == 0.0
    assert gc.isenabled() is was


@pytest.mark.parametrize("grad", [0.75, None, "value"])
def test_pickle_and_copy_keep_the_grad(grad):
    v = Value(1.5, "v")
    v.grad = Value(4.0) if grad == "value" else grad
    for back in (pickle.loads(pickle.dumps(v)), copy.deepcopy(v), copy.copy(v)):
        g = back.grad
        if grad == "value":
            assert isinstance(g, Value) and g.data == 4.0
        else:
            assert g == grad
        assert back.data == 1.5 and back.label == "v"


def test_a_pickled_graph_backwards_as_the_original():
    x, w = Value(0.5), Value(-1.5)
    y = (x * w).tanh() + x
    x2 = pickle.loads(pickle.dumps(y))
    y.backward()
    x2.backward()
    (a, b), (c, d) = [(n.parents[0], n) for n in (y, x2)]
    assert x2.grad == y.grad == 1.0 and a.grad == c.grad


def test_the_unset_marker_pickles_as_itself_and_the_slot_reads_it():
    v = Value(1.0)
    v.grad = None
    assert v._grad_value is UNSET and grad_of(v) is None
    assert pickle.loads(pickle.dumps(UNSET)) is UNSET and copy.deepcopy(UNSET) is UNSET


def test_compile_replays_onto_none_grads_as_eager_does():
    """A compiled step after zero_grad(set_to_none=True): the same grads as eager."""
    def loss_of(model, x):
        return sum((s - 1.0) ** 2 for s in model(x))
    eager, traced = MLP(3, [4, 2], seed=3), MLP(3, [4, 2], seed=3)
    x = [0.5, -1.0, 2.0]
    step = compile(lambda: loss_of(traced, x))
    for _ in range(2):
        eager.zero_grad(set_to_none=True)
        traced.zero_grad(set_to_none=True)
        loss_of(eager, x).backward()
        step()
        assert [p.grad for p in traced.parameters()] == [p.grad for p in eager.parameters()]
        assert all(type(p.grad) is float for p in traced.parameters())


def test_a_hook_that_writes_a_grad_mid_pass_changes_no_other_gradient():
    """A hook may assign any node's .grad while backward() runs (None, a number): the
    pass is computed aside, so that write is what that .grad held before the pass (as
    torch's AccumulateGrad adds to what a leaf holds when its gradient is ready), and no
    other node's gradient changes. (The pass was summed in the .grad slots: a hook's
    write replaced a partial sum, x.grad 206.0 where the chain rule gives 6.0.)"""
    x = Value(1.0, "x")
    h = x * 2.0
    y = h * 3.0
    y.register_hook(lambda g: setattr(h, "grad", 100.0))
    y.backward()
    assert x.grad == 6.0 and h.grad == 103.0 and y.grad == 1.0
    x, w = Value(0.5, "x"), Value(-1.5, "w")        # a leaf's grad set to None mid-pass:
    x.grad, w.grad = 0.25, 2.0                      # the pass alone (None + pass)
    h = x * w
    y = h.tanh()

    def clear_w(g):
        w.grad = None
    h.register_hook(clear_w)
    y.backward()
    d = 1.0 - y.data * y.data                       # tanh'(h)
    assert x.grad == 0.25 + d * -1.5 and w.grad == d * 0.5


def test_pickles_of_the_previous_layout_load_and_checked():
    """A state as 64d84b0 wrote it (no _grad_value; .grad under '_grad': a float, None or
    a Value) loads on both engines; a .grad that is not a number, None or a Value is
    refused on load, as on assignment."""
    g = Value(4.0)
    base = {"_data": 1.5, "op": "", "label": "v", "_p0": None, "_p1": None, "_d1": None}
    for old in (0.75, None, g):
        v = Value.__new__(Value)
        v.__setstate__((None, {**base, "_grad": old}))
        assert v.grad is old or v.grad == old
        assert v.data == 1.5 and v.label == "v" and v._grad_value is (
            UNSET if old is None else g if old is g else None)
        state = v.__getstate__()[1]
        assert "_grad_value" not in state and (state["_grad"] is old or state["_grad"] == old)
    v = Value.__new__(Value)
    with pytest.raises(TypeError, match="Value grad must be a real number, None or a Value"):
        v.__setstate__((None, {**base, "_grad": "junk"}))


class NoInit(Value):
    def __init__(self, v):                      # forgets super().__init__
        self.data = v


def test_a_subclass_that_never_called_init_still_pickles_and_copies():
    for back in (pickle.loads(pickle.dumps(NoInit(1.5))), copy.deepcopy(NoInit(1.5))):
        assert type(back) is NoInit and back.data == 1.5 and back.grad == 0.0


def test_del_grad_leaves_none_and_del_data_is_an_error():
    """``del v.grad`` makes it None (as torch's ``del t.grad``); ``del v.data`` is an
    AttributeError naming what to do. (Compiled, mypyc's own property setters took a
    deletion for an assignment of nothing and crashed the interpreter.)"""
    class Mine(Value):
        pass

    for v in (Value(1.0), Mine(1.0)):
        v.grad = 2.0
        del v.grad
        assert v.grad is None
        (v * 3.0).backward()
        assert v.grad == 3.0                        # None + the pass: the pass
        with pytest.raises(AttributeError, match="data cannot be deleted: assign a number"):
            del v.data
        assert v.data == 1.0


def test_data_and_grad_are_python_properties_with_a_deleter():
    for name in ("data", "grad"):
        prop = vars(Node)[name]
        assert isinstance(prop, property) and prop.fdel is not None
        if not COMPILED:                            # (mypyc keeps no docstring of a getter)
            assert prop.__doc__.startswith({"data": "The number",
                                             "grad": "d(output)/d(this node)"}[name])
