"""The copy of the backpropagation notes shipped with the repository (for learners, beside
the notebook) holds the worked example. That it equals the project's shared notes word for
word is checked by `make notes` (run by .ci/run where ../shared exists), not here."""

from pathlib import Path

SHIPPED = Path(__file__).resolve().parents[1] / "notebooks" / "BACKPROP_NOTES.md"


def test_notes_are_shipped_and_hold_the_worked_example():
    text = SHIPPED.read_text(encoding="utf-8")
    for needle in ("BP1", "BP4", "| out_o1 | 0.75136507 |", "0.75136079",
                   "| E_total | 0.298371109 |"):
        assert needle in text
