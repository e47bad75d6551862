"""Draw a computation graph or a network: ``draw(root)`` returns a ``graphviz.Digraph``.

``draw(value)``: one box per Value (label, ``data``, ``grad``), one oval per op (with its
constant: ``x * 3`` is the op ``* 3``), edges in the direction of the forward pass, each
operand's edge carrying the local derivative d(result)/d(operand) that ``backward()``
multiplies by the result's grad. ``draw(model)`` (an ``MLP``, ``Layer`` or ``Neuron``): the
network diagram, neurons as circles by layer, each weight an edge with its value and grad.

The direction (top-to-bottom or left-to-right) is chosen from the graph's shape so that the
picture fits a 1,000 px column; numbers show ``precision`` significant digits.

The DOT text depends only on the graph's structure: node ``n<i>`` is the i-th Value of
``topological_order(root)``, so the same graph always gives the same bytes.

Rendering (SVG in Jupyter, ``pipe("svg")``, ``save("graph.png")``, ``render()``) runs the
system Graphviz ``dot`` when it is on PATH, otherwise ``graphviz-pure`` (a self-contained
``dot``), on the DOT text, with a font the program has metrics for (graphviz-pure ships
Arimo, with Arial's metrics). ``AUTOGRAD_MINI_DOT`` (a program name or path) or
``draw(..., program=...)`` chooses one. ``import autograd_mini`` works without graphviz.
"""

import html
import re
from collections import Counter

from ..core import Value, topological_order
from .graph import (  # noqa: F401
    ACTIVATION_OPS,
    cluster_outputs,
    clusters,
    constant_of,
    layer_sizes,
    more_than,
    neuron_names,
    number,
    op_text,
    parameter_names,
    parameter_terms,
)
from .rendering import (  # noqa: F401  (the command line imports these from viz)
    IMAGE_SUFFIXES,
    SOURCE_SUFFIXES,
    RendererNotFound,
    check_writable,
    find_program,
    font_for,
    has_graphviz,
    output_kind,
    render_dot,
    write_file,
)

constant_operand = constant_of          # explain.py's import (graph.py has both)

__all__ = ["draw", "find_program", "render_dot", "op_text", "RendererNotFound",
           "IMAGE_SUFFIXES", "SOURCE_SUFFIXES"]

COLUMN_PX = 1000                                    # the width pictures are made to fit
_SMALL = 60                                         # up to this many Values: local grads on


def _graph_class():
    """``digraph.Graph`` (graphviz is imported on first use: it is slow and optional)."""
    if not has_graphviz():
        raise ImportError("draw() needs the graphviz Python package: pip install graphviz "
                          "graphviz-pure (or pip install 'autograd-mini[viz]')")
    from .digraph import Graph
    return Graph


def __getattr__(name):
    """``Graph`` exists once graphviz is imported."""
    if name == "Graph":
        return _graph_class()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# ---------------------------------------------------------------------- scenes
class Scene:
    """What to draw, before a direction is chosen: nodes (``fields`` are the lines of a
    record, stacked), clusters, edges (``ltail``/``lhead`` for bundles) and a caption."""

    def __init__(self):
        self.nodes = {}                 # id -> attrs (plus "fields" for a record)
        self.cluster_of = {}            # id -> cluster name
        self.clusters = {}              # cluster name -> attrs
        self.edges = []                 # (tail, head, attrs)
        self.graph = {}
        self.columns = []               # node lists to keep in this order, one rank each

    def node(self, name, cluster=None, **attrs):
        self.nodes[name] = attrs
        if cluster is not None:
            self.cluster_of[name] = cluster

    def box(self, name, fields, cluster=None, fill=None, thick=False):
        """A box of stacked lines (``fields``: strings, or ``(text, colour)``)."""
        self.node(name, cluster, fields=list(fields), fill=fill, thick=thick)

    def edge(self, tail, head, **attrs):
        self.edges.append((tail, head, attrs))


def box_label(fields, fill=None, thick=False):
    """An HTML-like label: one table cell per line (the same in every direction)."""
    bg = f' bgcolor="{fill}"' if fill else ""
    rows = []
    for field in fields:
        text, colour = (field, None) if isinstance(field, str) else field
        text = html.escape(text, quote=False)
        rows.append(f'<tr><td>{text if colour is None else _font(text, colour)}</td></tr>')
    return (f'<<table border="{2 if thick else 0}" cellborder="1" cellspacing="0" '
            f'cellpadding="3"{bg}>{"".join(rows)}</table>>')


def _font(text, colour):
    return f'<font color="{colour}">{text}</font>'


def _text_size(lines, fontsize):
    """An estimate of a text block's (width, height) in points."""
    width = max((len(line) for line in lines), default=1) * 0.56 * fontsize
    return width, len(lines) * 1.25 * fontsize


def _node_size(attrs):
    """Estimated (width, height) of a drawn node in points."""
    fontsize = float(attrs.get("fontsize", 11))
    lines = [f if isinstance(f, str) else f[0] for f in attrs.get("fields", ())]
    lines = lines or str(attrs.get("label", "xx")).split("\n")
    w, h = _text_size(lines, fontsize)
    shape = attrs.get("shape", "ellipse")
    if shape == "circle":
        side = max(w + 10, h + 10, 36.0)
        return side, side
    if shape == "ellipse":
        return max(w * 1.3 + 12, 54.0), max(h * 1.3 + 4, 22.0)
    return w + 8, h + 6 * len(lines)


def _links(scene):
    """The scene's edges as (tail, head) pairs, a bundle between two clusters standing for
    an edge from each node of one to each node of the other."""
    members = {}
    for node, cluster in scene.cluster_of.items():
        members.setdefault(cluster, []).append(node)
    links = []
    for tail, head, attrs in scene.edges:
        tails = members.get(attrs.get("ltail"), [tail])
        heads = members.get(attrs.get("lhead"), [head])
        links += [(t, h) for t in tails for h in heads]
    return links


def _ranks(scene):
    """Each node's rank as dot places it: one below its lowest operand, a node without
    operands (a leaf) right above its first use."""
    links = _links(scene)
    heads, tails = {}, {}
    for tail, head in links:
        heads.setdefault(tail, []).append(head)
        tails.setdefault(head, []).append(tail)
    rank = {}
    for name in _forward_order(scene, heads, links):
        rank[name] = 1 + max((rank[t] for t in tails.get(name, ())), default=-1)
    for name in scene.nodes:
        if name not in tails and name in heads:
            rank[name] = min(rank[h] for h in heads[name]) - 1
    return rank


def _forward_order(scene, heads, links):
    """The scene's nodes, each before the nodes its edges lead to (Kahn's algorithm)."""
    indegree = dict.fromkeys(scene.nodes, 0)
    for _, head in links:
        indegree[head] += 1
    ready = [n for n, d in indegree.items() if d == 0]
    while ready:
        name = ready.pop()
        yield name
        for head in heads.get(name, ()):
            indegree[head] -= 1
            if indegree[head] == 0:
                ready.append(head)


def layout_widths(scene):
    """Estimated picture width in points for ``{"TB": w, "LR": w}``."""
    rank = _ranks(scene)
    by_rank, labels = {}, {}
    for name, r in rank.items():
        by_rank.setdefault(r, []).append(_node_size(scene.nodes[name]))
    for tail, _, attrs in scene.edges:
        if attrs.get("label"):
            w, _ = _text_size(attrs["label"].split("\n"), float(attrs.get("fontsize", 10)))
            labels.setdefault(rank[tail], []).append(w + 8)
    tb = max((sum(w for w, _ in sizes) + 18 * (len(sizes) - 1)
              for sizes in by_rank.values()), default=0)
    tb = max([tb] + [sum(ws) + 18 * len(ws) for ws in labels.values()])
    lr = sum(max(w for w, _ in sizes) for sizes in by_rank.values())
    lr += 36 * (len(by_rank) - 1) + sum(max(ws) + 18 for ws in labels.values())
    return {"TB": tb + 16, "LR": lr + 16}


def choose_rankdir(scene):
    """Top-to-bottom unless left-to-right shows the text clearly larger in a 1,000 px
    column (a wide, shallow graph): a deep chain always goes top to bottom."""
    widths = layout_widths(scene)
    scale = {d: min(1.0, COLUMN_PX / (w * 4 / 3)) for d, w in widths.items()}
    return "LR" if scale["LR"] > 1.15 * scale["TB"] else "TB"


def to_graph(scene, rankdir, program=None, name="autograd_mini"):
    """The scene as a ``Graph`` (boxes are HTML-like tables, one line per row)."""
    Graph = _graph_class()
    g = Graph(name=name, format="svg", program=program,
              graph_attr={"rankdir": rankdir, **scene.graph},
              node_attr={"fontsize": "11"}, edge_attr={"fontsize": "10"})
    members = {}
    for node, cluster in scene.cluster_of.items():
        members.setdefault(cluster, []).append(node)

    def attrs_of(node):
        attrs = dict(scene.nodes[node])
        if "fields" in attrs:
            label = box_label(attrs.pop("fields"), attrs.pop("fill"), attrs.pop("thick"))
            attrs.update(shape="plain", label=label)
        return {"id": node, **attrs}

    columns = {}
    for column in scene.columns:
        columns.setdefault(scene.cluster_of.get(column[0]), []).append(column)
    for cluster, attrs in scene.clusters.items():
        with g.subgraph(name=cluster) as sub:            # not the caption's look
            sub.attr(**{"labelloc": "t", "fontcolor": "#333333", "fontsize": "11", **attrs})
            for node in members.get(cluster, ()):
                sub.node(node, **attrs_of(node))
            _keep_order(sub, columns.get(cluster, ()), rankdir)
    for node in scene.nodes:
        if scene.cluster_of.get(node) not in scene.clusters:
            g.node(node, **attrs_of(node))
    for tail, head, attrs in scene.edges:
        g.edge(tail, head, **attrs)
    return g


def _keep_order(graph, columns, rankdir):
    """Each column's nodes on one rank in the given order (first at the top or left), by
    invisible edges between neighbours."""
    for column in columns:
        with graph.subgraph() as same:
            same.attr(rank="same")
            nodes = column[::-1] if rankdir in ("LR", "RL") else column
            for a, b in zip(nodes, nodes[1:]):
                same.edge(a, b, style="invis")


# ---------------------------------------------------------------------- draw()
def _is_module(x):
    return hasattr(x, "named_parameters") and not isinstance(x, Value)


def _check_precision(precision, what="draw"):
    if isinstance(precision, bool) or not isinstance(precision, int) or not 1 <= precision <= 17:
        raise ValueError(f"{what}: precision (significant digits) must be an int from 1 to "
                         f"17, got {precision!r}")


def _check_rankdir(rankdir, what="draw"):
    if rankdir not in (None, "LR", "TB", "RL", "BT"):
        raise ValueError(f"{what}: rankdir must be None (chosen from the graph's shape), "
                         f"'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")


def draw(root, *, precision=4, show_grad=None, params=None, module=None, cluster=None,
         collapse=False, rankdir=None, local_grads=None, max_nodes=300, inputs=None,
         names=None, program=None):
    """The computation graph of ``root`` (a Value), or the network diagram of ``root``
    (an ``MLP``, ``Layer`` or ``Neuron``), as a ``graphviz.Digraph`` that Jupyter shows.

    precision   significant digits of the numbers shown (default 4: 0.0004386)
    show_grad   False hides gradients (e.g. before ``backward()``); None: shown for a
                Value, and for a network once some parameter has a gradient
    rankdir     None picks from the graph's shape ("TB" for deep graphs), or "LR", "TB",
                "RL", "BT"
    program     the program that renders: None picks ``dot`` or ``graphviz-pure``

    For a Value:
    params      Values (or a Module) to highlight, e.g. ``model.parameters()``
    module      a Module: highlights its parameters and names them for ``cluster``
    cluster     "neuron" or "layer": box the nodes of each neuron / layer of an MLP
                (parameters named like ``L0.N1.w0``); ``collapse=True`` draws each box
                as one node, and dense layer-to-layer edges as one labelled bundle
    local_grads True labels each operand's edge with d(result)/d(operand) (the factor
                ``backward()`` multiplies the result's grad by); None: on up to 60 Values
    max_nodes   refuse graphs with more drawn nodes than this (None: no limit)

    For a network: ``inputs`` names the inputs (strings), or gives input numbers/Values,
    which are run through the network (under ``no_grad``) to show each neuron's output;
    ``names`` renames nodes, e.g. ``{"x0": "i1", "L0.N0": "h1"}``.

    ``draw(y).source`` is the DOT text; ``.pipe("svg")`` the SVG bytes; ``.save("g.svg")``
    or ``.save("g.png")`` writes an image (``.gv``/``.dot``: the DOT text).
    """
    _graph_class()                                  # ImportError saying how to install
    _check_precision(precision)
    _check_rankdir(rankdir)
    if _is_module(root):
        given = {"params": params, "module": module, "cluster": cluster,
                 "collapse": collapse or None, "local_grads": local_grads}
        wrong = [k for k, v in given.items() if v is not None]
        if wrong:
            raise TypeError(f"draw(model): {', '.join(wrong)} apply to drawing a Value's "
                            f"computation graph; draw(model) draws the network")
        from .netview import network_scene
        scene = network_scene(root, precision=precision, show_grad=show_grad,
                              inputs=inputs, names=names)
        return to_graph(scene, rankdir or "LR", program)
    if inputs is not None or names is not None:
        raise TypeError("draw: inputs= and names= apply to draw(model), the network diagram")
    if not isinstance(root, Value):
        raise TypeError(f"draw: root must be a Value or a Module (MLP, Layer, Neuron), "
                        f"got {type(root).__name__}")
    scene = value_scene(root, precision=precision, show_grad=show_grad is not False,
                        params=params, module=module, cluster=cluster, collapse=collapse,
                        local_grads=local_grads, max_nodes=max_nodes)
    return to_graph(scene, rankdir or choose_rankdir(scene), program)


_TOO_MANY = ("for a network, draw one box per neuron with draw(loss, module=model, "
             "cluster='neuron', collapse=True); or draw a smaller piece (one sample's loss, "
             "one neuron's output); or pass max_nodes=None to draw it all anyway")


def value_scene(root, *, precision=4, show_grad=True, params=None, module=None,
                cluster=None, collapse=False, local_grads=None, max_nodes=300):
    """The ``Scene`` of ``root``'s computation graph (see ``draw``)."""
    if cluster not in (None, "neuron", "layer"):
        raise ValueError(f"draw: cluster must be None, 'neuron' or 'layer', got {cluster!r}")
    if collapse and cluster is None:
        raise ValueError("draw: collapse=True needs cluster='neuron' or cluster='layer'")
    if local_grads not in (None, True, False):
        raise ValueError(f"draw: local_grads must be None, True or False, got {local_grads!r}")
    if max_nodes is not None and not collapse and more_than(root, max_nodes):
        raise ValueError(f"draw: the graph has more than max_nodes={max_nodes} Values; its "
                         f"drawing would be unreadable and slow to lay out. Options: {_TOO_MANY}")
    order = topological_order(root)
    names = parameter_names(params, module)
    key = clusters(order, names, cluster) if cluster else {}
    if cluster and not key:
        raise ValueError(f"draw: cluster={cluster!r} found no parameters named like "
                         f"'L0.N1.w0' (an MLP's); pass module=model or label them so")
    if local_grads is None:
        local_grads = not collapse and len(order) <= _SMALL
    style = Style(precision, show_grad, local_grads and not collapse, names, root)
    if collapse:
        return _collapsed_scene(order, key, cluster, style, max_nodes)
    return plain_scene(order, key, style)


class Style:
    """How values are written: significant digits, grads shown, edge labels, names."""

    def __init__(self, precision, show_grad, local_grads, names, root):
        self.precision, self.show_grad, self.local_grads = precision, show_grad, local_grads
        self.names, self.root = names, root
        self.neurons = {}               # unlabelled neuron nodes: their L0.N1.z / .a

    def num(self, x):
        return number(x.data if isinstance(x, Value) else x, self.precision)

    def fields(self, v, name=None):
        """A Value's record lines: its name, data and (if shown) grad."""
        if name is None:
            name = self.names.get(v) or v.label or self.neurons.get(v, "")
        fields = [name] if name else []
        fields.append(f"data {self.num(v.data)}")
        if self.show_grad:
            fields.append(f"grad {self.num(v.grad)}")
        return fields

    def value_node(self, scene, name, v, cluster=None, fold_op=False):
        """A Value's record and its op's oval (with ``fold_op``, the op is a line of the
        record instead, and edges go straight into it)."""
        fields = self.fields(v)
        if fold_op and v.parents:
            fields.insert(1 if len(fields) > 2 else 0, f"op {op_text(v)}")
        scene.box(name, fields, cluster, "#cde4ff" if v in self.names else None,
                  v is self.root)
        if v.parents and not fold_op:
            scene.node(name + "op", cluster, label=op_text(v), shape="ellipse",
                       fontsize="10", height="0.3", margin="0.02")

    def operand_edges(self, scene, v, i, tail_of, fold_op=False):
        """Edges operand -> op (labelled with the local derivative) and op -> result."""
        head = f"n{i}" if fold_op else f"n{i}op"
        for j, (p, local) in enumerate(zip(v.parents, v.local_grads)):
            attrs = {"id": f"e{i}_{j}"}
            if self.local_grads:
                attrs.update(label=self.num(local), fontcolor="#1f4e9c")
            scene.edge(tail_of(p), head, **attrs)
        if not fold_op:
            scene.edge(f"n{i}op", f"n{i}", id=f"e{i}")

    def caption(self, scene):
        if self.local_grads:
            scene.graph.update(
                label="numbers on edges: local derivatives ∂result/∂operand\n"
                      "grad of a node = Σ over its edges (edge number × grad of the result)",
                labelloc="b", fontsize="10", fontcolor="#1f4e9c")


def _cluster_ids(key):
    natural = sorted(set(key.values()), key=lambda k: [int(n) for n in re.findall(r"\d+", k)])
    return {k: f"c{i}" for i, k in enumerate(natural)}      # L0.N0, L0.N1, ..., L1.N0


def plain_scene(order, key, style):
    """One record per Value, one oval per op; MLP neurons/layers boxed when ``key``."""
    scene = Scene()
    index = {v: i for i, v in enumerate(order)}
    style.neurons = neuron_names(order) if key else {}
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
    style.caption(scene)
    return scene


def _collapsed_scene(order, key, level, style, max_nodes):
    """One node per neuron (or layer) box, one for the parameter-only terms; the rest as
    in the plain drawing. Dense layer-to-layer edges become one bundle."""
    ids = _cluster_ids(key)
    folded = parameter_terms(order, key)
    index = {v: i for i, v in enumerate(order)}
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
        style.value_node(scene, f"n{index[v]}", v, fold_op=True)
    _boxes(scene, order, key, level, style, ids)
    if folded:
        _folded_node(scene, order, key, folded, style)
    box_edges = []
    for v in order:
        if v in folded or not v.parents:
            continue
        if v in key:
            box_edges += [(drawn(p), drawn(v)) for p in v.parents if drawn(p) != drawn(v)]
        else:
            style.operand_edges(scene, v, index[v], drawn, fold_op=True)
    box_edges = list(dict.fromkeys(box_edges))
    if level == "neuron":
        _bundle_layers(scene, box_edges, {c: k for k, c in ids.items()})
    else:
        for tail, head in box_edges:
            scene.edge(tail, head)
    return scene


def _boxes(scene, order, key, level, style, ids):
    """A record per neuron (or layer): its output's data and d root/d output; an off ReLU
    says it passes nothing back whatever d root/d output is."""
    tops = cluster_outputs(order, key)
    sizes = layer_sizes(order, style.names) if level == "layer" else {}
    root = style.root.label or "root"
    columns = {}
    for k in ids:
        outs = tops.get(k)
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
            fields.append(_passes_text(k, outs, sizes))
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


def _folded_node(scene, order, key, folded, style):
    used = {p for v in order if v not in folded for p in v.parents}
    ends = [v for v in order if v in folded and (v is style.root or v in used)]
    n_params = len({p for v in folded for p in v.parents if p in key})
    fields = ["parameter terms", f"{len(folded)} ops on", f"{n_params} parameters"]
    if len(ends) == 1:
        fields += style.fields(ends[0], "")
    scene.box("p0", fields, None, "#f3ecd8", style.root in folded)


_BUNDLE = 16                    # more edges than this between two layers: one bundle


def bundle(scene, tails, heads, ltail, lhead, text):
    """One thick edge from cluster ``ltail`` to cluster ``lhead`` through a node saying
    what it stands for (``text``, e.g. '16×16 weights')."""
    scene.graph["compound"] = "true"
    name = f"{ltail}_to_{lhead}".replace("cluster_", "")
    scene.node(name, label=text, shape="box", style="rounded", color="#555555",
               fontsize="10", margin="0.05,0.03")
    scene.edge(tails[len(tails) // 2], name, ltail=ltail, penwidth="3", color="#555555",
               arrowhead="none")
    scene.edge(name, heads[len(heads) // 2], lhead=lhead, penwidth="3", color="#555555")


def _bundle_layers(scene, edges, box_key):
    """Edges into the neuron boxes, a layer of several boxes in a cluster; the all-to-all
    edges from one layer (or from the inputs) into the next, when more than ``_BUNDLE``,
    become one edge labelled e.g. '16×16 weights'."""
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
        if len(group) <= _BUNDLE or len(group) != len(tails) * len(heads) or (
                a == "in" and any(t in scene.cluster_of for t in tails)):
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
