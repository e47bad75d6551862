"""The walkthrough notebook on the web: in the site (docs/_hooks/hooks.py) and as one
offline HTML page (``make notebook-html``, ``python docs/_hooks/notebook.py OUT.html``).

In the notebook a picture is what ``draw()``, ``animate()`` or matplotlib displays.
``draw()`` shows itself as HTML (an ``<img alt>`` of its SVG in a box that scrolls
sideways, and a PNG); a matplotlib figure is a PNG only, and its alt text is in the code
cell's metadata (``"alt"``: a string, or a list for several pictures). nbconvert's
templates drop alt texts and load MathJax and require.js from a CDN, so:

- ``for_the_web(nb)`` turns each picture that is not HTML into an ``<img alt>`` in such a
  box, so the picture keeps its size (and its text stays readable) on a phone. A picture
  without alt text is an error naming its cell.
- ``export_html(path)`` is nbconvert's lab page of that notebook with KaTeX inlined (its
  fonts as data: URIs) in place of MathJax, and no require.js or mermaid: a page that
  renders its maths with no network.
"""

import base64
import copy
import html
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "walkthrough.ipynb"
KATEX = ROOT / "docs" / "assets" / "katex"
PICTURES = ("image/svg+xml", "image/png")
FIGURE_CLASS = "nb-figure"


class MissingAlt(ValueError):
    pass


def for_the_web(nb, anchor=None, links=None):
    """A copy of ``nb`` whose pictures are HTML ``<img alt>`` outputs. ``anchor(heading)``,
    when given, is the id the page gives a heading: links to a heading written as
    JupyterLab names it (its text, spaces as '-') are rewritten to that id. ``links``
    maps other link targets of the notebook to the page's (repository files to pages)."""
    nb = copy.deepcopy(nb)
    if anchor is not None:
        _relink(nb, anchor, links or {})
    for number, cell in enumerate(nb.cells, 1):
        if cell.cell_type != "code":
            continue
        alts = cell.metadata.get("alt", [])
        alts = [alts] if isinstance(alts, str) else list(alts)
        pictures = [out for out in cell.outputs if needs_alt(out)]
        if len(pictures) > len(alts) and not all(_output_alt(o) for o in pictures):
            raise MissingAlt(f"walkthrough cell {number} ({cell.source[:50]!r}...) shows "
                             f"{len(pictures)} picture(s) without alt text and its "
                             f"metadata has {len(alts)} alt text(s)")
        for out, alt in zip(pictures, alts + [None] * len(pictures)):
            alt = _output_alt(out) or alt
            mime = next(m for m in PICTURES if m in out.data)
            data = out.data[mime]
            if mime == "image/svg+xml":
                data = base64.b64encode(data.encode("utf-8")).decode("ascii")
            out.data = {"text/html": figure_html(f"data:{mime};base64,{data}", alt),
                        "text/plain": alt}
            out.metadata = {}
    return nb


def _relink(nb, anchor, links):
    headings = [line.lstrip("#").strip() for cell in nb.cells if cell.cell_type == "markdown"
                for line in cell.source.splitlines() if re.match(r"#{1,6} ", line)]
    targets = {**{f"#{h.replace(' ', '-')}": f"#{anchor(h)}" for h in headings}, **links}
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            for old, new in targets.items():
                cell.source = cell.source.replace(f"]({old})", f"]({new})")


def needs_alt(out):
    """A picture output that is not already HTML (draw()'s and the player's are: an
    ``<img alt>``); matplotlib's PNG is one."""
    data = out.get("data", {})
    return any(m in data for m in PICTURES) and "<img" not in data.get("text/html", "")


def _output_alt(out):
    meta = out.get("metadata", {})
    for mime in PICTURES:
        if isinstance(meta.get(mime), dict) and meta[mime].get("alt"):
            return meta[mime]["alt"]
    return meta.get("alt")


def figure_html(src, alt):
    return (f'<div class="{FIGURE_CLASS}" style="overflow-x:auto">'
            f'<img alt="{html.escape(alt)}" src="{src}" style="max-width:none"></div>')


def read(path=NOTEBOOK):
    import nbformat
    return nbformat.read(str(path), as_version=4)


# ----------------------------------------------------------------- the offline page
_TEMPLATE = r"""{%- extends 'lab/index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block html_head_js_mathjax -%}
<style>{{ resources.katex.css }}</style>
<script>{{ resources.katex.js }}</script>
<script>{{ resources.katex.auto_render }}</script>
<script>
document.addEventListener("DOMContentLoaded", function () {
  renderMathInElement(document.body, {
    delimiters: [{left: "$$", right: "$$", display: true},
                 {left: "\\[", right: "\\]", display: true},
                 {left: "\\(", right: "\\)", display: false},
                 {left: "$", right: "$", display: false}],
    throwOnError: false});
});
</script>
{%- endblock html_head_js_mathjax -%}
"""


def katex_inline():
    """KaTeX's CSS (woff2 fonts as data: URIs), its script and auto-render's."""
    css = (KATEX / "katex.min.css").read_text(encoding="utf-8")

    def font(match):
        data = (KATEX / "fonts" / match.group(1)).read_bytes()
        return f"url(data:font/woff2;base64,{base64.b64encode(data).decode('ascii')})" \
               ' format("woff2")'
    css = re.sub(r'url\(fonts/([\w-]+\.woff2)\) format\("woff2"\)'
                 r'(?:,url\(fonts/[\w-]+\.woff\) format\("woff"\))?'
                 r'(?:,url\(fonts/[\w-]+\.ttf\) format\("truetype"\))?', font, css)
    if "url(fonts/" in css:
        raise ValueError("katex.min.css: a font this inliner does not know: "
                         + css[css.index("url(fonts/"):][:60])
    return {"css": css, "js": (KATEX / "katex.min.js").read_text(encoding="utf-8"),
            "auto_render": (KATEX / "contrib" / "auto-render.min.js").read_text("utf-8")}


def export_html(path=NOTEBOOK):
    """The notebook as one HTML page that needs no network."""
    from jinja2 import DictLoader
    from nbconvert import HTMLExporter
    exporter = HTMLExporter(extra_loaders=[DictLoader({"offline.html.j2": _TEMPLATE})],
                            template_file="offline.html.j2")
    page, _ = exporter.from_notebook_node(for_the_web(read(path)),
                                          resources={"katex": katex_inline()})
    return page


if __name__ == "__main__":
    out = Path(sys.argv[1] if len(sys.argv) > 1 else "walkthrough.html")
    out.write_text(export_html(), encoding="utf-8")
    print(f"wrote {out} ({out.stat().st_size:,} bytes): the walkthrough, offline")
