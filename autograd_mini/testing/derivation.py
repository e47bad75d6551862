"""Check a backpropagation derivation done by hand, line by line: ``check_derivation``
and ``assert_derivation``.

A learner works the notes' 2-2-2 example on paper (net_h1, out_h1, ..., ∂E_total/∂w5,
w5 after one step), or derives the gradients of their own small network, and pastes the
lines. Every quantity is computed by the engine and compared with the number written:

- **right** when the true value rounded or truncated to the digits written gives it
  (``0.5933`` and ``0.593269992`` are right for out_h1; ``0.75136079`` is wrong for
  out_o1, whose value is 0.75136507);
- a wrong line gets the correct value to the same digits, its formula with the numbers
  substituted, whether it is a **new error** or **carries** an earlier wrong line forward
  (each line is computed from the learner's own other lines as well as from the true
  values), and the likely slip where a simple cause fits: a copying slip (digits swapped,
  changed, dropped or added), a sign, a factor 2 or 1/2, a missing path, the derivative of
  the wrong activation, an update with the wrong sign or learning rate, a gradient taken
  after some weights were already updated;
- lines that cannot be read are listed with the reason, never skipped silently.

What the quantities mean (see ``derivation_graph`` and ``derivation_names``):
``X`` a value of the forward pass; ``∂A/∂B`` (or ``dA/dB``) the derivative of A with respect
to B, B treated as a variable and its own inputs held fixed, summed over every path from B
to A (∂E_total/∂out_o1 = out_o1 - target_o1, ∂out_o1/∂net_o1 = out_o1 (1 - out_o1),
∂net_o1/∂w5 = out_h1, ∂E_o1/∂out_h1 through o1 only, ∂E_total/∂w1 through o1 and o2);
``X+`` (``X'``, ``X (new)``, ``X after one step``) X after one step of gradient descent,
``X - η ∂E/∂X`` with η = 0.5 unless the text says otherwise (``η = 0.1`` on a line of its
own) and every gradient taken from the same forward pass, before any weight changes.
"""

import math
from collections.abc import Mapping
from numbers import Real

from ..core import Value, topological_order
from ..example import BIASES, INPUTS, WEIGHTS, build_worked_example
from .derivation_diagnosis import Checker
from .derivation_formula import formula, render
from .derivation_graph import Network, is_name
from .derivation_names import RATE, Resolver, display
from .derivation_numbers import Unreadable, fmt, number_from, read_numbers
from .derivation_parse import MAX_TEXT, Claim, Unread, read_lines
from .derivation_report import DerivationReport, LineCheck
from .derivation_values import Numbers

__all__ = ["check_derivation", "assert_derivation", "DerivationReport", "LineCheck"]

LEARNING_RATE = 0.5
# The notes' worked 2-2-2 example (BACKPROP_NOTES.md), as autograd_mini.example builds it:
# the quantities a learner writes down, in the notes' order.
_NEURONS = ("h1", "h2", "o1", "o2")
_WEIGHTS = list(WEIGHTS)
_NAMED = [*INPUTS, *WEIGHTS, *BIASES, "target_o1", "target_o2",
          *(f"{kind}_{n}" for n in _NEURONS for kind in ("net", "out")),
          "E_o1", "E_o2", "E_total"]
_EXAMPLE_ALIASES = {"E": "E_total", "Etot": "E_total", "E_tot": "E_total", "loss": "E_total",
                    "total error": "E_total", "t_o1": "target_o1", "t_o2": "target_o2",
                    "y_o1": "target_o1", "y_o2": "target_o2"}


# ---------------------------------------------------------------------- the graph
def _worked_example():
    """The example's named Values: net = w·x + w·x + b, out = sigmoid(net),
    E_o = 1/2 (target_o - out_o)^2, E_total = E_o1 + E_o2."""
    ex = build_worked_example(backward=False)
    return {name: ex[name] for name in _NAMED}


def _example_network():
    v = _worked_example()
    aliases = {n: f"out_{n}" for n in _NEURONS}
    net = Network(v["E_total"], v, params=_WEIGHTS, aliases={**aliases, **_EXAMPLE_ALIASES},
                  description="the worked 2-2-2 example of BACKPROP_NOTES.md")
    net.listing = list(v)                               # the notes' order
    return net


def _params(params):
    if params is None:
        return None
    if callable(getattr(params, "parameters", None)):
        params = params.parameters()
    try:
        params = list(params)
    except TypeError:
        raise TypeError(f"check_derivation: params must be Values or a model, got "
                        f"{type(params).__name__}") from None
    for i, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(f"check_derivation: params[{i}] is a {type(p).__name__}, not a Value")
    return params


def _graph_network(graph, params):
    """The Network of a learner's graph: a root Value, ``(model, root)``, or a
    ``WorkedExample``; names from the labels (and a model's parameter names)."""
    model, root, extra = None, graph, {}
    if isinstance(graph, tuple) and len(graph) == 2 and isinstance(graph[1], Value):
        model, root = graph
    elif hasattr(graph, "values") and isinstance(getattr(graph, "output", None), Value):
        root, extra = graph.output, dict(graph.values)
        if params is None:                      # a WorkedExample: the notes' weights
            params = [extra[w] for w in _WEIGHTS if w in extra]
    if not isinstance(root, Value):
        hint = " (pass the loss too: graph=(model, loss))" if callable(
            getattr(graph, "parameters", None)) else ""
        raise TypeError(f"check_derivation: graph must be a Value (the output of your "
                        f"labelled graph), (model, loss) or a WorkedExample, got "
                        f"{type(graph).__name__}{hint}")
    order = topological_order(root)
    counts = {}
    for v in order:
        if is_name(v.label):
            counts.setdefault(v.label, []).append(v)
    names = {label: vs[0] for label, vs in counts.items() if len(vs) == 1}
    ambiguous = {label: len(vs) for label, vs in counts.items() if len(vs) > 1}
    if root not in names.values():
        root_name = next(n for n in ("output", "output_", "output__") if n not in names)
        names[root_name] = root
    in_graph = set(order)
    params = _params(params)
    if params is None and model is not None:
        params = _params(model)
    if model is not None and callable(getattr(model, "named_parameters", None)):
        for name, p in model.named_parameters():
            if p in in_graph and p not in names.values() and is_name(name) and \
                    name not in names and name not in ambiguous:
                names[name] = p
    aliases = {k: v.label for k, v in extra.items()
               if is_name(k) and k not in names and v.label in names and names[v.label] is v}
    by_node = {v: k for k, v in names.items()}
    net = Network(root, names, params=[by_node[p] for p in params or () if p in by_node],
                  aliases=aliases, description="your graph")
    net.ambiguous = ambiguous
    return net


# ---------------------------------------------------------------------- the lines
def _text(lines):
    if isinstance(lines, (bytes, bytearray)):
        try:
            lines = bytes(lines).decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise ValueError(f"check_derivation: the text is not UTF-8 ({e})") from None
    if isinstance(lines, (list, tuple)) and all(isinstance(s, str) for s in lines):
        lines = "\n".join(lines)
    if not isinstance(lines, str):
        raise TypeError(f"check_derivation: lines must be text, a list of lines or a mapping "
                        f"of names to numbers, got {type(lines).__name__}")
    if len(lines) > MAX_TEXT:
        raise ValueError(f"check_derivation: the text has {len(lines):,} characters; at most "
                         f"{MAX_TEXT:,} are read (a derivation is a few hundred lines)")
    return lines


def _claims(lines):
    """(claims with their Numbers or text, unread) from text or a mapping."""
    if isinstance(lines, Mapping):
        out = []
        for i, (name, x) in enumerate(lines.items(), 1):
            text = f"{name} = {x!r}"
            if not isinstance(name, str):
                out.append(Unread(i, text, f"the name {name!r} is not text"))
                continue
            try:
                out.append((Claim(i, i, text, name, ""), [number_from(x)]))
            except Unreadable as e:
                out.append(Unread(i, text, str(e)))
        return out
    return [c if isinstance(c, Unread) else (c, None) for c in read_lines(_text(lines))]


def _read(net, lines, lr):
    """The LineChecks, the unread lines, what was read as what and the rates stated."""
    resolver, checks, unread, read_as, rates = Resolver(net), [], [], {}, []
    eta = None
    for item in _claims(lines):
        if isinstance(item, Unread):
            unread.append(item)
            continue
        claim, numbers = item
        try:
            keys = resolver.keys(claim.lhs, claim.arrow, claim.working)
            numbers = numbers or read_numbers(claim.numbers, len(keys))
        except Unreadable as e:
            unread.append(Unread(claim.line, claim.text, str(e)))
            continue
        for (key, written), number in zip(keys, numbers):
            if key == RATE:
                if not 0 < number.value < math.inf:
                    unread.append(Unread(claim.line, claim.text,
                                         "a learning rate must be a positive number"))
                    continue
                eta = number.value
                rates.append((claim.line, eta))
                continue
            if " ".join(written.split()) != display(key):
                read_as.setdefault((written, display(key)), []).append(claim.line)
            checks.append(LineCheck(claim.line, claim.last, claim.text, written, key, number,
                                    eta))
    for c in checks:                    # lines before the first rate stated use that rate
        c.eta = c.eta if c.eta is not None else (rates[0][1] if rates else lr)
    return checks, unread, [(w, r, n) for (w, r), n in read_as.items()], rates


def _numbers_text(ctx, given_text):
    def number(key):
        if key == ("eta",):
            return fmt(ctx.eta)
        if given_text and key in ctx.given.entries and key not in ctx.exclude:
            text = ctx.given.pick(key, ctx.at).number.text
        else:
            x = ctx.get(key)
            text = fmt(x)
        return f"({text})" if text.lstrip().startswith("-") else text
    return number


def _formulas(net, checker):
    for ln in checker.lines:
        ln.leaf = net.is_leaf(ln.key[1])
        parts = formula(net, ln.key)
        if parts is None:
            continue
        ln.formula = render(parts)
        ln.formula_numbers = render(parts, _numbers_text(checker.true(ln.eta), False))
        if ln.cause == "carried":
            ctx = Numbers(net, ln.carried_given, exclude={ln.key}, eta=ln.eta, at=ln.line)
            ln.yours_formula = render(parts, _numbers_text(ctx, True))


# ---------------------------------------------------------------------- public
def _check_lr(lr):
    if isinstance(lr, bool) or not isinstance(lr, Real) or not 0 < lr < math.inf:
        raise ValueError(f"check_derivation: lr must be a positive number, got {lr!r}")
    return float(lr)


def check_derivation(lines, graph=None, *, params=None, lr=LEARNING_RATE):
    """Check a hand derivation line by line against the engine: a ``DerivationReport``.

    ``lines``: the text pasted from your notes (one quantity a line, ``name = number``,
    optional working before the last ``=``; tables, lists and LaTeX are read too), a list
    of lines, or a mapping ``{name: number}`` (a float counts the digits of its repr).
    ``graph``: None for the notes' worked 2-2-2 example; else your own graph: its output
    Value (nodes named by their labels), ``(model, loss)`` (parameters named by label or
    ``model.named_parameters()``), or a ``WorkedExample``. ``params``: the Values one step
    updates (default: w1..w8 for the example, the model's parameters, else none; needed
    only for values after the step of nodes that are not leaves). ``lr``: the learning
    rate of ``w+`` lines (η = 0.5 as in the notes) unless the text states one.

    A number is right when the true value rounded or truncated to the digits written
    gives it. Nothing is modified: no ``.grad`` or ``.data`` of your graph changes.
    """
    lr = _check_lr(lr)
    net = _example_network() if graph is None else _graph_network(graph, params)
    checks, unread, read_as, rates = _read(net, lines, lr)
    checker = Checker(net, checks)
    checker.run()
    _formulas(net, checker)
    return DerivationReport(checks, unread, read_as, rates, net.description,
                            rates[0][1] if rates else lr)


def assert_derivation(lines, graph=None, *, params=None, lr=LEARNING_RATE, allow_unread=False):
    """``check_derivation`` for tests: raises AssertionError when a line is wrong, nothing
    could be read, or (unless ``allow_unread``) a line could not be read. The message's
    first line names the first wrong line; the full report follows. Returns the report."""
    __tracebackhide__ = True
    report = check_derivation(lines, graph, params=params, lr=lr)
    if report.wrong or report.nothing_read or (report.unread and not allow_unread):
        raise AssertionError(report.message() + "\n" + str(report))
    return report
