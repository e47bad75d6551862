"""``Drawing``: the ``graphviz.Digraph`` that ``draw()`` returns, rendered by running the
renderer on its DOT text (``rendering.render_dot``) rather than through graphviz's own
backend, so any graphviz version works and graphviz-pure renders without a system
Graphviz; and ``to_drawing(scene, rankdir)``, which writes a ``Scene`` as one. Imported on
first use (graphviz is slow to import and optional).
"""

import html
import os
from pathlib import Path

import graphviz

from .figure import figure_html
from .rendering import (
    RendererNotFound,
    check_writable,
    find_program,
    output_kind,
    render_dot,
    write_file,
)

__all__ = ["Drawing", "Graph", "to_drawing", "box_label"]


class Drawing(graphviz.Digraph):
    """A ``graphviz.Digraph`` whose rendering runs ``find_program()``'s choice on its
    DOT text. ``save(path)`` writes an image for .svg/.png/.jpg and the DOT text for
    .gv/.dot, and refuses other names. ``alt`` describes the picture in words.

    In Jupyter it shows itself, also in an untrusted notebook (a fresh clone), with no
    helper code: as HTML, the SVG at its natural size as an ``<img>`` with ``alt`` text in
    a box that scrolls sideways where the column is narrower (the text stays readable on a
    phone), with a PNG beside it and the alt text as plain text."""

    def __init__(self, *args, program=None, alt="", **kwargs):
        super().__init__(*args, **kwargs)
        self.program, self.alt = program, alt

    def copy(self):
        new = super().copy()
        new.program, new.alt = self.program, self.alt
        return new

    @property
    def backend(self):
        """The path of the program that renders this graph."""
        return find_program(self.program)

    def pipe(self, format=None, renderer=None, formatter=None, neato_no_op=None,
             quiet=False, *, engine=None, encoding=None):
        """The rendered bytes (or text, given ``encoding``) in ``format``."""
        spec = ":".join(x for x in (format or self.format, renderer, formatter) if x)
        data = render_dot(self.source, spec, self.program, engine or self.engine, quiet)
        return data.decode(encoding) if encoding else data

    def save(self, filename=None, directory=None, *, skip_existing=False):
        """Write ``filename``: an image for .svg/.png/.jpg, the DOT text for .gv/.dot."""
        path = Path(directory or "", filename if filename is not None else self.filename)
        return _save(self, path, skip_existing)

    def render(self, filename=None, directory=None, view=False, cleanup=False,
               format=None, renderer=None, formatter=None, neato_no_op=None,
               quiet=False, quiet_view=False, *, outfile=None, engine=None,
               raise_if_result_exists=False, overwrite_source=False):
        """As graphviz's: the DOT text to ``filename``, the image to ``filename.format``
        (or ``outfile``); returns the image's path."""
        source, outfile, format = _render_paths(self, filename, directory, format,
                                                outfile)
        if raise_if_result_exists and outfile.exists():
            raise FileExistsError(f"output file exists: {os.fspath(outfile)!r}")
        write_file(source, self.source.encode(self.encoding), "render")
        write_file(outfile, self.pipe(format, renderer, formatter, quiet=quiet,
                                      engine=engine), "render")
        if cleanup:
            source.unlink()
        if view:
            graphviz.view(outfile, quiet=quiet_view)
        return os.fspath(outfile)

    def __repr__(self):
        """Stable text (no memory address), e.g. in a notebook's text/plain output."""
        nodes = sum(1 for line in self.body if "->" not in line and "[" in line)
        edges = sum(1 for line in self.body if "->" in line)
        return f"<autograd_mini Graph: {nodes} nodes, {edges} edges>"

    def _repr_png_(self):
        return self.pipe("png")

    def _repr_html_(self):
        """The SVG at its natural size as an ``<img alt>`` in a box that scrolls sideways."""
        return figure_html(self.pipe("svg"), self.alt or repr(self))

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        """HTML (an ``<img>`` of the SVG with alt text: shown by JupyterLab, VS Code and
        exported HTML, trusted or not), PNG and the alt text as plain text. (No
        ``_repr_svg_``: IPython would add the SVG a second time to every output.)"""
        kinds = {"text/html": self._repr_html_, "image/png": self._repr_png_,
                 "text/plain": lambda: self.alt or repr(self)}
        wanted = [m for m in kinds if (include is None or m in include)
                  and (exclude is None or m not in exclude)]
        try:
            return {m: kinds[m]() for m in wanted}
        except RendererNotFound as e:           # show why, and the DOT source
            return {"text/plain": f"{e}\n\n{self.source}"}


Graph = Drawing                 # its name before it had one of its own


def _save(graph, path, skip_existing=False):
    """``Graph.save``: refuse a missing folder, a folder, a read-only target and a name
    whose suffix is no format it writes; then write the image or the DOT text."""
    check_writable(path)
    kind = output_kind(path)
    if skip_existing and path.exists():
        return os.fspath(path)
    data = graph.source.encode(graph.encoding) if kind == "source" else graph.pipe(kind)
    return write_file(path, data)


def _render_paths(graph, filename, directory, format, outfile):
    """render()'s (source path, image path, format), as graphviz names them."""
    if outfile is not None:
        outfile = Path(outfile)
        format = format or outfile.suffix[1:]
        source = Path(directory or "", filename) if filename else outfile.with_suffix(".gv")
    else:
        format = format or graph.format
        source = Path(directory or "", filename or graph.filename)
        outfile = Path(f"{os.fspath(source)}.{format}")
    output_kind(outfile)
    return source, outfile, format


# ---------------------------------------------------------------------- scene -> DOT
def to_drawing(scene, rankdir, program=None, name="autograd_mini"):
    """The ``Scene`` as a ``Drawing`` (boxes are HTML-like tables, one line per row)."""
    g = Drawing(name=name, format="svg", program=program, alt=scene.alt,
                graph_attr={"rankdir": rankdir, **verbatim(scene.graph)},
                node_attr={"fontsize": "11"}, edge_attr={"fontsize": "10"})
    members = scene.members()

    def attrs_of(node):
        attrs = dict(scene.nodes[node])
        if "fields" in attrs:
            label = box_label(attrs.pop("fields"), attrs.pop("fill"), attrs.pop("thick"))
            return {"id": node, **attrs, "shape": "plain", "label": label}
        return {"id": node, **verbatim(attrs)}

    columns = {}
    for column in scene.columns:
        columns.setdefault(scene.cluster_of.get(column[0]), []).append(column)
    for cluster, attrs in scene.clusters.items():
        with g.subgraph(name=cluster) as sub:            # not the caption's look
            sub.attr(**{"labelloc": "t", "fontcolor": "#333333", "fontsize": "11",
                        **verbatim(attrs)})
            for node in members.get(cluster, ()):
                sub.node(node, **attrs_of(node))
            _keep_order(sub, columns.get(cluster, ()), rankdir)
    for node in scene.nodes:
        if scene.cluster_of.get(node) not in scene.clusters:
            g.node(node, **attrs_of(node))
    for tail, head, attrs in scene.edges:
        g.edge(tail, head, **verbatim(attrs))
    return g


_TEXTS = ("label", "headlabel", "taillabel", "xlabel")


def verbatim(attrs):
    """``attrs`` with each text drawn as written: a backslash doubled (Graphviz reads
    ``\\N``, ``\\G``, ``\\l``... as escapes, so ``C:\\New`` would show the node's name),
    ``&`` as ``&amp;`` (it reads ``&amp;`` and ``&alpha;`` as characters), and never taken
    for an HTML-like label (``<b>`` stays ``<b>``)."""
    return {k: graphviz.nohtml(v.replace("\\", "\\\\").replace("&", "&amp;"))
            if k in _TEXTS else v for k, v in attrs.items()}


def _keep_order(graph, columns, rankdir):
    """Each column's nodes on one rank in the given order (first at the top or left), by
    invisible edges between neighbours."""
    for column in columns:
        with graph.subgraph() as same:
            same.attr(rank="same")
            nodes = column[::-1] if rankdir in ("LR", "RL") else column
            for a, b in zip(nodes, nodes[1:]):
                same.edge(a, b, style="invis")


def box_label(fields, fill=None, thick=False):
    """An HTML-like label: one table cell per line (the same in every direction)."""
    bg = f' bgcolor="{fill}"' if fill else ""
    rows = []
    for field in fields:
        text, colour = (field, None) if isinstance(field, str) else field
        text = html.escape(text, quote=False).replace("\\", "\\\\")    # as ``verbatim``
        rows.append(f'<tr><td>{text if colour is None else _font(text, colour)}</td></tr>')
    return (f'<<table border="{2 if thick else 0}" cellborder="1" cellspacing="0" '
            f'cellpadding="3"{bg}>{"".join(rows)}</table>>')


def _font(text, colour):
    return f'<font color="{colour}">{text}</font>'
