"""check_derivation / assert_derivation: a learner's hand derivation, line by line.

The worked 2-2-2 example's numbers come from the notes (the published table, read from
notebooks/BACKPROP_NOTES.md) and from closed forms; each diagnosis is asserted with the
slip it must name and without slips it must not name, so a checker that lists every
candidate (or none) fails.
"""

import re
from pathlib import Path

import pytest

from autograd_mini import Value
from autograd_mini.example import build_worked_example, build_worked_example_mlp
from autograd_mini.testing import assert_derivation, check_derivation
from autograd_mini.testing.derivation import _example_network
from autograd_mini.testing.derivation_values import Numbers
from builders import labelled_expression

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


def test_the_checkers_worked_example_is_autograd_mini_example():
    """The checker's example is example.build_worked_example's graph: the same named
    nodes, ops and numbers, gradients included."""
    net, ex = _example_network(), build_worked_example()
    mine = Numbers(net)
    for name in net.order:
        assert ex[name].data == net.node[name].data and ex[name].op == net.node[name].op
        assert mine.derivative("E_total", name) == ex[name].grad, name
    assert {k for k in ex.values if "*" not in k and "-" not in k} == \
        set(net.node) | set(net.aliases) - {"E", "Etot", "E_tot", "loss", "total error",
                                            "t_o1", "t_o2", "y_o1", "y_o2"}


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


def test_a_value_written_for_the_value_after_the_step():
    assert slips_of("w5 = 0.40 - 0.5*0.082167041 = 0.35891648", "w5") == [
        "the value after one step: write w5+ (or w5') for it"]
    assert slips_of("E_total = 0.291027774", "E_total") == [
        "the value after one step: write E_total+ (or E_total') for it"]


def test_a_new_error_says_what_the_learners_own_wrong_lines_would_give():
    r = check_derivation("∂out_o1/∂net_o1 = 0.435450\nout_h1 = 0.5933\n"
                         "∂E_total/∂w1 = 0.000668396")
    grad = line_of(r, "∂E_total/∂w1")
    assert grad.cause == "new" and grad.wrong_inputs == [("d", "out_o1", "net_o1")]
    assert "a new error: from your own lines (with your ∂out_o1/∂net_o1) it would be " \
           "0.001328" in "\n".join(grad.details())
    assert grad.slips[0].startswith("a missing path")
    r = check_derivation("out_h1 = 0.5933\nE_total = 0.2990")    # rounded inputs: not named
    assert "(the lines it uses are right)" in str(r) and not r.wrong[0].wrong_inputs


def test_no_simple_slip_says_so():
    r = check_derivation("∂E_total/∂w5 = 0.0734")
    assert r.wrong[0].slips == []
    assert "no simple slip found" in str(r)


# ---------------------------------------------------------------- a learner's own graph
def micrograd_graph():
    a = Value(2.0, "a")
    return labelled_expression(a, Value(-3.0, "b"), Value(10.0, "c"), Value(-2.0, "f")), a


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


# ---------------------------------------------------------------- the assert form
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
