"""Checking the lines: right or wrong by the digits written; for a wrong line, a new error
or one carried forward from earlier lines, and its likely slip.

Each line is computed twice: from the true numbers (is it right?) and from the learner's
own other lines (their out_o1 in E_o1, their factors in a product, their gradient in a
step). A wrong line whose number is what the learner's own lines give (within one unit of
its last digit) carries those lines' errors forward; the lines it depends on are found by
leaving each out. A right line that the learner's wrong lines would have changed "uses
the true value". A new error is compared with the slips of ``derivation_slips`` and with
the correct number's digits (a swap, a dropped or extra digit: a copying slip).
"""

import math

from .derivation_graph import Given
from .derivation_names import display
from .derivation_numbers import Number, agrees, fmt, same_digits
from .derivation_slips import searchable, variants
from .derivation_values import Numbers

__all__ = ["Checker", "digit_slip"]

_MAX_DIAGNOSED = 200            # new errors given a slip search (the rest: formula only)
_FACTORS = ((-1.0, "the sign: yours is minus the correct value"),
            (2.0, "a factor 2: yours is twice the correct value"),
            (0.5, "a factor 1/2: yours is half the correct value"),
            (-2.0, "a factor -2: yours is minus twice the correct value"),
            (-0.5, "a factor -1/2: yours is minus half the correct value"),
            (10.0, "a factor 10: the decimal point one place off"),
            (0.1, "a factor 1/10: the decimal point one place off"))
_HALF_HINT = {"d": " (the 1/2 in E = 1/2 (target - out)^2 and the 2 of the square cancel)",
              "value": " (the 1/2 in E = 1/2 (target - out)^2)"}


class Checker:
    """Checks ``lines`` (LineCheck objects with ``key``, ``number``, ``eta``, ``line``)
    against ``net``; the last line of each quantity is the one the others use."""

    def __init__(self, net, lines):
        self.net, self.lines = net, lines
        self.given = Given(lines)
        self._true = {}

    def true(self, eta):
        if eta not in self._true:
            self._true[eta] = Numbers(self.net, eta=eta)
        return self._true[eta]

    def _yours(self, ln, drop=(), given=None):
        return Numbers(self.net, given or self.given, exclude={ln.key, *drop}, eta=ln.eta,
                       at=ln.line)

    def _source(self, key, ln):
        """The learner's line of ``key`` that the computation of ``ln`` reads."""
        return self.given.pick(key, ln.line)

    def run(self):
        for ln in self.lines:
            ln.correct = self.true(ln.eta).get(ln.key)
            ln.ok = agrees(ln.number, ln.correct) and not zero_for_nonzero(ln.number,
                                                                            ln.correct)
        only_wrong = Given([ln for ln in self.lines if not ln.ok])
        diagnosed = 0
        for ln in self.lines:
            ctx = self._yours(ln)
            ln.from_yours = _safe(ctx.get, ln.key)
            if ln.ok:
                self._uses_true(ln, {k for k in ctx.used if not self._source(k, ln).ok})
                continue
            if self._carried(ln, ctx) or self._carried(
                    ln, self._yours(ln, given=only_wrong), only_wrong):
                continue
            ln.cause = "new"
            ln.wrong_inputs = [         # the learner's wrong lines that move this one
                k for k in sorted(ctx.used, key=lambda k: self._source(k, ln).line)
                if not self._source(k, ln).ok and abs(_safe(self._yours(ln, drop={k}).get,
                                                             ln.key) - ln.from_yours)
                > float(ln.number.unit)]
            ln.searched = diagnosed < _MAX_DIAGNOSED and searchable(self.net, ln.key)
            if diagnosed < _MAX_DIAGNOSED:
                ln.slips = self._slips(ln)
                diagnosed += 1
        self._copying_evidence()

    # ------------------------------------------------------------------ carried / true
    def _uses_true(self, ln, wrong_used):
        """A right line that the learner's wrong lines would have changed: the wrong
        lines whose true value it uses (those without which their numbers give it)."""
        if not wrong_used or agrees(ln.number, ln.from_yours):
            return
        ordered = sorted(wrong_used, key=lambda k: self._source(k, ln).line)
        ln.uses_true = [k for k in ordered
                        if agrees(ln.number, _safe(self._yours(ln, drop={k}).get, ln.key))]
        if not ln.uses_true and agrees(ln.number, _safe(self._yours(ln, drop=ordered).get,
                                                        ln.key)):
            ln.uses_true = ordered

    def _carried(self, ln, ctx, given=None):
        value = ln.from_yours if given is None else _safe(ctx.get, ln.key)
        if not _close(ln.number, value) or zero_for_nonzero(ln.number, value):
            return False
        used = sorted(ctx.used, key=lambda k: self._source(k, ln).line)
        moved = [k for k in used if not _close(
            ln.number, _safe(self._yours(ln, drop={k}, given=given).get, ln.key))]
        bad = [k for k in (moved or used) if not self._source(k, ln).ok]
        if not bad and not moved:
            return False
        ln.cause = "carried"
        ln.carried_from = [self._source(k, ln) for k in (bad or moved)]
        ln.rounding = not bad
        ln.carried_value = value
        ln.carried_given = given or self.given
        return True

    # ------------------------------------------------------------------ slips
    def _updated(self, ln):
        """The weights already updated when ``ln`` was written: the learner's own steps
        of earlier lines, else (for a checker of the notes' rule) every parameter's."""
        mine = {}
        for key in self.given.entries:
            if key[0] == "step" and self.net.is_leaf(key[1]):
                s = self._source(key, ln)
                if s.line < ln.line:
                    mine[key[1]] = s.number.value
        if mine:
            return mine
        true = self.true(ln.eta)
        return {p: true.step(p) for p in self.net.params}

    def _slips(self, ln):
        if zero_for_nonzero(ln.number, ln.correct):
            return [f"{ln.number.text} written, but {display(ln.key)} is not 0: it is "
                    f"{fmt(ln.correct)} (0 has no significant digit to check: write the "
                    f"value's first digits, e.g. {fmt(ln.correct)})"]
        params = self.net.params
        if ln.key[0] == "step" and params and ln.key[1] not in params:
            return [f"{ln.key[1]} is not a parameter: one step updates "
                    f"{', '.join(params[:8])}{', ...' if len(params) > 8 else ''} only, so "
                    f"{display(ln.key)} = {ln.key[1]} = {fmt(ln.correct)}"]
        bases = [({"eta": ln.eta}, ln.correct)]
        if math.isfinite(ln.from_yours) and not agrees(ln.number, ln.from_yours, units=0):
            bases.append(({"given": self.given, "exclude": {ln.key}, "eta": ln.eta,
                           "at": ln.line}, ln.from_yours))
        found = []
        for _, ref in bases:
            if _significant(ln.number) >= 3 and agrees(ln.number, ref, units=1):
                found.append(f"the last digit is one off: {ln.number.text} for "
                             f"{same_digits(ref, ln.number)} (rounding)")
            for f, text in _FACTORS:
                if _distinct(ln.number, f * ref, ref) and _close(ln.number, f * ref):
                    found.append(text + (_HALF_HINT.get(ln.key[0], "") if abs(f) in (2.0, 0.5)
                                         and self._has_half_square(ln.key) else ""))
        matched = []                            # a slip computing the same number as
        for text, evaluate in variants(self.net, ln.key, self._updated(ln)):  # one before
            for base, ref in bases:                                           # is not new
                alt = _safe(evaluate, base)
                if _distinct(ln.number, alt, ref) and _close(ln.number, alt):
                    if not any(abs(alt - m) <= float(ln.number.unit) / 2 for m in matched):
                        found.append(text)
                        matched.append(alt)
                    break
        digits = digit_slip(ln.number, ln.correct)
        if digits and not (_significant(ln.number) >= 3 and agrees(ln.number, ln.correct,
                                                                    units=1)):
            found.append(digits)
        return list(dict.fromkeys(found))

    def _has_half_square(self, key):
        names = self.net.between(key[1], key[2]) if key[0] == "d" else \
            self.net.ancestors(key[1])
        for n in names:
            ops = {v.op for v in self.net.regions[n].interior} if n in self.net.regions else ()
            if "**" in ops and "*" in ops:
                return True
        return False

    def _copying_evidence(self):
        """A new error whose dependents all use its correct value: said, and when no
        slip of the computation fits, it was most likely miscopied."""
        users_of, carried = {}, {id(c) for u in self.lines for c in u.carried_from}
        for u in self.lines:
            for k in u.uses_true:
                users_of.setdefault(id(self._source(k, u)), []).append(u)
        for ln in self.lines:
            if ln.ok or ln.cause != "new":
                continue
            users = users_of.get(id(ln), [])
            if not users or id(ln) in carried:
                continue
            shown = ", ".join(f"line {u.line} {display(u.key)}" for u in users[:4])
            more = f" and {len(users) - 4} more" if len(users) > 4 else ""
            ln.evidence = (f"the lines that use {display(ln.key)} ({shown}{more}) have its "
                           f"correct value")
            computed = [s for s in ln.slips if not s.startswith(("a copying slip", "the last"))]
            if not computed:
                ln.evidence += ": the slip is in writing this line down, not in the computation"


def _safe(f, *args):
    try:
        return f(*args)
    except (ArithmeticError, ValueError, RecursionError):
        return math.nan


def zero_for_nonzero(number, true):
    """A written 0 (0, 0.000) for a quantity that is not 0: the digits rule would call it
    right (0.000438 rounds to 0.000), but a zero claims the quantity vanishes (a missing
    path, a derivative taken as 0): never a match."""
    return number.exact == 0 and math.isfinite(true) and abs(true) > 1e-12


def _significant(number):
    """How many significant digits were written."""
    return len(number.exact.as_tuple().digits) if number.exact else 0


def _close(number, x):
    """Does ``x`` give the number written: by the digits rule, or within one unit of
    its last digit when at least 3 significant digits were written (a value computed
    from rounded numbers may differ there)?"""
    return agrees(number, x) or (_significant(number) >= 3 and agrees(number, x, units=1))


def _distinct(number, alt, ref):
    """Is ``alt`` a number, different from ``ref`` at the digits written?"""
    return math.isfinite(alt) and abs(alt - ref) > float(number.unit)


# ---------------------------------------------------------------------- copying slips
def _edits(r, w):
    """The fewest edits turning the correct digits ``r`` into the written ``w``
    (Damerau-Levenshtein): ("swap", i) | ("sub", i, c) | ("drop", i) | ("add", i, c)."""
    n, m = len(r), len(w)
    d = [[i + j if i * j == 0 else 0 for j in range(m + 1)] for i in range(n + 1)]
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1,
                          d[i - 1][j - 1] + (r[i - 1] != w[j - 1]))
            if i > 1 and j > 1 and r[i - 1] == w[j - 2] and r[i - 2] == w[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
    ops, i, j = [], n, m
    while i or j:
        if i and j and r[i - 1] == w[j - 1] and d[i][j] == d[i - 1][j - 1]:
            i, j = i - 1, j - 1
        elif i > 1 and j > 1 and r[i - 1] == w[j - 2] and r[i - 2] == w[j - 1] and \
                d[i][j] == d[i - 2][j - 2] + 1:
            ops.append(("swap", i - 2))
            i, j = i - 2, j - 2
        elif i and j and d[i][j] == d[i - 1][j - 1] + 1:
            ops.append(("sub", i - 1, w[j - 1]))
            i, j = i - 1, j - 1
        elif i and d[i][j] == d[i - 1][j] + 1:
            ops.append(("drop", i - 1))
            i -= 1
        else:
            ops.append(("add", i, w[j - 1]))
            j -= 1
    return ops[::-1]


def _edit_text(r, op):
    i = op[1]
    after = f"after {r[:i]}" if i else "at the start"
    if op[0] == "swap":
        return f"{r[i]}{r[i + 1]} written as {r[i + 1]}{r[i]}"
    if op[0] == "sub":
        return f"{op[2]} written for the {r[i]} {after}"
    if op[0] == "drop":
        return f"the {r[i]} {after} left out"
    return f"an extra {op[2]} " + ("at the end" if i == len(r) else after)


def digit_slip(number, true):
    """A copying slip, if the digits written are the correct ones with one or two
    digits swapped, changed, left out or added (at least 4 significant digits written)."""
    if number.style or not math.isfinite(true) or (number.exact < 0) != (true < 0):
        return None
    w = f"{abs(number.exact):f}"
    if len(w) > 40 or len(w.replace(".", "").lstrip("0")) < 4:
        return None
    best = None
    for unit in (number.unit, number.unit * 10, number.unit / 10):
        if unit >= 1 and "." in w:
            continue
        r = same_digits(abs(true), Number(w, 0.0, number.exact, unit))
        ops = _edits(r, w)
        if ops and len(ops) <= 2 and all(r[o[1]: o[1] + 1] != "." and
                                         (len(o) < 3 or o[2] != ".") for o in ops):
            if best is None or len(ops) < len(best[1]) or (len(ops) == len(best[1])
                                                          and unit == number.unit):
                best = (r, ops)
    if best is None:
        return None
    r, ops = best
    return (f"a copying slip: {w} for {r} ({'; '.join(_edit_text(r, o) for o in ops)})")
