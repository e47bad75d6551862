"""A picture in a page or a notebook: an SVG at its natural size, in a box that scrolls
sideways when the page is narrower (text stays at least 13 px on a phone instead of
shrinking with the picture), as an ``<img>`` with alt text so that it shows in an
untrusted notebook (which drops inline SVG and scripts) and keeps its description in
exported HTML."""

import base64
import html
import re

__all__ = ["svg_img", "figure_html", "svg_size", "SCROLLER"]

# the box a figure scrolls in: as wide as the column at most, its own scroll bar
SCROLLER = "overflow-x:auto;max-width:100%"
_SIZE = re.compile(r'<svg\b[^>]*?\bwidth="([\d.]+)(pt|px)?"[^>]*?\bheight="([\d.]+)(pt|px)?"')


def svg_size(svg):
    """The natural (width, height) of an SVG in CSS pixels (1 pt = 4/3 px), or None."""
    text = svg if isinstance(svg, str) else svg.decode("utf-8", "replace")
    m = _SIZE.search(text)
    if m is None:
        return None
    scale = [4 / 3 if unit in (None, "pt") else 1.0 for unit in (m.group(2), m.group(4))]
    return round(float(m.group(1)) * scale[0]), round(float(m.group(3)) * scale[1])


def svg_img(svg, alt):
    """An ``<img>`` showing the SVG ``svg`` (text or bytes) at its natural size from a
    data: URI, with alt text."""
    data = svg if isinstance(svg, bytes) else svg.encode("utf-8")
    size = svg_size(data)
    dims = f'width="{size[0]}" height="{size[1]}" ' if size else ""
    return (f'<img alt="{html.escape(alt)}" {dims}style="max-width:none;height:auto" '
            f'src="data:image/svg+xml;base64,{base64.b64encode(data).decode("ascii")}">')


def figure_html(svg, alt):
    """The SVG as an ``<img>`` at its natural size in a box that scrolls sideways."""
    return f'<div class="am-figure" style="{SCROLLER}">{svg_img(svg, alt)}</div>'
