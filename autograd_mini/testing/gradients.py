"""Check a hand-written backward pass against the engine: ``check_gradients`` and
``assert_gradients``.

The learner's own forward (numpy or plain Python) runs once on Values; ``backward()``
then gives the exact gradient of the loss with respect to every parameter entry, and
each entry of the learner's gradients is compared with it:

    an entry passes when  |yours - engine| <= atol + rtol * |engine|   (both finite)

For the first wrong entry the report takes the engine's number apart into its
chain-rule paths (``dE/dw = sum over paths of the product of local derivatives``, see
``autograd_mini.explain``) and looks for the usual slips: a simple factor (sign, 2,
1/2, the batch size m), a path missing, counted twice or with its sign flipped (every
combination, for up to 12 paths that are not 0), and the derivative of one function
left out (a forgotten g'(z): a one-operand op such as tanh, or an activation written out
in several ops, such as 1/(1 + np.exp(-z))).

numpy is imported only when a parameter is a numpy array: nested lists and floats work
without it (the loss then gets nested lists of Values and Values). On numpy object
arrays of Values, arithmetic, ``@``, ``.T``, broadcasting, np.sum, np.mean, np.dot,
np.exp, np.log, np.sqrt, np.tanh, np.abs, np.maximum, np.where and comparisons work;
np.log1p, np.expm1, np.logaddexp, np.var and np.std do not (no Value method), and the
error says so. ``np.maximum(0, z)`` leaves no node for relu's derivative, so a
forgotten relu' is reported without a cause.

The work is split by stage: ``inputs`` (arguments, shapes, the loss on Values),
``compare`` (entry by entry), ``diagnosis`` (with ``chain``, ``combinations`` and
``units``), ``report`` (the table); this module runs them in order.
"""

import time

from ..core import Value, topological_order
from .compare import compare_all
from .diagnosis import diagnose
from .inputs import batch_size, call_loss, check_arguments, entries, indices, shaped
from .report import GradientReport
from .words import entry_name

__all__ = ["check_gradients", "assert_gradients"]


def check_gradients(loss, params, grads, rtol=1e-6, atol=1e-9):
    """Compare your gradients with the engine's: returns a ``GradientReport``.

    ``loss(**params)`` is called once with every parameter made of Values (a number gives
    a Value labelled by its name, a nested list nested lists of Values, a numpy array an
    object array of Values, entries labelled ``W1[0,1]``) and must return one scalar
    Value (a 0-d or size-1 array is accepted). ``grads`` holds your dL/dparam for each
    name, of the parameter's shape. An entry passes when both are finite and
    |yours - engine| <= atol + rtol |engine|. An unlabelled loss Value is labelled "loss"
    (the name explanations give it).
    """
    check_arguments(loss, params, grads, rtol, atol)
    t0 = time.perf_counter()
    parsed = {name: entries(x, f"params[{name!r}]") for name, x in params.items()}
    leaves = {name: [Value(x, entry_name(name, i)) for i, x in zip(indices(shape), flat)]
              for name, (_, shape, flat) in parsed.items()}
    output = call_loss(loss, {name: shaped(kind, shape, leaves[name])
                              for name, (kind, shape, _) in parsed.items()})
    t1 = time.perf_counter()
    if not output.label:
        output.label = "loss"
    for vs in leaves.values():                  # in case the forward ran a backward() itself
        for v in vs:
            v.grad = 0.0
    output.backward()
    t2 = time.perf_counter()
    m = batch_size(output)
    engine = {name: [v.grad for v in vs] for name, vs in leaves.items()}
    checks = compare_all(params, grads, parsed, engine, rtol, atol, m)
    report = GradientReport(checks, (output, topological_order(output), leaves),
                            {name: (kind, shape) for name, (kind, shape, _) in parsed.items()},
                            (rtol, atol), m)
    t3 = time.perf_counter()
    report.diagnosis = diagnose(report)
    report.seconds = {"forward": t1 - t0, "backward": t2 - t1, "compare": t3 - t2,
                      "diagnosis": time.perf_counter() - t3}
    return report


def assert_gradients(loss, params, grads, rtol=1e-6, atol=1e-9):
    """``check_gradients`` for tests: raises AssertionError with the report's text when
    any entry is wrong, returns the report otherwise."""
    __tracebackhide__ = True                    # pytest shows the caller's line, not this
    report = check_gradients(loss, params, grads, rtol=rtol, atol=atol)
    if not report.ok:
        raise AssertionError(str(report))
    return report
