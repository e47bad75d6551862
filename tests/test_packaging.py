"""What a plain install ships: one version string, py.typed, drawing without extras."""

import importlib.metadata
import platform
import re
import shutil
import sys
from pathlib import Path

import pytest

import autograd_mini

# (sys.platform, platform.machine()) with a graphviz-pure wheel: pyproject.toml's markers
PURE_WHEELS = {("linux", "x86_64"), ("linux", "aarch64"), ("darwin", "arm64"),
               ("darwin", "x86_64"), ("win32", "AMD64"), ("win32", "ARM64")}


def test_one_version_string():
    try:
        installed = importlib.metadata.version("autograd-mini")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("autograd-mini is not installed (pip install -e .)")
    assert installed == autograd_mini.__version__
    assert autograd_mini.__version__.count(".") == 2


def test_typed_marker_is_shipped():
    package = Path(autograd_mini.__file__).parent
    assert (package / "py.typed").is_file()


def test_drawing_needs_no_extra():
    """graphviz and a `dot` (graphviz-pure's on its platforms) come with a plain install:
    the SVG of 1 + 2 has both values and the op."""
    if (sys.platform, platform.machine()) not in PURE_WHEELS and not shutil.which("dot"):
        pytest.skip("no graphviz-pure wheel for this platform and no Graphviz `dot` on PATH")
    svg = autograd_mini.draw(autograd_mini.Value(1.0) + 2).pipe("svg").decode()
    assert svg.rstrip().endswith("</svg>")
    texts = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert "data 1" in texts and "data 3" in texts     # significant digits: 1, not 1.0
    assert "+ 2" in texts


def test_graphviz_pure_is_required_exactly_where_it_has_wheels():
    """pyproject.toml's environment markers pick the platforms of graphviz-pure 0.2.2's
    wheels (it has no sdist: anywhere else pip would fail to install it)."""
    requirements = pytest.importorskip("packaging.requirements")  # comes with pytest
    text = (Path(__file__).resolve().parents[1] / "pyproject.toml").read_text("utf-8")
    lines = re.findall(r'"(graphviz-pure[^"]*)"', text)
    reqs = [requirements.Requirement(line) for line in lines]
    assert reqs and all(r.marker is not None for r in reqs)
    platforms = ("linux", "darwin", "win32", "freebsd14", "cygwin")
    machines = {"x86_64", "aarch64", "arm64", "AMD64", "ARM64", "armv7l", "i686", "ppc64le"}
    chosen = {(p, m) for p in platforms for m in machines
              if any(r.marker.evaluate({"sys_platform": p, "platform_machine": m})
                     for r in reqs)}
    assert chosen == PURE_WHEELS
