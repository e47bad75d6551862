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

from ..util.gc_pause import collector_paused
from .grad_mode import recording
from .ops import MANY, MASKED, op_inputs
from .special import as_float, differentiating, ieee_mode

__all__ = ["topological_order", "backward", "gradient_floats", "gradient_values",
           "register_hook", "check_differentiable"]


# ============================================================== 1. topological order
def topological_order(root):
    """Every node reachable from ``root``, each after all of its parents.

    Iterative depth-first search (no recursion limit): a node stays on the stack until
    none of its parents is left unseen. A leaf parent is emitted on the spot.
    """
    order, stack, seen, many = [], [root], {root}, MANY
    emit, push, mark = order.append, stack.append, seen.add     # bound once: hot loop
    while stack:
        node = stack[-1]
        a, b = node._p0, node._p1
        if b is many:                                   # n-ary: the first unseen parent
            for p in a:
                if p not in seen:
                    mark(p)
                    if p._p0 is not None:
                        push(p)
                        break
                    emit(p)
            else:
                emit(stack.pop())
            continue
        if a is not None and a not in seen:
            mark(a)
            if a._p0 is not None:
                push(a)
                continue
            emit(a)
        if b is not None and b not in seen:
            mark(b)
            if b._p0 is not None:
                push(b)
                continue
            emit(b)
        emit(stack.pop())
    return order


# ============================================================== 2. backward
def backward(output, gradient=1.0, create_graph=False, inputs=None):
    """``output.backward()``: d(output)/d(node) added to every node's ``.grad`` (to the
    ``inputs`` only, if given)."""
    check_differentiable(output, "backward")
    if inputs is not None or create_graph:
        return _backward_into(output, gradient, create_graph, inputs)
    seed = gradient if type(gradient) is float else as_float(gradient, "backward gradient")
    held = []                                        # (node, what .grad held before)
    walking, collecting = False, gc.isenabled()
    try:                                             # an interrupt anywhere in here, even
        with collector_paused():                     # as the collector is put back: every
            order = topological_order(output)        # .grad as it was, the collector too
            for v in order:
                g = v.grad
                if g:                                # (None, set_to_none: as 0)
                    held.append((v, g))
                v.grad = 0.0
            walking = True
            output.grad = seed
            if _hooks_registered:
                _chain_rule_with_hooks(order)
            else:
                _chain_rule(order)                   # this pass alone...
            for v, g in held:                        # ...added to the old grads
                v.grad += g
    except BaseException:
        if walking:
            for v in order:
                v.grad = 0.0
        for v, g in held:
            v.grad = g
        if collecting:
            gc.enable()
        raise


def _chain_rule(order):
    """parent.grad += local_grad * node.grad, for each node from the output back.
    (``is not None``: not MASKED, the derivative an inactive relu passes back as 0.)"""
    many = MANY
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
            for p, local in zip(a, d):
                if local is not None:
                    p.grad += local * g


def check_differentiable(output, what):
    """A result made under ``no_grad()`` has no parents: no gradient can reach its
    inputs, so differentiating it is an error (as in PyTorch), not zeros."""
    if output._p0 is None and output.op:
        name = f" {output.label!r}" if output.label else ""
        raise RuntimeError(f"{what}: the output{name} (op {output.op!r}) was computed under "
                           f"no_grad(), so it recorded no parents and no gradient can reach "
                           f"its inputs; compute it outside no_grad()")


# ============================================================== hooks
_hooks_registered = False        # set once any hook exists: backward then runs the loop below


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


def _run_hooks(v, g):
    for hook in getattr(v, "_hooks", None) or ():
        result = hook(g)
        if result is not None:
            g = result if type(result) is float or not isinstance(result, (int, float)) \
                else float(result)
    return g


def _chain_rule_with_hooks(order):
    """_chain_rule, with each node's hooks called on its gradient once it is complete,
    as PyTorch calls them: an inner node's when the walk reaches it (before it passes the
    gradient on), a leaf's as soon as its last consumer has sent it its share."""
    pending = dict.fromkeys(order, 0)                   # consumers yet to send a share
    for v in order:
        for p, _ in v.edges:
            pending[p] += 1
    output = order[-1]
    if not output.edges and getattr(output, "_hooks", None):
        output.grad = _run_hooks(output, output.grad)
    for v in reversed(order):
        if not v.edges:
            continue
        if getattr(v, "_hooks", None):
            v.grad = _run_hooks(v, v.grad)
        g = v.grad
        for p, local in v.edges:
            if local is not MASKED:
                p.grad += local * g
            pending[p] -= 1
            if not pending[p] and not p.edges and getattr(p, "_hooks", None):
                p.grad = _run_hooks(p, p.grad)          # a leaf, complete now


# ============================================================== gradients without .grad
def gradient_floats(order, seeds, local=None):
    """d(outputs)/d(node) for every node of ``order`` as floats, touching no ``.grad``:
    ``seeds`` {output: d(result)/d(output)}, e.g. {loss: 1.0}. ``local(node)``, if given,
    gives the local derivatives to use instead of the node's own (one per parent, MASKED
    where exactly 0 passes back; None for the node's own), and hooks are not called:
    "what if this derivative were left out" (autograd_mini.testing asks that)."""
    grads = dict.fromkeys(order, 0.0)
    grads.update(seeds)
    hooked = _hooks_registered and local is None
    for v in reversed(order):
        g = grads[v]
        if hooked and getattr(v, "_hooks", None):
            g = grads[v] = _run_hooks(v, g)
        ds = local(v) if local is not None else None
        for p, d in (v.edges if ds is None else zip(v.parents, ds)):
            if d is not MASKED:                         # masked: exactly 0 passes back
                grads[p] += d * g
    return grads


def gradient_values(order, seeds):
    """d(outputs)/d(node) for every node of ``order``, as differentiable Values (made
    with the outputs' class): create_graph. ``seeds`` as for gradient_floats."""
    make = type(next(iter(seeds)))
    grads = dict.fromkeys(order, 0.0)
    for y, seed in seeds.items():
        grads[y] = seed if isinstance(seed, make) else make(as_float(seed, "gradient"))
    was_recording = recording.set(True)
    ieee = ieee_mode.set(True)                  # inf/nan at singular points, as PyTorch
    try:
        for v in reversed(order):
            g = grads[v]
            if _hooks_registered and getattr(v, "_hooks", None):
                g = grads[v] = _run_hooks(v, g)
            for p, local in zip(v.parents, local_grad_values(v, make)):
                if local is not MASKED:
                    grads[p] = grads[p] + local * g
    finally:
        ieee_mode.reset(ieee)
        recording.reset(was_recording)
    return {v: g if isinstance(g, make) else make(g) for v, g in grads.items()}


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
        now = op.forward(*[x.data if isinstance(x, make) else x for x in inputs])
    except (ArithmeticError, ValueError):           # a singular point: IEEE values
        return
    if now != node.data and not (now != now and node.data != node.data):
        name = f"{node.label!r} " if node.label else ""
        raise RuntimeError(
            f"create_graph: the node {name}(op {node.op!r}, data {node.data!r}) now computes "
            f"{now!r} from its operands: an operand's data changed after the graph was "
            f"built. Build the graph again from the current data")


def _backward_into(output, gradient, create_graph, inputs):
    """backward(create_graph=True) and/or backward(inputs=[...]): this pass's gradients
    computed aside, then added to the ``.grad`` of every node (or of ``inputs`` only)."""
    order = topological_order(output)
    if create_graph:
        grads = gradient_values(order, {output: gradient})
    else:
        grads = gradient_floats(order, {output: as_float(gradient, "backward gradient")})
    targets = order if inputs is None else _leaves(inputs, grads, type(output))
    for v in targets:
        old, g = v.grad, grads[v]
        v.grad = g if old is None or (type(old) is float and old == 0.0) else old + g


def _leaves(inputs, grads, make):
    xs = [inputs] if isinstance(inputs, make) else list(inputs)
    for i, x in enumerate(xs):
        if not isinstance(x, make):
            raise TypeError(f"backward: inputs[{i}] must be a Value, got {type(x).__name__}")
        if x not in grads:
            raise RuntimeError(f"backward: inputs[{i}] ({x!r}) is not part of the graph "
                               f"of the output")
    return xs
