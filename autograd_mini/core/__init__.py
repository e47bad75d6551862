"""The engine: ``Value``, its ops, ``backward``, ``grad``, grad modes.

It imports nothing of the package but ``util``; every other sub-package (``nn``,
``visual``, ``compiler``, ``testing``) reads the engine through the names below.
"""

from . import engine
from .autograd import GradcheckError, grad, gradcheck, gradient_floats, gradient_values
from .engine import MASKED, OPS, Op, Value, op, op_inputs, topological_order
from .grad_mode import enable_grad, is_grad_enabled, no_grad
from .special import as_float, is_builtin
from .wsum import WSUM, weighted_sum

__all__ = ["Value", "Op", "op", "OPS", "MASKED", "op_inputs", "topological_order",
           "grad", "gradcheck", "GradcheckError", "gradient_floats", "gradient_values",
           "no_grad", "enable_grad", "is_grad_enabled", "as_float", "is_builtin",
           "weighted_sum", "WSUM", "observing"]


def observing(hook):
    """Context manager: ``hook(kind, a, b, result)`` is told of every comparison and
    conversion of a Value's number inside (``engine.observer``); one at a time."""
    return engine.observing(hook)
