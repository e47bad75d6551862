"""The scalar reverse-mode engine, top to bottom:

1. ``Value``: one node. It holds ``data``, ``grad``, ``op``, ``label``, the plain-number
   operand ``constant`` of its op (``x * 3`` keeps 3), and for each parent the *local
   derivative* d(node)/d(parent), computed by the op during the forward pass.
2. Ops: each op's forward (on floats) and its local derivatives, side by side, defined
   once in an ``Op``. The same derivative functions run on floats (``backward``) and on
   Values (``create_graph``), and ``compile``, ``draw`` and ``explain`` read them too.
3. Node construction: each op's ``apply`` makes its result node.
4. ``topological_order``: every node after its parents, without recursion.
5. ``backward``: in reverse topological order, ``parent.grad += local_grad * node.grad``.

No closure is stored (micrograd stores one per node), so a node holds no reference cycle.

Hooks, the only places where other modules reach into the core:
- ``recording``: a ContextVar, False under ``no_grad()`` (``grad_mode.py`` sets it).
- ``comparison_hook``: None, or a function ``(a, op, b, result)`` called on each comparison
  of Values (``compile`` sets it while it traces).
"""

import contextvars
import inspect
import math
import operator
from numbers import Real

from .gc_pause import collector_paused
from .gc_pause import collector_paused as _collector_paused  # noqa: F401  (old name)

__all__ = ["Value", "Op", "op", "OPS", "MASKED", "topological_order", "op_inputs",
           "weighted_sum"]

recording = contextvars.ContextVar("autograd_mini_recording", default=True)
comparison_hook = None
_ieee_mode = contextvars.ContextVar("autograd_mini_ieee", default=False)

# A local derivative that passes back exactly 0, whatever arrives from above (an inactive
# relu, x**0), as PyTorch masks them; a plain 0.0 times inf is nan, as in PyTorch.
MASKED = None


# ============================================================== 1. the data model
class Value:
    """One scalar node of a computation graph.

    data        the number (float)               grad   d(output)/d(this node) (float)
    op          the op that made it ("" = leaf)  label  a name for drawings ("" = none)
    constant    the op's plain-number operand (``x * 3``: 3.0), else None
    parents     the operand Values (tuple)       local_grads  d(this)/d(parent), each

    Comparisons (``<``, ``<=``, ``>``, ``>=``) compare ``data`` and return a bool; they are
    not ops. ``==`` is identity, so Values can be dict keys.
    """

    # At most two parents, in slots of their own (_p0/_d0, _p1/_d1): one object per node
    # for the garbage collector. An n-ary node (the neuron's weighted sum) keeps tuples
    # in _p0/_d0 and _MANY in _p1.
    __slots__ = ("data", "grad", "op", "label", "constant", "_p0", "_d0", "_p1", "_d1")

    def __init__(self, data, label=""):
        self.data = data if type(data) is float else _as_float(data, "Value data")
        if type(label) is not str:
            raise TypeError(f"Value label must be a str, got {type(label).__name__}: {label!r}")
        self.grad = 0.0
        self.op = self.label = ""
        self.label = label
        self.constant = self._p0 = self._p1 = None

    # ---------------------------------------------------------------- 2. ops
    # + - * / ** (a Value or a number on either side), -a, abs(a), a.exp() .log()
    # .sqrt() .tanh() .sigmoid() .relu() .softplus() .sin() .cos(): each is an Op of
    # the table below, attached to Value right after it.
    def leaky_relu(self, slope=0.01):
        return LEAKY_RELU.apply2(self, _as_float(slope, "leaky_relu slope"))

    def __pos__(self):
        return self

    def conjugate(self):                    # numpy's var/std on arrays of Values call it
        return self

    # Comparisons compare data (bool, not an op); compile sees them through the hook.
    def __lt__(self, other): return _compare(self, "<", other)
    def __le__(self, other): return _compare(self, "<=", other)
    def __gt__(self, other): return _compare(self, ">", other)
    def __ge__(self, other): return _compare(self, ">=", other)
    __hash__ = object.__hash__

    # ---------------------------------------------------------------- reading a node
    def __float__(self): return float(self.data)
    def item(self): return self.data                    # as in PyTorch

    def detach(self):
        """A new leaf with the same data and label, cut off from the graph."""
        return Value(self.data, self.label)

    def __repr__(self):
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    @property
    def parents(self):
        """The operand Values this node was computed from: (), (a,), (a, b) or more."""
        a, b = self._p0, self._p1
        return () if a is None else (a,) if b is None else a if b is _MANY else (a, b)

    @property
    def local_grads(self):
        """d(this node)/d(parent) for each parent (0.0 where the op masks it)."""
        a, b = self._p0, self._p1
        d = () if a is None else (self._d0,) if b is None else \
            self._d0 if b is _MANY else (self._d0, self._d1)
        return tuple(0.0 if g is MASKED else g for g in d)

    @property
    def _prev(self): return set(self.parents)           # micrograd's names
    @property
    def _op(self):
        c = self.constant
        return self.op + _fmt(c) if self.op == "**" and c is not None else self.op

    # ---------------------------------------------------------------- 5. backward
    def backward(self, gradient=1.0, create_graph=False):
        """Fill ``.grad`` of every node of the graph with d(self)/d(node).

        Gradients accumulate, as in PyTorch: this pass's gradient of each node is added
        to what its ``.grad`` held. If the pass is interrupted (an error, Ctrl-C), every
        ``.grad`` is put back as it was. ``create_graph=True``: the gradients are Values.
        """
        _check_differentiable(self, "backward")
        if create_graph:
            from .autograd import accumulate_gradient_values   # differentiable grads
            return accumulate_gradient_values(self, gradient)
        seed = gradient if type(gradient) is float else _as_float(gradient, "backward gradient")
        with collector_paused():
            order = topological_order(self)
            held = []                                    # (node, what .grad held before)
            walking = False
            try:
                for v in order:
                    g = v.grad
                    if g:
                        held.append((v, g))
                    v.grad = 0.0
                walking = True
                self.grad = seed
                _chain_rule(order)                       # this pass alone...
                for v, g in held:                        # ...added to the old grads
                    v.grad += g
            except BaseException:                        # interrupted: as it was before
                if walking:
                    for v in order:
                        v.grad = 0.0
                for v, g in held:
                    v.grad = g
                raise


def _chain_rule(order):
    """parent.grad += local_grad * node.grad, for each node from the output back.
    (``is not None``: not MASKED, the derivative an inactive relu passes back as 0.)"""
    many = _MANY
    for v in reversed(order):
        a = v._p0
        if a is None:                                    # a leaf passes nothing on
            continue
        g = v.grad                                       # complete by now
        b = v._p1
        d = v._d0
        if b is None:
            if d is not None:
                a.grad += d * g
        elif b is not many:
            if d is not None:
                a.grad += d * g
            d = v._d1
            if d is not None:
                b.grad += d * g
        else:                                            # n-ary: tuples of parents, grads
            for p, d in zip(a, d):
                if d is not None:
                    p.grad += d * g


# ============================================================== 2. ops
class Op:
    """An op: ``forward`` on floats and, per input, its local derivative d(out)/d(input):
    a number where it is constant (``+``: 1.0), else a function of (inputs..., out)
    written with + - * / ** and this module's functions, so that it works on floats
    (backward) and on Values (create_graph). A derivative may return ``MASKED``: then
    exactly 0 passes back to that input, whatever arrives (an inactive relu)."""

    __slots__ = ("name", "forward", "derivatives", "singular", "apply1", "apply2", "rapply2")

    def __init__(self, name, forward, derivatives, singular=None):
        if not callable(forward) or not derivatives or not all(
                callable(d) or type(d) is float for d in derivatives):
            raise TypeError(f"op {name!r}: needs a forward function and one derivative "
                            f"(a function or a float) per input")
        self.name, self.forward, self.derivatives = name, forward, tuple(derivatives)
        self.singular = singular      # IEEE result where forward raises (default nan)
        if len(derivatives) == 1:
            self.apply1 = _unary(self)
        elif len(derivatives) == 2:
            self.apply2, self.rapply2 = _binary(self), _reversed(self)
        OPS[name] = self

    def __call__(self, *inputs):
        if len(inputs) != len(self.derivatives):
            raise TypeError(f"{self.name}: takes {len(self.derivatives)} input(s), "
                            f"got {len(inputs)}")
        if not any(isinstance(x, Value) for x in inputs):
            return self.forward(*(_as_float(x, f"{self.name} input") for x in inputs))
        if len(inputs) == 1:
            return self.apply1(inputs[0])
        if len(inputs) == 2 and isinstance(inputs[0], Value):
            return self.apply2(*inputs)
        return _apply(self, inputs)

    def local_derivatives(self, inputs, out):
        """d(out)/d(input) for each input, evaluated (floats or Values, as the inputs)."""
        return [d(*inputs, out) if callable(d) else d for d in self.derivatives]

    def __repr__(self):
        return f"<op {self.name}>"


class WeightedSum(Op):
    """The neuron's ``net = b + sum_k w_k x_k`` as one node of 2n+1 parents
    (w_1..w_n, x_1..x_n, b): d(net)/dw_k = x_k, d(net)/dx_k = w_k, d(net)/db = 1."""

    def __init__(self):
        super().__init__("wsum", _weighted_sum_floats, (1.0,))

    def __call__(self, *inputs):
        n = len(inputs) // 2
        return weighted_sum(inputs[:n], inputs[n:2 * n], inputs[-1])

    def local_derivatives(self, inputs, out):
        n = len(inputs) // 2
        return list(inputs[n:2 * n]) + list(inputs[:n]) + [1.0]


OPS = {}    # op name -> Op: every op the engine and its users have defined


def op(*derivatives, name=None):
    """Define an op, as the engine defines its own::

        @op(lambda x: 3 * x ** 2)          # d/dx, written with ops: differentiable again
        def cube(x):                        # forward, on plain floats
            return x ** 3

    One derivative per input, each a function of the inputs (and optionally ``out``).
    """
    def define(forward):
        n = len(derivatives)
        return Op(name or forward.__name__, forward, [_takes_out(d, n) for d in derivatives])
    return define


def _takes_out(d, n):
    """A derivative of n inputs as a function of (inputs..., out)."""
    if not callable(d):
        raise TypeError(f"op: each derivative must be a function, got {type(d).__name__}")
    try:
        params = inspect.signature(d).parameters.values()
    except (TypeError, ValueError):
        return d
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if len(positional) == n and not any(p.kind == p.VAR_POSITIONAL for p in params):
        return lambda *xs: d(*xs[:-1])
    return d


# ------------------------------------------------------------ 3. node construction
# Each op gets two small functions made once, ``apply1(a)`` / ``apply2(a, b)`` (a is a
# Value; b a Value or a number), that compute the result and its local derivatives and
# store them on a new node. Everything unusual (a domain error, inf/nan, a constant on
# the left, n inputs) is handed to ``_apply``. The node is made with ``object.__new__``
# and its slots stored directly: this is the engine's hot path.
def _unary(op):
    forward, (d0,), name = op.forward, op.derivatives, op.name

    f0 = callable(d0)

    def apply1(a):
        x = a.data
        try:
            out = forward(x)
            node = _new(Value)
            node.data = out
            node.grad = 0.0
            node.op = name
            node.label = ""
            node.constant = node._p1 = None
            if _recording():
                node._p0 = a
                node._d0 = d0(x, out) if f0 else d0        # d(out)/da
            else:                                   # no_grad(): op named, nothing recorded
                node._p0 = None
            return node
        except (ArithmeticError, ValueError):
            return _apply(op, (a,))
    return apply1


def _binary(op):
    forward, (d0, d1), name = op.forward, op.derivatives, op.name
    f0, f1 = callable(d0), callable(d1)

    def apply2(a, b):
        x = a.data
        if isinstance(b, Value):
            y, c = b.data, None
        else:                                       # a plain number: the node's constant
            y = c = b if type(b) is float else _constant(b)
            if c is None:
                return NotImplemented
        try:
            out = forward(x, y)
            node = _new(Value)
            node.data = out
            node.grad = 0.0
            node.op = name
            node.label = ""
            node.constant = c
            if not _recording():
                node._p0 = node._p1 = None
            elif c is None:
                node._p0 = a
                node._d0 = d0(x, y, out) if f0 else d0     # d(out)/da
                node._p1 = b
                node._d1 = d1(x, y, out) if f1 else d1     # d(out)/db
            else:
                node._p0 = a
                node._d0 = d0(x, y, out) if f0 else d0
                node._p1 = None
            return node
        except (ArithmeticError, ValueError):
            return _apply(op, (a, b if c is None else c))
    return apply2


def _reversed(op):
    """c OP b for a plain number c: a node of op "r" + name, e.g. "r-" for 3 - x."""
    def rapply2(b, a):
        c = _constant(a)
        return NotImplemented if c is None else _apply(op, (c, b))
    return rapply2


# ------------------------------------------------------------ the ops
# Functions the derivatives use, for floats and Values alike.
def exp(x): return x.exp() if isinstance(x, Value) else math.exp(x)
def log(x): return x.log() if isinstance(x, Value) else math.log(x)
def sin(x): return x.sin() if isinstance(x, Value) else math.sin(x)
def cos(x): return x.cos() if isinstance(x, Value) else math.cos(x)
def sigmoid(x): return x.sigmoid() if isinstance(x, Value) else _sigmoid(x)


def _sigmoid(a):
    """1/(1+e^-a), without overflow for large |a|."""
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def _softplus(a):
    """ln(1 + e^a), without overflow: max(a, 0) + ln(1 + e^-|a|)."""
    return max(a, 0.0) + math.log1p(math.exp(-abs(a)))


def _pow(a, b):
    """a ** b on floats; a negative base with a non-integer exponent is a domain error."""
    out = a ** b
    if type(out) is not float:
        raise ValueError("complex result")
    return out


def _d_pow_base(a, b, out):           # d(a^b)/da = b a^(b-1); masked where b = 0
    return MASKED if _is_zero(b) else b * a ** (b - 1.0)


def _d_pow_exponent(a, b, out):       # d(a^b)/db = a^b ln a; masked at a = 0, b >= 0
    return MASKED if _is_zero(a) and not b < 0.0 else out * log(a)


def _sign(a):                         # d|a|/da: -1, 0 or 1 (nan at nan)
    x = _data(a)
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else x * 0.0


#    name            forward                            d(out)/d(input), per input
ADD = Op("+",        operator.add,                     (1.0, 1.0))
SUB = Op("-",        operator.sub,                     (1.0, -1.0))
MUL = Op("*",        operator.mul,                    (lambda a, b, out: b,
                                                        lambda a, b, out: a))
DIV = Op("/",        operator.truediv,                (lambda a, b, out: 1.0 / b,
                                                        lambda a, b, out: -out / b))
POW = Op("**",       _pow,                             (_d_pow_base, _d_pow_exponent))
NEG = Op("neg",      operator.neg,                     (-1.0,))
ABS = Op("abs",      abs,                              (lambda a, out: _sign(a),))
EXP = Op("exp",      math.exp,                         (lambda a, out: out,))
LOG = Op("log",      math.log,                         (lambda a, out: 1.0 / a,))
SQRT = Op("sqrt",    math.sqrt,                        (lambda a, out: 0.5 / out,))
TANH = Op("tanh",    math.tanh,                        (lambda a, out: 1.0 - out * out,))
SIGMOID = Op("sigmoid", _sigmoid,                      (lambda a, out: out * (1.0 - out),))
RELU = Op("relu",    lambda a: 0.0 if a <= 0.0 else a, (lambda a, out: MASKED if a <= 0.0
                                                        else 1.0,))
SOFTPLUS = Op("softplus", _softplus,                   (lambda a, out: sigmoid(a),))
SIN = Op("sin",      math.sin,                         (lambda a, out: cos(a),))
COS = Op("cos",      math.cos,                         (lambda a, out: -sin(a),))
LEAKY_RELU = Op("leaky_relu", lambda a, s: a if a > 0.0 else a * s,
                (lambda a, s, out: 1.0 if a > 0.0 else s,
                 lambda a, s, out: 0.0 if a > 0.0 else a))

def _weighted_sum_floats(*inputs):
    n = len(inputs) // 2
    s = inputs[-1]                                  # b, then + w_k x_k in order
    for w, x in zip(inputs[:n], inputs[n:2 * n]):
        s = s + w * x
    return s


WSUM = WeightedSum()


def weighted_sum(ws, xs, b):
    """``b + sum_k w_k x_k`` (Values) as one "wsum" node: the neuron's net input. The
    same float operations in the same order as ``sum((w*x for ...), b)``."""
    s = b.data
    ds_w = []
    for w, x in zip(ws, xs):
        xv = x.data
        s += w.data * xv
        ds_w.append(xv)
    node = _new(Value)
    node.data = s
    node.grad = 0.0
    node.op = "wsum"
    node.label = ""
    node.constant = None
    if _recording():
        node._p0 = (*ws, *xs, b)
        node._d0 = (*ds_w, *[w.data for w in ws], 1.0)
        node._p1 = _MANY
    else:
        node._p0 = node._p1 = None
    return node


# The ops as Value's operators and methods (c + a and c * a are a + c and a * c).
Value.__add__ = Value.__radd__ = ADD.apply2
Value.__mul__ = Value.__rmul__ = MUL.apply2
Value.__sub__, Value.__rsub__ = SUB.apply2, SUB.rapply2
Value.__truediv__, Value.__rtruediv__ = DIV.apply2, DIV.rapply2
Value.__pow__, Value.__rpow__ = POW.apply2, POW.rapply2
Value.__neg__, Value.__abs__ = NEG.apply1, ABS.apply1
for _op in (EXP, LOG, SQRT, TANH, SIGMOID, RELU, SOFTPLUS, SIN, COS):
    setattr(Value, _op.name, _op.apply1)


def _apply(op, inputs):
    """Any op on any inputs, and every case the fast paths hand over: a domain error
    (raised, naming the op and operand), IEEE results (non-finite inputs, derivatives at
    singular points: inf/nan as PyTorch gives them), constants on the left, n inputs."""
    xs = [v.data if isinstance(v, Value) else v for v in inputs]
    try:
        out = op.forward(*xs)
        if type(out) is not float:
            out = _as_float(out, f"{op.name} result")
    except (ArithmeticError, ValueError) as error:
        if not (_ieee_mode.get() or not all(map(math.isfinite, xs))):
            raise _domain_error(op, inputs, error) from None
        out = _singular(op, xs)
    parents = [i for i, v in enumerate(inputs) if isinstance(v, Value)]
    ds = [_local_derivative(op.derivatives[i], xs, out)
          if _recording() and i in parents else None for i in range(len(inputs))]
    constants = [x for v, x in zip(inputs, xs) if not isinstance(v, Value)]
    name = op.name if parents[0] == 0 else "r" + op.name
    node = _new(Value)
    node.data, node.grad, node.op, node.label = out, 0.0, name, ""
    node.constant = constants[0] if constants else None
    node._p0 = node._p1 = None
    if not _recording():
        return node
    if len(parents) == 1:
        node._p0, node._d0 = inputs[parents[0]], ds[parents[0]]
    elif len(inputs) == 2:
        node._p0, node._d0, node._p1, node._d1 = inputs[0], ds[0], inputs[1], ds[1]
    elif constants:
        raise TypeError(f"{op.name}: an op of {len(inputs)} inputs takes Values only")
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
        ieee, data_only = _ieee_mode.set(True), recording.set(False)
        try:
            g = d(*[Value(x) for x in xs], Value(out))
        finally:
            recording.reset(data_only)
            _ieee_mode.reset(ieee)
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


def _constant(x):
    """A plain number operand as a float; None for anything else (-> NotImplemented)."""
    if type(x) is float:
        return x
    if isinstance(x, Real) and not isinstance(x, Value):
        return _as_float(x, "a constant operand")
    return None


def _data(x):
    return x.data if isinstance(x, Value) else x


def _is_zero(x):
    return _data(x) == 0.0


def _fmt(c):
    """A constant as it shows in an op string: 3.0 -> '3', 0.5 -> '0.5'."""
    return str(int(c)) if c.is_integer() and abs(c) < 1e16 else repr(c)


def _compare(a, op, b):
    """a OP b on data (numbers compared exactly, as Python does); seen by compile."""
    y = b.data if isinstance(b, Value) else b
    if not isinstance(y, Real):
        raise TypeError(f"cannot compare Value with {type(b).__name__}: {b!r}")
    x = a.data
    result = x < y if op == "<" else x <= y if op == "<=" else x > y if op == ">" else x >= y
    if comparison_hook is not None:
        comparison_hook(a, op, b, result)
    return result


def op_inputs(node):
    """(Op, inputs) of a node: its parents with the constant in its place, e.g. for
    ``3 - x`` (op "r-") ``(OPS["-"], (3.0, x))``. (None, ()) for a leaf."""
    if not node.op or node._p0 is None:
        return None, ()
    name, parents, c = node.op, node.parents, node.constant
    if name not in OPS and name.startswith("r") and name[1:] in OPS:
        return OPS[name[1:]], (c,) + parents
    return OPS[name], parents + ((c,) if c is not None else ())


def _check_differentiable(output, what):
    """A result made under ``no_grad()`` has no parents: no gradient can reach its
    inputs, so differentiating it is an error (as in PyTorch), not zeros."""
    if output._p0 is None and output.op:
        name = f" {output.label!r}" if output.label else ""
        raise RuntimeError(f"{what}: the output{name} (op {output.op!r}) was computed under "
                           f"no_grad(), so it recorded no parents and no gradient can reach "
                           f"its inputs; compute it outside no_grad()")


_MANY = object()                    # _p1 of an n-ary node
_new = object.__new__
_recording = recording.get          # bound once: one C call per op


# ============================================================== 4. topological order
def topological_order(root):
    """Every node reachable from ``root``, each after all of its parents.

    Iterative depth-first search (no recursion limit): a node stays on the stack until
    none of its parents is left unseen. A leaf parent is emitted on the spot.
    """
    order = []
    seen = {root}
    stack = [root]
    while stack:
        node = stack[-1]
        p = node._p0
        if node._p1 is _MANY:                           # n-ary: scan its parents
            for p in p:
                if p not in seen:
                    seen.add(p)
                    if p._p0 is not None:
                        stack.append(p)
                        break
                    order.append(p)
            else:
                order.append(stack.pop())
            continue
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
