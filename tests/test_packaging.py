"""What a plain install ships: one version string, py.typed, drawing without extras."""

import importlib.metadata
import os
import platform
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

import autograd_mini
from builders import skip_unless_setuptools_can_build

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


ROOT = Path(__file__).resolve().parents[1]


def test_the_index_page_has_classifiers_urls_and_keywords():
    try:
        meta = importlib.metadata.metadata("autograd-mini")
    except importlib.metadata.PackageNotFoundError:
        pytest.skip("autograd-mini is not installed (pip install -e .)")
    classifiers = meta.get_all("Classifier") or []
    assert "Intended Audience :: Education" in classifiers
    assert "License :: OSI Approved :: MIT License" not in classifiers   # license = "MIT"
    assert {f"Programming Language :: Python :: 3.{v}" for v in (10, 11, 12, 13)} \
        <= set(classifiers)
    urls = dict(u.split(", ", 1) for u in meta.get_all("Project-URL") or [])
    assert {"Homepage", "Documentation", "Source", "Issues"} <= set(urls)
    assert all(u.startswith("https://") for u in urls.values())
    assert "backpropagation" in meta["Keywords"]
    assert meta["Description-Content-Type"] == "text/markdown"


def _tracked(folder):
    """The repository's files under ``folder`` (git's list; the folder's files without git)."""
    try:
        out = subprocess.run(["git", "ls-files", folder], cwd=ROOT, capture_output=True,
                             text=True, check=True).stdout.split()
    except (OSError, subprocess.CalledProcessError):
        out = [p.relative_to(ROOT).as_posix() for p in (ROOT / folder).rglob("*")
               if p.is_file() and "__pycache__" not in p.parts]
    return set(out)


def test_the_sdist_ships_the_package_and_none_of_the_test_suite(tmp_path, monkeypatch):
    """The choice (MANIFEST.in): the test suite reads the repository (notebook, site,
    benchmarks, notes), so the sdist ships none of it, helpers and conftest included,
    rather than tests that cannot run. It ships every file of the package."""
    build_meta = pytest.importorskip("setuptools.build_meta")
    if not (ROOT / "pyproject.toml").is_file():
        pytest.skip("not a source checkout")
    skip_unless_setuptools_can_build()
    monkeypatch.chdir(ROOT)
    name = build_meta.build_sdist(str(tmp_path))
    with tarfile.open(tmp_path / name) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
    test_files = [n for n in names if n.startswith(("tests/", "benchmarks/", "notebooks/"))
                  or Path(n).name.startswith("test_") or Path(n).name == "conftest.py"]
    assert test_files == []
    assert _tracked("autograd_mini") <= names
    assert {"README.md", "LICENSE", "pyproject.toml",
            "docs/assets/worked-example-network.svg"} <= names      # what README shows


def test_without_a_c_compiler_the_install_is_the_interpreted_engine(tmp_path):
    """No C compiler (CC=false): the wheel is built all the same, without the compiled
    core, and the build says so in one line; the package then runs its source."""
    skip_unless_setuptools_can_build()
    if not (ROOT / "pyproject.toml").is_file():
        pytest.skip("not a source checkout")
    source = tmp_path / "source"                # a clean tree: no build/, no built modules
    shutil.copytree(ROOT / "autograd_mini", source / "autograd_mini", ignore=shutil.
                    ignore_patterns("__pycache__", "*.so", "*.pyd", "_compiled_from.py"))
    for name in ("pyproject.toml", "setup.py", "README.md", "LICENSE", "MANIFEST.in"):
        shutil.copy(ROOT / name, source / name)
    env = {k: v for k, v in os.environ.items() if k != "AUTOGRAD_MINI_PURE"}
    env["CC"] = "false"
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-v",
                           "--no-build-isolation", "-w", str(tmp_path), str(source)],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    notice = [line for line in (proc.stdout + proc.stderr).splitlines()
              if "autograd_mini: installing the interpreted engine" in line]
    assert notice and "slower" in notice[0], proc.stdout[-2000:]
    wheel = next(tmp_path.glob("*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert not [n for n in names if n.endswith((".so", ".pyd"))], names
    assert "autograd_mini/core/value.py" in names
    unpacked = tmp_path / "unpacked"                # the installed package says why
    zipfile.ZipFile(wheel).extractall(unpacked)
    reason = subprocess.run([sys.executable, "-c", "from autograd_mini.core import compiled; "
                             "print(compiled.ENGINE, compiled.REASON)"], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120,
                            env={**env, "PYTHONPATH": str(unpacked)}).stdout
    assert reason.startswith("interpreted not compiled at install: "), reason
    assert notice[0].split("(", 1)[1].split(")")[0] in reason      # the notice's words
