"""The traced graph as arrays indexed by position in topological order (a tape)."""

__all__ = ["Tape"]


class Tape:
    """The traced graph as arrays indexed by position in topological order.

    ``order`` holds the output's graph (the first ``n_main`` nodes, the output last), then
    nodes that were only compared (their values are needed for the guards).
    """

    def __init__(self, order, n_main):
        self.nodes = order
        self.n_main = n_main
        self.index = index = {v: i for i, v in enumerate(order)}
        self.ops = [v.op for v in order]
        get = index.__getitem__
        self.parents = parents = [tuple(map(get, v.parents)) for v in order]
        self.constants = [v.constant for v in order]
        self.consumers = consumers = [[] for _ in order]
        for i in range(n_main):                     # ascending, so each list is sorted
            for p in parents[i]:
                consumers[p].append(i)

    def signature(self):
        """What check() compares: each node's op, parent positions and constant."""
        return list(zip(self.ops, self.parents, self.constants))
