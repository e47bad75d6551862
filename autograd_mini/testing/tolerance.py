"""How close your entry must be to the engine's:

    |yours - engine| <= atol + rtol·|engine|     (both finite)

By default both follow your gradients. rtol by their precision (float64 1e-6, float32
1e-4, float16 1e-2); atol as a fraction of the gradient's scale, its largest entry
(float64: 1e-9 × max|engine|), so that a gradient in small units (all entries 1e-15) is
compared as strictly as one in large units. An entry so small that a zero or a flipped
sign would pass that atol (a feature in millions next to one in millionths) keeps its
sign checked: yours passes when it agrees to the fraction of the entry's own Σ|chain-rule
paths| (the rounding room of terms that cancel), or has the engine's sign, or is 0 (a
saturated 1 - tanh(z)² rounds to 0). A comparison that a gradient of zeros would pass
everywhere is vacuous: refused, never called a match.
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
    """The tolerance of one check: ``rtol``, ``atol`` (a fraction of ``scale``, the
    largest |engine| entry, or your number), ``precision`` (your gradients' lowest,
    "float64", "float32", ...), ``scaled`` (atol was None) and ``small`` (name ->
    {position: its own atol}: the entries so small that a zero or a flipped sign would
    pass ``atol``; their own atol is the fraction times their Σ|chain-rule paths|)."""

    def __init__(self, rtol, atol, precision, engine, path_sizes):
        default_rtol, self.fraction = DEFAULTS[precision]
        self.rtol = default_rtol if rtol is None else float(rtol)
        self.precision, self.scaled = precision, atol is None
        self.scale = max((abs(e) for flat in engine.values() for e in flat
                          if math.isfinite(e)), default=0.0)
        self.atol = self.fraction * self.scale if atol is None else float(atol)
        self.small = {}
        for name, flat in engine.items():
            below = [k for k, e in enumerate(flat) if e and self._zero_passes(e, self.atol)]
            if below:
                sizes = path_sizes()[name]       # one reverse pass, for all parameters
                self.small[name] = {k: self.fraction * sizes[k] for k in below}

    def _zero_passes(self, e, atol):
        return math.isfinite(e) and abs(e) <= atol + self.rtol * abs(e)

    def accepts(self, name, k, yours, engine):
        """Entry ``k`` of parameter ``name`` passes: within atol, or for a small entry,
        within its own atol or of the engine's sign (or 0) within atol."""
        own = self.small.get(name, {}).get(k)
        if own is None:
            return close(yours, engine, self.rtol, self.atol)
        return close(yours, engine, self.rtol, own) or (
            close(yours, engine, self.rtol, self.atol) and yours * engine >= 0)

    def atol_of(self, name, k):
        """The atol a diagnosis uses for entry ``k``: its own for a small entry."""
        return self.small.get(name, {}).get(k, self.atol)

    def notes(self):
        """What the report says about entries far below the gradient's scale."""
        n = sum(len(ks) for ks in self.small.values())
        if not n:
            return []
        return [f"{n} {'entry' if n == 1 else 'entries'} of {', '.join(self.small)} "
                f"{'is' if n == 1 else 'are'} so small that a zero or a flipped sign would pass "
                f"atol = {self.atol:.2g}: there yours must agree to {self.fraction:g} × the "
                f"entry's Σ|chain-rule paths|, or have the engine's sign (or be 0)"]

    def vacuous(self, engine):
        """Why a gradient of zeros would pass every entry of ``engine`` (all its numbers,
        finite), or "" when the comparison can tell a wrong gradient."""
        pairs = [(e, self.atol) for flat in engine.values() for e in flat]
        engine = [e for e, _ in pairs]
        if not engine:
            return "nothing to compare: every parameter is empty"
        if not all(math.isfinite(e) for e in engine):
            return ""
        if self.scale == 0.0:
            return ("the engine's gradient is 0 in every entry: the loss does not change with "
                    "any parameter at this point, so a backward that returns zeros passes; "
                    "check at a point where it does (random values, no dead relus)")
        if not all(self._zero_passes(e, a) for e, a in pairs):
            return ""
        flipped = (", and one with every sign flipped too"
                   if all(2 * abs(e) <= a + self.rtol * abs(e) for e, a in pairs) else "")
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


def rounding_words(yours, engine, scale, precision, saturated=0):
    """Why your entry, off by about the rounding of ``precision`` (relative to itself or
    to ``scale``, the gradient's largest entry), may be no formula slip; "" when the
    difference is larger than rounding explains. ``saturated``: how many tanh or sigmoid
    units on its paths are saturated (there 1 - a² keeps few digits)."""
    eps = PRECISIONS[precision]
    diff = abs(yours - engine)
    rel = diff / max(abs(yours), abs(engine))
    if rel <= min(0.1, max(1e-3, 1e3 * eps)):
        size = f"{rel:.2g} relative"
    elif diff <= 1e3 * eps * scale:
        size = f"{diff / scale:.2g} of the gradient's largest entry"
    else:
        return ""
    why = (f"; {saturated} tanh/sigmoid {'unit is' if saturated == 1 else 'units are'} "
           f"saturated on its paths (the output within 1e-6 of its limit), where a formula "
           f"such as 1 - a² keeps few digits: check at smaller values"
           if saturated else "")
    if precision != "float64":
        rtol = DEFAULTS[precision][0]
        return (f"yours differs from the engine's by {size}, the rounding of {precision} "
                f"(machine epsilon {eps:.2g}): a backward in single or half precision "
                f"differs this much{why}. Compare with rtol={rtol:g} (the default for "
                f"{precision} gradients) or compute in float64")
    return (f"yours differs from the engine's by only {size}: rounding rather than a formula "
            f"slip? (a constant written with few digits, such as 3.1416 for π, data in "
            f"float32, or a tolerance tighter than your computation's rounding{why})")
