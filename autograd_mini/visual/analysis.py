"""The graph below a root, analysed once: what pictures and explanations read of it.

``analyse(root, ...)`` walks the graph and returns a finished ``Analysis``: the nodes in
topological order, the names the boxes show, each op's text, an MLP's neurons or layers,
and (when asked) every node's name and the backward pass computed on the side. The
scenes (``value_scene``, the player's story) are built from it without asking the graph
again.

Also here, as functions of a graph:
- ``backward_steps(root, order)``: the backward pass step by step, ``grad(parent) +=
  local derivative × grad(node)``, computed on the side (no ``.grad`` is written)
- ``count_paths(order, wrt)``: how many chain-rule paths lead from ``wrt`` to each node
  (by dynamic programming, never enumerated) and each node's derivative d node/d wrt
- ``more_than(root, limit)``: whether more than ``limit`` nodes are reachable (stops there)
"""

from collections import namedtuple

from ..core import topological_order
from .mlp import (
    cluster_outputs,
    layer_sizes,
    layers_of,
    neuron_names,
    neurons,
    parameter_terms,
)
from .naming import node_names, op_text, parameter_names, printable

__all__ = ["Analysis", "analyse", "backward_steps", "Step", "count_paths", "PathCounts",
           "PATH_CAP", "more_than"]

PATH_CAP = 10 ** 18                     # path counts saturate here (they stay cheap ints)


class Analysis:
    """What is known of the graph below ``root`` (see ``analyse``):

    root, order   the root and its nodes in topological order (operands first)
    index         ``{Value: position in order}``
    params        ``{Value: name}`` of the parameters to highlight
    level         None, "neuron" or "layer"; ``key``: ``{Value: "L0.N1" or "L0"}`` for the
                  nodes of each neuron's (layer's) own computation (empty without level)
    labels        ``{Value: the name its box shows}``: a parameter's name, else its label,
                  else (with a level) its neuron's ``L0.N1.z``/``L0.N1.a``, else ''
    ops           ``{Value: op text}`` of every op node: '+', '* 3', 'tanh'
    uses          ``{Value: how many operand slots of the graph it fills}``
    outputs, folded, sizes   with a level: each box's output nodes (``cluster_outputs``),
                  the parameter-only terms (``parameter_terms``), each layer's size
                  (``layer_sizes``)
    names         with ``names=True``: a name for every node (``node_names``)
    steps, grads  with ``backward=True``: ``backward_steps(root, order)``
    """

    def __init__(self, root, order, params, level, key, labels, ops, names=None,
                 backward=None, boxes=None):
        self.root, self.order, self.params = root, order, params
        self.index = {v: i for i, v in enumerate(order)}
        self.level, self.key, self.labels, self.ops = level, key, labels, ops
        self.uses = {}
        for v in order:
            for p in v.parents:
                self.uses[p] = self.uses.get(p, 0) + 1
        self.names = names
        self.steps, self.grads = backward or (None, None)
        self.outputs, self.folded, self.sizes = boxes or ({}, set(), {})


def analyse(root, *, params=None, module=None, cluster=None, names=False, distinct=False,
            backward=False):
    """The ``Analysis`` of the graph below ``root``, in one walk.

    params, module  the parameters to highlight and name (as for ``draw``)
    cluster         None, "neuron" or "layer": find an MLP's neurons (or layers) by their
                    parameters' names (``L0.N1.w0``)
    names           True: name every node (``node_names``; ``distinct``: no name twice)
    backward        True: the backward pass from ``root``, computed on the side
    """
    order = topological_order(root)
    params = parameter_names(params, module)
    in_neuron = neurons(order, params) if cluster or names else {}
    key = (layers_of(in_neuron) if cluster == "layer" else in_neuron) if cluster else {}
    named = neuron_names(order, in_neuron) if in_neuron else {}
    shown = named if key else {}
    labels = {v: printable(params.get(v) or v.label or shown.get(v, "")) for v in order}
    ops = {v: printable(op_text(v)) for v in order if v.parents}
    boxes = None
    if key:
        sizes = layer_sizes(order, in_neuron) if cluster == "layer" else {}
        boxes = cluster_outputs(order, key), parameter_terms(order, key), sizes
    return Analysis(root, order, params, cluster, key, labels, ops,
                    node_names(order, distinct, named) if names else None,
                    backward_steps(root, order) if backward else None, boxes)


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


# ---------------------------------------------------------------------- paths
PathCounts = namedtuple("PathCounts", "count nonzero deriv")
PathCounts.__doc__ = (
    "``count_paths``' result, three dicts over the nodes that depend on ``wrt``: "
    "``count`` (paths from wrt), ``nonzero`` (those without a local derivative 0 on them) "
    "and ``deriv`` (d node / d wrt, the sum over paths of their products).")


def count_paths(order, wrt):
    """The chain-rule paths from ``wrt`` to every node of ``order`` (a topological order,
    e.g. ``topological_order(output)``), by dynamic programming, never enumerated:

        count[v] = Σ over v's edges (p, d) of count[p]         (saturating at 10**18)
        nonzero[v] = Σ over the edges with d != 0 of nonzero[p]
        deriv[v] = Σ over the edges of d × deriv[p]              (= d v / d wrt)

    starting from count = nonzero = 1 and deriv = 1.0 at ``wrt``. A masked edge (an
    inactive relu's, d None) counts as d = 0. Only nodes that depend on ``wrt`` are
    keys. Returns ``PathCounts(count, nonzero, deriv)``; the number of paths from wrt to
    ``output`` is ``count.get(output, 0)``."""
    count, nonzero, deriv = {wrt: 1}, {wrt: 1}, {wrt: 1.0}
    for v in order:
        if v is wrt:
            continue
        n = z = 0
        d = 0.0
        for p, local in v.edges:
            if p in count:
                n += count[p]
                if local is not None:               # a masked edge adds 0
                    d += local * deriv[p]
                    if local != 0.0:
                        z += nonzero[p]
        if n:
            count[v], nonzero[v], deriv[v] = min(n, PATH_CAP), min(z, PATH_CAP), d
    return PathCounts(count, nonzero, deriv)


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
