"""Naming quantities: from what a learner writes to a key of ``derivation_graph``.

Accepted spellings (``X``, ``A``, ``B`` each a name of the graph, in any of its variants):

- a value: ``X`` exactly, or with case, spaces, ``_``, ``{}``, ``()``, ``[]`` ignored
  (``net(h1)``, ``neto1``, ``net_{o1}``, ``Etotal``, ``E_{total}``, ``NET_H1``) when
  that names one node only; LaTeX (``\\mathrm{}``, ``\\text{}``) and Unicode sub- and
  superscripts (``w₅``) are read as plain text;
- a derivative: ``∂A/∂B``, ``dA/dB``, ``d A / d B``, ``\\frac{\\partial A}{\\partial B}``,
  ``δA/δB`` (δ read as ∂); ``B.grad``, ``dB`` or ``∂B`` alone (the output's derivative,
  ``dw5`` = ∂E_total/∂w5), ``δ_o1`` / ``delta_o1`` (the notes' δ = ∂E/∂net: ∂E_total/∂net_o1;
  ``δ_X`` = ∂output/∂X when there is no ``net_X``);
- a value after one step: ``X+``, ``X'``, ``X^+``, ``X⁺``, ``X_new``, ``X (new)``, ``new X``,
  ``updated X``, ``X after one step``; ``X ← ...`` (or ``<-``, ``:=``) and ``X = X - ...``
  when X is a leaf;
- the learning rate: ``η``, ``eta``, ``α``, ``alpha``, ``lr``, ``learning rate``.
"""

import difflib
import re
import unicodedata

from .derivation_numbers import Unreadable

__all__ = ["Resolver", "display", "RATE"]

RATE = ("rate",)
_RATE = re.compile(r"(learning[ _]*rate|step[ _]*size|lr|η|eta|α|alpha)"
                   r"([ \t]*\(?[ \t]*(η|eta|α|alpha)[ \t]*\)?)?", re.IGNORECASE)
_IGNORED = set(" \t_{}()[]")
_STEP_SUFFIX = re.compile(
    r"[ \t]*(\^?\{?(\+|'|′|’|ʹ)\}?"
    r"|[_^]?\{?\(?[ \t]*new[ \t]*\)?\}?"
    r"|\(?[ \t]*after[ \t]+(one|1|the|a|a single)[ \t]+(gradient[ \t]+)?(descent[ \t]+)?"
    r"(step|update|iteration)[ \t]*\)?|\(?updated\)?)$", re.IGNORECASE)
_STEP_PREFIX = re.compile(r"^(new|updated)[ \t]+", re.IGNORECASE)
_LOOKALIKE_OK = set("∂δηα")


def display(key):
    """How a key is written in the report: ``out_o1``, ``∂E_total/∂w5``, ``w5+``."""
    if key[0] == "value":
        return key[1]
    if key[0] == "d":
        return f"∂{key[1]}/∂{key[2]}"
    return f"{key[1]}+" if key[0] == "step" else "η"


def _latex(s):
    """LaTeX to plain text: \\frac{A}{B} -> (A)/(B), \\partial -> ∂, ..."""
    s = re.sub(r"\\(left|right|displaystyle)\b|\\[,;! ]", "", s)
    s = re.sub(r"\\(mathrm|text|operatorname|mathit|mathbf)\s*\{([^{}]*)\}", r"\2", s)
    for word, symbol in (("partial", "∂"), ("delta", "δ"), ("eta", "η"), ("alpha", "α"),
                         ("prime", "'"), ("nabla", "∇")):
        s = re.sub(r"\\" + word + r"(?![A-Za-z])", symbol, s)
    while True:
        m = re.search(r"\\[dt]?frac\s*\{", s)
        if not m:
            return s
        groups, i = [], m.end() - 1
        for _ in range(2):
            depth, start = 0, i
            while i < len(s):
                depth += {"{": 1, "}": -1}.get(s[i], 0)
                i += 1
                if depth == 0:
                    break
            if depth or s[start:start + 1] != "{":
                return s                                # unbalanced: leave it to fail
            groups.append(s[start + 1:i - 1])
            while i < len(s) and s[i] in " \t":
                i += 1
        s = s[:m.start()] + f"({groups[0]})/({groups[1]})" + s[i:]


def _normal(s):
    return unicodedata.normalize("NFKC", _latex(s)).strip()


def canon(s):
    """The spelling-insensitive form of a name: ``net(h1)``, ``Net_H1`` -> ``neth1``."""
    return "".join(c for c in unicodedata.normalize("NFKC", s).casefold() if c not in _IGNORED)


def _split_names(lhs):
    """Names listed with commas (outside brackets), a shared step phrase distributed:
    ``w5, w6 after one step`` -> ["w5 after one step", "w6 after one step"]."""
    parts, depth, start = [], 0, 0
    for i, c in enumerate(lhs):
        depth += c in "({[" and 1 or c in ")}]" and -1 or 0
        if c == "," and depth == 0:
            parts.append(lhs[start:i])
            start = i + 1
    parts = [p.strip() for p in parts + [lhs[start:]]]
    if len(parts) > 1:
        m = _STEP_SUFFIX.search(parts[-1])
        if m and m.group().strip().lower().startswith(("after", "(after", "updated",
                                                       "(updated")):
            parts = [p if _STEP_SUFFIX.search(p) else p + m.group() for p in parts]
    return parts


class _UnknownName(Unreadable):
    """An unknown name; the message (with suggestions) is written only when shown."""

    def __init__(self, resolver, name):
        super().__init__(name)
        self.resolver, self.name = resolver, name

    def __str__(self):
        return self.resolver._unknown(self.name)


class Resolver:
    """Turns a name part into keys of ``net`` (a ``derivation_graph.Network``)."""

    def __init__(self, net):
        self.net = net
        self.canon = {}
        spellings = [(n, n) for n in net.node] + list(net.aliases.items())
        for written, name in spellings:
            self.canon.setdefault(canon(written), set()).add(name)

    # ------------------------------------------------------------------ names
    def node(self, text):
        """The node a name means (exactly, as an alias, or spelling-insensitive)."""
        s = text.strip()
        if s in self.net.node:
            return s
        if s in self.net.aliases:
            return self.net.aliases[s]
        if s in self.net.ambiguous:
            raise Unreadable(f"{s!r} labels {self.net.ambiguous[s]} nodes of the graph: give "
                             f"them different labels")
        found = self.canon.get(canon(s), set())
        if len(found) == 1:
            return next(iter(found))
        if found:
            raise Unreadable(f"{s!r} could be any of {', '.join(sorted(found))}: write "
                             f"the name exactly")
        raise _UnknownName(self, s)

    def _unknown(self, s):
        odd = [c for c in s if not c.isascii() and c not in _LOOKALIKE_OK and c.isalpha()]
        hint = ""
        if odd:
            hint = (f"; it contains {odd[0]!r} ({unicodedata.name(odd[0], '?')}), not a "
                    f"Latin letter")
        close = difflib.get_close_matches(canon(s), list(self.canon), n=3, cutoff=0.7)
        names = sorted({n for c in close for n in self.canon[c]}, key=self.net.index.get)
        if names:
            hint += f"; did you mean {' or '.join(names)}?"
        elif not odd:
            order = self.net.listing
            shown = order if len(order) <= 40 else order[-12:]
            hint += (f"; the names are {', '.join(shown)}"
                     f"{f' and {len(order) - 12} more' if len(order) > 40 else ''}")
        return f"unknown name {s!r}{hint}"

    # ------------------------------------------------------------------ quantities
    def keys(self, lhs, arrow=False, working=""):
        """[(key, written name)] for the name part of a line (one per listed name)."""
        parts = _split_names(lhs)
        return [(self.key(p, arrow and len(parts) == 1, working), p.strip()) for p in parts]

    def key(self, text, arrow=False, working=""):
        s = _normal(text)
        if not s:
            raise Unreadable("no name before the number")
        if s not in self.net.node and _RATE.fullmatch(s):
            return RATE
        step = False
        try:
            key = self._single(s)
        except Unreadable:
            step, rest = self._step_marker(s)
            if not step and "/" not in s:
                raise
            if "/" in rest:
                key = self._fraction(rest, text)
                if step:
                    raise Unreadable(f"{text.strip()!r}: a derivative after the step is not "
                                     f"checked; write the updated weight (w5+)") from None
                return key
            key = self._single(rest)
        if key[0] == "value" and not step and self.net.is_leaf(key[1]) and (
                arrow or re.match(re.escape(s) + r"[ \t]*[-+−]", _normal(working))):
            step = True                                 # w5 ← ..., w5 = w5 - η ...
        if not step:
            return key
        if key[0] != "value":
            raise Unreadable(f"{text.strip()!r}: only a value has a value after the "
                             f"step (w5+, E_total+)")
        if not self.net.is_leaf(key[1]) and not self.net.params:
            raise Unreadable(f"{text.strip()!r}: say which leaves a step updates "
                             f"(check_derivation(..., params=[...]))")
        return ("step", key[1])

    @staticmethod
    def _step_marker(s):
        m = _STEP_SUFFIX.search(s)
        if m and m.start() > 0:
            return True, s[:m.start()].strip()
        m = _STEP_PREFIX.match(s)
        if m and len(s) > m.end():
            return True, s[m.end():].strip()
        return False, s

    def _single(self, s):
        """A value, or the output's derivative written as X.grad, dX, ∂X or δ_X."""
        try:
            return ("value", self.node(s))
        except Unreadable as unknown:
            root = self.net.root
            if s.endswith(".grad") and len(s) > 5:
                return ("d", root, self.node(s[:-5]))
            m = re.fullmatch(r"(δ|delta)[ \t]*(.+)", s, re.IGNORECASE)
            if m:
                rest = m[2].strip()
                for name in ("net_" + rest.lstrip("_"), rest):
                    try:
                        return ("d", root, self.node(name))
                    except Unreadable:
                        pass
            if s[:1] in ("d", "∂") and len(s) > 1:
                try:
                    return ("d", root, self.node(s[1:]))
                except Unreadable:
                    pass
            raise unknown

    def _fraction(self, s, text):
        if s.count("/") != 1:
            raise Unreadable(f"{text.strip()!r}: one quantity a line (a derivative is "
                             f"written ∂A/∂B)")
        top, bottom = (p.strip() for p in s.split("/"))
        a, b = self._differential(top, text), self._differential(bottom, text)
        return ("d", a, b)

    def _differential(self, part, text):
        """``∂A``, ``dA``, ``(∂A)``, ``∂(A)``, ``δA`` -> A's name."""
        p = part.strip()
        while p.startswith("(") and p.endswith(")"):
            p = p[1:-1].strip()
        if p[:1] not in ("∂", "d", "δ") or len(p) < 2:
            raise Unreadable(f"{text.strip()!r}: write a derivative as ∂A/∂B or dA/dB")
        name = p[1:].strip()
        if name[:1] in ("²", "2", "^") or name.startswith(("∂", "δ")):
            raise Unreadable(f"{text.strip()!r}: only first derivatives are checked")
        return self.node(name)
