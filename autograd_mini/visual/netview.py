"""The network diagram ``draw(model)`` draws for an ``MLP``, ``Layer`` or ``Neuron``.

Inputs and neurons are circles, one column per layer; each weight is an edge from the
neuron (or input) it reads to the neuron it feeds, labelled with its name, value and, after
``backward()``, its gradient. A bias shared by a layer (the notes' b1, b2) is a node of its
own in its layer's box, feeding each neuron; a neuron's own bias is written in its circle.
Past 24 weights the labels are dropped, and two layers joined by more than 16 weights (or
more than 8 into each neuron) get one edge labelled e.g. ``16×16 weights`` (with the
largest gradient among them) instead of a black band or a knot of arrowheads.
"""

from numbers import Real

from ..core import Value
from .digits import PRECISION, format_number
from .naming import printable, shortened
from .scene import Scene, bundle

__all__ = ["network_scene"]

_LABELLED = 24                  # up to this many weights in all: every weight labelled
_BUNDLE = 16                    # more weights than this between two layers: one bundle
_FAN_IN = 8                     # or more than this into each neuron (a knot of arrowheads)
# dark, distinct colours: a labelled weight's edge and its label share one
_PALETTE = ("#1f4e9c", "#b3401a", "#2d7d2d", "#7a3d99", "#a3761a", "#1a8a8a", "#9c1f5e",
            "#4d4d4d")


def _layers(model):
    """The model's layers as lists of neurons."""
    if hasattr(model, "layers"):
        return [list(layer.neurons) for layer in model.layers]
    if hasattr(model, "neurons"):
        return [list(model.neurons)]
    if hasattr(model, "w"):
        return [[model]]
    raise TypeError(f"draw(model): a Module to draw must be an MLP, Layer or Neuron, got "
                    f"{type(model).__name__}; for another model draw its output Value")


def _inputs(inputs, nin):
    """``(names, numbers)``: the input circles' names, and their numbers (None unless
    every input is a number or a Value)."""
    if inputs is None:
        return [f"x{k}" for k in range(nin)], None
    if isinstance(inputs, (str, Value, Real)) or len(inputs) != nin:
        raise ValueError(f"draw(model): inputs must list {nin} names, numbers or Values "
                         f"(one per input), got {inputs!r}")
    names, numbers = [], []
    for k, x in enumerate(inputs):
        if isinstance(x, str):
            names.append(shown(x))
        elif isinstance(x, Value):
            names.append(shown(x.label) or f"x{k}")
            numbers.append(x.data)
        elif isinstance(x, Real) and not isinstance(x, bool):
            names.append(f"x{k}")
            numbers.append(float(x))
        else:
            raise TypeError(f"draw(model): inputs[{k}] must be a name, a number or a Value, "
                            f"got {type(x).__name__}")
    return names, numbers if len(numbers) == nin else None


def _forward(layers, numbers):
    """Each layer's outputs (floats) for the input numbers, computed under no_grad."""
    from ..core import no_grad
    outputs = []
    x = list(numbers)
    with no_grad():
        for layer in layers:
            x = [float(n(x)) for n in layer]
            outputs.append(x)
    return outputs


class _Net:
    """The pieces of the diagram: display names, numbers, what is labelled."""

    def __init__(self, layers, precision, show_grad, names, full):
        self.layers, self.precision, self.show_grad = layers, precision, show_grad
        self.names, self.full = names, full

    def num(self, x):
        return format_number(x, self.precision)

    def name(self, key, default=None):
        """The name ``names=`` gives ``key``, else ``default`` (else ``key``)."""
        if key in self.names:
            return shown(self.names[key])
        return key if default is None else default

    def value_lines(self, p, name):
        lines = [f"{shown(name)} = {self.num(p.data)}"]
        if self.show_grad:
            lines.append(f"grad {self.num(p.grad)}")
        return lines


def network_scene(model, *, precision=PRECISION, show_grad=None, inputs=None, names=None):
    """The ``Scene`` of ``model``'s network diagram (see ``draw``)."""
    layers = _layers(model)
    nin = len(layers[0][0].w)
    if names is not None and not isinstance(names, dict):
        raise TypeError(f"draw(model): names must be a dict like {{'x0': 'i1', 'L0.N0': "
                        f"'h1'}}, got {type(names).__name__}")
    input_names, numbers = _inputs(inputs, nin)
    params = model.parameters()
    if show_grad is None:
        show_grad = any((p.grad.data if isinstance(p.grad, Value) else p.grad) != 0.0
                        for p in params)
    total = sum(len(n.w) for layer in layers for n in layer)
    net = _Net(layers, precision, bool(show_grad), dict(names or {}), total <= _LABELLED)
    outputs = _forward(layers, numbers) if numbers is not None else None
    scene = Scene()
    scene.graph.update(remincross="false", nodesep="0.3", ranksep="0.9" if net.full else "0.8")
    scene.clusters["cluster_in"] = {"label": net.name("inputs"), "style": "rounded",
                                    "color": "#8899aa"}
    sources = []
    for k, default in enumerate(input_names):
        lines = [net.name(f"x{k}", default)]
        if numbers is not None and net.full:
            lines.append(net.num(numbers[k]))
        scene.node(f"x{k}", "cluster_in", shape="circle", label="\n".join(lines))
        sources.append(f"x{k}")
    scene.columns.append(list(sources))
    for l, layer in enumerate(layers):
        heads = _layer_nodes(scene, net, l, layer, outputs[l] if outputs else None,
                             sources)
        _weight_edges(scene, net, l, layer, sources, heads)
        sources = heads
    scene.alt = _describe(net, [net.name(f"x{k}", d) for k, d in enumerate(input_names)],
                          numbers, outputs)
    return scene


def _describe(net, inputs, numbers, outputs, most=24):
    """The diagram in words (its alt text): inputs, each layer's neurons, biases and
    weights with their values (and grads)."""
    def value(p, name):
        grad = f" grad {net.num(_grad(p))}" if net.show_grad else ""
        return f"{shown_name(p, name)} = {net.num(p.data)}{grad}"

    def shown_name(p, name):
        return shown(p.label) if p.label else name
    parts = ["Network diagram, inputs: " + ", ".join(
        f"{name} {net.num(x)}" if numbers is not None else name
        for name, x in zip(inputs, numbers or inputs))]
    weights = []
    for l, layer in enumerate(net.layers):
        act = getattr(layer[0], "activation", "")
        neurons = [net.name(f"L{l}.N{j}") + (f" out {net.num(outputs[l][j])}" if outputs
                                             else "") for j in range(len(layer))]
        biases = list({id(n.b): n.b for n in layer if n.b is not None}.values())
        text = f"layer {net.name(f'L{l}', f'L{l}')} ({act}): {', '.join(neurons)}"
        if biases:
            text += "; bias " + ", ".join(value(b, "b") for b in biases[:most])
        parts.append(text)
        weights += [value(w, f"w{k}") for n in layer for k, w in enumerate(n.w)]
    more = f" and {len(weights) - most} more" if len(weights) > most else ""
    return "; ".join(parts) + f"; weights: {', '.join(weights[:most])}{more}."


def _layer_nodes(scene, net, l, layer, outs, sources):
    """The layer's cluster (for one neuron fed by a few edges, its circle says the
    layer's activation instead), its neurons' circles and a shared bias's node, in the
    layer's own box, a column before its neurons."""
    nin = len(sources)
    act = layer[0].activation if hasattr(layer[0], "activation") else ""
    biases = [n.b for n in layer]
    shared = len(layer) > 1 and biases[0] is not None and all(b is biases[0] for b in biases)
    title = f"L{l} ({act})"
    if not net.full:
        title += f"\n{len(layer)} neuron{'s' * (len(layer) != 1)}"
        if biases[0] is not None:
            title += " + bias" + "es" * (len(layer) != 1)
    bundled = not net.full and (nin * len(layer) > _BUNDLE or nin > _FAN_IN)
    boxed = len(layer) > 1 or nin > _BUNDLE or bundled      # a bundle ends at a box
    if boxed:
        scene.clusters[f"cluster_L{l}"] = {"label": net.name(f"L{l}", title),
                                           "style": "rounded", "color": "#8899aa"}
    heads = []
    for j, n in enumerate(layer):
        key = f"L{l}.N{j}"
        lines = [net.name(key, key if net.full or not boxed else f"N{j}")]
        if not boxed:
            lines.append(f"({act})")
        if net.full:
            if outs is not None:
                lines.append(f"out {net.num(outs[j])}")
            if n.b is not None and not shared:
                lines += net.value_lines(n.b, "b")
        scene.node(f"L{l}N{j}", f"cluster_L{l}", shape="circle", style="filled",
                   fillcolor="#e8e8e8", label="\n".join(lines))
        heads.append(f"L{l}N{j}")
    scene.columns.append(heads)
    if shared:
        b = biases[0]
        scene.node(f"b{l}", f"cluster_L{l}", shape="box", style="rounded,filled",
                   fillcolor="#f3ecd8", label="\n".join(net.value_lines(b, b.label or "b")))
        scene.edge(sources[0], f"b{l}", style="invis")      # a column of its own
        for head in heads:
            scene.edge(f"b{l}", head, style="dashed", color="#8a7a50")
    return heads


def _weight_edges(scene, net, l, layer, sources, heads):
    """One edge per weight (labelled when the network is small), or one bundle."""
    nin = len(sources)
    if not net.full and (nin * len(layer) > _BUNDLE or nin > _FAN_IN):
        label = f"{nin}×{len(layer)}\nweights"
        if net.show_grad:
            w = max((w for n in layer for w in n.w), key=lambda w: abs(_grad(w)))
            label += (f"\nlargest |grad|\n{net.num(abs(_grad(w)))}\n"
                      f"({shown(w.label or 'a weight')})")
        bundle(scene, sources, heads, "cluster_in" if l == 0 else f"cluster_L{l - 1}",
               f"cluster_L{l}", label)
        return
    for j, n in enumerate(layer):
        for k, w in enumerate(n.w):
            if net.full:
                colour = _PALETTE[(j * nin + k) % len(_PALETTE)]
                attrs = {"label": "\n".join(net.value_lines(w, w.label or f"w{k}")),
                         "fontcolor": colour, "color": colour}
            else:
                attrs = {"color": "#777777", "arrowsize": "0.5"}
            scene.edge(sources[k], heads[j], **attrs)


def shown(name):
    """A name as the diagram writes it (control characters as escapes, at most 40
    characters)."""
    return shortened(printable(name), 40)


def _grad(p):
    return p.grad.data if isinstance(p.grad, Value) else p.grad
