"""A gradient is the sum of its chain-rule paths: which combination of them (each taken
-1, 0, 1 or 2 times) gives your number, i.e. which path is missing, doubled or has its
sign flipped."""

import itertools
import math

from ..visual.explain import explain
from .words import fmt, plural

MAX_SUBSET_PATHS = 12           # subsets of up to 2^12 = 4096 path sums are searched
MAX_LISTED_PATHS = 64           # (paths that are 0, such as y log a at y = 0, left aside)
_MAX_SIGNED_PATHS = 6           # coefficients -1, 0, 1, 2 for up to 4^6 = 4096 sums


def _path_names(paths):
    """For each path, the first node (from the loss down) that no other path goes through."""
    names = []
    for k, steps in enumerate(paths):
        others = {s for i, other in enumerate(paths) if i != k for s in other}
        names.append(next((s for s in steps if s not in others), None))
    return names


def _combinations(values, target, tol):
    """The coefficient vectors c (not all 1) with sum c_i values_i = target within tol
    that change the fewest coefficients, and the coefficients searched."""
    coefs = (-1, 0, 1, 2) if len(values) <= _MAX_SIGNED_PATHS else (0, 1)
    best, fewest = [], len(values) + 1
    for c in itertools.product(coefs, repeat=len(values)):
        changed = sum(x != 1 for x in c)
        if changed == 0 or changed > fewest:
            continue
        if abs(math.fsum(x * v for x, v in zip(c, values)) - target) <= tol:
            best = best + [c] if changed == fewest else [c]
            fewest = changed
    return best, coefs


def _combination_text(c, names, live):
    """('path 1 alone', 'path 2, through out_o2, is missing') for coefficients c of the
    paths, of which those in ``live`` are not 0."""
    def path(i):
        return f"path {i + 1}, through {names[i]}," if names[i] else f"path {i + 1}"
    used = [(i, x) for i, x in enumerate(c) if x and i in live]
    if len(used) == 1 and used[0][1] == 1:
        expr = f"path {used[0][0] + 1} alone"
    else:
        terms = [{1: "", 2: "2 × ", -1: "-"}[x] + f"path {i + 1}" for i, x in used]
        expr = " + ".join(terms).replace("+ -", "- ") or "no path at all"
    faults = ([f"{path(i)} is missing" for i, x in enumerate(c) if x == 0]
              + [f"{path(i)} is counted twice" for i, x in enumerate(c) if x == 2]
              + [f"{path(i)} has its sign flipped" for i, x in enumerate(c) if x == -1])
    return expr, "; ".join(faults)


def _spread(c, live, n):
    """Coefficients for the live paths, 1 for the paths that are 0."""
    full = [1] * n
    for i, x in zip(live, c):
        full[i] = x
    return tuple(full)


def path_findings(expl, output, leaf, yours, tol):
    """The search's description, what matched, and the first match in a few words (or
    ""), from the explanation's paths."""
    values = [p.value for p in expl.paths]
    live = [i for i, v in enumerate(values) if v != 0]
    names = _path_names([p.steps[1:-1] for p in expl.paths])
    if None in names and len(values) > 1:
        full = explain(output, leaf, via="all", max_paths=MAX_SUBSET_PATHS)
        names = [a or b for a, b in zip(names, _path_names([p.steps[1:-1] for p in full.paths]))]
    tol_abs = tol[1] + tol[0] * max(math.fsum(map(abs, values)), abs(yours))
    found, coefs = _combinations([values[i] for i in live], yours, tol_abs)
    found = [_spread(c, live, len(values)) for c in found]
    how = ", ".join(map(str, coefs[:-1])) + f" or {coefs[-1]}"
    zeros = len(values) - len(live)
    search = (f"searched all {len(coefs)}^{len(live)} = {len(coefs) ** len(live)} "
              f"combinations of the {plural(len(live), 'path', 'paths')}"
              + (f" that are not 0 (the other {zeros} are)" if zeros else "")
              + f", each taken {how} times")
    d = f"∂{expl.out_name}/∂{expl.wrt_name}"
    texts, short = [], ""
    for c in found[:3]:
        expr, faults = _combination_text(c, names, set(live))
        texts.append(f"your {d} = {fmt(yours, 9)} is {expr}" + (f"; {faults}" if faults else ""))
        short = short or faults or f"yours is {expr}"
    if len(found) > 1:
        texts = ["several combinations of the paths fit equally well: " + " | ".join(texts)]
        short = f"several combinations of the paths fit, e.g. {short}"
    return search, texts, short


