"""How a quantity is computed, as text: its formula in names, then with numbers in.

    out_o1 = 1/(1+e^(-net_o1)) = 1/(1+e^(-1.105905967))
    ∂E_total/∂out_o1 = -(target_o1 - out_o1) = -(0.01 - 0.75136507)
    ∂E_total/∂w5 = ∂E_total/∂out_o1 × ∂out_o1/∂net_o1 × ∂net_o1/∂w5
                 = 0.74136507 × 0.186815602 × 0.593269992
    ∂E_total/∂out_h1 = ∂E_o1/∂out_h1 + ∂E_o2/∂out_h1
    w5+ = w5 - η × ∂E_total/∂w5 = 0.4 - 0.5 × 0.082167041

A formula is a list of parts: text, or a key (a quantity, shown as its name or its number).
A derivative along one chain is the product of the chain-rule factors between the nodes
every path passes (a factor that is exactly 1, such as ∂E_total/∂E_o1, is merged into
the next); where paths split, the sum over the branches; between neighbours, the local
derivative written from the ops (numeric constants multiplied out).
"""

from ..core import Value, op_inputs
from .derivation_names import display
from .derivation_numbers import fmt

__all__ = ["formula", "render", "MAX_NODES"]

MAX_NODES = 200                 # formulas over more nodes are not written out
_ATOM, _POW, _NEG, _PRODUCT, _SUM = 9, 4, 3, 2, 1
_MAX_PATHS = 8                  # region paths written out in a local derivative
_MAX_FACTORS = 10               # chain-rule factors written out
_FUNCTIONS = {"exp": "e^({})", "log": "ln({})", "sqrt": "sqrt({})", "tanh": "tanh({})",
              "sigmoid": "1/(1+e^(-{}))", "relu": "max(0, {})", "softplus": "ln(1+e^({}))",
              "sin": "sin({})", "cos": "cos({})", "abs": "|{}|"}


def _wrap(parts, prec, need):
    return ["("] + parts + [")"] if prec < need else parts


def _const(c):
    return [fmt(c) if c >= 0 else f"({fmt(c)})"], _ATOM


class _Writer:
    """Writes the nodes of one region of ``net`` (top: the named node) as formula parts;
    ``kind`` is the key kind of the named nodes it reads ("value" or "step")."""

    def __init__(self, net, top, kind="value"):
        self.net, self.top, self.kind = net, top, kind

    def expr(self, v):
        if not isinstance(v, Value):
            return _const(v)
        if v is not self.top and v in self.net.name:
            return [(self.kind, self.net.name[v])], _ATOM
        if not v.parents:
            return _const(v.data)
        op, inputs = op_inputs(v)
        xs = [self.expr(x) for x in inputs]
        name = op.name
        if name in ("+", "-") and len(xs) == 2:
            right = _wrap(*xs[1], _SUM + (name == "-"))
            return xs[0][0] + [f" {name} "] + right, _SUM
        if name == "*" and len(xs) == 2:
            a, b = xs
            if not isinstance(inputs[1], Value):
                a, b = b, a                                  # the constant first
            if a[0] == ["0.5"] and b[1] == _POW:
                return ["1/2 "] + b[0], _PRODUCT
            return _wrap(*a, _PRODUCT) + [" × "] + _wrap(*b, _PRODUCT), _PRODUCT
        if name == "/" and len(xs) == 2:
            return _wrap(*xs[0], _PRODUCT) + [" / "] + _wrap(*xs[1], _NEG), _PRODUCT
        if name == "**" and len(xs) == 2:
            return _wrap(*xs[0], _ATOM) + ["^"] + _wrap(*xs[1], _ATOM), _POW
        if name == "neg":
            return ["-"] + _wrap(*xs[0], _POW), _NEG
        if name in _FUNCTIONS:
            before, after = _FUNCTIONS[name].split("{}")
            return [before] + xs[0][0] + [after], _PRODUCT if name == "sigmoid" else _ATOM
        if name == "wsum":
            n = len(xs) // 2
            parts = []
            for w, x in zip(xs[:n], xs[n:2 * n]):
                parts += _wrap(*w, _PRODUCT) + [" × "] + _wrap(*x, _PRODUCT) + [" + "]
            return parts + _wrap(*xs[-1], _SUM), _SUM
        args = []
        for x in xs:
            args += x[0] + [", "]
        return [f"{name}("] + args[:-1] + [")"], _ATOM

    def local(self, v, i):
        """d v / d (its i-th Value input) as factors: a list of (parts, prec), or None."""
        op, inputs = op_inputs(v)
        values = [k for k, x in enumerate(inputs) if isinstance(x, Value)]
        k, name, xs = values[i], op.name, [self.expr(x) for x in inputs]
        out = self.expr(v) if v is not self.top else ([("value", self.net.name[v])], _ATOM)
        if name == "+":
            return []
        if name == "-":
            return [(["-1"], _ATOM)] if k == 1 else []
        if name == "*":
            return [xs[1 - k]]
        if name == "/":
            return [(["1 / "] + _wrap(*xs[1], _NEG), _PRODUCT)] if k == 0 else \
                [(["-1"], _ATOM), xs[0], (["1 / "] + _wrap(*xs[1], _POW) + ["^2"], _PRODUCT)]
        if name == "**" and k == 0 and not isinstance(inputs[1], Value):
            c = inputs[1]
            if c == 2:
                return [([fmt(c)], _ATOM), xs[0]]
            return [([fmt(c)], _ATOM), (_wrap(*xs[0], _ATOM) + [f"^{fmt(c - 1)}"], _POW)]
        if name == "sigmoid":
            return [out, (["1 - "] + _wrap(*out, _PRODUCT), _SUM)]
        if name == "tanh":
            return [(["1 - "] + _wrap(*out, _ATOM) + ["^2"], _SUM)]
        if name == "exp":
            return [out]
        if name == "log":
            return [(["1 / "] + _wrap(*xs[0], _NEG), _PRODUCT)]
        if name == "wsum":
            n = len(inputs) // 2
            return [xs[k + n]] if k < n else [xs[k - n]] if k < 2 * n else []
        return None


def _product(factors):
    """Factors multiplied: numeric constants folded, 1s dropped."""
    c, rest = 1.0, []
    for parts, prec in factors:
        if len(parts) == 1 and isinstance(parts[0], str):
            try:
                c *= float(parts[0].strip("()"))
                continue
            except ValueError:
                pass
        rest.append((parts, prec))
    if not rest:
        return [fmt(c)], _ATOM
    if len(rest) == 1:
        body, prec = rest[0]
    else:
        body, prec = [], _PRODUCT
        for parts, p in rest:
            body += _wrap(parts, p, _PRODUCT) + [" × "]
        body = body[:-1]
    if c == 1.0:
        return body, prec
    if c == -1.0:
        return ["-"] + _wrap(body, prec, _POW), _NEG
    return [fmt(c), " × "] + _wrap(body, prec, _PRODUCT), _PRODUCT


def _local_formula(net, c, p):
    """dc/dp inside c's region: the sum over its paths of products of local
    derivatives, or None if an op has no written derivative or there are many paths."""
    w = _Writer(net, net.node[c])
    target, paths = net.node[p], []
    stack = [(net.node[c], [])]
    while stack:
        v, factors = stack.pop()
        if v is target:
            paths.append(factors)
            if len(paths) > _MAX_PATHS:
                return None
            continue
        if v is not net.node[c] and (v in net.name or not v.parents):
            continue
        for i, parent in enumerate(v.parents):
            f = w.local(v, i)
            if f is None:
                return None
            stack.append((parent, factors + f))
    terms = [_product(f) for f in reversed(paths)]
    if len(terms) == 1:
        return terms[0][0]
    body = []
    for parts, prec in terms:
        body += _wrap(parts, prec, _SUM + 1) + [" + "]
    return body[:-1]


def _unit(net, upper, lower):
    """Is d upper/d lower exactly 1 by construction (sums only, one path)?"""
    region = net.regions.get(upper)
    return bool(region) and net.node[lower] in region.boundary and \
        all(v.op == "+" for v in region.interior) and \
        sum(p is net.node[lower] for v in region.interior for p in v.parents) == 1


def _derivative(net, a, b):
    merged = [a] + net.cut_vertices(a, b)[::-1] + [b]
    i = 0
    while i < len(merged) - 1 and len(merged) > 2:      # a factor 1 merges into a neighbour:
        if _unit(net, merged[i], merged[i + 1]):        # dE_total/dE_o1 into dE_o1/dout_o1,
            del merged[i if 0 < i else i + 1]           # dd/de (d = e + c) into dL/dd
        else:
            i += 1
    if len(merged) > _MAX_FACTORS + 1:
        return None
    if len(merged) > 2:
        parts = []
        for upper, lower in zip(merged, merged[1:]):
            parts += [("d", upper, lower), " × "]
        return parts[:-1]
    a = merged[0]
    if b in net.parents[a]:
        return _local_formula(net, a, b)
    within = net.between(a, b)
    branches = [p for p in net.parents[a] if p in within]
    if len(branches) == 1 and _unit(net, a, branches[0]):
        return _derivative(net, branches[0], b)
    parts = []
    for p in branches:
        parts += ([] if _unit(net, a, p) else [("d", a, p), " × "]) + [("d", p, b), " + "]
    return parts[:-1]


def formula(net, key):
    """The parts of ``key``'s formula; None for a leaf's value (a given number) and where
    the formula would be too long to read (more than ``MAX_NODES`` nodes)."""
    try:
        return _formula(net, key)
    except RecursionError:
        return None


def _formula(net, key):
    kind, name = key[0], key[1]
    if kind == "d":
        a, b = key[1], key[2]
        if a == b:
            return ["1"]
        if not net.between(a, b):
            return ["0"]
        if len(net.between(a, b)) > MAX_NODES:
            return None
        return _derivative(net, a, b)
    if kind == "step" and net.is_leaf(name) and net.params and name not in net.params:
        return [("value", name)]                        # not a parameter: not updated
    if kind == "step" and net.is_leaf(name):
        return [("value", name), " - ", ("eta",), " × ", ("d", net.root, name)]
    if net.is_leaf(name) or len(net.regions[name].interior) > MAX_NODES:
        return None
    return _Writer(net, net.node[name], kind).expr(net.node[name])[0]


def render(parts, number=None):
    """The parts as text: names where ``number`` is None, else ``number(key)`` (a str)
    for each key."""
    out = []
    for p in parts:
        if isinstance(p, str):
            out.append(p)
        elif number is None:
            out.append("η" if p == ("eta",) else display(p))
        else:
            out.append(number(p))
    return "".join(out)
