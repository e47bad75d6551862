"""The generated code's globals and shared pieces of text.

``Namespace`` holds what the code reads besides its arguments: helpers, constants that
have no literal (inf, nan), the op table's functions it calls, tuples of operands.
``Kernels`` keeps the small functions a layer of neurons of one shape shares.
"""

import math
import struct

from ..core import bulk
from .guards import GuardFailed

__all__ = ["Namespace", "Kernels", "Writer", "show"]


def _fail(k):
    raise GuardFailed(k)


def _overflow():
    raise OverflowError("a value of the replay is inf or nan: this call is an eager step")


class Namespace(dict):
    """The generated function's globals: helpers, constants and tuples of operands."""

    def __init__(self):
        super().__init__(_fail=_fail, _overflow=_overflow,
                         **{name: getattr(bulk, name) for name in bulk.__all__})
        self._literals = {}

    def literal(self, x):
        """Source text for the number x: its repr, or a name holding it (inf, nan, ints
        too large for a float, other number types)."""
        if type(x) is float:
            if math.isfinite(x):
                return repr(x)
            key = struct.pack("<d", x)
        else:
            key = (type(x), x)
        name = self._literals.get(key)
        if name is None:
            name = self._literals[key] = self.constant(x)
        return name

    def constant(self, obj, prefix="_k"):
        name = f"{prefix}{len(self)}"
        self[name] = obj
        return name

    def function(self, f):
        """A name for the function f (one per function)."""
        key = ("function", id(f))
        name = self._literals.get(key)
        if name is None:
            name = self._literals[key] = self.constant(f, "_f")
        return name


class Kernels:
    """Generated functions of their own for code every layer of a shape shares: each
    written (and compiled) once, called once per layer."""

    def __init__(self):
        self.names = {}
        self.text = []

    def add(self, head, body, comment):
        text = f"{head}:\n" + "".join(f"    {line}\n" for line in body)
        name = self.names.get(text)
        if name is None:
            name = self.names[text] = f"_K{len(self.names)}"
            self.text.append(f"# {comment}\ndef {name}" + text)
        return name


class Writer:
    """What the forward and backward writers share: the Layout they write, the code's
    globals, its kernels, the rolled-loop writer, and the lines written so far."""

    def __init__(self, layout, ns, kernels, loops):
        self.layout = layout
        self.loops = loops
        self.g = layout.tape
        self.val, self.slot = layout.val, layout.slot
        self.ns = ns
        self.kernels = kernels
        self.lines = []


def show(label):
    """A label as a comment shows it: as it is if printable, else escaped."""
    return label if label.isprintable() else repr(label)
