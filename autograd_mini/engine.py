"""The scalar reverse-mode engine: ``Value`` and the functions that differentiate it.

Each op computes its result and, right beside it, the *local* derivatives of the
result with respect to each operand (``local_grads``). ``backward()`` applies the
chain rule over a topological order of the graph:

    parent.grad += local_grad * node.grad

No per-node closure is stored, so a node holds no reference cycle and the numbers a
textbook derivation shows (each factor of a gradient) are kept on the graph.

Constants (plain ints and floats) are not turned into Values: ``x * 3`` is a "*"
node with one parent, ``x``, whose local derivative is the constant 3. A constant
exponent is recorded in the op string (``"**2"``), as micrograd does.
"""

import contextvars
import functools
import gc
import math
from numbers import Real

__all__ = ["Value", "grad", "no_grad", "enable_grad", "is_grad_enabled", "gradcheck",
           "GradcheckError"]

_grad_enabled = contextvars.ContextVar("autograd_mini_grad_enabled", default=True)


def _describe(v):
    """``value 2.0 (label 'x')``: how error messages name an operand."""
    return f"value {v.data!r}" + (f" (label {v.label!r})" if v.label else "")


def _as_float(x, what):
    """Convert a real number to float, or raise TypeError naming what was given."""
    if isinstance(x, Real) and not isinstance(x, Value):
        return float(x)
    kind = "Value" if isinstance(x, Value) else type(x).__name__
    hint = " (use .data for its number, or .detach() for a new leaf)" if kind == "Value" else ""
    raise TypeError(f"{what} must be a real number (int or float), got {kind}: {x!r}{hint}")


class Value:
    """One scalar node of a computation graph.

    data        the number this node holds (float)
    grad        d(output)/d(this node), filled in by ``backward()`` (float, starts 0.0)
    parents     the operand Values this node was computed from (tuple; () for a leaf)
    local_grads d(this node)/d(parent) for each parent, evaluated at the forward pass
    op          the op that made this node ("" for a leaf), e.g. "+", "*", "**2", "tanh";
                a result computed under ``no_grad()`` keeps its op but has no parents
    label       a name for drawings and explanations ("" if none)

    Comparisons (``<``, ``<=``, ``>``, ``>=``) compare ``data`` and are not ops: they
    return a plain bool and record nothing. ``==`` is identity (Values are hashable).
    """

    # A node has at most two parents, so they and their local derivatives are kept in
    # slots of their own (_p0, _d0 and _p1, _d1) rather than in tuples: one object per
    # node is all the cyclic garbage collector has to track. ``parents`` and
    # ``local_grads`` give them back as tuples. _d1 is set only where _p1 is.
    __slots__ = ("data", "grad", "op", "label", "_p0", "_d0", "_p1", "_d1")

    def __init__(self, data, label=""):
        self.data = data if type(data) is float else _as_float(data, "Value data")
        self.grad = 0.0
        self._p0 = self._p1 = None
        self.op = ""
        if type(label) is not str:
            raise TypeError(f"Value label must be a str, got {type(label).__name__}: {label!r}")
        self.label = label

    # ------------------------------------------------------------------ internals
    def _fail(self, exc_type, op, why):
        raise exc_type(f"{op}: {why}; got {_describe(self)}") from None

    # ------------------------------------------------------------------ arithmetic
    def __add__(self, other):                       # d(a+b)/da = 1, d(a+b)/db = 1
        if isinstance(other, Value):
            return _node2(self.data + other.data, "+", self, 1.0, other, 1.0)
        c = other if type(other) is float else _constant(other)
        if c is None:
            return NotImplemented
        return _node1(self.data + c, "+", self, 1.0, c)

    def __mul__(self, other):                       # d(a*b)/da = b, d(a*b)/db = a
        if isinstance(other, Value):
            return _node2(self.data * other.data, "*", self, other.data, other, self.data)
        c = other if type(other) is float else _constant(other)
        if c is None:
            return NotImplemented
        return _node1(self.data * c, "*", self, c, c)

    def __truediv__(self, other):                   # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2
        if isinstance(other, Value):
            b = other.data
            if b == 0.0:
                raise ZeroDivisionError(f"/: division by zero: divisor is {_describe(other)}"
                                        f", dividend {_describe(self)}")
            out = self.data / b
            return _node2(out, "/", self, 1.0 / b, other, -out / b)
        c = _constant(other)
        if c is None:
            return NotImplemented
        if c == 0.0:
            self._fail(ZeroDivisionError, "/", "division by zero (divisor is the constant 0)")
        return _node1(self.data / c, "/", self, 1.0 / c, c)

    def __rtruediv__(self, other):                  # c / a = c * a**-1, as PyTorch does it
        c = _constant(other)
        if c is None:
            return NotImplemented
        if self.data == 0.0:
            self._fail(ZeroDivisionError, "/", f"division by zero ({_fmt(c)} / a zero divisor)")
        return (self ** -1) * c

    def __pow__(self, other):
        """a**n: d/da = n a^(n-1); with a Value exponent b also d/db = a^b ln a."""
        a = self.data
        if isinstance(other, Value):
            b = other.data
            out = self._power(a, b)
            return _node2(out, "**", self, _power_derivative(a, b),
                          other, _exponent_derivative(a, b, out))
        n = _constant(other)
        if n is None:
            return NotImplemented
        return _node1(self._power(a, n), _pow_op(n), self, _power_derivative(a, n), n)

    def __rpow__(self, other):                      # d(c^a)/da = c^a ln c
        c = _constant(other)
        if c is None:
            return NotImplemented
        return Value(c, label=_fmt(c)) ** self

    def _power(self, a, n):
        if a < 0.0 and math.isfinite(n) and n != math.floor(n):
            self._fail(ValueError, "**", f"a negative base needs an integer exponent, "
                                         f"the exponent is {n!r}")
        if a == 0.0 and n < 0.0:
            self._fail(ZeroDivisionError, "**", f"0 cannot be raised to the negative power {n!r}")
        try:
            return a ** n
        except OverflowError:
            self._fail(OverflowError, "**", f"result overflows a float (exponent {n!r})")

    def __neg__(self):                              # d(-a)/da = -1
        return _node1(-self.data, "neg", self, -1.0)

    def __pos__(self):
        return self

    def __sub__(self, other):                       # a - b = a + (-1)b
        if isinstance(other, Value):
            return _node2(self.data - other.data, "-", self, 1.0, other, -1.0)
        c = other if type(other) is float else _constant(other)
        if c is None:
            return NotImplemented
        return _node1(self.data - c, "-", self, 1.0, c)

    def __rsub__(self, other):                      # c - a: d/da = -1
        c = _constant(other)
        if c is None:
            return NotImplemented
        return _node1(c - self.data, "-", self, -1.0, c)

    __radd__ = __add__                              # c + a (float + is commutative)
    __rmul__ = __mul__                              # c * a

    def __abs__(self):                              # d|a|/da = sign(a), 0 at a = 0
        a = self.data
        return _node1(abs(a), "abs", self, 1.0 if a > 0 else -1.0 if a < 0 else 0.0)

    # ------------------------------------------------------------------ functions
    def exp(self):                                  # d e^a/da = e^a
        try:
            out = math.exp(self.data)
        except OverflowError:
            self._fail(OverflowError, "exp", "result overflows a float (data > 709.78)")
        return _node1(out, "exp", self, out)

    def log(self):                                  # d ln a/da = 1/a
        a = self.data
        if a <= 0.0:
            self._fail(ValueError, "log", "operand must be > 0")
        return _node1(math.log(a), "log", self, 1.0 / a)

    def sqrt(self):                                 # d sqrt(a)/da = 1/(2 sqrt(a))
        a = self.data
        if a < 0.0:
            self._fail(ValueError, "sqrt", "operand must be >= 0")
        out = math.sqrt(a)
        return _node1(out, "sqrt", self, 0.5 / out if out else math.inf)

    def tanh(self):                                 # d tanh(a)/da = 1 - tanh(a)^2
        t = math.tanh(self.data)
        return _node1(t, "tanh", self, 1.0 - t * t)

    def sigmoid(self):                              # s(a) = 1/(1+e^-a), ds/da = s(1-s)
        s = _sigmoid(self.data)
        return _node1(s, "sigmoid", self, s * (1.0 - s))

    def relu(self):                                 # d relu(a)/da = 1 if a > 0 else 0
        a = self.data
        if a > 0.0:
            return _node1(a, "relu", self, 1.0)
        return _node1(0.0, "relu", self, 0.0)

    def leaky_relu(self, slope=0.01):               # d/da = 1 if a > 0 else slope
        a = self.data
        slope = _as_float(slope, "leaky_relu slope")
        if a > 0.0:
            return _node1(a, "leaky_relu", self, 1.0, slope)
        return _node1(a * slope, "leaky_relu", self, slope, slope)

    def softplus(self):                             # ln(1 + e^a), d/da = sigmoid(a)
        a = self.data
        return _node1(_softplus(a), "softplus", self, _sigmoid(a))

    def sin(self):                                  # d sin(a)/da = cos(a)
        return _node1(math.sin(self.data), "sin", self, math.cos(self.data))

    def cos(self):                                  # d cos(a)/da = -sin(a)
        return _node1(math.cos(self.data), "cos", self, -math.sin(self.data))

    # ------------------------------------------------------------------ comparisons
    # Not ops: they compare data and return bool. Useful for max(), sorted(), if-tests.
    # While ``compile`` traces a function, each comparison is recorded so that the
    # compiled code can check that it still comes out the same (control flow).
    def __lt__(self, other):
        return _compared(self, "<", other, self.data < _data(other))

    def __le__(self, other):
        return _compared(self, "<=", other, self.data <= _data(other))

    def __gt__(self, other):
        return _compared(self, ">", other, self.data > _data(other))

    def __ge__(self, other):
        return _compared(self, ">=", other, self.data >= _data(other))

    __hash__ = object.__hash__

    # ------------------------------------------------------------------ conversions
    def __float__(self):
        return float(self.data)

    def item(self):
        """The number this Value holds (as in PyTorch)."""
        return self.data

    def detach(self):
        """A new leaf with the same data and label, cut off from the graph."""
        return Value(self.data, self.label)

    def __repr__(self):
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    # micrograd's names for the same things, so micrograd code (and its draw_dot) runs
    @property
    def _prev(self):
        return set(self.parents)

    @property
    def _op(self):
        return self.op

    @property
    def parents(self):
        """The operand Values this node was computed from: (), (a,) or (a, b)."""
        a = self._p0
        if a is None:
            return ()
        b = self._p1
        return (a,) if b is None else (a, b)

    @parents.setter
    def parents(self, parents):
        parents = tuple(parents)
        if len(parents) > 2 or not all(isinstance(p, Value) for p in parents):
            raise ValueError(f"parents must be at most two Values, got {parents!r}")
        self._p0 = parents[0] if parents else None
        self._p1 = parents[1] if len(parents) == 2 else None

    @property
    def local_grads(self):
        """d(this node)/d(parent) for each parent, as stored by the op: (), (da,) or (da, db)."""
        if self._p0 is None:
            return ()
        return (self._d0,) if self._p1 is None else (self._d0, self._d1)

    @local_grads.setter
    def local_grads(self, local_grads):
        local_grads = tuple(local_grads)
        if len(local_grads) != len(self.parents):
            raise ValueError(f"local_grads needs one number per parent ({len(self.parents)}), "
                             f"got {local_grads!r}")
        if local_grads:
            self._d0 = local_grads[0]
        if len(local_grads) == 2:
            self._d1 = local_grads[1]

    # ------------------------------------------------------------------ backward
    def backward(self, gradient=1.0, create_graph=False):
        """Fill ``.grad`` of every node of the graph with d(self)/d(node).

        Gradients accumulate: a node used on several paths gets the sum over its
        paths, and calling ``backward()`` again adds the new gradients to the old
        ones, exactly like PyTorch (call ``zero_grad()`` between steps). With
        ``create_graph=True`` the gradients are Values, themselves differentiable.
        """
        _check_differentiable(self, "backward")
        if create_graph:
            order = topological_order(self)
            grads = _gradient_values(order, self, gradient)
            for v in order:
                old = v.grad
                v.grad = grads[v] if (type(old) is float and old == 0.0) else old + grads[v]
            return
        seed = gradient if type(gradient) is float else _as_float(gradient, "backward gradient")
        with _collector_paused():
            order, stale = _topological_order_zeroing(self)
            self.grad = seed
            for v in reversed(order):
                a = v._p0
                if a is None:                       # a leaf has nothing to pass on
                    continue
                g = v.grad                          # d(output)/d(v), complete by now
                a.grad += v._d0 * g                 # parent.grad += local_grad * node.grad
                b = v._p1
                if b is not None:
                    b.grad += v._d1 * g
            for v, g in stale:                      # earlier backward() passes
                v.grad += g


def _check_differentiable(output, what):
    """An op result without parents was computed under ``no_grad()``: no gradient can
    reach its inputs, so differentiating it is an error (as in PyTorch), not zeros."""
    if output._p0 is None and output.op:
        name = f" {output.label!r}" if output.label else ""
        raise RuntimeError(f"{what}: the output{name} (op {output.op!r}) was computed under "
                           f"no_grad(), so it recorded no parents and no gradient can reach "
                           f"its inputs; compute it outside no_grad()")


def _power_derivative(a, n):
    """d(a^n)/da = n a^(n-1); 0 when n = 0, and +-inf where a^(n-1) is infinite."""
    if n == 0.0:
        return 0.0
    try:
        return n * a ** (n - 1.0)
    except (ZeroDivisionError, OverflowError):
        return math.copysign(math.inf, n)


def _exponent_derivative(a, b, out):
    """d(a^b)/db = a^b ln a; 0 at a = 0 with b >= 0 (PyTorch's convention), NaN for a < 0."""
    if a > 0.0:
        return out * math.log(a)
    if a == 0.0 and b >= 0.0:
        return 0.0
    return math.nan                                 # ln a is undefined for a < 0


def _softplus(a):
    """Numerically stable ln(1 + e^a)."""
    return max(a, 0.0) + math.log1p(math.exp(-abs(a)))


def _sigmoid(a):
    """Numerically stable 1/(1+e^-a)."""
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def _constant(x):
    """x as a float if it is a plain real number, else None (the op returns NotImplemented)."""
    if type(x) is float:
        return x
    if type(x) is int or isinstance(x, Real):
        return float(x)
    return None


def _data(x):
    if isinstance(x, Value):
        return x.data
    c = _constant(x)
    if c is None:
        raise TypeError(f"cannot compare Value with {type(x).__name__}: {x!r}")
    return c


@functools.lru_cache(maxsize=256)
def _pow_op(n):
    """The op string of ``a ** n`` for a constant n: '**2', '**0.5' (as micrograd names it)."""
    return "**" + _fmt(n)


def _fmt(c):
    """How a constant shows in an op string: 3.0 -> '3', 0.5 -> '0.5'."""
    return str(int(c)) if c.is_integer() and abs(c) < 1e16 else repr(c)


def _node1(data, op, a, da, constant=None):
    """A new op result with one parent ``a`` and its local derivative da = d(result)/da.

    Under ``no_grad()`` it keeps its op but records no parent. This and ``_node2`` are the
    engine's hot path: the object is made with ``object.__new__`` and its slots are
    stored directly (cheaper than a Python ``__init__`` call). ``constant`` is the plain
    number operand of ops like ``x + 2``; it is kept only while ``compile`` traces.
    """
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out.op = op
    out._p1 = None
    if _recording():
        out._p0 = a
        out._d0 = da
        if constant is not None and _trace is not None:
            _trace.constants[out] = constant
    else:                                       # no_grad(): the op is named, nothing recorded
        out._p0 = None
    return out


def _node2(data, op, a, da, b, db):
    """A new op result with parents ``a`` and ``b`` and the local derivatives da, db."""
    out = _new_value(Value)
    out.data = data
    out.grad = 0.0
    out.label = ""
    out.op = op
    if _recording():
        out._p0 = a
        out._d0 = da
        out._p1 = b
        out._d1 = db
    else:
        out._p0 = out._p1 = None
    return out


def _compared(v, op, other, result):
    """A comparison's result, recorded if ``compile`` is tracing."""
    if _trace is not None:
        _trace.comparisons.append((v, op, other, result))
    return result


_trace = None           # while compile() traces: an object with .constants and .comparisons


_new_value = object.__new__
_recording = _grad_enabled.get                  # bound once: one C call per op


# ---------------------------------------------------------------------- graph walks
class _collector_paused:
    """Context manager: the cyclic garbage collector is off inside, as it was after.

    A graph walk creates no reference cycles, so the collector can only waste time
    there (it would traverse every node of the graph). If the collector was enabled on
    entry it is re-enabled on every exit, exceptions included; if it was already off
    it is left off. The setting is process-wide: walks overlapping in several threads
    leave it as it was before the first one began.
    """

    __slots__ = ("_was_enabled",)

    def __enter__(self):
        self._was_enabled = gc.isenabled()
        if self._was_enabled:
            gc.disable()

    def __exit__(self, *exc):
        if self._was_enabled:
            gc.enable()
        return False


def topological_order(root):
    """Every node reachable from ``root``, each after all of its parents.

    Iterative depth-first search, so graphs of any depth work without recursion. The
    stack holds only nodes: on each visit a node's parents (first ``_p0``, then ``_p1``)
    are checked for one not yet seen, and the node is emitted once none is left. A leaf
    parent is emitted on the spot, without a visit of its own: that is where it would
    land anyway.
    """
    order = []
    seen = {root}
    stack = [root]
    while stack:
        node = stack[-1]
        p = node._p0
        if p is not None and p not in seen:
            seen.add(p)
            if p._p0 is not None:
                stack.append(p)
                continue
            order.append(p)
        p = node._p1
        if p is not None and p not in seen:
            seen.add(p)
            if p._p0 is not None:
                stack.append(p)
                continue
            order.append(p)
        order.append(stack.pop())
    return order


def _topological_order_zeroing(root):
    """``topological_order(root)`` with every grad set to 0.0, and the old nonzero grads
    as ``(node, grad)`` pairs so that ``backward()`` can add them back. If it is
    interrupted, every grad is put back as it was."""
    order = topological_order(root)
    stale = []
    try:
        for v in order:
            g = v.grad
            if g:
                stale.append((v, g))
                v.grad = 0.0
    except BaseException:
        for v, g in stale:
            v.grad = g
        raise
    return order, stale


# ------------------------------------------------------------ differentiable local grads
# With create_graph=True the local derivatives must themselves be Values built from the
# parents (and the node), so that the gradient graph can be differentiated again.
# Piecewise-linear ops and ops with a constant operand have constant local derivatives:
# their stored floats are exact.
def _pow_rule(out, a, b=None):
    if b is None:
        n = _exponent(out.op)
        return (n * a ** (n - 1.0),) if n != 0.0 else (0.0,)
    db = out * a.log() if a.data > 0.0 else out.local_grads[1]
    return (b * a ** (b - 1.0), db)


def _exponent(op):
    return float(op[2:])


_LOCAL_GRAD_RULES = {
    "*": lambda out, a, b=None: (b, a) if b is not None else out.local_grads,
    "/": lambda out, a, b=None: (1.0 / b, -out / b) if b is not None else out.local_grads,
    "**": _pow_rule,
    "exp": lambda out, a: (out,),
    "log": lambda out, a: (1.0 / a,),
    "sqrt": lambda out, a: (0.5 / out,),
    "tanh": lambda out, a: (1.0 - out * out,),
    "sigmoid": lambda out, a: (out * (1.0 - out),),
    "softplus": lambda out, a: (a.sigmoid(),),
    "sin": lambda out, a: (a.cos(),),
    "cos": lambda out, a: (-a.sin(),),
}


def _local_grad_values(node):
    op = node.op
    rule = _LOCAL_GRAD_RULES.get(op)
    if rule is not None:
        return rule(node, *node.parents)
    if op.startswith("**"):                         # a ** constant
        return _pow_rule(node, *node.parents)
    return node.local_grads                         # constant local derivatives


def _gradient_values(order, output, seed):
    """d(output)/d(node) for every node in ``order`` as differentiable Values."""
    grads = {v: 0.0 for v in order}
    grads[output] = seed if isinstance(seed, Value) else Value(_as_float(seed, "gradient"))
    token = _grad_enabled.set(True)
    try:
        for v in reversed(order):
            g = grads[v]
            for p, local in zip(v.parents, _local_grad_values(v)):
                grads[p] = grads[p] + local * g
    finally:
        _grad_enabled.reset(token)
    return {v: g if isinstance(g, Value) else Value(g) for v, g in grads.items()}


def _gradient_floats(order, output, seed):
    """d(output)/d(node) for every node in ``order`` as floats, touching no ``.grad``."""
    grads = {v: 0.0 for v in order}
    grads[output] = seed
    for v in reversed(order):
        g = grads[v]
        for p, local in zip(v.parents, v.local_grads):
            grads[p] += local * g
    return grads


# ---------------------------------------------------------------------- public functions
def _value_list(inputs, what):
    """``inputs`` (one Value or a sequence of them) as a list, or a TypeError naming the
    first entry that is not a Value."""
    xs = [inputs] if isinstance(inputs, Value) else list(inputs)
    for i, x in enumerate(xs):
        if not isinstance(x, Value):
            raise TypeError(f"{what}: inputs[{i}] must be a Value, got {type(x).__name__}")
    return xs


def grad(output, inputs, create_graph=False):
    """d(output)/d(input) for each input, as Values; no ``.grad`` is touched.

    ``inputs`` is one Value (one gradient is returned) or a sequence (a list is
    returned). An input the output does not depend on gets 0. With
    ``create_graph=True`` the gradients are graphs of their own, so they can be
    differentiated again: ``grad(grad(y, x, create_graph=True), x)`` is d2y/dx2.
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad: output must be a Value, got {type(output).__name__}")
    single = isinstance(inputs, Value)
    xs = _value_list(inputs, "grad")
    _check_differentiable(output, "grad")
    order = topological_order(output)
    if create_graph:
        grads = _gradient_values(order, output, 1.0)
        result = [grads[x] if x in grads else Value(0.0) for x in xs]
    else:
        grads = _gradient_floats(order, output, 1.0)
        result = [Value(grads.get(x, 0.0)) for x in xs]
    return result[0] if single else result


class no_grad:
    """Context manager (and decorator) under which ops record no parents.

    Results computed inside keep their op but have no parents, so no gradient flows
    through them, as with ``torch.no_grad()``. The setting is
    a ``contextvars.ContextVar``, so threads and asyncio tasks each have their own.
    """

    _enabled = False

    def __new__(cls, fn=None):
        self = super().__new__(cls)
        if fn is not None:                          # used bare: @no_grad
            if not callable(fn):
                raise TypeError(f"{cls.__name__}() takes no arguments (or decorates a "
                                f"function), got {type(fn).__name__}")
            return self(fn)
        return self

    def __init__(self, fn=None):
        self._tokens = []

    def __enter__(self):
        self._tokens.append(_grad_enabled.set(self._enabled))
        return self

    def __exit__(self, *exc):
        _grad_enabled.reset(self._tokens.pop())
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with type(self)():
                return fn(*args, **kwargs)
        return wrapper


class enable_grad(no_grad):
    """Turn recording back on inside a ``no_grad()`` block."""

    _enabled = True


def is_grad_enabled():
    """True unless inside ``no_grad()``."""
    return _grad_enabled.get()


class GradcheckError(AssertionError):
    """Raised by ``gradcheck`` when analytic and numeric gradients disagree."""


def gradcheck(fn, inputs, eps=1e-6, atol=1e-6, rtol=1e-4):
    """Compare the engine's gradient of ``fn(*inputs)`` with central finite differences.

    numeric_i = (fn(x_i + eps) - fn(x_i - eps)) / (2 eps). Passes when
    |analytic - numeric| <= atol + rtol |numeric| for every input; returns True,
    otherwise raises ``GradcheckError`` listing each input's analytic and numeric value.
    Non-finite gradients (NaN, inf) always fail and are reported.
    """
    xs = _value_list(inputs, "gradcheck")
    if not (isinstance(eps, Real) and 0 < eps < math.inf):
        raise ValueError(f"gradcheck: eps must be a positive finite number, got {eps!r}")

    def evaluate():
        y = fn(*xs)
        if not isinstance(y, Value):
            raise TypeError(f"gradcheck: fn must return one Value, got {type(y).__name__}")
        return y

    with enable_grad():                             # even when called inside no_grad()
        analytic = [g.data for g in grad(evaluate(), xs)]
    numeric = []
    with no_grad():
        for x in xs:
            original = x.data
            try:
                x.data = original + eps
                plus = evaluate().data
                x.data = original - eps
                minus = evaluate().data
            finally:
                x.data = original
            numeric.append((plus - minus) / (2.0 * eps))
    rows, ok = [], True
    for i, (x, a, n) in enumerate(zip(xs, analytic, numeric)):
        good = math.isfinite(a) and math.isfinite(n) and abs(a - n) <= atol + rtol * abs(n)
        ok = ok and good
        name = x.label or f"inputs[{i}]"
        rows.append(f"  {'ok ' if good else 'BAD'} {name}: analytic {a!r}, numeric {n!r}")
    if not ok:
        raise GradcheckError("gradcheck failed (atol=%g, rtol=%g, eps=%g):\n%s"
                             % (atol, rtol, eps, "\n".join(rows)))
    return True
