"""A picture's data before it is drawn: the ``Scene`` (nodes, clusters, edges, a caption)
and its sizing. ``draw()`` builds one (``value_scene``, ``netview``), chooses a direction
from its estimated size (``choose_rankdir``) and hands it to ``digraph.to_graph``, which
writes it as DOT. Nothing here reads a graph of Values or imports graphviz.
"""

__all__ = ["Scene", "layout_widths", "choose_rankdir", "bundle", "COLUMN_PX"]

COLUMN_PX = 1000                                    # the width pictures are made to fit


class Scene:
    """What to draw, before a direction is chosen: nodes (``fields`` are the lines of a
    record, stacked), clusters, edges (``ltail``/``lhead`` for bundles), a caption, and
    ``alt``: the picture described in words."""

    def __init__(self):
        self.nodes = {}                 # id -> attrs (plus "fields" for a record)
        self.cluster_of = {}            # id -> cluster name
        self.clusters = {}              # cluster name -> attrs
        self.edges = []                 # (tail, head, attrs)
        self.graph = {}
        self.columns = []               # node lists to keep in this order, one rank each
        self.alt = ""                   # the picture in words (its alt text)

    def node(self, name, cluster=None, **attrs):
        self.nodes[name] = attrs
        if cluster is not None:
            self.cluster_of[name] = cluster

    def box(self, name, fields, cluster=None, fill=None, thick=False):
        """A box of stacked lines (``fields``: strings, or ``(text, colour)``)."""
        self.node(name, cluster, fields=list(fields), fill=fill, thick=thick)

    def edge(self, tail, head, **attrs):
        self.edges.append((tail, head, attrs))

    def members(self):
        """``{cluster name: [node ids]}``, in the order the nodes were put in."""
        members = {}
        for node, cluster in self.cluster_of.items():
            members.setdefault(cluster, []).append(node)
        return members


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
    members = scene.members()
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

