"""draw(): the rendering backends (system dot, graphviz-pure), Jupyter, saving to files."""

import base64
import html
import os
import re
import shutil
import struct
import subprocess
import sys
from pathlib import Path

import pytest

graphviz = pytest.importorskip("graphviz")

from autograd_mini import Value, draw  # noqa: E402
from autograd_mini.example import WEIGHTS, build_worked_example  # noqa: E402
from autograd_mini.visual.digits import format_number as number  # noqa: E402
from autograd_mini.visual.rendering import RendererNotFound, find_program  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
from drawings import (  # noqa: E402
    readable_at_column,
    renderer,
    small,
    svg_texts,
)

NEW_ENGINE = hasattr(Value(1.0) + 1.0, "constant")



# ------------------------------------------------------------------ rendering backends
def _backends():
    found = []
    system = shutil.which("dot")
    found.append(pytest.param(system, id="system-dot", marks=pytest.mark.skipif(
        system is None, reason="no system Graphviz `dot` on PATH")))
    try:
        pure = find_program("graphviz-pure")
    except RendererNotFound:
        pure = None
    found.append(pytest.param(pure, id="graphviz-pure", marks=pytest.mark.skipif(
        pure is None, reason="graphviz-pure not installed")))
    return found


@pytest.mark.parametrize("program", _backends())
def test_svg_has_every_node_and_number(program):
    L, _ = small()
    g = draw(L, program=program)
    assert g.backend == program
    svg = g.pipe("svg").decode()
    assert svg.lstrip().startswith("<?xml") and "<svg" in svg
    assert svg.count('class="node"') == 7 + 3
    assert svg.count('class="edge"') == 9
    texts = svg_texts(svg)
    for expected in ("a", "data 2", "grad 6", "L", "data -8", "grad 1", "*", "+", "-3"):
        assert expected in texts
    assert g.pipe("svg", encoding="utf-8") == svg


@pytest.mark.parametrize("program", _backends())
def test_save_svg_png_and_source(program, tmp_path):
    L, _ = small()
    g = draw(L, program=program)
    svg = Path(g.save(tmp_path / "graph.svg"))
    png = Path(g.save(str(tmp_path / "graph.png")))
    jpg = Path(g.save("graph.jpg", directory=tmp_path))
    gv = Path(g.save(tmp_path / "graph.gv"))
    assert svg.read_text().count('class="node"') == 10
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 1000
    assert jpg.read_bytes()[:2] == b"\xff\xd8"
    assert gv.read_text() == g.source
    rendered = Path(g.render(tmp_path / "r", format="svg"))
    assert rendered.name == "r.svg" and "<svg" in rendered.read_text()
    assert (tmp_path / "r").read_text() == g.source


@pytest.mark.parametrize("program", _backends())
def test_jupyter_shows_svg(program):
    L, _ = small()
    g = draw(L, program=program)
    bundle = g._repr_mimebundle_()
    # HTML for every notebook, trusted or not: an <img> of the SVG with alt text (an
    # untrusted JupyterLab drops image/svg+xml and inline SVG, keeps <img> data: URIs);
    # a PNG beside it, the alt text as plain text
    assert list(bundle) == ["text/html", "image/png", "text/plain"]
    page = bundle["text/html"]
    alt = html.unescape(re.search(r'<img alt="([^"]*)"', page).group(1))
    assert alt == bundle["text/plain"] == g.alt
    assert alt.startswith("Computation graph of L: 7 values as boxes (data and grad), 3 ops")
    assert "L -8 grad 1" in alt and "a 2 grad 6" in alt
    svg = base64.b64decode(re.search(r'base64,([^"]+)"', page).group(1)).decode()
    assert svg == g.pipe("svg", encoding="utf-8") and svg.count('class="node"') == 10
    assert "<svg" not in page and "<script" not in page
    png = bundle["image/png"]
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and png == g.pipe("png")
    width, height = struct.unpack(">II", png[16:24])           # the IHDR chunk
    svg_width = float(re.search(r'<svg width="([\d.]+)pt"', svg).group(1))
    assert width == pytest.approx(svg_width * 4 / 3, abs=2)   # the same size on screen
    assert list(g._repr_mimebundle_(include=["image/png"])) == ["image/png"]
    assert list(g._repr_mimebundle_(exclude=["image/png", "text/plain"])) == ["text/html"]
    assert isinstance(g, graphviz.Digraph)
    assert repr(g) == "<autograd_mini Graph: 10 nodes, 9 edges>"
    assert g.copy().program == program


@pytest.mark.parametrize("program", _backends())
def test_svg_keeps_its_natural_size(program):
    """pipe("svg"), save(".svg") and Jupyter's SVG are drawn at their natural size (they
    used to shrink to the column, to 4-6 px text on a phone); Jupyter's HTML scrolls."""
    g = draw(small()[0], program=program)
    for svg in (g.pipe("svg").decode(), g.pipe("svg", encoding="utf-8")):
        assert "max-width" not in svg and "style=" not in re.search(r"<svg\b[^>]*>", svg).group()
    assert "overflow-x:auto" in g._repr_html_()


def test_graphviz_pure_output_is_byte_identical():
    try:
        pure = find_program("graphviz-pure")
    except RendererNotFound:
        pytest.skip("graphviz-pure not installed")
    assert draw(small()[0], program=pure).pipe("svg") == \
        draw(small()[0], program=pure).pipe("svg")


def test_environment_variable_chooses_the_program(monkeypatch):
    monkeypatch.setenv("AUTOGRAD_MINI_DOT", "no-such-dot-program")
    with pytest.raises(RendererNotFound, match="AUTOGRAD_MINI_DOT='no-such-dot-program'"):
        draw(small()[0]).pipe("svg")


def test_no_renderer_says_how_to_fix_and_keeps_the_source(monkeypatch):
    monkeypatch.delenv("AUTOGRAD_MINI_DOT", raising=False)
    monkeypatch.setattr(shutil, "which", lambda *a, **k: None)
    g = draw(small()[0])
    with pytest.raises(RendererNotFound) as e:
        g.pipe("svg")
    assert isinstance(e.value, RuntimeError)
    assert "pip install graphviz-pure" in str(e.value)
    assert "apt-get install graphviz" in str(e.value)
    assert "graph.source" in str(e.value)
    assert "data 2" in g.source                               # DOT is still there
    bundle = g._repr_mimebundle_()                            # Jupyter shows why
    assert "pip install graphviz-pure" in bundle["text/plain"]
    assert "digraph" in bundle["text/plain"]


def test_import_works_without_graphviz():
    code = ("import sys; sys.modules['graphviz'] = None\n"
            "import autograd_mini as am\n"
            "x = am.Value(2.0, 'x'); y = x * x\n"
            "print(am.explain(y, x).gradient)\n"
            "try:\n    am.draw(y)\nexcept ImportError as e:\n    print(e)\n"
            "from autograd_mini.visual.viz import RendererNotFound, find_program\n"
            "try:\n    find_program()\nexcept RendererNotFound as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                         text=True, check=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    lines = out.stdout.splitlines()
    assert lines[0] == "4.0"
    assert "pip install graphviz graphviz-pure" in lines[1]
    assert "graphviz Python package" in lines[2]


def test_example_command_without_the_graphviz_package_says_error(tmp_path):
    code = ("import sys, runpy; sys.modules['graphviz'] = None\n"
            f"sys.argv = ['autograd_mini', 'example', '--steps', '0', '--svg', "
            f"{str(tmp_path / 'x.svg')!r}]\n"
            "runpy.run_module('autograd_mini', run_name='__main__')\n")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr
    assert "pip install graphviz" in proc.stderr and not (tmp_path / "x.svg").exists()


def test_system_dot_is_preferred_then_graphviz_pure(monkeypatch):
    monkeypatch.delenv("AUTOGRAD_MINI_DOT", raising=False)
    real_which = shutil.which
    monkeypatch.setattr(shutil, "which", lambda name, path=None: "/opt/graphviz/bin/dot"
                        if name == "dot" else real_which(name, path=path))
    assert find_program() == "/opt/graphviz/bin/dot"
    assert draw(small()[0]).backend == "/opt/graphviz/bin/dot"


def test_graphviz_pure_is_found_next_to_python_without_path(monkeypatch):
    scripts = Path(sys.executable).parent
    if not (scripts / "graphviz-pure").exists():
        pytest.skip("graphviz-pure is not installed next to this Python")
    monkeypatch.delenv("AUTOGRAD_MINI_DOT", raising=False)
    monkeypatch.setenv("PATH", "/nonexistent")          # e.g. a venv that is not activated
    assert Path(find_program()).name == "graphviz-pure"
    assert b"<svg" in draw(small()[0]).pipe("svg")


def test_example_command_writes_the_graph_as_svg(tmp_path):
    import xml.etree.ElementTree as ET
    renderer()
    out = tmp_path / "example.svg"
    proc = subprocess.run([sys.executable, "-m", "autograd_mini", "example", "--steps", "1",
                           "--svg", str(out)], cwd=ROOT, capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert proc.returncode == 0, proc.stderr
    assert "E_total" in proc.stdout                   # the table is still printed
    svg = out.read_text()
    ET.fromstring(svg.encode())                       # well-formed XML
    texts = svg_texts(svg)
    for name in ["i1", "i2", "b1", "b2", "net_h1", "out_o1", "E_total"] + list(WEIGHTS):
        assert name in texts
    ex = build_worked_example()
    assert "data 0.298371109" in texts                # E_total
    assert f"grad {number(ex['w5'].grad, 9)}" in texts
    assert f"grad {number(ex['w1'].grad, 9)}" in texts
    assert svg.count("#cde4ff") == 8                  # w1..w8 highlighted
    assert readable_at_column(svg)[1] >= 10


def test_example_command_without_renderer_fails_clearly(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT), AUTOGRAD_MINI_DOT="no-such-dot-program")
    proc = subprocess.run([sys.executable, "-m", "autograd_mini", "example", "--steps", "0",
                           "--svg", str(tmp_path / "x.svg")], cwd=ROOT, capture_output=True,
                          text=True, env=env)
    assert proc.returncode == 1
    assert "no-such-dot-program" in proc.stderr and not (tmp_path / "x.svg").exists()


# ------------------------------------------------------------------ saving
@pytest.mark.parametrize("name", ["graph.pdf", "graph.ps", "graph.gif", "graph.PDF",
                                  "graph.txt", "graph", "graph.svg.bak"])
def test_save_refuses_names_it_cannot_write(tmp_path, name):
    with pytest.raises(ValueError, match=r"\.svg, \.png, \.jpg.*\.gv, \.dot"):
        draw(small()[0]).save(str(tmp_path / name))
    assert list(tmp_path.iterdir()) == []


def test_save_does_not_create_folders(tmp_path):
    missing = tmp_path / "no" / "such"
    with pytest.raises(FileNotFoundError, match=re.escape(repr(str(missing)))):
        draw(small()[0]).save(missing / "x.svg")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(IsADirectoryError, match="is a folder"):
        draw(small()[0]).save(tmp_path)
    (tmp_path / "file").write_text("")
    with pytest.raises(FileNotFoundError, match="does not exist"):
        draw(small()[0]).save(tmp_path / "file" / "x.gv")


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0,
                    reason="needs POSIX permissions that bind (root may write anything)")
def test_save_onto_a_read_only_file_says_so(tmp_path):
    target = tmp_path / "x.gv"
    target.write_text("old")
    target.chmod(0o444)
    with pytest.raises(PermissionError, match="read-only"):
        draw(small()[0]).save(target)
    assert target.read_text() == "old"


def test_save_writes_the_dot_source_for_gv_and_dot(tmp_path):
    g = draw(small()[0])
    for name in ("g.gv", "g.dot", "G.GV"):
        g.save(str(tmp_path / name))
        assert (tmp_path / name).read_text() == g.source


def test_non_ascii_labels_render_without_font_warnings(capfd):
    renderer()
    a = Value(2.0, "α")
    draw(a * 3 + Value(1.0, "β")).pipe("svg")
    assert capfd.readouterr().err == ""
    broken = draw(a)
    broken.body.append("n0 -> ;\n")                     # a real renderer error still raises
    with pytest.raises(graphviz.CalledProcessError, match="syntax error"):
        broken.pipe("svg")
