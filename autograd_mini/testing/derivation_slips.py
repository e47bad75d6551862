"""The usual slips of a hand derivation, as alternative computations of one quantity.

Each slip is a way to get a wrong number: ``variants(net, line, updated)`` yields
``(description, evaluate)`` pairs where ``evaluate(base)`` computes the quantity the
slipped way from a base (the true numbers, or the learner's) and returns a float.
The checker says a slip is the likely one when it gives the learner's number (within one
unit of its last digit) and the correct computation does not.

    a sign, a factor 2 or 1/2          -v, 2v, v/2 (the 1/2 of E = 1/2 (t - o)^2)
    a missing path                     only some of the chain-rule paths summed
    the wrong activation's derivative  1 - out^2 (tanh's), net (1 - net), out, 1
    the wrong activation               tanh, relu or none where the sigmoid belongs
    a term left out                    a named input taken as 0 (a bias forgotten)
    net used for out                   the previous layer's net where its out belongs
    an update's sign or rate           w + η g, w - η' g, the step ±η g alone
    a weight updated too early         gradients taken with some weights already updated
"""

import itertools
import math

from .derivation_values import Numbers

__all__ = ["variants", "path_names", "searchable"]

_ACTIVATIONS = {"sigmoid", "tanh", "softplus"}
_DERIVATIVES = [     # (formula of out and the input x, explanation, function)
    ("out (1 - out)", "the sigmoid's derivative", lambda x, o: o * (1.0 - o)),
    ("1 - out²", "tanh's derivative", lambda x, o: 1.0 - o * o),
    ("1 - out", "1 - out² without the square", lambda x, o: 1.0 - o),
    ("net (1 - net)", "s(1 - s) of the input instead of the output", lambda x, o: x * (1.0 - x)),
    ("1 - net²", "1 - x² of the input instead of the output", lambda x, o: 1.0 - x * x),
    ("out", "the activation itself instead of its derivative", lambda x, o: o),
    ("1", "the activation's derivative left out", lambda x, o: 1.0),
]
_OWN = {"sigmoid": "out (1 - out)", "tanh": "1 - out²"}
_FORWARDS = {"tanh": math.tanh, "sigmoid": lambda x: 1.0 / (1.0 + math.exp(min(-x, 700.0))),
             "no activation": lambda x: x, "relu": lambda x: max(x, 0.0)}
_RATES = (0.5, 1.0, 0.1, 0.01, 0.001, 0.05, 0.2, 0.25, 0.3, 0.75, 2.0, 0.9, 1.5)
_MAX_PATHS = 12
_MAX_BETWEEN = 200              # named nodes between: beyond, paths are not listed
_MAX_NODES = 8


def _evaluate(net, key, **mods):
    def evaluate(base):
        return Numbers(net, **base, **mods).get(key)
    return evaluate


def _activation_nodes(net, names):
    """The activation nodes inside the regions of ``names``: (node, its name or a
    description)."""
    found = []
    for n in sorted(names, key=net.index.get, reverse=True):
        for v in (net.regions[n].interior if n in net.regions else ()):
            if v.op in _ACTIVATIONS and len(found) < _MAX_NODES:
                x = v.parents[0]
                found.append((v, net.name.get(v) or f"{v.op}({net.name.get(x, '...')})",
                              net.name.get(x, "its input")))
    return found


def _hook(nodes, f):
    targets = {v for v, _, _ in nodes}

    def local_hook(node, xs, out, ds):
        return [f(xs[0], out)] if node in targets else None
    return local_hook


def _derivative_variants(net, key):
    a, b = key[1], key[2]
    nodes = _activation_nodes(net, net.between(a, b) - {b})
    for formula, why, f in _DERIVATIVES:
        for chosen in [[n] for n in nodes] + ([nodes] if len(nodes) > 1 else []):
            own = [_OWN.get(v.op) for v, _, _ in chosen]
            if formula in own:
                continue
            which = chosen[0][1] if len(chosen) == 1 else "every activation"
            out, x = chosen[0][1], chosen[0][2]
            shown = formula.replace("out", out).replace("net", x) if len(chosen) == 1 \
                else formula
            yield (f"the derivative of {which} taken as {shown} ({why})",
                   _evaluate(net, key, local_hook=_hook(chosen, f)))


def _forward_variants(net, key):
    name = key[1]
    region = net.regions[name]
    for v in region.interior:
        if v.op not in _ACTIVATIONS:
            continue
        for other, f in _FORWARDS.items():
            if other != v.op:
                def hook(node, xs, v=v, f=f):
                    return f(xs[0]) if node is v else None
                yield (f"{other} where the {v.op} belongs", _evaluate(net, key, forward_hook=hook))
    swaps = {}
    for p in net.parents[name]:
        yield (f"{p} left out (taken as 0)", _evaluate(net, key, values={("value", p): 0.0}))
        inner = net.regions.get(p)
        if inner and len(inner.interior) == 1 and inner.interior[0].op in _ACTIVATIONS \
                and len(net.parents[p]) == 1:
            swaps[p] = net.parents[p][0]
    for chosen in [[p] for p in swaps] + ([list(swaps)] if len(swaps) > 1 else []):
        def use_input(base, chosen=chosen):
            n = Numbers(net, **base)
            values = {("value", p): n.value(swaps[p]) for p in chosen}
            return Numbers(net, **base, values=values).get(key)
        which = " and ".join(f"{swaps[p]} used where {p} belongs" for p in chosen)
        yield f"{which} (the input of the activation instead of its output)", use_input


def _step_variants(net, key, updated):
    w = key[1]
    cache = {}

    def parts(base, **mods):
        """(w, η, ∂root/∂w) from a base (computed once per base without mods)."""
        if mods or id(base) not in cache:
            n = Numbers(net, **base, **mods)
            found = n.value(w), n.eta, n.derivative(net.root, w)
            if mods:
                return found
            cache[id(base)] = (base, found)             # the base kept: its id stays its
        return cache[id(base)][1]

    def signed(base):
        x, eta, g = parts(base)
        return x + eta * g
    yield f"the step added: {w} + η × ∂{net.root}/∂{w} instead of {w} - η × ∂{net.root}/∂{w}", \
        signed
    yield (f"the change -η × ∂{net.root}/∂{w} alone, not the new {w}",
           lambda base: -parts(base)[1] * parts(base)[2])
    yield (f"the change η × ∂{net.root}/∂{w} alone, not the new {w}",
           lambda base: parts(base)[1] * parts(base)[2])
    for rate in _RATES:
        def rated(base, rate=rate):
            x, eta, g = parts(base)
            return x - rate * g if rate != eta else float("nan")
        yield f"the learning rate {rate:g} instead of η", rated
    for text, mods in _early(net, w, updated):
        def early(base, mods=mods):
            x, eta, g = parts(base, **mods)
            return x - eta * g
        yield text, early


def _early(net, own, updated):
    """(description, Numbers modifications) for gradients taken after some weights were
    already updated: ``updated`` (name -> its new value, the learner's own or true)."""
    new = {p: x for p, x in updated.items() if p != own}
    if not new:
        return []
    rank = {p: i for i, p in enumerate(net.params)}
    names = ", ".join(sorted(new, key=lambda p: (rank.get(p, len(rank)), net.index[p])))
    rule = "all gradients come from the same forward pass, before any weight changes"
    return [(f"the gradient taken with {names} already updated ({rule})",
             {"backward_leaf": {net.node[p]: x for p, x in new.items()}}),
            (f"the gradient taken after a new forward pass with {names} updated ({rule})",
             {"leaf_data": new, "fresh_forward": True})]


def path_names(net, paths, i):
    """What sets path i apart: its named nodes that not every path passes (up to 3)."""
    shared = set.intersection(*(set(p) for p in paths))
    own = [n for n in paths[i][1:-1] if n not in shared]
    return " → ".join(own[:3]) + (" → ..." if len(own) > 3 else "")


def _path_variants(net, key):
    a, b = key[1], key[2]
    if len(net.between(a, b)) > _MAX_BETWEEN:
        return
    paths = net.paths(a, b, limit=_MAX_PATHS)
    if not paths or len(paths) < 2:
        return
    for size in range(1, len(paths)):
        for subset in itertools.combinations(range(len(paths)), size):
            kept = ", ".join(f"through {path_names(net, paths, i)}" for i in subset)
            missing = [i for i in range(len(paths)) if i not in subset]
            gone = ", ".join(f"through {path_names(net, paths, i)}" for i in missing)
            text = (f"a missing path: only the path{'s' if size > 1 else ''} {kept} summed; "
                    f"the path{'s' if len(missing) > 1 else ''} {gone} left out (the "
                    f"gradients of every path add up)")

            def partial(base, subset=subset):
                n = Numbers(net, **base)
                total = 0.0
                for i in subset:
                    product = 1.0
                    for lower, upper in zip(paths[i], paths[i][1:]):
                        product *= n.edge(upper, lower)
                    total += product
                return total
            yield text, partial


def searchable(net, key):
    """Are the slips of ``key`` searched through its chain (at most ``_MAX_BETWEEN`` named
    nodes between its ends)?"""
    span = net.between(key[1], key[2]) if key[0] == "d" else \
        net.between(net.root, key[1]) if key[0] == "step" else net.ancestors(key[1])
    return len(span) <= _MAX_BETWEEN


def variants(net, key, updated):
    """The slips that could give a wrong ``key``: (description, evaluate(base)). Over
    more than ``_MAX_BETWEEN`` named nodes only the update's own slips are searched."""
    kind = key[0]
    big = not searchable(net, key)
    if kind == "d" and not big:
        yield from _path_variants(net, key)
        yield from _derivative_variants(net, key)
        for text, mods in _early(net, key[2], updated):
            yield text, _evaluate(net, key, **mods)
    elif kind == "step" and net.is_leaf(key[1]):
        yield from _step_variants(net, key, updated if not big else {})
    elif kind == "value" and not net.is_leaf(key[1]) and not big:
        yield from _forward_variants(net, key)
    if kind == "value" and (net.is_leaf(key[1]) or net.params):
        yield (f"the value after one step: write {key[1]}+ (or {key[1]}') for it",
               _evaluate(net, ("step", key[1])))
