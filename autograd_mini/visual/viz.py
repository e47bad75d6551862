"""Draw a computation graph or a network: ``draw(root)`` returns a ``Drawing`` (a
``graphviz.Digraph``).

``draw(value)``: one box per Value (label, ``data``, ``grad``), one oval per op (with its
constant: ``x * 3`` is the op ``* 3``), edges in the direction of the forward pass, each
operand's edge carrying the local derivative d(result)/d(operand) that ``backward()``
multiplies by the result's grad (the edges of a value used more than once each in a colour
of their own, number alike). ``draw(model)`` (an ``MLP``, ``Layer`` or ``Neuron``): the
network diagram, neurons as circles by layer, each weight an edge with its value and grad,
each shared bias a node in its layer's box.

Numbers show ``precision`` significant digits (9 by default, as the notes). A picture is
drawn at its natural size (its smallest text 13 px at 100 % zoom); in Jupyter it shows as
an ``<img>`` with alt text in a box that scrolls sideways where the column is narrower. The
direction (top-to-bottom or left-to-right) is chosen from the graph's shape: left to right
only where that shows a wide, shallow graph clearly larger in a 1,000 px column. Labels
are drawn as written (backslashes, quotes, ``<>&``); control characters as their escapes.

The DOT text depends only on the graph's structure: node ``n<i>`` is the i-th Value of
``topological_order(root)``, so the same graph always gives the same bytes.

Rendering (SVG in Jupyter, ``pipe("svg")``, ``save("graph.png")``, ``render()``) runs the
system Graphviz ``dot`` when it is on PATH, otherwise ``graphviz-pure`` (a self-contained
``dot``), on the DOT text, with a font the program has metrics for (graphviz-pure ships
Arimo, with Arial's metrics). ``AUTOGRAD_MINI_DOT`` (a program name or path) or
``draw(..., program=...)`` chooses one. ``import autograd_mini`` works without graphviz.
"""

from ..core import Value
from .analysis import analyse, more_than
from .digits import PRECISION
from .netview import network_scene
from .rendering import (  # noqa: F401  (the command line imports these from viz)
    IMAGE_SUFFIXES,
    SOURCE_SUFFIXES,
    RendererNotFound,
    find_program,
    has_graphviz,
    render_dot,
)
from .scene import choose_rankdir
from .value_scene import value_scene

__all__ = ["draw", "find_program", "render_dot", "RendererNotFound",
           "IMAGE_SUFFIXES", "SOURCE_SUFFIXES"]


def drawing_class():
    """``digraph.Drawing`` (graphviz is imported on first use: it is slow and optional);
    ImportError saying how to install it when it is missing."""
    if not has_graphviz():
        raise ImportError("draw() needs the graphviz Python package: pip install graphviz "
                          "graphviz-pure (or pip install 'autograd-mini[viz]')")
    from .digraph import Drawing
    return Drawing


def to_drawing(scene, rankdir, program=None):
    """``digraph.to_drawing``, imported on first use."""
    drawing_class()
    from .digraph import to_drawing
    return to_drawing(scene, rankdir, program)


# ---------------------------------------------------------------------- draw()
def _is_module(x):
    return hasattr(x, "named_parameters") and not isinstance(x, Value)


def check_precision(precision, what="draw"):
    if isinstance(precision, bool) or not isinstance(precision, int) or not 1 <= precision <= 17:
        raise ValueError(f"{what}: precision (significant digits) must be an int from 1 to "
                         f"17, got {precision!r}")


def check_rankdir(rankdir, what="draw"):
    if rankdir not in (None, "LR", "TB", "RL", "BT"):
        raise ValueError(f"{what}: rankdir must be None (chosen from the graph's shape), "
                         f"'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")


def draw(root, *, precision=PRECISION, show_grad=None, params=None, module=None, cluster=None,
         collapse=False, rankdir=None, local_grads=None, max_nodes=300, inputs=None,
         names=None, program=None):
    """The computation graph of ``root`` (a Value), or the network diagram of ``root``
    (an ``MLP``, ``Layer`` or ``Neuron``), as a ``Drawing`` (a ``graphviz.Digraph``) that
    Jupyter shows, also in an untrusted notebook (an ``<img>`` with ``.alt`` text).

    precision   significant digits of the numbers shown (default 9, as the notes:
                0.000438567734; 4 gives 0.0004386)
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
    or ``.save("g.png")`` writes an image, all or nothing (``.gv``/``.dot``: the DOT
    text); ``.alt`` describes the picture in words.
    """
    drawing_class()                                 # ImportError saying how to install
    check_precision(precision)
    check_rankdir(rankdir)
    if _is_module(root):
        given = {"params": params, "module": module, "cluster": cluster,
                 "collapse": collapse or None, "local_grads": local_grads}
        wrong = [k for k, v in given.items() if v is not None]
        if wrong:
            raise TypeError(f"draw(model): {', '.join(wrong)} apply to drawing a Value's "
                            f"computation graph; draw(model) draws the network")
        scene = network_scene(root, precision=precision, show_grad=show_grad,
                              inputs=inputs, names=names)
        return to_drawing(scene, rankdir or "LR", program)
    if inputs is not None or names is not None:
        raise TypeError("draw: inputs= and names= apply to draw(model), the network diagram")
    if not isinstance(root, Value):
        raise TypeError(f"draw: root must be a Value or a Module (MLP, Layer, Neuron), "
                        f"got {type(root).__name__}")
    _check_value_options(root, cluster, collapse, local_grads, max_nodes)
    analysis = analyse(root, params=params, module=module, cluster=cluster)
    if cluster and not analysis.key:
        raise ValueError(f"draw: cluster={cluster!r} found no parameters named like "
                         f"'L0.N1.w0' (an MLP's); pass module=model or label them so")
    scene = value_scene(analysis, precision=precision, show_grad=show_grad is not False,
                        collapse=collapse, local_grads=local_grads, max_nodes=max_nodes)
    return to_drawing(scene, rankdir or choose_rankdir(scene), program)


_TOO_MANY = ("for a network, draw one box per neuron with draw(loss, module=model, "
             "cluster='neuron', collapse=True); or draw a smaller piece (one sample's loss, "
             "one neuron's output); or pass max_nodes=None to draw it all anyway")


def _check_value_options(root, cluster, collapse, local_grads, max_nodes):
    """draw(value)'s options, and its size, before any work."""
    if cluster not in (None, "neuron", "layer"):
        raise ValueError(f"draw: cluster must be None, 'neuron' or 'layer', got {cluster!r}")
    if collapse and cluster is None:
        raise ValueError("draw: collapse=True needs cluster='neuron' or cluster='layer'")
    if local_grads not in (None, True, False):
        raise ValueError(f"draw: local_grads must be None, True or False, got {local_grads!r}")
    if max_nodes is not None and not collapse and more_than(root, max_nodes):
        raise ValueError(f"draw: the graph has more than max_nodes={max_nodes} Values; its "
                         f"drawing would be unreadable and slow to lay out. Options: {_TOO_MANY}")
