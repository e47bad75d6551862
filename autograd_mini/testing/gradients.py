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

The tolerances follow your gradients (``tolerance``): rtol by their precision (float32
gradients are compared at single precision), atol as a fraction of the gradient's largest
entry (tiny entries at their own scale); a comparison a gradient of zeros would pass is
refused. At a kink (relu at 0) either one-sided derivative passes (``kinks``).

The work is split by stage: ``inputs`` (arguments, shapes, the loss on Values),
``tolerance`` and ``compare`` (entry by entry), ``kinks``, ``diagnosis`` (with ``chain``,
``combinations`` and ``units``), ``report`` (the table); this module runs them in order.
"""

import functools
import time

from ..core import Value, topological_order
from .chain import reverse_pass
from .compare import compare_all
from .diagnosis import diagnose
from .inputs import (
    batch_size,
    call_loss,
    check_arguments,
    entries,
    indices,
    lowest,
    parameter_entries,
    precision,
    shaped,
)
from .kinks import Kinks
from .report import GradientReport, point_notes
from .tolerance import Tolerance
from .words import entry_name

__all__ = ["check_gradients", "assert_gradients"]


def _forward(loss, parsed, moved=None):
    """The loss on fresh Values: ``(output, leaves, reads)``. ``moved``: ``(name, index,
    number)`` puts one entry at another number."""
    leaves = {}
    for name, (_, shape, flat) in parsed.items():
        leaves[name] = [Value(x, entry_name(name, i)) for i, x in zip(indices(shape), flat)]
        if moved and moved[0] == name:
            leaves[name][indices(shape).index(moved[1])].data = moved[2]
    output, reads = call_loss(loss, {name: shaped(kind, shape, leaves[name])
                                     for name, (kind, shape, _) in parsed.items()})
    return output, leaves, reads


def _absolute(v):
    """|local derivative| of each edge: a reverse pass sums |path products| (Σ|paths|)."""
    return [None if d is None else abs(d) for _, d in v.edges]


def _backward(output, leaves):
    for vs in leaves.values():                  # in case the forward ran a backward() itself
        for v in vs:
            v.grad = 0.0
    output.backward()


def check_gradients(loss, params, grads, rtol=None, atol=None):
    """Compare your gradients with the engine's: returns a ``GradientReport``.

    ``loss(**params)`` is called with every parameter made of Values (a number gives a
    Value labelled by its name, a nested list nested lists of Values, a numpy array an
    object array of Values, entries labelled ``W1[0,1]``) and must return one scalar
    Value (a 0-d or size-1 array is accepted); it is called once, and twice more for each
    wrong entry at a kink made by a comparison (up to 16). ``grads`` holds your
    dL/dparam for each name, of the parameter's shape. An entry passes when both are
    finite and |yours - engine| <= atol + rtol |engine|, or, at a kink, yours is a
    one-sided derivative there. ``rtol=None``: 1e-6 for float64 gradients, 1e-4 for
    float32, 1e-2 for float16; ``atol=None``: 1e-9 (float32 1e-5, float16 1e-2) times
    the largest |engine| entry, and for an entry so small that a zero or a flipped sign
    would pass that, 1e-9 times its own Σ|chain-rule paths| (in float32/float16 its sign
    is checked); numbers are used as given. A comparison that a gradient of zeros would
    pass is vacuous, and reported as a problem, not a match. An unlabelled loss Value is
    labelled "loss" (the name explanations give it).
    """
    check_arguments(loss, params, grads, rtol, atol)
    t0 = time.perf_counter()
    parsed = {name: parameter_entries(x, f"params[{name!r}]") for name, x in params.items()}
    yours = {name: entries(grads[name], f"grads[{name!r}]") for name in params if name in grads}
    output, leaves, reads = _forward(loss, parsed)
    t1 = time.perf_counter()
    if not output.label:
        output.label = "loss"
    _backward(output, leaves)
    t2 = time.perf_counter()
    m = batch_size(output)
    engine = {name: [v.grad for v in vs] for name, vs in leaves.items()}
    order = topological_order(output)

    @functools.cache
    def path_sizes():                           # each entry's Σ|chain-rule paths|
        size = reverse_pass(order, output, _absolute)
        return {name: [size.get(v, 0.0) for v in vs] for name, vs in leaves.items()}
    tolerance = Tolerance(rtol, atol, lowest(precision(grads[n]) for n in yours), engine,
                          path_sizes)
    checks = compare_all(parsed, yours, list(grads.keys()), engine, tolerance, m)
    kinks = Kinks(order, reads.ties)
    if kinks:
        def rerun(name, index, number):
            out, moved, _ = _forward(loss, parsed, (name, index, number))
            _backward(out, moved)
            return moved[name][indices(parsed[name][1]).index(index)].grad
        kinks.settle(checks, (order, output, leaves), rerun, tolerance.rtol)
    vacuous = tolerance.vacuous(engine)
    report = GradientReport(
        checks, (output, order, leaves),
        {name: (kind, shape) for name, (kind, shape, _) in parsed.items()}, tolerance, m,
        problems=[vacuous] if vacuous else [],
        notes=point_notes(parsed) + ([] if vacuous else tolerance.notes()), kinks=kinks,
        reads=reads, precision=lowest([tolerance.precision,
                                       *(precision(x) for x in params.values())]))
    t3 = time.perf_counter()
    report.diagnosis, report.cause = diagnose(report)
    report.seconds = {"forward": t1 - t0, "backward": t2 - t1, "compare": t3 - t2,
                      "diagnosis": time.perf_counter() - t3}
    return report


def assert_gradients(loss, params, grads, rtol=None, atol=None):
    """``check_gradients`` for tests: raises AssertionError when any entry is wrong (or
    the comparison is vacuous), returns the report otherwise. The message's first line
    (what ``pytest -rf`` and ``--tb=line`` show) names the first wrong entry, both
    numbers and the likely cause; the report's table and diagnosis follow."""
    __tracebackhide__ = True                    # pytest shows the caller's line, not this
    report = check_gradients(loss, params, grads, rtol=rtol, atol=atol)
    if not report.ok:
        raise AssertionError(f"{report.headline()}\n{report}")
    return report
