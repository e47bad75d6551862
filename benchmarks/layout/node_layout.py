"""A node with the engine's layout (node.py: data, grad, op, two parents in slots of
their own with their local derivatives), its ops ``+``, ``*``, ``tanh``, ``relu``, the
iterative topological order and the chain rule, written as engine.py and value.py write
them.

Two lines decide what mypyc makes of it. As written, every number is ``float`` and
every parent a Node: a compiled class stores the numbers as C doubles and the chain
rule's ``a.grad += d * g`` runs on doubles. The shipped engine's number slots also hold
None (``zero_grad(set_to_none=True)``, MASKED), tuples (n-ary nodes) and Values
(``create_graph``): ``python -m benchmarks.layout`` also builds this file with both lines
``Any``, which is what mypyc makes of those slots (boxed objects, generic operations).

So that the float layout is priced with everything the engine keeps, the cases that do
not fit a float live in two more slots, as a compiled engine would keep them: ``masked``
(bit k: parent k's edge passes back exactly 0, the engine's MASKED) and ``extra`` (None,
or what a node rarely has: an n-ary node's parents and derivatives, hooks, a gradient
that is None or a Value). The walks test both on every node."""

from __future__ import annotations

import math
from typing import Any, Optional, Union  # noqa: F401  (Any: the boxed variant)

Number = float                  # the boxed variant: Any
Parent = Optional["Node"]       # the boxed variant: Any


class Node:
    __slots__ = ("data", "grad", "op", "p0", "d0", "p1", "d1", "masked", "extra")
    data: Number
    grad: Number
    op: str
    p0: Parent
    d0: Number
    p1: Parent
    d1: Number
    masked: int                 # bit 0: edge to p0 masked, bit 1: edge to p1 masked
    extra: object               # None, or n-ary parents/derivatives, hooks, ...

    def __init__(self, data: Number) -> None:
        self.data = data
        self.grad = 0.0
        self.op = ""
        self.p0 = None
        self.p1 = None
        self.d0 = 0.0
        self.d1 = 0.0
        self.masked = 0
        self.extra = None

    def __add__(self, other: Union[Node, float]) -> Node:
        """a + b.  d/da = 1, d/db = 1."""
        if isinstance(other, Node):
            return node2(self.data + other.data, "+", self, 1.0, other, 1.0)
        return node1(self.data + other, "+", self, 1.0)

    def __mul__(self, other: Union[Node, float]) -> Node:
        """a * b.  d/da = b, d/db = a."""
        x = self.data
        if isinstance(other, Node):
            y = other.data
            return node2(x * y, "*", self, y, other, x)
        return node1(x * other, "*", self, other)

    def __radd__(self, other: float) -> Node:
        return self.__add__(other)

    def __rmul__(self, other: float) -> Node:
        return self.__mul__(other)

    def tanh(self) -> Node:
        """tanh(a).  d/da = 1 - tanh(a)^2."""
        out = math.tanh(self.data)
        return node1(out, "tanh", self, 1.0 - out * out)

    def relu(self) -> Node:
        """max(a, 0).  d/da = 1 above 0; below, exactly 0 passes back (masked)."""
        x = self.data
        if x > 0.0:
            return node1(x, "relu", self, 1.0)
        node = node1(0.0, "relu", self, 0.0)
        node.masked = 1
        return node

    def backward(self) -> None:
        order = topological_order(self)
        for v in order:
            v.grad = 0.0
        self.grad = 1.0
        chain_rule(order)


def node1(out: float, op: str, a: Node, d: float) -> Node:
    if not math.isfinite(out):
        raise ArithmeticError(op)
    node = Node(out)
    node.op = op
    node.p0 = a
    node.d0 = d
    return node


def node2(out: float, op: str, a: Node, da: float, b: Node, db: float) -> Node:
    if not math.isfinite(out):
        raise ArithmeticError(op)
    node = Node(out)
    node.op = op
    node.p0 = a
    node.d0 = da
    node.p1 = b
    node.d1 = db
    return node


def topological_order(root: Node) -> list[Node]:
    """Iterative depth-first search, as the engine's (engine.py)."""
    order: list[Node] = []
    stack: list[Node] = [root]
    seen: set[Node] = {root}
    while stack:
        node = stack[-1]
        if node.extra is not None:
            raise NotImplementedError("n-ary nodes, hooks: not in this experiment")
        a = node.p0
        b = node.p1
        if a is not None and a not in seen:
            seen.add(a)
            if a.p0 is not None:
                stack.append(a)
                continue
            order.append(a)
        if b is not None and b not in seen:
            seen.add(b)
            if b.p0 is not None:
                stack.append(b)
                continue
            order.append(b)
        order.append(stack.pop())
    return order


def chain_rule(order: list[Node]) -> None:
    """parent.grad += local derivative * node.grad, from the output back."""
    for i in range(len(order) - 1, -1, -1):
        v = order[i]
        a = v.p0
        if a is None:
            continue
        if v.extra is not None:
            raise NotImplementedError("n-ary nodes, hooks: not in this experiment")
        g = v.grad
        masked = v.masked
        if not masked & 1:
            a.grad += v.d0 * g
        b = v.p1
        if b is not None and not masked & 2:
            b.grad += v.d1 * g
