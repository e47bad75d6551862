"""Comparing your gradient with the engine's: an entry passes when
``|yours - engine| <= atol + rtol·|engine|`` (both finite); a wrong parameter is checked
for a simple factor, a wrong shape for a transpose or a lost axis."""

import math

from .inputs import indices
from .tolerance import close
from .words import entry_name, fmt, plural

DIAGNOSIS_RTOL = 1e-9           # diagnosis matches need at least this relative agreement


def _factor_words(k, m):
    """What yours = k * engine means, for the simple factors k."""
    sign, a = ("sign flipped", -k) if k < 0 else ("", k)
    if m is not None and a == m:
        words = f"not divided by the batch size m = {m}"
    elif m is not None and a == 1 / m:
        words = f"divided by the batch size m = {m} once too often"
    elif a == 2:
        words = ("a factor 2 too many (d/da (a-y)^2 = 2(a-y) against a loss with 1/2, "
                 "a term counted twice, or a mean over 2 samples not divided by m = 2)")
    elif a == 0.5:
        words = "a factor 2 missing (the 2 of d/da (a-y)^2 = 2(a-y)?)"
    else:
        words = ""
    return " and ".join(w for w in (sign, words) if w)


def _factors(m):
    base = [2.0, 0.5] + ([float(m), 1.0 / m] if m is not None else [])
    return [-1.0] + base + [-k for k in base]


def factor_of(entries, m, rtol):
    """The simple factor k with yours = k * engine for every ``(yours, engine, atol)``,
    or None."""
    if not any(e != 0.0 and math.isfinite(e) for _, e, _ in entries) or \
            all(abs(y) <= a for y, _, a in entries):        # yours 0: no factor explains it
        return None
    tol = max(rtol, DIAGNOSIS_RTOL)
    for k in _factors(m):
        if all(close(y, k * e, tol, a) for y, e, a in entries):
            return k
    return None


def factor_text(k, m):
    """'-1 × the engine's: sign flipped', 'm = 4 × the engine's: not divided by ...'."""
    a = abs(k)
    if m is not None and a == m:
        size = f"m = {m}"
    elif m is not None and a == 1 / m:
        size = f"1/m = 1/{m}"
    else:
        size = "1/2" if a == 0.5 else fmt(a, 6)
    return f"{'-' if k < 0 else ''}{size} × the engine's: {_factor_words(k, m)}"


class ParameterCheck:
    """One parameter's comparison.

    ``name``, ``shape`` (the parameter's), ``grad_shape`` (yours, None when missing),
    ``entries`` (``(index, yours, engine)`` per entry compared), ``wrong`` (those that
    failed), ``max_abs``/``max_rel`` (over finite entries; rel = |y-e| / max(|y|, |e|)),
    ``note`` (shape mismatch, a factor, ...), ``status``: "ok", "wrong", "shape",
    "missing" or "extra"; ``at_kink`` (``(index, yours, engine, side)`` for entries at a
    kink of the loss that match a one-sided derivative there, accepted).
    """

    def __init__(self, name, shape, grad_shape, status, rows=(), note="", rooms=()):
        self.name, self.shape, self.grad_shape = name, shape, grad_shape
        self.status, self.note, self.rooms = status, note, list(rooms)
        self.entries = [(i, y, e) for i, y, e, _ in rows]
        self.wrong = [(i, y, e) for i, y, e, good in rows if not good]
        finite = [(y, e) for _, y, e in self.entries if math.isfinite(y) and math.isfinite(e)]
        self.max_abs = max((abs(y - e) for y, e in finite), default=0.0)
        self.max_rel = max((abs(y - e) / max(abs(y), abs(e)) for y, e in finite if y or e),
                           default=0.0)
        self.non_finite = len(self.entries) - len(finite)
        self.at_kink = []

    def room(self, index):
        """The atol of entry ``index``."""
        return self.rooms[next(k for k, (i, _, _) in enumerate(self.entries) if i == index)]

    def accept_at_kink(self, index, side):
        """Entry ``index`` is right at a kink (``side``: which one-sided derivative it is)."""
        k = next(k for k, (i, _, _) in enumerate(self.wrong) if i == index)
        _, y, e = self.wrong.pop(k)
        self.at_kink.append((index, y, e, side))
        if not self.wrong and self.status == "wrong":
            self.status, self.note = "ok", ""


def _compare_entries(name, shape, yours, engine, tolerance):
    """``(index, yours, engine, ok)`` per entry, row-major."""
    return [(i, y, e, tolerance.accepts(name, k, y, e))
            for k, (i, y, e) in enumerate(zip(indices(shape), yours, engine))]


def _transposed(shape, flat):
    """The entries of an array of ``shape`` transposed (axes reversed), row-major."""
    position = {index: k for k, index in enumerate(indices(shape))}
    return [flat[position[index[::-1]]] for index in indices(shape[::-1])]


def _shape_note(name, shape, grad_shape, yours, engine, tolerance):
    """What a gradient of the wrong shape is, and what would fix it."""
    what = "is a number, shape ()" if shape == () else f"has shape {shape}"
    head = (f"shape mismatch: your gradient has shape {grad_shape}, the parameter {name} "
            f"{what}")
    if len(shape) >= 2 and tuple(grad_shape[::-1]) == tuple(shape):
        flipped = _transposed(grad_shape, yours)
        bad = [t for t in _compare_entries(name, shape, flipped, engine, tolerance)
               if not t[3]]
        if not bad:
            return (f"{head}; its transpose matches the engine's gradient entry for entry: "
                    f"transpose it (grads[{name!r}].T). The classic cause: z = Wᵀa has "
                    f"dW = a·dzᵀ, while z = W·a has dW = dz·aᵀ; the two are transposes")
        i, y, e, _ = bad[0]
        return (f"{head}; its transpose has the right shape but {len(bad)} of "
                f"{len(flipped)} entries still differ (first: {entry_name(name, i)} "
                f"yours {fmt(y, 9)}, engine {fmt(e, 9)})")
    if math.prod(grad_shape) != math.prod(shape):
        return head
    fix = ""
    if all(t[3] for t in _compare_entries(name, shape, yours, engine, tolerance)):
        keep = " (np.sum(..., keepdims=True) keeps the axis)"
        how = (f"pass it as a number, float(grads[{name!r}])" if shape == () else
               f"reshape it, grads[{name!r}].reshape({shape})"
               + (keep if len(grad_shape) < len(shape) else ""))
        fix = f"; its entries in row-major order match the engine's: {how}"
    return f"{head} (same number of entries: an axis lost or added){fix}"


def check_parameter(name, shape, yours, engine, tolerance, m):
    """A ``ParameterCheck`` of your ``(shape, entries)`` against the engine's entries."""
    rooms = [tolerance.atol_of(name, k) for k in range(len(engine))]
    grad_shape, flat = yours
    if tuple(grad_shape) != tuple(shape):
        note = _shape_note(name, shape, grad_shape, flat, engine, tolerance)
        return ParameterCheck(name, shape, grad_shape, "shape", note=note)
    check = ParameterCheck(name, shape, grad_shape, "ok",
                           _compare_entries(name, shape, flat, engine, tolerance), rooms=rooms)
    if check.wrong:
        check.status = "wrong"
        k = factor_of([(y, e, a) for (_, y, e), a in zip(check.entries, rooms)], m,
                      tolerance.rtol)
        if k is not None:
            which = "it is" if len(check.entries) == 1 else "all entries are"
            check.note = f"{which} {factor_text(k, m)}"
        elif check.non_finite:
            check.note = (f"{plural(check.non_finite, 'non-finite entry', 'non-finite entries')}"
                          f" (NaN and inf are never accepted)")
    return check


def compare_all(parsed, yours, grad_keys, engine, tolerance, m):
    """A ``ParameterCheck`` per parameter (``parsed``: name -> (kind, shape, entries);
    ``yours`` the same for your gradients), then one per extra key of ``grads``."""
    checks = []
    for name, (_, shape, _) in parsed.items():
        if name not in yours:
            checks.append(ParameterCheck(name, shape, None, "missing",
                                         note=f"grads has no entry {name!r}"))
            continue
        _, grad_shape, flat = yours[name]
        checks.append(check_parameter(name, shape, (grad_shape, flat), engine[name],
                                      tolerance, m))
    checks += [ParameterCheck(name, None, None, "extra",
                              note=f"grads[{name!r}] is not a parameter (params has no "
                                   f"{name!r})")
               for name in grad_keys if name not in parsed]
    return checks
