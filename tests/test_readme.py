"""Every ```python block of README.md runs as written.

Each block runs in a fresh interpreter (a subprocess with a timeout, in an empty folder, so
files it saves land there). A block whose first line is ``# continues the block above``
runs after the blocks it continues, in one namespace with them. A block whose first line is
``# test_<name>.py`` is a pytest file: it is written under that name and pytest runs it.
A block that imports numpy or torch skips when that package is missing.
"""

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
CONTINUES = "# continues the block above"
TIMEOUT = 120                                         # seconds per program


def python_blocks(text):
    """(line number, source) of each ```python block, in order."""
    return [(text.count("\n", 0, m.start()) + 2, m.group(1))
            for m in re.finditer(r"^```python\n(.*?)^```$", text, re.S | re.M)]


def programs(text):
    """The programs to run: each block with the blocks it continues, joined in order."""
    result = []
    for line, source in python_blocks(text):
        if source.startswith(CONTINUES):
            if not result:
                raise ValueError(f"README.md:{line}: the first block cannot continue another")
            first_line, earlier = result[-1]
            result[-1] = (first_line, earlier + "\n" + source)
        else:
            result.append((line, source))
    return result


def needed_modules(source):
    return sorted({m for m in ("numpy", "torch")
                   if re.search(rf"^\s*(import|from) {m}\b", source, re.M)})


def test_the_readme_has_the_blocks_it_promises():
    blocks = python_blocks(README.read_text(encoding="utf-8"))
    assert len(blocks) >= 8
    assert any(re.match(r"# test_\w+\.py\n", s) for _, s in blocks)


def test_a_continued_block_joins_the_one_before():
    text = ("```python\nx = 1\n```\n\n```python\n" + CONTINUES + "\nprint(x)\n```\n"
            "```python\ny = 2\n```\n")
    assert programs(text) == [(2, f"x = 1\n\n{CONTINUES}\nprint(x)\n"), (10, "y = 2\n")]
    with pytest.raises(ValueError, match="cannot continue"):
        programs("```python\n" + CONTINUES + "\n```\n")


@pytest.mark.parametrize("line, source", [
    pytest.param(line, source, id=f"README.md:{line}")
    for line, source in programs(README.read_text(encoding="utf-8"))])
def test_block_runs(line, source, tmp_path):
    for module in needed_modules(source):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"README.md:{line} needs {module}")
    name = re.match(r"# (test_\w+\.py)\n", source)
    if name:
        (tmp_path / name.group(1)).write_text(source, encoding="utf-8")
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                   name.group(1)]
    else:
        command = [sys.executable, "-c", source]
    proc = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True,
                          timeout=TIMEOUT, env=_env())
    assert proc.returncode == 0, f"README.md:{line}\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    assert len(proc.stdout.splitlines()) < 100, f"README.md:{line} prints a wall of text"


def _env():
    import os
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"]
                                     if env.get("PYTHONPATH") else "")
    env["MPLBACKEND"] = "Agg"
    return env
