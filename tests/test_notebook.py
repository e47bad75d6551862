"""Execute notebooks/walkthrough.ipynb (nbclient) and check its key outputs."""

import base64
import html
import os
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.notebook   # nbformat, nbclient, ipykernel, matplotlib (conftest.py)

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "walkthrough.ipynb"


def text_of(cell):
    """Everything a code cell printed or displayed as text."""
    parts = []
    for out in cell.get("outputs", []):
        if out["output_type"] == "stream":
            parts.append(out["text"])
        elif "data" in out and "text/plain" in out["data"]:
            parts.append(out["data"]["text/plain"])
    return "".join(parts)


def read(path):
    import nbformat
    return nbformat.read(path, as_version=4)


def cell_with(nb, snippet):
    cells = [c for c in nb.cells if c.cell_type == "code" and snippet in c.source]
    assert len(cells) == 1, f"expected one code cell containing {snippet!r}"
    return cells[0]


@pytest.fixture(scope="module")
def executed():
    import nbclient
    nb = read(NOTEBOOK)
    old = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = str(ROOT) + (os.pathsep + old if old else "")
    try:
        nbclient.NotebookClient(nb, timeout=600, kernel_name="python3",
                                resources={"metadata": {"path": str(NOTEBOOK.parent)}}
                                ).execute()
    finally:
        if old is None:
            del os.environ["PYTHONPATH"]
        else:
            os.environ["PYTHONPATH"] = old
    return nb


def test_runs_without_errors(executed):
    errors = [out for c in executed.cells if c.cell_type == "code"
              for out in c.outputs if out["output_type"] == "error"]
    assert errors == []


def test_naive_backward_is_wrong_and_backward_is_right(executed):
    text = text_of(cell_with(executed, "naive_backward(c_naive)"))
    assert "naive recursion:       dc/da = 6.0   (wrong)" in text
    assert "topological backward:  dc/da = 4.0" in text
    paths = text_of(cell_with(executed, 'c = b + b;  c.label = "c"'))
    assert "∂c/∂a: 4 paths from a to c" in paths
    assert "∂c/∂a = 1 + 1 + 1 + 1 = 4 = a.grad" in paths
    listed = [line.split(":", 1)[1] for line in paths.splitlines() if "path " in line]
    assert len(listed) == 4 == len(set(listed))          # the four paths are told apart


def test_worked_example_agrees_with_the_notes(executed):
    text = text_of(cell_with(executed, "published = {"))
    rows = [line for line in text.splitlines()[1:] if line.strip()]
    assert len(rows) == 11 and all(row.endswith("True") for row in rows)
    assert re.search(r"E_total\s+0\.29837110876", text)
    steps = text_of(cell_with(executed, "eta = 0.5"))
    assert "w5: 0.358916480" in steps and "w1: 0.149780716" in steps
    factors = text_of(cell_with(executed, "target_o1 = 0.01"))
    assert "= 0.741365070   graph: out_o1.grad = 0.741365070" in factors
    assert "= 0.186815602   graph: local_grads of out_o1 = 0.186815602" in factors


def test_explain_w5_and_w1(executed):
    w5 = text_of(cell_with(executed, "explain(E_total, w5)"))
    assert ("∂E_total/∂out_o1 × ∂out_o1/∂net_o1 × ∂net_o1/∂w5 = 0.74136507 × 0.186815602 × "
            "0.593269992 = 0.082167041") in w5
    w1 = text_of(cell_with(executed, "print(explain(E_total, w1))"))
    assert "2 paths from w1 to E_total" in w1
    assert "∂E_total/∂out_o1 × ∂out_o1/∂net_o1 × ∂net_o1/∂out_h1" in w1
    assert "∂E_total/∂out_o2 × ∂out_o2/∂net_o2 × ∂net_o2/∂out_h1" in w1
    assert "= 0.000668396 - 0.000229828 = 0.000438568 = w1.grad" in w1
    (rich,) = [c for c in executed.cells if c.source.strip() == "explain(E_total, w1)"]
    markdown = [out["data"]["text/markdown"] for out in rich.outputs
                if "text/markdown" in out.get("data", {})]
    assert len(markdown) == 1 and r"\frac{\partial \mathtt{E\_total}}" in markdown[0]


def test_delta_rule_and_finite_differences(executed):
    text = text_of(cell_with(executed, "reference.backprop(W, bias"))
    diffs = [float(d) for d in re.findall(r"\bdiff (\S+)", text)]
    assert len(diffs) == 8 and max(diffs) < 1e-15
    deltas = text_of(cell_with(executed, "output layer  δ"))
    assert "output layer  δ = (0.138498562, -0.038098237)" in deltas
    assert "net_o1.grad = 0.138498562, net_o2.grad = -0.038098237" in deltas
    rel = text_of(cell_with(executed, "binary_cross_entropy(out, y"))
    worst = float(re.search(r"weight gradients: (\S+)", rel).group(1))
    assert worst < 1e-12
    fd = text_of(cell_with(executed, "finite_difference_gradients()"))
    assert "337 parameters" in fd and "674 forward passes" in fd
    assert float(re.search(r"two gradients: (\S+)", fd).group(1)) < 1e-6
    passes = text_of(cell_with(executed, "backprop_in_passes ="))
    assert "30,001 (one-sided)" in passes and "backward alone:" in passes


def test_training_and_moons(executed):
    train = text_of(cell_with(executed, "worked_example(steps=10_000)"))
    assert "E_total before training: 0.298371109" in train
    final = float(re.search(r"after 10,000 steps:\s+(\S+)", train).group(1))
    assert 3e-5 < final < 4e-5
    moons = text_of(cell_with(executed, "run = fit(model"))
    assert "training accuracy 100%" in moons


PICTURE_MIMES = ("image/svg+xml", "image/png")


def pictures(cell):
    """[(alt, output data)] of the pictures a code cell displayed. A drawing shows itself
    as HTML (an <img alt> of its SVG) and a PNG; a matplotlib figure is a PNG whose alt
    text is in the cell's metadata ("alt": a string, or a list for several)."""
    shown = [out["data"] for out in cell.get("outputs", [])
             if any(m in out.get("data", {}) for m in PICTURE_MIMES)]
    alts = cell.get("metadata", {}).get("alt", [])
    alts = iter([alts] if isinstance(alts, str) else list(alts))
    found = []
    for data in shown:
        tag = re.search(r"<img [^>]*>", without_scripts(data.get("text/html", "")))
        if tag:
            found.append((html.unescape(re.search(r'alt="([^"]*)"', tag.group()).group(1)),
                          data))
        else:
            found.append((next(alts), data))
    assert next(alts, None) is None, f"{cell.source[:60]!r}: more alt texts than pictures"
    return found


def svg_of(data):
    """The SVG text a drawing's HTML shows (its <img> data: URI)."""
    src = re.search(r'src="data:image/svg\+xml;base64,([^"]+)"', data["text/html"]).group(1)
    return base64.b64decode(src).decode("utf-8")


def without_scripts(page):
    """An output's HTML as an untrusted notebook shows it: no <script>, no <style>."""
    return re.sub(r"<(script|style)\b.*?</\1>", "", page, flags=re.S)


def web():
    """docs/_hooks/notebook.py: the notebook as the site and the offline page show it."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(
        "docs_notebook", ROOT / "docs" / "_hooks" / "notebook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_figures(executed):
    code = [c for c in executed.cells if c.cell_type == "code"]
    shown = [(alt, data) for c in code for alt, data in pictures(c)]
    assert len(shown) == 9                      # 7 drawings, the error curve, the moons
    assert sum("text/html" in data for _, data in shown) == 7
    assert all("image/png" in data for _, data in shown)      # shows in an untrusted one
    assert all(len(alt) > 30 for alt, _ in shown)
    tiny = svg_of(pictures(cell_with(executed, "draw(L, show_grad=False)"))[0][1])
    texts = [html.unescape(s) for s in re.findall(r"<text[^>]*>([^<]*)</text>", tiny)]
    assert {f"data {x}" for x in (2, -3, 10, -2, -6, 4, -8)} <= set(texts)  # a b c f e d L
    network = cell_with(executed, "draw(model_222")
    ((alt, data),) = pictures(network)
    svg = svg_of(data)
    for label in ("w1 = 0.15", "grad 0.000438567734", "w5 = 0.4", "grad 0.0821670406",
                  "b1 = 0.35"):
        assert label in svg, label
    html_out = [out["data"]["text/html"] for c in code for out in c.outputs
                if "am-player" in out.get("data", {}).get("text/html", "")]
    assert len(html_out) == 1 and "c: grad 1 is complete" in html_out[0]
    refusal = text_of(cell_with(executed, "draw(batch_loss)"))
    assert "more than max_nodes=300" in refusal


def test_the_notebook_starts_with_backpropagation():
    """No display plumbing: the first code cell builds a graph, no cell defines a helper
    that wraps pictures, and no cell imports base64 or builds <img> tags itself."""
    code = [c for c in read(NOTEBOOK).cells if c.cell_type == "code"]
    first = code[0].source
    assert "Value(" in first and "draw(" in first
    for cell in code:
        assert not re.search(r"^def (show|img|figure)\(", cell.source, re.M), cell.source[:60]
        assert "base64" not in cell.source and "<img" not in cell.source, cell.source[:60]


def test_contents_are_links_to_the_headings():
    cells = read(NOTEBOOK).cells
    intro = cells[0].source
    contents = intro[intro.index("## Contents"):]
    links = re.findall(r"^- \[(.+)\]\(#(.+)\)$", contents, re.M)
    headings = [line[3:] for c in cells[1:] if c.cell_type == "markdown"
                for line in c.source.splitlines() if line.startswith("## ")]
    assert len(headings) >= 10
    assert [text for text, _ in links] == headings
    # the anchor JupyterLab and nbconvert give a heading: its text, spaces as '-'
    assert [anchor for _, anchor in links] == [h.replace(" ", "-") for h in headings]


def test_committed_notebook_has_its_outputs():
    nb = read(NOTEBOOK)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.execution_count is not None for c in code)
    assert "0.593269992 = 0.082167041" in text_of(cell_with(nb, "explain(E_total, w5)"))
    assert sum(len(pictures(c)) for c in code) == 9


def test_committed_pictures_show_in_an_untrusted_notebook():
    """A fresh clone is untrusted: JupyterLab then shows no image/svg+xml (but PNG), drops
    <script>, <style> and inline <svg> from HTML, and keeps <img> with data: URIs. Every
    picture carries a PNG; the player's SVG lives in its script, its still is an <img>."""
    for cell in read(NOTEBOOK).cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            assert "image/svg+xml" not in data or "image/png" in data, cell.source[:60]
            assert "<svg" not in without_scripts(data.get("text/html", "")), cell.source[:60]


def test_the_web_version_gives_every_picture_its_alt_text():
    module = web()
    nb = module.for_the_web(read(NOTEBOOK))
    tags = [tag for c in nb.cells if c.cell_type == "code" for out in c.outputs
            for tag in re.findall(r"<img [^>]*>", without_scripts(
                out.get("data", {}).get("text/html", "")))]
    assert len(tags) == 10                               # 9 pictures, the player's still
    assert all(re.search(r'alt="[^"]{30,}"', tag) for tag in tags)
    assert all("max-width:none" in tag for tag in tags)  # natural size, in a scroll box
    broken = read(NOTEBOOK)
    cell = cell_with(broken, "worked_example(steps=10_000)")
    del cell.metadata["alt"]
    with pytest.raises(module.MissingAlt, match="import matplotlib"):
        module.for_the_web(broken)


def test_exported_html_needs_no_network():
    """nbconvert's own page loads MathJax and require.js from a CDN, and drops alt texts;
    export_html() inlines KaTeX (fonts as data: URIs) and keeps them. The browser test
    tests/docs/test_site_pages.py renders its maths with every request refused."""
    page = web().export_html()
    assert not re.findall(r'<(?:script|img|iframe)\b[^>]*\bsrc="(?:https?:)?//', page)
    assert not re.findall(r'<link\b[^>]*\bhref="(?:https?:)?//', page)
    assert "url(fonts/" not in page and "renderMathInElement" in page
    assert r"\frac{\partial \mathtt{E\_total}}" in page        # explain's maths, for KaTeX
    assert "No description has been provided" not in page
    alts = re.findall(r'<img [^>]*alt="([^"]*)"', without_scripts(page))
    assert len(alts) == 10 and all(len(a) > 30 for a in alts)   # 9 pictures, the still


def test_outputs_carry_no_memory_addresses(executed):
    for cell in executed.cells:
        if cell.cell_type == "code":
            assert not re.search(r" at 0x[0-9a-f]+>", text_of(cell)), cell.source[:60]
    committed = read(NOTEBOOK)     # re-executions don't churn it
    assert not any(re.search(r" at 0x[0-9a-f]+>", text_of(c))
                   for c in committed.cells if c.cell_type == "code")


def test_decision_regions_have_the_colours_of_their_points(executed):
    import matplotlib
    cell = cell_with(executed, "contourf(")
    region = re.search(r'levels=\[-1e9, 0, 1e9\], colors=\["(#\w+)", "(#\w+)"\]', cell.source)
    scatter = re.search(r'cmap="(\w+)"', cell.source)
    assert region and scatter
    cmap = matplotlib.colormaps[scatter.group(1)]
    for region_colour, point_colour in zip(region.groups(), (cmap(0.0), cmap(1.0))):
        r, g, b = matplotlib.colors.to_rgb(region_colour)   # score < 0: class -1, cmap(0)
        assert (b > r) == (point_colour[2] > point_colour[0])


def test_ops_section(executed):
    stored = text_of(cell_with(executed, "t = x.tanh()"))
    assert "z = x * y:    local_grads = (-3.0, 2.0)" in stored
    assert re.search(r"local_grads = \((\S+),\)\s+1 - t\*\*2 = \1", stored)
    cycles = text_of(cell_with(executed, "class ClosureValue"))
    left = re.search(r"closures ([\d,]+), stored derivatives (\d+)", cycles)
    assert int(left.group(1).replace(",", "")) > 3000 and left.group(2) == "0"
    times = {row.split()[0]: [float(ms) for ms in re.findall(r"(\d+) ms", row)]
             for row in cycles.splitlines() if row.startswith(("ClosureValue", "Value"))}
    assert times["ClosureValue"][0] > 2 * times["Value"][0]     # collector on
    cube = text_of(cell_with(executed, "def cube(x)"))
    assert "op: cube   data: 8.0   local_grads: (12.0,)   x.grad: 12.0" in cube
    assert "dy/dx = 12.0   d²y/dx² = 12.0" in cube


def test_check_section(executed):
    first = text_of(cell_with(executed,
                              "report = check_gradients(loss, params, backward(**params))"))
    assert "shape mismatch: your gradient has shape (1, 3)" in first
    assert "its transpose matches the engine's gradient entry for entry" in first
    assert "with the derivative of every tanh on each path left out" in first
    assert "equals yours for every entry of W1, b1" in first
    fixed = text_of(cell_with(executed, "report = assert_gradients(loss, params, backward_fixed"))
    assert "all parameters match the engine" in fixed
    worked = text_of(cell_with(executed, "print(check_gradients(worked_error, weights, grads"))
    assert "is path 1 alone; path 2, through out_o2, is missing" in worked


def test_check_derivation_section(executed):
    first = text_of(cell_with(executed, "checked = check_derivation(my_lines)"))
    assert "1 of 12 quantities wrong (first: line 5, out_o1)" in first
    assert "0.75136079   0.75136507   WRONG: a new error" in first
    assert "from your lines it would be 0.298367936" in first
    slipped = text_of(cell_with(executed, "check_derivation(slipped)"))
    assert "the derivative of out_o1 taken as 1 - out_o1² (tanh's derivative)" in slipped
    assert "WRONG: carried from line 2" in slipped
