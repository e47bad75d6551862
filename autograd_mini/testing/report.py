"""What check_gradients found: ``GradientReport``, a table in text and in HTML."""

import html

from ..visual.explain import explain
from .inputs import indices, shaped
from .words import entry_name, fmt, plural

_SHOWN = 3                      # wrong entries listed per parameter


def _err(x):
    return f"{x:.2g}" if x else "0"


def _shape_text(shape):
    return "scalar" if shape == () else str(shape) if shape is not None else "-"


def _row_details(check):
    """The lines under a parameter's row, ``(text, wraps)``: its first wrong entries (one
    line each), its note and the entries accepted at a kink (sentences that wrap)."""
    lines = [(f"{entry_name(check.name, i)}: yours {fmt(y, 9)}, engine {fmt(e, 9)}", False)
             for i, y, e in check.wrong[:_SHOWN]]
    if len(check.wrong) > _SHOWN:
        lines.append((f"... ({len(check.wrong) - _SHOWN} more)", False))
    return lines + [(t, True) for t in [check.note] if t] + [(t, True) for t in
                                                            _kink_lines(check)]


def _kink_lines(check):
    lines = [f"{entry_name(check.name, i)} at a kink: yours {fmt(y, 9)} is {side}, the "
             f"engine's {fmt(e, 9)} the forward's branch: accepted"
             for i, y, e, side in check.at_kink[:_SHOWN]]
    if len(check.at_kink) > _SHOWN:
        lines.append(f"({len(check.at_kink) - _SHOWN} more entries at a kink accepted)")
    return lines


def point_notes(parsed):
    """What the point of the check cannot see: a parameter that is 0 in every entry."""
    zero = [name for name, (_, _, flat) in parsed.items() if flat and not any(flat)]
    if not zero:
        return []
    names = ", ".join(zero)
    return [f"{names} {'is' if len(zero) == 1 else 'are'} 0 in every entry: a backward whose "
            f"own forward leaves {'it' if len(zero) == 1 else 'them'} out (z = W x instead of "
            f"W x + b) gives the same numbers here and passes; check at random values too"]


def _row_cells(check):
    """Name, shape, max abs err, max rel err, wrong entries."""
    if check.status in ("ok", "wrong"):
        return [check.name, _shape_text(check.shape), _err(check.max_abs), _err(check.max_rel),
                f"{len(check.wrong)} of {len(check.entries)}"]
    what = {"shape": "shape mismatch", "missing": "missing from grads",
            "extra": "not a parameter"}[check.status]
    return [check.name, _shape_text(check.shape), "", "", what]


class GradientReport:
    """What ``check_gradients`` found. ``str()`` is a table, in Jupyter an HTML table.

    ``ok`` (bool), ``mismatches`` (``[(name, index, yours, engine), ...]``, index a tuple,
    () for a scalar), ``problems`` (missing or extra keys, shape mismatches, as text),
    ``params`` (name -> ``ParameterCheck``), ``engine`` (name -> the engine's gradient
    in the parameter's form), ``diagnosis`` (text about the first wrong entry),
    ``batch_size`` (m, when the loss ends in a division by m), ``output`` (the loss
    Value), ``order`` (the graph's nodes in topological order), ``leaves`` (name -> the
    Values of its entries, row-major; ``leaf(name, index)`` gives one), ``rtol`` and
    ``atol`` (the numbers used) and ``tolerance`` (how they were chosen), ``notes`` (what
    this point cannot check), ``cause`` (the diagnosis in one line), ``seconds``
    (forward, backward, compare, diagnosis); ``headline()`` is the first line of
    ``assert_gradients``' message.
    """

    _HEAD = ["parameter", "shape", "max abs err", "max rel err", "wrong entries"]

    def __init__(self, checks, graph, forms, tolerance, batch_size, *, problems=(),
                 notes=(), kinks=None, reads=None, precision="float64"):
        output, self.order, leaves = graph
        self.params = {c.name: c for c in checks}
        self.output, self.leaves, self.batch_size = output, leaves, batch_size
        self.tolerance, self.rtol, self.atol = tolerance, tolerance.rtol, tolerance.atol
        self.notes, self.kinks, self.reads, self.precision = list(notes), kinks, reads, precision
        self.engine = {name: shaped(kind, shape, [v.grad for v in leaves[name]], float)
                       for name, (kind, shape) in forms.items()}
        self.mismatches = [(c.name, i, y, e) for c in checks for i, y, e in c.wrong]
        self.problems = [f"{c.name}: {c.note}" for c in checks
                         if c.status in ("shape", "missing", "extra")] + list(problems)
        self._general = list(problems)          # problems of no one parameter (vacuous)
        self.ok = not self.mismatches and not self.problems
        self.diagnosis = self.cause = ""
        self.seconds = {}

    def leaf(self, name, index=()):
        """The Value of one entry of a parameter, or an error naming what is wrong."""
        if name not in self.leaves:
            raise KeyError(f"no parameter {name!r}; the parameters are {list(self.leaves)}")
        index = (index,) if isinstance(index, int) else tuple(index)
        shape = self.params[name].shape
        if len(index) != len(shape) or not all(0 <= i < n for i, n in zip(index, shape)):
            raise IndexError(f"{name} has shape {shape}; index {index} is not one of its "
                             f"entries")
        return self.leaves[name][indices(shape).index(index)]

    def explain(self, name, index=(), **kwargs):
        """``autograd_mini.explain`` of the loss with respect to one entry: its chain-rule
        paths and their sum, the engine's gradient (``via``, ``precision``, ``max_paths``
        as there)."""
        return explain(self.output, self.leaf(name, index), **kwargs)

    def _verdict(self):
        """'all parameters match the engine', '2 of 4 parameters wrong, 1 extra key'."""
        if self.ok:
            return "all parameters match the engine"
        checks = [c for c in self.params.values() if c.status != "extra"]
        wrong = sum(c.status != "ok" for c in checks)
        extra = len(self.params) - len(checks)
        parts = ([f"{wrong} of {plural(len(checks), 'parameter', 'parameters')} wrong"]
                 if wrong else []) + (["no match: the comparison is vacuous"]
                                      if self._general else [])
        if extra:
            parts.append(f"{plural(extra, 'extra key', 'extra keys')} in grads")
        return ", ".join(parts)

    def _summary(self):
        return (f"check_gradients: {self._verdict()} ({self.tolerance.text()}: an entry passes "
                f"when |yours - engine| <= atol + rtol·|engine|)")

    def headline(self):
        """One line: the first wrong entry, its likely cause, both numbers (or the first
        problem), then the verdict. The cause comes early: ``pytest -rf`` cuts the line at
        the terminal's width."""
        if self.ok:
            return f"check_gradients: {self._verdict()}"
        if self.mismatches:
            name, index, yours, engine = self.mismatches[0]
            cause = f"{self.cause}; " if self.cause else ""
            first = (f"{entry_name(name, index)} wrong: {cause}yours {fmt(yours, 9)}, engine "
                     f"{fmt(engine, 9)}")
        else:
            first = self.problems[0]
        return f"{first} (check_gradients: {self._verdict()})"

    def __str__(self):
        rows = [self._HEAD] + [_row_cells(c) for c in self.params.values()]
        widths = [max(len(r[k]) for r in rows) for k in range(len(self._HEAD))]
        lines = [self._summary()]
        for row, check in zip(rows, [None, *self.params.values()]):
            lines.append("  " + "  ".join(t.ljust(w) for t, w in zip(row, widths)).rstrip())
            pad = " " * (4 + widths[0])
            lines += [pad + d for d, _ in (_row_details(check) if check else [])]
        lines += [f"  {text}" for text in self._general]
        lines += [f"  note: {text}" for text in self.notes]
        if self.diagnosis:
            lines += ["", self.diagnosis]
        return "\n".join(lines)

    def __repr__(self):
        return str(self)

    def _repr_html_(self):
        """The table as HTML, with inline styles only (an untrusted notebook keeps them):
        padded cells, numbers that do not break, a table that scrolls sideways where the
        page is narrower, a diagnosis that wraps at spaces."""
        details = [_row_details(c) for c in self.params.values()]
        head = self._HEAD + (["first wrong entries"] if any(details) else [])
        rows = [f"<tr>{''.join(_th(h, k) for k, h in enumerate(head))}</tr>"]
        for check, lines in zip(self.params.values(), details):
            colour = "" if check.status == "ok" else ' style="color:#b00"'
            cells = [_td(t, k) for k, t in enumerate(_row_cells(check))]
            if len(head) > len(self._HEAD):
                cells.append(_td("<br>".join(_detail(*d) for d in lines), None))
            rows.append(f"<tr{colour}>{''.join(cells)}</tr>")
        diagnosis = "".join(f"<p>{html.escape(t)}</p>" for t in
                            self._general + [f"note: {n}" for n in self.notes])
        if self.diagnosis:
            diagnosis += f'<pre style="{_PRE_STYLE}">{html.escape(self.diagnosis)}</pre>'
        return (f"<p>{html.escape(self._summary())}</p><div style=\"overflow-x:auto\">"
                f"<table style=\"border-collapse:collapse\"><thead>{rows[0]}</thead>"
                f"<tbody>{''.join(rows[1:])}</tbody></table></div>{diagnosis}")


# the report's HTML: inline styles (JupyterLab keeps them in an untrusted notebook, where
# a <style> element is dropped); the diagnosis wraps at spaces (JupyterLab's own
# word-break:break-all would cut words), and within a word only where the word alone is
# wider than the column
_PRE_STYLE = "white-space:pre-wrap;word-break:normal;overflow-wrap:anywhere"
_CELL = "padding:2px 0.6em;vertical-align:top;text-align:"


def _detail(line, wraps):
    """One line of the details column: an entry's numbers stay on one line, a note wraps."""
    text = html.escape(line)
    return text if wraps else f'<span style="white-space:nowrap">{text}</span>'


def _th(text, k):
    return f'<th style="{_CELL}{"left" if k in (0, 5) else "right"}">{html.escape(text)}</th>'


def _td(text, k):
    """Cell ``k``: 0 the name; 1-4 shape, errors and count (right-aligned, never broken);
    None the details column (already HTML)."""
    if k is None:
        return f'<td style="{_CELL}left">{text}</td>'
    align = "left" if k == 0 else "right;white-space:nowrap"
    return f'<td style="{_CELL}{align}">{html.escape(text)}</td>'
