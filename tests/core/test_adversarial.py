"""Findings of an adversarial review (user ops, numbers, interrupts, compile), each with
the right number or a clear error now."""

import gc
import math
import threading

import pytest

from autograd_mini import Value, compile, grad, op


def test_a_negative_constant_base_keeps_its_parentheses():
    @op(lambda x, out: out * math.log(2.0))
    def negpow(x):
        return (-2.0) ** x
    assert negpow(Value(2.0)).data == 4.0 == negpow(2.0)


def test_a_derivative_with_a_default_argument_gets_it():
    for k in (2.0, 3.0):
        scaled = op(lambda x, k=k: k)(lambda x, k=k: k * x)
        x = Value(5.0)
        y = scaled(x)
        y.backward()
        assert (y.data, x.grad) == (5.0 * k, k)


def test_two_lambda_ops_keep_their_own_derivatives():
    square = op(lambda x: 2.0 * x)(lambda x: x * x)
    cube = op(lambda x: 3.0 * x * x)(lambda x: x ** 3)
    x = Value(2.0)
    g = grad(square(x), x, create_graph=True)
    assert g.data == 4.0 and grad(cube(x), x, create_graph=True).data == 12.0


K = 3.0


def test_a_global_a_user_op_reads_is_read_when_it_runs_everywhere():
    global K

    @op(lambda x: K)
    def scale(x):
        return K * x
    K = 10.0
    x = Value(1.0)
    y = scale(x)
    y.backward()
    assert (y.data, x.grad) == (10.0, 10.0)
    unrelated = Value(1.0)                                          # as PyTorch: an error,
    with pytest.raises(RuntimeError, match="not part of the graph"):    # None or 0 on request
        grad(scale(Value(1.0)), unrelated)
    assert grad(scale(Value(1.0)), unrelated, allow_unused=True) is None
    assert grad(scale(Value(1.0)), unrelated, materialize_grads=True).data == 0.0
    x2 = Value(1.0)
    assert grad(scale(x2), x2, create_graph=True).data == 10.0
    K = 3.0


def test_equality_tests_in_a_user_op_run_as_written():
    @op(lambda x: 1.0)
    def nan_to_zero(x):
        return 0.0 if x != x else x
    assert nan_to_zero(Value(float("nan"))).data == 0.0
    assert nan_to_zero(Value(2.5)).data == 2.5


def test_a_user_op_giving_a_complex_or_a_value_is_an_error_naming_it():
    @op(lambda x, out: 0.5 / out)
    def root(x):
        return x ** 0.5
    with pytest.raises(TypeError, match="root result must be a real number.*complex"):
        root(Value(-4.0))

    @op(lambda x: Value(1.0))
    def leaky(x):
        return x
    with pytest.raises(TypeError, match="local derivative must be a real number.*Value"):
        leaky(Value(1.0))
    assert type(op(lambda x: 1.0)(lambda x: round(x))(Value(2.4)).data) is float


def test_zero_to_a_nan_power_hides_no_nan():
    x, y = Value(0.0), Value(float("nan"))
    (x ** y).backward()
    assert math.isnan(x.grad) and math.isnan(y.grad)            # as PyTorch


def test_create_graph_refuses_a_graph_whose_data_changed():
    x = Value(2.0)
    y = x * x
    x.data = 3.0
    assert grad(y, x).data == 4.0                               # the stored derivative
    with pytest.raises(RuntimeError, match="data changed after the graph was built"):
        grad(y, x, create_graph=True)


def test_create_graph_with_a_singular_constant_operand_gives_ieee_values():
    x = Value(2.0)
    assert math.isnan(grad((-2.0) ** x, x, create_graph=True).data)
    x = Value(1.0)
    g = grad(Value(math.inf) / 0.0 + x * 0.0, x, create_graph=True)
    assert math.isnan(g.data) or g.data == 0.0


def test_an_interrupt_as_the_collector_is_put_back_restores_every_grad(monkeypatch):
    was = gc.isenabled()
    gc.enable()
    x, w = Value(0.5, "x"), Value(-1.5, "w")
    y = (x * w).tanh()
    y.backward()
    before = (x.grad, w.grad, y.grad)
    real_enable, calls = gc.enable, []

    def enable_interrupted():
        calls.append(1)
        if len(calls) == 1:                                     # the with-block's exit
            raise KeyboardInterrupt
        real_enable()
    monkeypatch.setattr(gc, "enable", enable_interrupted)
    try:
        with pytest.raises(KeyboardInterrupt):
            y.backward()
        assert (x.grad, w.grad, y.grad) == before
        assert gc.isenabled()
    finally:
        monkeypatch.undo()
        (gc.enable if was else gc.disable)()


def test_compile_calls_user_ops_as_eager_does():
    a, a_b = 2.0, 5.0                                           # noqa: F841

    @op(lambda x: a + a_b * x)
    def uses_globals(x):
        return a * x + a_b * x * x / 2
    gate = op(lambda x, out: x > 0.0 and 1.0 or 0.0)(lambda x: max(x, 0.0))
    spike = op(lambda x: math.inf)(lambda x: x * math.inf)

    def fn(x):
        return uses_globals(x) + gate(x) * 2.0
    step = compile(fn)
    for data in (1.5, -0.5, 2.0):
        x = Value(data)
        eager = fn(x)
        eager.backward()
        xc = Value(data)
        assert step(xc) == eager.data and xc.grad == x.grad
    with pytest.raises(OverflowError, match="overflows"):     # finite in, inf out: the
        spike(Value(1.0))                                       # one rule for every op
    with pytest.raises(OverflowError, match="overflows"):
        compile(lambda x: spike(x))(Value(1.0))
    assert spike(Value(math.inf)).data == math.inf              # inf in: IEEE, as torch


def test_another_threads_comparisons_are_not_traced_as_guards():
    stop = threading.Event()

    def compare():
        v = Value(1.0)
        while not stop.is_set():
            _ = v > 0.5
    t = threading.Thread(target=compare)
    t.start()
    try:
        step = compile(lambda x: x * x + 1.0)
        for k in range(50):
            assert step(Value(float(k))) == k * k + 1.0
        assert step.traces == 1
    finally:
        stop.set()
        t.join()


def test_an_op_of_three_inputs_refuses_a_number_with_or_without_grad():
    from autograd_mini import no_grad
    prod3 = op(lambda a, b, c: b * c, lambda a, b, c: a * c,
               lambda a, b, c: a * b)(lambda a, b, c: a * b * c)
    x, z = Value(2.0), Value(4.0)
    assert prod3(x, Value(3.0), z).data == 24.0
    with pytest.raises(TypeError, match="an op of 3 inputs takes Values only"):
        prod3(x, 3.0, z)
    with no_grad(), pytest.raises(TypeError, match="an op of 3 inputs takes Values only"):
        prod3(x, 3.0, z)


def test_calling_an_op_gives_a_number_or_a_value_never_a_stray_object():
    from autograd_mini.core.ops import ADD
    root = op(lambda x, out: 0.5 / out)(lambda x: x ** 0.5)
    with pytest.raises(TypeError, match="result must be a real number.*complex"):
        root(-4.0)                                  # plain numbers: checked too
    assert root(4.0) == 2.0
    with pytest.raises(TypeError, match=r"\+: inputs must be Values or real numbers"):
        ADD(Value(1.0), "x")
