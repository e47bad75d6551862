"""Derivatives a learner may have left out: each one-operand function (tanh, exp, a user's
op) and each activation written out in several ops (a sigmoid as 1/(1 + np.exp(-z))) is a
unit; the engine's gradient recomputed with a unit's local derivatives set to 1 is what a
backward pass that forgot that g'(z) gives."""

import math

from .chain import reverse_pass
from .compare import close

ARITHMETIC = {"+", "-", "*", "/", "**", "neg", "r-", "r/", "r**", "wsum"}
_AFFINE = {"+", "-", "*", "/", "neg", "r-"}      # with a constant operand: a x + b
ACTIVATIONS = {"tanh", "sigmoid", "relu", "leaky_relu", "softplus"}
DERIVATIVES = {
    "tanh": "d tanh(z)/dz = 1 - tanh(z)^2", "sigmoid": "d s(z)/dz = s(z)(1 - s(z))",
    "relu": "d relu(z)/dz = 1 if z > 0 else 0", "leaky_relu": "1 if z > 0 else the slope",
    "softplus": "d softplus(z)/dz = s(z)", "exp": "d e^z/dz = e^z", "log": "d ln z/dz = 1/z",
    "sqrt": "d sqrt(z)/dz = 1/(2 sqrt(z))", "abs": "d |z|/dz = sign(z)",
    "sin": "d sin z/dz = cos z", "cos": "d cos z/dz = -sin z",
}
_ORDINALS = ("", "first", "second", "third")


def _written_out(chain):
    """The activation a chain of one-operand nodes computes (1/(1 + np.exp(-z)) is a
    sigmoid), checked on its numbers, or None."""
    z, a = chain[0].parents[0].data, chain[-1].data
    for name, f in (("sigmoid", lambda x: 1.0 / (1.0 + math.exp(-x))), ("tanh", math.tanh),
                    ("softplus", lambda x: math.log1p(math.exp(x)))):
        try:
            if math.isclose(f(z), a, rel_tol=1e-12, abs_tol=1e-300):
                return name
        except OverflowError:
            continue
    return None


def _chains(order):
    """Maximal chains of one-operand nodes, each node the one use of the one before."""
    parents = [v.parents for v in order]
    uses = {}
    for ps in parents:
        for p in ps:
            uses[p] = uses.get(p, 0) + 1
    chain_of, chains = {}, []
    for v, ps in zip(order, parents):
        if len(ps) != 1:
            continue
        chain = chain_of.get(ps[0]) if uses[ps[0]] == 1 else None
        if chain is None:
            chain = []
            chains.append(chain)
        chain.append(v)
        chain_of[v] = chain
    return chains


def _activation_span(chain):
    """``(i, k, name)``: the longest part chain[i:k] (2 to 8 nodes) computing a known
    activation, or None."""
    for length in range(min(len(chain), 8), 1, -1):
        for i in range(len(chain) - length + 1):
            name = _written_out(chain[i:i + length])
            if name is not None:
                return i, i + length, name
    return None


def units(order):
    """What a learner may have left the derivative of out, name -> {node: True where an
    occurrence starts}: each one-operand function op (tanh, exp, a user's op) and each
    activation written out as a chain of ops (sigmoid as neg, exp, +, **, *)."""
    units = {}
    for v in order:
        if len(v.parents) == 1 and v.op and v.op not in ARITHMETIC \
                and not v.op.startswith("**"):
            units.setdefault(v.op, {})[v] = True
    alike = {}                                  # chains of the same ops
    for chain in _chains(order):
        if len(chain) > 1 and any(v.op not in _AFFINE for v in chain):
            alike.setdefault(tuple(v.op for v in chain), []).append(chain)
    for ops, chains in alike.items():
        span = _activation_span(chains[0])
        if span is None:
            continue
        i, k, name = span
        if all(_written_out(chain[i:k]) == name for chain in chains[1:]):
            members = units.setdefault(f"{name} (written out: {' → '.join(ops[i:k])})", {})
            for chain in chains:
                members.update((v, n == 0) for n, v in enumerate(chain[i:k]))
    return units


def _derivative_without(nodes, output, members, j):
    """d output/d nodes[0] with the local derivatives of the j-th unit on each path
    (counted from nodes[0]; j = 0: every one) replaced by 1; ``members`` maps the
    unit's nodes to True where an occurrence starts. Also returns the most
    occurrences on one path."""
    d = {nodes[0]: {0: 1.0}}
    most = 0
    for v in nodes[1:]:
        member = members.get(v)
        acc = {}
        for p, local in zip(v.parents, v.local_grads):
            for c, x in d.get(p, {}).items():
                c2 = min(c + (member is True), len(_ORDINALS))
                f = 1.0 if member is not None and (j == 0 or c2 == j) else local
                acc[c2] = acc.get(c2, 0.0) + f * x
                most = max(most, c2)
        d[v] = acc
    return math.fsum(d.get(output, {}).values()), most


def op_text(unit, j, entry):
    """What leaving out the j-th ``unit`` (every one for j = 0) means: ``(text, the same
    in a few words)``."""
    which = f"every {unit}" if j == 0 else f"the {_ORDINALS[j]} {unit} after {entry}"
    act = unit.split()[0]
    derivative = DERIVATIVES.get(act, f"the derivative of {act}")
    text = (f"your value equals the engine's with the derivative of {which} on each path left "
            f"out (set to 1): {derivative} is missing")
    if act in ACTIVATIONS:
        text += (". The classic forgotten ⊙ g'(z): BP2 is δˡ = ((Wˡ⁺¹)ᵀ δˡ⁺¹) ⊙ g'(zˡ), "
                 "e.g. dz1 = W2ᵀ dz2 ⊙ g'(z1)")
    return text, f"derivative of {which} left out ({derivative})"


def unit_findings(units, nodes, output, yours, tol):
    """``(unit, j)`` for each unit whose derivative, left out, gives ``yours``."""
    found = []
    on_paths = set(nodes)
    for unit, members in units.items():
        if not any(v in on_paths for v in members):
            continue
        value, most = _derivative_without(nodes, output, members, 0)
        if close(yours, value, *tol):
            found.append((unit, 0))
            continue
        for j in range(1, min(most, len(_ORDINALS) - 1) + 1) if most > 1 else ():
            if close(yours, _derivative_without(nodes, output, members, j)[0], *tol):
                found.append((unit, j))
    return found


def _occurrences(order, sources, members, j):
    """The unit's nodes that are its j-th occurrence on some path from ``sources``."""
    counts, chosen = {}, set()
    for v in order:
        if v in sources:
            counts[v] = {0}
            continue
        seen = set().union(*(counts[p] for p in v.parents if p in counts))
        if not seen:
            continue
        if members.get(v) is True:
            seen = {min(c + 1, len(_ORDINALS)) for c in seen}
        if v in members and j in seen:
            chosen.add(v)
        counts[v] = seen
    return chosen


def unit_scope(graph, members, j, name):
    """Which wrong parameters the same left-out derivative explains entirely (one
    reverse pass with the unit's derivatives set to 1 gives every entry); ``graph`` is
    the report (its order, output, leaves, params and tolerances)."""
    if j:
        members = _occurrences(graph.order, set(graph.leaves[name]), members, j)
    g = reverse_pass(graph.order, graph.output,
                     lambda v: (1.0,) * len(v.parents) if v in members else None)
    fit = [c.name for c in graph.params.values() if c.status == "wrong"
           and all(close(y, g.get(leaf, 0.0), graph.rtol, room)
                   for (_, y, _), room, leaf in zip(c.entries, c.rooms, graph.leaves[c.name]))]
    if not fit:
        return ""
    return (f". Left out the same way, the engine's gradient equals yours for every entry "
            f"of {', '.join(fit)}")
