"""``observing``: what compile (and autograd_mini.testing) learn of a traced function's
reads of Values' numbers, gradients and local derivatives.

Never compiled: it tells code outside the package from the package's own by the calling
frame, which compiled functions do not have (so the frame above an observed read is the
same on both engines: the reader's).
"""

from __future__ import annotations

import sys

from . import node
from .node import Node

__all__ = ["observing"]

_DATA = vars(Node)["data"]          # what Node has while nothing is observed: properties
_GRAD = vars(Node)["grad"]          # over the slots _data, _grad and _grad_value
_ENGINE = ("autograd_mini.core.node", __name__)


class observing:
    """``with observing(hook):`` tells ``hook(kind, a, b, result)`` of every comparison
    (kind "<", "<=", ">", ">="; b the other operand) and conversion (kind "float", "int",
    "round", "floor", "ceil", "trunc", "format", "repr" (str and print too); b the
    argument or None) of a Value's number inside, and of every read of ``v.data`` by code
    outside this package (kind "float": ``x * x.data`` reads the number as ``float(x)``
    does) and every write (kind "write"), and of every read or write of ``v.grad`` by code
    outside the core (kind "grad"), and of reads of ``local_grads`` / ``edges`` by code
    outside the package (kind "graph"). One observer at a time (it is process-wide)."""

    def __init__(self, hook):
        self.hook = hook

    def __enter__(self):
        if node.observer is not None:
            raise RuntimeError("another observer is set: Values are observed by one "
                               "tracer at a time (tracing is process-wide)")
        hook = self.hook

        def told(kind, a, b, result):
            if kind != "graph" or _outside():
                hook(kind, a, b, result)

        node.observer = told
        Node.data = _OBSERVED_DATA      # .data and .grad read the slots and tell the
        Node.grad = _OBSERVED_GRAD      # observer (the engine reads the slots)
        return self.hook

    def __exit__(self, *exc):
        Node.data, Node.grad = _DATA, _GRAD     # unobserved again
        node.observer = None
        return False


def _outside():
    """Whether the code that read a Value (the first frame above this module's and
    node.py's, which the interpreted engine's properties have) is outside the package."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__") in _ENGINE:
        frame = frame.f_back
    return frame is None or not frame.f_globals.get("__name__", "").startswith(
        "autograd_mini.")


# Each reads node.observer once: another thread's read may come as the trace ends and
# sets it back to None.
def _read_data(v):
    """``v.data`` while observed: a read by code outside the package is told to the
    observer as ``float(v)`` (the engine's own reads are its ops, not reads of a number)."""
    value = _DATA.__get__(v)
    observer = node.observer
    if observer is not None and _outside():
        observer("float", v, None, value)
    return value


def _write_data(v, value):
    """``v.data = x`` while observed: a write by code outside the package is told to the
    observer (kind "write"), so that its own read (``w.data *= 0.5``) is not taken for a
    number the trace depends on."""
    _DATA.__set__(v, value)
    observer = node.observer
    if observer is not None and _outside():
        observer("write", v, None, value)


_OBSERVED_DATA = property(_read_data, _write_data, _DATA.fdel, doc="the number (observed)")


def _read_grad(v):
    """``v.grad`` while observed: a read by code outside the core (kind "grad"; the core
    reads the slots, grads.py)."""
    value = _GRAD.__get__(v)
    observer = node.observer
    if observer is not None:
        observer("grad", v, None, value)
    return value


def _write_grad(v, value):
    """``v.grad = g`` while observed: a write by code outside the core (kind "grad"; the
    core writes the slots), ``zero_grad()`` included; ``del v.grad`` is ``v.grad = None``."""
    _GRAD.__set__(v, value)
    observer = node.observer
    if observer is not None:
        observer("grad", v, None, value)


_OBSERVED_GRAD = property(_read_grad, _write_grad, lambda v: _write_grad(v, None),
                          doc="d(output)/d(this node) (observed)")
