"""Check a hand-written backward pass against the engine: ``check_gradients`` and
``assert_gradients``.

The learner's own forward (numpy or plain Python) runs once on Values; ``backward()``
then gives the exact gradient of the loss with respect to every parameter entry, and
each entry of the learner's gradients is compared with it:

    an entry passes when  |yours - engine| <= atol + rtol * |engine|   (both finite)

For the first wrong entry the report takes the engine's number apart into its
chain-rule paths (``dE/dw = sum over paths of the product of local derivatives``, see
``autograd_mini.explain``) and looks for the usual slips: a simple factor (sign, 2,
1/2, the batch size m), a path missing, counted twice or with its sign flipped (every
combination, for up to 12 paths that are not 0), and the derivative of one function
left out (a forgotten g'(z): a one-operand op such as tanh, or an activation written out
in several ops, such as 1/(1 + np.exp(-z))).

numpy is imported only when a parameter is a numpy array: nested lists and floats work
without it (the loss then gets nested lists of Values and Values). On numpy object
arrays of Values, arithmetic, ``@``, ``.T``, broadcasting, np.sum, np.mean, np.dot,
np.exp, np.log, np.sqrt, np.tanh, np.abs, np.maximum, np.where and comparisons work;
np.log1p, np.expm1, np.logaddexp, np.var and np.std do not (no Value method), and the
error says so. ``np.maximum(0, z)`` leaves no node for relu's derivative, so a
forgotten relu' is reported without a cause.
"""

import html
import itertools
import math
import time
from numbers import Real

from ..core import Value, enable_grad, topological_order
from ..util.gc_pause import collector_paused
from ..visual.digits import format_decimals as _fmt
from ..visual.explain import explain

__all__ = ["check_gradients", "assert_gradients", "GradientReport", "ParameterCheck"]

_SHOWN = 3                      # wrong entries listed per parameter
_MAX_SUBSET_PATHS = 12          # subsets of up to 2^12 = 4096 path sums are searched
_MAX_LISTED_PATHS = 64          # (paths that are 0, such as y log a at y = 0, left aside)
_MAX_SIGNED_PATHS = 6           # coefficients -1, 0, 1, 2 for up to 4^6 = 4096 sums
_MAX_PATH_NODES = 2000          # paths over more nodes are not listed (explain is slow there)
_MANY = 10 ** 18                # path counts saturate here
_DIAGNOSIS_RTOL = 1e-9          # diagnosis matches need at least this relative agreement
_ARITHMETIC = {"+", "-", "*", "/", "**", "neg", "r-", "r/", "r**", "wsum"}
_AFFINE = {"+", "-", "*", "/", "neg", "r-"}      # with a constant operand: a x + b
_ACTIVATIONS = {"tanh", "sigmoid", "relu", "leaky_relu", "softplus"}
_DERIVATIVES = {
    "tanh": "d tanh(z)/dz = 1 - tanh(z)^2", "sigmoid": "d s(z)/dz = s(z)(1 - s(z))",
    "relu": "d relu(z)/dz = 1 if z > 0 else 0", "leaky_relu": "1 if z > 0 else the slope",
    "softplus": "d softplus(z)/dz = s(z)", "exp": "d e^z/dz = e^z", "log": "d ln z/dz = 1/z",
    "sqrt": "d sqrt(z)/dz = 1/(2 sqrt(z))", "abs": "d |z|/dz = sign(z)",
    "sin": "d sin z/dz = cos z", "cos": "d cos z/dz = -sin z",
}
_ORDINALS = ("", "first", "second", "third")


# ---------------------------------------------------------------------- input shapes
def _number(x, where):
    """``x`` as a float, or a TypeError naming the entry."""
    if isinstance(x, Real) and not isinstance(x, (bool, Value)):
        return float(x)
    hint = ""
    if isinstance(x, Value):
        hint = " (pass plain numbers: check_gradients makes its own Values; use .data)"
    raise TypeError(f"check_gradients: {where} must be a real number, got "
                    f"{type(x).__name__}: {x!r}{hint}")


def _is_array(x):
    return hasattr(x, "shape") and hasattr(x, "tolist") and hasattr(x, "ndim")


def _nested(x, where):
    """The shape and the entries (row-major) of a number or a nested list of numbers."""
    if _is_array(x):
        x = x.tolist()
    if not isinstance(x, (list, tuple)):
        return (), [_number(x, where)]
    parts = [_nested(item, f"{where}[{i}]") for i, item in enumerate(x)]
    shapes = {shape for shape, _ in parts}
    if len(shapes) > 1:
        (s0, _), k = parts[0], next(i for i, (s, _) in enumerate(parts) if s != parts[0][0])
        raise ValueError(f"check_gradients: {where} is ragged: {where}[0] has shape {s0}, "
                         f"{where}[{k}] has shape {parts[k][0]}")
    inner = parts[0][0] if parts else ()
    return (len(x), *inner), [v for _, flat in parts for v in flat]


def _entries(x, where):
    """``(kind, shape, entries)``: kind "array", "list" or "scalar"."""
    if _is_array(x):
        shape, flat = _nested(x, where)
        return "array", tuple(x.shape), flat
    shape, flat = _nested(x, where)
    return ("list" if isinstance(x, (list, tuple)) else "scalar"), shape, flat


def _plural(n, one, many):
    return f"{n:,} {one if n == 1 else many}"


def _indices(shape):
    return list(itertools.product(*(range(n) for n in shape)))


def _entry_name(name, index):
    """``W1[0,1]`` for an entry of an array, ``W1`` for a scalar."""
    return f"{name}[{','.join(map(str, index))}]" if index else name


def _shaped(kind, shape, flat, dtype=object):
    """The entries back in the form they came: a number, nested lists or an ndarray."""
    if kind == "scalar":
        return flat[0]
    if kind == "array":
        import numpy as np  # a parameter was an array: numpy is there
        out = np.empty(len(flat), dtype=dtype)
        out[:] = flat
        return out.reshape(shape)

    def build(offset, dims):
        if not dims:
            return flat[offset]
        step = math.prod(dims[1:])
        return [build(offset + i * step, dims[1:]) for i in range(dims[0])]
    return build(0, shape)


# ---------------------------------------------------------------------- the loss
def _call_loss(loss, inputs):
    """``loss(**inputs)`` as one Value, with clear errors for what numpy cannot do."""
    try:
        with enable_grad(), collector_paused():
            out = loss(**inputs)
    except TypeError as exc:
        text = str(exc)
        if "no callable" in text and "method" in text or "not supported for the input" in text:
            raise TypeError(f"check_gradients: the loss called a numpy function that does not "
                            f"work on Values ({text}). Supported on arrays of Values: + - * / "
                            f"** @ .T, broadcasting, np.sum, np.mean, np.dot, np.exp, np.log, "
                            f"np.tanh, np.sqrt, np.abs, np.maximum, np.where; write the others "
                            f"with these (np.log1p(x) -> np.log(1 + x), np.var(x) -> "
                            f"np.mean((x - np.mean(x)) ** 2))") from exc
        raise
    if _is_array(out) and getattr(out, "size", 0) == 1:
        out = out.reshape(-1)[0]
    if isinstance(out, Value):
        return out
    if _is_array(out):
        raise TypeError(f"check_gradients: the loss must return one scalar Value, got an "
                        f"array of shape {tuple(out.shape)}: reduce it (np.sum, np.mean)")
    hint = ""
    if isinstance(out, Real):
        hint = (": it computed with plain numbers, not with the Values it was given "
                "(float(), .data, .item(), .astype(float), np.asarray(..., dtype=float) "
                "cut the graph)")
    raise TypeError(f"check_gradients: the loss must return one scalar Value, got "
                    f"{type(out).__name__}: {out!r}{hint}")


def _batch_size(output):
    """m when the loss ends in a division by m >= 3 (np.mean, np.sum(...)/m, (1/m)*np.sum);
    a 1/2 is the squared error's, not a batch of two."""
    v = output
    while len(v.parents) == 1 and v.op in ("+", "-", "neg", "r-", "*", "/"):
        if v.op in ("*", "/"):
            local = v.local_grads[0]
            if local and math.isfinite(local):
                m = 1.0 / abs(local)
                if m >= 3 and abs(m - round(m)) <= 1e-9 * m:
                    return round(m)
        v = v.parents[0]
    return None


# ---------------------------------------------------------------------- comparisons
def _close(yours, engine, rtol, atol):
    """|yours - engine| <= atol + rtol |engine|, never for NaN or inf."""
    return (math.isfinite(yours) and math.isfinite(engine)
            and abs(yours - engine) <= atol + rtol * abs(engine))


def _factor_words(k, m):
    """What yours = k * engine means, for the simple factors k."""
    sign, a = ("sign flipped", -k) if k < 0 else ("", k)
    if m is not None and a == m:
        words = f"not divided by the batch size m = {m}"
    elif m is not None and a == 1 / m:
        words = f"divided by the batch size m = {m} once too often"
    elif a == 2:
        words = ("a factor 2 too many (d/da (a-y)^2 = 2(a-y) against a loss with 1/2, "
                 "or a term counted twice)")
    elif a == 0.5:
        words = "a factor 2 missing (the 2 of d/da (a-y)^2 = 2(a-y)?)"
    else:
        words = ""
    return " and ".join(w for w in (sign, words) if w)


def _factors(m):
    base = [2.0, 0.5] + ([float(m), 1.0 / m] if m is not None else [])
    return [-1.0] + base + [-k for k in base]


def _factor_of(pairs, m, rtol, atol):
    """The simple factor k with yours = k * engine for every pair, or None."""
    if not any(e != 0.0 and math.isfinite(e) for _, e in pairs):
        return None
    tol = max(rtol, _DIAGNOSIS_RTOL)
    for k in _factors(m):
        if all(_close(y, k * e, tol, atol) for y, e in pairs):
            return k
    return None


def _factor_text(k, m):
    """'-1 × the engine's: sign flipped', 'm = 4 × the engine's: not divided by ...'."""
    a = abs(k)
    if m is not None and a == m:
        size = f"m = {m}"
    elif m is not None and a == 1 / m:
        size = f"1/m = 1/{m}"
    else:
        size = "1/2" if a == 0.5 else _fmt(a, 6)
    return f"{'-' if k < 0 else ''}{size} × the engine's: {_factor_words(k, m)}"


class ParameterCheck:
    """One parameter's comparison.

    ``name``, ``shape`` (the parameter's), ``grad_shape`` (yours, None when missing),
    ``entries`` (``(index, yours, engine)`` per entry compared), ``wrong`` (those that
    failed), ``max_abs``/``max_rel`` (over finite entries; rel = |y-e| / max(|y|, |e|)),
    ``note`` (shape mismatch, a factor, ...), ``status``: "ok", "wrong", "shape",
    "missing" or "extra".
    """

    def __init__(self, name, shape, grad_shape, status, rows=(), note=""):
        self.name, self.shape, self.grad_shape = name, shape, grad_shape
        self.status, self.note = status, note
        self.entries = [(i, y, e) for i, y, e, _ in rows]
        self.wrong = [(i, y, e) for i, y, e, good in rows if not good]
        finite = [(y, e) for _, y, e in self.entries if math.isfinite(y) and math.isfinite(e)]
        self.max_abs = max((abs(y - e) for y, e in finite), default=0.0)
        self.max_rel = max((abs(y - e) / max(abs(y), abs(e)) for y, e in finite if y or e),
                           default=0.0)
        self.non_finite = len(self.entries) - len(finite)


def _compare_entries(name, shape, yours, engine, rtol, atol):
    """``(index, yours, engine, ok)`` per entry, row-major."""
    return [(i, y, e, _close(y, e, rtol, atol))
            for i, y, e in zip(_indices(shape), yours, engine)]


def _transposed(shape, flat):
    """The entries of an array of ``shape`` transposed (axes reversed), row-major."""
    position = {index: k for k, index in enumerate(_indices(shape))}
    return [flat[position[index[::-1]]] for index in _indices(shape[::-1])]


def _shape_note(name, shape, grad_shape, yours, engine, rtol, atol):
    """What a gradient of the wrong shape is, and what would fix it."""
    what = "is a number, shape ()" if shape == () else f"has shape {shape}"
    head = (f"shape mismatch: your gradient has shape {grad_shape}, the parameter {name} "
            f"{what}")
    if len(shape) >= 2 and tuple(grad_shape[::-1]) == tuple(shape):
        flipped = _transposed(grad_shape, yours)
        bad = [t for t in _compare_entries(name, shape, flipped, engine, rtol, atol)
               if not t[3]]
        if not bad:
            return (f"{head}; its transpose matches the engine's gradient entry for entry: "
                    f"transpose it (grads[{name!r}].T). The classic cause: z = Wᵀa has "
                    f"dW = a·dzᵀ, while z = W·a has dW = dz·aᵀ; the two are transposes")
        i, y, e, _ = bad[0]
        return (f"{head}; its transpose has the right shape but {len(bad)} of "
                f"{len(flipped)} entries still differ (first: {_entry_name(name, i)} "
                f"yours {_fmt(y, 9)}, engine {_fmt(e, 9)})")
    if math.prod(grad_shape) != math.prod(shape):
        return head
    fix = ""
    if all(_close(y, e, rtol, atol) for y, e in zip(yours, engine)):
        keep = " (np.sum(..., keepdims=True) keeps the axis)"
        how = (f"pass it as a number, float(grads[{name!r}])" if shape == () else
               f"reshape it, grads[{name!r}].reshape({shape})"
               + (keep if len(grad_shape) < len(shape) else ""))
        fix = f"; its entries in row-major order match the engine's: {how}"
    return f"{head} (same number of entries: an axis lost or added){fix}"


def _check_parameter(name, shape, yours, engine, rtol, atol, m):
    """A ``ParameterCheck`` of your ``(shape, entries)`` against the engine's entries."""
    grad_shape, flat = yours
    if tuple(grad_shape) != tuple(shape):
        note = _shape_note(name, shape, grad_shape, flat, engine, rtol, atol)
        return ParameterCheck(name, shape, grad_shape, "shape", note=note)
    check = ParameterCheck(name, shape, grad_shape, "ok",
                           _compare_entries(name, shape, flat, engine, rtol, atol))
    if check.wrong:
        check.status = "wrong"
        k = _factor_of([(y, e) for _, y, e in check.entries], m, rtol, atol)
        if k is not None:
            which = "it is" if len(check.entries) == 1 else "all entries are"
            check.note = f"{which} {_factor_text(k, m)}"
        elif check.non_finite:
            check.note = (f"{_plural(check.non_finite, 'non-finite entry', 'non-finite entries')}"
                          f" (NaN and inf are never accepted)")
    return check


# ---------------------------------------------------------------------- diagnosis
def _reachable(order, leaf):
    """The nodes of ``order`` computed from ``leaf`` (leaf first), in topological order."""
    reach = {leaf}
    nodes = [leaf]
    for v in order:
        if v is not leaf and any(p in reach for p in v.parents):
            reach.add(v)
            nodes.append(v)
    return nodes


def _count_paths(nodes, output):
    """The number of paths from ``nodes[0]`` to ``output``, and of those whose product is
    not 0 (no local derivative 0 on them), by dynamic programming."""
    count, nonzero = {nodes[0]: 1}, {nodes[0]: 1}
    for v in nodes[1:]:                         # saturating: counts can grow like 2^depth
        n = z = 0
        for p, local in zip(v.parents, v.local_grads):
            n += count.get(p, 0)
            z += nonzero.get(p, 0) if local != 0 else 0
        count[v], nonzero[v] = min(n, _MANY), min(z, _MANY)
    return count.get(output, 0), nonzero.get(output, 0)


def _written_out(chain):
    """The activation a chain of one-operand nodes computes (1/(1 + np.exp(-z)) is a
    sigmoid), checked on its numbers, or None."""
    z, a = chain[0].parents[0].data, chain[-1].data
    for name, f in (("sigmoid", lambda x: 1.0 / (1.0 + math.exp(-x))), ("tanh", math.tanh),
                    ("softplus", lambda x: math.log1p(math.exp(x)))):
        try:
            if math.isclose(f(z), a, rel_tol=1e-12, abs_tol=1e-300):
                return name
        except OverflowError:
            continue
    return None


def _chains(order):
    """Maximal chains of one-operand nodes, each node the one use of the one before."""
    parents = [v.parents for v in order]
    uses = {}
    for ps in parents:
        for p in ps:
            uses[p] = uses.get(p, 0) + 1
    chain_of, chains = {}, []
    for v, ps in zip(order, parents):
        if len(ps) != 1:
            continue
        chain = chain_of.get(ps[0]) if uses[ps[0]] == 1 else None
        if chain is None:
            chain = []
            chains.append(chain)
        chain.append(v)
        chain_of[v] = chain
    return chains


def _activation_span(chain):
    """``(i, k, name)``: the longest part chain[i:k] (2 to 8 nodes) computing a known
    activation, or None."""
    for length in range(min(len(chain), 8), 1, -1):
        for i in range(len(chain) - length + 1):
            name = _written_out(chain[i:i + length])
            if name is not None:
                return i, i + length, name
    return None


def _units(order):
    """What a learner may have left the derivative of out, name -> {node: True where an
    occurrence starts}: each one-operand function op (tanh, exp, a user's op) and each
    activation written out as a chain of ops (sigmoid as neg, exp, +, **, *)."""
    units = {}
    for v in order:
        if len(v.parents) == 1 and v.op and v.op not in _ARITHMETIC \
                and not v.op.startswith("**"):
            units.setdefault(v.op, {})[v] = True
    alike = {}                                  # chains of the same ops
    for chain in _chains(order):
        if len(chain) > 1 and any(v.op not in _AFFINE for v in chain):
            alike.setdefault(tuple(v.op for v in chain), []).append(chain)
    for ops, chains in alike.items():
        span = _activation_span(chains[0])
        if span is None:
            continue
        i, k, name = span
        if all(_written_out(chain[i:k]) == name for chain in chains[1:]):
            members = units.setdefault(f"{name} (written out: {' → '.join(ops[i:k])})", {})
            for chain in chains:
                members.update((v, n == 0) for n, v in enumerate(chain[i:k]))
    return units


def _derivative_without(nodes, output, members, j):
    """d output/d nodes[0] with the local derivatives of the j-th unit on each path
    (counted from nodes[0]; j = 0: every one) replaced by 1; ``members`` maps the
    unit's nodes to True where an occurrence starts. Also returns the most
    occurrences on one path."""
    d = {nodes[0]: {0: 1.0}}
    most = 0
    for v in nodes[1:]:
        member = members.get(v)
        acc = {}
        for p, local in zip(v.parents, v.local_grads):
            for c, x in d.get(p, {}).items():
                c2 = min(c + (member is True), len(_ORDINALS))
                f = 1.0 if member is not None and (j == 0 or c2 == j) else local
                acc[c2] = acc.get(c2, 0.0) + f * x
                most = max(most, c2)
        d[v] = acc
    return math.fsum(d.get(output, {}).values()), most


def _backward_without(order, output, members):
    """d output/d node for every node, with the local derivatives of the unit's nodes
    replaced by 1 (one reverse pass)."""
    g = {output: 1.0}
    for v in reversed(order):
        gv = g.get(v)
        if gv is None:
            continue
        hit = v in members
        for p, local in zip(v.parents, v.local_grads):
            g[p] = g.get(p, 0.0) + (1.0 if hit else local) * gv
    return g


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


def _path_findings(expl, output, leaf, yours, tol):
    """Listing, search description and what matched, from the explanation's paths."""
    values = [p.value for p in expl.paths]
    live = [i for i, v in enumerate(values) if v != 0]
    names = _path_names([p.steps[1:-1] for p in expl.paths])
    if None in names and len(values) > 1:
        full = explain(output, leaf, via="all", max_paths=_MAX_SUBSET_PATHS)
        names = [a or b for a, b in zip(names, _path_names([p.steps[1:-1] for p in full.paths]))]
    tol_abs = tol[1] + tol[0] * max(math.fsum(map(abs, values)), abs(yours))
    found, coefs = _combinations([values[i] for i in live], yours, tol_abs)
    found = [_spread(c, live, len(values)) for c in found]
    how = ", ".join(map(str, coefs[:-1])) + f" or {coefs[-1]}"
    zeros = len(values) - len(live)
    search = (f"searched all {len(coefs)}^{len(live)} = {len(coefs) ** len(live)} "
              f"combinations of the {_plural(len(live), 'path', 'paths')}"
              + (f" that are not 0 (the other {zeros} are)" if zeros else "")
              + f", each taken {how} times")
    d = f"∂{expl.out_name}/∂{expl.wrt_name}"
    texts = []
    for c in found[:3]:
        expr, faults = _combination_text(c, names, set(live))
        texts.append(f"your {d} = {_fmt(yours, 9)} is {expr}" + (f"; {faults}" if faults else ""))
    if len(found) > 1:
        texts = ["several combinations of the paths fit equally well: " + " | ".join(texts)]
    return search, texts


def _op_text(unit, j, entry):
    """What leaving out the j-th ``unit`` (every one for j = 0) means."""
    which = f"every {unit}" if j == 0 else f"the {_ORDINALS[j]} {unit} after {entry}"
    act = unit.split()[0]
    derivative = _DERIVATIVES.get(act, f"the derivative of {act}")
    text = (f"your value equals the engine's with the derivative of {which} on each path left "
            f"out (set to 1): {derivative} is missing")
    if act in _ACTIVATIONS:
        text += (". The classic forgotten ⊙ g'(z): BP2 is δˡ = ((Wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ g'(zˡ), "
                 "e.g. dz1 = W2ᵀ dz2 ⊙ g'(z1)")
    return text


def _unit_findings(units, nodes, output, yours, tol):
    """``(unit, j)`` for each unit whose derivative, left out, gives ``yours``."""
    found = []
    on_paths = set(nodes)
    for unit, members in units.items():
        if not any(v in on_paths for v in members):
            continue
        value, most = _derivative_without(nodes, output, members, 0)
        if _close(yours, value, *tol):
            found.append((unit, 0))
            continue
        for j in range(1, min(most, len(_ORDINALS) - 1) + 1) if most > 1 else ():
            if _close(yours, _derivative_without(nodes, output, members, j)[0], *tol):
                found.append((unit, j))
    return found


def _occurrences(order, sources, members, j):
    """The unit's nodes that are its j-th occurrence on some path from ``sources``."""
    counts, chosen = {}, set()
    for v in order:
        if v in sources:
            counts[v] = {0}
            continue
        seen = set().union(*(counts[p] for p in v.parents if p in counts))
        if not seen:
            continue
        if members.get(v) is True:
            seen = {min(c + 1, len(_ORDINALS)) for c in seen}
        if v in members and j in seen:
            chosen.add(v)
        counts[v] = seen
    return chosen


def _unit_scope(report, members, j, name):
    """Which wrong parameters the same left-out derivative explains entirely (one
    reverse pass with the unit's derivatives set to 1 gives every entry)."""
    if j:
        members = _occurrences(report._order, set(report._leaves[name]), members, j)
    g = _backward_without(report._order, report.output, members)
    fit = [c.name for c in report.params.values() if c.status == "wrong"
           and all(_close(y, g.get(leaf, 0.0), report.rtol, report.atol)
                   for (_, y, _), leaf in zip(c.entries, report._leaves[c.name]))]
    if not fit:
        return ""
    return (f". Left out the same way, the engine's gradient equals yours for every entry "
            f"of {', '.join(fit)}")


def _explain_call(name, index):
    return f"report.explain({name!r}, {index!r})" if index else f"report.explain({name!r})"


def _diagnosis_head(report, name, index, yours, engine):
    """The first lines: the entry, both numbers, and what stops a path analysis."""
    entry = _entry_name(name, index)
    lines = [f"First wrong entry {entry}: yours {_fmt(yours, 9)}, engine {_fmt(engine, 9)}"]
    for side, x in (("your value", yours), ("the engine's gradient", engine)):
        if not math.isfinite(x):
            lines.append(f"  {side} is {x!r}: NaN and inf never pass (0/0, log 0, an overflow, "
                         f"an uninitialised np.empty?)")
    if len(lines) > 1:
        return lines, None
    nodes = _reachable(report._order, report._leaf(name, index))
    if nodes[-1] is not report.output:
        lines.append(f"  the loss does not depend on {entry} through the Values it was given, "
                     f"so the engine's gradient is 0; if it should, the forward turned {name} "
                     f"into plain numbers (float(), .data, .item(), .astype(float), "
                     f"np.asarray(..., dtype=float)) and cut the graph")
        return lines, None
    return lines, nodes


def _diagnose(report):
    """The text explaining the first wrong entry: its paths and the likely slip."""
    first = next(((c.name, c.wrong[0]) for c in report.params.values() if c.wrong), None)
    if first is None:
        return ""
    name, (index, yours, engine) = first
    lines, nodes = _diagnosis_head(report, name, index, yours, engine)
    if nodes is None:
        return "\n".join(lines)
    entry, output, m = _entry_name(name, index), report.output, report.batch_size
    tol = (max(report.rtol, _DIAGNOSIS_RTOL), report.atol)
    k = _factor_of([(yours, engine)], m, *tol)
    if k is not None:
        return "\n".join(lines + [f"  → your value is {_factor_text(k, m)}"])
    if abs(yours) <= report.atol:
        return "\n".join(lines + [f"  → your value is 0: nothing reached {entry} (an entry "
                                  f"never filled in, or every path dropped?)"])
    findings = []
    n, live = _count_paths(nodes, output)
    searched = (live <= _MAX_SUBSET_PATHS and n <= _MAX_LISTED_PATHS
                and len(nodes) <= _MAX_PATH_NODES)
    if searched:
        expl = explain(output, nodes[0], max_paths=_MAX_LISTED_PATHS)
        lines += ["  " + line for line in str(expl).splitlines()]
        search, findings = _path_findings(expl, output, nodes[0], yours, tol)
        lines.append(f"  {search}" + ("" if findings else ": none gives yours"))
    else:
        count = f"more than {_MANY:.0e} paths" if n >= _MANY else _plural(n, "path", "paths")
        nonzero = f" ({live:,} of them not 0)" if live != n else ""
        why = (f"too many to search their combinations (up to {_MAX_SUBSET_PATHS} paths that "
               f"are not 0 are, of up to {_MAX_LISTED_PATHS})"
               if live > _MAX_SUBSET_PATHS or n > _MAX_LISTED_PATHS
               else f"over {len(nodes):,} nodes, too long to list")
        lines.append(f"  {count} from {entry} to the loss{nonzero}: {why}; "
                     f"{_explain_call(name, index)} shows them")
    units = _units(report._order)
    findings += [_op_text(unit, j, entry) + _unit_scope(report, units[unit], j, name)
                 for unit, j in _unit_findings(units, nodes, output, yours, tol)]
    if not findings:
        factors = "-1, ±2, ±1/2" + (f", ±m, ±1/m (m = {m})" if m else "")
        tried = [f"a simple multiple of the engine's ({factors})",
                 *(["a combination of its paths"] if searched else []),
                 "the engine's with one function's derivative left out"]
        findings = [f"no simple cause found: yours is not {', not '.join(tried)}; compare your "
                    f"formula factor by factor with {_explain_call(name, index)}"]
    return "\n".join(lines + ["  → " + f for f in findings])


# ---------------------------------------------------------------------- the report
def _err(x):
    return f"{x:.2g}" if x else "0"


def _shape_text(shape):
    return "scalar" if shape == () else str(shape) if shape is not None else "-"


def _row_details(check):
    """The lines under a parameter's row: its first wrong entries and its note."""
    lines = [f"{_entry_name(check.name, i)}: yours {_fmt(y, 9)}, engine {_fmt(e, 9)}"
             for i, y, e in check.wrong[:_SHOWN]]
    if len(check.wrong) > _SHOWN:
        lines.append(f"... ({len(check.wrong) - _SHOWN} more)")
    return lines + ([check.note] if check.note else [])


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
    Value), ``seconds`` (forward, backward, compare, diagnosis).
    """

    _HEAD = ["parameter", "shape", "max abs err", "max rel err", "wrong entries"]

    def __init__(self, checks, output, leaves, forms, rtol, atol, batch_size):
        self.params = {c.name: c for c in checks}
        self.output, self.rtol, self.atol, self.batch_size = output, rtol, atol, batch_size
        self._leaves = leaves
        self._order = topological_order(output)
        self.engine = {name: _shaped(kind, shape, [v.grad for v in leaves[name]], float)
                       for name, (kind, shape) in forms.items()}
        self.mismatches = [(c.name, i, y, e) for c in checks for i, y, e in c.wrong]
        self.problems = [f"{c.name}: {c.note}" for c in checks
                         if c.status in ("shape", "missing", "extra")]
        self.ok = not self.mismatches and not self.problems
        self.diagnosis = ""
        self.seconds = {}

    def _leaf(self, name, index=()):
        """The Value of one entry of a parameter, or an error naming what is wrong."""
        if name not in self._leaves:
            raise KeyError(f"no parameter {name!r}; the parameters are {list(self._leaves)}")
        index = (index,) if isinstance(index, int) else tuple(index)
        shape = self.params[name].shape
        if len(index) != len(shape) or not all(0 <= i < n for i, n in zip(index, shape)):
            raise IndexError(f"{name} has shape {shape}; index {index} is not one of its "
                             f"entries")
        return self._leaves[name][_indices(shape).index(index)]

    def explain(self, name, index=(), **kwargs):
        """``autograd_mini.explain`` of the loss with respect to one entry: its chain-rule
        paths and their sum, the engine's gradient (``via``, ``precision``, ``max_paths``
        as there)."""
        return explain(self.output, self._leaf(name, index), **kwargs)

    def _summary(self):
        checks = [c for c in self.params.values() if c.status != "extra"]
        wrong = sum(c.status != "ok" for c in checks)
        extra = len(self.params) - len(checks)
        verdict = ("all parameters match the engine" if self.ok else
                   f"{wrong} of {_plural(len(checks), 'parameter', 'parameters')} wrong"
                   + (f", {_plural(extra, 'extra key', 'extra keys')} in grads" if extra else ""))
        return (f"check_gradients: {verdict} (rtol={self.rtol:g}, atol={self.atol:g}: an entry "
                f"passes when |yours - engine| <= atol + rtol·|engine|)")

    def __str__(self):
        rows = [self._HEAD] + [_row_cells(c) for c in self.params.values()]
        widths = [max(len(r[k]) for r in rows) for k in range(len(self._HEAD))]
        lines = [self._summary()]
        for row, check in zip(rows, [None, *self.params.values()]):
            lines.append("  " + "  ".join(t.ljust(w) for t, w in zip(row, widths)).rstrip())
            pad = " " * (4 + widths[0])
            lines += [pad + d for d in (_row_details(check) if check else [])]
        if self.diagnosis:
            lines += ["", self.diagnosis]
        return "\n".join(lines)

    def __repr__(self):
        return str(self)

    def _repr_html_(self):
        """The table as HTML, with inline styles only (an untrusted notebook keeps them):
        padded cells, numbers that do not break, a diagnosis that wraps at spaces."""
        details = [_row_details(c) for c in self.params.values()]
        head = self._HEAD + (["first wrong entries"] if any(details) else [])
        rows = [f"<tr>{''.join(_th(h, k) for k, h in enumerate(head))}</tr>"]
        for check, lines in zip(self.params.values(), details):
            colour = "" if check.status == "ok" else ' style="color:#b00"'
            cells = [_td(t, k) for k, t in enumerate(_row_cells(check))]
            if len(head) > len(self._HEAD):
                cells.append(_td("<br>".join(_detail(d, check) for d in lines), None))
            rows.append(f"<tr{colour}>{''.join(cells)}</tr>")
        diagnosis = (f'<pre style="{_PRE_STYLE}">{html.escape(self.diagnosis)}</pre>'
                     if self.diagnosis else "")
        return (f"<p>{html.escape(self._summary())}</p>"
                f"<table style=\"border-collapse:collapse\"><thead>{rows[0]}</thead>"
                f"<tbody>{''.join(rows[1:])}</tbody></table>{diagnosis}")


# the report's HTML: inline styles (JupyterLab keeps them in an untrusted notebook, where
# a <style> element is dropped); the diagnosis wraps at spaces (JupyterLab's own
# word-break:break-all would cut words), and within a word only where the word alone is
# wider than the column
_PRE_STYLE = "white-space:pre-wrap;word-break:normal;overflow-wrap:anywhere"
_CELL = "padding:2px 0.6em;vertical-align:top;text-align:"


def _detail(line, check):
    """One line of the details column: an entry's numbers stay on one line, a note wraps."""
    text = html.escape(line)
    return text if line == check.note else f'<span style="white-space:nowrap">{text}</span>'


def _th(text, k):
    return f'<th style="{_CELL}{"left" if k in (0, 5) else "right"}">{html.escape(text)}</th>'


def _td(text, k):
    """Cell ``k``: 0 the name; 1-4 shape, errors and count (right-aligned, never broken);
    None the details column (already HTML)."""
    if k is None:
        return f'<td style="{_CELL}left">{text}</td>'
    align = "left" if k == 0 else "right;white-space:nowrap"
    return f'<td style="{_CELL}{align}">{html.escape(text)}</td>'


# ---------------------------------------------------------------------- public functions
def _check_arguments(loss, params, grads, rtol, atol):
    if not callable(loss):
        raise TypeError(f"check_gradients: loss must be a function, got {type(loss).__name__}")
    for what, d in (("params", params), ("grads", grads)):
        if not hasattr(d, "keys") or not hasattr(d, "__getitem__"):
            raise TypeError(f"check_gradients: {what} must be a dict of name -> numbers, got "
                            f"{type(d).__name__}")
        bad = [k for k in d.keys() if not isinstance(k, str)]
        if bad:
            raise TypeError(f"check_gradients: {what} keys must be str (the loss's argument "
                            f"names), got {bad[0]!r}")
    if not params:
        raise ValueError("check_gradients: params is empty")
    for what, x in (("rtol", rtol), ("atol", atol)):
        if not (isinstance(x, Real) and not isinstance(x, bool) and 0 <= x < math.inf):
            raise ValueError(f"check_gradients: {what} must be a finite number >= 0, got {x!r}")


def _compare_all(params, grads, parsed, engine, rtol, atol, m):
    """A ``ParameterCheck`` per parameter, then one per extra key of ``grads``."""
    checks = []
    for name, (_, shape, _) in parsed.items():
        if name not in grads:
            checks.append(ParameterCheck(name, shape, None, "missing",
                                         note=f"grads has no entry {name!r}"))
            continue
        _, grad_shape, flat = _entries(grads[name], f"grads[{name!r}]")
        checks.append(_check_parameter(name, shape, (grad_shape, flat), engine[name],
                                       rtol, atol, m))
    checks += [ParameterCheck(name, None, None, "extra",
                              note=f"grads[{name!r}] is not a parameter (params has no "
                                   f"{name!r})")
               for name in grads.keys() if name not in params]
    return checks


def check_gradients(loss, params, grads, rtol=1e-6, atol=1e-9):
    """Compare your gradients with the engine's: returns a ``GradientReport``.

    ``loss(**params)`` is called once with every parameter made of Values (a number gives
    a Value labelled by its name, a nested list nested lists of Values, a numpy array an
    object array of Values, entries labelled ``W1[0,1]``) and must return one scalar
    Value (a 0-d or size-1 array is accepted). ``grads`` holds your dL/dparam for each
    name, of the parameter's shape. An entry passes when both are finite and
    |yours - engine| <= atol + rtol |engine|. An unlabelled loss Value is labelled "loss"
    (the name explanations give it).
    """
    _check_arguments(loss, params, grads, rtol, atol)
    t0 = time.perf_counter()
    parsed = {name: _entries(x, f"params[{name!r}]") for name, x in params.items()}
    leaves = {name: [Value(x, _entry_name(name, i)) for i, x in zip(_indices(shape), flat)]
              for name, (_, shape, flat) in parsed.items()}
    output = _call_loss(loss, {name: _shaped(kind, shape, leaves[name])
                               for name, (kind, shape, _) in parsed.items()})
    t1 = time.perf_counter()
    if not output.label:
        output.label = "loss"
    for vs in leaves.values():                  # in case the forward ran a backward() itself
        for v in vs:
            v.grad = 0.0
    output.backward()
    t2 = time.perf_counter()
    m = _batch_size(output)
    engine = {name: [v.grad for v in vs] for name, vs in leaves.items()}
    checks = _compare_all(params, grads, parsed, engine, rtol, atol, m)
    report = GradientReport(checks, output, leaves,
                            {name: (kind, shape) for name, (kind, shape, _) in parsed.items()},
                            rtol, atol, m)
    t3 = time.perf_counter()
    report.diagnosis = _diagnose(report)
    report.seconds = {"forward": t1 - t0, "backward": t2 - t1, "compare": t3 - t2,
                      "diagnosis": time.perf_counter() - t3}
    return report


def assert_gradients(loss, params, grads, rtol=1e-6, atol=1e-9):
    """``check_gradients`` for tests: raises AssertionError with the report's text when
    any entry is wrong, returns the report otherwise."""
    __tracebackhide__ = True                    # pytest shows the caller's line, not this
    report = check_gradients(loss, params, grads, rtol=rtol, atol=atol)
    if not report.ok:
        raise AssertionError(str(report))
    return report
