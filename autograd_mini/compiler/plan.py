"""The plan of the generated code: which nodes are written as loops, and where each
node's value and gradient live.

Repeated structure is written as loops, with the same float operations in the same
order: a long sum (``sum(w_i * x_i)``, a chain of ``+`` nodes) is a loop over a tuple of
operands (a ``Run``), and a layer's neurons (each a ``wsum`` node and its activation) one
loop over a table with a row per neuron. ``Layout`` then decides each node's home: a
local ``v<i>``, or a slot of the arrays ``V``/``G`` (leaves, arguments, and nodes a loop
reads), or nowhere (nodes inside a loop).
"""

from bisect import bisect_right

__all__ = ["MIN_RUN", "Run", "find_runs", "find_neurons", "Program", "Layout"]

MIN_RUN = 2                 # the shortest chain of + nodes written as a loop


class Run:
    """A chain of + nodes written as one loop: ``end = start + t_1 + ... + t_m``, each term
    a product ``a * b`` (kind "*") or a node (kind "+"), each operand read from the arrays
    ("a") or straight from a leaf Value that nothing else uses ("o")."""

    def __init__(self, graph, links, pattern):
        self.links = links
        self.pattern = pattern
        self.start = graph.parents[links[0]][0]
        self.end = links[-1]
        self.inside = set(links)
        self.operands = []      # per term: its operand positions (one or two)
        self.events = []        # (operand, position of the node whose backward step feeds it)
        for c in links:
            t = graph.parents[c][1]
            if pattern[0] == "*":
                self.inside.add(t)
                self.operands.append(graph.parents[t])
                self.events += [(x, t) for x in graph.parents[t]]
            else:
                self.operands.append((t,))
                self.events.append((t, c))

    def reorders(self, graph):
        """Where moving this run's backward steps to its end would change, for some node,
        the order in which its gradient contributions arrive (so their sum would round
        differently): the position of the node in the way, else None."""
        if self.start in self.operands[0]:
            return self.links[0]
        events = self.events + [(self.start, self.links[0])]
        for x, e in events:
            consumers = graph.consumers[x]
            k = bisect_right(consumers, e)
            while k < len(consumers) and consumers[k] < self.end:
                if consumers[k] not in self.inside:
                    return consumers[k]
                k += 1
        return None


def find_runs(graph, pinned, is_arg):
    """The chains of + nodes worth a loop: at least MIN_RUN terms of one kind, products
    ("*") or nodes ("+"); operands read from leaf Values ("o") if every one is a leaf
    that nothing else uses, else from the arrays ("a")."""
    ops, parents, consts, consumers = graph.ops, graph.parents, graph.constants, graph.consumers

    def single(x):                                  # used once, not compared
        return len(consumers[x]) == 1 and x not in pinned

    def kind(c):
        t = parents[c][1]
        return "*" if ops[t] == "*" and len(parents[t]) == 2 and consts[t] is None \
            and single(t) else "+"

    chains, chain_of = [], {}
    for c in range(graph.n_main):
        if ops[c] != "+" or len(parents[c]) != 2 or consts[c] is not None:
            continue
        p = parents[c][0]
        chain = chain_of.get(p)
        if chain is None or not single(p):
            chain = []
            chains.append(chain)
        chain.append((c, kind(c)))
        chain_of[c] = chain
    runs = []
    for chain in chains:
        k = 0
        while k < len(chain):
            j = k
            while j < len(chain) and chain[j][1] == chain[k][1]:
                j += 1
            run = _run(graph, [c for c, _ in chain[k:j]], chain[k][1], single, is_arg)
            if run is not None:
                runs.append(run)
            k = j
    return runs


def _run(graph, links, kind, single, is_arg):
    """The longest run from these links (cut short where it would reorder), or None."""
    parents = graph.parents
    while len(links) >= MIN_RUN:
        terms = [parents[c][1] for c in links]
        operands = [x for t in terms for x in parents[t]] if kind == "*" else terms
        mode = "o" if all(not parents[x] and not is_arg(x) and single(x)
                          for x in operands) else "a"
        run = Run(graph, links, (kind,) + (mode,) * (2 if kind == "*" else 1))
        stop = run.reorders(graph)
        if stop is None:
            return run
        links = [c for c in links if c < stop]
    return None


def find_neurons(graph, pinned):
    """Neurons written as one loop each layer: consecutive pairs (wsum node, the one op
    that reads it: its activation) of one shape, nothing but leaves between them."""
    ops, parents, consumers, consts = graph.ops, graph.parents, graph.consumers, \
        graph.constants
    groups, last, last_shape = [], -1, None
    for w in range(graph.n_main - 1):
        a = w + 1
        if (ops[w] != "wsum" or w in pinned or consumers[w] != [a] or a in pinned
                or len(parents[a]) != 1 or ops[a] == "wsum"):
            continue
        ps = parents[w]
        shape = (len(ps), ops[a], consts[a], len(set(ps)) == len(ps))
        if groups and shape == last_shape and all(not parents[k] for k in range(last + 1, w)):
            groups[-1].append((w, a))
        else:
            groups.append([(w, a)])
        last, last_shape = a, shape
    return groups


class Program:
    """What ``generate`` returns: the source, its namespace (the globals of ``step``),
    the signature of the graph and the leaves the code reads, by position."""

    def __init__(self, source, namespace, signature, leaves, guards, n_main):
        self.source = source
        self.namespace = namespace
        self.signature = signature
        self.leaves = leaves        # [(position, Value)] of the captured leaves
        self.guards = guards        # one text per guard, e.g. "x > 0.0", "floor(x)"
        self.n_main = n_main


class Layout:
    """Plans where each node's value and gradient live.

    A value lives in a local ``v<i>``, or in the array ``V`` (leaves, and nodes a loop
    reads); a gradient in ``g<i>`` or ``G``. Nodes inside a loop live nowhere.
    ``val[i]`` is the text of node i's value (None if it has none), ``slot[i]`` its
    index in V and G (or -1).
    """

    def __init__(self, tape, arg_of, n_args, guards):
        self.tape = tape
        self.n_args = n_args
        self.arg_of = arg_of            # position of an argument leaf -> argument index
        self.guards = guards            # (kind, position, position or None, number, result)
        pinned = {tape.n_main - 1}
        for _, a, b, _, _ in guards:
            pinned.update((a, b))
        self.runs = find_runs(tape, pinned, arg_of.__contains__)
        root = tape.n_main - 1
        compared = {x for _, a, b, _, _ in guards for x in (a, b)}
        self.tail = next((r for r in self.runs if r.end == root and r.pattern[1] == "o"
                          and root not in compared), None)
        self.neurons = find_neurons(tape, pinned)
        self.neurons_at = {group[0][0]: group for group in self.neurons}    # forward
        self.neurons_end = {group[-1][1]: group for group in self.neurons}  # backward
        self.in_neurons = {i for group in self.neurons for unit in group for i in unit}
        self.run_at = {run.end: run for run in self.runs}
        self._place()

    def _place(self):
        """Decide each node's home: ``val[i]`` and ``slot[i]``."""
        g, n = self.tape, len(self.tape.nodes)
        self.val = [f"v{i}" for i in range(n)]
        self.slot = [-1] * n
        objects, arrays = set(), set()
        for run in self.runs:
            for c in run.links[:-1]:
                self.val[c] = None
            if run.pattern[0] == "*":
                for c in run.links:
                    self.val[g.parents[c][1]] = None
            modes = run.pattern[1:]
            for operands in run.operands:
                for x, m in zip(operands, modes):
                    (objects if m == "o" else arrays).add(x)
        for i in range(n):
            if g.ops[i] == "wsum":
                arrays.update(g.parents[i])
        arrays.update(self.in_neurons)
        captured = [i for i in range(n) if not g.parents[i] and i not in self.arg_of]
        self.main_leaves = [i for i in captured if i < g.n_main and i not in objects]
        extra_leaves = [i for i in captured if i >= g.n_main]
        order = self.main_leaves + extra_leaves
        for k, i in enumerate(order):
            self.slot[i] = k
        base = len(order)
        for i, k in self.arg_of.items():
            self.slot[i] = base + k
        computed = sorted(i for i in arrays if g.parents[i])
        base += self.n_args
        for k, i in enumerate(computed):
            self.slot[i] = base + k
        self.n_computed = len(computed)
        for i in range(n):
            if self.slot[i] >= 0:
                self.val[i] = f"V[{self.slot[i]}]"
            elif i in objects:
                self.val[i] = None
        self.read_leaves = [g.nodes[i] for i in order]      # V starts with their data
        self.captured = [(i, g.nodes[i]) for i in captured]
