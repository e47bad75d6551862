"""An MLP's graph read back neuron by neuron, from its parameters' names (``L0.N1.w0``,
``L0.N1.b``, as ``MLP.named_parameters`` gives them).

- ``neurons(order, names)``, ``clusters(order, names, level)``: the neuron (``L0.N1``) or
  layer (``L0``) each node of a neuron's own forward computation belongs to
- ``cluster_outputs``, ``parameter_terms``, ``layer_sizes``: what a collapsed drawing
  needs of them
- ``neuron_names(order)``: each neuron's weighted input and activation named as the notes
  do, ``L0.N1.z`` and ``L0.N1.a``
"""

import re

__all__ = ["ACTIVATION_OPS", "neurons", "clusters", "layers_of", "cluster_outputs",
           "parameter_terms", "layer_sizes", "neuron_names"]

ACTIVATION_OPS = {"tanh", "sigmoid", "relu", "leaky_relu", "softplus"}
_PARAM = re.compile(r"^(L\d+\.N\d+)\.(b|w(\d+))$")


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


def neurons(order, params):
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
    return layers_of(neurons(order, params)) if level == "layer" else neurons(order, params)


def layers_of(key):
    """A ``neurons`` key by layer: ``{Value: "L0"}``."""
    return {v: k.split(".")[0] for v, k in key.items()}


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


def layer_sizes(order, key):
    """``{layer: (neurons, passes)}`` (passes None when the neurons differ in it), from
    a ``neurons`` key."""
    outs = cluster_outputs(order, key)
    sizes = {}
    for k, o in outs.items():
        layer = k.split(".")[0]
        n, passes = sizes.get(layer, (0, len(o)))
        sizes[layer] = (n + 1, passes if passes == len(o) else None)
    return sizes


def neuron_names(order, key=None):
    """In an MLP's graph (parameters labelled ``L0.N1.w0``), each neuron's weighted input
    and activation, named as the notes do: ``L0.N1.z`` and ``L0.N1.a`` (with ``[i]`` for
    the i-th forward pass when the graph holds several); ``key``: the ``neurons`` key if
    known (by default found from the labels)."""
    names = {}
    key = neurons(order, {}) if key is None else key
    for k, outs in cluster_outputs(order, key).items():
        for i, out in enumerate(outs):
            tag = f"[{i}]" if len(outs) > 1 else ""
            if out.op in ACTIVATION_OPS:
                names[out] = f"{k}.a{tag}"
                out = out.parents[0]
            names[out] = f"{k}.z{tag}"
    return names
