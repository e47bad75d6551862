"""The ```python blocks of docs/coming-from-pytorch.md and docs/language-model.md run as
written (each in a fresh interpreter, in an empty folder), and the parity table names only
tests that exist."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PAGES = ["docs/coming-from-pytorch.md", "docs/language-model.md"]


def blocks(page):
    text = (ROOT / page).read_text(encoding="utf-8")
    return [(page, text.count("\n", 0, m.start()) + 2, m.group(1))
            for m in re.finditer(r"^```python\n(.*?)^```$", text, re.S | re.M)]


@pytest.mark.parametrize("page, line, source", [b for p in PAGES for b in blocks(p)],
                         ids=lambda x: str(x) if isinstance(x, int) else None)
def test_block_runs(tmp_path, page, line, source):
    proc = subprocess.run([sys.executable, "-c", source], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, f"{page}:{line}\n{proc.stderr}"


def test_parity_table_names_tests_that_exist():
    text = (ROOT / PAGES[0]).read_text(encoding="utf-8")
    table = text[text.index("## The parity table"):text.index("## Deliberate differences")]
    names = re.findall(r"`((?:tests/[\w/]+/)?\w+\.py)?::(\w+)`", table)
    assert len(names) > 30
    current = None
    for path, test in names:
        if path:
            current = path if path.startswith("tests/") else f"tests/nn/{path}"
        source = (ROOT / current).read_text(encoding="utf-8")
        assert re.search(rf"^def {test}\(", source, re.M), f"{current}::{test}"
