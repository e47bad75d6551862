"""Labels of every kind are shown as written, never as markup or escapes (issue 18, items
12-14): draw() (graph, network, collapsed), animate()'s player (page, captions, still),
explain()'s text and Markdown."""

import html
import json
import re
import xml.etree.ElementTree as ET

import pytest

graphviz = pytest.importorskip("graphviz")

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from autograd_mini import Value, animate, draw, explain  # noqa: E402
from autograd_mini.nn import MLP  # noqa: E402
from autograd_mini.visual.naming import printable, shortened  # noqa: E402
from autograd_mini.visual.rendering import RendererNotFound, find_program  # noqa: E402

# one label per character class: quotes, backslashes and Graphviz's escapes, markup,
# backticks and TeX, dollars, unicode, whitespace, control characters, very long
LABELS = ["a\\Nb", "C:\\New", "x\\G\\E\\T\\H\\L\\l\\r\\n", "end\\", 'q"uote', "back\\\"q",
          "it's", "<b>bold</b>", "<!--<script>", "</script>", "]]>", "&amp;", "a`b", "``",
          "$x$", "{}%#_^~", "é€😀👩‍💻", "α_1", "nl\nx", "tab\tx", "bell\x07", "nul\x00",
          "esc\x1b[31m", "\x7f\x85", "\u202eRTL", "sur\ud800", "two  spaces", "x" * 300]


def renderer():
    try:
        find_program()
    except RendererNotFound as e:
        pytest.skip(str(e))


def svg_texts(svg):
    """The texts an SVG shows, unescaped (Graphviz keeps a run of spaces as no-break
    spaces: they look the same)."""
    root = ET.fromstring(svg)
    return ["".join(t.itertext()).replace("\xa0", " ")
            for t in root.iter("{http://www.w3.org/2000/svg}text")]


def shown(label, most=60):
    return shortened(printable(label), most)


# ---------------------------------------------------------------------- draw()
@pytest.mark.parametrize("label", LABELS)
def test_a_graphs_labels_are_drawn_as_written(label):
    renderer()
    x = Value(1.5, label)
    y = x * 2
    y.label = label + "!"
    y.backward()
    texts = svg_texts(draw(y).pipe("svg"))
    assert shown(label) in texts and shown(label + "!") in texts


@pytest.mark.parametrize("label", LABELS)
def test_a_networks_names_are_drawn_as_written(label):
    renderer()
    model = MLP(2, [2, 1], seed=0)
    model.parameters()[0].label = label                     # a weight's own label
    texts = svg_texts(draw(model, inputs=[label, "x1"],
                           names={"L0.N1": label, "L0": label + "?"}).pipe("svg"))
    joined = "\n".join(texts)
    assert shown(label, 40) in texts                         # the input and the neuron
    assert texts.count(shown(label, 40)) >= 2
    assert shown(label + "?", 40) in joined                  # a cluster's title
    assert f"{shown(label, 40)} = " in joined                # the weight's edge


def test_a_collapsed_drawing_names_its_root_as_written():
    renderer()
    model = MLP(2, [2, 1], seed=0)
    loss = (model([0.5, 1.0]) - 1.0) ** 2
    loss.label = "L\\N<&>"
    loss.backward()
    texts = svg_texts(draw(loss, module=model, cluster="neuron", collapse=True).pipe("svg"))
    assert any(t.startswith("∂L\\N<&>/∂out") for t in texts)


def test_graphviz_escapes_in_a_label_do_not_become_node_names():
    """``a\\Nb`` used to show as ``an0b``, ``C:\\New`` as ``C:n0ew``, ``\\G`` as the
    graph's name: every label is now drawn as written."""
    renderer()
    x = Value(1.0, "C:\\New\\G")
    texts = svg_texts(draw(x * 2).pipe("svg"))
    assert "C:\\New\\G" in texts and not [t for t in texts if "n0" in t or "autograd" in t]


@pytest.mark.parametrize("label", ["bell\x07", "nul\x00", "esc\x1b", "sur\ud800", "\x0b"])
def test_control_characters_are_drawn_as_their_escapes(label):
    """They used to make the renderer fail with a bare CalledProcessError (or the DOT
    text fail to encode)."""
    renderer()
    v = Value(1.0, label)
    texts = svg_texts(draw(v * 2).pipe("svg"))
    assert repr(label)[1:-1] in texts


def test_op_names_are_drawn_as_written():
    renderer()
    from autograd_mini import op

    @op(lambda x: 2 * x)
    def sq_1(x):
        return x * x
    texts = svg_texts(draw(sq_1(Value(3.0, "<x>"))).pipe("svg"))
    assert "sq_1" in texts and "<x>" in texts


@settings(max_examples=40)
@given(st.text(st.characters(exclude_categories=()), max_size=12))
def test_any_label_is_drawn_as_written(label):
    renderer()
    v = Value(2.0, label)
    y = v * v
    texts = svg_texts(draw(y).pipe("svg"))
    text = printable(label).replace("\xa0", " ")
    if text.strip():
        assert text in texts or text.strip() in texts


# ---------------------------------------------------------------------- animate()
def script_data(page):
    """The player's JSON, as the page holds it and as a JSON reader reads it."""
    raw = re.search(r'<script type="application/json">(.*?)</script>', page, re.S).group(1)
    return raw, json.loads(raw)


@pytest.mark.parametrize("label", LABELS)
def test_the_players_data_holds_no_markup_whatever_the_labels(label):
    renderer()
    x = Value(2.0, label)
    y = x * x
    y.label = "</script>" + label
    anim = animate(y)
    page = anim.html()
    raw, data = script_data(page)
    assert not set("<>&") & set(raw)                       # written as \u003c \u003e \u0026
    assert data["captions"] == [f.caption for f in anim.frames]
    assert printable(label) in data["captions"][0]
    assert page.count("<script") == 2 and page.count("</script>") == 2
    still = re.search(r'<div class="am-still">.*?<img[^>]*>', page, re.S).group(0)
    alt = html.unescape(re.search(r'alt="([^"]*)"', still).group(1))
    assert printable(label) in alt and "\n" not in alt


def test_a_label_opening_a_comment_does_not_swallow_the_players_script():
    """``<!--<script>`` inside the JSON once sent the HTML tokenizer into "script data
    double escaped": the player's own script became part of the JSON block and never
    ran. A real HTML parser now finds both scripts whole."""
    renderer()
    from html.parser import HTMLParser

    class Scripts(HTMLParser):
        def __init__(self):
            super().__init__()
            self.found, self.inside = [], False

        def handle_starttag(self, tag, attrs):
            self.inside = tag == "script"
            if self.inside:
                self.found.append("")

        def handle_data(self, data):
            if self.inside:
                self.found[-1] += data

        def handle_endtag(self, tag):
            self.inside = False
    x = Value(2.0, "<!--<script>")
    page = animate(x * x).html()
    parser = Scripts()
    parser.feed(page)
    assert len(parser.found) == 2
    json.loads(parser.found[0])
    assert "function start(tries)" in parser.found[1]


def test_the_player_runs_in_a_browser_whatever_the_labels(browser, tmp_path):
    renderer()
    x = Value(2.0, "<!--<script>")
    y = x * x
    y.label = "</script><b>&amp;"
    path = tmp_path / "p.html"
    animate(y).save(path)
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_selector(".am-bar button")
    caption = page.text_content(".am-caption")
    page.click("[data-act=next]")
    assert errors == [] and "</script><b>&amp;" in caption
    assert page.text_content(".am-count") == "2 / 2"
    page.close()


# ---------------------------------------------------------------------- explain()
def code_spans(markdown):
    """The code spans of a Markdown text as CommonMark reads them: (fence, content)."""
    spans, i = [], 0
    while (m := re.compile(r"`+").search(markdown, i)):
        fence = m.group()
        end = re.compile(r"(?<!`)" + fence + r"(?!`)").search(markdown, m.end())
        if end is None:
            i = m.end()
            continue
        content = markdown[m.end():end.start()]
        if content.startswith(" ") and content.endswith(" ") and content.strip():
            content = content[1:-1]
        spans.append(content)
        i = end.end()
    return spans


@pytest.mark.parametrize("label", LABELS)
def test_explains_markdown_shows_names_as_written(label):
    x = Value(2.0, label)
    y = x * x
    y.label = "out" + label
    md = explain(y, x)._repr_markdown_()
    spans = code_spans(md)
    assert printable(label) in spans and printable("out" + label) in spans
    outside = re.sub(r"`+.*?`+", "", re.sub(r"\$\$.*?\$\$", "", md, flags=re.S))
    assert not set("<>&`") & set(outside)                   # no markup outside code
    maths = re.findall(r"\$\$(.*?)\$\$", md, re.S)
    assert maths and not any(set("<>") & set(m) for m in maths)
    assert printable(label) in str(explain(y, x))


def test_explains_markdown_renders_names_as_text():
    """With a CommonMark renderer: a backtick or markup in a label stays text."""
    markdown_it = pytest.importorskip("markdown_it")
    x = Value(2.0, "<b>x`")
    y = x * 3
    y.label = "``y"
    rendered = markdown_it.MarkdownIt("commonmark").render(explain(y, x)._repr_markdown_())
    assert "<code>&lt;b&gt;x`</code>" in rendered and "<code>``y</code>" in rendered
    assert "<b>" not in rendered
