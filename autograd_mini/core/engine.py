"""``backward``: the chain rule over the whole graph.

1. ``topological_order``: every node after its parents, without recursion.
2. ``backward``: from the output back, ``parent.grad += local_grad * node.grad``: each
   node's gradient is complete when it is reached (all its consumers came before it).
3. ``create_graph``: the same walk on Values instead of floats, the local derivatives
   recomputed from the op table's functions, so that the gradients can be
   differentiated again (second derivatives).

Nodes are read through their slots (``_p0``/``_d0``, ``_p1``/``_d1``, see node.py); this
module builds no node of its own but the Values of ``create_graph``, made with the
output's own class.
"""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING, Any

from ..util.gc_pause import collector_paused
from .grad_mode import recording
from .grads import grad_of, set_grad
from .ops import MANY, MASKED, UNSET, Op, op_inputs
from .special import as_float, differentiating, ieee_mode

if TYPE_CHECKING:                       # node.py, value.py import this module: types only
    from .node import Node
    from .value import Value  # every node an op makes (a parent) is a Value

__all__ = ["topological_order", "backward", "gradient_floats", "gradient_values",
           "register_hook", "check_differentiable", "parents_of", "edges_of"]


# ============================================================== 0. reading a node
def parents_of(v: Node) -> tuple:
    """``v.parents``: (), (a,), (a, b) or the n-ary node's tuple."""
    a, b = v._p0, v._p1
    return () if a is None else (a,) if b is None else a if b is MANY else (a, b)


def edges_of(v: Node) -> tuple:
    """``v.edges``: (parent, local derivative) pairs, MASKED kept."""
    a, b = v._p0, v._p1
    if a is None:
        return ()
    if b is None:
        return ((a, v._d0),)
    return tuple(zip(a, v._d0)) if b is MANY else ((a, v._d0), (b, v._d1))


# ============================================================== 1. topological order
def topological_order(root: Any) -> list[Value]:
    """Every node reachable from ``root`` (a Value), each after all of its parents.

    Iterative depth-first search (no recursion limit): a node stays on the stack until
    none of its parents is left unseen. A leaf parent is emitted on the spot. An n-ary
    node, back on top, goes on from the parent after the one it pushed."""
    if not isinstance(root, Op.node):               # (Value: value.py sets it)
        raise TypeError(f"a graph is made of Values (what Value ops make): got "
                        f"{type(root).__name__}: {root!r:.60}")
    top: Value = root
    order: list[Value] = []
    stack: list[Value] = [top]
    seen: set[Value] = {top}
    resume: dict[Value, int] = {}           # n-ary node: where to go on in its parents
    many = MANY
    while stack:
        node = stack[-1]
        first, second = node._p0, node._p1
        if second is many:                              # n-ary: the next unseen parent
            parents: tuple[Value, ...] = first         # (typed: the compiled engine
            for k in range(resume.get(node, 0), len(parents)):  # reads their fields)
                p: Value = parents[k]
                if p not in seen:
                    seen.add(p)
                    if p._p0 is not None:
                        resume[node] = k + 1
                        stack.append(p)
                        break
                    order.append(p)
            else:
                order.append(stack.pop())
            continue
        if first is not None:
            a: Value = first
            if a not in seen:
                seen.add(a)
                if a._p0 is not None:
                    stack.append(a)
                    continue
                order.append(a)
        if second is not None:
            b: Value = second
            if b not in seen:
                seen.add(b)
                if b._p0 is not None:
                    stack.append(b)
                    continue
                order.append(b)
        order.append(stack.pop())
    return order


# ============================================================== 2. backward
def backward(output, gradient=1.0, create_graph=False, inputs=None) -> None:
    """``output.backward()``: d(output)/d(node) added to every node's ``.grad`` (to the
    ``inputs`` only, if given). ``gradient`` None means 1, as in PyTorch."""
    check_differentiable(output, "backward")
    if gradient is None:
        gradient = 1.0
    if inputs is not None or create_graph or _hooks_registered:   # (hooks: the pass aside,
        return _backward_into(output, gradient, create_graph, inputs)   # what they write kept)
    seed = gradient if type(gradient) is float else as_float(gradient, "backward gradient")
    held, others = [], []           # (node, its old .grad): a number; None or a Value
    walking, collecting = False, gc.isenabled()
    try:                                             # an interrupt anywhere in here, even
        with collector_paused():                     # as the collector is put back: every
            order = topological_order(output)        # .grad as it was, the collector too
            for v in order:
                if v._grad_value is not None:        # None (zero_grad(set_to_none=True))
                    others.append((v, v._grad_value))    # or a Value (create_graph)
                    v._grad_value = None
                elif v._grad:
                    held.append((v, v._grad))
                v._grad = 0.0
            walking = True
            output._grad = seed
            _chain_rule(order)                       # this pass alone...
            for v, g in held:                        # ...added to the old grads
                v._grad += g
            for v, old in others:                    # (None + g is g)
                if old is not UNSET:
                    v._grad_value = old + v._grad
    except BaseException:
        for v in order if walking else ():
            v._grad, v._grad_value = 0.0, None
        for v, g in held:
            v._grad = g
        for v, old in others:
            v._grad_value = old
        if collecting:
            gc.enable()
        raise


def _chain_rule(order: list[Value]) -> None:
    """parent.grad += local_grad * node.grad, for each node from the output back.
    (``is not None``: not MASKED, the derivative an inactive relu passes back as 0.)"""
    many = MANY         # (every _grad is a number here, a C double compiled: grads.py)
    for v in reversed(order):
        first = v._p0
        if first is None:                                # a leaf passes nothing on
            continue
        g: float = v._grad                               # complete by now
        second = v._p1
        if second is many:                               # n-ary: tuples of parents, grads
            parents: tuple[Value, ...] = first
            local_grads: tuple[float | None, ...] = v._d0
            for p, local in zip(parents, local_grads):
                if local is not None:
                    p._grad += local * g
            continue
        a: Value = first
        local = v._d0
        if local is not None:
            a._grad += local * g
        if second is not None:
            b: Value = second
            local = v._d1
            if local is not None:
                b._grad += local * g


def check_differentiable(output, what):
    """A result made under ``no_grad()`` has no parents: no gradient can reach its
    inputs, so differentiating it is an error (as in PyTorch), not zeros."""
    if output._p0 is None and output.op:
        name = f" {output.label!r}" if output.label else ""
        raise RuntimeError(f"{what}: the output{name} (op {output.op!r}) was computed under "
                           f"no_grad(), so it recorded no parents and no gradient can reach "
                           f"its inputs; compute it outside no_grad()")


# ============================================================== hooks
_hooks_registered = False     # set once any hook exists: backward then walks with _walk


class RemovableHandle:
    """What ``register_hook`` returns: ``remove()`` takes the hook off."""

    def __init__(self, node, hook):
        self.node, self.hook = node, hook

    def remove(self):
        hooks = getattr(self.node, "_hooks", None)
        if hooks and self.hook in hooks:
            hooks.remove(self.hook)


def register_hook(node, hook):
    """``node.register_hook(hook)``: ``hook(grad)`` is called when a backward pass has
    this node's gradient (its whole gradient of that pass); a returned number replaces
    it, None keeps it. Returns a RemovableHandle."""
    global _hooks_registered
    if not callable(hook):
        raise TypeError(f"register_hook: hook must be callable, got {type(hook).__name__}")
    hooks = getattr(node, "_hooks", None)
    if hooks is None:
        hooks = node._hooks = []
    hooks.append(hook)
    _hooks_registered = True
    return RemovableHandle(node, hook)


def _run_hooks(v, g, make=None):
    """``v``'s hooks called on its gradient g, in the order registered (a hook that
    removes itself does not skip the next); a returned number replaces g (as a float; a
    Value where the gradients are Values, ``make``), None keeps it."""
    for hook in tuple(v._hooks):
        result = hook(g)
        if result is None:
            continue
        if make is not None and isinstance(result, make):
            g = result
        else:
            name = getattr(hook, "__qualname__", None) or repr(hook)
            g = as_float(result, f"the gradient returned by the hook {name} "
                                 f"(register_hook) of the node {v.label or v.op or 'leaf'!r}")
    return g


def _leaf_hooks(order, leaves):
    """{leaf with hooks: its number of consumers in ``order``}: a leaf's hooks run once
    its last consumer has sent its share (its gradient complete), as in PyTorch, and only
    for the ``leaves`` asked for (None: every leaf)."""
    pending = {}
    for v in order:
        for p in parents_of(v):
            if p._p0 is None and getattr(p, "_hooks", None) and (leaves is None or
                                                                 p in leaves):
                pending[p] = pending.get(p, 0) + 1
    return pending


# ============================================================== gradients without .grad
def gradient_floats(order, seeds, local=None, leaves=None):
    """d(outputs)/d(node) for every node of ``order`` as floats, touching no ``.grad``:
    ``seeds`` {output: d(result)/d(output)}, e.g. {loss: 1.0}. Hooks run as in
    ``backward`` (a leaf's only if it is in ``leaves``, None: all). ``local(node)``, if
    given, gives the local derivatives to use instead of the node's own (one per parent,
    MASKED where exactly 0 passes back; None for the node's own), and hooks are not
    called: "what if this derivative were left out" (autograd_mini.testing asks that)."""
    grads = dict.fromkeys(order, 0.0)
    grads.update(seeds)
    if local is None:
        return _walk(order, grads, edges_of, leaves)
    return _walk(order, grads, lambda v: edges_of(v) if (ds := local(v)) is None
                 else zip(parents_of(v), ds), (), hooks=False)


def gradient_values(order, seeds, leaves=None):
    """d(outputs)/d(node) for every node of ``order``, as differentiable Values (made
    with the outputs' class): create_graph. ``seeds`` and ``leaves`` as for
    gradient_floats."""
    make = type(next(iter(seeds)))
    grads = dict.fromkeys(order, 0.0)
    for y, seed in seeds.items():
        grads[y] = seed if isinstance(seed, make) else make(as_float(seed, "gradient"))
    was_recording = recording.set(True)
    ieee = ieee_mode.set(True)                  # inf/nan at singular points, as PyTorch
    try:
        _walk(order, grads, lambda v: zip(parents_of(v), local_grad_values(v, make)), leaves,
              make=make)
    finally:
        ieee_mode.reset(ieee)
        recording.reset(was_recording)
    return {v: g if isinstance(g, make) else make(g) for v, g in grads.items()}


def _walk(order, grads, edges, leaves, hooks=True, make=None):
    """The chain rule on ``grads`` (floats or Values): from the output back,
    ``grads[p] += d * grads[v]`` for each edge (p, d) of each node, MASKED edges
    skipped; each node's hooks called on its gradient once it is complete (with
    ``leaves`` given, as torch: the output's and those of the nodes on a path to them)."""
    hooks = hooks and _hooks_registered
    pending = _leaf_hooks(order, leaves) if hooks else {}
    on_path = _reaching(order, leaves) if hooks and leaves is not None else None
    output = order[-1] if order else None
    for v in reversed(order):
        g = grads[v]
        if hooks and getattr(v, "_hooks", None) and (
                v._p0 is not None and (v is output or on_path is None or v in on_path)
                or v is output and (leaves is None or v in leaves)):
            g = grads[v] = _run_hooks(v, g, make)       # an inner node (or the output)
        for p, d in edges(v):
            if d is not MASKED:                         # masked: exactly 0 passes back
                grads[p] = grads[p] + d * g
            if p in pending:
                pending[p] -= 1
                if not pending[p]:                      # a leaf, complete now
                    grads[p] = _run_hooks(p, grads[p], make)
    return grads


def _reaching(order, leaves):
    """The nodes of ``order`` from which one of ``leaves`` is reached through parents."""
    reach = set()
    for v in order:
        if v in leaves or any(p in reach for p in parents_of(v)):
            reach.add(v)
    return reach


def local_grad_values(node, make):
    """d(node)/d(parent) for each parent, as Values built from the parents (or MASKED).
    A constant operand takes part as a Value too, so that IEEE mode covers it (the
    derivative of ``(-2.0) ** x`` in x is nan, not a math domain error)."""
    op, inputs = op_inputs(node)
    if op is None:
        return ()
    _check_unchanged(node, op, inputs, make)
    as_values = [x if isinstance(x, make) else make(x) for x in inputs]
    running = differentiating.set(op)           # a Value turned into a float: an error
    try:
        ds = op.local_derivatives(as_values, node)
    finally:
        differentiating.reset(running)
    return [d for d, x in zip(ds, inputs) if isinstance(x, make)]


def _check_unchanged(node, op, inputs, make):
    """create_graph differentiates the parents as they are now; if a parent's data was
    changed after the node was made, that is another function: an error (as in PyTorch),
    not a gradient of neither."""
    try:
        now = op.forward(*[x._data if isinstance(x, make) else x for x in inputs])
    except (ArithmeticError, ValueError):           # a singular point: IEEE values
        return
    if now != node._data and not (now != now and node._data != node._data):
        name = f"{node.label!r} " if node.label else ""
        raise RuntimeError(
            f"create_graph: the node {name}(op {node.op!r}, data {node._data!r}) now computes "
            f"{now!r} from its operands: an operand's data changed after the graph was "
            f"built. Build the graph again from the current data")


def _backward_into(output, gradient, create_graph, inputs):
    """backward with create_graph, inputs or hooks: this pass's gradients computed aside
    (no ``.grad`` touched), then added to the ``.grad`` of every node (of ``inputs``
    only): all of them, or none if anything fails on the way."""
    with collector_paused():                    # (as backward()'s own walk: hooks see it)
        xs = None if inputs is None else _inputs(inputs, type(output))
        order = topological_order(output)
        leaves = None if xs is None else set(xs)
        if create_graph:
            grads = gradient_values(order, {output: gradient}, leaves)
        else:
            grads = gradient_floats(order, {output: as_float(gradient, "backward gradient")},
                                    leaves=leaves)
        if xs is not None:
            for i, x in enumerate(xs):
                if x not in grads:
                    raise RuntimeError(f"backward: inputs[{i}] ({x!r}) is not part of the "
                                       f"graph of the output")
        targets = order if xs is None else xs
        new = []                                    # every sum first: an error changes nothing
        for v in targets:
            old, g = grad_of(v), grads[v]
            new.append(g if old is None or (type(old) is float and old == 0.0) else old + g)
        held = [grad_of(v) for v in targets]
        try:
            for v, g in zip(targets, new):
                set_grad(v, g)
        except BaseException:                       # an interrupt (Ctrl-C) part way
            for v, g in zip(targets, held):
                set_grad(v, g)
            raise


def _inputs(inputs, make):
    """backward's ``inputs``: a Value or a non-empty sequence of Values."""
    xs = [inputs] if isinstance(inputs, make) else list(inputs)
    if not xs:
        raise RuntimeError("backward: `inputs` cannot be empty (as in PyTorch); leave it "
                           "out to accumulate into every node")
    for i, x in enumerate(xs):
        if not isinstance(x, make):
            raise TypeError(f"backward: inputs[{i}] must be a Value, got {type(x).__name__}")
    return xs
