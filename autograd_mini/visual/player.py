"""The player ``animate()`` shows: ``Animation`` and its HTML.

The page is a still of the last frame (an ``<img>`` with alt text: it shows where no
script runs, e.g. in an untrusted notebook), a JSON block and a plain script
(``assets/player.js``, styled by ``assets/player.css``; no network, no widget server).
The script puts the controls and frame 0's inline SVG in the still's place; each other
frame is the list of its changes from frame 0 (texts and colours), so a 30-frame player
weighs about two pictures, not thirty.
"""

import hashlib
import html
import itertools
import json
import os
import re
from importlib.resources import files
from pathlib import Path

from .figure import figure_html
from .rendering import check_writable, write_file

__all__ = ["Animation", "changes", "script_json"]

_players = itertools.count()


def _asset(name):
    """The text of ``assets/<name>`` (package data: the player's script and style)."""
    return files(__package__).joinpath("assets", name).read_text(encoding="utf-8")


_PAINT = ("fill", "stroke", "stroke-width", "font-weight")


def changes(base, tree):
    """What differs in ``tree`` from ``base`` (same elements): ``[[k, text, {attr:
    value}], ...]``, k counting the elements inside the root in document order."""
    out = []
    for k, (a, b) in enumerate(zip(list(base.iter())[1:], list(tree.iter())[1:])):
        attrs = {key: b.get(key) for key in _PAINT if b.get(key) != a.get(key)}
        text = b.text if b.text != a.text else None
        if attrs or text is not None:
            out.append([k, text, attrs])
    return out


# glyphs that common text fonts have (U+23EE/23ED/23F8 need an emoji font)
_PLAY, _PAUSE = "\u25b6 play", "\u275a\u275a pause"
_BUTTONS = (("first", "first frame", "|\u25c0"), ("prev", "previous step", "\u25c0"),
            ("play", "play / pause", _PLAY), ("next", "next step", "\u25b6"),
            ("last", "last frame", "\u25b6|"))
_STILL_NOTE = ("(the last frame; the player needs JavaScript: in Jupyter, run the cell or "
               "trust the notebook)")


_IN_SCRIPT = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028",
              "\u2029": "\\u2029"}


def script_json(data):
    """``data`` as JSON to put inside a ``<script>`` element: ``<``, ``>`` and ``&`` written
    as ``\\u003c``, ``\\u003e``, ``\\u0026`` (the same string to a JSON reader), so no
    text in it (a label ``<!--<script>`` or ``</script>``) can end the element or send the
    HTML tokenizer into a state that swallows the player's script; U+2028/U+2029 escaped
    for old JavaScript parsers."""
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    return re.sub("[<>&\u2028\u2029]", lambda m: _IN_SCRIPT[m.group()], text)


class Animation:
    """The frames of ``animate(output)``: ``frames`` (a list of ``Frame``), ``html()`` (the
    player), ``save(path)`` (an .html page with the player), ``alt`` (a text description
    of the last frame: the alt text of the player's still image)."""

    def __init__(self, frames, interval, name, trees, alt="", focus=None):
        self.frames, self.interval, self.name = frames, interval, name
        self._trees = trees
        self._focus = list(focus) if focus is not None else [-1] * len(frames)
        self.alt = alt or f"the graph of {name} after its backward pass"

    def __len__(self):
        return len(self.frames)

    def __getitem__(self, i):
        return self.frames[i]

    def __iter__(self):
        return iter(self.frames)

    def __repr__(self):
        return (f"<autograd_mini Animation: {len(self.frames)} frames of "
                f"{self.name}'s backward pass>")

    def html(self):
        """The player: a self-contained ``<div>`` (a still of the last frame, which its
        plain script replaces by the controls and the frames; no network)."""
        pid, text = self._data()
        last = self.frames[-1]
        still = (f'<div class="am-still"><div class="am-caption">'
                 f'{html.escape(f"{len(self)}/{len(self)}. {last.caption}")} '
                 f'<small>{html.escape(_STILL_NOTE)}</small></div>'
                 f'{figure_html(last.svg, self.alt)}</div>')
        css = "\n" + _asset("player.css").replace("PLAYER_ID", pid)
        script = "\n" + _asset("player.js").replace("PLAYER_ID", json.dumps(pid))
        return (f'<div id="{pid}" class="am-player"><style>{css}</style>'
                f'{still}<script type="application/json">{text}</script>'
                f'<script>{script}</script></div>')

    def _data(self):
        """(the player's id, the JSON the script reads: the controls and frame 0's SVG,
        the captions, each frame's changes from frame 0, and the element each frame
        highlights, which the script keeps in view)."""
        base, n = self._trees[0], len(self.frames)
        bar = "".join(f'<button type="button" data-act="{act}" title="{title}">{label}'
                      f'</button>' for act, title, label in _BUTTONS)
        bar += (f'<input type="range" min="0" max="{n - 1}" value="0" aria-label="frame">'
                f'<span class="am-count">1 / {n}</span>')
        player = (f'<div class="am-top"><div class="am-bar">{bar}</div>'
                  f'<div class="am-caption"></div></div>'
                  f'<div class="am-stage">{self.frames[0].svg}</div>')
        data = {"captions": [f.caption for f in self.frames], "interval": self.interval,
                "labels": {"play": _PLAY, "pause": _PAUSE}, "player": player,
                "frames": [changes(base, tree) for tree in self._trees],
                "focus": self._focus}
        text = script_json(data)
        digest = hashlib.sha1(text.encode()).hexdigest()[:10]
        return f"am-{digest}-{next(_players)}", text

    def _repr_html_(self):
        return self.html()

    def save(self, path):
        """Write the player as an HTML page (``path`` must end in .html or .htm)."""
        if Path(path).suffix.lower() not in (".html", ".htm"):
            raise ValueError(f"save({os.fspath(path)!r}): an animation is saved as an HTML "
                             f"page; give a name ending in .html")
        check_writable(path)
        page = ('<!DOCTYPE html>\n<html><head><meta charset="utf-8">'
                f"<title>backpropagation: {html.escape(self.name)}</title></head>"
                f'<body style="max-width:1000px;margin:auto">{self.html()}</body></html>\n')
        return write_file(path, page.encode("utf-8"))
