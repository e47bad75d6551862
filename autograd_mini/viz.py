"""Draw a computation graph: ``draw(root)`` returns a ``graphviz.Digraph``.

One record node per Value (its label, ``data`` and ``grad``), one small node per op, edges
in the direction of the forward pass. A constant operand shows in its op node: ``x * 3``
is the op ``* 3`` (the engine stores 3 as the local derivative), ``x + 2`` is ``+ 2``.

The DOT text depends only on the graph's structure: node ``n<i>`` is the i-th Value of
``topological_order(root)`` and edges follow that order, so the same graph always gives
the same bytes (micrograd names nodes by ``id()`` and walks sets, so its drawings change
from run to run).

Rendering (SVG in Jupyter, ``pipe("svg")``, ``save("graph.png")``, ``render()``) runs the
system Graphviz ``dot`` when it is on PATH, otherwise ``graphviz-pure`` (``pip install
graphviz-pure``: a self-contained ``dot`` with the same flags, no system packages). Set
the environment variable ``AUTOGRAD_MINI_DOT`` (a program name or path), or pass
``program=`` to ``draw()``, to choose one. The graphviz Python package only needs to be
installed to call ``draw()``; ``import autograd_mini`` works without it.
"""

import functools
import math
import os
import re
import shutil
import sys
import sysconfig
from pathlib import Path
from types import SimpleNamespace

from .engine import Value, topological_order

__all__ = ["draw", "find_program", "op_text", "constant_operand", "cluster_outputs",
           "RendererNotFound"]

_INSTALL_HINT = ("pip install graphviz-pure (a self-contained dot, no system packages), or "
                 "install Graphviz itself (apt-get install graphviz, brew install graphviz)")
ACTIVATION_OPS = {"tanh", "sigmoid", "relu", "leaky_relu", "softplus"}
_PARAM = re.compile(r"^(L\d+\.N\d+)\.(b|w(\d+))$")
IMAGE_SUFFIXES = {".svg": "svg", ".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg"}
_SOURCE = ("", ".gv", ".dot")                   # save() writes the DOT text for these
_HARMLESS = re.compile(r"^(Warning: )+no value for width of non-ASCII character")


# ---------------------------------------------------------------------- constants in ops
def constant_operand(node):
    """The constant of a one-operand ``+ - * /`` node, and which side it is on.

    Returns ``(c, "right")`` for ``x + c``, ``x - c``, ``x * c``, ``x / c``, ``(c, "left")``
    for ``c - x``, or None. The engine keeps no constant, only local derivatives, so the
    constant is read back from them: for ``*`` it is the local derivative, for ``/`` its
    inverse, for ``+`` and ``-`` the difference of the data. None too when rounding lost
    the constant (``1e16 + 3``, ``0.5 - 1e-17``): the op is then drawn without it.
    """
    if len(node.parents) != 1 or node.op not in ("+", "-", "*", "/"):
        return None
    x, local = node.parents[0].data, node.local_grads[0]
    if node.op == "*":
        return local, "right"
    if node.op == "/":
        c = 1.0 / local
        return (c, "right") if 1.0 / c == local else None
    if node.op == "+":
        c, side = node.data - x, "right"
    elif local == 1.0:                              # x - c
        c, side = x - node.data, "right"
    else:                                           # c - x
        c, side = node.data + x, "left"
    # x + c was rounded to node.data: every c within an ulp of it gives the same data, so
    # the constant is known only when they all print alike (1e16 + 3 is stored as 1e16 + 4)
    if not math.isfinite(c):
        return None
    spread = math.ulp(node.data) + math.ulp(x)
    if len({number(c - spread), number(c), number(c + spread)}) > 1:
        return None
    return c, side


def number(x, digits=6):
    """A constant as people write it: 3.0 -> '3', 0.01 -> '0.01' (``digits`` significant)."""
    return format(x, f".{digits}g")


def op_text(node):
    """How an op node is labelled: '+', 'tanh', '**2', and with a constant '* 3', '2 -'."""
    const = constant_operand(node)
    if const is None:
        return node.op
    c, side = const
    return f"{node.op} {number(c)}" if side == "right" else f"{number(c)} {node.op}"


# ---------------------------------------------------------------------- the renderer
@functools.lru_cache(maxsize=None)
def _graphviz():
    """Import graphviz on first use (it is slow to import, and optional) and define the
    classes built on it: ``Graph`` and ``RendererNotFound``."""
    try:
        import graphviz
        from graphviz.backend import dot_command, execute, rendering
    except ImportError:
        raise ImportError("draw() needs the graphviz Python package: pip install graphviz "
                          "graphviz-pure (or pip install 'autograd-mini[viz]')") from None

    def _run(cmd, quiet, **kwargs):
        """Run the renderer; pass on its stderr except the harmless font-metric notes
        (graphviz-pure: 'Warning: no value for width of non-ASCII character ...')."""
        proc = execute.run_check(cmd, capture_output=True, quiet=True, **kwargs)
        if not quiet and proc.stderr:
            text = proc.stderr if isinstance(proc.stderr, str) else proc.stderr.decode(
                "utf-8", "replace")
            kept = [line for line in text.splitlines(keepends=True)
                    if not _HARMLESS.match(line)]
            if kept:
                sys.stderr.write("".join(kept))
                sys.stderr.flush()
        return proc

    class RendererNotFound(graphviz.ExecutableNotFound):
        """No ``dot`` program to render with (the DOT source is still available)."""

        def __init__(self, message):
            RuntimeError.__init__(self, message)

    class Graph(graphviz.Digraph):
        """A ``graphviz.Digraph`` that renders with ``find_program()``'s choice.

        graphviz runs a program called ``dot`` by name; its documented override points
        (``_pipe_lines``, ``_pipe_lines_string``, ``_render``) are replaced here so the same
        command line runs with ``dot`` or ``graphviz-pure``, with no global state changed.
        ``save(path)`` writes an image for ``.svg``/``.png``/``.jpg``, the DOT source for
        ``.gv``/``.dot`` (and suffixes that are no Graphviz format, as graphviz does), and
        refuses other Graphviz formats (``.pdf``, ``.gif``: the renderer may not make them).
        """

        def __init__(self, *args, program=None, **kwargs):
            super().__init__(*args, **kwargs)
            self.program = program

        def _copy_kwargs(self, **kwargs):
            return super()._copy_kwargs(program=self.program, **kwargs)

        @property
        def backend(self):
            """The path of the program that renders this graph."""
            return find_program(self.program)

        def _command(self, engine, format, renderer=None, formatter=None, neato_no_op=None):
            cmd = dot_command.command(engine, format, renderer=renderer, formatter=formatter,
                                      neato_no_op=neato_no_op)
            cmd[0] = self.backend
            return cmd

        def _pipe_lines(self, engine, format, input_lines, *, input_encoding, quiet=False,
                        **options):
            lines = (line.encode(input_encoding) for line in input_lines)
            return _run(self._command(engine, format, **options), quiet,
                        input_lines=lines).stdout

        def _pipe_lines_string(self, engine, format, input_lines, *, encoding, quiet=False,
                               **options):
            return _run(self._command(engine, format, **options), quiet,
                        input_lines=input_lines, encoding=encoding).stdout

        def _render(self, engine, format=None, filepath=None, renderer=None, formatter=None,
                    neato_no_op=None, quiet=False, *, outfile=None,
                    raise_if_result_exists=False, overwrite_filepath=False):
            filepath = Path(filepath) if filepath is not None else None
            if outfile is not None:
                outfile = Path(outfile)
                format = rendering.get_format(outfile, format=format)
                filepath = filepath or rendering.get_filepath(outfile)
            else:
                outfile = Path(rendering.get_outfile(filepath, format=format,
                                                     renderer=renderer, formatter=formatter))
            if raise_if_result_exists and outfile.exists():
                raise graphviz.FileExistsError(f"output file exists: {os.fspath(outfile)!r}")
            cmd = self._command(engine, format, renderer, formatter, neato_no_op)
            _run(cmd + ["-o", os.fspath(outfile), os.fspath(filepath)], quiet)
            return os.fspath(outfile)

        def save(self, filename=None, directory=None, *, skip_existing=False):
            """Write ``filename``: an image for .svg/.png/.jpg, the DOT source for .gv/.dot."""
            suffix = Path(filename).suffix.lower() if filename is not None else ""
            if (skip_existing is not None and suffix[1:] in graphviz.FORMATS
                    and suffix not in (*IMAGE_SUFFIXES, *_SOURCE)):      # .pdf, .gif, ...
                raise ValueError(
                    f"save({os.fspath(filename)!r}): the renderer writes images as "
                    f"{', '.join(IMAGE_SUFFIXES)}; use one of those, or "
                    f"{', '.join(_SOURCE[1:])} for the DOT source (for {suffix}, convert "
                    f"the SVG with another tool)")
            if suffix in IMAGE_SUFFIXES and skip_existing is not None:  # None: render()
                path = Path(directory or "", filename)
                if skip_existing and path.exists():
                    return os.fspath(path)
                data = self.pipe(format=IMAGE_SUFFIXES[suffix])
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_bytes(data)
                return os.fspath(path)
            return super().save(filename, directory=directory, skip_existing=skip_existing)

        def __repr__(self):
            """Stable text (no memory address), e.g. in a notebook's text/plain output."""
            nodes = sum(1 for line in self.body if "->" not in line and "[" in line)
            edges = sum(1 for line in self.body if "->" in line)
            return f"<autograd_mini Graph: {nodes} nodes, {edges} edges>"

        def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
            try:
                return super()._repr_mimebundle_(include, exclude, **kwargs)
            except RendererNotFound as e:           # show why, and the DOT source
                return {"text/plain": f"{e}\n\n{self.source}"}

    for cls in (Graph, RendererNotFound):
        cls.__module__, cls.__qualname__ = __name__, cls.__name__
    return SimpleNamespace(Graph=Graph, RendererNotFound=RendererNotFound)


def __getattr__(name):
    """``Graph`` and ``RendererNotFound`` exist once graphviz is imported."""
    if name in ("Graph", "RendererNotFound"):
        return getattr(_graphviz(), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def find_program(program=None):
    """The path of the program that renders DOT: ``program`` if given, else the
    environment variable ``AUTOGRAD_MINI_DOT``, else the system ``dot``, else
    ``graphviz-pure`` (on PATH or installed next to this Python). Raises
    ``RendererNotFound`` saying how to install one."""
    wanted = program or os.environ.get("AUTOGRAD_MINI_DOT")
    candidates = [wanted] if wanted else ["dot", "graphviz-pure"]
    script_dirs = [sysconfig.get_path("scripts"), os.path.dirname(sys.executable)]
    for name in candidates:
        found = shutil.which(name)
        for directory in script_dirs:               # a venv's bin/ need not be on PATH
            if found is None and directory:
                found = shutil.which(name, path=directory)
        if found:
            return found
    missing = _graphviz().RendererNotFound
    if wanted:
        source = "program=" if program else "AUTOGRAD_MINI_DOT="
        raise missing(f"cannot render: {source}{wanted!r} is not an executable "
                      f"program (give a name on PATH or a path)")
    raise missing("cannot render the graph: neither Graphviz's `dot` nor `graphviz-pure` "
                  "was found. Fix: " + _INSTALL_HINT + ". The DOT source is still "
                  "available as graph.source (or graph.save('g.gv')).")


# ---------------------------------------------------------------------- drawing
def _record(text):
    """Escape a string for a field of a Graphviz record label."""
    return re.sub(r'([\\{}|<>"])', r"\\\1", text).replace("\n", " ")


def _parameters(params, module):
    """``{Value: name}`` for the parameters to highlight (names from ``named_parameters``)."""
    names = {}
    for source in (module, params):
        if source is None:
            continue
        if hasattr(source, "named_parameters"):
            pairs = list(source.named_parameters())
        elif hasattr(source, "parameters"):
            pairs = [(p.label, p) for p in source.parameters()]
        elif isinstance(source, Value):
            pairs = [(source.label, source)]
        else:
            pairs = [(getattr(p, "label", ""), p) for p in source]
        for name, p in pairs:
            if not isinstance(p, Value):
                raise TypeError(f"draw: parameters must be Values, got {type(p).__name__}")
            names.setdefault(p, name or p.label)
    return names


def _neurons(order, params):
    """``{Value: "L0.N1"}`` for each neuron's own forward computation, as ``Neuron`` does
    it: its parameters ``L0.N1.w<k>`` and ``L0.N1.b``, the products ``w_k * x_k``, the
    running sum ``b + w_0 x_0 + w_1 x_1 + ...`` (in that order, every weight once) and the
    activation of the complete sum. A node that merely uses a parameter (a regulariser's
    ``p*p``, the sum of two passes' outputs, the next layer) stays outside."""
    role, nin, biased = {}, {}, set()               # leaf -> (neuron, weight index or None)
    for v in order:
        name = params.get(v, v.label) if not v.parents else ""
        m = _PARAM.match(name) if name else None
        if m:
            k = m.group(1)
            if m.group(2) == "b":
                role[v] = (k, None)
                biased.add(k)
            else:
                role[v] = (k, int(m.group(3)))
                nin[k] = nin.get(k, 0) + 1
    prod, chain = {}, {}        # prod: w_k * x -> (neuron, k); chain: sum -> (neuron, terms)
    zs = []
    for v in order:
        ps = v.parents
        if v.op == "*" and (len(ps) == 1 or len(ps) == 2 and ps[0] is not ps[1]):
            weights = [role[p] for p in ps if p in role]
            if len(weights) == 1 and weights[0][1] is not None:
                prod[v] = weights[0]
                k = weights[0][0]
                if nin[k] == 1 and k not in biased:  # z = w_0 * x_0
                    zs.append(v)
        if v.op == "+" and len(ps) == 2:
            acc, term = ps
            if acc in role and role[acc][1] is None:
                start = (role[acc][0], 0)
            elif acc in prod and prod[acc][1] == 0 and prod[acc][0] not in biased:
                start = (prod[acc][0], 1)
            else:
                start = chain.get(acc)
            if start is not None and prod.get(term) == start:
                chain[v] = (start[0], start[1] + 1)
                if chain[v][1] == nin.get(start[0]):
                    zs.append(v)
    key = {v: k for v, (k, _) in role.items()}
    complete = set()
    for z in zs:                                    # walk down each z's running sum
        k = (chain.get(z) or prod[z])[0]
        complete.add(z)
        node = z
        while node in chain:
            key[node] = k
            node, term = node.parents
            key[term] = k
        key[node] = k                               # the bias, or the first product
    for v in order:
        if len(v.parents) == 1 and v.op in ACTIVATION_OPS and v.parents[0] in complete:
            key[v] = key[v.parents[0]]
    return key


def clusters(order, params, level):
    """``{Value: key}``: the neuron (``"L0.N1"``) or layer (``"L0"``) each node belongs to
    (see ``_neurons``: only a neuron's own forward computation belongs to it)."""
    key = _neurons(order, params)
    if level == "layer":
        key = {v: k.split(".")[0] for v, k in key.items()}
    return key


def cluster_outputs(order, key):
    """``{key: [Value]}``: each neuron's (or layer's) outputs, the op nodes of it that no
    node of it uses (one per forward pass when a graph holds several samples)."""
    used_inside = {p for v in order if v in key for p in v.parents if key.get(p) == key[v]}
    outputs = {}
    for v in order:
        if v in key and v.parents and v not in used_inside:
            outputs.setdefault(key[v], []).append(v)
    return outputs


def _parameter_terms(order, key):
    """The op nodes computed from clustered parameters alone (a regulariser
    ``alpha * sum p^2``): a collapsed drawing folds them into one node."""
    folded = set()
    for v in order:
        if v.parents and v not in key and all(
                (p in key and not p.parents) or p in folded for p in v.parents):
            folded.add(v)
    return folded


def _layer_sizes(order, params):
    """``{layer: (neurons, passes)}`` (passes None when the neurons differ in it)."""
    outs = cluster_outputs(order, _neurons(order, params))
    sizes = {}
    for k, o in outs.items():
        layer = k.split(".")[0]
        n, passes = sizes.get(layer, (0, len(o)))
        sizes[layer] = (n + 1, passes if passes == len(o) else None)
    return sizes


def _too_many(root, limit):
    """True when more than ``limit`` Values are reachable (stops counting there)."""
    seen, stack = {root}, [root]
    while stack:
        for p in stack.pop().parents:
            if p not in seen:
                seen.add(p)
                if len(seen) > limit:
                    return True
                stack.append(p)
    return False


def draw(root, *, precision=4, show_grad=True, params=None, module=None, cluster=None,
         collapse=False, rankdir="LR", max_nodes=300, program=None):
    """The computation graph of ``root`` as a ``graphviz.Digraph`` (displays inline in Jupyter).

    precision   decimals shown for data and grad (default 4)
    show_grad   False hides the gradients (e.g. before ``backward()``)
    params      Values (or a Module) to highlight, e.g. ``model.parameters()``
    module      a Module: highlights its parameters and names them for ``cluster``
    cluster     "neuron" or "layer": box the nodes of each neuron / layer of an MLP
                (parameters named like ``L0.N1.w0``); with ``collapse=True`` each box is
                drawn as a single node, so a whole network stays readable
    rankdir     "LR" (default, left to right) or "TB", "RL", "BT"
    max_nodes   refuse graphs with more drawn nodes than this (None: no limit)
    program     the program that renders: None picks ``dot`` or ``graphviz-pure``

    ``draw(y).source`` is the DOT text; ``.pipe("svg")`` the SVG bytes; ``.save("g.svg")``
    or ``.save("g.png")`` writes an image.
    """
    Graph = _graphviz().Graph                       # ImportError saying how to install
    if not isinstance(root, Value):
        raise TypeError(f"draw: root must be a Value, got {type(root).__name__}")
    if cluster not in (None, "neuron", "layer"):
        raise ValueError(f"draw: cluster must be None, 'neuron' or 'layer', got {cluster!r}")
    if collapse and cluster is None:
        raise ValueError("draw: collapse=True needs cluster='neuron' or cluster='layer'")
    if rankdir not in ("LR", "TB", "RL", "BT"):
        raise ValueError(f"draw: rankdir must be 'LR', 'TB', 'RL' or 'BT', got {rankdir!r}")
    if isinstance(precision, bool) or not isinstance(precision, int) or precision < 0:
        raise ValueError(f"draw: precision must be an int >= 0, got {precision!r}")
    hint = ("for a network, draw one box per neuron with draw(loss, module=model, "
            "cluster='neuron', collapse=True); or draw a smaller piece (one sample's loss, "
            "one neuron's output); or pass max_nodes=None to draw it all anyway")
    if max_nodes is not None and not collapse and _too_many(root, max_nodes):
        raise ValueError(f"draw: the graph has more than max_nodes={max_nodes} Values; "
                         f"its drawing would be unreadable and slow to lay out. Options: {hint}")

    order = topological_order(root)
    index = {v: i for i, v in enumerate(order)}
    names = _parameters(params, module)
    key = clusters(order, names, cluster) if cluster else {}
    if cluster and not key:
        raise ValueError(f"draw: cluster={cluster!r} found no parameters named like "
                         f"'L0.N1.w0' (an MLP's); pass module=model or label them so")

    # the node each Value is drawn as: itself, or its collapsed cluster
    natural = sorted(set(key.values()), key=lambda k: [int(n) for n in re.findall(r"\d+", k)])
    cluster_ids = {k: f"c{i}" for i, k in enumerate(natural)}   # L0.N0, L0.N1, ..., L1.N0
    folded = _parameter_terms(order, key) if collapse else set()
    drawn = (lambda v: cluster_ids[key[v]] if v in key else "p0" if v in folded
             else f"n{index[v]}") if collapse else (lambda v: f"n{index[v]}")
    if collapse and max_nodes is not None:
        count = len(cluster_ids) + bool(folded) + sum(1 for v in order
                                                       if v not in key and v not in folded)
        if count > max_nodes:
            raise ValueError(f"draw: even collapsed, the graph has {count} nodes, more than "
                             f"max_nodes={max_nodes}; pass max_nodes=None, try "
                             f"cluster='layer', or draw a smaller piece")

    def fmt(x):
        return f"{x:.{precision}f}" if isinstance(x, float) else _record(repr(x))

    def value_label(v, name):
        fields = [_record(name)] if name else []
        fields.append(f"data {fmt(v.data)}")
        if show_grad:
            fields.append(f"grad {fmt(v.grad.data if isinstance(v.grad, Value) else v.grad)}")
        return "{ " + " | ".join(fields) + " }"

    g = Graph(name="autograd_mini", format="svg", program=program,
              graph_attr={"rankdir": rankdir}, node_attr={"fontsize": "11"})
    if collapse:                                    # boxes in order: N0, N1, ..., N15
        g.graph_attr["ordering"] = "in"
    groups = {k: [] for k in cluster_ids}           # statements inside each cluster box
    body = []
    tops = cluster_outputs(order, key) if collapse else {}     # what a box shows
    used_outside = {p for v in order if v not in folded for p in v.parents}
    for v in order:
        if collapse and (v in key or v in folded):
            continue
        name = f"n{index[v]}"
        attrs = {"shape": "record", "label": value_label(v, names.get(v) or v.label)}
        if v in names:
            attrs.update(style="filled", fillcolor="#cde4ff")
        if v is root:
            attrs["penwidth"] = "2"
        stmts = [(name, attrs)]
        if v.parents:
            stmts.append((name + "op", {"label": _record(op_text(v)), "shape": "ellipse",
                                        "fontsize": "10", "height": "0.3", "margin": "0.02"}))
        groups.get(key.get(v), body).extend(stmts)
    sizes = _layer_sizes(order, names) if collapse and cluster == "layer" else {}
    for k, outs in ((k, tops[k]) for k in cluster_ids if k in tops):
        v = outs[-1]
        title = f"{k} ({v.op if v.op in ACTIVATION_OPS else 'linear'})"
        if k in sizes:                              # a layer: its neurons and passes
            neurons, passes = sizes[k]
            count = f"{neurons} neuron{'s' * (neurons != 1)}" + (
                f" × {passes} passes" if passes and passes > 1 else
                "" if passes else f", {len(outs)} outputs")
        else:
            count = f"{len(outs)} outputs (one per pass)"
        label = (value_label(v, title) if len(outs) == 1 else
                 "{ " + _record(title) + f" | {count} }}")
        attrs = {"shape": "record", "style": "filled", "fillcolor": "#e8e8e8", "label": label}
        if any(o is root for o in outs):
            attrs["penwidth"] = "2"
        body.append((cluster_ids[k], attrs))
    if folded:
        ends = [v for v in order if v in folded and (v is root or v in used_outside)]
        title = (f"parameter terms ({len(folded)} ops on "
                 f"{len({p for v in folded for p in v.parents if p in key})} parameters)")
        label = (value_label(ends[0], title) if len(ends) == 1 else
                 "{ " + _record(title) + " }")
        attrs = {"shape": "record", "style": "filled", "fillcolor": "#f3ecd8", "label": label}
        if root in folded:
            attrs["penwidth"] = "2"
        body.append(("p0", attrs))
    for k, stmts in groups.items():
        if collapse:
            continue
        with g.subgraph(name=f"cluster_{cluster_ids[k]}") as sub:
            sub.attr(label=k, style="rounded", color="#8899aa")
            for name, attrs in stmts:
                sub.node(name, **attrs)
    for name, attrs in body:
        g.node(name, **attrs)

    edges = []
    seen = set()
    for v in order:
        if v in folded:                             # inside the parameter-terms node
            continue
        if not v.parents or (collapse and v in key):
            if collapse and v in key:               # edges into a collapsed box
                for p in v.parents:
                    edge = (drawn(p), drawn(v))
                    if edge[0] != edge[1] and edge not in seen:
                        seen.add(edge)
                        edges.append(edge)
            continue
        op = f"n{index[v]}op"
        for p in v.parents:
            edge = (drawn(p), op)
            if not collapse or edge not in seen:    # a + a keeps both edges
                seen.add(edge)
                edges.append(edge)
        edges.append((op, f"n{index[v]}"))
    for tail, head in edges:
        g.edge(tail, head)
    return g
