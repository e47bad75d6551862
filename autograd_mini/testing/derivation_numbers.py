"""Numbers as a learner writes them, and the tolerance their digits give.

``read_number("0.5933")`` keeps what was written: the exact decimal, the unit of the last
digit written (here 0.0001) and whether it was marked as cut short (``0.5932699...``).
A written number agrees with a true value when the true value, rounded or truncated to
that unit, gives the number (``agrees``). Nothing is guessed: a decimal comma, a digit
of another script, a dash that is not a minus sign, nan or inf, text after the number
are refused with a reason (``Unreadable``), never read as something else.
"""

import math
import re
import unicodedata
from dataclasses import dataclass
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Context, Decimal, InvalidOperation

__all__ = ["Number", "Unreadable", "read_number", "read_numbers", "number_from",
           "agrees", "same_digits", "fmt"]

_CTX = Context(prec=60, Emin=-999999, Emax=999999)
_SLACK = Decimal("1e-12")           # relative: a float's own rounding, never a digit written
_MAX_EXPONENT = 330
_SUPERSCRIPTS = str.maketrans("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻", "0123456789+-")
_NUMBER = re.compile(
    r"(?P<sign>[+-]?)[ \t]*(?P<mant>\d+(?:\.\d*)?|\.\d+)"
    r"(?:[eE](?P<e1>[+-]?\d+)"
    r"|[ \t]*(?:[×x*·⋅∙]|\\times|\\cdot)[ \t]*10[ \t]*(?:\^|\*\*)[ \t]*"
    r"(?P<e2>[+-]?\d+|\([ \t]*[+-]?\d+[ \t]*\)|\{[ \t]*[+-]?\d+[ \t]*\}))?"
    r"(?P<dots>\.\.\.|…)?", re.ASCII)
_DASHES = "‐‑‒–—―﹘"        # look like a minus sign, are not one
_MARKS = "✓✔✗✘√"


class Unreadable(ValueError):
    """A piece of text that is not read, with the reason as its message."""


@dataclass(frozen=True)
class Number:
    """A number as written: ``text``, ``value`` (the float), ``exact`` (the Decimal
    written), ``unit`` (the place of its last digit: 0.0001 for 0.5933, 1e-9 for
    4.38568e-4), ``truncated`` (written with ``...``: only truncation agrees) and
    ``style`` (``"e"`` for 1e-3 forms, ``"×10^"`` for 4.3 × 10^-4, else ``""``)."""
    text: str
    value: float
    exact: Decimal
    unit: Decimal
    truncated: bool = False
    style: str = ""


def _superscript_exponents(text):
    """``10⁻⁴`` -> ``10^-4`` (before NFKC, which would turn ⁻ into a minus sign)."""
    return re.sub(r"[⁺⁻]?[⁰¹²³⁴⁵⁶⁷⁸⁹]+",
                  lambda m: "^" + m.group().translate(_SUPERSCRIPTS), text)


def _normalise(text):
    text = unicodedata.normalize("NFKC", _superscript_exponents(text))
    return text.replace("−", "-").strip()


def _refusal(text):
    """Why ``text`` (normalised) cannot be a number, for the usual look-alikes."""
    low = text.lower().lstrip("+-").strip()
    if low in ("nan", "inf", "infinity", "∞") or low.startswith(("nan", "inf", "∞")):
        return f"{text!r} is not a finite number"
    if text[:1] in _DASHES:
        return (f"{text[0]!r} ({unicodedata.name(text[0], 'a dash')}) is not a minus sign: "
                f"write - or −")
    if re.search(r"\d,\d", text):
        return (f"{text!r} has a comma between digits: write a decimal point (0.5933, "
                f"not 0,5933) and no thousands separators")
    foreign = next((c for c in text if c.isdigit() and not c.isascii()), None)
    if foreign:
        return (f"{text!r}: {foreign!r} ({unicodedata.name(foreign, 'a digit')}) is not "
                f"one of the digits 0-9")
    if re.search(r"\d[ \t]+\d", text):
        return f"{text!r} has a space inside the number"
    if "%" in text:
        return f"{text!r} is a percentage: write it as a number (50% is 0.5)"
    if re.fullmatch(r"[+-]?\d+[ \t]*/[ \t]*\d+", text):
        return f"{text!r} is a fraction: write its decimal value"
    return None


def read_number(text):
    """The ``Number`` written in ``text`` (one number, optionally followed by a comment in
    parentheses without digits, ``# ...``, a check mark or one trailing . , ;); raises
    ``Unreadable`` with the reason otherwise."""
    if not isinstance(text, str):
        raise Unreadable(f"expected text, got {type(text).__name__}")
    t = _normalise(text)
    t = re.sub(r"[ \t]*#.*$", "", t)                             # a comment
    t = re.sub(r"[ \t]*\(\s*[^()\d]*\)[ \t]*$", "", t) if re.search(r"\S[ \t]*\(", t) else t
    t = t.rstrip(_MARKS + " \t")
    if not t:
        raise Unreadable("no number")
    m = _NUMBER.fullmatch(t)
    if not m and t[-1] in ".,;" and not t.endswith(".."):     # the end of a sentence
        m = _NUMBER.fullmatch(t[:-1].rstrip())
        t = t[:-1].rstrip() if m else t
    if not m:
        raise Unreadable(_refusal(t) or f"{t!r} is not a number")
    exponent = int((m["e1"] or m["e2"] or "0").strip("(){} \t").replace(" ", ""))
    if abs(exponent) > _MAX_EXPONENT:
        raise Unreadable(f"{t!r}: the exponent is out of the range of floating-point numbers")
    mant = m["mant"]
    decimals = len(mant.split(".")[1]) if "." in mant else 0
    exact = _CTX.scaleb(Decimal(m["sign"] + mant), exponent)
    value = float(exact)
    if not math.isfinite(value) or (value == 0.0 and exact != 0):
        raise Unreadable(f"{t!r} is out of the range of floating-point numbers")
    style = "e" if m["e1"] else "×10^" if m["e2"] else ""
    return Number(t, value, exact, _CTX.scaleb(Decimal(1), exponent - decimals),
                  bool(m["dots"]), style)


def read_numbers(text, count):
    """``count`` numbers from ``text``: one number, or a list separated by commas or
    semicolons (``0.35891648, 0.408666186``). A comma between digits is read as a list
    separator only when every piece has a decimal point; otherwise it is refused."""
    if count == 1:
        return [read_number(text)]
    pieces = [p for p in re.split(r"[;,]", _normalise(text))]
    if len(pieces) != count:
        raise Unreadable(f"{count} names but {len(pieces)} "
                         f"{'number' if len(pieces) == 1 else 'numbers'}: {text.strip()!r}")
    if re.search(r"\d,\d", text) and not all("." in p or "e" in p.lower() for p in pieces):
        raise Unreadable(f"{text.strip()!r}: a comma between digits could be a decimal comma; "
                         f"separate the numbers with ', ' and write decimal points")
    return [read_number(p) for p in pieces]


def number_from(x):
    """A ``Number`` from a value given in a mapping: text is read as written; a float by
    its shortest repr (0.5933 has 4 decimals); an int, a Decimal, a numpy scalar or a
    Value's data likewise. bool and non-numbers are refused."""
    if isinstance(x, str):
        return read_number(x)
    if isinstance(x, bool) or x is None:
        raise Unreadable(f"{x!r} is not a number")
    if isinstance(x, Decimal):
        return read_number(str(x))
    data = getattr(x, "data", x)                    # a Value
    try:
        f = float(data)
    except (TypeError, ValueError, OverflowError):
        raise Unreadable(f"{type(x).__name__} {x!r} is not a number") from None
    if not math.isfinite(f):
        raise Unreadable(f"{f!r} is not a finite number")
    if isinstance(data, int) and not isinstance(data, bool):
        return read_number(str(data)) if abs(data) < 10 ** 300 else read_number(repr(f))
    return read_number(repr(f))


def agrees(number, true, units=None):
    """Does the written ``number`` agree with the float ``true``?

    ``units=None``: the digits rule, true rounded (half up or half even) or truncated
    (toward zero) to ``number.unit`` gives the number written (only truncated if written
    with ``...``). ``units=k``: within k units of the last digit. Either way with a
    relative slack of 1e-12, the float's own rounding. Never for nan or inf."""
    if not math.isfinite(true):
        return False
    t, w, u = Decimal(true), number.exact, number.unit
    slack = _CTX.multiply(abs(t), _SLACK)
    diff = _CTX.subtract(t, w)
    if units is not None:
        return abs(diff) <= _CTX.add(_CTX.multiply(u, Decimal(units)), slack)
    if not number.truncated and abs(diff) <= _CTX.add(u / 2, slack):
        return True                                 # rounded
    if w > 0:                                       # truncated toward zero
        return -slack <= diff < _CTX.add(u, slack)
    if w < 0:
        return -_CTX.add(u, slack) < diff <= slack
    return abs(diff) < _CTX.add(u, slack)


def same_digits(true, number, truncate=False):
    """``true`` written to the digits of ``number`` (rounded, half even; or truncated),
    in its style: ``0.75136507`` for ``0.75136079``, ``4.38568e-4`` for ``4.38567e-4``."""
    if not math.isfinite(true):
        return repr(true)
    try:
        q = Decimal(true).quantize(number.unit, context=_CTX,
                                   rounding=ROUND_DOWN if truncate else ROUND_HALF_EVEN)
    except InvalidOperation:
        return fmt(true)
    if not number.style:
        return f"{q:f}"
    exponent = int(number.exact.adjusted()) if number.exact else 0
    mantissa = _CTX.scaleb(q, -exponent)
    mant_text = f"{mantissa:f}"
    return f"{mant_text}e{exponent}" if number.style == "e" else f"{mant_text} × 10^{exponent}"


def fmt(x):
    """A value as the notes print them: up to 9 decimals, trailing zeros dropped
    (0.4, 0.593269992, 0.000438568); tiny or huge values in e-notation."""
    if not math.isfinite(x):
        return repr(x)
    if x == 0:
        return "0"
    if 1e-5 <= abs(x) < 1e9:
        text = f"{x:.9f}".rstrip("0").rstrip(".")
        if text not in ("0", "-0"):
            return text
    return f"{x:.6e}"
