"""What pictures and explanations need to know about a graph, apart from drawing it.

- numbers: ``number(x, digits)`` in significant digits (0.000438568 -> ``0.0004386``)
- ops:     ``constant_of(v)`` and ``op_text(v)``: ``+ 3``, ``3 -``, ``** 2``, ``tanh``
- names:   ``parameter_names(...)``, ``node_names(order)``: a name for every node (its
           label, its neuron's ``L0.N1.z``/``L0.N1.a``, or a short expression)
- MLPs:    ``clusters(order, names, level)``: the neuron (``L0.N1``) or layer (``L0``) a
           node belongs to; ``cluster_outputs``, ``parameter_terms``, ``layer_sizes``
- passes:  ``backward_steps(root)``: the backward pass computed on the side (no ``.grad``
           is written), step by step: ``grad(parent) += local derivative × grad(node)``
- size:    ``more_than(root, limit)`` counts reachable nodes, stopping at ``limit``

Constants come from the node (``v.constant``, the plain-number operand of ``x + 3``); an
engine without that attribute gets them read back from the local derivatives.
"""

import math
import re
from collections import namedtuple

from ..core import Value

__all__ = ["ACTIVATION_OPS", "number", "constant_of", "constant_operand", "op_text",
           "parameter_names", "clusters", "cluster_outputs", "parameter_terms",
           "layer_sizes", "neuron_names", "node_names", "backward_steps", "Step",
           "more_than"]

ACTIVATION_OPS = {"tanh", "sigmoid", "relu", "leaky_relu", "softplus"}
SYMBOL_OPS = ("+", "-", "*", "/", "**")
_PARAM = re.compile(r"^(L\d+\.N\d+)\.(b|w(\d+))$")
_PLAIN = str.maketrans("", "", "_.[]#,")
_WORDS = {"+": "sum", "-": "diff", "*": "prod", "/": "quot", "**": "pow", "neg": "neg"}


# ---------------------------------------------------------------------- numbers
def number(x, digits=6):
    """``x`` with ``digits`` significant digits, as people write it: 3.0 -> '3',
    0.000438568 -> '0.0004386' (4 digits), 12345.6 -> '12346', 1.5e-07 -> '1.5e-7'.
    The integer part of numbers below a million is kept whole."""
    if isinstance(x, Value):
        x = x.data
    if isinstance(x, bool) or not isinstance(x, (int, float)):
        return repr(x)
    x = float(x)
    if not math.isfinite(x):
        return repr(x)                              # 'inf', '-inf', 'nan'
    if x == 0.0:
        return "0"
    if 1.0 <= abs(x) < 1e6:
        whole = len(str(int(abs(x))))
        text = f"{x:.{max(0, digits - whole)}f}"
        return text.rstrip("0").rstrip(".") if "." in text else text
    text = format(x, f".{digits}g")
    if "e" in text:
        mantissa, exponent = text.split("e")
        text = f"{mantissa}e{int(exponent)}"
    return text


# ---------------------------------------------------------------------- constants in ops
def constant_of(node):
    """The plain-number operand of ``node`` and its side: ``(3.0, "right")`` for ``x + 3``
    (op "+"), ``(3.0, "left")`` for ``3 - x`` (op "r-"), or None.

    Read from ``node.constant`` (the engine stores it); engines without that attribute
    get it read back from the local derivatives (``constant_operand``)."""
    if not hasattr(node, "constant"):
        return constant_operand(node)
    c = node.constant
    if c is None:
        return None
    op = node.op
    return (c, "left") if op[:1] == "r" and op[1:] in SYMBOL_OPS else (c, "right")


def constant_operand(node):
    """For engines that keep no constant: the constant of a one-operand ``+ - * /`` node
    read back from its local derivative (``*``: it, ``/``: its inverse) or from the data
    (``+``, ``-``). None when rounding lost it (``1e16 + 3`` is stored as 1e16 + 4)."""
    if len(node.parents) != 1 or node.op not in ("+", "-", "*", "/"):
        return None
    x, local = node.parents[0].data, node.local_grads[0]
    if node.op == "*":
        return local, "right"
    if node.op == "/":
        c = 1.0 / local
        return (c, "right") if 1.0 / c == local else None
    if node.op == "+":
        c, side = node.data - x, "right"
    elif local == 1.0:                              # x - c
        c, side = x - node.data, "right"
    else:                                           # c - x
        c, side = node.data + x, "left"
    # every c within an ulp of node.data gives the same data: c is known only when
    # they all print alike
    if not math.isfinite(c):
        return None
    spread = math.ulp(node.data) + math.ulp(x)
    if len({number(c - spread), number(c), number(c + spread)}) > 1:
        return None
    return c, side


def op_symbol(node):
    """The op as written: '-' for both ``x - 3`` (op "-") and ``3 - x`` (op "r-")."""
    const = constant_of(node)
    op = node.op
    return op[1:] if const is not None and const[1] == "left" and op[:1] == "r" else op


def op_text(node):
    """How an op node is labelled: '+', 'tanh', and with a constant '* 3', '2 -', '** 2';
    the neuron's one-node weighted sum is 'Σ w·x + b'."""
    if node.op == "wsum":
        return "Σ w·x + b"
    const = constant_of(node)
    if const is None:
        return node.op
    c, side = const
    return f"{op_symbol(node)} {number(c)}" if side == "right" else f"{number(c)} {op_symbol(node)}"


# ---------------------------------------------------------------------- parameters
def parameter_names(params=None, module=None):
    """``{Value: name}`` for the parameters of ``module`` (``named_parameters`` names) and
    ``params`` (Values, a Module, or one Value; named by their labels)."""
    names = {}
    for source in (module, params):
        if source is None:
            continue
        if hasattr(source, "named_parameters"):
            pairs = list(source.named_parameters())
        elif hasattr(source, "parameters"):
            pairs = [(p.label, p) for p in source.parameters()]
        elif isinstance(source, Value):
            pairs = [(source.label, source)]
        else:
            pairs = [(getattr(p, "label", ""), p) for p in source]
        for name, p in pairs:
            if not isinstance(p, Value):
                raise TypeError(f"parameters must be Values, got {type(p).__name__}")
            names.setdefault(p, name or p.label)
    return names


# ---------------------------------------------------------------------- neurons
def _roles(order, params):
    """``{leaf: (neuron, weight index or None)}`` for leaves named ``L0.N1.w0``/``L0.N1.b``,
    the number of weights per neuron, and the neurons with a bias."""
    role, nin, biased = {}, {}, set()
    for v in order:
        name = params.get(v, v.label) if not v.parents else ""
        m = _PARAM.match(name) if name else None
        if m:
            k = m.group(1)
            if m.group(2) == "b":
                role[v] = (k, None)
                biased.add(k)
            else:
                role[v] = (k, int(m.group(3)))
                nin[k] = nin.get(k, 0) + 1
    return role, nin, biased


def _weighted_sums(order, role, nin, biased):
    """The products ``w_k * x``, the running sums ``b + w_0 x_0 + ...`` and the complete
    sums z of each neuron, found in ``order``."""
    prod, chain, zs = {}, {}, []        # prod: w_k * x -> (neuron, k); chain: sum -> terms
    for v in order:
        ps = v.parents
        if v.op == "wsum":                  # the engine's one-node neuron: b + sum w_k x_k
            ks = {role[p][0] for p in ps if p in role}
            if len(ks) == 1:
                k = ks.pop()
                chain[v] = (k, nin.get(k, 0))
                zs.append(v)
            continue
        if v.op == "*" and (len(ps) == 1 or len(ps) == 2 and ps[0] is not ps[1]):
            weights = [role[p] for p in ps if p in role]
            if len(weights) == 1 and weights[0][1] is not None:
                prod[v] = weights[0]
                k = weights[0][0]
                if nin[k] == 1 and k not in biased:  # z = w_0 * x_0
                    zs.append(v)
        if v.op == "+" and len(ps) == 2:
            acc, term = ps
            if acc in role and role[acc][1] is None:
                start = (role[acc][0], 0)
            elif acc in prod and prod[acc][1] == 0 and prod[acc][0] not in biased:
                start = (prod[acc][0], 1)
            else:
                start = chain.get(acc)
            if start is not None and prod.get(term) == start:
                chain[v] = (start[0], start[1] + 1)
                if chain[v][1] == nin.get(start[0]):
                    zs.append(v)
    return prod, chain, zs


def _neurons(order, params):
    """``{Value: "L0.N1"}`` for each neuron's own forward computation, as ``Neuron`` does
    it: its parameters, the products ``w_k * x_k``, the running sum from the bias (every
    weight once) and the activation of the complete sum. A node that merely uses a
    parameter (a regulariser's ``p*p``, a sum of two passes, the next layer) stays out."""
    role, nin, biased = _roles(order, params)
    prod, chain, zs = _weighted_sums(order, role, nin, biased)
    key = {v: k for v, (k, _) in role.items()}
    complete = set()
    for z in zs:                                    # walk down each z's running sum
        k = (chain.get(z) or prod[z])[0]
        complete.add(z)
        node = z
        if z.op == "wsum":                          # its weights and bias are the neuron's
            key[z] = k
            for p in z.parents:
                if role.get(p, ("",))[0] == k:
                    key[p] = k
            continue
        while node in chain:
            key[node] = k
            node, term = node.parents
            key[term] = k
        key[node] = k                               # the bias, or the first product
    for v in order:
        if len(v.parents) == 1 and v.op in ACTIVATION_OPS and v.parents[0] in complete:
            key[v] = key[v.parents[0]]
    return key


def clusters(order, params, level):
    """``{Value: key}``: the neuron (``"L0.N1"``) or layer (``"L0"``) each node belongs to
    (only a neuron's own forward computation belongs to it)."""
    key = _neurons(order, params)
    if level == "layer":
        key = {v: k.split(".")[0] for v, k in key.items()}
    return key


def cluster_outputs(order, key):
    """``{key: [Value]}``: each neuron's (or layer's) outputs, the op nodes of it that no
    node of it uses (one per forward pass when a graph holds several samples)."""
    used_inside = {p for v in order if v in key for p in v.parents if key.get(p) == key[v]}
    outputs = {}
    for v in order:
        if v in key and v.parents and v not in used_inside:
            outputs.setdefault(key[v], []).append(v)
    return outputs


def parameter_terms(order, key):
    """The op nodes computed from clustered parameters alone (a regulariser
    ``alpha * sum p^2``): a collapsed drawing folds them into one node."""
    folded = set()
    for v in order:
        if v.parents and v not in key and all(
                (p in key and not p.parents) or p in folded for p in v.parents):
            folded.add(v)
    return folded


def layer_sizes(order, params):
    """``{layer: (neurons, passes)}`` (passes None when the neurons differ in it)."""
    outs = cluster_outputs(order, _neurons(order, params))
    sizes = {}
    for k, o in outs.items():
        layer = k.split(".")[0]
        n, passes = sizes.get(layer, (0, len(o)))
        sizes[layer] = (n + 1, passes if passes == len(o) else None)
    return sizes


# ---------------------------------------------------------------------- names
def neuron_names(order):
    """In an MLP's graph (parameters labelled ``L0.N1.w0``), each neuron's weighted input
    and activation, named as the notes do: ``L0.N1.z`` and ``L0.N1.a`` (with ``[i]`` for
    the i-th forward pass when the graph holds several)."""
    names = {}
    for k, outs in cluster_outputs(order, clusters(order, {}, "neuron")).items():
        for i, out in enumerate(outs):
            tag = f"[{i}]" if len(outs) > 1 else ""
            if out.op in ACTIVATION_OPS:
                names[out] = f"{k}.a{tag}"
                out = out.parents[0]
            names[out] = f"{k}.z{tag}"
    return names


def simple_name(name):
    """A name that needs no parentheses: letters, digits, '_', '.', and an index '[0]'."""
    return name.translate(_PLAIN).isalnum()


_INFIX = {"+": " + ", "-": " - ", "*": "*", "/": "/", "**": "**"}


def _expression(v, args):
    """A short expression for an op node from its operands' names: ``w1*i1``,
    ``x + 0.5``, ``3 - x``, ``x - (y + z)``, ``x**2``, ``tanh(a)``; '' when none fits (a
    constant that rounding lost, ``1e16 + 3``)."""
    op = v.op
    wrap = [a if simple_name(a) else f"({a})" for a in args]
    const = constant_of(v)
    if const is not None:
        c, side = number(const[0]), const[1]
        base = op_symbol(v)
        if base not in _INFIX:                       # leaky_relu(x, 0.1)
            return f"{op}({args[0]}, {c})"
        if side == "left":
            return c + _INFIX[base] + wrap[0]
        return (args[0] if base in ("+", "-") else wrap[0]) + _INFIX[base] + c
    if len(args) == 1 and op in _INFIX:
        return ""                                   # a constant rounding lost: sum7
    if op == "+":
        return " + ".join(args)
    if op == "-" and len(args) == 2:
        return f"{args[0]} - {wrap[1]}"
    if op in _INFIX:
        return op.join(wrap)
    if op == "neg":
        return "-" + wrap[0]
    if op == "wsum":                                # b + w_1*x_1 + ... + w_n*x_n
        n = len(args) // 2
        return " + ".join([args[-1]] + [f"{w}*{x}" for w, x in zip(wrap[:n], wrap[n:2 * n])])
    return f"{op}({', '.join(args)})"


def node_names(order, distinct=False):
    """A name for every node of ``order``: its label, else its neuron's ``z``/``a``, else a
    short expression of its operands' names (``w1*i1``), else op and position (``sum7``);
    an unlabelled leaf is ``leaf<i>``. ``distinct=True``: a name already taken gets
    ``#2``, ``#3`` (two nodes labelled ``h`` are ``h`` and ``h#2``)."""
    names, taken, suffix = {}, set(), {}
    neurons = neuron_names(order)
    for i, v in enumerate(order):
        name = v.label or neurons.get(v)
        if not name and not v.parents:
            name = f"leaf{i}"
        elif not name:
            text = _expression(v, [names[p] for p in v.parents])
            op = op_symbol(v)
            word = "pow" if op.startswith("**") else _WORDS.get(op, op)
            name = text if 0 < len(text) <= 20 else f"{word}{i}"
        if distinct:
            base, k = name, suffix.get(name, 2)    # the next free suffix of each name
            while name in taken:
                name, k = f"{base}#{k}", k + 1
            suffix[base] = k
            taken.add(name)
        names[v] = name
    return names


# ---------------------------------------------------------------------- the backward pass
Step = namedtuple("Step", "node grad sends")
Step.__doc__ = ("One step of the backward pass: ``node``, its complete ``grad`` and "
                "``sends``, a tuple of ``(parent, local derivative, local × grad)``.")


def backward_steps(root, order, seed=1.0):
    """The backward pass from ``root`` over ``order`` (its topological order), computed on
    the side: ``(steps, grads)``, one ``Step`` per op node in reverse topological order, and
    ``{Value: gradient}``. Each step adds ``local × grad(node)`` to each parent's gradient,
    as ``backward()`` does; no ``.grad`` is read or written."""
    grads = {root: float(seed)}
    steps = []
    for v in reversed(order):
        if not v.parents:
            continue
        g = grads.get(v, 0.0)
        sends = []
        for p, local in v.edges:
            sent = 0.0 if local is None else local * g     # masked (relu off): exactly 0
            local = 0.0 if local is None else local
            sends.append((p, local, sent))
            grads[p] = grads.get(p, 0.0) + sent
        steps.append(Step(v, g, tuple(sends)))
    for v in order:
        grads.setdefault(v, 0.0)
    return steps, grads


def more_than(root, limit):
    """True when more than ``limit`` Values are reachable from ``root`` (stops there)."""
    seen, stack = {root}, [root]
    while stack:
        for p in stack.pop().parents:
            if p not in seen:
                seen.add(p)
                if len(seen) > limit:
                    return True
                stack.append(p)
    return False
