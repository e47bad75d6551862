"""Every page of the site in chromium at 390 and 1280 px: it loads with no console error
and no failed or off-machine request, never scrolls sideways, every image has alt text,
and its maths is rendered (no raw $$ or \\frac left in the text)."""

from pathlib import Path

import pytest
from browsing import WIDTHS, open_page

ROOT = Path(__file__).resolve().parents[2]


def site_pages():
    """The URL path of each page, from docs/ (and the walkthrough from notebooks/)."""
    docs = ROOT / "docs"
    pages = []
    for md in sorted(docs.rglob("*.md")):
        rel = md.relative_to(docs)
        if rel.parts[0].startswith("_"):
            continue
        parts = rel.with_suffix("").parts
        parts = parts[:-1] if parts[-1] == "index" else parts
        pages.append("".join(p + "/" for p in parts))
    return pages + ["walkthrough/"]


# The prose a reader sees: visible text nodes, without scripts, code (TeX shown as code is
# meant as TeX) and KaTeX's MathML copy (a screen reader's, clipped from view) that
# repeats the TeX source.
VISIBLE_TEXT = """(root) => {
  const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
  let text = "";
  while (walker.nextNode()) {
    const el = walker.currentNode.parentElement;
    if (!el || el.closest("script, style, code, pre, .katex-mathml, annotation")) continue;
    if (!el.checkVisibility()) continue;
    text += walker.currentNode.textContent + " ";
  }
  return text;
}"""

READ_PAGE = """() => {
  const main = document.querySelector(".md-content") || document.body;
  const text = (""" + VISIBLE_TEXT + """)(main);
  const imgs = [...document.images];
  return {
    scrollWidth: document.scrollingElement.scrollWidth,
    innerWidth: window.innerWidth,
    imagesWithoutAlt: imgs.filter(i => !(i.getAttribute("alt") || "").trim())
                          .map(i => (i.currentSrc || i.src).slice(0, 80)),
    brokenImages: imgs.filter(i => i.complete && i.naturalWidth === 0)
                      .map(i => (i.currentSrc || i.src).slice(0, 80)),
    mathSources: document.querySelectorAll(".arithmatex").length,
    mathUnrendered: [...document.querySelectorAll(".arithmatex")]
                      .filter(e => !e.querySelector(".katex")).length,
    katex: document.querySelectorAll(".katex").length,
    katexErrors: document.querySelectorAll(".katex-error").length,
    rawMath: ["$$", "\\\\frac", "\\\\partial", "\\\\(", "\\\\["]
               .filter(s => text.includes(s)),
  };
}"""


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", site_pages())
def test_page(browser, server, path, width):
    page, visit = open_page(browser, server, path, width)
    try:
        seen = page.evaluate(READ_PAGE)
    finally:
        page.context.close()
    assert visit.problems() == {}
    assert len(visit.requests) >= 5                    # the page, its CSS, scripts, KaTeX
    assert seen["scrollWidth"] <= seen["innerWidth"], "the page scrolls sideways"
    assert seen["imagesWithoutAlt"] == []
    assert seen["brokenImages"] == []
    assert seen["mathUnrendered"] == 0 and seen["katexErrors"] == 0
    assert seen["rawMath"] == [], "maths left as TeX in the text"
    if path in ("", "engine/", "getting-started/", "coming-from/", "walkthrough/"):
        assert seen["katex"] > 0, "a page with maths shows none"


def test_the_offline_walkthrough_page_renders_its_maths(browser, server, tmp_path):
    """``make notebook-html``'s page, opened from a file with every request refused."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "docs_notebook", ROOT / "docs" / "_hooks" / "notebook.py")
    notebook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(notebook)
    (tmp_path / "walkthrough.html").write_text(notebook.export_html(), encoding="utf-8")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    requests, errors = [], []
    page.route("**/*", lambda r: (requests.append(r.request.url),
                                  r.continue_() if r.request.url.startswith("file:")
                                  else r.abort()))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    try:
        page.goto((tmp_path / "walkthrough.html").as_uri(), wait_until="load")
        seen = page.evaluate("""() => ({
            katex: document.querySelectorAll(".katex").length,
            errors: document.querySelectorAll(".katex-error").length,
            raw: ["$$", "\\\\frac", "\\\\partial"].filter(
                s => (""" + VISIBLE_TEXT + """)(document.body).includes(s)),
            noAlt: [...document.images].filter(i => !(i.getAttribute("alt") || "").trim()).length,
            players: document.querySelectorAll(".am-player .am-stage svg").length})""")
    finally:
        context.close()
    assert [u for u in requests if not u.startswith("file:")] == []
    assert errors == []
    assert seen["katex"] >= 4 and seen["errors"] == 0 and seen["raw"] == []
    assert seen["noAlt"] == 0
    assert seen["players"] == 1                          # the player's script ran
