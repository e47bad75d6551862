"""What a trace assumed, and how a call is checked against it.

A trace holds only for what it saw, so each one is guarded, as ``torch.compile`` does:
the arguments' structure (``Arguments.key``: nesting, which are Values and which
numbers, which Values are the same, each number's value) is compared before a replay;
each comparison of Values that fn made is a guard the generated code checks
(``comparison_guard``), raising ``GuardFailed`` when it comes out differently.
"""

from numbers import Real

from ..core import Value

__all__ = ["CompileError", "GuardFailed", "Arguments", "number_key", "comparison_guard"]


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

    __slots__ = ("unique", "numbers", "paths", "key", "alias")

    def __init__(self, args):
        values, self.numbers, self.paths = [], [], []
        shape = _shape(args, values, self.numbers, self.paths) if args else "()"
        first, self.unique, self.alias = {}, [], []
        for v in values:
            k = first.setdefault(id(v), len(self.unique))
            if k == len(self.unique):
                self.unique.append(v)
            self.alias.append(k)
        self.key = (shape, tuple(self.alias), tuple(map(number_key, self.numbers)))

    def rebuild(self, args, values):
        """``args`` with the i-th Value replaced by ``values[alias[i]]``."""
        it = iter(self.alias)

        def walk(x):
            if isinstance(x, (list, tuple)):
                items = [walk(item) for item in x]
                return type(x)._make(items) if hasattr(type(x), "_make") else type(x)(items)
            return values[next(it)] if isinstance(x, Value) else x
        return [walk(a) for a in args]


def _shape(args, values, numbers, paths):
    """The structure of ``args`` as text, e.g. ``(Value, number, [Value, Value])``,
    collecting the Values and numbers (and where each number stands)."""
    def walk(x, where):
        if isinstance(x, Value):
            if x.parents:
                raise CompileError(
                    f"compile: {where} is the result of an op ({x.op!r}"
                    f"{', label ' + repr(x.label) if x.label else ''}), not a leaf. A compiled "
                    f"function takes leaf Values: compute that op inside fn (pass its inputs), "
                    f"or pass {where}.detach() to cut its graph off")
            values.append(x)
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
    return "(" + ", ".join(walk(a, f"args[{i}]") for i, a in enumerate(args)) + ")"


def number_key(x):
    """Equal for the same number: float bits (so -0.0 and 0.0 differ, NaN equals NaN)."""
    return (type(x), x.hex()) if isinstance(x, float) else (type(x), x)


# ------------------------------------------------------------------------ comparisons
COMPARISONS = ("<", "<=", ">", ">=")
_FLIPPED = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def comparison_guard(index, a, op, b, result):
    """A recorded comparison as the code generator takes it:
    (position of a, op, position of b or None, the number b, result)."""
    if not isinstance(a, Value):                # number OP Value: read it as Value OP' number
        a, op, b = b, _FLIPPED[op], a
    if isinstance(b, Value):
        return (index[a], op, index[b], None, bool(result))
    return (index[a], op, None, b, bool(result))          # b compared as it is
