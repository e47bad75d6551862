"""compile() guards what its trace assumed: a compiled call returns what eager returns, or
raises CompileError, never another number (issue 12)."""

import math
import struct

import pytest

from autograd_mini import CompileError, Value, compile
from autograd_mini.nn import MLP


def bits(x):
    return struct.pack("<d", x)


def grads_of(*values):
    return [v.grad for v in values]


# ------------------------------------------------------------------------ aliasing
def test_the_same_value_twice_then_two_values():
    step = compile(lambda a, b: a * b)
    x = Value(3.0)
    assert step(x, x) == 9.0 and x.grad == 6.0          # eager: one node, d(x*x)/dx = 2x
    a, b = Value(2.0), Value(5.0)
    assert step(a, b) == 10.0 and grads_of(a, b) == [5.0, 2.0]
    assert step.traces == 2


def test_two_values_then_the_same_value_twice():
    step = compile(lambda a, b: a * b + b)
    a, b = Value(2.0), Value(5.0)
    assert step(a, b) == 15.0 and grads_of(a, b) == [5.0, 3.0]
    x = Value(3.0)
    assert step(x, x) == 12.0 and x.grad == 7.0          # x*x + x: 2x + 1
    assert step(Value(1.0), Value(4.0)) == 8.0 and step.traces == 2


def test_an_argument_that_fn_also_reads_directly():
    w = Value(3.0, "w")
    step = compile(lambda a: a * w)
    a = Value(2.0)
    assert step(a) == 6.0 and grads_of(a, w) == [3.0, 2.0]
    w.grad = 0.0
    assert step(w) == 9.0 and w.grad == 6.0              # eager: w * w, one leaf
    w.grad, a.grad = 0.0, 0.0
    assert step(a) == 6.0 and grads_of(a, w) == [3.0, 2.0]
    assert step.traces == 2


def test_traced_with_the_captured_value_first():
    w = Value(3.0, "w")
    step = compile(lambda a: a * w)
    assert step(w) == 9.0 and w.grad == 6.0
    w.grad = 0.0
    b = Value(2.0)
    assert step(b) == 6.0 and grads_of(b, w) == [3.0, 2.0]   # not b * b
    assert step.traces == 2


# ------------------------------------------------------------------------ numbers
def test_a_number_argument_reaches_fn_as_itself():
    seen = []

    def f(x, mode):
        seen.append(mode)
        return x * 2 if mode == 1 else x * 5
    step = compile(f)
    x = Value(1.0)
    assert step(x, 1) == 2.0 and x.grad == 2.0
    assert type(seen[0]) is int and seen[0] == 1
    x.grad = 0.0
    assert step(x, 2) == 5.0 and x.grad == 5.0
    assert step(x, 1) == 2.0 and step.traces == 2


def test_range_of_a_number_argument_and_retracing_on_its_value():
    step = compile(lambda x, n: sum((x * k for k in range(1, n + 1)), Value(0.0)))
    x = Value(2.0)
    assert step(x, 3) == 12.0 and x.grad == 6.0          # x + 2x + 3x
    x.grad = 0.0
    assert step(x, 4) == 20.0 and x.grad == 10.0
    assert step.traces == 2


def test_numbers_are_told_apart_by_type_and_bits():
    step = compile(lambda x, c: x * c)
    x = Value(2.0)
    assert bits(step(x, 0.0)) == bits(0.0)
    assert bits(step(x, -0.0)) == bits(-0.0)              # -0.0 is another trace
    assert math.isnan(step(x, math.nan)) and math.isnan(step(x, math.nan))
    assert step.traces == 3


def test_a_number_that_changes_every_call_hits_the_limit_by_name():
    step = compile(lambda x, lr: x * lr)
    x = Value(1.0)
    for k in range(8):
        assert step(x, k) == float(k)
    with pytest.raises(CompileError, match=r"more than 8 traces.*the number args\[1\] "
                                           r"\(traced with 7, now 8\).*as a Value"):
        step(x, 8)
    assert step(x, 3) == 3.0                              # the traces still work
    assert step.traces == 8


# ------------------------------------------------------------------------ comparisons
def test_a_comparison_that_keeps_changing_is_named_at_the_limit():
    x = Value(0.0, "x")
    thresholds = [float(t) for t in range(9)]

    def f():
        k = sum(1 for t in thresholds if x > t)           # 10 outcomes: 10 graphs
        return x * (k + 1)
    step = compile(f)
    for k in range(8):
        x.data = k + 0.5
        assert step() == (k + 0.5) * (k + 2)
    x.data = 8.5
    with pytest.raises(CompileError, match=r"more than 8 traces.*the comparison `x > \d"):
        step()
    assert step.traces == 8


def test_a_float_error_before_a_guard_tries_the_other_trace():
    x = Value(2.0, "x")
    step = compile(lambda: x.log() if x > 0 else (-x).log())
    assert step() == math.log(2.0)
    x.data = -3.0
    assert step() == math.log(3.0) and step.traces == 2
    x.data = 0.0                                          # eager raises: so does compile
    with pytest.raises(ValueError, match="log: operand must be > 0"):
        step()
    assert step.traces == 2


# ------------------------------------------------------------------------ names
def test_labels_never_become_names():
    a, b = Value(2.0, "\N{MICRO SIGN}"), Value(3.0, "\N{GREEK SMALL LETTER MU}")
    step = compile(lambda: a * b + b)
    assert step() == 9.0 and grads_of(a, b) == [3.0, 3.0]


def test_labels_that_could_break_the_code_stay_in_escaped_comments():
    nasty = ['x\n"""\nimport os', "'''", "\\", "a\rb", "\u2028", "#", "g0", "V", "_P"]
    leaves = [Value(float(k + 1), label) for k, label in enumerate(nasty)]

    def f():
        y = sum((v * v for v in leaves), Value(0.0, '"""'))
        y.label = "\n"
        return y
    step = compile(f)
    assert step() == sum(float(k + 1) ** 2 for k in range(len(nasty)))
    assert grads_of(*leaves) == [2.0 * (k + 1) for k in range(len(nasty))]
    assert "import os" not in step.source.replace("\\nimport os", "")


# ------------------------------------------------------------------------ non-leaf arguments
def test_a_non_leaf_argument_is_refused_at_call_time_too():
    w = Value(2.0, "w")
    step = compile(lambda a: a * a)
    assert step(Value(1.5)) == 2.25
    with pytest.raises(CompileError, match=r"args\[0\] is the result of an op \('\*'\).*"
                                           r"not a leaf.*\.detach\(\)"):
        step(w * 3)
    assert w.grad == 0.0


def test_a_non_leaf_argument_is_refused_at_tracing_time():
    w = Value(2.0, "w")
    step = compile(lambda a: a * a)
    with pytest.raises(CompileError, match="result of an op"):
        step([w.tanh()])
    assert step.traces == 0
    with pytest.raises(CompileError, match="result of an op"):
        step((w * 3).detach() + 1)
    d = (w * 3).detach()                                  # a leaf: fine
    assert step(d) == 36.0 and d.grad == 12.0 and w.grad == 0.0


# ------------------------------------------------------------------------ stale parameters
def moons_loss(get_model):
    X = [[0.5, -0.2], [-1.0, 0.7], [1.5, 0.1]]
    y = [1, -1, 1]

    def loss():
        model = get_model()
        scores = [model(row) for row in X]
        return sum(((1 + -yi * si).relu() for yi, si in zip(y, scores)), Value(0.0))
    return loss


def test_check_sees_a_replaced_model(tmp_path):
    holder = {"model": MLP(2, [4, 1], seed=1)}
    step = compile(moons_loss(lambda: holder["model"]))
    step()
    assert step.check() is True
    path = tmp_path / "m.json"
    MLP(2, [4, 1], seed=7).save(str(path))
    holder["model"] = MLP.from_file(str(path))            # new parameter Values
    with pytest.raises(CompileError, match=r"captured parameters changed.*compile\(fn\) "
                                           r"again.*model\.load\(path\)"):
        step.check()
    step = compile(moons_loss(lambda: holder["model"]))   # what the message says
    step()
    assert step.check() is True
    holder["model"].load(str(path))                       # weights in place: no recompile
    assert step.check() is True


def test_check_leaves_every_grad_as_it_was():
    holder = {"model": MLP(2, [3, 1], seed=2)}
    step = compile(moons_loss(lambda: holder["model"]))
    step()
    before = [p.grad for p in holder["model"].parameters()]
    old = holder["model"]
    holder["model"] = MLP(2, [3, 1], seed=3)
    with pytest.raises(CompileError, match="captured parameters changed"):
        step.check()
    assert [p.grad for p in old.parameters()] == before
    assert all(p.grad == 0.0 for p in holder["model"].parameters())


def test_check_sees_a_node_computed_outside_fn():
    x = Value(1.0, "x")
    outside = x * x                                       # computed before fn runs
    step = compile(lambda: outside * x)
    try:
        step()
    except CompileError as e:                             # an engine without constants
        assert "computed before fn was called" in str(e)
        return
    x.data = 2.0                                          # eager keeps outside.data = 1
    with pytest.raises(CompileError, match="computed before fn was called"):
        step.check()


# ------------------------------------------------------------------------ IEEE special cases
def test_where_the_replay_meets_an_ieee_case_the_call_is_an_eager_step():
    x = Value(0.0, "x")
    step = compile(lambda: x.sqrt() * 2.0)               # d sqrt/dx at 0: 0.5 / 0
    for _ in range(3):
        x.grad = 0.0
        assert step() == 0.0 and x.grad == math.inf       # eager: inf, as PyTorch
    assert step.traces == 1                               # no new trace each time
    for data, grad in ((4.0, 0.5), (math.inf, 0.0)):
        x.data, x.grad = data, 0.0
        y = x.sqrt() * 2.0
        y.backward()
        expected = (y.data, x.grad)
        x.grad = 0.0
        assert (step(), x.grad) == expected == (2.0 * math.sqrt(data), grad)


def test_del_grad_or_data_inside_fn_is_refused_by_name():
    """``del x.grad`` inside a traced fn is ``x.grad = None``: refused as any write of
    .grad; ``del x.data`` is the error eager gives (it was a bare 'property ... has no
    deleter' from the properties the trace swaps in)."""
    def drop_grad(x):
        y = x * x
        del x.grad
        return y

    def drop_data(x):
        del x.data
        return x * x
    with pytest.raises(CompileError, match=r"reads or writes the \.grad of"):
        compile(drop_grad)(Value(3.0))
    with pytest.raises(AttributeError, match="data cannot be deleted: assign a number"):
        compile(drop_data)(Value(3.0))
    assert (Value(2.0) * 3.0).data == 6.0               # the properties are back
