"""What ``check_derivation`` found: one ``LineCheck`` per quantity read, and the
``DerivationReport`` that shows them (plain text in a terminal, an HTML table in
Jupyter with the wrong lines highlighted; every piece of the learner's text escaped)."""

import html
import math
from dataclasses import dataclass, field

from .derivation_names import display
from .derivation_numbers import Number, fmt, same_digits

__all__ = ["LineCheck", "DerivationReport"]


@dataclass(eq=False)
class LineCheck:
    """One quantity of one line. ``line`` (1-based; ``last`` when it spans several),
    ``text`` (the line as written), ``written`` (its name as written), ``key``,
    ``number`` (a ``Number``), ``eta`` (the learning rate it uses). Filled by the check:
    ``correct`` (the true value), ``ok``, ``from_yours`` (computed from the learner's
    other lines), ``cause`` ("new" or "carried" for a wrong line), ``carried_from``
    (the LineChecks it carries forward), ``rounding`` (carried from rounded right lines
    only), ``slips`` (likely slips, as text), ``uses_true`` (for a right line: the keys
    of wrong lines whose true value it uses), ``formula`` / ``formula_numbers`` /
    ``yours_formula`` (how it is computed: in names, with the true numbers, with yours),
    ``evidence`` (for a new error whose users are right: it was miscopied),
    ``wrong_inputs`` (for a new error: the learner's wrong lines its computation reads),
    ``searched`` (whether its slips were searched in full)."""
    line: int
    last: int
    text: str
    written: str
    key: tuple
    number: Number
    eta: float = 0.5
    correct: float = math.nan
    ok: bool = False
    from_yours: float = math.nan
    cause: str = ""
    carried_from: list = field(default_factory=list)
    rounding: bool = False
    carried_value: float = math.nan
    slips: list = field(default_factory=list)
    uses_true: list = field(default_factory=list)
    formula: str = ""
    formula_numbers: str = ""
    yours_formula: str = ""
    evidence: str = ""
    wrong_inputs: list = field(default_factory=list)
    searched: bool = True
    leaf: bool = False
    carried_given: object = field(default=None, repr=False)

    @property
    def quantity(self):
        """The quantity's name as the report writes it (``∂E_total/∂w5``, ``w5+``)."""
        return display(self.key)

    @property
    def yours(self):
        """The learner's number (a float)."""
        return self.number.value

    @property
    def correct_text(self):
        """The true value to the digits the learner wrote (a written 0 for a value that
        is not 0: the value's own digits, as 0 would look like a match)."""
        if self.number.exact == 0 and math.isfinite(self.correct) and \
                abs(self.correct) > 1e-12:
            return fmt(self.correct)
        return same_digits(self.correct, self.number)

    def verdict(self):
        """``right``, ``right (uses the true X)``, ``WRONG: a new error``, ``WRONG:
        carried from line N`` or ``WRONG: carried rounding from line N``."""
        if self.ok:
            if self.uses_true:
                names = ", ".join(display(k) for k in self.uses_true)
                return f"right (uses the true {names})"
            return "right"
        if self.cause == "carried":
            lines = ", ".join(str(c.line) for c in self.carried_from)
            what = "carried rounding from line" if self.rounding else "carried from line"
            return f"WRONG: {what}{'s' if len(self.carried_from) > 1 else ''} {lines}"
        return "WRONG: a new error"

    def _equation(self, numbers, result):
        if not self.formula:
            if self.key[0] == "value" and self.leaf:
                return f"{self.quantity} is a given number of the graph: {result}"
            return f"{self.quantity} = {result} (its formula is too long to write out)"
        parts = [self.quantity, self.formula]
        if numbers != self.formula:
            parts.append(numbers)
        if result != numbers:
            parts.append(result)
        return " = ".join(parts)

    def details(self):
        """The lines under a wrong line: the formula with the numbers in, the cause,
        the likely slip."""
        if self.ok:
            if not self.uses_true:
                return []
            return [f"from your lines it would be {same_digits(self.from_yours, self.number)}"
                    f"; this line uses the true value"]
        out = [self._equation(self.formula_numbers, self.correct_text)]
        if self.cause == "carried":
            sources = "; ".join(f"line {c.line}: {c.quantity} = {c.number.text}"
                                for c in self.carried_from)
            kind = ("your rounded numbers" if self.rounding else "your earlier wrong line"
                    + ("s" if len(self.carried_from) > 1 else ""))
            out.append(f"carried forward from {kind} ({sources}): from your numbers "
                       + self._equation(self.yours_formula,
                                        same_digits(self.carried_value, self.number)))
            if self.rounding:
                out.append("keep more digits in those lines, or write fewer digits here")
            return out
        if self.wrong_inputs and math.isfinite(self.from_yours) and \
                abs(self.from_yours - self.correct) > float(self.number.unit):
            names = ", ".join(display(k) for k in self.wrong_inputs)
            out.append(f"a new error: from your own lines (with your {names}) it would be "
                       f"{same_digits(self.from_yours, self.number)}")
        else:
            out.append("a new error (the lines it uses are right)")
        out += [f"likely slip: {s}" for s in self.slips] or [
            "no simple slip found: compare your working with the formula, factor by factor"
            if self.searched else "slips not searched (the first 200 new errors, through "
            "at most 200 named nodes, are): compare your working with the formula"]
        return out + ([self.evidence] if self.evidence else [])


_RULE = ("a number is right when the true value, rounded or truncated to the digits "
         "written, gives it")
_HEAD = ["line", "quantity", "yours", "correct", "verdict"]
_CELL = "padding:2px 0.4em;vertical-align:top;text-align:left"
_WRONG = "background:#fdecea;color:#8a1c1c"
_PRE = "white-space:pre-wrap;word-break:normal;overflow-wrap:anywhere;margin:0"


class DerivationReport:
    """The result of ``check_derivation``. ``lines`` (every ``LineCheck``), ``wrong``
    (the wrong ones), ``first_wrong``, ``unread`` (lines not read: ``.line``, ``.text``,
    ``.reason``), ``read_as`` (``[(written, read as, [line numbers])]``), ``rates``
    (learning rates stated: ``[(line, value)]``), ``ok`` (something was read and no
    line is wrong), ``nothing_read``. ``str()`` is the text report; Jupyter shows a table."""

    def __init__(self, lines, unread, read_as, rates, description, eta):
        self.lines, self.unread, self.read_as = lines, unread, read_as
        self.rates, self.description, self.eta = rates, description, eta
        self.wrong = [ln for ln in lines if not ln.ok]
        self.first_wrong = self.wrong[0] if self.wrong else None
        self.nothing_read = not lines
        self.ok = bool(lines) and not self.wrong

    def summary(self):
        """The report's first line."""
        if self.nothing_read:
            why = "the text is empty" if not self.unread else \
                f"{len(self.unread)} line{'s' if len(self.unread) > 1 else ''} not read"
            return f"check_derivation: nothing could be read ({why})"
        n, bad = len(self.lines), len(self.wrong)
        things = "the quantity read is" if n == 1 else f"all {n} quantities read are"
        verdict = (f"{things} right" if not bad else
                   f"{bad} of {n} {'quantity' if n == 1 else 'quantities'} wrong (first: "
                   f"line {self.first_wrong.line}, {self.first_wrong.quantity})")
        return f"check_derivation: {verdict}"

    def context(self):
        """The report's second line: what it checked against, η, the digits rule."""
        rates = "; ".join(f"η = {fmt(x)} (line {n})" for n, x in self.rates)
        eta = rates or f"learning rate η = {fmt(self.eta)}"
        return f"checked against {self.description}; {eta}; {_RULE}"

    def message(self):
        """One line naming the first problem (the assert form's first line)."""
        ln = self.first_wrong
        if ln:
            return (f"line {ln.line}: {ln.quantity} = {ln.number.text} is wrong, correct "
                    f"{ln.correct_text} ({ln._equation(ln.formula_numbers, ln.correct_text)})")
        if self.nothing_read:
            return self.summary()
        if self.unread:
            u = self.unread[0]
            return f"line {u.line} not read: {u.reason}"
        return self.summary()

    def _rows(self):
        return [[str(ln.line), ln.quantity, ln.number.text, ln.correct_text, ln.verdict()]
                for ln in self.lines]

    def _notes(self):
        out = []
        if self.read_as:
            out.append("read as: " + "; ".join(
                f"{w!r} as {r} (line{'s' if len(n) > 1 else ''} {', '.join(map(str, n))})"
                for w, r, n in self.read_as))
        if self.unread:
            out.append(f"not read ({len(self.unread)} line{'s' if len(self.unread) > 1 else ''}):")
            out += [f"  line {u.line}: {_short(u.text)!r}: {u.reason}" for u in self.unread]
        return out

    def __str__(self):
        lines = [self.summary()]
        if self.lines:
            lines.append(self.context())
            rows = [_HEAD] + self._rows()
            widths = [max(len(r[k]) for r in rows) for k in range(len(_HEAD) - 1)]
            for row, ln in zip(rows, [None] + self.lines):
                cells = [row[0].rjust(widths[0])] + [t.ljust(w) for t, w in
                                                     zip(row[1:-1], widths[1:])] + [row[-1]]
                lines.append("  " + "  ".join(cells).rstrip())
                for d in (ln.details() if ln is not None else []):
                    lines.append(" " * (4 + widths[0]) + d)
        return "\n".join(lines + self._notes())

    def __repr__(self):
        return str(self)

    def _repr_html_(self):
        """The table as HTML with inline styles (kept in an untrusted notebook); wrong
        rows highlighted, their details below them; all text escaped."""
        e = html.escape
        head = "".join(f'<th style="{_CELL}">{e(h)}</th>' for h in _HEAD)
        body = []
        for row, ln in zip(self._rows(), self.lines):       # narrow columns; the verdict's
            style = f' style="{_WRONG}"' if not ln.ok else ""   # words go below the row
            short = "right" if ln.ok else "WRONG"
            row = row[:4] + [short]
            cells = "".join(f'<td style="{_CELL}{";white-space:nowrap" if k in (2, 3) else ""}">'
                            f"{e(t)}</td>" for k, t in enumerate(row))
            body.append(f"<tr{style}>{cells}</tr>")
            details = ([ln.verdict()] if ln.ok and ln.uses_true else []) + ln.details()
            if details:
                text = "\n".join(details)
                body.append(f"<tr{style}><td></td><td colspan=\"4\" style=\"{_CELL}\">"
                            f"<pre style=\"{_PRE}\">{e(text)}</pre></td></tr>")
        notes = "".join(f'<pre style="{_PRE}">{e(n)}</pre>' for n in self._notes())
        table = (f'<div style="overflow-x:auto;max-width:64em">'
                 f'<table style="border-collapse:collapse;font-size:0.92em">'
                 f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
                 ) if self.lines else ""
        context = f"<p>{e(self.context())}</p>" if self.lines else ""
        return f"<p><b>{e(self.summary())}</b></p>{context}{table}{notes}"


def _short(text):
    text = text.replace("\n", " ⏎ ")
    return text if len(text) <= 100 else text[:97] + "..."
