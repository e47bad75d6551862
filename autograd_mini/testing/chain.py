"""The chain rule passes the diagnosis runs on the engine's graph besides ``backward``:
the nodes an entry reaches, and one reverse pass with some local derivatives replaced (a
derivative left out, a kink taken from one side).

(``reverse_pass`` is ``core.gradient_floats`` from the loss; paths are counted by
``visual.analysis.count_paths``.)
"""

from ..core import gradient_floats


def reachable(order, leaf):
    """The nodes of ``order`` computed from ``leaf`` (leaf first), in topological order."""
    reach = {leaf}
    nodes = [leaf]
    for v in order:
        if v is not leaf and any(p in reach for p in v.parents):
            reach.add(v)
            nodes.append(v)
    return nodes


def reverse_pass(order, output, local=None):
    """d output / d node for every node of ``order``, in one reverse pass as
    ``backward`` makes it, with ``local(node)`` giving the local derivatives to use (one
    per parent, None where exactly 0 passes back), or None for the node's own."""
    return gradient_floats(order, {output: 1.0}, local)
