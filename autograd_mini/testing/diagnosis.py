"""The diagnosis of the first wrong entry: both numbers, its chain-rule paths, and the
usual slips (a simple factor, a path missing, doubled or sign-flipped, a derivative left
out)."""

import math

from ..visual.explain import explain
from .chain import MANY, count_paths, reachable
from .combinations import MAX_LISTED_PATHS, MAX_SUBSET_PATHS, path_findings
from .compare import DIAGNOSIS_RTOL, factor_of, factor_text
from .units import op_text, unit_findings, unit_scope, units
from .words import entry_name, fmt, plural

_MAX_PATH_NODES = 2000          # paths over more nodes are not listed (explain is slow there)


def _explain_call(name, index):
    return f"report.explain({name!r}, {index!r})" if index else f"report.explain({name!r})"


def _diagnosis_head(report, name, index, yours, engine):
    """The first lines: the entry, both numbers, and what stops a path analysis."""
    entry = entry_name(name, index)
    lines = [f"First wrong entry {entry}: yours {fmt(yours, 9)}, engine {fmt(engine, 9)}"]
    for side, x in (("your value", yours), ("the engine's gradient", engine)):
        if not math.isfinite(x):
            lines.append(f"  {side} is {x!r}: NaN and inf never pass (0/0, log 0, an overflow, "
                         f"an uninitialised np.empty?)")
    if len(lines) > 1:
        return lines, None
    nodes = reachable(report.order, report.leaf(name, index))
    if nodes[-1] is not report.output:
        lines.append(f"  the loss does not depend on {entry} through the Values it was given, "
                     f"so the engine's gradient is 0; if it should, the forward turned {name} "
                     f"into plain numbers (float(), .data, .item(), .astype(float), "
                     f"np.asarray(..., dtype=float)) and cut the graph")
        return lines, None
    return lines, nodes


def diagnose(report):
    """The text explaining the first wrong entry: its paths and the likely slip."""
    first = next(((c.name, c.wrong[0]) for c in report.params.values() if c.wrong), None)
    if first is None:
        return ""
    name, (index, yours, engine) = first
    lines, nodes = _diagnosis_head(report, name, index, yours, engine)
    if nodes is None:
        return "\n".join(lines)
    entry, output, m = entry_name(name, index), report.output, report.batch_size
    tol = (max(report.rtol, DIAGNOSIS_RTOL), report.atol)
    k = factor_of([(yours, engine)], m, *tol)
    if k is not None:
        return "\n".join(lines + [f"  → your value is {factor_text(k, m)}"])
    if abs(yours) <= report.atol:
        return "\n".join(lines + [f"  → your value is 0: nothing reached {entry} (an entry "
                                  f"never filled in, or every path dropped?)"])
    findings = []
    n, live = count_paths(nodes, output)
    searched = (live <= MAX_SUBSET_PATHS and n <= MAX_LISTED_PATHS
                and len(nodes) <= _MAX_PATH_NODES)
    if searched:
        expl = explain(output, nodes[0], max_paths=MAX_LISTED_PATHS)
        lines += ["  " + line for line in str(expl).splitlines()]
        search, findings = path_findings(expl, output, nodes[0], yours, tol)
        lines.append(f"  {search}" + ("" if findings else ": none gives yours"))
    else:
        count = f"more than {MANY:.0e} paths" if n >= MANY else plural(n, "path", "paths")
        nonzero = f" ({live:,} of them not 0)" if live != n else ""
        why = (f"too many to search their combinations (up to {MAX_SUBSET_PATHS} paths that "
               f"are not 0 are, of up to {MAX_LISTED_PATHS})"
               if live > MAX_SUBSET_PATHS or n > MAX_LISTED_PATHS
               else f"over {len(nodes):,} nodes, too long to list")
        lines.append(f"  {count} from {entry} to the loss{nonzero}: {why}; "
                     f"{_explain_call(name, index)} shows them")
    found = units(report.order)
    findings += [op_text(unit, j, entry) + unit_scope(report, found[unit], j, name)
                 for unit, j in unit_findings(found, nodes, output, yours, tol)]
    if not findings:
        factors = "-1, ±2, ±1/2" + (f", ±m, ±1/m (m = {m})" if m else "")
        tried = [f"a simple multiple of the engine's ({factors})",
                 *(["a combination of its paths"] if searched else []),
                 "the engine's with one function's derivative left out"]
        findings = [f"no simple cause found: yours is not {', not '.join(tried)}; compare your "
                    f"formula factor by factor with {_explain_call(name, index)}"]
    return "\n".join(lines + ["  → " + f for f in findings])
