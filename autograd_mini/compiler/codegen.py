"""How ``compile`` writes a traced graph out as a Python function on floats.

``generate(...)`` turns a tape (the graph's nodes in topological order) into the source of

    def step(_A, _X):       # _A: the Value arguments, _X: their numbers

that computes the output (forward: the Wengert list, ``forward.py``) and then
d(output)/d(node) node by node in exactly the order ``backward()`` does (``backward.py``),
so every float is the eager engine's, bit for bit. Each op's forward and derivatives are
its ``core.OPS`` entry's (``reader.py``). Names in the code are positions, never labels:
node i is ``v<i>`` (its gradient ``g<i>``), a leaf or a node a loop reads is ``V[k]``
(its gradient ``G[k]``); labels are shown in comments only. Long sums and layers of
neurons are loops (``plan.py``), so the code grows with the number of layers and sums,
not of nodes, and CPython compiles it quickly.
"""

from .backward import BackwardWriter
from .finite import check_lines
from .forward import ForwardWriter
from .guards import guard_text
from .loops import LoopWriter
from .plan import Layout, Program
from .source import Kernels, Namespace, show

__all__ = ["generate"]


def generate(tape, arg_of, n_args, guards, title):
    """The Program that replays ``tape``: see the module docstring.

    ``arg_of`` maps the position of each argument leaf to its argument index (of
    ``n_args`` Value arguments); ``guards`` are the traced reads of numbers (see
    ``guards.py``).
    """
    layout = Layout(tape, arg_of, n_args, guards)
    ns, kernels = Namespace(), Kernels()
    head = _arrays(layout, ns)
    loops = LoopWriter(layout, ns)
    fw = ForwardWriter(layout, ns, kernels, loops)
    forward = fw.write()
    bw = BackwardWriter(layout, ns, kernels, fw, loops)
    backward = bw.write()
    root = layout.val[tape.n_main - 1]
    body = (head + ["# forward: one line per node (the Wengert list); loops for long sums"]
            + forward + check_lines(fw.probes, bool(layout.read_leaves or layout.n_args
                                                    or layout.n_computed))
            + ["# backward: g<i> is d(output)/d(node i), one chain-rule step per line"]
            + backward + ["# each leaf's gradient, accumulated into .grad as backward() does"]
            + _write_back(layout, bw, ns) + [f"return {root}"])
    source = "".join(k + "\n\n" for k in kernels.text) + "def step(_A, _X):\n" + \
        "".join(f"    # {line}\n" for line in title) + "".join(f"    {line}\n" for line in body)
    texts = [guard_text(guard, _namer(tape)) for guard in guards]
    return Program(source, ns, tape.signature(), layout.captured, texts, tape.n_main)


def _arrays(layout, ns):
    """The lines that fill V (leaf values, then argument values, then room for the
    nodes loops read) and G, with the labelled leaves listed."""
    g, slot = layout.tape, layout.slot
    named = sorted((slot[i], show(v.label)) for i, v in enumerate(g.nodes)
                   if slot[i] >= 0 and not g.parents[i] and v.label)
    lines, line = [], "# leaves:"
    for k, label in named:
        if len(line) > 80:
            lines.append(line)
            line = "#"
        line += f" V[{k}] = {label},"
    lines += [line[:-1]] if named else []
    ns["_PV"] = layout.read_leaves
    ns["_PA"] = layout.read_leaves[:len(layout.main_leaves)]
    lines.append("V = data_of(_PV)                # [p.data for p in _PV] (core/bulk.py)")
    if layout.n_args:
        lines.append("V += _X")
    if layout.n_computed:
        ns["_Z"] = [0.0] * layout.n_computed
        lines.append("V += _Z")
    lines.append("G = [0.0] * len(V)")
    return lines


def _write_back(layout, bw, ns):
    """Each leaf's gradient added to its ``.grad``, after every line that could raise."""
    lines = list(bw.deferred)
    if layout.main_leaves:
        lines.append("add_grads(_PA, G)                # for p, g in zip(_PA, G): p.grad += g")
    args = tuple((k, layout.slot[i]) for i, k in layout.arg_of.items()
                 if i < layout.tape.n_main)
    if args:
        ns["_AW"] = args
        lines.append("for k, i in _AW: add_pass(_A[k], G[i])   # _A[k].grad += G[i]")
    return lines


def _namer(tape):
    """Names a node for a message: its label, else v<position>."""
    def name(i):
        label = tape.nodes[i].label
        return show(label) if label else f"v{i}"
    return name
