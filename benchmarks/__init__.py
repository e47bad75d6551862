"""Benchmarks of autograd_mini against micrograd, PyTorch 0-d tensors and hand-written
floats. Run ``python -m benchmarks`` (or ``--quick``); see ``benchmarks/run.py``."""
