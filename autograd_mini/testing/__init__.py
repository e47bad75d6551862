"""Checking people's work: ``check_gradients`` / ``assert_gradients`` for a hand-written
backward pass, ``check_derivation`` / ``assert_derivation`` for a derivation by hand."""

from .compare import ParameterCheck
from .derivation import DerivationReport, LineCheck, assert_derivation, check_derivation
from .gradients import assert_gradients, check_gradients
from .report import GradientReport

__all__ = ["check_gradients", "assert_gradients", "GradientReport", "ParameterCheck",
           "check_derivation", "assert_derivation", "DerivationReport", "LineCheck"]
