"""The chain rule passes the diagnosis runs on the engine's graph besides ``backward``:
the nodes an entry reaches, how many paths lead from it to the loss, and one reverse pass
with some local derivatives replaced (a derivative left out, a kink taken from one side).

(``reverse_pass`` is ``core.gradient_floats`` from the loss; ``count_paths`` is
visual's path counter with a count of the paths that are not 0.)
"""

from ..core import gradient_floats

MANY = 10 ** 18                 # path counts saturate here


def reachable(order, leaf):
    """The nodes of ``order`` computed from ``leaf`` (leaf first), in topological order."""
    reach = {leaf}
    nodes = [leaf]
    for v in order:
        if v is not leaf and any(p in reach for p in v.parents):
            reach.add(v)
            nodes.append(v)
    return nodes


def count_paths(nodes, output):
    """The number of paths from ``nodes[0]`` to ``output``, and of those whose product is
    not 0 (no local derivative 0 on them), by dynamic programming."""
    count, nonzero = {nodes[0]: 1}, {nodes[0]: 1}
    for v in nodes[1:]:                         # saturating: counts can grow like 2^depth
        n = z = 0
        for p, local in zip(v.parents, v.local_grads):
            n += count.get(p, 0)
            z += nonzero.get(p, 0) if local != 0 else 0
        count[v], nonzero[v] = min(n, MANY), min(z, MANY)
    return count.get(output, 0), nonzero.get(output, 0)


def reverse_pass(order, output, local=None):
    """d output / d node for every node of ``order``, in one reverse pass as
    ``backward`` makes it, with ``local(node)`` giving the local derivatives to use (one
    per parent, None where exactly 0 passes back), or None for the node's own."""
    return gradient_floats(order, {output: 1.0}, local)
