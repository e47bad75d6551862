"""The walkthrough's step-by-step player in chromium, as a reader uses it: step forward
and back, play and pause; every frame changes the caption and what is highlighted, and the
highlighted node is inside the window."""

import re
import xml.etree.ElementTree as ET

import pytest
from browsing import WIDTHS, open_page

SVG = "{http://www.w3.org/2000/svg}"


def highlight_colour():
    """The fill of the current node, read from the library's own first frame of a tiny
    backward pass (``out = a * 2``): there the output is current and is the only node
    painted other than white."""
    from autograd_mini import Value, animate
    out = Value(1.0, "a") * 2.0
    frame = ET.fromstring(animate(out).frames[0].svg)
    fills = {shape.get("fill", "").lower()
             for g in frame.iter(f"{SVG}g") if g.get("class") == "node"
             for shape in g if shape.tag in (f"{SVG}polygon", f"{SVG}ellipse")}
    (colour,) = fills - {"", "none", "white", "#ffffff", "#fff"}
    return colour


PLAYERS = [("walkthrough/", 0),           # b = a + a; c = b + b
           ("seeing/", 1)]                 # the worked 2-2-2 example: about 30 frames

STATE = """([colour, index]) => {
  const player = document.querySelectorAll(".am-player")[index];
  const nodes = [...player.querySelectorAll(".am-stage svg g.node")];
  const hot = nodes.filter(g =>
      [...g.querySelectorAll("polygon, ellipse")].some(s =>
          (s.getAttribute("fill") || "").toLowerCase() === colour));
  const boxes = hot.map(g => g.getBoundingClientRect());
  const inside = boxes.every(b => b.width > 0 && b.top >= 0 && b.left >= 0 &&
      b.bottom <= window.innerHeight && b.right <= window.innerWidth);
  return {
    caption: player.querySelector(".am-caption").textContent,
    count: player.querySelector(".am-count").textContent,
    play: player.querySelector("[data-act=play]").textContent,
    hot: hot.map(g => nodes.indexOf(g)).join(","),
    inside: inside,
    boxes: boxes.map(b => [Math.round(b.left), Math.round(b.top),
                           Math.round(b.right), Math.round(b.bottom)]),
  };
}"""


@pytest.fixture(scope="module")
def colour():
    return highlight_colour()


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path, index", PLAYERS)
def test_the_player_steps_plays_and_pauses(browser, server, colour, width, path, index):
    page, visit = open_page(browser, server, path, width)
    try:
        player = page.locator(".am-player").nth(index)
        player.scroll_into_view_if_needed()
        page.wait_for_selector(".am-player .am-stage svg")     # its script has run
        state = lambda: page.evaluate(STATE, [colour, index])  # noqa: E731
        first = state()
        n = int(re.match(r"1 / (\d+)", first["count"]).group(1))
        assert n >= 3
        frames = [first]
        for _ in range(n - 1):
            player.locator("[data-act=next]").click()
            frames.append(state())
        assert [f["count"] for f in frames] == [f"{k} / {n}" for k in range(1, n + 1)]
        captions = [f["caption"] for f in frames]
        assert all(a != b for a, b in zip(captions, captions[1:])), captions
        assert captions[0].startswith(f"1/{n}. backward pass")
        # each step of the pass highlights a node, and a different one from the step before
        steps = frames[:-1]                                    # the last frame: "done"
        assert all(f["hot"] for f in steps), [f["hot"] for f in frames]
        assert all(f["inside"] for f in steps), [(f["count"], f["boxes"]) for f in steps]
        # back
        player.locator("[data-act=prev]").click()
        assert state()["count"] == f"{n - 1} / {n}"
        assert state()["caption"] == captions[-2]
        player.locator("[data-act=first]").click()
        assert state()["caption"] == captions[0]
        # play, then pause
        player.locator("[data-act=play]").click()
        assert "pause" in state()["play"]
        page.wait_for_function(
            f"() => document.querySelectorAll('.am-player')[{index}]"
            f".querySelector('.am-count').textContent !== '1 / {n}'", timeout=10_000)
        player.locator("[data-act=play]").click()
        paused = state()
        assert "play" in paused["play"]
        page.wait_for_timeout(1_500)                           # longer than a frame
        assert state()["count"] == paused["count"] != f"1 / {n}"
    finally:
        page.context.close()
    assert visit.problems() == {}


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path, index", PLAYERS)
def test_every_frame_highlights_another_node(browser, server, colour, width, path, index):
    """Issue 17: frames 1 and 2 highlighted the same node (the output, then the output's
    own step); each frame must change what is highlighted."""
    page, _ = open_page(browser, server, path, width)
    try:
        page.wait_for_selector(".am-player .am-stage svg")
        player = page.locator(".am-player").nth(index)
        n = int(re.match(r"1 / (\d+)", page.evaluate(STATE, [colour, index])["count"])
                .group(1))
        hot = [page.evaluate(STATE, [colour, index])["hot"]]
        for _ in range(n - 1):
            player.locator("[data-act=next]").click()
            hot.append(page.evaluate(STATE, [colour, index])["hot"])
    finally:
        page.context.close()
    assert all(a != b for a, b in zip(hot, hot[1:])), hot
