"""The engine's slow path: every case its fast paths (``engine.py``) hand over.

- A finite input outside an op's domain (log of 0, 1/0, 0 ** -1, exp overflow) raises an
  error naming the op and its operands.
- Non-finite inputs, and ops evaluated in IEEE mode (the local derivatives of
  ``create_graph``), give the IEEE result PyTorch gives (inf, nan) instead.
- A local derivative that raises on floats at a singular point (sqrt at 0) gets its IEEE
  value (inf) by running the same derivative function on Values in IEEE mode.
- Constants on the left (``3 - x``: op "r-"), and ops of more than two inputs.
- The checks every op makes of the numbers it is given (``_as_float``, ``_constant``),
  comparisons of Values, and ``op_inputs`` (a node's op and its inputs).
"""

import contextvars
import math
from numbers import Real

from . import engine
from .engine import _MANY, DIV, EXP, LOG, MASKED, POW, Value, _new, recording

ieee_mode = contextvars.ContextVar("autograd_mini_ieee", default=False)
_recording = recording.get


def apply(op, inputs):
    """Any op on any inputs, and every case the fast paths hand over: a domain error
    (raised, naming the op and operand), IEEE results (non-finite inputs, derivatives at
    singular points: inf/nan as PyTorch gives them), constants on the left, n inputs."""
    if len(inputs) > 2 and not all(isinstance(v, Value) for v in inputs):
        raise TypeError(f"{op.name}: an op of {len(inputs)} inputs takes Values only")
    xs = [v.data if isinstance(v, Value) else v for v in inputs]
    try:
        out = op.forward(*xs)
        if type(out) is not float:
            out = _as_float(out, f"{op.name} result")
    except (ArithmeticError, ValueError) as error:
        if not (ieee_mode.get() or not all(map(math.isfinite, xs))):
            raise _domain_error(op, inputs, error) from None
        out = _singular(op, xs)
    parents = [i for i, v in enumerate(inputs) if isinstance(v, Value)]
    ds = [_local_derivative(op.derivatives[i], xs, out)
          if _recording() and i in parents else None for i in range(len(inputs))]
    constants = [x for v, x in zip(inputs, xs) if not isinstance(v, Value)]
    name = op.name if parents[0] == 0 else op.rname
    node = _new(Value)
    node.data, node.grad, node.op, node.label = out, 0.0, name, ""
    node._p0 = node._p1 = None
    node._d1 = constants[0] if constants else None
    if not _recording():
        return node
    if len(parents) == 1:
        node._p0, node._d0 = inputs[parents[0]], ds[parents[0]]     # _d1: the constant
    elif len(inputs) == 2:
        node._p0, node._d0, node._p1, node._d1 = inputs[0], ds[0], inputs[1], ds[1]
    else:
        node._p0, node._d0, node._p1 = tuple(inputs), tuple(ds), _MANY
    return node


def _local_derivative(d, xs, out):
    """d(*xs, out) on floats; where that raises (sqrt at 0, overflow), the IEEE value
    that PyTorch gives (inf, nan), found by running d on Values in IEEE mode."""
    if not callable(d):
        return d
    try:
        g = d(*xs, out)
        return g if g is MASKED or type(g) is float else _as_float(g, "a local derivative")
    except (ArithmeticError, ValueError):
        ieee, data_only = ieee_mode.set(True), recording.set(False)
        try:
            g = d(*[Value(x) for x in xs], Value(out))
        finally:
            recording.reset(data_only)
            ieee_mode.reset(ieee)
        return g.data if isinstance(g, Value) else g


def _singular(op, xs):
    """The IEEE result of op at a point where Python raises (1/0, log 0, overflow)."""
    if op.singular is not None:
        return op.singular(*xs)
    return math.nan


def _div_singular(a, b):
    return math.nan if a == 0.0 or a != a else math.copysign(math.inf, a) * \
        math.copysign(1.0, b)


def _pow_singular(a, b):
    odd = b == math.floor(b) and b % 2.0 == 1.0 if math.isfinite(b) else False
    if a < 0.0 and math.isfinite(b) and b != math.floor(b):
        return math.nan                                  # no real result
    if a == 0.0 and b < 0.0:
        return math.copysign(math.inf, a) if odd else math.inf
    if abs(a) < 1.0 and b < 0.0 or abs(a) > 1.0 and b > 0.0:    # overflow
        return -math.inf if a < 0.0 and odd else math.inf
    return math.nan


DIV.singular = _div_singular
POW.singular = _pow_singular
LOG.singular = lambda a: -math.inf if a == 0.0 else math.nan
EXP.singular = lambda a: math.inf


def _domain_error(op, inputs, error):
    """The error for an op on finite inputs outside its domain, naming op and operands."""
    named = "; ".join(f"{'operand' if len(inputs) == 1 else ('a', 'b')[i] if i < 2 else i} "
                      f"is {_describe(v)}" for i, v in enumerate(inputs))
    why = {"log": "operand must be > 0", "sqrt": "operand must be >= 0",
           "exp": "result overflows a float (data > 709.78)"}.get(op.name)
    if op.name == "/":
        return ZeroDivisionError(f"/: division by zero: divisor is {_describe(inputs[1])}, "
                                 f"dividend {_describe(inputs[0])}")
    if op.name == "**":
        why = _pow_domain(*[v.data if isinstance(v, Value) else v for v in inputs])
        return type(error)(f"**: {why}; {named}")
    if why is None:
        why = f"forward raised {type(error).__name__}: {error}"
    if len(inputs) == 1:
        return type(error)(f"{op.name}: {why}; got {_describe(inputs[0])}")
    return type(error)(f"{op.name}: {why}; {named}")


def _pow_domain(a, b):
    if a == 0.0 and b < 0.0:
        return f"0 cannot be raised to the negative power {b!r}"
    if a < 0.0 and b != math.floor(b):
        return f"a negative base needs an integer exponent, the exponent is {b!r}"
    return f"result overflows a float (exponent {b!r})"


def _describe(v):
    """How errors name an operand: ``value 2.0 (label 'x')`` or ``the constant 3.0``."""
    if not isinstance(v, Value):
        return f"the constant {v!r}"
    return f"value {v.data!r}" + (f" (label {v.label!r})" if v.label else "")


# ---------------------------------------------------------------------- checks
def _as_float(x, what):
    """x as a float, or a TypeError / OverflowError naming what was given."""
    if isinstance(x, Real) and not isinstance(x, Value):
        try:
            return float(x)
        except OverflowError:
            raise OverflowError(f"{what} is too large for a float: {x!r:.60}") from None
    kind = "Value" if isinstance(x, Value) else type(x).__name__
    hint = " (use .data for its number, or .detach() for a new leaf)" if kind == "Value" else ""
    raise TypeError(f"{what} must be a real number (int or float), got {kind}: {x!r}{hint}")


def as_float(x, what):
    """x as a float, or a TypeError / OverflowError naming ``what`` was given: the one
    check of a plain number the whole package uses."""
    return x if type(x) is float else _as_float(x, what)


def is_builtin(name):
    """True for the engine's own op names (``"*"``, ``"tanh"``, ``"r-"``), False for a
    user's op (``@op``)."""
    from .opdef import _BUILTIN
    return name in _BUILTIN or name[:1] == "r" and name[1:] in _BUILTIN


def _constant(x):
    """A plain number operand as a float; None for anything else (-> NotImplemented)."""
    if type(x) is float:
        return x
    if isinstance(x, Real) and not isinstance(x, Value):
        return _as_float(x, "a constant operand")
    return None


def _compare(a, op, b):
    """a OP b on data (numbers compared exactly, as Python does); seen by compile."""
    y = b.data if isinstance(b, Value) else b
    if not isinstance(y, Real):
        raise TypeError(f"cannot compare Value with {type(b).__name__}: {b!r}")
    x = a.data
    result = x < y if op == "<" else x <= y if op == "<=" else x > y if op == ">" else x >= y
    hook = engine.observer
    if hook is not None:
        hook(op, a, b, result)
    return result


def _read(v, kind, arg, result):
    """A conversion of a Value's number (float(v), round(v), f"{v:.3f}"), told to the
    observer (compile guards or refuses it); returns result."""
    hook = engine.observer
    if hook is not None:
        hook(kind, v, arg, result)
    return result


def op_inputs(node):
    """(Op, inputs) of a node: its parents with the constant in its place, e.g. for
    ``3 - x`` (op "r-") ``(OPS["-"], (3.0, x))``. (None, ()) for a leaf."""
    name = node.op
    if not name or node._p0 is None:
        return None, ()
    parents, c = node.parents, node.constant
    if name.reversed:
        return name.op, (c,) + parents
    return name.op, parents + ((c,) if c is not None else ())


def _check_differentiable(output, what):
    """A result made under ``no_grad()`` has no parents: no gradient can reach its
    inputs, so differentiating it is an error (as in PyTorch), not zeros."""
    if output._p0 is None and output.op:
        name = f" {output.label!r}" if output.label else ""
        raise RuntimeError(f"{what}: the output{name} (op {output.op!r}) was computed under "
                           f"no_grad(), so it recorded no parents and no gradient can reach "
                           f"its inputs; compute it outside no_grad()")
