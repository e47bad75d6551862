"""The replay raises where eager raises: a check that every value came out finite.

The engine refuses an op whose result is not a finite number while its operands are
finite (``1e300 * 1e300`` raises OverflowError, as ``exp(1000)`` does), and gives the IEEE
result where an operand already is inf or nan. Python's own floats raise for most of
these (``math.exp``, ``**``, ``math.log(0)``, division by zero), and the replay then falls
back to an eager step; but ``+ - * /`` overflow to inf silently. So the generated code
adds up, at the end of the forward pass and before any gradient is written, every value
such an op made (``sum(V)`` for the values in the arrays, the locals by name, a running
sum inside loops): inf or nan anywhere makes the sum inf or nan, and the call becomes an
eager step, which raises (or gives IEEE's result) as eager does. A finite sum that
overflows only makes a needless eager step.
"""

from .. import core

__all__ = ["needs_check", "propagates", "unchecked", "check_lines"]

_SILENT = frozenset(["+", "-", "r-", "*", "/", "r/", "leaky_relu", "wsum"])
_PROPAGATE = {"+": (0, 1), "-": (0, 1), "r-": (0,), "*": (0, 1), "neg": (0,), "abs": (0,),
              "leaky_relu": (0,), "/": (0,)}     # operands whose inf/nan reaches the result


def needs_check(op):
    """Can this op make a value that is not finite from finite operands without Python
    raising? (``+ - * /`` overflow, a users' op: always checked.)"""
    return op in _SILENT or not core.is_builtin(op)


def propagates(op, q):
    """Does an inf or nan in Value operand q always reach this op's result?"""
    return q in _PROPAGATE.get(op, ())


def unchecked(seg, ops):
    """The body nodes of a rolled loop whose values need a running check: they need
    one, are not kept (stored: in V) and do not reach a checked value through ops that
    pass inf and nan on (carried into the next iteration counts only where the last
    iteration's value is read after the loop, by name)."""
    covered = set(seg.stored) | set(seg.exits)
    edges = []
    for c, (_, kinds) in enumerate(seg.body):
        q = 0
        for kind, x in kinds:
            if kind in ("const", "ccol"):
                continue
            if kind in ("local", "carried") and propagates(ops[c], q):
                edges.append((x, c, kind))
            q += 1
    grown = True
    while grown:
        grown = False
        for x, c, kind in edges:
            if x not in covered and c in covered and (kind == "local" or x in seg.exits):
                covered.add(x)
                grown = True
    return [j for j in range(seg.period) if not seg.leaf[j] and needs_check(ops[j])
            and j not in covered]


def check_lines(probes, arrays):
    """The lines that raise (``_overflow()``) where a checked value is inf or nan:
    ``probes`` are the texts of values in locals, ``arrays`` whether V holds values."""
    terms = (["sum(V)"] if arrays else []) + [
        f"sum(({', '.join(probes[k:k + 250])},))" for k in range(0, len(probes), 250)]
    if not terms:
        return []
    return (["# every value an op could have overflowed into is finite, or the call is eager",
             f"_q = {terms[0]}"] + [f"_q += {t}" for t in terms[1:]] +
            ["if _q - _q: _overflow()"])
