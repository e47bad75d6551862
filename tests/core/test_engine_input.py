"""gradcheck, bad input (named errors, never a silent number) and the edge cases of ops:
domain errors, IEEE values, comparisons, constants, subclasses of Value."""

import math
import re

import pytest

from autograd_mini import GradcheckError, Value, grad, gradcheck, no_grad, op

try:
    import torch
except ImportError:  # the PyTorch comparisons skip; CI installs torch so they run
    torch = None

needs_torch = pytest.mark.torch     # skips, naming the install, without torch (conftest.py)


# ---------------------------------------------------------------- gradcheck
def test_gradcheck_passes_and_reports_failures():
    assert gradcheck(lambda a, b: (a * b).tanh() + a.exp(), [Value(0.3), Value(-0.7)]) is True

    @op(lambda a: a)                          # a wrong derivative: d(a^2)/da is 2a
    def bad_square(a):
        return a * a

    with pytest.raises(GradcheckError) as err:
        gradcheck(bad_square, [Value(1.5, "a")])
    assert re.search(r"BAD a: analytic 1\.5, numeric (3\.0000|2\.9999)", str(err.value))


def test_gradcheck_reports_nan():
    with pytest.raises(GradcheckError, match="analytic nan"):
        gradcheck(lambda a: a * float("nan"), [Value(1.0, "a")])


def test_gradcheck_rejects_bad_fn_and_inputs():
    with pytest.raises(TypeError, match="must return one Value, got float"):
        gradcheck(lambda a: 1.0, [Value(1.0)])
    with pytest.raises(TypeError, match=r"inputs\[0\] must be a Value, got int"):
        gradcheck(lambda a: a, [1])


# ---------------------------------------------------------------- bad input
@pytest.mark.parametrize("data,kind", [("3", "str"), (None, "NoneType"), (1 + 2j, "complex"),
                                       ([1.0], "list")])
def test_value_rejects_non_real_data(data, kind):
    with pytest.raises(TypeError, match=f"got {kind}"):
        Value(data)


def test_value_rejects_value_data_and_bad_label():
    with pytest.raises(TypeError, match="got Value"):
        Value(Value(1.0))
    with pytest.raises(TypeError, match="label must be a str, got int"):
        Value(1.0, 5)


def test_value_accepts_ints_bools_and_numpy_like_reals():
    assert Value(3).data == 3.0 and type(Value(3).data) is float
    assert Value(True).data == 1.0
    from fractions import Fraction
    assert Value(Fraction(1, 4)).data == 0.25


@pytest.mark.parametrize("expr", [lambda v: v + "a", lambda v: "a" * v, lambda v: v * None,
                                  lambda v: v ** "2", lambda v: v - [1], lambda v: v / {}])
def test_ops_with_non_numbers_are_type_errors_naming_the_type(expr):
    with pytest.raises(TypeError, match="Value|str|NoneType|list|dict"):
        expr(Value(1.0))


def test_add_str_message_names_str():
    with pytest.raises(TypeError, match="'Value' and 'str'"):
        Value(1.0) + "a"


@pytest.mark.parametrize("x", [0.0, -1.0])
def test_log_of_non_positive(x):
    with pytest.raises(ValueError,
                       match=rf"log: operand must be > 0; got value {x!r} \(label 'x'\)"):
        Value(x, "x").log()


def test_sqrt_of_negative():
    with pytest.raises(ValueError,
                       match=r"sqrt: operand must be >= 0; got value -4.0 \(label 'q'\)"):
        Value(-4.0, "q").sqrt()


def test_division_by_zero():
    with pytest.raises(ZeroDivisionError,
                       match=r"division by zero: divisor is value 0.0 \(label 'd'\)"):
        Value(1.0, "n") / Value(0.0, "d")
    with pytest.raises(ZeroDivisionError, match=r"/: division by zero.*label 'n'"):
        Value(1.0, "n") / 0
    with pytest.raises(ZeroDivisionError, match=r"/: division by zero.*label 'z'"):
        1.0 / Value(0.0, "z")


def test_negative_base_non_integer_exponent():
    with pytest.raises(ValueError,
                       match=r"\*\*: a negative base needs an integer exponent.*0.5.*label 'b'"):
        Value(-2.0, "b") ** 0.5
    with pytest.raises(ValueError, match=r"negative base"):
        Value(-2.0, "b") ** Value(1.5)
    assert (Value(-2.0) ** 3).data == -8.0
    assert (Value(-2.0) ** Value(2.0)).data == 4.0


def test_zero_to_negative_power():
    with pytest.raises(ZeroDivisionError, match=r"0 cannot be raised to the negative power -1"):
        Value(0.0, "z") ** -1


def test_exp_overflow():
    with pytest.raises(OverflowError,
                       match=r"exp: result overflows.*got value 1000.0 \(label 'big'\)"):
        Value(1000.0, "big").exp()


def test_pow_overflow():
    with pytest.raises(OverflowError, match=r"\*\*: result overflows"):
        Value(1e200, "h") ** 3


def test_nan_and_inf_propagate_by_ieee_rules():
    n = Value(float("nan"))
    y = n * 2 + 1
    y.backward()
    assert math.isnan(y.data) and n.grad == 2.0
    i = Value(float("inf"))
    z = i.exp() + i.tanh()
    assert z.data == math.inf
    assert (Value(float("-inf")).sigmoid()).data == 0.0
    assert math.isnan((n.log()).data)


def test_comparisons_compare_data_and_are_not_ops():
    a, b = Value(1.0), Value(2.0)
    assert a < b and b > a and a <= 1.0 and b >= 2 and not (a > b)
    assert max(a, b) is b
    assert a != Value(1.0)          # == is identity
    assert len({a, b, a}) == 2
    with pytest.raises(TypeError, match="cannot compare Value with str"):
        assert a < "x"


def test_repr_float_item_and_micrograd_attributes():
    x = Value(2.0, "x")
    assert repr(x) == "Value(data=2.0, grad=0.0, label='x')"
    assert float(x) == 2.0 and x.item() == 2.0
    y = x * x
    assert y._prev == {x} and y._op == "*" and y.op == "*"
    assert (x ** 2)._op == "**2" and (x ** 0.5)._op == "**0.5"     # micrograd's op string
    assert (x ** 2).op == "**" and (x ** 2).constant == 2.0        # ours: op and constant


def test_constants_do_not_become_values():
    x = Value(2.0)
    y = x * 3 + 1
    assert y.parents[0].parents == (x,)
    assert y.parents[0].local_grads == (3.0,)


def test_differentiating_a_result_computed_under_no_grad_is_an_error():
    x = Value(3.0, "x")
    with no_grad():
        y = x * x
    y.label = "y"
    with pytest.raises(RuntimeError,
                       match=r"backward: the output 'y' \(op '\*'\) was computed under no_grad"):
        y.backward()
    with pytest.raises(RuntimeError, match="grad: the output 'y'"):
        grad(y, [x])
    assert x.grad == 0.0
    leaf = Value(2.0)                   # a user's leaf (op "") is fine: d leaf/d leaf = 1
    leaf.backward()
    assert leaf.grad == 1.0
    z = x * x                           # a graph built outside no_grad() can be
    with no_grad():                     # differentiated inside it, as in PyTorch
        z.backward()
    assert x.grad == 6.0


def test_gradcheck_inside_no_grad_still_records_its_analytic_pass():
    with no_grad():
        assert gradcheck(lambda a: a.tanh() * a, [Value(0.4, "a")])


def test_subclasses_of_value_combine_with_every_op():
    class Param(Value):
        __slots__ = ()

    p, q, v = Param(3.0), Param(2.0), Value(5.0)
    for y, expected in [(v - p, 2.0), (p - v, -2.0), (p * q, 6.0), (v / q, 2.5), (q ** p, 8.0),
                        (p + v, 8.0), (v * p, 15.0)]:
        assert y.data == expected
    (v - p * q).backward()
    assert (p.grad, q.grad, v.grad) == (-2.0, -3.0, 1.0)
    assert p < v and max(p, q) is p


def test_int_data_set_by_hand_works_as_exponent():
    e = Value(2.0)
    e.data = 3
    assert (Value(-2.0) ** e).data == -8.0


def test_no_grad_as_a_bare_decorator():
    @no_grad
    def double(v):
        return v * 2

    assert double(Value(1.0)).parents == ()
    assert double.__name__ == "double"
    with pytest.raises(TypeError, match="no_grad\\(\\) takes no arguments"):
        no_grad(3)


@pytest.mark.parametrize("eps", [0, -1e-6, float("nan"), float("inf")])
def test_gradcheck_rejects_bad_eps(eps):
    with pytest.raises(ValueError, match="eps must be a positive finite number"):
        gradcheck(lambda a: a * a, [Value(1.0)], eps=eps)


@pytest.mark.parametrize("operands, message", [
    (lambda v: ([1.0], [v(2.0)], v(0.5)), "ws[0] must be a Value, got float: 1.0"),
    (lambda v: ([v(1.0), 2], [v(2.0), v(3.0)], v(0.5)), "ws[1] must be a Value, got int: 2"),
    (lambda v: ([v(1.0)], [None], v(0.5)), "xs[0] must be a Value, got NoneType: None"),
    (lambda v: ([v(1.0)], [v(2.0)], 0.5), "b must be a Value, got float: 0.5"),
])
def test_weighted_sum_names_the_operand_that_is_not_a_value(operands, message):
    from autograd_mini.core import weighted_sum
    with pytest.raises(TypeError, match=re.escape(f"weighted_sum: {message}")):
        weighted_sum(*operands(Value))
    with pytest.raises(ValueError, match="2 weights for 1 inputs"):
        weighted_sum([Value(1.0), Value(2.0)], [Value(1.0)], Value(0.0))


def test_int_data_set_by_hand_is_raised_to_a_power_as_a_float():
    """``v.data = n`` stores float(n), so ``**`` computes on floats (on ints it would be
    exact integer arithmetic: (2**53 + 1) ** (2**53 + 1) would not end)."""
    a, b = Value(1.5), Value(0.7)
    a.data = b.data = 2 ** 53 + 1
    with pytest.raises(OverflowError, match=r"\*\*: result overflows a float"):
        a ** b
    a.data, b.data = 3, 2
    y = a ** b
    y.backward()
    assert (y.data, a.grad, b.grad) == (9.0, 6.0, 9.0 * math.log(3.0))


@pytest.mark.parametrize("given, stored", [(3, 3.0), (True, 1.0), (2 ** 53 + 1, 2.0 ** 53)])
def test_data_assigned_is_stored_as_a_float(given, stored):
    """Both engines convert what ``.data`` is given (no op computes on an int, a float32
    or a Value), as the constructor does; what is not a real number is a TypeError."""
    v = Value(1.0)
    v.data = given
    assert type(v.data) is float and v.data == stored
    np = pytest.importorskip("numpy")
    v.data = np.float32(0.1)
    assert type(v.data) is float and v.data == float(np.float32(0.1))
    for bad in ("x", None, Value(2.0)):
        with pytest.raises(TypeError, match="Value data must be a real number"):
            v.data = bad
    with pytest.raises(OverflowError, match="Value data is too large for a float"):
        v.data = 10 ** 400
    assert v.data == float(np.float32(0.1))              # a refused value changes nothing


@pytest.mark.parametrize("body", [
    {"__eq__": lambda self, other: isinstance(other, Value) and self.data == other.data,
     "__hash__": lambda self: hash(self.data)},
    {"__eq__": lambda self, other: self is other},
    {"__hash__": lambda self: 0},
])
def test_a_subclass_comparing_values_by_number_is_refused(body):
    """Two nodes that compared equal would be one node to backward's and grad()'s sets:
    grad() gave [18.0, 18.0] instead of [3.0, 15.0] for two weights of equal data."""
    with pytest.raises(TypeError, match="redefines __eq__ or __hash__"):
        type("Param", (Value,), {"__slots__": (), **body})


def test_a_graph_is_made_of_values_on_both_engines():
    """topological_order and backward take Values: anything else (a number, a bare Node
    subclass, which has no ops) is one clear TypeError on both engines (the compiled one
    had said mypyc's 'Value object expected', the interpreted one an AttributeError)."""
    from autograd_mini.core import topological_order
    from autograd_mini.core.node import Node

    class Bare(Node):
        pass

    for bad in (3.0, "x", None, Bare(2.0)):
        with pytest.raises(TypeError, match="a graph is made of Values .* got " +
                           type(bad).__name__):
            topological_order(bad)
    with pytest.raises(TypeError, match="a graph is made of Values .* got Bare"):
        Bare(2.0).backward()
