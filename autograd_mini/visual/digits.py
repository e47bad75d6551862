"""How pictures and explanations write numbers.

- ``format_number(x, digits)``: ``digits`` significant digits, as people write them
  (0.000438567734 with 9, ``0.0004386`` with 4): the drawings' and the player's numbers
  (``PRECISION``, 9, by default).
- ``format_decimals(x, decimals)``: ``decimals`` decimals without trailing zeros
  (0.741365070 -> ``0.74136507`` with 9): explain()'s numbers, as the notes write them.
"""

import math

from ..core import Value

__all__ = ["format_number", "format_decimals", "PRECISION"]

# The significant digits pictures show by default: enough to check the notes' 9-digit
# figures (w1's gradient 0.000438568 is drawn 0.000438567734), the same in every picture
# (draw, the network view, animate) and in ``python -m autograd_mini example --svg``.
PRECISION = 9


def format_number(x, digits=6):
    """``x`` with ``digits`` significant digits, as people write it: 3.0 -> '3',
    0.000438568 -> '0.0004386' (4 digits), 12345.6 -> '12346', 1.5e-07 -> '1.5e-7'.
    The integer part of numbers below a million is kept whole. A Value gives its
    ``data``; anything that is not a real number gives its ``repr``."""
    if isinstance(x, Value):
        x = x.data
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return repr(x)
    x = float(x)
    if not math.isfinite(x):
        return repr(x)                              # 'inf', '-inf', 'nan'
    if x == 0.0:
        return "0"
    if 1.0 <= abs(x) < 1e6:
        whole = len(str(int(abs(x))))
        text = f"{x:.{max(0, digits - whole)}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    text = format(x, f".{digits}g")
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text


def format_decimals(x, decimals):
    """``x`` with ``decimals`` decimals, trailing zeros dropped: 0.741365070 ->
    '0.74136507' (9); a number too small to show in fixed decimals keeps ``decimals``
    significant digits (1.5e-12 -> '1.5e-12'); -0 -> '0'; inf and nan as ``repr``."""
    if not math.isfinite(x):
        return repr(x)
    s = f"{x:.{decimals}f}"
    if x != 0.0 and float(s) == 0.0:                # too small for fixed decimals
        return f"{x:.{max(decimals, 1)}g}"
    if "." in s:
        s = s.rstrip("0").rstrip(".")
    return "0" if s == "-0" else s
