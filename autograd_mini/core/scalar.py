"""The math the op table in ``engine.py`` is written with.

The derivative functions run on floats (``backward``) and on Values (``create_graph``),
so the functions they call do too: on a plain number they compute, on a Value they call
its op (and so record it). The forward functions here are on floats only.
"""

import math
from numbers import Real

MASKED = None      # a local derivative that passes back exactly 0 (see engine.MASKED)


def exp(x):
    return math.exp(x) if isinstance(x, Real) else x.exp()


def log(x):
    return math.log(x) if isinstance(x, Real) else x.log()


def sin(x):
    return math.sin(x) if isinstance(x, Real) else x.sin()


def cos(x):
    return math.cos(x) if isinstance(x, Real) else x.cos()


def sigmoid(x):
    return sigmoid_float(x) if isinstance(x, Real) else x.sigmoid()


def number(x):
    """The number itself, or a Value's data (for tests like x > 0 and x == 0)."""
    return x if isinstance(x, Real) else x.data


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


def d_pow_base(a, b, out):
    """d(a^b)/da = b a^(b-1); masked where b = 0 (x**0 passes back exactly 0)."""
    return MASKED if number(b) == 0.0 else b * a ** (b - 1.0)


def d_pow_exponent(a, b, out):
    """d(a^b)/db = a^b ln a; masked at a = 0 with b >= 0 (as PyTorch)."""
    return MASKED if number(a) == 0.0 and b >= 0.0 else out * log(a)   # nan b: not masked


def sign(a):
    """d|a|/da: -1, 0 or 1 (nan at nan)."""
    x = number(a)
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else x * 0.0
