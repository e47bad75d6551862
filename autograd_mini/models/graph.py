"""The computation graph of one token's loss, collapsed to one box per layer and per
attention head, so that a graph of thousands of Values reads like the model's diagram.

    scene = token_graph(model, vocab.encode("emma"), position=3)
    scene.dot()                          # DOT text; write_graph(scene, "gpt.svg") renders it

Each box is a module call that made Values (an embedding table, a norm, one attention
head with its query/key/value maps, the attention's output map, the MLP, the head) or the
loss; it says how many Values it made and how many parameters it holds. An arrow carries
the number of Values (edges of the graph) that flow from one box to the next. Values
belong to the innermost box whose forward made them (found by forward hooks).
"""

from ..core import topological_order
from ..nn import Module
from ..nn import functional as F
from ..util.fileio import write_atomic
from ..visual.rendering import IMAGE_SUFFIXES, SOURCE_SUFFIXES, render_dot

__all__ = ["Scene", "token_graph", "boxes_of", "write_graph"]

LOSS = "cross_entropy"


class Scene:
    """The collapsed graph: ``boxes`` (name -> (values made, parameters)), ``edges``
    ((tail, head) -> number of graph edges), ``title``."""

    def __init__(self, boxes, edges, title, own_ops="the model's own ops"):
        self.boxes, self.edges, self.title, self.own_ops = boxes, edges, title, own_ops

    def dot(self):
        lines = ["digraph token {", '  rankdir="TB"; nodesep=0.25; ranksep=0.35;',
                 f'  labelloc="t"; label="{self.title}"; fontname="Helvetica"; fontsize=12;',
                 '  node [shape=box, style="rounded,filled", fillcolor="#eef4ff", '
                 'fontname="Helvetica", fontsize=10];',
                 '  edge [fontname="Helvetica", fontsize=9, color="#555555"];']
        ids = {name: f"b{i}" for i, name in enumerate(self.boxes)}
        for name, (made, params) in self.boxes.items():
            fill = ' fillcolor="#ffe9cc"' if name == LOSS else \
                ' fillcolor="#e2f5e2"' if ".heads." in name else ""
            extra = f"\\n{params} parameters used" if params else ""
            label = f"{_pretty(name, self.own_ops)}\\n{made} values{extra}"
            lines.append(f'  {ids[name]} [label="{label}"{fill}];')
        heads = [ids[n] for n in self.boxes if ".heads." in n]
        if len(heads) > 1:                              # heads side by side, in order
            lines.append(f"  {{rank=same; {' -> '.join(heads)} [style=invis];}}")
        for (a, b), n in self.edges.items():
            lines.append(f'  {ids[a]} -> {ids[b]} [label=" {n}"];')
        lines.append("}")
        return "\n".join(lines)


def _pretty(name, own_ops):
    """``blocks.0.attn.heads.2`` -> ``block 0 · attention head 2``."""
    words = {"wte": "token embedding (wte)", "wpe": "position embedding (wpe)",
             "norm_f": "final RMSNorm", "head": "logits (head)", "": own_ops,
             "hidden": "hidden layer (tanh)", LOSS: "cross-entropy loss"}
    if name in words:
        return words[name]
    parts = name.split(".")
    if parts[0] == "blocks":
        rest = ".".join(parts[2:])
        inner = {"norm1": "RMSNorm 1", "norm2": "RMSNorm 2", "attn.proj": "attention output",
                 "mlp": "MLP", "residual.attn": "x + attention",
                 "residual.mlp": "x + MLP"}.get(rest)
        if inner is None and rest.startswith("attn.heads."):
            inner = f"attention head {parts[-1]}"
        return f"block {parts[1]} · {inner or rest}"
    return name


def boxes_of(model):
    """The modules drawn as boxes: ``{module: name}``. Embeddings, norms, each attention
    head, the attention's output map, the MLP, the head, each block (its residual adds)
    and the model itself; what lies inside them (a head's q/k/v maps) is folded in."""
    named = dict((m, n) for n, m in model.named_modules())
    keep = {}
    for m, name in named.items():
        parts = name.split(".")
        if name == "" or len(parts) == 1 or (parts[0] == "blocks" and (
                len(parts) == 2 or parts[2] in ("norm1", "norm2", "mlp")
                and len(parts) == 3 or parts[2:4] == ["attn", "proj"]
                or (parts[2:4] == ["attn", "heads"] and len(parts) == 5))):
            keep[m] = name
    return keep


def token_graph(model, tokens, position=None):
    """The ``Scene`` of the loss of predicting ``tokens[position + 1]`` from
    ``tokens[:position + 1]`` (default: the last prediction)."""
    if not isinstance(model, Module):
        raise TypeError(f"token_graph needs a Module, got {type(model).__name__}")
    inputs = list(tokens[:-1])
    position = len(inputs) - 1 if position is None else position
    if not 0 <= position < len(inputs):
        raise ValueError(f"position must be in [0, {len(inputs) - 1}], got {position}")
    calls = []
    handles = [m.register_forward_hook(lambda mod, args, out, name=name:
                                       calls.append((name, args, out)))
               for m, name in boxes_of(model).items()]
    try:
        logits = model(inputs[:position + 1])
    finally:
        for h in handles:
            h.remove()
    loss = F.cross_entropy(logits[position], tokens[position + 1])
    order = topological_order(loss)
    owner = _split_residuals(_owners(calls, set(order)), order)
    params = {id(p) for p in model.parameters()}
    boxes, edges = {}, {}
    for v in order:
        box = owner.get(v, LOSS)
        made, held = boxes.get(box, (0, 0))
        boxes[box] = (made + (id(v) not in params), held + (id(v) in params))
        for p in v.parents:
            tail = owner.get(p, LOSS)
            if tail != box:
                edges[tail, box] = edges.get((tail, box), 0) + 1
    first = {}                                      # where each box starts: its first Value
    for i, v in enumerate(order):                   # made (its parameters come earlier)
        box = owner.get(v, LOSS)
        if id(v) not in params or not boxes[box][0]:
            first.setdefault(box, i)
    boxes = {k: boxes[k] for k in sorted(boxes, key=first.__getitem__)}
    title = (f"{type(model).__name__}: the loss of one token (position {position}), "
             f"{len(order):,} Values in {len(boxes)} boxes")
    return Scene(boxes, edges, title, getattr(model, "own_ops", "the model's own ops"))


def _owners(calls, alive):
    """``{Value: box name}``: each Value goes to the first call (innermost: hooks run as
    forwards finish) that reaches it walking back from its outputs, not past its inputs."""
    owner = {}
    for name, args, out in calls:
        stop = {id(v) for v in _values(args)}
        stack = [v for v in _values(out) if v in alive]
        seen = set()
        while stack:
            v = stack.pop()
            if id(v) in seen or id(v) in stop:
                continue
            seen.add(id(v))
            owner.setdefault(v, name)
            stack.extend(v.parents)
    return owner


def _split_residuals(owner, order):
    """A block's own Values are its two residual adds: ``x + attention`` (a parent in
    ``attn.proj``) and ``x + MLP`` (a parent in ``mlp``), drawn as two boxes."""
    for v in order:
        box = owner.get(v)
        if box is None or not box.startswith("blocks.") or box.count(".") != 1:
            continue
        for p in v.parents:
            what = owner.get(p, "").rsplit(".", 1)[-1]
            if owner.get(p, "").startswith(box + ".") and what in ("proj", "mlp"):
                owner[v] = f"{box}.residual.{'attn' if what == 'proj' else 'mlp'}"
    return owner


def _values(x):
    if isinstance(x, (list, tuple)):
        for item in x:
            yield from _values(item)
    elif hasattr(x, "parents"):
        yield x


def write_graph(scene, path, program=None):
    """Write the scene to ``path``: .svg/.png/.jpg rendered, .gv/.dot as DOT text."""
    suffix = str(path).lower().rsplit(".", 1)[-1]
    source = scene.dot()
    if f".{suffix}" in SOURCE_SUFFIXES:
        write_atomic(path, source)
    elif f".{suffix}" in IMAGE_SUFFIXES:
        write_atomic(path, render_dot(source, IMAGE_SUFFIXES[f".{suffix}"], program))
    else:
        raise ValueError(f"write_graph: {path!r} must end in one of "
                         f"{', '.join(list(IMAGE_SUFFIXES) + list(SOURCE_SUFFIXES))}")
