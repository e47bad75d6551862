"""The engine: ``Value``, its ops, ``backward``, ``grad``, grad modes.

Read it in this order (each module imports only the ones before it):
  compiled.py   which engine runs: engine/node/value compiled by mypyc, or their source
  scalar.py     the math the ops are written with (floats, and Values for create_graph)
  special.py    the NaN/inf policy: domain errors, IEEE results, number checks
  ops.py        the op table: each op's forward beside its local derivatives; ``op``
  grad_mode.py  no_grad / enable_grad / set_grad_enabled
  engine.py     topological order, backward (the chain rule), create_graph
  node.py       what a node records and how to read it
  value.py      Value: each op written out, forward and local derivatives side by side
  bulk.py       loops over many nodes' numbers and gradients (compile's replay)
  wsum.py       the neuron's weighted sum as one node
  autograd.py   grad, gradcheck, gradgradcheck;  functional.py  jacobian, hessian
It imports nothing of the package but ``util``; every other sub-package (``nn``,
``visual``, ``compiler``, ``testing``) reads the engine through the names below.
"""

from . import compiled  # noqa: F401  first: chooses the compiled engine (mypyc) or its source
from .autograd import GradcheckError, grad, gradcheck, gradgradcheck
from .engine import gradient_floats, gradient_values, topological_order
from .functional import hessian, jacobian
from .grad_mode import enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from .observe import observing
from .ops import MANY, MASKED, OPS, Op, is_builtin, op, op_inputs
from .special import as_float
from .value import Value
from .wsum import WSUM, weighted_sum

__all__ = ["Value", "Op", "op", "OPS", "MASKED", "MANY", "op_inputs", "is_builtin",
           "topological_order", "grad", "gradcheck", "gradgradcheck", "GradcheckError",
           "jacobian", "hessian", "gradient_floats", "gradient_values", "no_grad",
           "enable_grad", "set_grad_enabled", "is_grad_enabled", "as_float",
           "weighted_sum", "WSUM", "observing",
           "bulk"]     # a module, imported by the compiler (here it would come before compiled)
