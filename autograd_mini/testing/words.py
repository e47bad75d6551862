"""How check_gradients writes numbers and names: ``fmt``, ``plural``, ``entry_name``."""

# The one number format of the package (0.741365070 -> '0.74136507'), explain()'s
from ..visual.digits import format_decimals as fmt  # noqa: F401


def plural(n, one, many):
    """'1 path', '2,000 paths'."""
    return f"{n:,} {one if n == 1 else many}"


def entry_name(name, index):
    """``W1[0,1]`` for an entry of an array, ``W1`` for a scalar."""
    return f"{name}[{','.join(map(str, index))}]" if index else name
