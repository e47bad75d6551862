"""Checking people's work: ``check_gradients`` / ``assert_gradients`` for a hand-written
backward pass."""

from .gradients import GradientReport, ParameterCheck, assert_gradients, check_gradients

__all__ = ["check_gradients", "assert_gradients", "GradientReport", "ParameterCheck"]
