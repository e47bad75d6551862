"""Reading a learner's lines: which part names the quantity, which part is the number.

One quantity a line (or several names and as many numbers: ``w5, w6 after one step =
0.35891648, 0.408666186``), in any of these shapes:

    out_o1 = 0.75136507                      name = number
    out_o1 = 1/(1+e^(-1.105905967)) = 0.75136507   working before the last =
    out_o1 ≈ 0.7514      w5 ← ... = 0.3589   ≈ ≃ := ← <- count as =
    out_o1: 0.75136507   out_o1   0.75136507 a colon, or spaces before the number
    | out_o1 | 0.75136507 |                  a Markdown table row (header and rule skipped)
    out_o1 = 1/(1+e^(-net_o1))               and on the next line  = 0.75136507

Markdown around a line (bullets, numbering, > quotes, `code`, **bold**, $math$) is
dropped. Lines with control characters or bidirectional overrides are refused, as are
lines longer than ``MAX_LINE`` characters.
"""

import re
import unicodedata
from dataclasses import dataclass

__all__ = ["Claim", "Unread", "read_lines", "MAX_LINE", "MAX_TEXT"]

MAX_LINE = 2000                         # characters in one line
MAX_TEXT = 1_000_000                    # characters in the whole text
_INVISIBLE = dict.fromkeys(map(ord, "\ufeff\u200b\u200c\u200d\u2060"), None)
_BIDI = set("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_SEPARATOR = re.compile(r"[ \t]*(:=|<-|~=|==|=|≈|≃|≅|←|⟵)[ \t]*")
_ARROWS = (":=", "<-", "←", "⟵")
_ANOTHER = re.compile(r"\d[ \t]*(,|;|\band\b)[ \t]*[A-Za-z_∂δ\\][^,;=()]*$")   # 1, y = 2
_ENDS_OPEN = re.compile(r"(:=|<-|~=|==|=|≈|≃|≅|←|⟵)[ \t]*$")
_RULE_CELL = re.compile(r":?-{2,}:?")


@dataclass
class Claim:
    """A line read as ``lhs`` (the name part, possibly several names) and ``numbers`` (the
    text of the number or numbers). ``line``..``last`` are the lines it spans, ``text``
    their text; ``arrow`` is set when written with := ← or <-; ``working`` is the first
    part between the name and the last ``=`` (or the middle cells of a table row)."""
    line: int
    last: int
    text: str
    lhs: str
    numbers: str
    arrow: bool = False
    working: str = ""


@dataclass
class Unread:
    """A line not read: its number, text and why."""
    line: int
    text: str
    reason: str


def _clean(line):
    """A physical line without Markdown decoration; Unread reason if refused."""
    line = line.translate(_INVISIBLE)
    bidi = next((c for c in line if c in _BIDI), None)
    if bidi:
        return None, f"a bidirectional control character (U+{ord(bidi):04X}) in the line"
    bad = next((c for c in line if unicodedata.category(c) == "Cc" and c != "\t"), None)
    if bad:
        return None, f"a control character (U+{ord(bad):04X}) in the line"
    s = line.strip()
    s = re.sub(r"^(>[ \t]*)+", "", s)                              # quotes
    s = re.sub(r"^([-*+•][ \t]+|\d{1,3}[.)][ \t]+)(?=\D)", "", s)   # bullets, numbering
    s = re.sub(r"\*\*([^*]+)\*\*|__([^_]+)__", lambda m: m[1] or m[2], s)   # bold
    s = s.replace("`", "").replace("$", "")
    return s.strip(), None


def _cells(s):
    return [c.strip() for c in s.strip().strip("|").split("|")]


def _is_rule(s):
    return s.startswith("|") and all(_RULE_CELL.fullmatch(c) for c in _cells(s) if c) \
        and any(_cells(s))


def _logical_lines(lines):
    """Join continuation lines: a line starting with = (or ≈, ←, ...) continues the one
    before; a line ending with = continues on the next. Yields (first, last, text,
    cleaned) or an Unread."""
    current = None
    for number, raw in enumerate(lines, 1):
        if len(raw) > MAX_LINE:
            s, refused = None, (f"the line is {len(raw):,} characters long (at most "
                                f"{MAX_LINE:,} are read)")
            raw = raw[:80] + "..."
        else:
            s, refused = _clean(raw)
        if current and s and not s.startswith("|") and not current[3].startswith("|") and (
                _SEPARATOR.match(s) or _ENDS_OPEN.search(current[3])):
            current = (current[0], number, current[2] + "\n" + raw, current[3] + " " + s)
            continue
        if current:
            yield current
        current = None
        if refused:
            yield Unread(number, raw, refused)
        else:
            current = (number, number, raw, s)
    if current:
        yield current


def _table_claim(first, last, raw, s):
    cells = _cells(s)
    filled = [c for c in cells if c]
    if len(filled) < 2:
        return Unread(first, raw, "a table row needs a name cell and a value cell")
    return Claim(first, last, raw, filled[0], filled[-1], working=" | ".join(filled[1:-1]))


def _claim(first, last, raw, s):
    """A Claim from one logical line, or an Unread with the reason."""
    parts = _SEPARATOR.split(s)
    if len(parts) > 1:
        lhs, seps = parts[0], parts[1::2]
        values = parts[2::2]
        if not lhs.strip():
            return Unread(first, raw, "no name before the '='")
        if not values[-1].strip():
            return Unread(first, raw, f"no number after the last {seps[-1]!r}")
        if any(_ANOTHER.search(v) for v in values[:-1]):
            return Unread(first, raw, "several quantities on one line: write one a line "
                          "(or 'w5, w6 = 0.1, 0.2')")
        return Claim(first, last, raw, lhs, values[-1], arrow=seps[0] in _ARROWS,
                     working=values[0] if len(values) > 1 else "")
    m = re.fullmatch(r"([^:]+?)[ \t]*:[ \t]*(.+)", s)
    if m:
        return Claim(first, last, raw, m[1], m[2])
    m = re.fullmatch(r"(.*?\S)[ \t]+([+\-−]?[ \t]*[\d.]\S*(?:[ \t]*\.\.\.)?)", s)
    if m:
        return Claim(first, last, raw, m[1], m[2])
    return Unread(first, raw, "not a quantity line: write name = number")


def read_lines(text):
    """The text's claims and unread lines, in order (blank lines, Markdown table rules and
    table headers skipped)."""
    lines = text.splitlines()
    out = []
    logical = list(_logical_lines(lines))
    for i, item in enumerate(logical):
        if isinstance(item, Unread):
            out.append(item)
            continue
        first, last, raw, s = item
        if not s or _is_rule(s):
            continue
        if s.startswith("|"):
            following = logical[i + 1] if i + 1 < len(logical) else None
            if isinstance(following, tuple) and _is_rule(following[3]):
                continue                                    # a table's header
            out.append(_table_claim(first, last, raw, s))
            continue
        out.append(_claim(first, last, raw, s))
    return out
