"""check_gradients' inputs: the arguments, the parameters and gradients as ``(kind, shape,
entries)`` and their precision, the loss called on Values (with the comparisons and
conversions of Values it made), and the batch size the loss divides by."""

import contextlib
import itertools
import math
from numbers import Real

from ..core import Value, enable_grad, observing
from ..util.gc_pause import collector_paused
from .words import entry_name


def check_arguments(loss, params, grads, rtol, atol):
    """TypeError / ValueError for arguments check_gradients cannot work with."""
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
        if x is not None and not (isinstance(x, Real) and not isinstance(x, bool)
                                  and 0 <= x < math.inf):
            raise ValueError(f"check_gradients: {what} must be None (the default for your "
                             f"gradients' precision) or a finite number >= 0, got {x!r}")


# ---------------------------------------------------------------------- shapes and entries
def _number(x, where):
    """``x`` as a float, or a TypeError naming the entry."""
    if isinstance(x, Real) and not isinstance(x, (bool, Value)):
        return float(x)
    hint = ""
    if isinstance(x, Value):
        hint = " (pass plain numbers: check_gradients makes its own Values; use .data)"
    raise TypeError(f"check_gradients: {where} must be a real number, got "
                    f"{type(x).__name__}: {x!r}{hint}")


def is_array(x):
    """True for a numpy array (or anything with shape, ndim and tolist, as a tensor)."""
    return hasattr(x, "shape") and hasattr(x, "tolist") and hasattr(x, "ndim")


def _nested(x, where):
    """The shape and the entries (row-major) of a number or a nested list of numbers."""
    if is_array(x):
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


def entries(x, where):
    """``(kind, shape, entries)``: kind "array", "list" or "scalar" (a number, numpy's
    np.float64(0.5) included: the loss gets a Value for it)."""
    if is_array(x) and not isinstance(x, Real):
        shape, flat = _nested(x, where)
        return "array", tuple(x.shape), flat
    shape, flat = _nested(x, where)
    return ("list" if isinstance(x, (list, tuple)) else "scalar"), shape, flat


def parameter_entries(x, where):
    """``entries`` of a parameter, which must be finite: a gradient at NaN or inf means
    nothing (the engine's would be NaN or a number that no loss value stands behind)."""
    kind, shape, flat = entries(x, where)
    bad = next((k for k, v in enumerate(flat) if not math.isfinite(v)), None)
    if bad is not None:
        at = entry_name(where, indices(shape)[bad]) if shape else where
        raise ValueError(f"check_gradients: {at} is {flat[bad]!r}: check gradients at finite "
                         f"parameter values")
    return kind, shape, flat


# The precisions of your numbers, by dtype name: their machine epsilon (np.finfo's eps,
# the gap between 1 and the next number), lowest precision first.
PRECISIONS = {"bfloat16": 2.0 ** -7, "float16": 2.0 ** -10, "float32": 2.0 ** -23,
              "float64": 2.0 ** -52}


def precision(x):
    """The lowest floating-point precision in ``x`` (an array, a number, nested lists of
    them) as a dtype name: "float32" for a float32 array or np.float32 entries, "float64"
    for Python floats, ints and other exact numbers."""
    dtype = getattr(x, "dtype", None)
    if dtype is not None:
        name = str(dtype).removeprefix("torch.")
        return name if name in PRECISIONS else "float64"
    if isinstance(x, (list, tuple)):
        return lowest(precision(item) for item in x)
    return "float64"


def lowest(names):
    """The lowest of some precisions ("float64" for none)."""
    return min(names, key=PRECISIONS.__getitem__, default="float64")


def indices(shape):
    """Every index of an array of ``shape``, row-major: (0, 0), (0, 1), ..."""
    return list(itertools.product(*(range(n) for n in shape)))


def shaped(kind, shape, flat, dtype=object):
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
_CUTS = {"float", "int", "round", "floor", "ceil", "trunc"}   # a plain number comes out


class Reads:
    """What the forward read of its Values' numbers: ``ties`` (comparisons ``(op, a,
    b)`` of two equal numbers, a Value and a number or two Values: a kink such as
    np.maximum(z, 0) at z = 0) and ``conversions`` (``(kind, value)``: float(v),
    .astype(float), ... cut the graph there)."""

    def __init__(self):
        self.ties, self.conversions = [], []

    def __call__(self, kind, a, b, result):
        if kind in ("<", "<=", ">", ">="):
            if a.data == (b.data if isinstance(b, Value) else b):
                self.ties.append((kind, a, b))
        elif kind in _CUTS and len(self.conversions) < 1000:
            self.conversions.append((kind, a))


def call_loss(loss, inputs):
    """``(loss(**inputs) as one Value, Reads)``, with clear errors for what numpy cannot
    do. (When something else observes Values already, as compile's tracing does, the
    reads are not seen.)"""
    reads = Reads()
    try:
        with contextlib.ExitStack() as stack:
            try:
                stack.enter_context(observing(reads))
            except RuntimeError:                # another observer: no reads, still a check
                pass
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
    if is_array(out) and getattr(out, "size", 0) == 1:
        out = out.reshape(-1)[0]
    if isinstance(out, Value):
        return out, reads
    if is_array(out):
        raise TypeError(f"check_gradients: the loss must return one scalar Value, got an "
                        f"array of shape {tuple(out.shape)}: reduce it (np.sum, np.mean)")
    hint = ""
    if isinstance(out, Real):
        hint = (": it computed with plain numbers, not with the Values it was given "
                "(float(), .data, .item(), .astype(float), np.asarray(..., dtype=float) "
                "cut the graph)")
    raise TypeError(f"check_gradients: the loss must return one scalar Value, got "
                    f"{type(out).__name__}: {out!r}{hint}")


def batch_size(output):
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
