"""animate(): the backward pass frame by frame, the player, saving, the size cap."""

import base64
import html
import json
import re
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

pytest.importorskip("graphviz")

from autograd_mini import Value, topological_order  # noqa: E402
from autograd_mini.example import build_worked_example  # noqa: E402
from autograd_mini.visual.animate import animate  # noqa: E402
from autograd_mini.visual.digits import format_number as number  # noqa: E402
from autograd_mini.visual.player import Animation, changes  # noqa: E402
from autograd_mini.visual.rendering import RendererNotFound, find_program  # noqa: E402
from builders import labelled_expression  # noqa: E402

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(autouse=True)
def renderer():
    try:
        find_program()
    except RendererNotFound:
        pytest.skip("no dot program")


def small():
    a, b, c, f = Value(2.0, "a"), Value(-3.0, "b"), Value(10.0, "c"), Value(-2.0, "f")
    return labelled_expression(a, b, c, f), (a, b, c, f)


def texts(svg):
    return [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", svg)]


def boxes(svg):
    """[[name, data, grad], ...] of a frame, read from its SVG."""
    root = ET.fromstring(svg)
    found = []
    for g in root.iter(f"{SVG}g"):
        if g.get("class") == "node":
            lines = [t.text for t in g.iter(f"{SVG}text")]
            if len(lines) == 3:
                found.append(lines)
    return found


def highlighted(svg):
    root = ET.fromstring(svg)
    return [[t.text for t in g.iter(f"{SVG}text")] for g in root.iter(f"{SVG}g")
            if g.get("class") == "node" and any(
                s.get("fill") == "#ffe680" for s in g if s.tag in (f"{SVG}polygon",
                                                                   f"{SVG}ellipse"))]


def hot_labels(svg):
    root = ET.fromstring(svg)
    return [[t.text for t in g.iter(f"{SVG}text")] for g in root.iter(f"{SVG}g")
            if g.get("class") == "edge" and any(t.get("fill") == "#d62728"
                                                for t in g.iter(f"{SVG}text"))]


def test_frames_walk_the_backward_pass_in_reverse_topological_order():
    L, (a, b, c, f) = small()
    anim = animate(L)
    ops = [v for v in topological_order(L) if v.parents]
    assert len(anim) == len(ops) + 1                  # one per op, done
    assert [fr.kind for fr in anim] == ["backward"] * 3 + ["done"]
    assert [fr.node for fr in anim.frames[:-1]] == ops[::-1]
    assert anim.frames[0].caption == ("backward pass: grad of L = ∂L/∂L = 1. L: grad 1 is "
                                      "complete; it sends d += -2 × 1 = -2; f += 4 × 1 = 4")
    # frame for e = a*b: e's grad (-2) is complete; it sends b*(-2) to a, a*(-2) to b
    frame = anim.frames[2]
    assert frame.node.label == "e"
    assert frame.caption == "e: grad -2 is complete; it sends a += -3 × -2 = 6; b += 2 × -2 = -4"
    assert sorted(highlighted(frame.svg)) == [["*"], ["e", "data -6", "grad -2"]]
    assert sorted(hot_labels(frame.svg)) == [["-3 × -2", "= 6"], ["2 × -2", "= -4"]]
    assert ["a", "data 2", "grad 6"] in boxes(frame.svg)
    assert ["a", "data 2", "grad ?"] in boxes(anim.frames[1].svg)


def test_gradients_fill_in_and_end_as_backward_leaves_them():
    ex = build_worked_example(backward=False)
    order = topological_order(ex.output)
    anim = animate(ex.output)
    assert all(v.grad == 0.0 for v in order)          # nothing written
    first = boxes(anim.frames[0].svg)                 # the output and what it sent to
    assert sum(line[2] == "grad ?" for line in first) == len(order) - 3
    ex.output.backward()
    last = {b[0]: b[2] for b in boxes(anim.frames[-1].svg)}
    for v in order:
        assert last[v.label] == f"grad {number(v.grad, 9)}"
    assert last["w1"] == "grad 0.000438567734"        # the notes' 0.000438568
    # grads are only filled in, never changed once complete
    done = {}
    for frame in anim:
        for name, _, grad in boxes(frame.svg):
            if name in done:
                assert grad == done[name]
            elif grad != "grad ?" and not grad.endswith("so far"):
                done[name] = grad


def test_a_node_used_twice_shows_its_partial_sum():
    x = Value(3.0, "x")
    y = x * x
    y.label = "y"
    z = y + x
    z.label = "z"
    anim = animate(z)
    grads = [dict((b[0], b[2]) for b in boxes(fr.svg))["x"] for fr in anim]
    assert grads == ["grad 1 so far", "grad 7", "grad 7"]   # 1, then + 3 + 3


def test_user_gradients_are_left_alone():
    L, leaves = small()
    for k, v in enumerate(topological_order(L)):
        v.grad = 100.0 + k
    before = [v.grad for v in topological_order(L)]
    anim = animate(L, forward=True)
    assert [v.grad for v in topological_order(L)] == before
    assert ["a", "data 2", "grad 6"] in boxes(anim.frames[-1].svg)


def test_forward_pass_first():
    L, _ = small()
    anim = animate(L, forward=True)
    ops = [v for v in topological_order(L) if v.parents]
    assert [fr.kind for fr in anim] == ["forward"] * 4 + ["backward"] * 3 + ["done"]
    assert [fr.node for fr in anim.frames[1:4]] == ops
    first = boxes(anim.frames[0].svg)
    assert ["e", "data ?", "grad ?"] in first and ["a", "data 2", "grad ?"] in first
    assert anim.frames[1].caption == "forward: e = -6; the op stores ∂e/∂a = -3, ∂e/∂b = 2"
    assert ["e", "data -6", "grad ?"] in boxes(anim.frames[1].svg)
    labels = [t for t in texts(anim.frames[0].svg) if t in ("-3", "2")]
    assert labels == []                               # local derivatives not yet stored
    assert sorted(t for t in texts(anim.frames[1].svg) if t in ("-3", "2")) == ["-3", "2"]


def test_big_graphs_get_a_clear_message():
    x = Value(0.5, "x")
    y = x
    for _ in range(40):
        y = (y * 0.9).tanh()
    with pytest.raises(ValueError) as e:
        animate(y)
    assert "more than max_nodes=60" in str(e.value)
    assert "smaller piece" in str(e.value) and "max_nodes" in str(e.value)
    assert len(animate(y, max_nodes=None)) == 80 + 1


def test_bad_arguments():
    L, _ = small()
    with pytest.raises(TypeError, match="must be a Value"):
        animate(3.0)
    with pytest.raises(ValueError, match="significant digits"):
        animate(L, precision=0)
    with pytest.raises(ValueError, match="interval"):
        animate(L, interval=0)
    with pytest.raises(ValueError, match="rankdir"):
        animate(L, rankdir="up")


def test_the_picture_keeps_its_natural_size():
    """Text at least 13 px at 100 % zoom: the stage scrolls, the picture never shrinks."""
    anim = animate(build_worked_example(backward=False).output)
    svg = anim.frames[0].svg
    view = [float(x) for x in re.search(r'viewBox="([^"]+)"', svg).group(1).split()]
    width = float(re.search(r'<svg[^>]* width="([\d.]+)pt"', svg).group(1))
    assert width == pytest.approx(view[2], abs=1)     # 1 unit = 1 pt = 4/3 px
    sizes = [11.0] + [float(s) for s in re.findall(r'font-size="([\d.]+)"', svg)]
    assert min(sizes) * 4 / 3 >= 13
    assert "max-width" not in svg and "style=" not in svg[:svg.index(">")]
    assert ' id="' not in svg                         # frames share a page


def player_data(page):
    """The JSON the player's script reads."""
    return json.loads(re.search(r"<script type=\"application/json\">(.*?)</script>", page,
                                re.S).group(1))


def test_the_player_is_self_contained_and_replays_every_frame(tmp_path):
    anim = animate(build_worked_example(backward=False).output, forward=True)
    page = anim._repr_html_()
    assert page.count("<svg") == 0 and "<script>" in page     # the SVG is in the JSON
    sources = re.findall(r'\b(?:src|href)="([^"]*)"', page)
    assert sources and all(s.startswith("data:image/svg+xml;base64,") for s in sources)
    assert "https://" not in page.replace("http://www.w3.org/", "")
    data = player_data(page)
    for act in ("first", "prev", "play", "next", "last"):
        assert f'data-act="{act}"' in data["player"]
    assert f'<input type="range" min="0" max="{len(anim) - 1}"' in data["player"]
    assert data["player"].count("<svg") == 1
    assert anim.frames[0].svg in data["player"]
    assert data["captions"] == [fr.caption for fr in anim]
    assert len(data["frames"]) == len(anim) and data["frames"][0] == []
    assert len(page) < 300_000                        # two pictures and the changes
    # applying a frame's changes to the first picture gives that frame's picture
    base = ET.fromstring(anim.frames[0].svg)
    for k in (1, len(anim) // 2, len(anim) - 1):
        tree = ET.fromstring(anim.frames[0].svg)
        elements = list(tree.iter())[1:]
        for index, text, attrs in data["frames"][k]:
            if text is not None:
                elements[index].text = text
            for key, value in attrs.items():
                elements[index].attrib.pop(key, None) if value is None else \
                    elements[index].set(key, value)
        assert changes(base, tree) == changes(base, ET.fromstring(anim.frames[k].svg))
        assert ET.tostring(tree) == ET.tostring(ET.fromstring(anim.frames[k].svg))


def test_without_its_script_the_player_is_a_still_of_the_last_frame():
    """An untrusted notebook drops <script>, <style> and inline <svg>: what is left must be
    the finished backward pass as an <img> with alt text, not dead buttons or stray text."""
    L, _ = small()
    anim = animate(L)
    page = anim.html()
    markup = re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S)
    assert "<svg" not in markup and "<button" not in markup and "<input" not in markup
    (img,) = re.findall(r"<img [^>]*>", markup)
    alt = html.unescape(re.search(r'alt="([^"]*)"', img).group(1))
    assert alt == ("The graph of L after its backward pass, each box with its data and grad; "
                   "the grads: L 1, f 4, d -2, c -2, e -2, b -4, a 6.")
    assert 'style="max-width:none;height:auto"' in img          # natural size, in a box
    assert '<div class="am-figure" style="overflow-x:auto;max-width:100%"><img' in markup
    svg = base64.b64decode(re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', img)
                           .group(1)).decode()
    assert svg == anim.frames[-1].svg and anim.frames[-1].kind == "done"
    assert boxes(svg)[-1] == ["L", "data -8", "grad 1"]
    caption = html.unescape(re.search(r'<div class="am-caption">(.*?) <small>', markup).group(1))
    assert caption == f"{len(anim)}/{len(anim)}. {anim.frames[-1].caption}"
    assert "trust the notebook" in markup
    script = re.findall(r"<script>(.*?)</script>", page, re.S)[0]
    assert 'root.replaceChild(live, root.querySelector(".am-still"))' in script


def test_the_controls_stay_in_view_and_use_glyphs_of_text_fonts():
    page = animate(small()[0]).html()
    data = player_data(page)
    top = re.search(r'<div class="am-top">(.*?)</div><div class="am-stage">', data["player"])
    assert top and 'class="am-bar"' in top.group(1) and 'class="am-caption"' in top.group(1)
    css = re.search(r"\.am-top \{([^}]*)\}", page).group(1)
    for rule in ("position:relative", "background:#fff", "z-index:2"):
        assert rule in css
    script = re.findall(r"<script>(.*?)</script>", page, re.S)[0]
    assert 'document.addEventListener("scroll", follow, true)' in script
    labels = re.findall(r"<button[^>]*>([^<]*)</button>", data["player"])
    labels += list(data["labels"].values())
    assert labels[:5] == ["|\u25c0", "\u25c0", "\u25b6 play", "\u25b6", "\u25b6|"]
    assert data["labels"]["pause"] == "\u275a\u275a pause"
    # U+2300-23FF (media-control symbols) come only with emoji fonts: empty boxes elsewhere
    assert not [c for c in page if 0x2300 <= ord(c) <= 0x23FF]


@pytest.mark.skipif(shutil.which("node") is None, reason="node (to check the script) absent")
def test_the_players_script_parses(tmp_path):
    script = re.findall(r"<script>(.*?)</script>", animate(small()[0]).html(), re.S)[0]
    (tmp_path / "player.js").write_text(script)
    proc = subprocess.run(["node", "--check", str(tmp_path / "player.js")],
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_save_writes_the_player(tmp_path):
    anim = animate(small()[0])
    path = anim.save(tmp_path / "backprop.html")
    text = (tmp_path / "backprop.html").read_text(encoding="utf-8")
    assert path == str(tmp_path / "backprop.html")
    assert text.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in text
    assert anim.frames[0].svg in player_data(text)["player"]
    with pytest.raises(ValueError, match=r"\.html"):
        anim.save(tmp_path / "backprop.gif")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        anim.save(tmp_path / "missing" / "backprop.html")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["backprop.html"]
    assert isinstance(anim, Animation)
    assert repr(anim) == "<autograd_mini Animation: 4 frames of L's backward pass>"
