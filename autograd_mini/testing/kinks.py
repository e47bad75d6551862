"""Kinks: points where the loss has a derivative from the left and one from the right, but
none in between (relu, abs, np.maximum at z = 0). There any one-sided derivative is a fair
answer and conventions differ: PyTorch takes relu'(0) = 0, np.maximum(z, 0) passes z on
at a tie (derivative 1), np.maximum(0, z) passes 0 (derivative 0). An entry that reaches a
kink passes when it matches the engine's or a one-sided derivative:

- at a relu, leaky_relu or abs node at 0, the engine's gradient recomputed with every such
  node's derivative taken from the left, or every one from the right (exact);
- at a comparison of two equal numbers (np.maximum, np.where, max, np.clip compare: the
  branch is the forward's choice), the loss's derivative in that entry from the left and
  from the right, the gradient with the entry moved by 2^-30 of its size down or up (the
  loss is called again, twice per such entry, for up to 16 entries).
"""

from ..core import Value, op_inputs
from .chain import reverse_pass
from .tolerance import close
from .words import entry_name, fmt

_MAX_RERUNS = 16                # wrong entries at a comparison's tie checked by re-running
_STEP = 2.0 ** -30              # the move, relative to the entry (or its parameter's size)
_CONVENTIONS = (("every relu/abs at 0 from the left (PyTorch's relu'(0) = 0)", 0),
                ("every relu/abs at 0 from the right (relu'(0) = 1)", 1))


def _sides(v):
    """(left, right) local derivative of a kinked node at its input 0, or None."""
    if not v.parents or v.parents[0].data != 0.0:
        return None
    if v.op == "relu":
        return None, 1.0                        # None: masked, exactly 0 passes back
    if v.op == "abs":
        return -1.0, 1.0
    if v.op == "leaky_relu":
        _, inputs = op_inputs(v)
        slope = inputs[1].data if isinstance(inputs[1], Value) else inputs[1]
        return slope, 1.0
    return None


def _ancestors(nodes):
    """Every node that ``nodes`` are computed from (themselves included)."""
    seen, stack = set(), list(nodes)
    while stack:
        v = stack.pop()
        if v not in seen:
            seen.add(v)
            stack.extend(v.parents)
    return seen


class Kinks:
    """The kinks of one forward: ``nodes`` (relu, leaky_relu, abs at 0: node -> (left,
    right)), ``ties`` (comparisons ``(op, a, b)`` of equal numbers) and, per entry leaf,
    the one-sided values computed for it (``sides``: leaf -> {side: value})."""

    def __init__(self, order, ties):
        self.nodes = {v: s for v in order if (s := _sides(v)) is not None}
        self.ties = ties
        self._at_node = _ancestors(self.nodes) if self.nodes else set()
        self._at_tie = _ancestors([x for _, a, b in ties for x in (a, b)
                                   if isinstance(x, Value)]) if ties else set()
        self.sides, self.skipped = {}, set()

    def __bool__(self):
        return bool(self.nodes or self.ties)

    def at(self, leaf):
        """What kind of kink ``leaf`` reaches: "node", "tie", "both" or ""."""
        node, tie = leaf in self._at_node, leaf in self._at_tie
        return "both" if node and tie else "node" if node else "tie" if tie else ""

    def describe(self):
        """'relu at 0 (2 of them), a comparison of equal numbers (z >= 0 at z = 0)'."""
        parts = []
        ops = sorted({str(v.op) for v in self.nodes})
        if ops:
            parts.append(f"{' and '.join(ops)} at 0 ({len(self.nodes)} "
                         f"{'node' if len(self.nodes) == 1 else 'nodes'})")
        if self.ties:
            op, a, b = self.ties[0]
            other = fmt(b.data if isinstance(b, Value) else b, 9)
            more = f", {len(self.ties) - 1} more" if len(self.ties) > 1 else ""
            parts.append(f"a comparison of equal numbers (z {op} {other} at z = "
                         f"{fmt(a.data, 9)}{more}: np.maximum, np.where, max and np.clip "
                         f"compare)")
        return ", ".join(parts)

    def settle(self, checks, graph, rerun, rtol):
        """Accept every wrong entry that matches a one-sided derivative at its kink (within
        ``rtol`` and the entry's atol)."""
        order, output, leaves = graph
        if self.nodes:
            for side, k in _CONVENTIONS:
                g = reverse_pass(order, output, lambda v, k=k: self._local(v, k))
                for _, _, leaf in self._wrong(checks, leaves, ("node", "both")):
                    self.sides.setdefault(leaf, {})[side] = g.get(leaf, 0.0)
        for n, (check, index, leaf) in enumerate(self._wrong(checks, leaves, ("tie", "both"))):
            if n >= _MAX_RERUNS:
                self.skipped.add(leaf)
                continue
            size = abs(leaf.data) or max((abs(x.data) for x in leaves[check.name]),
                                         default=0.0) or 1.0
            for side, sign in (("left", -1.0), ("right", 1.0)):
                self.sides.setdefault(leaf, {})[f"the loss's derivative in {leaf.label} from "
                                                f"the {side}"] = \
                    rerun(check.name, index, leaf.data + sign * _STEP * size)
        for check, index, leaf in self._wrong(checks, leaves, ("node", "tie", "both")):
            y = next(y for i, y, _ in check.wrong if i == index)
            side = next((s for s, g in self.sides.get(leaf, {}).items()
                         if close(y, g, rtol, check.room(index))), None)
            if side is not None:
                check.accept_at_kink(index, side)

    def _local(self, v, k):
        sides = self.nodes.get(v)
        if sides is None:
            return None
        return (sides[k],) + tuple(d for _, d in v.edges[1:])

    def _wrong(self, checks, leaves, kinds):
        """``(check, index, leaf)`` for each wrong entry reaching a kink of ``kinds``."""
        found = []
        for check in checks:
            if check.status != "wrong":
                continue
            position = {i: k for k, (i, _, _) in enumerate(check.entries)}
            for index, _, _ in check.wrong:
                leaf = leaves[check.name][position[index]]
                if self.at(leaf) in kinds:
                    found.append((check, index, leaf))
        return found

    def text(self, leaf, name, index, engine):
        """The diagnosis' lines for a wrong entry at a kink (yours matched no side)."""
        entry = entry_name(name, index)
        sides = self.sides.get(leaf, {})
        values = "; ".join(f"{s}: {fmt(g, 9)}" for s, g in sides.items())
        found = f" The one-sided derivatives: {values}." if values else ""
        if leaf in self.skipped:
            found += (f" (Its one-sided derivatives in {entry} were not computed: the loss is "
                      f"called again for the first {_MAX_RERUNS} such entries only.)")
        return (f"  {entry} reaches a kink of the loss: {self.describe()}. There the loss "
                f"has a derivative from the left and one from the right; the engine's "
                f"{fmt(engine, 9)} follows the branch the forward took.{found} Yours "
                f"matches none of them")
