"""``autograd_mini.explain``: the chain rule for one gradient, factor by factor
(the code lives in ``autograd_mini.visual.explain``)."""

from .visual.explain import Explanation, Path, explain, paths

__all__ = ["explain", "Explanation", "paths", "Path"]
