"""The worked 2-2-2 example of the notes, built from named Values.

Inputs i1 = 0.05, i2 = 0.10; targets 0.01 and 0.99; weights w1..w8 = 0.15 .. 0.55; biases
b1 = 0.35 (both hidden neurons) and b2 = 0.60 (both outputs); sigmoid everywhere;
``E_total = 1/2 (target_o1 - out_o1)^2 + 1/2 (target_o2 - out_o2)^2``; learning rate 0.5.
As in the classic presentation the biases are shared per layer and not updated (pass
``update_biases=True`` to update them too).

- ``build_worked_example()`` returns the graph after ``backward()``: a ``WorkedExample``
  whose ``values`` maps every node's label to its Value (``ex["net_o1"]``, ``ex["w5"]``).
- ``worked_example(steps=N)`` returns the numbers: forward values, errors, gradients, the
  weights after one step and the total error before each of N steps (and after the last).
- ``format_table(result)`` is the readable table ``python -m autograd_mini example`` prints.

Every node has a label, so the graph reads like the notes:

    net_h1 = w1*i1 + w2*i2 + b1     out_h1 = sigmoid(net_h1)   (h2 alike, with w3, w4)
    net_o1 = w5*out_h1 + w6*out_h2 + b2   out_o1 = sigmoid(net_o1)   (o2 with w7, w8)
    E_o1 = 0.5 * (target_o1 - out_o1)**2     E_total = E_o1 + E_o2
"""

from dataclasses import dataclass, field

from .engine import Value

__all__ = ["build_worked_example", "worked_example", "format_table", "WorkedExample",
           "INPUTS", "TARGETS", "WEIGHTS", "BIASES", "LEARNING_RATE", "OUT_O1_TYPO"]

INPUTS = {"i1": 0.05, "i2": 0.10}
TARGETS = {"o1": 0.01, "o2": 0.99}
WEIGHTS = {"w1": 0.15, "w2": 0.20, "w3": 0.25, "w4": 0.30,
           "w5": 0.40, "w6": 0.45, "w7": 0.50, "w8": 0.55}
BIASES = {"b1": 0.35, "b2": 0.60}
LEARNING_RATE = 0.5
OUT_O1_TYPO = 0.75136079        # how reposts often misprint out_o1 (correct: 0.75136507)

# which weights feed which neuron: neuron -> ((weight, input), (weight, input), bias)
_WIRING = {
    "h1": (("w1", "i1"), ("w2", "i2"), "b1"),
    "h2": (("w3", "i1"), ("w4", "i2"), "b1"),
    "o1": (("w5", "out_h1"), ("w6", "out_h2"), "b2"),
    "o2": (("w7", "out_h1"), ("w8", "out_h2"), "b2"),
}
FORWARD = ["net_h1", "net_h2", "out_h1", "out_h2", "net_o1", "net_o2", "out_o1", "out_o2"]


@dataclass
class WorkedExample:
    """The built graph: ``values[label]`` is the Value with that label (after backward).

    Leaves: i1, i2, w1..w8, b1, b2, target_o1, target_o2. Nodes: ``w1*i1``,
    ``w1*i1+w2*i2``, net_h1, out_h1, ..., net_o1, out_o1, ``target_o1-out_o1``,
    ``(target_o1-out_o1)**2``, E_o1, E_o2, E_total. ``h1``, ``h2``, ``o1``, ``o2`` are
    aliases of out_h1, out_h2, out_o1, out_o2.
    """
    values: dict = field(default_factory=dict)

    def __getitem__(self, name):
        return self.values[name]

    def __contains__(self, name):
        return name in self.values

    @property
    def output(self):
        """E_total, the root of the graph."""
        return self.values["E_total"]


def _leaf(values, name, data):
    values[name] = Value(data, name)
    return values[name]


def _named(values, name, v):
    v.label = name
    values[name] = v
    return v


def build_worked_example(weights=None, biases=None, inputs=None, targets=None, backward=True):
    """Build the 2-2-2 network's graph from labelled Values and run ``backward()`` on E_total.

    Numbers default to the notes'; ``weights``/``biases``/``inputs``/``targets`` are dicts
    overriding some of them (e.g. ``weights={"w5": 0.3}``). Returns a ``WorkedExample``.
    """
    values = {}
    for defaults, given in ((INPUTS, inputs), (WEIGHTS, weights), (BIASES, biases)):
        unknown = set(given or {}) - set(defaults)
        if unknown:
            raise KeyError(f"unknown names {sorted(unknown)}; expected some of {list(defaults)}")
        for name, data in {**defaults, **(given or {})}.items():
            _leaf(values, name, data)
    unknown = set(targets or {}) - set(TARGETS)
    if unknown:
        raise KeyError(f"unknown targets {sorted(unknown)}; expected some of {list(TARGETS)}")
    for name, data in {**TARGETS, **(targets or {})}.items():
        _leaf(values, f"target_{name}", data)

    for neuron, ((wa, xa), (wb, xb), b) in _WIRING.items():
        first = _named(values, f"{wa}*{xa}", values[wa] * values[xa])
        second = _named(values, f"{wb}*{xb}", values[wb] * values[xb])
        both = _named(values, f"{wa}*{xa}+{wb}*{xb}", first + second)
        net = _named(values, f"net_{neuron}", both + values[b])
        values[neuron] = _named(values, f"out_{neuron}", net.sigmoid())

    errors = []
    for o in ("o1", "o2"):
        diff = _named(values, f"target_{o}-out_{o}", values[f"target_{o}"] - values[f"out_{o}"])
        square = _named(values, f"(target_{o}-out_{o})**2", diff ** 2)
        errors.append(_named(values, f"E_{o}", square * 0.5))
    E_total = _named(values, "E_total", errors[0] + errors[1])
    if backward:
        E_total.backward()
    return WorkedExample(values)


def worked_example(steps=1, lr=LEARNING_RATE, update_biases=False):
    """The example's numbers as a dict (all floats at full precision):

    ``forward`` (net_h1, net_h2, out_h1, out_h2, net_o1, net_o2, out_o1, out_o2), ``E_o1``,
    ``E_o2``, ``E_total``, ``factors`` (the three factors of dE_total/dw5), ``grads``
    (w1..w8, then b1, b2 under ``bias_grads``), ``updated`` (w1..w8 after one step
    ``w <- w - lr dE/dw``; ``updated_biases`` b1, b2), and ``E_history``: E_total before
    each of ``steps`` steps and after the last (length steps + 1).
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps must be an int >= 0, got {steps!r}")
    lr = float(lr)
    ex = build_worked_example()
    v = ex.values
    result = {
        "forward": {name: v[name].data for name in FORWARD},
        "E_o1": v["E_o1"].data,
        "E_o2": v["E_o2"].data,
        "E_total": v["E_total"].data,
        "factors": {"dE_total/dout_o1": v["out_o1"].grad,
                    "dout_o1/dnet_o1": v["out_o1"].local_grads[0],
                    "dnet_o1/dw5": v["w5*out_h1"].local_grads[0]},
        "grads": {w: v[w].grad for w in WEIGHTS},
        "bias_grads": {b: v[b].grad for b in BIASES},
        "lr": lr,
        "update_biases": bool(update_biases),
    }
    step = _update(ex, lr, update_biases)
    result["updated"] = {w: step[w] for w in WEIGHTS}
    result["updated_biases"] = {b: step[b] for b in BIASES}

    weights, biases = dict(WEIGHTS), dict(BIASES)
    history = []
    for _ in range(steps):
        ex = build_worked_example(weights, biases)
        history.append(ex.output.data)
        new = _update(ex, lr, update_biases)
        weights = {w: new[w] for w in WEIGHTS}
        biases = {b: new[b] for b in BIASES}
    history.append(build_worked_example(weights, biases, backward=False).output.data)
    result["E_history"] = history
    return result


def _update(ex, lr, update_biases):
    """``p - lr * dE/dp`` for w1..w8 (and b1, b2 if ``update_biases``), from one graph."""
    new = {w: ex[w].data - lr * ex[w].grad for w in WEIGHTS}
    for b in BIASES:
        new[b] = ex[b].data - lr * ex[b].grad if update_biases else ex[b].data
    return new


def _error(x):
    """9 decimals, plus the significant digits once the error is small."""
    return f"{x:.9f}" + (f"  ({x:.9e})" if abs(x) < 1e-3 else "")


def format_table(result):
    """The readable table of ``python -m autograd_mini example``."""
    f = "{:.9f}".format
    lr = result["lr"]
    lines = [
        "The worked 2-2-2 example (sigmoid units, E = 1/2 sum (target - out)^2, "
        f"learning rate {lr:g})",
        "inputs i1 = 0.05, i2 = 0.10; targets o1 = 0.01, o2 = 0.99; biases b1 = 0.35, "
        "b2 = 0.60",
        "",
        "forward pass",
    ]
    lines += [f"  {name:<8} {f(x)}" for name, x in result["forward"].items()]
    lines += ["", "error"]
    lines += [f"  {name:<8} {f(result[name])}" for name in ("E_o1", "E_o2", "E_total")]
    fa = result["factors"]
    lines += ["", "gradients (all from the same forward pass, before any weight changes)"]
    lines += [f"  dE_total/d{w}  {result['grads'][w]:+.9f}" for w in WEIGHTS]
    lines += [
        "  dE_total/dw5 = dE_total/dout_o1 * dout_o1/dnet_o1 * dnet_o1/dw5",
        f"               = {f(fa['dE_total/dout_o1'])} * {f(fa['dout_o1/dnet_o1'])} * "
        f"{f(fa['dnet_o1/dw5'])} = {f(result['grads']['w5'])}",
        "  dE_total/dw1 adds two paths, through o1 and through o2",
        "",
        f"weights after one step (w <- w - {lr:g} * dE_total/dw)",
    ]
    lines += [f"  {w}  {WEIGHTS[w]:.2f} -> {f(result['updated'][w])}" for w in WEIGHTS]
    if result["update_biases"]:
        lines += [f"  {b}  {BIASES[b]:.2f} -> {f(result['updated_biases'][b])}"
                  for b in BIASES]
    else:
        lines.append("  b1, b2 are not updated (the classic presentation); "
                     "--update-biases updates them")
    history = result["E_history"]
    lines += ["", "total error"]
    rows = [("before training", history[0])]
    if len(history) > 1:
        rows.append(("after 1 step", history[1]))
    if len(history) > 2:
        rows.append((f"after {len(history) - 1} steps", history[-1]))
    lines += [f"  {name:<20}{_error(x)}" for name, x in rows]
    lines += ["", f"note: out_o1 = {result['forward']['out_o1']:.8f}; reposts of this example "
                  f"often print {OUT_O1_TYPO}, a typo."]
    return "\n".join(lines)
