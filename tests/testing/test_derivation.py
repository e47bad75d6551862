"""check_derivation / assert_derivation: a learner's hand derivation, line by line.

The worked 2-2-2 example's numbers come from the notes (the published table, read from
notebooks/BACKPROP_NOTES.md) and from closed forms; each diagnosis is asserted with the
slip it must name and without slips it must not name, so a checker that lists every
candidate (or none) fails.
"""

import math
import re
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autograd_mini import Value
from autograd_mini.example import build_worked_example, build_worked_example_mlp
from autograd_mini.testing import (
    DerivationReport,
    assert_derivation,
    check_derivation,
)
from autograd_mini.testing.derivation import _example_network
from autograd_mini.testing.derivation_graph import Numbers
from autograd_mini.testing.derivation_numbers import Unreadable, agrees, read_number
from autograd_mini.testing.derivation_parse import MAX_LINE, MAX_TEXT

ROOT = Path(__file__).resolve().parents[2]
NOTES = (ROOT / "notebooks" / "BACKPROP_NOTES.md").read_text(encoding="utf-8")
TABLE = "\n".join(re.search(r"(\| quantity \| value \|.*?)\n\n", NOTES, re.S)[1].splitlines())
REPOST = TABLE.replace("| out_o1 | 0.75136507 |", "| out_o1 | 0.75136079 |")

# a learner's derivation in the notes' order (Mazur's), every number right
DERIVATION = """\
net_h1 = w1*i1 + w2*i2 + b1 = 0.15*0.05 + 0.2*0.1 + 0.35 = 0.3775
out_h1 = 1/(1+e^-0.3775) = 0.593269992
out_h2 = 0.596884378
net_o1 = 0.4*0.593269992 + 0.45*0.596884378 + 0.6 = 1.105905967
out_o1 = 0.75136507
out_o2 = 0.772928465
E_o1 = 0.274811083
E_o2 = 0.023560026
E_total = 0.298371109
∂E_total/∂out_o1 = -(0.01 - 0.75136507) = 0.74136507
∂out_o1/∂net_o1 = 0.75136507 × (1 - 0.75136507) = 0.186815602
∂net_o1/∂w5 = 0.593269992
∂E_total/∂w5 = 0.74136507 × 0.186815602 × 0.593269992 = 0.082167041
w5+ = 0.4 - 0.5 × 0.082167041 = 0.35891648
∂E_o1/∂out_h1 = 0.055399425
∂E_o2/∂out_h1 = -0.019049118
∂E_total/∂out_h1 = 0.036350306
∂out_h1/∂net_h1 = 0.241300709
∂net_h1/∂w1 = 0.05
∂E_total/∂w1 = 0.000438568
w1+ = 0.149780716
"""


def derivation(**changes):
    """DERIVATION with the lines of some quantities replaced: name -> new line."""
    lines = DERIVATION.splitlines()
    for name, new in changes.items():
        i = next(k for k, line in enumerate(lines) if line.split(" =")[0] == name)
        lines[i] = new
    return "\n".join(lines)


def line_of(report, quantity, n=0):
    return [ln for ln in report.lines if ln.quantity == quantity][n]


def only_wrong(report):
    return [(ln.line, ln.quantity) for ln in report.wrong]


# ---------------------------------------------------------------- the notes' table
def test_published_table_passes():
    r = check_derivation(TABLE)
    assert r.ok and not r.unread and len(r.lines) == 22
    assert {ln.quantity for ln in r.lines} >= {"net_h1", "E_total", "∂E_total/∂w1", "w5+",
                                                "w4+"}


def test_repost_typo_flags_exactly_that_line_and_the_lines_after_are_right():
    r = check_derivation(REPOST)
    assert only_wrong(r) == [(7, "out_o1")]
    out = r.first_wrong
    assert out.correct_text == "0.75136507" and out.cause == "new"
    assert out.formula == "1/(1+e^(-net_o1))"
    assert out.formula_numbers == "1/(1+e^(-1.105905967))"
    text = str(r)
    assert "out_o1 = 1/(1+e^(-net_o1)) = 1/(1+e^(-1.105905967)) = 0.75136507" in text
    assert any("copying slip" in s for s in out.slips)
    for name in ("E_o1", "∂E_total/∂out_o1", "∂out_o1/∂net_o1"):   # they use the true out_o1
        ln = line_of(r, name)
        assert ln.ok and ln.uses_true == [("value", "out_o1")]
        assert ln.verdict() == "right (uses the true out_o1)"
    assert line_of(r, "E_o1").from_yours == pytest.approx(0.5 * (0.01 - 0.75136079) ** 2)
    after = [ln for ln in r.lines if ln.line > 7]
    assert after and all(ln.ok for ln in after)
    assert "the slip is in writing this line down" in out.evidence


def test_the_derivation_in_the_notes_order_passes():
    assert_derivation(DERIVATION)


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


# ---------------------------------------------------------------- new or carried
def test_a_wrong_factor_is_new_and_the_lines_using_it_carry_it():
    r = check_derivation(derivation(**{
        "∂out_o1/∂net_o1": "∂out_o1/∂net_o1 = 1 - 0.75136507^2 = 0.435450",
        "∂E_total/∂w5": "∂E_total/∂w5 = 0.74136507 × 0.435450 × 0.593269992 = 0.191524",
        "w5+": "w5+ = 0.4 - 0.5 × 0.191524 = 0.304238"}))
    assert only_wrong(r) == [(11, "∂out_o1/∂net_o1"), (13, "∂E_total/∂w5"), (14, "w5+")]
    factor, grad, step = r.wrong
    assert factor.cause == "new"
    assert grad.cause == "carried" and [c.line for c in grad.carried_from] == [11]
    assert step.cause == "carried" and [c.line for c in step.carried_from] == [13]
    assert grad.yours_formula == "0.74136507 × 0.435450 × 0.593269992"
    assert "from your numbers ∂E_total/∂w5 = ∂E_total/∂out_o1 × ∂out_o1/∂net_o1 × " \
           "∂net_o1/∂w5 = 0.74136507 × 0.435450 × 0.593269992 = 0.191524" in str(r)
    assert not grad.slips and not step.slips


def test_carried_through_a_written_factor_of_the_chain():
    r = check_derivation(derivation(**{
        "∂E_total/∂out_o1": "∂E_total/∂out_o1 = 2 (0.75136507 - 0.01) = 1.48273014",
        "∂E_total/∂w5": "∂E_total/∂w5 = 1.48273014 × 0.186815602 × 0.593269992 = 0.164334082"}))
    assert only_wrong(r) == [(10, "∂E_total/∂out_o1"), (13, "∂E_total/∂w5")]
    assert r.wrong[1].cause == "carried" and r.wrong[1].carried_from == [r.wrong[0]]


def test_carried_through_a_sum_of_branches():
    r = check_derivation(derivation(**{
        "∂E_o1/∂out_h1": "∂E_o1/∂out_h1 = 0.065399425",
        "∂E_total/∂out_h1": "∂E_total/∂out_h1 = 0.065399425 + -0.019049118 = 0.046350307",
        "∂E_total/∂w1": "∂E_total/∂w1 = 0.046350307 × 0.241300709 × 0.05 = 0.000559218",
        "w1+": "w1+ = 0.15 - 0.5 × 0.000559218 = 0.149720391"}))
    assert only_wrong(r) == [(15, "∂E_o1/∂out_h1"), (17, "∂E_total/∂out_h1"),
                             (20, "∂E_total/∂w1"), (21, "w1+")]
    assert [ln.cause for ln in r.wrong] == ["new", "carried", "carried", "carried"]
    assert [[c.line for c in ln.carried_from] for ln in r.wrong[1:]] == [[15], [17], [20]]
    assert r.wrong[0].slips == ["a copying slip: 0.065399425 for 0.055399425 (6 written "
                                "for the 5 after 0.0)"]


def test_carried_even_where_the_other_lines_were_rounded():
    """The product uses the learner's wrong factor and the full out_h1, not their
    rounded out_h1 = 0.59: still carried from the wrong factor."""
    r = check_derivation("out_h1 = 0.59\n∂E_total/∂out_o1 = 0.84136507\n"
                         "∂E_total/∂w5 = 0.84136507 × 0.186815602 × 0.593269992 = 0.09325025")
    assert only_wrong(r) == [(2, "∂E_total/∂out_o1"), (3, "∂E_total/∂w5")]
    assert r.wrong[1].cause == "carried" and r.wrong[1].carried_from == [r.wrong[0]]


def test_a_wrong_value_carried_into_the_next_lines():
    r = check_derivation(derivation(out_o1="out_o1 = 0.76136507",
                                    E_o1="E_o1 = 0.5 (0.01 - 0.76136507)^2 = 0.282274734"))
    assert only_wrong(r) == [(5, "out_o1"), (7, "E_o1")]
    assert r.wrong[1].cause == "carried" and r.wrong[1].carried_from == [r.wrong[0]]
    assert "WRONG: carried from line 5" in str(r)
    assert r.wrong[0].cause == "new"


def test_rounded_numbers_carried_forward_are_named_as_rounding():
    r = check_derivation("out_o1 = 0.7514\nE_o1 = 0.5 (0.01 - 0.7514)^2 = 0.27483698")
    e = line_of(r, "E_o1")
    assert not e.ok and e.cause == "carried" and e.rounding
    assert e.verdict() == "WRONG: carried rounding from line 1"
    assert line_of(r, "out_o1").ok


def test_a_quantity_written_twice_each_line_uses_the_one_before_it():
    r = check_derivation("out_o1 = 0.6\nE_o1 = 0.1741\nout_o1 = 0.75136507\n"
                         "E_o1 = 0.274811083")
    assert only_wrong(r) == [(1, "out_o1"), (2, "E_o1")]
    assert line_of(r, "E_o1").cause == "carried"
    assert line_of(r, "E_o1", 1).ok and not line_of(r, "E_o1", 1).uses_true


# ---------------------------------------------------------------- each slip
def slips_of(text, quantity, **kwargs):
    r = check_derivation(text, **kwargs)
    ln = line_of(r, quantity)
    assert not ln.ok and ln.cause == "new"
    return ln.slips


def test_slip_copying_digits_swapped():
    assert slips_of("out_h1 = 0.593269929", "out_h1") == [
        "a copying slip: 0.593269929 for 0.593269992 (92 written as 29)"]


def test_slip_rounding_of_the_last_digit():
    # as printed in Mazur's derivation, computed there from rounded factors
    assert slips_of("∂E_o2/∂out_h1 = -0.019049119", "∂E_o2/∂out_h1") == [
        "the last digit is one off: -0.019049119 for -0.019049118 (rounding)"]


def test_slip_sign():
    assert slips_of("∂E_total/∂out_o1 = -0.74136507", "∂E_total/∂out_o1") == [
        "the sign: yours is minus the correct value"]


def test_slip_factor_2_from_the_loss():
    (slip,) = slips_of("∂E_total/∂out_o1 = 1.48273014", "∂E_total/∂out_o1")
    assert slip.startswith("a factor 2") and "the 1/2 in E = 1/2 (target - out)^2" in slip
    (slip,) = slips_of("E_o1 = 0.549622166", "E_o1")
    assert slip.startswith("a factor 2") and "1/2" in slip
    (slip,) = slips_of("∂E_total/∂out_o1 = 0.370682535", "∂E_total/∂out_o1")
    assert slip.startswith("a factor 1/2")


def test_slip_missing_path():
    (slip,) = slips_of("∂E_total/∂w1 = 0.000668396", "∂E_total/∂w1")
    assert slip.startswith("a missing path: only the path through net_o1 → out_o1 → E_o1")
    assert "net_o2 → out_o2 → E_o2 left out" in slip
    (slip,) = slips_of("∂E_total/∂out_h1 = -0.019049118", "∂E_total/∂out_h1")
    assert slip.startswith("a missing path: only the path through net_o2")


def test_slip_derivative_of_the_wrong_activation():
    assert slips_of("∂out_o1/∂net_o1 = 0.435450", "∂out_o1/∂net_o1") == [
        "the derivative of out_o1 taken as 1 - out_o1² (tanh's derivative)"]
    assert slips_of("∂out_o1/∂net_o1 = -0.117123", "∂out_o1/∂net_o1") == [
        "the derivative of out_o1 taken as net_o1 (1 - net_o1) (s(1 - s) of the input "
        "instead of the output)"]
    # through the chain: dE/dw5 with the tanh derivative at out_o1
    (slip,) = slips_of("∂E_total/∂w5 = 0.191524", "∂E_total/∂w5")
    assert slip == "the derivative of out_o1 taken as 1 - out_o1² (tanh's derivative)"


def test_slip_update_sign_and_learning_rate():
    assert slips_of("w5+ = 0.44108352", "w5+") == [
        "the step added: w5 + η × ∂E_total/∂w5 instead of w5 - η × ∂E_total/∂w5"]
    assert slips_of("w5+ = 0.391783296", "w5+") == ["the learning rate 0.1 instead of η"]
    assert slips_of("w5+ = -0.0410835203", "w5+") == [
        "the change -η × ∂E_total/∂w5 alone, not the new w5"]


def test_the_learning_rate_stated_in_the_text_is_used():
    r = check_derivation("η = 0.1\nw5+ = 0.391783296")
    assert r.ok and r.rates == [(1, 0.1)]
    r = check_derivation("w5+ = 0.391783296\nlearning rate = 0.1")   # stated after: all lines
    assert r.ok
    assert check_derivation("w5+ = 0.391783296", lr=0.1).ok
    assert slips_of("η = 0.1\nw5+ = 0.35891648", "w5+") == ["the learning rate 0.5 instead of η"]


def _early_gradient():
    """dE_total/dw1 with w5..w8 updated first (in the backward pass only)."""
    net = _example_network()
    t = Numbers(net)
    new = {p: t.step(p) for p in ("w5", "w6", "w7", "w8")}
    return Numbers(net, backward_leaf={net.node[p]: x for p, x in new.items()}) \
        .derivative("E_total", "w1")


def test_slip_a_weight_updated_before_the_other_gradients_were_taken():
    g = _early_gradient()
    assert g == pytest.approx(0.000364723, abs=1e-9)
    text = (TABLE.split("| w1, w2")[0].replace("| ∂E_total/∂w1 | 0.000438568 |\n", "")
            + f"∂E_total/∂w1 = {g:.9f}\nw1+ = {0.15 - 0.5 * g:.9f}")
    r = check_derivation(text)
    assert [q for _, q in only_wrong(r)] == ["∂E_total/∂w1", "w1+"]
    grad, step = r.wrong
    assert grad.slips == ["the gradient taken with w5, w6, w7, w8 already updated (all "
                          "gradients come from the same forward pass, before any weight "
                          "changes)"]
    assert step.cause == "carried" and step.carried_from == [grad]


def test_slips_of_the_forward_pass():
    assert slips_of("out_h1 = 0.360534", "out_h1") == ["tanh where the sigmoid belongs"]
    assert slips_of("net_h1 = 0.0275", "net_h1") == ["b1 left out (taken as 0)"]
    assert slips_of("net_o1 = 0.927625", "net_o1") == [
        "net_h1 used where out_h1 belongs and net_h2 used where out_h2 belongs (the input "
        "of the activation instead of its output)"]


def test_no_simple_slip_says_so():
    r = check_derivation("∂E_total/∂w5 = 0.0734")
    assert r.wrong[0].slips == []
    assert "no simple slip found" in str(r)


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


# ---------------------------------------------------------------- a learner's own graph
def micrograd_graph():
    a, b, c, f = Value(2.0, "a"), Value(-3.0, "b"), Value(10.0, "c"), Value(-2.0, "f")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    return L, a


KARPATHY = """e = a*b = -6
d = e + c = 4
L = d * f = -8
dL/dd = f = -2
dL/df = d = 4
dL/dc = -2
dL/de = -2
dL/da = dL/de * de/da = -2 * -3 = 6
dL/db = -4
a.grad = 6
"""


def test_a_learners_labelled_graph_is_checked_the_same_way():
    L, a = micrograd_graph()
    assert_derivation(KARPATHY, L)
    r = check_derivation(KARPATHY.replace("= -2 * -3 = 6", "= -6"), L)
    assert only_wrong(r) == [(8, "∂L/∂a")]
    wrong = r.first_wrong
    assert wrong.slips == ["the sign: yours is minus the correct value"]
    assert wrong.formula == "∂L/∂e × ∂e/∂a" and wrong.formula_numbers == "(-2) × (-3)"
    assert a.grad == 0.0 and a.data == 2.0 and L.grad == 0.0    # nothing modified
    r = check_derivation("a' = 1.94", L, lr=0.01)
    assert r.ok and r.lines[0].quantity == "a+"


def test_a_tanh_neuron_of_ones_own():
    x1, x2, w1, w2 = Value(2.0, "x1"), Value(0.0, "x2"), Value(-3.0, "w1"), Value(1.0, "w2")
    n = x1 * w1 + x2 * w2 + Value(6.8813735870195432, "b")
    n.label = "n"
    o = n.tanh()
    o.label = "o"
    r = check_derivation("n = 0.8814\no = 0.7071\ndo/dn = 0.2929\ndo/dw1 = 1.0", o)
    assert only_wrong(r) == [(3, "∂o/∂n")]
    assert r.first_wrong.slips == ["the derivative of o taken as 1 - o (1 - out² without the "
                                   "square)"]
    assert r.first_wrong.formula == "1 - o^2"


def test_an_mlp_with_named_parameters_and_a_loss():
    model, E = build_worked_example_mlp()
    r = check_derivation(REPOST, (model, E))
    assert only_wrong(r) == [(7, "out_o1")] and r.first_wrong.correct_text == "0.75136507"
    assert check_derivation(TABLE, (model, E)).ok
    assert check_derivation(TABLE, build_worked_example()).ok
    with pytest.raises(TypeError, match="pass the loss too"):
        check_derivation(TABLE, model)


def test_labels_used_twice_are_named_as_ambiguous():
    x = Value(1.0, "x")
    y = x * 2
    y.label = "t"
    z = y * 3
    z.label = "t"
    w = z + 1
    w.label = "w"
    r = check_derivation("t = 2\nw = 7\ndw/dx = 6", w)
    assert "'t' labels 2 nodes" in r.unread[0].reason and r.ok


def test_a_mapping_of_names_to_numbers():
    r = check_derivation({"out_o1": 0.75136079, "net_h1": "0.3775", "dE/dw5": 0.082167041})
    assert only_wrong(r) == [(1, "out_o1")] and r.first_wrong.correct_text == "0.75136507"
    assert check_derivation({"out_h1": 0.5933}).ok          # a float keeps its digits


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


def test_assert_form_names_the_first_wrong_line_first():
    with pytest.raises(AssertionError) as e:
        assert_derivation(REPOST)
    first = str(e.value).splitlines()[0]
    assert first == ("line 7: out_o1 = 0.75136079 is wrong, correct 0.75136507 (out_o1 = "
                     "1/(1+e^(-net_o1)) = 1/(1+e^(-1.105905967)) = 0.75136507)")
    with pytest.raises(AssertionError, match="^line 2 not read: unknown name 'foo'"):
        assert_derivation("out_o1 = 0.75136507\nfoo = 1")
    assert assert_derivation("out_o1 = 0.75136507\nfoo = 1", allow_unread=True).ok
    with pytest.raises(AssertionError, match="nothing could be read"):
        assert_derivation("")


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match="lr must be a positive number"):
        check_derivation("w5+ = 1", lr=0)
    with pytest.raises(TypeError, match="lines must be text"):
        check_derivation(3.5)
    with pytest.raises(TypeError, match="params\\[0\\] is a float"):
        check_derivation("x = 1", Value(1.0, "x"), params=[1.0])


# ---------------------------------------------------------------- the command line
def run_cli(*args, stdin=None):
    return subprocess.run([sys.executable, "-m", "autograd_mini", "check-derivation", *args],
                          input=stdin, capture_output=True, cwd=ROOT, timeout=120)


def test_cli_exit_statuses_and_messages(tmp_path):
    table = tmp_path / "table.md"
    table.write_text(TABLE, encoding="utf-8")
    done = run_cli(str(table))
    assert done.returncode == 0 and b"all 22 quantities read are right" in done.stdout
    done = run_cli("-", stdin=REPOST.encode())
    assert done.returncode == 1
    assert "1/(1+e^(-1.105905967)) = 0.75136507" in done.stdout.decode()
    cases = {"empty.txt": b"", "unknown.txt": "out_o3 = 0.5\n".encode(),
             "nan.txt": b"out_o1 = abc\n", "binary.bin": bytes(range(256)) * 4}
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        done = run_cli(str(tmp_path / name))
        assert done.returncode == 2, name
        assert b"Traceback" not in done.stderr + done.stdout, name
    assert b"nothing could be read" in run_cli(str(tmp_path / "unknown.txt")).stdout
    assert b"unknown name 'out_o3'" in run_cli(str(tmp_path / "unknown.txt")).stdout
    assert b"not text in UTF-8" in run_cli(str(tmp_path / "binary.bin")).stderr
    missing = run_cli(str(tmp_path / "missing.txt"))
    assert missing.returncode == 2 and b"cannot read" in missing.stderr
    utf16 = tmp_path / "utf16.txt"
    utf16.write_bytes("out_o1 = 0.75136507\n".encode("utf-16"))
    assert run_cli(str(utf16)).returncode == 0
    assert run_cli("-", "--lr", "0.1", stdin=b"w5+ = 0.391783296").returncode == 0


def test_reading_does_not_depend_on_the_order_of_math():
    """agrees() is exact Decimal arithmetic: the written 0.3775 agrees with the float
    0.37749999999999995, 0.377 (truncated) and 0.378 (rounded) with 0.3775."""
    assert agrees(read_number("0.3775"), 0.37749999999999995)
    assert agrees(read_number("0.377"), 0.3775) and agrees(read_number("0.378"), 0.3775)
    assert not agrees(read_number("0.379"), 0.3775)
    assert not agrees(read_number("1"), math.nan) and not agrees(read_number("1"), math.inf)
    with pytest.raises(Unreadable):
        read_number("0x1F")
