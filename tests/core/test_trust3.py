"""Trust, round 3 (issue 18), the engine's items: user ops whose derivative is written with
math.* (5), op() definitions (6), saturated derivatives (15), x**x near 0 (16), one
overflow rule for every op (17), gradcheck's traceback (11)."""

import math
import subprocess
import sys
import textwrap

import pytest

from autograd_mini import Value, compile, grad, op
from autograd_mini.core import weighted_sum

# the 50-digit references (the test extra); the marked tests skip where it is missing
try:
    import mpmath
    mpmath.mp.dps = 50
except ImportError:
    mpmath = None


# ---------------------------------------------------------------- 5. math.* in a derivative
def test_a_derivative_written_with_math_is_an_error_at_second_order_not_a_zero():
    @op(lambda x: math.cos(x))
    def msin(x):
        return math.sin(x)
    x = Value(0.7)
    first = grad(msin(x), x)                        # first order: floats, fine
    assert first.data == math.cos(0.7)
    with pytest.raises(TypeError, match=r"op 'msin': its derivative converted a Value to a "
                                        r"plain number.*Value ops"):
        grad(msin(x), x, create_graph=True)
    msin(x).backward()                              # backward() on floats still works
    assert x.grad == math.cos(0.7)


def test_a_derivative_written_with_value_ops_gives_the_true_second_derivative():
    @op(lambda x: x.cos() if isinstance(x, Value) else math.cos(x))
    def vsin(x):
        return math.sin(x)
    x = Value(0.7)
    second = grad(grad(vsin(x), x, create_graph=True), x)
    assert second.data == pytest.approx(-math.sin(0.7), rel=1e-15)     # -0.644


# ---------------------------------------------------------------- 6. op() definitions
def test_a_number_is_a_derivative():
    double = op(2)(lambda x: 2.0 * x)
    x = Value(1.5)
    double(x).backward()
    assert x.grad == 2.0
    for wrong in ("2", True, None):
        with pytest.raises(TypeError, match="must be a function or a number"):
            op(wrong)(lambda x: x)


def test_more_derivatives_than_inputs_is_refused_when_the_op_is_defined():
    with pytest.raises(TypeError, match=r"2 derivative\(s\) given, so the forward function "
                                        r"must take 2 input\(s\)"):
        op(1.0, 1.0)(lambda x: x)
    with pytest.raises(TypeError, match="give one derivative per input"):
        op()(lambda x: x)


# ---------------------------------------------------------------- 15. saturated derivatives
def exact_first(name, a):
    a = mpmath.mpf(a)
    return 1 / mpmath.cosh(a) ** 2 if name == "tanh" else \
        mpmath.exp(-abs(a)) / (1 + mpmath.exp(-abs(a))) ** 2


def exact_second(name, a):
    a = mpmath.mpf(a)
    if name == "tanh":
        return -2 * mpmath.tanh(a) / mpmath.cosh(a) ** 2
    return -exact_first("sigmoid", a) * mpmath.tanh(a / 2)


def rel(x, exact):
    return abs(mpmath.mpf(x) - exact) / abs(exact)


POINTS = [0.001, 0.3, 0.99, 1.0, 2.0, 2.49, 2.51, 2.99, 3.01, 5.0, 15.0, 19.0, 25.0, 30.0,
          37.0, 100.0, 300.0]


@pytest.mark.mpmath
@pytest.mark.parametrize("name", ["tanh", "sigmoid"])
def test_saturated_derivatives_keep_full_relative_accuracy(name):
    """tanh'(25) = 7.7e-22 and sigmoid'(37) = 8.5e-17 (the textbook forms give 0): first
    and second order, eager and compiled, within 1e-14 relative of a 50-digit reference."""
    for a in POINTS + [-p for p in POINTS]:
        x = Value(a)
        first = grad(getattr(x, name)(), x, create_graph=True)
        assert rel(first.data, exact_first(name, a)) <= 1e-14, (name, a, first.data)
        second = grad(first, x).data
        assert rel(second, exact_second(name, a)) <= 1e-14, (name, a, second)
        step = compile(lambda v: getattr(v, name)())
        xc = Value(a)
        step(xc)
        assert xc.grad == first.data, (name, a)                    # compiled: the same bits


def test_the_textbook_values_that_are_already_exact_stay_as_they_were():
    x = Value(0.5)
    x.tanh().backward()
    assert x.grad == 1.0 - math.tanh(0.5) ** 2
    s = 1.0 / (1.0 + math.exp(-1.1))
    y = Value(1.1)
    y.sigmoid().backward()
    assert y.grad == s * (1.0 - s)


# ---------------------------------------------------------------- 16. x ** x near 0
@pytest.mark.mpmath
def test_x_to_the_x_near_zero_has_a_finite_derivative():
    x = Value(1e-310)
    (x ** x).backward()
    exact = mpmath.mpf(1e-310) ** mpmath.mpf(1e-310) * (mpmath.log(mpmath.mpf(1e-310)) + 1)
    assert rel(x.grad, exact) <= 1e-12                              # -712.80, not inf
    assert x.grad == pytest.approx(-712.80, abs=0.01)


# ---------------------------------------------------------------- 17. one overflow rule
@pytest.mark.parametrize("make", [
    lambda: Value(1e300) ** 2, lambda: Value(1e300) * Value(1e300), lambda: Value(1e300) * 1e10,
    lambda: Value(1.7e308) + Value(1.7e308), lambda: Value(-1.7e308) - 1.7e308,
    lambda: 1.7e308 - Value(-1.7e308), lambda: Value(1e300) / Value(1e-300),
    lambda: 1e300 / Value(1e-300), lambda: Value(1000.0).exp(), lambda: 2.0 ** Value(5000.0),
    lambda: Value(1e300).softplus() * 1e10, lambda: weighted_sum([Value(1e300)], [Value(1e300)],
                                                                   Value(0.0))])
def test_finite_inputs_with_a_result_too_large_for_a_float_raise_naming_the_op(make):
    with pytest.raises(OverflowError, match=r"overflows a float"):
        make()


def test_inf_and_nan_inputs_give_the_ieee_result_as_pytorch():
    inf = math.inf
    assert (Value(inf) * 2).data == inf and math.isnan((Value(inf) + Value(-inf)).data)
    assert Value(inf).exp().data == inf and (Value(inf) ** 2).data == inf
    assert (Value(1.0) / Value(inf)).data == 0.0
    assert math.isnan((Value(math.nan) * 0.0).data)


def test_the_error_names_the_op_and_its_operands():
    with pytest.raises(OverflowError) as error:
        Value(1e300, "w") * Value(1e10, "x")
    assert str(error.value) == ("*: result overflows a float; a is value 1e+300 (label 'w'); "
                                "b is value 10000000000.0 (label 'x')")


# ---------------------------------------------------------------- 11. gradcheck's traceback
def test_a_failing_gradcheck_shows_its_message_not_the_library_source(tmp_path):
    test = tmp_path / "test_student.py"
    test.write_text(textwrap.dedent("""\
        from autograd_mini import Value, gradcheck, op

        @op(lambda x: 2.0)                   # wrong: d(x^2)/dx = 2x
        def square(x):
            return x * x

        def test_square():
            assert gradcheck(square, [Value(3.0, "x")])
    """))
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                           str(test)], capture_output=True, text=True, cwd=tmp_path)
    assert proc.returncode == 1
    assert "gradcheck failed for x" in proc.stdout
    assert "def gradcheck(" not in proc.stdout and "_central_difference" not in proc.stdout
