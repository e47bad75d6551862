"""check_derivation: reading what learners write (numbers, names, lines, hostile text),
what the quantities mean (finite differences, closed forms, torch), the report's forms,
the command line, and the docs page's examples (docs/check-derivation.md runs as shown).
"""

import contextlib
import io
import math
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from test_derivation import REPOST, TABLE

from autograd_mini import Value
from autograd_mini.example import build_worked_example
from autograd_mini.testing import DerivationReport, check_derivation
from autograd_mini.testing.derivation import _example_network
from autograd_mini.testing.derivation_numbers import Unreadable, agrees, read_number
from autograd_mini.testing.derivation_parse import MAX_LINE, MAX_TEXT
from autograd_mini.testing.derivation_values import Numbers

ROOT = Path(__file__).resolve().parents[2]
DOCS = ROOT / "docs"


# ---------------------------------------------------------------- the digits rule
@pytest.mark.parametrize("written, right", [
    ("0.5933", True), ("0.593269992", True), ("0.5932", True),     # rounded, truncated
    ("0.59327", True), ("0.5934", False), ("0.593269993", False), ("0.6", True),
    ("0.59", True), ("0.5", True), ("0.7", False), ("0.5932699...", True),
    ("0.5932700...", False), ("5.93269992e-1", True), ("5.9327 × 10^-1", True),
])
def test_a_number_agrees_when_rounded_or_truncated_to_its_digits(written, right):
    assert check_derivation(f"out_h1 = {written}").ok is right


def test_the_correct_value_is_shown_to_the_same_digits():
    r = check_derivation("out_o1 = 0.7514\n∂E_total/∂w1 = 4.38567e-4\nw5+ = 0.3590")
    assert [ln.correct_text for ln in r.lines] == ["0.7514", "4.38568e-4", "0.3589"]


def test_exponents_and_unicode_numbers_read_as_written():
    for text in ("4.38568e-4", "4.38568E-04", "4.38568 × 10^-4", "4.38568×10⁻⁴",
                 "4.38568 * 10**-4", "0.000438568", "０.０００４３８５６８"):
        r = check_derivation(f"∂E_total/∂w1 = {text}")
        assert r.ok and r.lines[0].yours == 0.000438568, text
    r = check_derivation("∂E_o2/∂out_h1 = −0.019049118")          # U+2212, the minus sign
    assert r.ok and r.lines[0].yours == -0.019049118


@pytest.mark.parametrize("text, reason", [
    ("0,75136507", "comma between digits"), ("1,105.9", "comma between digits"),
    ("nan", "not a finite number"), ("-inf", "not a finite number"),
    ("∞", "not a finite number"), ("–0.5", "not a minus sign"),
    ("٠.٧٥", "not one of the digits 0-9"), ("3/4", "a fraction"), ("75%", "percentage"),
    ("0.75 approx", "is not a number"), ("0.75 (x 10^-2)", "is not a number"),
    ("1e400", "out of the range"), ("0.751 365 07", "space inside the number"),
    ("0.7.5", "is not a number"), ("", "no number"),
])
def test_numbers_that_are_refused_never_read(text, reason):
    r = check_derivation(f"out_o1 = {text}")
    assert r.nothing_read and not r.lines
    assert reason in r.unread[0].reason


@given(st.decimals(allow_nan=False, allow_infinity=False, places=9,
                   min_value=Decimal("-1e6"), max_value=Decimal("1e6")),
       st.sampled_from(["{}", "{:e}", "+{}", "{} ✓", "{} (rounded)", "{}  # note"]))
def test_any_decimal_reads_exactly(x, form):
    text = form.format(x)
    if text.startswith("+-"):
        text = text[1:]
    n = read_number(text)
    assert n.value == float(x) and n.exact == x


# ---------------------------------------------------------------- names
@pytest.mark.parametrize("written, quantity", [
    ("net(h1)", "net_h1"), ("neth1", "net_h1"), ("net_{h1}", "net_h1"), ("NET_H1", "net_h1"),
    ("Etotal", "E_total"), ("E_{total}", "E_total"), ("E", "E_total"), ("E_o₁", "E_o1"),
    ("h1", "out_h1"), ("dE/dw5", "∂E_total/∂w5"), ("d E_total / d w5", "∂E_total/∂w5"),
    (r"\frac{\partial E_{total}}{\partial w_5}", "∂E_total/∂w5"), ("δE/δw5", "∂E_total/∂w5"),
    ("∂(E_total)/∂(w5)", "∂E_total/∂w5"), ("w5.grad", "∂E_total/∂w5"), ("dw5", "∂E_total/∂w5"),
    ("δ_o1", "∂E_total/∂net_o1"), (r"\delta_{o1}", "∂E_total/∂net_o1"),
    ("w5+", "w5+"), ("w5'", "w5+"), ("w5⁺", "w5+"), ("w_5^{+}", "w5+"), ("w5 (new)", "w5+"),
    ("w5_new", "w5+"), ("new w5", "w5+"), ("updated w5", "w5+"), ("w5 after one step", "w5+"),
    ("E_total after one step", "E_total+"),
])
def test_variants_people_write_are_read_and_reported(written, quantity):
    r = check_derivation(f"{written} = 1")
    assert [ln.quantity for ln in r.lines] == [quantity]
    if written != quantity:
        assert r.read_as == [(written, quantity, [1])]
        assert f"{written!r} as {quantity}" in str(r)


def test_updates_written_with_arrows_or_the_weight_on_both_sides():
    r = check_derivation("w5 ← w5 - η ∂E/∂w5 = 0.35891648\n"
                         "w6 = w6 - 0.5 × 0.082667628 = 0.408666186\nw7 = 0.5")
    assert [ln.quantity for ln in r.lines] == ["w5+", "w6+", "w7"] and r.ok


def test_markdown_tables_lists_and_continuation_lines():
    r = check_derivation("- **net(h1)** = `0.3775`\n1. out_h1: 0.593269992\n"
                         "> out_o1 = 1/(1+e^(-net_o1))\n>      = 0.75136507\n"
                         "E_o1 =\n  0.274811083\n  dE_total/dw1  +0.000438568\n"
                         "| E_total | sum | 0.298371109 |")
    assert [(ln.line, ln.quantity) for ln in r.lines] == [
        (1, "net_h1"), (2, "out_h1"), (3, "out_o1"), (5, "E_o1"), (7, "∂E_total/∂w1"),
        (8, "E_total")]
    assert r.ok and not r.unread


@pytest.mark.parametrize("line, reason", [
    ("out_o3 = 0.7", "unknown name 'out_o3'; did you mean out_o1 or out_o2?"),
    ("оut_o1 = 0.75", "CYRILLIC SMALL LETTER O"),              # a Cyrillic о
    ("foo = 1", "the names are i1, i2, w1"),
    ("∂²E/∂w5² = 1", "only first derivatives"),
    ("∂E/∂w5 × ∂w5/∂w1 = 2", "one quantity a line"),
    ("E_total/w5 = 1", "write a derivative as ∂A/∂B"),
    ("∂E/∂w5+ = 1", "a derivative after the step is not checked"),
    ("w5, w6 = 0.1", "2 names but 1 number"),
    ("η = -0.5", "a learning rate must be a positive number"),
    ("out_o1 =", "no number after the last '='"),
    ("net_h1 = 0.3775, out_h1 = 0.5933", "several quantities on one line"),
    ("out_o1 = 0.75136507 and out_o2 = 0.77", "several quantities on one line"),
    ("just some prose", "not a quantity line"),
    ("out\u202e_o1 = 0.75", "bidirectional control character"),
    ("out_o1 = 0.75\x00", "control character"),
])
def test_lines_that_cannot_be_read_are_listed_with_the_reason(line, reason):
    r = check_derivation(f"out_h1 = 0.5933\n{line}")
    assert len(r.lines) == 1 and r.ok
    assert len(r.unread) == 1 and r.unread[0].line == 2 and reason in r.unread[0].reason
    assert "not read (1 line)" in str(r)


def test_size_limits():
    with pytest.raises(ValueError, match="at most 1,000,000"):
        check_derivation("out_o1 = 0.75\n" * (MAX_TEXT // 10))
    r = check_derivation("out_o1 = 0." + "7" * MAX_LINE)
    assert r.nothing_read and "characters long" in r.unread[0].reason


def test_a_long_labelled_chain_no_recursion_and_says_what_was_not_searched():
    x = v = Value(1.0, "x0")
    for i in range(1, 3001):
        v = v * 1.001
        v.label = f"x{i}"
    r = check_derivation(f"dx3000/dx0 = {1.001 ** 3000:.6f}\ndx3000/dx2999 = 1.003\n"
                         f"x3000 = 30", v)
    assert [ln.ok for ln in r.lines] == [True, False, False]
    assert r.lines[1].searched and r.lines[1].slips == ["a copying slip: 1.003 for 1.001 "
                                                        "(3 written for the 1 after 1.00)"]
    assert not r.lines[2].searched and "slips not searched" in str(r)
    assert x.grad == 0.0


@given(st.text(alphabet=st.characters(blacklist_characters="|"), max_size=300))
def test_any_text_gives_a_report_never_an_exception_and_no_line_is_lost(text):
    r = check_derivation(text)
    assert isinstance(r, DerivationReport)
    str(r), r._repr_html_()
    covered = {u.line for u in r.unread}
    for ln in r.lines:
        covered |= set(range(ln.line, ln.last + 1))
        assert math.isfinite(ln.yours)
    for i, line in enumerate(text.splitlines(), 1):     # read, or listed as not read
        assert i in covered or not any(c.isalnum() for c in line), (i, line)


@given(st.lists(st.sampled_from(["out_o1", "w5+", "∂E/∂w5", "η", "E", "=", " ", ":", "|",
                                 "0.75", "−", "1e-3", ",", "δ", "∂", "/", "\n", "(", ")",
                                 "after one step", "0,5", "nan", "'", "+"]), max_size=25))
def test_hostile_token_soup_never_raises(tokens):
    check_derivation("".join(tokens))


def test_every_derivative_between_named_quantities_matches_finite_differences():
    """dA/dB with B treated as a variable: perturb B's value, recompute A."""
    net = _example_network()
    true = Numbers(net)
    for a in net.order:
        for b in net.order:
            if a == b or net.is_leaf(a):
                continue
            d = true.derivative(a, b)

            def at(x, b=b, a=a):
                return Numbers(net, values={("value", b): x}).value(a)
            x, eps = true.value(b), 1e-6
            numeric = (at(x + eps) - at(x - eps)) / (2 * eps)
            assert d == pytest.approx(numeric, rel=1e-6, abs=1e-9), (a, b)


def test_the_notes_factors_and_gradients_in_closed_form(torch):
    net = _example_network()
    t = Numbers(net)
    out_o1, out_h1 = t.value("out_o1"), t.value("out_h1")
    assert t.derivative("E_total", "out_o1") == pytest.approx(out_o1 - 0.01, rel=1e-15)
    assert t.derivative("out_o1", "net_o1") == pytest.approx(out_o1 * (1 - out_o1), rel=1e-15)
    assert t.derivative("net_o1", "w5") == out_h1
    assert t.derivative("E_o1", "out_h1") == pytest.approx(
        (out_o1 - 0.01) * out_o1 * (1 - out_o1) * 0.40, rel=1e-14)
    ex = build_worked_example()
    w = {k: torch.tensor(ex[k].data, dtype=torch.float64, requires_grad=True)
         for k in ("w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8")}
    h1 = torch.sigmoid(w["w1"] * 0.05 + w["w2"] * 0.10 + 0.35)
    h2 = torch.sigmoid(w["w3"] * 0.05 + w["w4"] * 0.10 + 0.35)
    o1 = torch.sigmoid(w["w5"] * h1 + w["w6"] * h2 + 0.60)
    o2 = torch.sigmoid(w["w7"] * h1 + w["w8"] * h2 + 0.60)
    (0.5 * (0.01 - o1) ** 2 + 0.5 * (0.99 - o2) ** 2).backward()
    for k, v in w.items():
        assert t.derivative("E_total", k) == pytest.approx(v.grad.item(), rel=1e-12)
        assert t.step(k) == pytest.approx(v.item() - 0.5 * v.grad.item(), rel=1e-14)
    assert t.step("E_total") == pytest.approx(0.291027774, abs=1e-9)


# ---------------------------------------------------------------- report forms
def test_html_escapes_the_learners_text_and_highlights_wrong_rows():
    r = check_derivation(REPOST + "\n<script>alert(1)</script> = 3\n<b>net_h1</b> = 1")
    html = r._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html and "<b>net_h1" not in html
    rows = re.findall(r"<tr( style=\"[^\"]*\")?><td[^>]*>(\d+)</td>", html)
    highlighted = {n for style, n in rows if "background" in style}
    assert highlighted == {"7"}


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match="lr must be a positive number"):
        check_derivation("w5+ = 1", lr=0)
    with pytest.raises(TypeError, match="lines must be text"):
        check_derivation(3.5)
    with pytest.raises(TypeError, match="params\\[0\\] is a float"):
        check_derivation("x = 1", Value(1.0, "x"), params=[1.0])


# ---------------------------------------------------------------- the command line
def run_cli(*args, stdin=b""):
    """``python -m autograd_mini check-derivation ARGS`` in this process: (status, stdout,
    stderr); an exception escaping ``main`` (a traceback) fails the test."""
    from autograd_mini.__main__ import main

    class In:
        buffer = io.BytesIO(stdin)
    out, err = io.StringIO(), io.StringIO()
    saved = sys.stdin
    sys.stdin = In()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(["check-derivation", *args])
    finally:
        sys.stdin = saved
    return status, out.getvalue(), err.getvalue()


def test_cli_as_a_program_exit_status_and_report():
    done = subprocess.run([sys.executable, "-m", "autograd_mini", "check-derivation", "-"],
                          input=REPOST.encode(), capture_output=True, cwd=ROOT, timeout=120)
    assert done.returncode == 1 and not done.stderr
    assert "1/(1+e^(-1.105905967)) = 0.75136507" in done.stdout.decode()


def test_cli_exit_statuses_and_messages(tmp_path):
    table = tmp_path / "table.md"
    table.write_text(TABLE, encoding="utf-8")
    status, out, _ = run_cli(str(table))
    assert status == 0 and "all 22 quantities read are right" in out
    assert run_cli("-", stdin=REPOST.encode())[0] == 1
    cases = {"empty.txt": (b"", "nothing could be read (the text is empty)"),
             "unknown.txt": (b"out_o3 = 0.5\n", "unknown name 'out_o3'"),
             "nan.txt": (b"out_o1 = abc\n", "'abc' is not a number"),
             "binary.bin": (bytes(range(256)) * 4, "not text in UTF-8")}
    for name, (data, message) in cases.items():
        (tmp_path / name).write_bytes(data)
        status, out, err = run_cli(str(tmp_path / name))
        assert status == 2 and message in out + err, name
    status, out, err = run_cli(str(tmp_path / "missing.txt"))
    assert status == 2 and "cannot read" in err and not out
    status, _, err = run_cli(str(tmp_path))
    assert status == 2 and "Is a directory" in err
    utf16 = tmp_path / "utf16.txt"
    utf16.write_bytes("out_o1 = 0.75136507\n".encode("utf-16"))
    assert run_cli(str(utf16))[0] == 0
    assert run_cli("-", "--lr", "0.1", stdin=b"w5+ = 0.391783296")[0] == 0
    big = tmp_path / "big.txt"
    big.write_bytes(b"out_o1 = 0.75\n" * 400_000)
    status, _, err = run_cli(str(big))
    assert status == 2 and "larger than" in err


def test_reading_does_not_depend_on_the_order_of_math():
    """agrees() is exact Decimal arithmetic: the written 0.3775 agrees with the float
    0.37749999999999995, 0.377 (truncated) and 0.378 (rounded) with 0.3775."""
    assert agrees(read_number("0.3775"), 0.37749999999999995)
    assert agrees(read_number("0.377"), 0.3775) and agrees(read_number("0.378"), 0.3775)
    assert not agrees(read_number("0.379"), 0.3775)
    assert not agrees(read_number("1"), math.nan) and not agrees(read_number("1"), math.inf)
    with pytest.raises(Unreadable):
        read_number("0x1F")


# ---------------------------------------------------------------- the docs page
def fenced(text):
    """(language, source) of each fenced block, in order."""
    return re.findall(r"^```(\w*)\n(.*?)^```$", text, re.S | re.M)


def test_the_docs_page_runs_and_prints_what_it_shows():
    blocks = fenced((DOCS / "check-derivation.md").read_text(encoding="utf-8"))
    namespace, shown = {}, 0
    for (lang, source), following in zip(blocks, blocks[1:] + [("", "")]):
        if lang != "python":
            continue
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(compile(source, "check-derivation.md", "exec"), namespace)
        if following[0] == "text" and out.getvalue():
            assert out.getvalue().strip() == following[1].strip()
            shown += 1
    assert shown == 2
    first_line = [s for lang, s in blocks if lang == "text"][-1].strip()
    assert first_line == check_derivation(REPOST).message()


def _walkthrough_section():
    """(kind, source) of the cells of the walkthrough's section 11, from its heading to
    the next section's."""
    import json
    cells = json.loads((DOCS.parent / "notebooks" / "walkthrough.ipynb").read_text("utf-8"))
    cells = [("python" if c["cell_type"] == "code" else c["cell_type"], "".join(c["source"]))
             for c in cells["cells"]]
    start = next(i for i, (_, s) in enumerate(cells)
                 if s.startswith("## 11. Check your hand derivation"))
    end = next(i for i, (_, s) in enumerate(cells) if i > start and s.startswith("## "))
    return cells[start:end]


def test_the_walkthrough_cells_run():
    blocks = _walkthrough_section()
    code = [s for lang, s in blocks if lang == "python"]
    assert len(code) >= 3 and any(lang == "markdown" for lang, _ in blocks)
    namespace = {"display": lambda *a: None}
    with contextlib.redirect_stdout(io.StringIO()):
        for source in code:
            exec(compile(source, "walkthrough.ipynb", "exec"), namespace)
    checked = namespace["checked"]                      # what its text says of the report
    assert [ln.quantity for ln in checked.wrong] == ["out_o1"]
    total = [ln for ln in checked.lines if ln.quantity == "E_total"][0]
    assert f"{total.from_yours:.9f}" == "0.298367936" and total.uses_true
    text = "".join(s for lang, s in blocks if lang == "markdown")
    assert "`0.298367936`" in text
