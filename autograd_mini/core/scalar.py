"""The math the ops are written with.

Forward functions (``*_float``) take and give floats. Derivative functions run on floats
(``backward``) and on Values (``create_graph``): on a plain number they compute, on a
Value they call its op, and so record it. They are written in forms that keep full
relative accuracy where the textbook form cancels (tanh'(20) is 1 - tanh(20)^2 = 0.0 in
floats, but 4e^-40 / (1 + e^-40)^2 = 1.7e-17 is right).
"""

import math
from numbers import Real

MASKED = None   # a local derivative that passes back exactly 0, whatever arrives from
                # above (the engine's inactive relu, x**0), as PyTorch masks them; 0 * inf
                # is nan. A user's op returns 0.0: None from it is an error (ops.py).


def is_number(x):
    """A plain number, not a Value (the float test first: ``isinstance(x, Real)`` on a
    float goes through the ABC machinery, about 280 ns)."""
    return type(x) is float or isinstance(x, Real)


def number(x):
    """The number itself, or a Value's data (for tests like x > 0 and x == 0)."""
    return x if is_number(x) else x._data


def exp(x):
    return math.exp(x) if is_number(x) else x.exp()


def log(x):
    return math.log(x) if is_number(x) else x.log()


def sin(x):
    return math.sin(x) if is_number(x) else x.sin()


def cos(x):
    return math.cos(x) if is_number(x) else x.cos()


def tanh(x):
    return math.tanh(x) if is_number(x) else x.tanh()


def sigmoid(x):
    return sigmoid_float(x) if is_number(x) else x.sigmoid()


# ---------------------------------------------------------------- forward, on floats
def sigmoid_float(a):
    """1/(1+e^-a), without overflow for large |a|."""
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def softplus_float(a):
    """ln(1 + e^a), without overflow: max(a, 0) + ln(1 + e^-|a|)."""
    return max(a, 0.0) + math.log1p(math.exp(-abs(a)))


def pow_float(a, b):
    """a ** b on floats; a negative base with a non-integer exponent is a domain error."""
    out = a ** b
    if type(out) is not float:
        raise ValueError("complex result")
    return out


def relu_float(a):
    return 0.0 if a <= 0.0 else a


def leaky_relu_float(a, slope):
    return a if a > 0.0 else a * slope


# ---------------------------------------------------------------- derivatives
# Where each form is used: 1 - out^2 and s(1 - s) are the textbook forms (relative error
# below 6e-15 inside the bounds, measured against a 40-digit reference); outside, where
# they cancel, the exponential forms keep full accuracy (tanh'(25) = 7.7e-22, not 0).
def tanh_derivative_float(a, out):
    """tanh'(a) = 1 - tanh(a)^2 = 4t / (1 + t)^2 with t = e^(-2|a|): the second form where
    tanh(a)^2 is close to 1 and 1 - tanh(a)^2 would cancel."""
    if -2.5 < a < 2.5:
        return 1.0 - out * out
    t = math.exp(-2.0 * abs(a))
    return 4.0 * t / ((1.0 + t) * (1.0 + t))


def sigmoid_derivative_float(a, out):
    """sigmoid'(a) = s(1 - s) = e / (1 + e)^2 with e = e^(-|a|): the second form where
    s is close to 1 and 1 - s would cancel."""
    if -3.0 < a < 3.0:
        return out * (1.0 - out)
    e = math.exp(-abs(a))
    return e / ((1.0 + e) * (1.0 + e))


def tanh_derivative(a, out):
    """d tanh(a)/da, on floats or (as the op "tanh'") on Values."""
    return tanh_derivative_float(a, out) if is_number(a) else a.tanh_derivative()


def sigmoid_derivative(a, out):
    """d sigmoid(a)/da, on floats or (as the op "sigmoid'") on Values."""
    if is_number(a):
        return sigmoid_derivative_float(a, out)
    return a.sigmoid_derivative()


def d_pow_base(a, b, out):
    """d(a^b)/da = b a^(b-1); masked where b = 0 (x**0 passes back exactly 0). Where
    a^(b-1) alone would overflow but the product is finite (x**x at 1e-310), it is
    computed as b * (a^b / a)."""
    if number(b) == 0.0:
        return MASKED
    if is_number(a) and is_number(b):
        try:
            return b * a ** (b - 1.0)
        except OverflowError:                       # |a| < 1 here: out = a^(b-1) * a
            if a == 0.0 or out == 0.0:
                raise
            (mb, eb), (mo, eo), (ma, ea) = math.frexp(b), math.frexp(out), math.frexp(a)
            return math.ldexp(mb * mo / ma, eb + eo - ea)     # b * out / a, no overflow
    return b * a ** (b - 1.0)


def d_pow_exponent(a, b, out):
    """d(a^b)/db = a^b ln a; masked at a = 0 with b >= 0 (as PyTorch)."""
    return MASKED if number(a) == 0.0 and b >= 0.0 else out * log(a)   # nan b: not masked


def sign(a):
    """d|a|/da: -1, 0 or 1 (nan at nan)."""
    x = number(a)
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else x * 0.0
