"""Runs: a chain of ``+`` nodes, each adding a term, written as one loop.

``end = start + t_1 + ... + t_m`` where each term is a product ``a * b`` (kind "*"), a
product with a constant ``a * c`` (kind "*c") or any node (kind "+"); each operand is
read from the arrays ("a") or straight from a leaf Value nothing else reads ("o"). The
loop adds the terms in the chain's order (the same float sums as eager); its backward
steps all run at the chain's end, which is eager's order as long as no other node reads
an operand in between (``Run.reorders``). A run is taken only where it stands for a
whole stretch of the tape (``tight``): other stretches are left to rolling.
"""

from array import array
from bisect import bisect_right
from itertools import groupby

__all__ = ["MIN_RUN", "Run", "find_runs"]

MIN_RUN = 2                 # the shortest chain of + nodes written as a loop


class Run:
    """A chain of + nodes written as one loop (see the module docstring)."""

    def __init__(self, tape, links, kind, mode, once):
        parents = tape.parents
        self.links = links
        self.pattern = (kind,) + (mode,) * (2 if kind == "*" else 1)
        self.start = parents[links[0]][0]
        self.end = links[-1]
        self.terms = [parents[c][1] for c in links]
        if kind == "+":
            self.operands = [(t,) for t in self.terms]
            self.events = [(t, c) for c, t in zip(links, self.terms) if not once(t)]
        else:
            self.operands = [parents[t] for t in self.terms]
            self.events = [(x, t) for t in self.terms for x in parents[t] if not once(x)]
        self.constants = [tape.constants[t] for t in self.terms] if kind == "*c" else []
        self.positions = links + (self.terms if kind != "+" else [])
        if mode == "o":
            self.positions += [x for xs in self.operands for x in xs]

    def tight(self):
        """Nothing else lies between its first and last position: the loop stands for a
        stretch of the tape."""
        positions = self.positions
        return max(positions) - min(positions) + 1 == len(positions)

    def reorders(self, tape):
        """Where moving this run's backward steps to its end would change, for some node,
        the order in which its gradient contributions arrive (so their sum would round
        differently): the position of the node in the way, else None."""
        if self.start in self.operands[0]:
            return self.links[0]
        inside = None
        for x, e in self.events + [(self.start, self.links[0])]:
            consumers = tape.consumers(x)           # (a node read once is read inside)
            k = bisect_right(consumers, e)
            while k < len(consumers) and consumers[k] < self.end:
                inside = inside or set(self.links) | set(self.terms)
                if consumers[k] not in inside:
                    return consumers[k]
                k += 1
        return None


def find_runs(tape, pinned, is_arg):
    """The chains of + nodes worth a loop: at least MIN_RUN terms of one kind."""
    ops, parents, consts, once = tape.ops, tape.parents, tape.constants, tape.read_once()
    chains, chain_of = [], array("l", [-1]) * tape.n_main
    for c in [i for i in range(tape.n_main) if ops[i] == "+"]:
        ps = parents[c]
        if len(ps) != 2 or consts[c] is not None:
            continue
        p = ps[0]
        k = chain_of[p]
        if k < 0 or not once(p) or p in pinned:
            k = len(chains)
            chains.append([])
        chains[k].append(c)
        chain_of[c] = k

    def kind(c):
        t = parents[c][1]
        if ops[t] != "*" or not once(t) or t in pinned:
            return "+"
        if len(parents[t]) == 2:
            return "*"
        return "*c" if consts[t] is not None else "+"

    runs = []
    for chain in chains:
        if len(chain) < MIN_RUN:
            continue
        for k, links in groupby(chain, kind):
            run = _run(tape, list(links), k, once, pinned, is_arg)
            if run is not None and run.tight():
                runs.append(run)
    return runs


def _run(tape, links, kind, once, pinned, is_arg):
    """The longest run from these links (cut short where it would reorder), or None."""
    parents = tape.parents
    while len(links) >= MIN_RUN:
        terms = [parents[c][1] for c in links]
        operands = [x for t in terms for x in parents[t]] if kind != "+" else terms
        mode = "o" if all(not parents[x] and once(x) for x in operands) and not any(
            is_arg(x) or x in pinned for x in operands) else "a"
        run = Run(tape, links, kind, mode, once)
        stop = run.reorders(tape)
        if stop is None:
            return run
        links = [c for c in links if c < stop]
    return None
