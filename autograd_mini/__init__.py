"""autograd_mini: a scalar reverse-mode automatic differentiation engine for learning,
teaching and checking backpropagation."""

from . import data, example, losses, nn, optim, reference, train
from .compiler.trace import CompileError, compile  # autograd_mini.compile is the function
from .core import (
    MASKED,
    GradcheckError,
    Op,
    Value,
    enable_grad,
    grad,
    gradcheck,
    gradgradcheck,
    hessian,
    is_grad_enabled,
    jacobian,
    no_grad,
    op,
    set_grad_enabled,
    topological_order,
)
from .explain import explain  # the module autograd_mini.explain keeps paths, Path
from .util.gc_pause import collector_paused
from .util.serialization import load, save
from .visual.animate import animate
from .visual.viz import draw  # graphviz itself is imported only if installed

__version__ = "0.1.0"
__all__ = ["Value", "op", "Op", "MASKED", "grad", "no_grad", "enable_grad",
           "set_grad_enabled", "is_grad_enabled", "collector_paused", "gradcheck",
           "gradgradcheck", "GradcheckError", "jacobian", "hessian",
           "topological_order", "draw", "animate", "explain", "compile", "CompileError",
           "nn", "losses", "optim", "reference", "example", "data", "train", "save", "load"]
