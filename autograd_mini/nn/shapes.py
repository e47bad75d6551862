"""Shapes of the "tensors" of ``nn.functional``: a Value or number (0-d), a list of them
(1-d) or a list of such lists (2-d); checked, and walked along a dimension."""

from numbers import Real

from ..core import Value


def _is_scalar(x):
    return isinstance(x, Value) or (isinstance(x, Real) and not isinstance(x, bool))


def _ndim(x, what):
    """How deeply ``x`` nests (0 for a Value or number), checked along its first items."""
    n = 0
    while isinstance(x, (list, tuple)):
        if not x:
            raise ValueError(f"{what}: an empty list has no entries")
        x, n = x[0], n + 1
    if not _is_scalar(x):
        raise TypeError(f"{what}: entries must be Values or numbers, got {type(x).__name__}")
    return n


def _value(x, what):
    if isinstance(x, Value):
        return x
    if _is_scalar(x):
        return Value(float(x))
    raise TypeError(f"{what}: entries must be Values or numbers, got {type(x).__name__}: {x!r}")


def _vector(x, what):
    """A 1-d input as a list of Values (numbers become constant leaves)."""
    if not isinstance(x, (list, tuple)):
        raise TypeError(f"{what}: expected a list of Values, got {type(x).__name__}")
    return [v if type(v) is Value else _value(v, what) for v in x]


def _along(x, dim, fn, what):
    """``fn`` applied to every 1-d slice of ``x`` along ``dim``."""
    n = _ndim(x, what)
    if n == 0:
        raise ValueError(f"{what}: expected a list (1-d or more), got a single "
                         f"{type(x).__name__}")
    if isinstance(dim, bool) or not isinstance(dim, int) or not -n <= dim < n:
        raise ValueError(f"{what}: dim must be an int in [{-n}, {n - 1}] for a {n}-d "
                         f"input, got {dim!r}")
    dim %= n
    if dim == n - 1:
        return _last(x, fn, what)
    if n == 2:                                      # along the columns: transpose twice
        if len({len(row) for row in x}) != 1:
            raise ValueError(f"{what}: rows of different lengths")
        return [list(row) for row in zip(*[fn(_vector(col, what)) for col in zip(*x)])]
    raise ValueError(f"{what}: dim={dim} of a {n}-d input is not supported; use dim=-1")


def _last(x, fn, what):
    if isinstance(x[0], (list, tuple)):
        return [_last(row, fn, what) for row in x]
    return fn(_vector(x, what))


def _total(terms):
    """t0 + t1 + ... (no leading ``0 +`` node)."""
    return sum(terms[1:], terms[0])


def _map(x, fn):
    return [_map(v, fn) for v in x] if isinstance(x, (list, tuple)) else fn(x)


