"""The worked 2-2-2 example of the notes, built from named Values.

Inputs i1 = 0.05, i2 = 0.10; targets 0.01 and 0.99; weights w1..w8 = 0.15 .. 0.55; biases
b1 = 0.35 (both hidden neurons) and b2 = 0.60 (both outputs); sigmoid everywhere;
``E_total = 1/2 (target_o1 - out_o1)^2 + 1/2 (target_o2 - out_o2)^2``; learning rate 0.5.
As in the classic presentation the biases are shared per layer and not updated (pass
``update_biases=True`` to update them too).

- ``build_worked_example()`` returns the graph after ``backward()``: a ``WorkedExample``
  whose ``values`` maps every node's label to its Value (``ex["net_o1"]``, ``ex["w5"]``).
- ``build_worked_example_mlp()`` returns ``(model, E_total)`` after ``backward()``: the same
  network as ``MLP(2, [2, 2], activation="sigmoid", output_activation="sigmoid")`` with
  parameters labelled w1..w8, b1, b2 (one ``b1`` Value for both hidden neurons, one ``b2``
  for both outputs). Its gradients equal the hand-built graph's.
- ``worked_example(steps=N)`` returns the numbers, computed through the MLP and checked
  against the hand-built graph: forward values, errors, gradients, the weights after one
  step and the total error before each of N steps (and after the last).
- ``format_table(result)`` is the readable table ``python -m autograd_mini example`` prints.

Every node has a label, so the graph reads like the notes:

    net_h1 = w1*i1 + w2*i2 + b1     out_h1 = sigmoid(net_h1)   (h2 alike, with w3, w4)
    net_o1 = w5*out_h1 + w6*out_h2 + b2   out_o1 = sigmoid(net_o1)   (o2 with w7, w8)
    E_o1 = 0.5 * (target_o1 - out_o1)**2     E_total = E_o1 + E_o2
"""

import math
from dataclasses import dataclass, field

from .core import Value
from .losses import mse
from .nn import MLP

__all__ = ["build_worked_example", "build_worked_example_mlp", "worked_example",
           "format_table", "WorkedExample", "INPUTS", "TARGETS", "WEIGHTS", "BIASES",
           "LEARNING_RATE", "OUT_O1_TYPO"]

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
_NEURONS = (("h1", "h2"), ("o1", "o2"))             # the MLP's layers, neuron by neuron


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


def _numbers(weights, biases, inputs, targets):
    """The notes' numbers with some overridden: one dict ``name -> number`` (targets as
    ``target_o1``, ``target_o2``); an unknown name is a KeyError."""
    numbers = {}
    for defaults, given, what in ((INPUTS, inputs, "names"), (WEIGHTS, weights, "names"),
                                  (BIASES, biases, "names"), (TARGETS, targets, "targets")):
        unknown = set(given or {}) - set(defaults)
        if unknown:
            raise KeyError(f"unknown {what} {sorted(unknown)}; expected some of "
                           f"{list(defaults)}")
        prefix = "target_" if defaults is TARGETS else ""
        numbers.update({prefix + k: v for k, v in {**defaults, **(given or {})}.items()})
    return numbers


def build_worked_example(weights=None, biases=None, inputs=None, targets=None, backward=True):
    """Build the 2-2-2 network's graph from labelled Values and run ``backward()`` on E_total.

    Numbers default to the notes'; ``weights``/``biases``/``inputs``/``targets`` are dicts
    overriding some of them (e.g. ``weights={"w5": 0.3}``). Returns a ``WorkedExample``.
    """
    values = {}
    for name, data in _numbers(weights, biases, inputs, targets).items():
        _leaf(values, name, data)
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


# ---------------------------------------------------------------------- through the MLP
def _example_mlp(numbers):
    """``MLP(2, [2, 2], sigmoid, sigmoid)`` holding the example's weights in the notes'
    wiring (neuron h1 reads w1, w2; h2 w3, w4; o1 w5, w6; o2 w7, w8), with one Value b1
    as the bias of both hidden neurons and one b2 for both outputs."""
    model = MLP(2, [2, 2], activation="sigmoid", output_activation="sigmoid", seed=0)
    shared = {b: Value(numbers[b], b) for b in BIASES}
    for layer, names in zip(model.layers, _NEURONS):
        for neuron, name in zip(layer.neurons, names):
            (wa, _), (wb, _), b = _WIRING[name]
            for w, label in zip(neuron.w, (wa, wb)):
                w.data, w.label = numbers[label], label
            neuron.b = shared[b]
    return model


def _mlp_error(model, numbers):
    """E_total through ``model``: ``out = model(i1, i2)``, ``E_o = mse(out_o, target_o)``
    (= 1/2 (out_o - target_o)^2), ``E_total = E_o1 + E_o2``. Returns every named node:
    i1, i2, net_h1, out_h1, ..., out_o2, E_o1, E_o2, E_total."""
    values = {name: Value(numbers[name], name) for name in INPUTS}
    layers = model.layer_outputs([values["i1"], values["i2"]])
    for outputs, names in zip(layers, _NEURONS):
        for out, name in zip(outputs, names):
            _named(values, f"out_{name}", out)
            if out.parents:                         # the sigmoid's input (none in no_grad)
                _named(values, f"net_{name}", out.parents[0])
    errors = [_named(values, f"E_{o}", mse(values[f"out_{o}"], numbers[f"target_{o}"]))
              for o in ("o1", "o2")]
    _named(values, "E_total", errors[0] + errors[1])
    return values


def build_worked_example_mlp(weights=None, biases=None, inputs=None, targets=None,
                             backward=True):
    """The worked example through the network layer: ``(model, E_total)`` after
    ``backward()``, with ``model = MLP(2, [2, 2], activation="sigmoid",
    output_activation="sigmoid")`` whose parameters are labelled w1..w8, b1, b2 as in the
    notes; ``model.parameters()`` lists the shared biases once:
    ``[w1, w2, b1, w3, w4, w5, w6, b2, w7, w8]``. Overrides as ``build_worked_example``."""
    numbers = _numbers(weights, biases, inputs, targets)
    model = _example_mlp(numbers)
    E_total = _mlp_error(model, numbers)["E_total"]
    if backward:
        E_total.backward()
    return model, E_total


def worked_example(steps=1, lr=LEARNING_RATE, update_biases=False):
    """The example's numbers as a dict (all floats at full precision), computed through
    ``build_worked_example_mlp()`` and checked against the hand-built graph:

    ``forward`` (net_h1, net_h2, out_h1, out_h2, net_o1, net_o2, out_o1, out_o2), ``E_o1``,
    ``E_o2``, ``E_total``, ``factors`` (the three factors of dE_total/dw5), ``grads``
    (w1..w8, then b1, b2 under ``bias_grads``), ``check`` (the largest difference of
    those 10 gradients from the hand-built graph's, and whether they agree), ``updated``
    (w1..w8 after one step ``w <- w - lr dE/dw``; ``updated_biases`` b1, b2), and
    ``E_history``: E_total before each of ``steps`` steps and after the last (length
    steps + 1).
    """
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps must be an int >= 0, got {steps!r}")
    lr = float(lr)
    numbers = _numbers(None, None, None, None)
    model = _example_mlp(numbers)
    v = _mlp_error(model, numbers)
    v["E_total"].backward()
    p = {q.label: q for q in model.parameters()}
    result = {
        "forward": {name: v[name].data for name in FORWARD},
        "E_o1": v["E_o1"].data,
        "E_o2": v["E_o2"].data,
        "E_total": v["E_total"].data,
        "factors": {"dE_total/dout_o1": v["out_o1"].grad,
                    "dout_o1/dnet_o1": v["out_o1"].local_grads[0],
                    "dnet_o1/dw5": _derivative(v["net_o1"], p["w5"])},
        "grads": {w: p[w].grad for w in WEIGHTS},
        "bias_grads": {b: p[b].grad for b in BIASES},
        "check": _check_against_hand_built(p),
        "lr": lr,
        "update_biases": bool(update_biases),
        "updated": {w: p[w].data - lr * p[w].grad for w in WEIGHTS},
        "updated_biases": {b: p[b].data - lr * p[b].grad if update_biases else p[b].data
                           for b in BIASES},
    }
    result["E_history"] = _train(model, numbers, steps, lr, update_biases)
    return result


def _derivative(output, x):
    """d output / d x, read off the graph without touching any ``.grad`` (the package's
    ``grad``, imported here: it is defined after this module is loaded)."""
    from .core import grad
    return grad(output, x).data


def _check_against_hand_built(params):
    """Compare the MLP's 10 gradients with the hand-built graph's: ``{"against",
    "gradients", "max_difference", "agree"}`` (agree: within 1e-15 + 1e-12 relative)."""
    ex = build_worked_example()
    pairs = [(params[name].grad, ex[name].grad) for name in (*WEIGHTS, *BIASES)]
    return {"against": "the hand-built graph", "gradients": len(pairs),
            "max_difference": max(abs(a - b) for a, b in pairs),
            "agree": all(math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15) for a, b in pairs)}


def _train(model, numbers, steps, lr, update_biases):
    """E_total before each of ``steps`` gradient-descent steps ``p <- p - lr dE/dp`` on
    w1..w8 (and b1, b2 if ``update_biases``), and after the last."""
    params = [p for p in model.parameters() if update_biases or p.label in WEIGHTS]
    history = []
    for _ in range(steps):
        E_total = _mlp_error(model, numbers)["E_total"]
        history.append(E_total.data)
        model.zero_grad()
        E_total.backward()
        for p in params:
            p.data -= lr * p.grad
    history.append(_mlp_error(model, numbers)["E_total"].data)
    return history


def _error(x):
    """9 decimals, plus the significant digits once the error is small."""
    return f"{x:.9f}" + (f"  ({x:.9e})" if abs(x) < 1e-3 else "")


def _check_line(check):
    n, d = check["gradients"], check["max_difference"]
    if check["agree"]:
        return (f"  checked: the MLP and {check['against']} agree on all {n} gradients "
                f"(max difference {d!r})")
    return f"  CHECK FAILED: the MLP and {check['against']} differ (max difference {d!r})"


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
        _check_line(result["check"]),
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
