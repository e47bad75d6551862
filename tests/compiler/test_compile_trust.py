"""compile() never returns a number eager would not (issue 18, items 1-3): side effects
on ``.data`` inside fn, implicit reads of a Value's number (conversions), a compiled
function called while another is traced, keyword arguments. Each case: the eager
result, or a CompileError that names the cause."""

import math
import struct

import pytest

from autograd_mini import CompileError, Value, compile


def bits(x):
    return b"nan" if x != x else struct.pack("<d", x)


def eager_outcome(fn, leaves, *args, **kwargs):
    """fn's output and gradients, eagerly, from zeroed grads (grads left as they were)."""
    saved = [v.grad for v in leaves]
    for v in leaves:
        v.grad = 0.0
    out = fn(*args, **kwargs)
    out.backward()
    result = (bits(out.data), [bits(v.grad) for v in leaves])
    for v, g in zip(leaves, saved):
        v.grad = g
    return result


def compiled_outcome(step, leaves, *args, **kwargs):
    saved = [v.grad for v in leaves]
    for v in leaves:
        v.grad = 0.0
    value = step(*args, **kwargs)
    result = (bits(value), [bits(v.grad) for v in leaves])
    for v, g in zip(leaves, saved):
        v.grad = g
    return result


# ------------------------------------------------------------------------ 1. .data writes
def test_a_data_update_inside_fn_is_named_not_dropped():
    w = Value(2.0, "w")

    def f(x):
        w.data *= 0.5
        return w * x
    step = compile(f)
    x = Value(1.0, "x")
    assert step(x) == 1.0 and w.data == 1.0           # the trace is an eager call
    with pytest.raises(CompileError, match=r"changes .*\.data of 'w' \(1\.0 -> 0\.5\)"):
        step(x)
    assert w.data == 1.0                              # the refused call left it as it was


def test_a_clipping_forward_is_named_by_the_call_and_by_check():
    w = Value(0.5, "w")

    def f(x):
        w.data = min(max(w.data, -1.0), 1.0)          # clip, then use
        return (w * x + 2.0) ** 2.0
    x = Value(3.0, "x")
    step = compile(f)
    assert step(x) == (0.5 * 3.0 + 2.0) ** 2.0
    w.data = 7.0
    with pytest.raises(CompileError, match=r"\.data of 'w' \(7\.0 -> 1\.0\)"):
        step.check(x)                                 # check() never passes it
    assert w.data == 7.0
    with pytest.raises(CompileError, match=r"\.data of 'w' \(7\.0 -> 1\.0\)"):
        step(x)                                       # nor does the checked second call
    assert w.data == 7.0


def test_a_mutated_argument_is_named_at_the_first_call():
    def f(x):
        x.data += 1.0
        return x * 2.0
    x = Value(1.0, "x")
    with pytest.raises(CompileError, match=r"changes .*\.data of args\[0\] 'x'"):
        compile(f)(x)
    assert x.data == 1.0


def test_a_computed_value_whose_data_fn_overwrites_is_caught():
    def f(x):
        y = x * 2.0
        y.data = 5.0                                  # eager: the graph uses 5.0
        return y * 3.0
    x = Value(1.0, "x")
    step = compile(f)
    assert step(x) == 15.0
    x.data = 2.0
    with pytest.raises(CompileError, match=r"replay of f differs from f run eagerly"):
        step(x)


def test_the_second_call_checks_the_trace_then_calls_replay():
    w = Value(0.5, "w")
    calls = []

    def f(x):
        calls.append(1)
        return (w * x).tanh()
    step = compile(f)
    x = Value(0.25, "x")
    outcomes = [compiled_outcome(step, [w, x], x) for _ in range(4)]
    assert len(calls) == 2                            # the trace, the checked call; replays
    assert outcomes == [eager_outcome(f, [w, x], x)] * 4


def test_a_number_read_from_outside_that_changes_is_caught_at_the_second_call():
    scale = {"k": 2.0}
    w = Value(0.5, "w")
    step = compile(lambda: w * scale["k"])
    assert step() == 1.0
    scale["k"] = 3.0
    with pytest.raises(CompileError, match=r"graph changed at node 1.*constant 2\.0.*3\.0"):
        step()


# ------------------------------------------------------------------------ 2. conversions
@pytest.mark.parametrize("convert, points", [
    (math.floor, (1.5, 2.5, -0.5)), (math.ceil, (1.5, 2.5, -0.5)),
    (math.trunc, (1.5, 2.5, -1.5)), (int, (1.5, 2.5, -1.5)), (round, (1.4, 2.6, 2.5)),
    (lambda a: round(a, 1), (1.44, 2.66, -0.04)), (float, (1.5, 2.5, 1.5)),
    (lambda a: a.item(), (1.5, -2.0, 1.5)),
    (lambda a: 2.0 if math.isfinite(a) else -1.0, (1.5, math.inf, 2.5)),
])
def test_conversions_of_a_values_number_are_guarded(convert, points):
    def f(a):
        return a * convert(a) + a
    step = compile(f)
    for x in points:
        a = Value(x, "a")
        assert compiled_outcome(step, [a], a) == eager_outcome(f, [a], a), x


def test_floor_gives_eagers_numbers_the_issue_case():
    step = compile(lambda a: a * math.floor(a))
    assert [step(Value(1.5)), step(Value(2.5))] == [1.5, 5.0]
    assert step.traces == 2


def test_a_conversion_that_keeps_changing_is_named_at_the_limit():
    step = compile(lambda a: a * float(a))
    with pytest.raises(CompileError, match=r"keeps failing: the conversion `float\(a\)`"):
        for k in range(12):
            step(Value(1.0 + k, "a"))


@pytest.mark.parametrize("text", [lambda a: f"{a}", lambda a: f"{a:.3f}",
                                  lambda a: format(a, "g")])
def test_formatting_a_value_is_refused_by_name(text):
    def f(a):
        label = text(a)
        return a * float(len(label) > 0)
    with pytest.raises(CompileError, match=r"formats a Value as text"):
        compile(f)(Value(1.5, "a"))


@pytest.mark.parametrize("text", [str, repr, lambda a: print(a) or "printed"])
def test_str_of_a_value_is_refused_by_name(text, capsys):
    """str(v) (eager: 1.5 -> 'Value(data=1.5, ...)', a text whose length depends on the
    number) would be frozen into the replay: refused, naming it, on the traced call."""
    def f(a):
        return a * float(len(text(a)))
    step = compile(f)
    with pytest.raises(CompileError, match=r"turns a Value into text"):
        step(Value(1.5, "a"))
        step(Value(1.25, "a"))


# ------------------------------------------------------------------------ 3. calls
def test_a_compiled_function_called_while_another_is_traced_is_named():
    inner = compile(lambda x: x * x)
    outer = compile(lambda x: inner(x) * 2.0)
    with pytest.raises(CompileError, match=r"calls the compiled function <lambda> while "
                                           r"<lambda> is traced.*inner\.fn"):
        outer(Value(3.0))


def test_calling_the_inner_plain_function_works():
    inner = compile(lambda x: x * x)
    outer = compile(lambda x: inner.fn(x) * 2.0)
    x = Value(3.0)
    assert outer(x) == 18.0 and x.grad == 12.0


def test_keyword_arguments_are_arguments():
    w = Value(0.5, "w")

    def f(x, scale=1.0, bias=None):
        y = w * x * scale
        return y + bias if bias is not None else y
    step = compile(f)
    x, b = Value(2.0, "x"), Value(0.25, "b")
    for kwargs in ({}, {"scale": 2.0}, {"scale": 3.0}, {"bias": b}, {"scale": 2.0}):
        assert compiled_outcome(step, [w, x, b], x, **kwargs) == \
            eager_outcome(f, [w, x, b], x, **kwargs), kwargs
    assert step.traces == 4
    with pytest.raises(TypeError, match=r"kwargs\['scale'\] must be a number, a Value"):
        step(x, scale="2")


# ------------------------------------------------------------------------ random side effects
EFFECTS = ["none", "halve captured before use", "halve captured after use",
           "bump argument", "overwrite computed", "read then halve"]


def effect_program(effect, seed):
    """fn(x, y) over captured c, with one side effect on some Value's .data."""
    import random
    rng = random.Random(seed)
    ops = [rng.choice(["tanh", "mul", "add", "exp"]) for _ in range(4)]

    def fn(c, x, y):
        if effect == "halve captured before use":
            c.data *= 0.5
        if effect == "bump argument":
            x.data += 1.0
        h = x * c + y
        for op in ops:
            h = {"tanh": h.tanh, "mul": lambda h=h: h * c, "add": lambda h=h: h + x,
                 "exp": lambda h=h: (h * 0.1).exp()}[op]()
        if effect == "overwrite computed":
            h.data = 0.75
        if effect == "halve captured after use":
            c.data *= 0.5
        if effect == "read then halve":
            c.data = c.data * 0.5 if c.data > 0.1 else c.data
        return h * y
    return fn


@pytest.mark.parametrize("effect", EFFECTS)
@pytest.mark.parametrize("seed", range(4))
def test_random_side_effects_give_eagers_numbers_or_a_named_refusal(effect, seed):
    """Two worlds, one eager and one compiled: after every call their numbers and data
    agree bit for bit, or the compiled call raised CompileError and changed nothing."""
    fn = effect_program(effect, seed)
    world_e = [Value(v, n) for v, n in ((0.8, "c"), (0.3, "x"), (-0.6, "y"))]
    world_c = [Value(v.data, v.label) for v in world_e]
    c_e, c_c = world_e[0], world_c[0]
    step = compile(lambda x, y: fn(c_c, x, y))
    for call in range(5):
        before = [v.data for v in world_c]
        try:
            got = compiled_outcome(step, world_c, *world_c[1:])
        except CompileError as e:
            assert effect != "none", e
            assert ".data" in str(e) or "differs from" in str(e), e
            assert [v.data for v in world_c] == before          # nothing changed
            return
        expected = eager_outcome(lambda x, y: fn(c_e, x, y), world_e, *world_e[1:])
        assert got == expected, (effect, call)
        assert [bits(v.data) for v in world_c] == [bits(v.data) for v in world_e]
        for w in (world_e, world_c):                          # an optimizer's update
            for v in w[1:]:
                v.data = v.data * 0.9 + 0.01
    assert effect in ("none", "read then halve"), "a side effect went unseen"


# ------------------------------------------------------------------------ overflow
@pytest.mark.parametrize("shape", ["straight", "rolled", "sum"])
def test_an_overflow_raises_as_eager_even_where_a_later_op_hides_it(shape):
    """The engine raises OverflowError for 1e300 * 1e300 (a finite operand, a result that
    is not): the replay too, also where tanh would squash the inf, and no .grad moves."""
    ws = [Value(0.5, f"w{k}") for k in range(30)]
    x = Value(0.25, "x")

    def f():
        if shape == "straight":
            return (x * ws[0] * ws[1]).tanh() * 3.0
        if shape == "sum":
            return sum(w * 1e300 for w in ws).tanh()
        y = x
        for w in ws:
            y = (y * w * w + 0.5).tanh()
        return y
    step = compile(f)
    for _ in range(3):                                  # the trace, the checked call, a replay
        step()
    for w in ws:
        w.data, w.grad = 1e200, 0.25
    with pytest.raises(OverflowError):
        f()
    with pytest.raises(OverflowError):
        step()
    assert all(w.grad == 0.25 for w in ws) and x.grad != 0.25


def test_a_hook_that_changes_a_gradient_is_caught_by_the_second_call():
    w, x = Value(2.0, "w"), Value(3.0, "x")
    w.register_hook(lambda g: g * 2.0)
    step = compile(lambda: w * x)
    assert step() == 6.0 and w.grad == 6.0             # the first call is eager
    w.grad = 0.0
    with pytest.raises(CompileError, match=r"gradient of leaf 0 'w': eager 6.0, compiled "
                                           r"3.0.*a hook \(register_hook\)"):
        step()
    assert w.grad == 0.0


# ------------------------------------------------------------------------ .data read by fn
def test_a_data_read_inside_fn_is_guarded_as_float():
    """``x * x.data`` (a number read from a Value, no gradient through it): the replay
    must not keep the traced number (it did: 3 -> 6.0 with grad 2.0, eager 9.0 and 3.0)."""
    step = compile(lambda x: x * x.data)
    for d in (2.0, 2.0, 3.0, 5.0, 3.0):
        x, e = Value(d), Value(d)
        out = e * e.data
        out.backward()
        assert step(x) == out.data and x.grad == e.grad, d
    assert step.traces == 3                           # one per number read; 3.0 is replayed


def test_a_captured_parameters_data_read_is_guarded():
    w = Value(2.0, "w")
    step = compile(lambda x: x * (1.0 / max(w.data, 1.0)))
    x = Value(4.0, "x")
    assert step(x) == 2.0 and step(x) == 2.0
    w.data = 4.0                                      # the read number changes: traced again
    assert step(x) == 1.0 and step.traces == 2
    assert x.grad == 0.5 + 0.5 + 0.25                 # d/dx of each call, accumulated


def test_reads_of_data_inside_the_package_are_not_guards():
    """The engine's own ops read .data; only fn's reads are reads of a number."""
    step = compile(lambda a, b: (a * b + a).tanh())
    for a in (0.3, 0.1, 0.2, 0.5):
        step(Value(a), Value(0.4))
    assert step.traces == 1


# ------------------------------------------------------------------------ .grad inside fn
@pytest.mark.parametrize("inside", ["zero", "zero_grad", "read"])
def test_grad_read_or_written_inside_fn_is_refused_by_name(inside):
    """A replay only adds each leaf's gradient to .grad: zeroing inside fn was dropped
    (w.grad 1, 2, 3, 4 over calls; eager 1, 1, 1, 1) and a read kept its traced number."""
    from autograd_mini.nn import Neuron
    model = Neuron(1, seed=0)
    w = model.parameters()[0]
    w.label = "w"

    def f(x):
        if inside == "zero":
            w.grad = 0.0
        elif inside == "zero_grad":
            model.zero_grad()
        else:
            x = x * w.grad
        return w * x
    step = compile(f)
    with pytest.raises(CompileError, match=r"reads or writes the \.grad of 'w'.*outside fn"):
        step(Value(1.0))


@pytest.mark.parametrize("read", [lambda y: y.local_grads[0], lambda y: y.edges[0][1]])
def test_a_nodes_local_derivatives_read_inside_fn_are_refused(read):
    """``y.local_grads`` inside fn gave the traced number in every replay (x * x at 2.0:
    then always 2.0)."""
    def f(x):
        y = x * x
        return y * read(y)
    with pytest.raises(CompileError, match=r"reads a node's local derivatives"):
        compile(f)(Value(2.0))


def test_softmax_replays_its_shift_from_the_current_logits():
    """softmax subtracts the largest logit; as a node (op max_detached) the replay computes
    it from the current logits, so every call equals eager bit for bit even as the largest
    logit changes (read with .data, it was a constant of the trace)."""
    from autograd_mini.nn import functional as F
    ws = [Value(x) for x in (0.1, 0.5, 2.0)]
    step = compile(lambda: F.log_softmax(ws)[0] + F.softmax(ws)[1])
    for k in range(5):
        assert compiled_outcome(step, ws) == eager_outcome(
            lambda: F.log_softmax(ws)[0] + F.softmax(ws)[1], ws), k
        ws[k % 3].data += 1.5 * (k + 1)
    assert step.traces == 1
