"""What a trace assumed, and how a call is checked against it.

A trace holds only for what it saw, so each one is guarded, as ``torch.compile`` does:
the arguments' structure (``Arguments.key``: nesting, which are Values and which
numbers, which Values are the same, each number's value, keyword names) is compared
before a replay; each read of a Value's number that fn made while traced is a guard the
generated code checks, raising ``GuardFailed`` when it comes out differently: a
comparison (``a < b``, ``max``) or a conversion (``float(a)``, ``int(a)``, ``round(a)``,
``math.floor(a)``, ``math.ceil(a)``, ``math.trunc(a)``; ``math.isfinite(a)`` and
``a.item()`` convert with ``float``). Formatting a Value as text is refused
(``REFUSED``): the replay would not run the code that shows the text.

A guard is a tuple ``(kind, a, b, number, result)``: kind ``"<"`` ... or ``"floor"`` ...,
``a`` the position of the Value read, ``b`` the position of the other Value of a
comparison (or None: then ``number`` is what it was compared with), ``number`` the
argument of ``round`` (or None), ``result`` what the read gave when traced.
"""

from numbers import Real

from ..core import Value

__all__ = ["CompileError", "GuardFailed", "Arguments", "number_key", "COMPARISONS",
           "CONVERSIONS", "REFUSED", "guard_of", "guard_text"]


class CompileError(RuntimeError):
    """fn cannot be (or can no longer be) replayed from its trace."""


class GuardFailed(Exception):
    """Raised by generated code when a traced comparison comes out differently."""

    def __init__(self, k):
        super().__init__(k)
        self.k = k


# ------------------------------------------------------------------------ arguments
class Arguments:
    """One call's arguments: the Value leaves (``unique``: each Value once) and the key
    the guards compare (structure, which Values are the same, each number's value)."""

    __slots__ = ("unique", "where", "numbers", "paths", "key", "alias")

    def __init__(self, args, kwargs=None):
        values, self.numbers, self.paths = [], [], []
        shape = _shape(args, kwargs or {}, values, self.numbers, self.paths)
        first, self.unique, self.where, self.alias = {}, [], [], []
        for v, where in values:
            k = first.setdefault(id(v), len(self.unique))
            if k == len(self.unique):
                self.unique.append(v)
                self.where.append(where)            # e.g. "args[0]": for messages
            self.alias.append(k)
        self.key = (shape, tuple(self.alias), tuple(map(number_key, self.numbers)))

    def rebuild(self, args, kwargs, values):
        """``(args, kwargs)`` with the i-th Value replaced by ``values[alias[i]]``."""
        it = iter(self.alias)

        def walk(x):
            if isinstance(x, (list, tuple)):
                items = [walk(item) for item in x]
                return type(x)._make(items) if hasattr(type(x), "_make") else type(x)(items)
            return values[next(it)] if isinstance(x, Value) else x
        return [walk(a) for a in args], {k: walk(x) for k, x in (kwargs or {}).items()}


def _shape(args, kwargs, values, numbers, paths):
    """The structure of the arguments as text, e.g. ``(Value, number, [Value, Value],
    scale=number)``, collecting the Values and numbers (and where each number stands)."""
    def walk(x, where):
        if isinstance(x, Value):
            if x.parents:
                raise CompileError(
                    f"compile: {where} is the result of an op ({x.op!r}"
                    f"{', label ' + repr(x.label) if x.label else ''}), not a leaf. A compiled "
                    f"function takes leaf Values: compute that op inside fn (pass its inputs), "
                    f"or pass {where}.detach() to cut its graph off")
            values.append((x, where))
            return "Value"
        if isinstance(x, Real):
            numbers.append(x)
            paths.append(where)
            return "number"
        if isinstance(x, (list, tuple)):
            inner = ", ".join(walk(item, f"{where}[{i}]") for i, item in enumerate(x))
            return f"[{inner}]" if isinstance(x, list) else f"{type(x).__name__}({inner})"
        raise TypeError(f"compile: {where} must be a number, a Value or a list/tuple of "
                        f"them, got {type(x).__name__}: {x!r}")
    items = [walk(a, f"args[{i}]") for i, a in enumerate(args)]
    items += [f"{k}={walk(x, f'kwargs[{k!r}]')}" for k, x in kwargs.items()]
    return "(" + ", ".join(items) + ")"


def number_key(x):
    """Equal for the same number: float bits (so -0.0 and 0.0 differ, NaN equals NaN)."""
    return (type(x), x.hex()) if isinstance(x, float) else (type(x), x)


# ------------------------------------------------------------------------ reads of a number
COMPARISONS = ("<", "<=", ">", ">=")
CONVERSIONS = ("float", "int", "round", "floor", "ceil", "trunc")
REFUSED = {"format": "formats a Value as text (f\"{v}\", format(v, spec))",
           "repr": "turns a Value into text (str(v), repr(v), print(v))",
           "grad": "reads or writes the .grad of {v}",
           "graph": "reads a node's local derivatives (local_grads, edges), numbers a "
                    "replay computes itself"}
_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<="}


def guard_of(index, kind, a, b, result):
    """A read the engine reported (a comparison ``a kind b`` or a conversion ``kind(a)``,
    ``round(a, b)``) as a guard tuple (see the module docstring)."""
    if kind in CONVERSIONS:
        return (kind, index[a], None, b, result)
    if not isinstance(a, Value):                # number OP Value: read it as Value OP' number
        a, kind, b = b, _FLIPPED[kind], a
    if isinstance(b, Value):
        return (kind, index[a], index[b], None, bool(result))
    return (kind, index[a], None, b, bool(result))          # b compared as it is


def guard_text(guard, name):
    """The read as a user wrote it, e.g. ``x > 0.5``, ``floor(x)``, ``round(x, 2)``;
    ``name(position)`` names a node."""
    kind, a, b, number, _ = guard
    if kind in CONVERSIONS:
        extra = "" if number is None else f", {number!r}"
        return f"{kind}({name(a)}{extra})"
    return f"{name(a)} {kind} {name(b) if b is not None else repr(number)}"
