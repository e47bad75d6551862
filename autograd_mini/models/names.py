"""The names data set: 5,163 first names from the 1990 US Census (``names.txt`` beside
this file says where they come from), and the character vocabulary of a language model.

Token 0 is ``.``, the boundary: a name is read as ``. e m m a .``: from ``.`` predict
``e``, from ``. e`` predict ``m``, ..., from ``. e m m a`` predict ``.`` (the end).
"""

import random
from pathlib import Path

__all__ = ["BOUNDARY", "Vocabulary", "load_names", "split"]

BOUNDARY = "."
_FILE = Path(__file__).with_name("names.txt")


def load_names(path=None):
    """The names, lower case, one per line of ``path`` (default: the census list);
    lines starting with ``#`` and empty lines are skipped."""
    text = (Path(path) if path is not None else _FILE).read_text(encoding="utf-8")
    names = [line.strip().lower() for line in text.splitlines()]
    names = [n for n in names if n and not n.startswith("#")]
    bad = [n for n in names if BOUNDARY in n]
    if bad:
        raise ValueError(f"a name may not contain {BOUNDARY!r} (the boundary token): {bad[0]!r}")
    if not names:
        raise ValueError(f"no names in {path or _FILE}")
    return names


def split(names, n_val, seed=0):
    """``(train, val)``: the names shuffled by ``seed``, the last ``n_val`` held out."""
    names = list(names)
    random.Random(seed).shuffle(names)
    if not 0 <= n_val < len(names):
        raise ValueError(f"n_val must be in [0, {len(names) - 1}], got {n_val}")
    return names[:len(names) - n_val], names[len(names) - n_val:]


class Vocabulary:
    """Characters <-> token ids: ``.`` is 0, the other characters follow in sorted order."""

    def __init__(self, names):
        self.chars = [BOUNDARY] + sorted(set("".join(names)) - {BOUNDARY})
        self.index = {c: i for i, c in enumerate(self.chars)}

    def __len__(self):
        return len(self.chars)

    def encode(self, name):
        """``[0, ids of the characters..., 0]``: the boundary on both sides."""
        try:
            return [0] + [self.index[c] for c in name] + [0]
        except KeyError as e:
            raise ValueError(f"{name!r} has a character the vocabulary lacks: {e}") from None

    def decode(self, ids):
        return "".join(self.chars[i] for i in ids if i != 0)

    def state_dict(self):
        return {"chars": "".join(self.chars)}
