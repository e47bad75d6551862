"""Checking people's work: ``check_gradients`` / ``assert_gradients`` for a hand-written
backward pass."""

from .compare import ParameterCheck
from .gradients import assert_gradients, check_gradients
from .report import GradientReport

__all__ = ["check_gradients", "assert_gradients", "GradientReport", "ParameterCheck"]
