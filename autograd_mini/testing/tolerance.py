"""How close your entry must be to the engine's:

    |yours - engine| <= atol + rtol·|engine|     (both finite)

By default both follow your gradients: rtol from their precision (float64 1e-6, float32
1e-4, float16 1e-2), and atol as a fraction of the gradient's scale, its largest entry
(float64: 1e-9 × max|engine|), so that a gradient in small units (all entries 1e-15) is
compared as strictly as one in large units. A comparison that a gradient of zeros would
pass is vacuous: it is refused, never called a match.
"""

import math

from .inputs import PRECISIONS
from .words import fmt

# your gradients' precision -> (rtol, atol as a fraction of the largest |engine| entry);
# measured: a correct float32 backprop of a 2-64-1 network over 1,000 samples is off by
# up to 2e-5 relative in its smallest entries, a float16 one by 6e-2
DEFAULTS = {"float64": (1e-6, 1e-9), "float32": (1e-4, 1e-5), "float16": (1e-2, 1e-2),
            "bfloat16": (5e-2, 5e-2)}


def close(yours, engine, rtol, atol):
    """|yours - engine| <= atol + rtol |engine|, never for NaN or inf."""
    return (math.isfinite(yours) and math.isfinite(engine)
            and abs(yours - engine) <= atol + rtol * abs(engine))


class Tolerance:
    """The tolerance of one check: ``rtol`` and ``atol`` (numbers), ``precision`` (your
    gradients' lowest, "float64", "float32", ...), ``scale`` (the largest |engine| entry),
    ``scaled`` (atol was None: a fraction of the scale)."""

    def __init__(self, rtol, atol, precision, scale):
        default_rtol, self.fraction = DEFAULTS[precision]
        self.rtol = default_rtol if rtol is None else float(rtol)
        self.scaled = atol is None
        self.atol = self.fraction * scale if atol is None else float(atol)
        self.precision, self.scale = precision, scale

    def __iter__(self):                         # rtol, atol = tolerance
        return iter((self.rtol, self.atol))

    def vacuous(self, engine):
        """Why a gradient of zeros would pass every entry of ``engine`` (all its numbers,
        finite), or "" when the comparison can tell a wrong gradient."""
        if not engine:
            return "nothing to compare: every parameter is empty"
        if not all(math.isfinite(e) for e in engine):
            return ""
        if self.scale == 0.0:
            return ("the engine's gradient is 0 in every entry: the loss does not change with "
                    "any parameter at this point, so a backward that returns zeros passes; "
                    "check at a point where it does (random values, no dead relus)")
        if self.scale > self.atol + self.rtol * self.scale:
            return ""
        flipped = (", and one with every sign flipped too"
                   if 2 * self.scale <= self.atol + self.rtol * self.scale else "")
        fix = ("rtol must be below 1 to tell 0 from the engine's" if self.rtol >= 1 else
               "leave atol=None (a fraction of the gradient's largest entry) or pass a "
               "smaller one")
        return (f"vacuous comparison: every engine entry is within atol + rtol·|engine| of 0 "
                f"(largest |engine| {fmt(self.scale, 3)}, atol={self.atol:g}, "
                f"rtol={self.rtol:g}), so a gradient of zeros would pass{flipped}; {fix}")

    def text(self):
        """'rtol=1e-06, atol=1e-09 × 0.16 (the largest |engine| entry) = 1.6e-10'."""
        atol = (f"atol={self.fraction:g} × {self.scale:.2g} (the largest |engine| entry) = "
                f"{self.atol:.2g}" if self.scaled else f"atol={self.atol:g}")
        single = (f"your gradients are {self.precision}: " if self.precision != "float64"
                  else "")
        return f"{single}rtol={self.rtol:g}, {atol}"


def rounding_words(rel, precision):
    """Why ``rel``, a relative difference near the rounding of ``precision``, may be no
    formula slip; "" when it is larger than rounding explains."""
    eps = PRECISIONS[precision]
    if rel > min(0.1, max(1e-3, 1e3 * eps)):
        return ""
    rtol = DEFAULTS[precision][0]
    if precision != "float64":
        return (f"yours differs from the engine's by {rel:.2g} relative, the rounding of "
                f"{precision} (machine epsilon {eps:.2g}): a backward in single or half "
                f"precision differs this much. Compare with rtol={rtol:g} (the default for "
                f"{precision} gradients) or compute in float64")
    return (f"yours differs from the engine's by only {rel:.2g} relative: rounding rather "
            f"than a formula slip? (a constant written with few digits, such as 3.1416 for "
            f"π, data in float32, or a tolerance tighter than your computation's rounding)")
