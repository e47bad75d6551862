"""The copy of the backpropagation notes shipped with the repository (for learners, beside
the notebook) is the project's shared notes, word for word."""

from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHIPPED = REPO / "notebooks" / "BACKPROP_NOTES.md"
SHARED = REPO.parent / "shared" / "BACKPROP_NOTES.md"


def test_notes_are_shipped_and_hold_the_worked_example():
    text = SHIPPED.read_text(encoding="utf-8")
    for needle in ("BP1", "BP4", "| out_o1 | 0.75136507 |", "0.75136079", "| E_total | 0.298371109 |"):
        assert needle in text


@pytest.mark.skipif(not SHARED.exists(), reason="no ../shared beside this checkout")
def test_shipped_notes_equal_the_shared_notes():
    assert SHIPPED.read_text(encoding="utf-8") == SHARED.read_text(encoding="utf-8")
