"""Names and op texts for the nodes of a graph, as pictures and explanations write them.

- ``constant_of(v)`` and ``op_text(v)``: ``+ 3``, ``3 -``, ``** 2``, ``tanh``
- ``parameter_names(params, module)``: ``{Value: name}`` of the parameters to highlight
- ``node_names(order)``: a name for every node (its label, its neuron's
  ``L0.N1.z``/``L0.N1.a``, or a short expression of its operands' names, ``w1*i1``)

Constants come from the node (``v.constant``, the plain-number operand of ``x + 3``); an
engine without that attribute gets them read back from the local derivatives.
"""

import math
import unicodedata

from ..core import Value
from .digits import format_number
from .mlp import neuron_names

__all__ = ["SYMBOL_OPS", "constant_of", "constant_operand", "op_symbol", "op_text",
           "parameter_names", "simple_name", "node_names", "printable", "shortened"]

SYMBOL_OPS = ("+", "-", "*", "/", "**")
_PLAIN = str.maketrans("", "", "_.[]#,")
_WORDS = {"+": "sum", "-": "diff", "*": "prod", "/": "quot", "**": "pow", "neg": "neg"}


# ---------------------------------------------------------------------- text
# characters shown as their escape: they would break a line of text or a picture's
# source, or (bidirectional controls) silently reorder the text around them
_HIDDEN = {"Cc", "Cs", "Zl", "Zp"}
_BIDI = set("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u061c")
_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}


def printable(text):
    """``text`` as a picture or a line shows it: every character that cannot be shown as
    itself written as its escape (a newline as ``\\n``, a tab as ``\\t``, ESC as
    ``\\x1b``, a lone surrogate as ``\\ud800``, a right-to-left override as ``\\u202e``);
    everything else (quotes, backslashes, ``<>&``, any script, emoji) unchanged. A label
    that is not a str is shown as ``str()`` gives it."""
    text = text if isinstance(text, str) else str(text)
    if text.isprintable():
        return text
    return "".join(_ESCAPES.get(c) or (repr(c)[1:-1] if c in _BIDI or unicodedata.category(c)
                                       in _HIDDEN else c) for c in text)


def shortened(text, most=60):
    """``text``, or its start and end around '…' when it is longer than ``most``."""
    if len(text) <= most:
        return text
    head = (most - 1) * 2 // 3
    return text[:head] + "…" + text[len(text) - (most - 1 - head):]


# ---------------------------------------------------------------------- ops
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
    if len({format_number(c - spread), format_number(c), format_number(c + spread)}) > 1:
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
    c, symbol = format_number(c), op_symbol(node)
    return f"{symbol} {c}" if side == "right" else f"{c} {symbol}"


# ---------------------------------------------------------------------- names
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
        c, side = format_number(const[0]), const[1]
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


def node_names(order, distinct=False, neurons=None):
    """A name for every node of ``order``: its label, else its neuron's ``z``/``a``, else a
    short expression of its operands' names (``w1*i1``), else op and position (``sum7``);
    an unlabelled leaf is ``leaf<i>``. ``distinct=True``: a name already taken gets
    ``#2``, ``#3`` (two nodes labelled ``h`` are ``h`` and ``h#2``)."""
    names, taken, suffix = {}, set(), {}
    neurons = neuron_names(order) if neurons is None else neurons
    for i, v in enumerate(order):
        name = printable(v.label) if v.label else neurons.get(v)
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


