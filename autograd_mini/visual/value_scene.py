"""The ``Scene`` of a Value's computation graph, built from its ``Analysis``.

``value_scene(analysis, ...)``: one box per Value (name, data, grad), one oval per op
(with its constant: ``x * 3`` is the op ``* 3``), edges in the direction of the forward
pass, each operand's edge carrying the local derivative d(result)/d(operand). With the
analysis' MLP ``level``, the nodes of each neuron (or layer) are boxed; ``collapse`` draws
each box as one node and dense layer-to-layer edges as one labelled bundle.

Node ``n<i>`` is the i-th Value of the topological order (``n<i>op`` its op, ``e<i>_<j>``
the edge of its j-th operand), so the same graph always gives the same scene.
"""

import re
from collections import Counter

from .digits import PRECISION, format_number
from .mlp import ACTIVATION_OPS
from .naming import printable, shortened
from .scene import Scene, bundle

__all__ = ["Style", "value_scene", "describe", "SMALL", "PALETTE"]

SMALL = 60                              # up to this many Values: local grads on
# an operand used more than once: each of its edges and their numbers in a colour of its
# own, so that numbers of edges that cross cannot be taken for each other's (no red: the
# player's highlight)
PALETTE = ("#1a8a8a", "#2d7d2d", "#7a3d99", "#a3761a", "#8a5a2b")
_LOCAL = "#1f4e9c"                      # the other local derivatives
_BUNDLE = 16                            # more edges than this between two layers: one bundle
_FAN_IN = 8                             # or more edges than this into each box of a layer


class Style:
    """How the analysed graph's values are written: significant digits, grads shown,
    edge labels; the record lines of a Value and the nodes and edges of an op."""

    def __init__(self, analysis, precision, show_grad, local_grads):
        self.analysis, self.root = analysis, analysis.root
        self.precision, self.show_grad, self.local_grads = precision, show_grad, local_grads
        self.shared = 0                 # edges of operands used more than once so far

    def num(self, x):
        return format_number(x, self.precision)

    def fields(self, v, name=None):
        """A Value's record lines: its name, data and (if shown) grad."""
        name = self.analysis.labels[v] if name is None else name
        fields = [shortened(name)] if name else []
        fields.append(f"data {self.num(v.data)}")
        if self.show_grad:
            fields.append(f"grad {self.num(v.grad)}")
        return fields

    def value_node(self, scene, name, v, cluster=None):
        """A Value's record and its op's oval."""
        op = self.analysis.ops.get(v)
        scene.box(name, self.fields(v), cluster,
                  "#cde4ff" if v in self.analysis.params else None, v is self.root)
        if op is not None:
            scene.node(name + "op", cluster, label=op, shape="ellipse",
                       fontsize="10", height="0.3", margin="0.02")

    def operand_edges(self, scene, v, i, tail_of):
        """Edges operand -> op (labelled with the local derivative) and op -> result."""
        head = f"n{i}op"
        for j, (p, local) in enumerate(zip(v.parents, v.local_grads)):
            attrs = {"id": f"e{i}_{j}"}
            if self.local_grads:
                colour = _LOCAL
                if self.analysis.uses[p] > 1:
                    colour = PALETTE[self.shared % len(PALETTE)]
                    self.shared += 1
                    attrs["color"] = colour
                attrs.update(label=self.num(local), fontcolor=colour)
            scene.edge(tail_of(p), head, **attrs)
        scene.edge(head, f"n{i}", id=f"e{i}")

    def caption(self, scene):
        if self.local_grads:
            scene.graph.update(
                label="numbers on edges: local derivatives ∂result/∂operand\n"
                      "grad of a node = Σ over its edges (edge number × grad of the result)"
                      + ("\nin colour: the edges of a value used more than once"
                         if self.shared else ""),
                labelloc="b", fontsize="10", fontcolor="#1f4e9c")


def value_scene(analysis, *, precision=PRECISION, show_grad=True, collapse=False, local_grads=None,
                max_nodes=300, style=None):
    """The ``Scene`` of the analysed graph (see ``draw``); ``style`` replaces the
    ``Style`` made from the other arguments."""
    if local_grads is None:
        local_grads = not collapse and len(analysis.order) <= SMALL
    style = style or Style(analysis, precision, show_grad, local_grads and not collapse)
    scene = _collapsed_scene(analysis, style, max_nodes) if collapse else \
        _plain_scene(analysis, style)
    scene.alt = describe(analysis, style, collapse)
    return scene


def describe(analysis, style, collapse=False, shown=20):
    """The picture in words (its alt text): what it draws and the named values, from the
    root back."""
    a, num = analysis, style.num
    root = a.labels[a.root] or "a value"
    text = (f"Computation graph of {root}: {len(a.order)} values as boxes "
            f"({'data and grad' if style.show_grad else 'data'}), {len(a.ops)} ops as ovals, "
            f"arrows from each operand to its op")
    if style.local_grads:
        text += " labelled with the local derivative"
    if a.level:
        text += (f"; each {a.level} of the network drawn as one box" if collapse
                 else f"; the nodes of each {a.level} of the network boxed together")
    named = [v for v in reversed(a.order) if a.labels[v]]
    values = [f"{a.labels[v]} {num(v.data)}" + (f" grad {num(v.grad)}" if style.show_grad
                                                else "") for v in named[:shown]]
    more = f" and {len(named) - shown} more" if len(named) > shown else ""
    return text + (f". Values: {', '.join(values)}{more}." if values else ".")


def _cluster_ids(key):
    natural = sorted(set(key.values()), key=lambda k: [int(n) for n in re.findall(r"\d+", k)])
    return {k: f"c{i}" for i, k in enumerate(natural)}      # L0.N0, L0.N1, ..., L1.N0


def _plain_scene(analysis, style):
    """One record per Value, one oval per op; MLP neurons/layers boxed when clustered."""
    scene = Scene()
    order, index, key = analysis.order, analysis.index, analysis.key
    ids = _cluster_ids(key)
    for k, c in ids.items():
        scene.clusters[f"cluster_{c}"] = {"label": k, "style": "rounded", "color": "#8899aa"}
    for i, v in enumerate(order):
        style.value_node(scene, f"n{i}", v, f"cluster_{ids[key[v]]}" if v in key else None)
    for i, v in enumerate(order):
        if v.parents:
            style.operand_edges(scene, v, i, lambda p: f"n{index[p]}")
    if any(len(set(v.parents)) < len(v.parents) for v in order):
        scene.graph.update(nodesep="0.45")      # a + a: room for both edges and labels
    # Graphviz keeps close to the order the nodes come in (each after its operands): in a
    # network's graph that keeps each weighted sum's terms together, where its full
    # crossing minimisation crossed them (2 crossings instead of 4 in the notes' graph)
    scene.graph.update(mclimit="0.01")
    style.caption(scene)
    return scene


def _collapsed_scene(analysis, style, max_nodes):
    """One node per neuron (or layer) box, one for the parameter-only terms; the rest as
    in the plain drawing. Dense layer-to-layer edges become one bundle."""
    order, index, key, folded = analysis.order, analysis.index, analysis.key, analysis.folded
    ids = _cluster_ids(key)
    outside = [v for v in order if v not in key and v not in folded]
    count = len(ids) + bool(folded) + len(outside)
    if max_nodes is not None and count > max_nodes:
        raise ValueError(f"draw: even collapsed, the graph has {count} nodes, more than "
                         f"max_nodes={max_nodes}; pass max_nodes=None, try cluster='layer', "
                         f"or draw a smaller piece")

    def drawn(v):
        return ids[key[v]] if v in key else "p0" if v in folded else f"n{index[v]}"

    scene = Scene()
    scene.graph.update(remincross="false", ranksep="0.2")
    for v in outside:
        style.value_node(scene, f"n{index[v]}", v)
    _boxes(scene, analysis, style, ids)
    if folded:
        _folded_node(scene, analysis, style)
    box_edges = []
    for v in order:
        if v in folded or not v.parents:
            continue
        if v in key:
            box_edges += [(drawn(p), drawn(v)) for p in v.parents if drawn(p) != drawn(v)]
        else:
            style.operand_edges(scene, v, index[v], drawn)
    box_edges = list(dict.fromkeys(box_edges))
    if analysis.level == "neuron":
        _bundle_layers(scene, box_edges, {c: k for k, c in ids.items()})
    else:
        for tail, head in box_edges:
            scene.edge(tail, head)
    return scene


def _boxes(scene, analysis, style, ids):
    """A record per neuron (or layer): its output's data and d root/d output; an off ReLU
    says it passes nothing back whatever d root/d output is."""
    level = analysis.level
    root = shortened(printable(style.root.label), 20) or "root"
    columns = {}
    for k in ids:
        outs = analysis.outputs.get(k)
        if not outs:
            continue
        v = outs[-1]
        fields = [f"{k} ({v.op if v.op in ACTIVATION_OPS else 'linear'})"]
        if len(outs) == 1:
            fields.append(f"out {style.num(v.data)}")
            if style.show_grad:
                fields.append(f"∂{root}/∂out {style.num(v.grad)}")
            if v.op == "relu" and v.data == 0.0:
                fields.append(("off: passes 0 back", "#b3401a"))
        else:
            fields.append(_passes_text(k, outs, analysis.sizes))
        layer = k.split(".")[0]
        scene.box(ids[k], fields, f"cluster_{layer}" if level == "neuron" else None,
                  "#e8e8e8", any(o is style.root for o in outs))
        if level == "neuron":
            columns.setdefault(layer, []).append(ids[k])
    scene.columns += columns.values()


def _passes_text(k, outs, sizes):
    if k not in sizes:
        return f"{len(outs)} outputs (one per pass)"
    neurons, passes = sizes[k]
    count = f"{neurons} neuron{'s' * (neurons != 1)}"
    if passes and passes > 1:
        return count + f" × {passes} passes"
    return count if passes else count + f", {len(outs)} outputs"


def _folded_node(scene, analysis, style):
    order, key, folded = analysis.order, analysis.key, analysis.folded
    used = {p for v in order if v not in folded for p in v.parents}
    ends = [v for v in order if v in folded and (v is style.root or v in used)]
    n_params = len({p for v in folded for p in v.parents if p in key})
    fields = ["parameter terms", f"{len(folded)} ops on", f"{n_params} parameters"]
    if len(ends) == 1:
        fields += style.fields(ends[0], "")
    scene.box("p0", fields, None, "#f3ecd8", style.root in folded)


def _bundle_layers(scene, edges, box_key):
    """Edges into the neuron boxes, a layer of several boxes in a cluster; the all-to-all
    edges from one layer (or from the inputs) into the next, when more than ``_BUNDLE``
    or more than ``_FAN_IN`` into each box, become one edge labelled e.g. '16×16
    weights' (rather than a band, or a knot of arrowheads at one box)."""
    layer = {c: box_key[c].split(".")[0] for c in box_key}
    groups = {}
    for tail, head in edges:
        if head in layer:
            groups.setdefault((layer.get(tail, "in"), layer[head]), []).append((tail, head))
    clustered = {name for name, n in Counter(layer.values()).items() if n > 1}
    bundled = set()
    for (a, b), group in groups.items():
        tails = sorted({t for t, _ in group}, key=lambda c: int(c[1:]))
        heads = sorted({h for _, h in group}, key=lambda c: int(c[1:]))
        if len(group) <= _BUNDLE and len(tails) <= _FAN_IN or \
                len(group) != len(tails) * len(heads) or \
                a == "in" and any(t in scene.cluster_of for t in tails):
            continue
        bundled.update(group)
        clustered.update((a, b))
        if a == "in":
            scene.cluster_of.update(dict.fromkeys(tails, "cluster_in"))
            scene.columns.append(tails)
        bundle(scene, tails, heads, f"cluster_{a}", f"cluster_{b}",
               f"{len(tails)}×{len(heads)}\nweights")
    for name in sorted(clustered, key=lambda k: (k != "in", k)):
        scene.clusters[f"cluster_{name}"] = {"label": "inputs" if name == "in" else name,
                                             "style": "rounded", "color": "#8899aa"}
    for tail, head in edges:
        if (tail, head) not in bundled:
            scene.edge(tail, head)
