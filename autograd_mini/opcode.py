"""How each op's apply function is written: the op table's forward and derivative
functions turned into one small Python function per op (``engine._attach_apply`` compiles
it; ``op.source`` shows it).

Where a function reads as an expression when run on symbols (``lambda a, b, out: b`` gives
``y``; ``lambda a, out: 1.0 - out * out`` gives ``(1.0 - (out * out))``), its text is
written in: the same float operations in the same order as calling it, without the call.
Anything else (a comparison, ``math.tanh``) is called as it is. Nothing here runs an op.
"""

import math

__all__ = ["write_apply"]


_APPLY1 = """def apply1(a):
    x = a.data
    try:
        out = {forward}
        node = _new(Value)
        node.data = out
        node.grad = 0.0
        node.op = name
        node.label = ""
        node._p1 = node._d1 = None
        if _recording():
            node._p0 = a
            node._d0 = {d0}
        else:                       # no_grad(): the op is named, nothing recorded
            node._p0 = None
        return node
    except (ArithmeticError, ValueError):
        return _apply(op, (a,))
"""
_APPLY2 = """def apply2(a, b):
    x = a.data
    if isinstance(b, Value):
        y = b.data
        c = None
    else:                           # a plain number: the node's constant
        y = c = b if type(b) is float else _constant(b)
        if c is None:
            return NotImplemented
    try:
        out = {forward}
        node = _new(Value)
        node.data = out
        node.grad = 0.0
        node.op = name
        node.label = ""
        if not _recording():
            node._p0 = node._p1 = None
            node._d1 = c
        elif c is None:
            node._p0 = a
            node._d0 = {d0}
            node._p1 = b
            node._d1 = {d1}
        else:
            node._p0 = a
            node._d0 = {d0}
            node._p1 = None
            node._d1 = c
        return node
    except (ArithmeticError, ValueError):
        return _apply(op, (a, b if c is None else c))
"""


def write_apply(op):
    """The source of op's apply function, and the values it reads besides the module's."""
    names = ["x", "y"][:len(op.derivatives)]
    values = {"op": op, "name": op.name, "_forward": op.forward}
    fields = {"forward": _expression(op.forward, names, values, "_forward")}
    for i, d in enumerate(op.derivatives):
        values[f"_d{i}"] = d
        fields[f"d{i}"] = _expression(d, names + ["out"], values, f"_d{i}")
    template = _APPLY1 if len(names) == 1 else _APPLY2
    return template.format(**fields), values


def _expression(f, names, values, fallback):
    """f's value as a Python expression in ``names``: its text where f reads as one (run
    on symbols), else a call ``fallback(x, ...)`` of f itself."""
    if not callable(f):                                  # a constant local derivative
        return _literal(f, values)
    try:
        result = f(*map(_Symbol, names))
        return _literal(result, values) if not isinstance(result, _Symbol) else result.text
    except (TypeError, ValueError, ArithmeticError, AttributeError):
        return f"{fallback}({', '.join(names)})"


def _literal(c, values):
    if c is None or (type(c) is float and math.isfinite(c)):
        return repr(c)
    if type(c) is not float:
        raise TypeError(f"a local derivative must be a float or a function, got {c!r}")
    key = f"_k{len(values)}"
    values[key] = c
    return key


class _Symbol:
    """An input while an op's functions are read as expressions: ``b * out`` is '(y * out)'.
    Comparisons and anything else it cannot write raise, and the function is called."""

    __slots__ = ("text",)

    def __init__(self, text):
        self.text = text

    def _binary(symbol, reflected=False):
        def method(self, other):
            if not isinstance(other, (_Symbol, float, int)) or isinstance(other, bool):
                return NotImplemented
            o = other.text if isinstance(other, _Symbol) else repr(float(other))
            left, right = (o, self.text) if reflected else (self.text, o)
            return _Symbol(f"({left} {symbol} {right})")
        return method

    __add__, __radd__ = _binary("+"), _binary("+", True)
    __sub__, __rsub__ = _binary("-"), _binary("-", True)
    __mul__, __rmul__ = _binary("*"), _binary("*", True)
    __truediv__, __rtruediv__ = _binary("/"), _binary("/", True)
    __pow__, __rpow__ = _binary("**"), _binary("**", True)

    def __neg__(self):
        return _Symbol(f"(-{self.text})")

    def __bool__(self):
        raise TypeError("a symbol has no truth value")

    __lt__ = __le__ = __gt__ = __ge__ = __bool__
