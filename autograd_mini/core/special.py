"""What the ops do at the edges, on plain numbers: the rules the slow path follows.

One rule for every op (the NaN/inf policy):
- finite inputs whose result is not a finite number raise an error naming the op and its
  operands: a domain error (log of 0, sqrt of -1, 1/0, 0 ** -1, (-8) ** 0.5) or an overflow
  (exp(1000), 1e300 * 1e300, 1e300 ** 2);
- an input that is already inf or nan gives the IEEE result PyTorch gives (inf, nan),
  and so does every op evaluated in IEEE mode (the local derivatives of ``create_graph``
  and derivatives at singular points: sqrt'(0) is inf).
Also here: the checks every op makes of the numbers it is given (``as_float``,
``constant``), and the local derivative of an op on floats (``local_derivative``).
Nothing here builds a node of the graph (``value.py`` does).
"""

import contextvars
import math
from numbers import Real

from .grad_mode import recording
from .scalar import MASKED

__all__ = ["ieee_mode", "differentiating", "ieee_result", "domain_error", "as_float",
           "constant", "describe", "div_singular", "pow_singular", "log_singular",
           "exp_singular", "local_derivative"]

ieee_mode = contextvars.ContextVar("autograd_mini_ieee", default=False)
# The op whose derivative create_graph is running on Values (None outside): converting a
# Value to a plain number there is an error (the derivative would be taken as constant).
differentiating = contextvars.ContextVar("autograd_mini_differentiating", default=None)


def ieee_result(op, xs):
    """The IEEE result of ``op`` at floats ``xs`` where its forward raised (1/0, log 0,
    exp overflow): the op's ``singular`` function, as the table gives it, else nan."""
    return op.singular(*xs) if op.singular is not None else math.nan


# The singular-point results the op table gives its ops (what PyTorch gives).
def div_singular(a, b):
    """a / 0: +-inf by the signs, nan for 0 / 0."""
    return math.nan if a == 0.0 or a != a else math.copysign(math.inf, a) * \
        math.copysign(1.0, b)


def pow_singular(a, b):
    """a ** b where Python raises: 0 ** -1 = inf, overflow = +-inf, (-8) ** 0.5 = nan."""
    odd = b == math.floor(b) and b % 2.0 == 1.0 if math.isfinite(b) else False
    if a < 0.0 and math.isfinite(b) and b != math.floor(b):
        return math.nan                                  # no real result
    if a == 0.0 and b < 0.0:
        return math.copysign(math.inf, a) if odd else math.inf
    if abs(a) < 1.0 and b < 0.0 or abs(a) > 1.0 and b > 0.0:    # overflow
        return -math.inf if a < 0.0 and odd else math.inf
    return math.nan


def log_singular(a):
    """log 0 = -inf, log of a negative number nan."""
    return -math.inf if a == 0.0 else math.nan


def exp_singular(a):
    """exp overflows: inf."""
    return math.inf


def domain_error(name, inputs, xs, error, out=None):
    """The error for op ``name`` on finite inputs ``inputs`` (floats ``xs``) whose result
    is not a finite number, naming the op and its operands (Values by data and label,
    constants by value). ``error``: what the forward raised, or None for a result that
    came out inf or nan (``out``)."""
    if name == "/" and isinstance(error, ZeroDivisionError):
        return ZeroDivisionError(f"/: division by zero: divisor is {describe(inputs[1])}, "
                                 f"dividend {describe(inputs[0])}")
    kind = type(error) if error is not None else OverflowError
    if name == "**":
        why = _pow_domain(*xs)
    elif name in _WHY:
        why = _WHY[name]
    elif error is None and out != out:              # a user's op that returned nan
        kind, why = FloatingPointError, "result is nan (not a number) for finite inputs"
    elif error is None or isinstance(error, OverflowError):
        kind, why = OverflowError, "result overflows a float"
    else:
        why = f"forward raised {type(error).__name__}: {error}"
    if len(inputs) == 1:
        return kind(f"{name}: {why}; got {describe(inputs[0])}")
    named = "; ".join(f"{('a', 'b')[i] if len(inputs) == 2 else f'input {i}'} is "
                      f"{describe(v)}" for i, v in enumerate(inputs))
    return kind(f"{name}: {why}; {named}")


_WHY = {"log": "operand must be > 0", "sqrt": "operand must be >= 0",
        "exp": "result overflows a float (data > 709.78)"}


def _pow_domain(a, b):
    if a == 0.0 and b < 0.0:
        return f"0 cannot be raised to the negative power {b!r}"
    if a < 0.0 and b != math.floor(b):
        return f"a negative base needs an integer exponent, the exponent is {b!r}"
    return f"result overflows a float (exponent {b!r})"


def describe(v):
    """How errors name an operand: ``value 2.0 (label 'x')`` or ``the constant 3.0``."""
    if isinstance(v, Real):
        return f"the constant {v!r}"
    return f"value {v._data!r}" + (f" (label {v.label!r})" if v.label else "")


# ---------------------------------------------------------------------- checks
def as_float(x, what):
    """x as a float, or a TypeError / OverflowError naming ``what`` was given: the one
    check of a plain number the whole package uses."""
    if type(x) is float:
        return x
    if type(x) is int or isinstance(x, Real):      # (the ABC check is slow: int first)
        try:
            return float(x)
        except OverflowError:
            raise OverflowError(f"{what} is too large for a float: {x!r:.60}") from None
    kind = type(x).__name__
    hint = " (use .data for its number, or .detach() for a new leaf)" if kind == "Value" else ""
    raise TypeError(f"{what} must be a real number (int or float), got {kind}: {x!r}{hint}")


def constant(x, name=None):
    """A plain number operand (of op ``name``) as a float; None for anything else
    (-> NotImplemented)."""
    if type(x) is float:
        return x
    if type(x) is int or isinstance(x, Real):
        return as_float(x, "a constant operand" if name is None else
                        f"{name}: a constant operand")
    return None


def local_derivative(op, i, xs, out, make):
    """d(out)/d(input i) on floats; where that raises (sqrt at 0, overflow), the IEEE
    value PyTorch gives (inf, nan), found by running the derivative on Values (of class
    ``make``, recording nothing) in IEEE mode. A result that is not a real number is an
    error naming the op."""
    d = op.derivatives[i]
    if not callable(d):
        return d
    try:
        g = d(*xs, out)
    except (ArithmeticError, ValueError):
        ieee, data_only = ieee_mode.set(True), recording.set(False)
        try:
            g = d(*[make(x) for x in xs], make(out))
        finally:
            recording.reset(data_only)
            ieee_mode.reset(ieee)
        g = g._data if isinstance(g, make) else g
    if g is MASKED or type(g) is float:
        return g
    return as_float(g, f"{op.name}: a local derivative")
