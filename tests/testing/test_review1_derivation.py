"""Review 1's findings in check_derivation; each test failed before the fix."""

import pytest

from autograd_mini.testing import check_derivation


def only(text):
    report = check_derivation(text)
    (line,) = report.lines
    return line


# A written 0 for a quantity that is not 0 was "right" (0.000438568 rounds to 0 with no
# decimals): a learner who forgot both paths to w1, or thought E_total vanishes, was told
# right, and the "correct" column showed 0.
@pytest.mark.parametrize("text, value", [("∂E_total/∂w1 = 0", "0.000438568"),
                                         ("∂E_total/∂w1 = 0.000", "0.000438568"),
                                         ("E_total = 0", "0.298371109")])
def test_a_zero_for_a_quantity_that_is_not_zero_is_wrong(text, value):
    line = only(text)
    assert not line.ok and line.cause == "new"
    assert line.correct_text == value
    assert any("is not 0" in s for s in line.slips)


def test_a_zero_for_a_quantity_that_is_zero_is_right():
    assert only("∂net_h1/∂w5 = 0").ok and only("∂w1/∂w5 = 0.0").ok


# The notes do not update the biases (and E_total+ is computed with b1 unchanged), but
# b1+ = 0.35 was WRONG ("correct 0.34") with the false slip "the step added: b1 + η ...".
def test_a_bias_is_not_updated_by_the_notes_step():
    assert only("b1+ = 0.35").ok and only("b2 after one step = 0.6").ok
    wrong = only("b1+ = 0.340637196")
    assert not wrong.ok and wrong.correct_text == "0.350000000"
    assert any("b1 is not a parameter" in s for s in wrong.slips)
