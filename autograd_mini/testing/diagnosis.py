"""The diagnosis of the first wrong entry: both numbers, its chain-rule paths, and the
usual slips (a simple factor, a path missing, doubled or sign-flipped, a derivative left
out), or what makes the entry no formula slip at all (a kink, rounding, a cut graph)."""

import math

from ..visual.analysis import PATH_CAP as MANY
from ..visual.analysis import count_paths
from ..visual.explain import explain
from .chain import reachable
from .combinations import MAX_LISTED_PATHS, MAX_SUBSET_PATHS, path_findings
from .compare import DIAGNOSIS_RTOL, factor_of, factor_text
from .tolerance import rounding_words
from .units import op_text, unit_findings, unit_scope, units
from .words import entry_name, fmt, plural

_MAX_PATH_NODES = 2000          # paths over more nodes are not listed (explain is slow there)
_CUT = "float(), .data, .item(), .astype(float), np.asarray(..., dtype=float)"


def _explain_call(name, index):
    return f"report.explain({name!r}, {index!r})" if index else f"report.explain({name!r})"


def _cut_text(report, entry, name):
    """Why the loss does not depend on an entry: what the forward read as plain numbers."""
    reads = report.reads.conversions if report.reads else []
    seen = ""
    if reads:
        kind, v = reads[0]
        label = f" {v.label}" if v.label else ""
        seen = (f"; the forward read {plural(len(reads), 'Value', 'Values')} as plain "
                f"numbers, the first{label} by {kind}()")
    return (f"  the loss does not depend on {entry} through the Values it was given, so the "
            f"engine's gradient is 0; if it should, the forward turned {name} into plain "
            f"numbers ({_CUT}) and cut the graph{seen}")


def _diagnosis_head(report, name, index, yours, engine):
    """The first lines, the entry's nodes (None when no path analysis can follow) and a
    cause in a few words."""
    entry = entry_name(name, index)
    lines = [f"First wrong entry {entry}: yours {fmt(yours, 9)}, engine {fmt(engine, 9)}"]
    for side, x in (("your value", yours), ("the engine's gradient", engine)):
        if not math.isfinite(x):
            lines.append(f"  {side} is {x!r}: NaN and inf never pass (0/0, log 0, an overflow, "
                         f"an uninitialised np.empty?)")
    if len(lines) > 1:
        which = "yours" if not math.isfinite(yours) else "the engine's"
        return lines, None, f"{which} is {yours if which == 'yours' else engine!r}"
    nodes = reachable(report.order, report.leaf(name, index))
    if nodes[-1] is not report.output:
        lines.append(_cut_text(report, entry, name))
        return lines, None, "the loss does not depend on it (the graph is cut)"
    return lines, nodes, ""


def _saturated(nodes):
    """How many tanh and sigmoid nodes among ``nodes`` are within 1e-6 of their limits."""
    return sum(1 for v in nodes if v.op == "tanh" and 1.0 - abs(v.data) < 1e-6
               or v.op == "sigmoid" and min(v.data, 1.0 - v.data) < 1e-6)


def _path_search(report, nodes, name, index, yours, tol):
    """Lines listing the paths (or why not), what matched, a short cause, searched?"""
    entry, output = entry_name(name, index), report.output
    counted = count_paths(nodes, nodes[0])
    n, live = counted.count.get(output, 0), counted.nonzero.get(output, 0)
    if live <= MAX_SUBSET_PATHS and n <= MAX_LISTED_PATHS and len(nodes) <= _MAX_PATH_NODES:
        expl = explain(output, nodes[0], max_paths=MAX_LISTED_PATHS)
        lines = ["  " + line for line in str(expl).splitlines()]
        search, findings, short = path_findings(expl, output, nodes[0], yours, tol)
        return lines + [f"  {search}" + ("" if findings else ": none gives yours")], \
            findings, short, True
    count = f"more than {MANY:.0e} paths" if n >= MANY else plural(n, "path", "paths")
    nonzero = f" ({live:,} of them not 0)" if live != n else ""
    why = (f"too many to search their combinations (up to {MAX_SUBSET_PATHS} paths that "
           f"are not 0 are, of up to {MAX_LISTED_PATHS})"
           if live > MAX_SUBSET_PATHS or n > MAX_LISTED_PATHS
           else f"over {len(nodes):,} nodes, too long to list")
    return [f"  {count} from {entry} to the loss{nonzero}: {why}; "
            f"{_explain_call(name, index)} shows them"], [], "", False


def diagnose(report):
    """``(text, cause)``: the text explaining the first wrong entry (its paths and the
    likely slip) and that cause in a few words, for the headline."""
    first = next(((c.name, c.wrong[0]) for c in report.params.values() if c.wrong), None)
    if first is None:
        return "", ""
    name, (index, yours, engine) = first
    lines, nodes, cause = _diagnosis_head(report, name, index, yours, engine)
    if nodes is None:
        return "\n".join(lines), cause
    entry, m = entry_name(name, index), report.batch_size
    atol = report.params[name].room(index)
    tol = (max(report.rtol, DIAGNOSIS_RTOL), atol)
    kinked = report.kinks and report.kinks.at(nodes[0])
    if kinked:
        lines.append(report.kinks.text(nodes[0], name, index, engine))
    rounding = rounding_words(yours, engine, report.tolerance.scale, report.precision,
                              _saturated(nodes))
    if rounding and report.precision != "float64" and not kinked and yours * engine >= 0:
        return "\n".join(lines + [f"  → {rounding}"]), rounding.split(":")[0]
    if abs(yours) <= atol and not kinked:
        return "\n".join(lines + [f"  → your value is 0: nothing reached {entry} (an entry "
                                  f"never filled in, or every path dropped?)"]), \
            "yours is 0: nothing reached it"
    k = factor_of([(yours, engine, atol)], m, report.rtol)
    if k is not None:
        return "\n".join(lines + [f"  → your value is {factor_text(k, m)}"]), \
            f"yours is {factor_text(k, m)}"
    more, findings, cause, searched = _path_search(report, nodes, name, index, yours, tol)
    lines += more
    found = units(report.order)
    for unit, j in unit_findings(found, nodes, report.output, yours, tol):
        text, short = op_text(unit, j, entry)
        findings.append(text + unit_scope(report, found[unit], j, name))
        cause = cause or short
    if not findings and kinked:
        findings = ["at a kink any one-sided derivative is a fair answer and conventions "
                    "differ (PyTorch takes relu'(0) = 0); yours is none of them here. Check "
                    "at a point where no value sits on a kink (random values)"]
        cause = "at a kink of the loss, and yours is no one-sided derivative there"
    if not findings and rounding:
        findings, cause = [rounding], rounding.split(":")[0]
    if not findings:
        factors = "-1, ±2, ±1/2" + (f", ±m, ±1/m (m = {m})" if m else "")
        tried = [f"a simple multiple of the engine's ({factors})",
                 *(["a combination of its paths"] if searched else []),
                 "the engine's with one function's derivative left out"]
        findings = [f"no simple cause found: yours is not {', not '.join(tried)}; compare your "
                    f"formula factor by factor with {_explain_call(name, index)}"]
        cause = "no simple cause found"
    return "\n".join(lines + ["  → " + f for f in findings]), cause
