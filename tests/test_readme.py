"""Every ```python block of README.md and of the documentation pages (docs/**/*.md) runs
as written, and what they promise holds.

Each block runs in a fresh interpreter (a subprocess with a timeout, in an empty folder, so
files it saves land there). A block whose first line is ``# continues the block above``
runs after the blocks it continues (on the same page), in one namespace with them. A block
whose first line is ``# test_<name>.py`` is a pytest file: it is written under that name
and pytest runs it. A block that imports numpy or torch skips when that package is
missing. A ```text block right after the line ``<!-- output of the block above -->`` is
exactly what that program prints. A ```py block is a fragment shown, not run.

README.md is the landing page: at most about 200 lines, its links resolve in the
repository, and its picture is what the library draws today.
"""

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
DOCS = ROOT / "docs"
PAGES = [README] + sorted(p for p in DOCS.rglob("*.md") if "_hooks" not in p.parts)
CONTINUES = "# continues the block above"
OUTPUT = "<!-- output of the block above -->"
TIMEOUT = 120                                         # seconds per program


def python_blocks(text):
    """(line number, source, printed output promised or None) of each ```python block."""
    blocks = []
    for m in re.finditer(r"^```python\n(.*?)^```$", text, re.S | re.M):
        after = re.match(r"\n+" + re.escape(OUTPUT) + r"\n```text\n(.*?)^```$",
                         text[m.end():], re.S | re.M)
        blocks.append((text.count("\n", 0, m.start()) + 2, m.group(1),
                       after.group(1) if after else None))
    return blocks


def programs(text, name="README.md"):
    """The programs to run: each block with the blocks it continues, joined in order."""
    result = []
    for line, source, output in python_blocks(text):
        if source.startswith(CONTINUES):
            if not result:
                raise ValueError(f"{name}:{line}: the first block cannot continue another")
            first_line, earlier, _ = result[-1]
            result[-1] = (first_line, earlier + "\n" + source, output)
        else:
            result.append((line, source, output))
    return result


def needed_modules(source):
    return sorted({m for m in ("numpy", "torch")
                   if re.search(rf"^\s*(import|from) {m}\b", source, re.M)})


def _name(page):
    return page.relative_to(ROOT).as_posix()


def all_programs():
    return [pytest.param(line, source, output, id=f"{_name(page)}:{line}")
            for page in PAGES
            for line, source, output in programs(page.read_text("utf-8"), _name(page))]


def test_the_pages_have_the_blocks_they_promise():
    readme = python_blocks(README.read_text(encoding="utf-8"))
    assert len(readme) >= 1 and readme[0][2] is not None     # the example, with its output
    every = [b for page in PAGES for b in python_blocks(page.read_text(encoding="utf-8"))]
    assert len(every) >= 15
    assert any(re.match(r"# test_\w+\.py\n", s) for _, s, _ in every)


def test_a_continued_block_joins_the_one_before():
    text = ("```python\nx = 1\n```\n\n```python\n" + CONTINUES + "\nprint(x)\n```\n"
            "```python\ny = 2\n```\n")
    assert programs(text) == [(2, f"x = 1\n\n{CONTINUES}\nprint(x)\n", None),
                              (10, "y = 2\n", None)]
    with pytest.raises(ValueError, match="cannot continue"):
        programs("```python\n" + CONTINUES + "\n```\n")


def test_an_output_block_is_read_with_its_program():
    text = f"```python\nprint(1)\n```\n\n{OUTPUT}\n```text\n1\n```\n```python\nx\n```\n"
    assert python_blocks(text) == [(2, "print(1)\n", "1\n"), (10, "x\n", None)]


@pytest.mark.parametrize("line, source, output", all_programs())
def test_block_runs(line, source, output, tmp_path):
    for module in needed_modules(source):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"line {line} needs {module}")
    name = re.match(r"# (test_\w+\.py)\n", source)
    if name:
        (tmp_path / name.group(1)).write_text(source, encoding="utf-8")
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                   name.group(1)]
    else:
        command = [sys.executable, "-c", source]
    proc = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True,
                          timeout=TIMEOUT, env=_env())
    assert proc.returncode == 0, f"line {line}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert len(proc.stdout.splitlines()) < 100, f"line {line} prints a wall of text"
    if output is not None:
        assert proc.stdout == output


def _env():
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"]
                                     if env.get("PYTHONPATH") else "")
    env["MPLBACKEND"] = "Agg"
    return env


# ----------------------------------------------------------------- the landing page
def test_the_readme_is_a_landing_page():
    text = README.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 200
    assert "pip install autograd-mini" in text
    assert "make demo" in text and "make test" in text          # the two quick-start commands
    pictures = re.findall(r"!\[([^\]]*)\]\(([^)]+)\)", text)
    assert len(pictures) == 1 and len(pictures[0][0]) > 40      # one picture, with alt text


def _links(text):
    return [target for target in re.findall(r"\]\(([^)\s]+)\)", text)
            if not re.match(r"[a-z]+:", target) and not target.startswith("#")]


def test_the_readmes_links_resolve_in_the_repository():
    links = _links(README.read_text(encoding="utf-8"))
    assert len(links) >= 10
    for target in links:
        assert (ROOT / target.split("#")[0]).exists(), target


def test_the_readmes_picture_is_what_the_library_draws_today():
    """docs/assets/worked-example-network.svg is committed (README shows it); it must be
    draw()'s picture of today: `make docs-pictures` writes it again."""
    spec = importlib.util.spec_from_file_location("docs_figures",
                                                  DOCS / "_hooks" / "figures.py")
    figures = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(figures)
    committed = (DOCS / figures.README_PICTURE).read_bytes()
    assert f"docs/{figures.README_PICTURE}" in README.read_text(encoding="utf-8")
    assert figures.FIGURES[figures.README_PICTURE]() == committed, (
        "the README's picture is out of date: run make docs-pictures")
