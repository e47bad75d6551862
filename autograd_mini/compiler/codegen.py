"""How ``compile`` writes a traced graph out as a Python function on floats.

``generate(...)`` turns a graph (its nodes in topological order) into the source of

    def step(_A, _X):       # _A: the Value arguments, _X: their numbers

that computes the output (forward: the Wengert list) and then d(output)/d(node) node by
node in exactly the order ``backward()`` does (``g_parent += d(node)/d(parent) * g``),
so every float is the eager engine's, bit for bit. Each op's forward and derivatives are
its ``engine.OPS`` entry's: a Python operator written as itself, a lambda's body written
out (when recompiling it gives the lambda's very bytecode), anything else called.
Names in the code are positions, never labels: node i is ``v<i>`` (its gradient
``g<i>``), a leaf or a node a loop reads is ``V[k]`` (its gradient ``G[k]``); labels are
shown in comments only.

Repeated structure is written as loops, with the same float operations in the same
order: a long sum (``sum(w_i * x_i)``, a chain of ``+`` nodes) is a loop over a tuple of
operands, and a layer's neurons (each a ``wsum`` node and its activation) one loop over
a table with a row per neuron. So the code grows with the number of layers and sums,
not of nodes, and CPython compiles it quickly.
"""

import ast
import builtins
import inspect
import linecache
import math
import operator
import struct
from bisect import bisect_right

from .. import core

MIN_RUN = 2                 # the shortest chain of + nodes written as a loop


class CompileError(RuntimeError):
    """fn cannot be (or can no longer be) replayed from its trace."""


class GuardFailed(Exception):
    """Raised by generated code when a traced comparison comes out differently."""

    def __init__(self, k):
        super().__init__(k)
        self.k = k


def _fail(k):
    raise GuardFailed(k)


_HELPERS = {"_fail": _fail}

# The engine's forward functions that are one Python operator: written as that operator
# (the same operation, without a call). Every other forward, and every derivative that
# is a function, is called as the engine defines it in ``engine.OPS``.
_OPERATORS = {operator.add: "{0} + {1}", operator.sub: "{0} - {1}", operator.mul: "{0} * {1}",
              operator.truediv: "{0} / {1}", operator.neg: "-{0}"}


class Maybe(str):
    """A derivative that may be MASKED (None): exactly 0 passes back then. ``times``
    is the contribution ``derivative * g`` written with ``_G_`` for g, with 0.0 where
    the derivative is MASKED, when that can be written as one expression."""

    def __new__(cls, text, times=None):
        self = super().__new__(cls, text)
        self.times = times
        return self


def _op_code(node, inputs, out, ns):
    """``(forward expression, [local derivative per parent])`` of one node, from its op in
    ``engine.OPS``: ``inputs`` are the expressions of the op's inputs (the constant in
    its place, as ``core.op_inputs`` gives them), ``out`` the node's own value. A
    derivative is a float where the op defines a number, else an expression: the op's
    own function called, or its lambda's body written out (see ``_inline``)."""
    spec, operands = core.op_inputs(node)
    if spec is None:
        raise CompileError(f"compile: op {node.op!r} is not in engine.OPS: cannot compile it")
    if not core.is_builtin(spec.name):            # a user's op: called, results checked
        return _user_op_code(spec, operands, inputs, out, ns)
    template = _OPERATORS.get(spec.forward)
    forward = template.format(*inputs) if template else _call(spec.forward, inputs, ns)
    local = [d if type(d) is float else _call(d, inputs + [out], ns)
             for d, x in zip(spec.derivatives, operands) if isinstance(x, core.Value)]
    return forward, local


def _user_op_code(spec, operands, inputs, out, ns):
    """A user's op, as eager runs it: its functions called (never written out: they may
    read globals that change), each result checked to be a real number (or MASKED)."""
    forward = f"{ns.function(_checked(spec.forward, spec.name + ' result'))}({', '.join(inputs)})"
    local = [d if type(d) is float else
             Maybe(f"{ns.function(_checked(d, 'a local derivative', True))}"
                   f"({', '.join(inputs + [out])})")
             for d, x in zip(spec.derivatives, operands) if isinstance(x, core.Value)]
    return forward, local


_CHECKED = {}


def _checked(f, what, masked=False):
    """f with its result checked as eager checks it: a float (other real numbers
    converted), MASKED where ``masked``; anything else a TypeError naming ``what``."""
    key = (id(f), what)
    hit = _CHECKED.get(key)
    if hit is not None and hit[0] is f:
        return hit[1]

    def checked(*args):
        r = f(*args)
        if type(r) is float or (masked and r is None):
            return r
        return core.as_float(r, what)
    _CHECKED[key] = (f, checked)
    return checked


def _call(f, args, ns):
    """f(*args) as an expression: f's body if it is a lambda that can be written out,
    else a call of f. A float if that is a number; a Maybe where it could be MASKED."""
    inlined = _inline(f)
    if inlined is None or inlined[1] != len(args):
        return Maybe(f"{ns.function(f)}({', '.join(args)})")
    template, _, names, masked = inlined
    text = _fill(template, args, names, ns)
    if masked is None:
        try:                                    # a constant operand: fold it
            return float(text[1:-1] if text[:1] == "(" and text[-1:] == ")" else text)
        except ValueError:
            return text
    return Maybe(text, _fill(masked, args, names, ns))


def _fill(template, args, names, ns):
    for k, a in enumerate(args):
        template = template.replace(f"_arg{k}_", _paren(a))
    for name, obj in names.items():
        template = template.replace(f"_glob_{name}_", "None" if obj is None else
                                    ns.function(obj))
    return template


_INLINED = {}                               # id(f) -> (f, its _inline result)


def _inline(f):
    """(template, number of parameters, {global name: object}, may be None) for a lambda
    whose body can be written out, else None. The body is found in the lambda's source
    file and recompiled: it is written out only if that gives f's very bytecode."""
    hit = _INLINED.get(id(f))
    if hit is not None and hit[0] is f:
        return hit[1]
    result = None
    code = getattr(f, "__code__", None)
    if (code is not None and code.co_name == "<lambda>" and not code.co_freevars
            and not code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS)):
        try:
            result = _lambda_template(f, code)
        except (OSError, SyntaxError, TypeError, ValueError):    # no source: call it
            result = None
    _INLINED[id(f)] = (f, result)
    return result


_LAMBDAS = {}                               # file name -> {line: [lambda nodes]}


def _lambda_template(f, code):
    lambdas = _LAMBDAS.get(code.co_filename)
    if lambdas is None:
        lambdas = _LAMBDAS[code.co_filename] = {}
        tree = ast.parse("".join(linecache.getlines(code.co_filename)))
        for n in ast.walk(tree):
            if isinstance(n, ast.Lambda):
                lambdas.setdefault(n.lineno, []).append(n)
    found = [n for n in lambdas.get(code.co_firstlineno, ()) if _same_code(n, code)]
    if len(found) != 1:
        return None
    node = found[0]
    params = [a.arg for a in node.args.args]
    names = {}
    body = ast.parse(ast.unparse(node.body), mode="eval").body
    for n in ast.walk(body):
        if isinstance(n, ast.Name) and n.id in params:
            n.id = f"_arg{params.index(n.id)}_"
        elif isinstance(n, ast.Name):
            scope = f.__globals__ if n.id in f.__globals__ else vars(builtins)
            if n.id not in scope:
                return None
            names[n.id] = scope[n.id]
            n.id = f"_glob_{n.id}_"
    masked = _times_masked(body, names) if _may_be_none(body, names) else None
    return ast.unparse(body), len(params), names, masked


def _times_masked(node, names):
    """``node * _G_`` with 0.0 where node is MASKED, as text: for a conditional whose
    branches are numbers, MASKED or expressions that are never None; "" otherwise."""
    if isinstance(node, ast.IfExp):
        body, orelse = _times_masked(node.body, names), _times_masked(node.orelse, names)
        if body and orelse:
            return f"({body} if {ast.unparse(node.test)} else {orelse})"
        return ""
    if _may_be_none(node, names):
        is_none = (isinstance(node, ast.Constant) and node.value is None or
                   isinstance(node, ast.Name) and names.get(node.id[6:-1], 0) is None)
        return "0.0" if is_none else ""
    if isinstance(node, ast.Constant) and node.value == 1.0:
        return "_G_"
    return f"({ast.unparse(node)}) * _G_"


def _same_code(node, code):
    """Does this lambda node compile to ``code`` (same bytecode, constants, names)?"""
    expr = ast.Expression(body=node)
    ast.fix_missing_locations(expr)
    outer = builtins.compile(expr, code.co_filename, "eval")
    inner = [c for c in outer.co_consts if isinstance(c, type(code))]
    return len(inner) == 1 and all(getattr(inner[0], a) == getattr(code, a) for a in (
        "co_code", "co_consts", "co_names", "co_varnames", "co_argcount"))


def _may_be_none(node, names):
    """Could this expression (parameters renamed ``_argK_``, globals ``_glob_NAME_``)
    evaluate to None, i.e. MASKED? A call or an attribute: maybe."""
    if isinstance(node, ast.IfExp):
        return _may_be_none(node.body, names) or _may_be_none(node.orelse, names)
    if isinstance(node, ast.Constant):
        return node.value is None
    if isinstance(node, ast.Name):
        return node.id.startswith("_glob_") and names.get(node.id[6:-1], 0) is None
    return isinstance(node, (ast.Call, ast.Attribute, ast.Subscript, ast.NamedExpr))


# ------------------------------------------------------------------------ the namespace
class Namespace(dict):
    """The generated function's globals: helpers, constants and tuples of operands."""

    def __init__(self):
        super().__init__(_HELPERS)
        self._literals = {}

    def literal(self, x):
        """Source text for the number x: its repr, or a name holding it (inf, nan, ints
        too large for a float, other number types)."""
        if type(x) is float:
            if math.isfinite(x):
                return repr(x)
            key = struct.pack("<d", x)
        else:
            key = (type(x), x)
        name = self._literals.get(key)
        if name is None:
            name = self._literals[key] = self.constant(x)
        return name

    def constant(self, obj, prefix="_k"):
        name = f"{prefix}{len(self)}"
        self[name] = obj
        return name

    def function(self, f):
        """A name for the function f (one per function)."""
        key = ("function", id(f))
        name = self._literals.get(key)
        if name is None:
            name = self._literals[key] = self.constant(f, "_f")
        return name


def show(label):
    """A label as a comment shows it: as it is if printable, else escaped."""
    return label if label.isprintable() else repr(label)


_ATOMIC = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_[].")


def _paren(x):
    return x if _atomic(x) else f"({x})"


def _atomic(x):
    """True for a name, a subscript ``V[3]`` or an attribute ``p.data``."""
    return all(ch in _ATOMIC for ch in x)


# ------------------------------------------------------------------------ the graph
class Graph:
    """The traced graph as arrays indexed by position in topological order.

    ``order`` holds the output's graph (the first ``n_main`` nodes, the output last), then
    nodes that were only compared (their values are needed for the guards).
    """

    def __init__(self, order, n_main):
        self.nodes = order
        self.n_main = n_main
        self.index = index = {v: i for i, v in enumerate(order)}
        self.ops = [v.op for v in order]
        get = index.__getitem__
        self.parents = parents = [tuple(map(get, v.parents)) for v in order]
        self.constants = [v.constant for v in order]
        self.consumers = consumers = [[] for _ in order]
        for i in range(n_main):                     # ascending, so each list is sorted
            for p in parents[i]:
                consumers[p].append(i)

    def signature(self):
        """What check() compares: each node's op, parent positions and constant."""
        return list(zip(self.ops, self.parents, self.constants))


class _Run:
    """A chain of + nodes written as one loop: ``end = start + t_1 + ... + t_m``, each term
    a product ``a * b`` (kind "*") or a node (kind "+"), each operand read from the arrays
    ("a") or straight from a leaf Value that nothing else uses ("o")."""

    def __init__(self, graph, links, pattern):
        self.links = links
        self.pattern = pattern
        self.start = graph.parents[links[0]][0]
        self.end = links[-1]
        self.inside = set(links)
        self.operands = []      # per term: its operand positions (one or two)
        self.events = []        # (operand, position of the node whose backward step feeds it)
        for c in links:
            t = graph.parents[c][1]
            if pattern[0] == "*":
                self.inside.add(t)
                self.operands.append(graph.parents[t])
                self.events += [(x, t) for x in graph.parents[t]]
            else:
                self.operands.append((t,))
                self.events.append((t, c))

    def reorders(self, graph):
        """Where moving this run's backward steps to its end would change, for some node,
        the order in which its gradient contributions arrive (so their sum would round
        differently): the position of the node in the way, else None."""
        if self.start in self.operands[0]:
            return self.links[0]
        events = self.events + [(self.start, self.links[0])]
        for x, e in events:
            consumers = graph.consumers[x]
            k = bisect_right(consumers, e)
            while k < len(consumers) and consumers[k] < self.end:
                if consumers[k] not in self.inside:
                    return consumers[k]
                k += 1
        return None


def find_runs(graph, pinned, is_arg):
    """The chains of + nodes worth a loop: at least MIN_RUN terms of one kind, products
    ("*") or nodes ("+"); operands read from leaf Values ("o") if every one is a leaf
    that nothing else uses, else from the arrays ("a")."""
    ops, parents, consts, consumers = graph.ops, graph.parents, graph.constants, graph.consumers

    def single(x):                                  # used once, not compared
        return len(consumers[x]) == 1 and x not in pinned

    def kind(c):
        t = parents[c][1]
        return "*" if ops[t] == "*" and len(parents[t]) == 2 and consts[t] is None \
            and single(t) else "+"

    chains, chain_of = [], {}
    for c in range(graph.n_main):
        if ops[c] != "+" or len(parents[c]) != 2 or consts[c] is not None:
            continue
        p = parents[c][0]
        chain = chain_of.get(p)
        if chain is None or not single(p):
            chain = []
            chains.append(chain)
        chain.append((c, kind(c)))
        chain_of[c] = chain
    runs = []
    for chain in chains:
        k = 0
        while k < len(chain):
            j = k
            while j < len(chain) and chain[j][1] == chain[k][1]:
                j += 1
            run = _run(graph, [c for c, _ in chain[k:j]], chain[k][1], single, is_arg)
            if run is not None:
                runs.append(run)
            k = j
    return runs


def _run(graph, links, kind, single, is_arg):
    """The longest run from these links (cut short where it would reorder), or None."""
    parents = graph.parents
    while len(links) >= MIN_RUN:
        terms = [parents[c][1] for c in links]
        operands = [x for t in terms for x in parents[t]] if kind == "*" else terms
        mode = "o" if all(not parents[x] and not is_arg(x) and single(x)
                          for x in operands) else "a"
        run = _Run(graph, links, (kind,) + (mode,) * (2 if kind == "*" else 1))
        stop = run.reorders(graph)
        if stop is None:
            return run
        links = [c for c in links if c < stop]
    return None


def find_neurons(graph, pinned):
    """Neurons written as one loop each layer: consecutive pairs (wsum node, the one op
    that reads it: its activation) of one shape, nothing but leaves between them."""
    ops, parents, consumers, consts = graph.ops, graph.parents, graph.consumers, \
        graph.constants
    groups, last, last_shape = [], -1, None
    for w in range(graph.n_main - 1):
        a = w + 1
        if (ops[w] != "wsum" or w in pinned or consumers[w] != [a] or a in pinned
                or len(parents[a]) != 1 or ops[a] == "wsum"):
            continue
        ps = parents[w]
        shape = (len(ps), ops[a], consts[a], len(set(ps)) == len(ps))
        if groups and shape == last_shape and all(not parents[k] for k in range(last + 1, w)):
            groups[-1].append((w, a))
        else:
            groups.append([(w, a)])
        last, last_shape = a, shape
    return groups


# ------------------------------------------------------------------------ writing the code
_LOOP_FORWARD = {
    ("*", "a", "a"): "for i, j in {T}: {acc} += V[i] * V[j]",
    ("*", "o", "o"): "for p, q in {T}: {acc} += p.data * q.data",
    ("+", "a"): "for j in {T}: {acc} += V[j]",
    ("+", "o"): "for p in {T}: {acc} += p.data",
}
_LOOP_BACKWARD = {      # "a": terms last to first, as backward() meets them; "o": each
    ("*", "a", "a"): "for i, j in reversed({T}): G[i] += V[j]{g}; G[j] += V[i]{g}",
    ("*", "o", "o"): "for p, q in {T}: p.grad += q.data{g}; q.grad += p.data{g}",
    ("+", "a"): "for j in reversed({T}): G[j] += {gt}",     # leaf gets one contribution:
    ("+", "o"): "for p in {T}: p.grad += {gt}",             # any order is that order
}


class Program:
    """What ``generate`` returns: the source, its namespace (the globals of ``step``),
    the signature of the graph and the leaves the code reads, by position."""

    def __init__(self, source, namespace, signature, leaves, guards, n_main):
        self.source = source
        self.namespace = namespace
        self.signature = signature
        self.leaves = leaves        # [(position, Value)] of the captured leaves
        self.guards = guards        # one text per traced comparison, e.g. "x > 0.0"
        self.n_main = n_main


class _Writer:
    """Plans where each node's value and gradient live, then writes the lines.

    A value lives in a local ``v<i>``, or in the array ``V`` (leaves, and nodes a loop
    reads); a gradient in ``g<i>`` or ``G``. Nodes inside a loop live nowhere.
    """

    def __init__(self, graph, arg_of, n_args, guards):
        self.g = graph
        self.n_args = n_args
        self.ns = Namespace()
        self.arg_of = arg_of            # position of an argument leaf -> argument index
        self.guards = guards            # (position, op, position or None, number, result)
        pinned = {graph.n_main - 1}
        for a, _, b, _, _ in guards:
            pinned.update((a, b))
        self.runs = find_runs(graph, pinned, arg_of.__contains__)
        root = graph.n_main - 1
        compared = {x for a, _, b, _, _ in guards for x in (a, b)}
        self.tail = next((r for r in self.runs if r.end == root and r.pattern[1] == "o"
                          and root not in compared), None)
        self.neurons = find_neurons(graph, pinned)
        self.neurons_at = {group[0][0]: group for group in self.neurons}    # forward
        self.neurons_end = {group[-1][1]: group for group in self.neurons}  # backward
        self.in_neurons = {i for group in self.neurons for unit in group for i in unit}
        self.lines = []
        self.local = {}                 # node -> its local derivatives (floats or text)
        self.tuples = {}                # run end or wsum -> name of its tuple of operands
        self.deferred = []              # loops writing .grad directly: at the very end
        self.tail_lines = []            # the output's own sum, when it goes last
        self.kernels, self.kernel_text, self.shape, self.activations = {}, [], {}, {}
        self.gstate = {}                # node kept in locals -> its gradient so far
        self._place()

    # ---------------------------------------------------------------- planning
    def _place(self):
        """Decide each node's home: ``self.val[i]`` (text of its value, None if it has
        none) and ``self.slot[i]`` (its index in V and G, or -1)."""
        g, n = self.g, len(self.g.nodes)
        self.val = [f"v{i}" for i in range(n)]
        self.slot = [-1] * n
        self.run_at = {run.end: run for run in self.runs}
        objects, arrays = set(), set()
        for run in self.runs:
            for c in run.links[:-1]:
                self.val[c] = None
            if run.pattern[0] == "*":
                for c in run.links:
                    self.val[g.parents[c][1]] = None
            modes = run.pattern[1:]
            for operands in run.operands:
                for x, m in zip(operands, modes):
                    (objects if m == "o" else arrays).add(x)
        for i in range(n):
            if g.ops[i] == "wsum":
                arrays.update(g.parents[i])
        arrays.update(self.in_neurons)
        captured = [i for i in range(n) if not g.parents[i] and i not in self.arg_of]
        self.main_leaves = [i for i in captured if i < g.n_main and i not in objects]
        extra_leaves = [i for i in captured if i >= g.n_main]
        order = self.main_leaves + extra_leaves
        for k, i in enumerate(order):
            self.slot[i] = k
        base = len(order)
        for i, k in self.arg_of.items():
            self.slot[i] = base + k
        computed = sorted(i for i in arrays if g.parents[i])
        base += self.n_args
        for k, i in enumerate(computed):
            self.slot[i] = base + k
        self.n_computed = len(computed)
        for i in range(n):
            if self.slot[i] >= 0:
                self.val[i] = f"V[{self.slot[i]}]"
            elif i in objects:
                self.val[i] = None
        ns = self.ns
        ns["_PV"] = [g.nodes[i] for i in order]
        ns["_PA"] = ns["_PV"][:len(self.main_leaves)]
        self.captured = [(i, g.nodes[i]) for i in captured]

    # ---------------------------------------------------------------- forward
    def _text(self, x):
        return self.ns.literal(x) if type(x) is float else x

    def _forward_node(self, i):
        g = self.g
        v = g.nodes[i]
        if g.ops[i] == "wsum":
            return self._forward_wsum(i)
        _, operands = core.op_inputs(v)
        inputs = [self.val[g.index[x]] if isinstance(x, core.Value) else self.ns.literal(x)
                  for x in operands]
        forward, self.local[i] = _op_code(v, inputs, self.val[i], self.ns)
        line = f"{self.val[i]} = {forward}"
        if v.label:
            line += f"  # {show(v.label)} = {_shown(v, operands, g.index, self.val)}"
        self.lines.append(line)

    def _forward_wsum(self, i):
        """net = b + w_1 x_1 + ... + w_n x_n, as ``engine.weighted_sum`` adds it up."""
        parents, slot = self.g.parents[i], self.slot
        n = len(parents) // 2
        pairs = tuple((slot[w], slot[x]) for w, x in zip(parents[:n], parents[n:2 * n]))
        T = self.tuples[i] = self.ns.constant(pairs, "_W")
        acc = self.val[i] if slot[i] < 0 else "_s"
        self.lines += [f"{acc} = {self.val[parents[-1]]}",
                       f"for i, j in {T}: {acc} += V[i] * V[j]"]
        if acc == "_s":
            self.lines.append(f"{self.val[i]} = _s")

    def _forward_run(self, run):
        T = self.tuples[run.end] = self._operands(run)
        acc = self.val[run.end] if self.slot[run.end] < 0 else "_s"
        self.lines.append(f"{acc} = {self.val[run.start]}")
        self.lines.append(_LOOP_FORWARD[run.pattern].format(T=T, acc=acc))
        if acc == "_s":
            self.lines.append(f"{self.val[run.end]} = _s")

    def _operands(self, run):
        """What the loop iterates over: a tuple of V indices (pairs for products), or of
        the leaf Values themselves (zip of two tuples for products)."""
        if run.pattern[1] == "a":
            out = tuple(tuple(self.slot[x] for x in xs) if len(xs) == 2 else self.slot[xs[0]]
                        for xs in run.operands)
            return self.ns.constant(out, "_T")
        nodes = self.g.nodes
        columns = [self.ns.constant(tuple(nodes[xs[k]] for xs in run.operands), "_L")
                   for k in range(len(run.operands[0]))]
        return columns[0] if len(columns) == 1 else f"zip({columns[0]}, {columns[1]})"

    def _guard(self, k):
        a, op, b, number, result = self.guards[k]
        rhs = self.val[b] if b is not None else self.ns.literal(number)
        test = f"{self.val[a]} {op} {rhs}"
        self.lines.append(f"if not ({test}): _fail({k})" if result else
                          f"if {test}: _fail({k})")

    def forward(self):
        g = self.g
        ready = {}
        for k, (a, _, b, _, _) in enumerate(self.guards):
            ready.setdefault(max(a, -1 if b is None else b), []).append(k)
        for i in range(len(g.nodes)):
            if i in self.neurons_at:
                self._forward_neurons(self.neurons_at[i])
            elif i in self.in_neurons:
                pass
            elif i in self.run_at:
                if self.run_at[i] is not self.tail:     # the output's own sum: last
                    self._forward_run(self.run_at[i])
            elif g.parents[i] and self.val[i] is not None:
                self._forward_node(i)
            for k in ready.get(i, ()):
                self._guard(k)

    def _activation(self, a, value):
        """The activation node a's op code with ``value`` as its input (the same for
        every neuron of a shape: worked out once)."""
        node = self.g.nodes[a]
        key = (node.op, node.constant, value)
        code = self.activations.get(key)
        if code is None:
            _, operands = core.op_inputs(node)
            inputs = [value if isinstance(x, core.Value) else self.ns.literal(x)
                      for x in operands]
            code = self.activations[key] = _op_code(node, inputs, "V[h]", self.ns)
        return code

    def _kernel(self, head, body, comment):
        """A generated function of its own for code every layer of a shape shares:
        written (and compiled) once, called once per layer."""
        text = f"{head}:\n" + "".join(f"    {line}\n" for line in body)
        name = self.kernels.get(text)
        if name is None:
            name = self.kernels[text] = f"_K{len(self.kernels)}"
            self.kernel_text.append(f"# {comment}\ndef {name}" + text)
        return name

    def _forward_neurons(self, group):
        """z = b + w_1 x_1 + ... (as engine.weighted_sum adds it up), h = act(z): one
        row of a table per neuron, one call of the shape's kernel per layer."""
        g, slot = self.g, self.slot
        get = slot.__getitem__
        rows = []
        for w, a in group:
            ps = g.parents[w]
            n = len(ps) // 2
            rows.append((slot[ps[-1]], tuple(zip(map(get, ps[:n]), map(get, ps[n:2 * n]))),
                         slot[w], slot[a]))
        U = self.tuples[group[-1][1]] = self.ns.constant(tuple(rows), "_U")
        w, a = group[0]
        activation = self._activation(a, "_s")[0]
        self.shape[group[-1][1]] = shape = (f"neurons of {len(g.parents[w]) // 2} inputs: "
                                            f"h = {activation.replace('_s', 'z')}")
        kernel = self._kernel("(V, U)", [
            "for b, T, z, h in U:", "    _s = V[b]",
            "    for i, j in T: _s += V[i] * V[j]      # z = b + w_1 x_1 + ...",
            "    V[z] = _s", f"    V[h] = {activation}"], f"forward, {shape}")
        self.lines.append(f"{kernel}(V, {U})  # {len(group)} {shape}".replace(
            "1 neurons", "1 neuron"))

        # ---------------------------------------------------------------- backward
    def _grad(self, i):
        if self.slot[i] >= 0:
            return f"G[{self.slot[i]}]"
        return self.gstate.get(i, 0.0)

    def _times(self, local, g):
        """``local * g`` as the engine computes it, folded where exact: x * 1.0 is x, and
        two known numbers are multiplied now."""
        if type(local) is float and type(g) is float:
            return local * g
        if type(local) is float and local == 1.0:
            return g
        if type(g) is float and g == 1.0:
            return local
        return f"{_paren(self._text(local))} * {_paren(self._text(g))}"

    def _add(self, p, c):
        """Add the contribution c (a float or text) to node p's gradient."""
        if self.slot[p] >= 0:
            self.lines.append(f"G[{self.slot[p]}] += {self._text(c)}")
            return
        s, own = self.gstate.get(p), f"g{p}"
        if s is None and type(c) is float:
            self.gstate[p] = 0.0 + c                # the engine starts every sum at 0.0
        elif s is None and _atomic(c):
            self.gstate[p] = c                      # an alias: no line
        elif s is None:
            self.lines.append(f"{own} = {c}")
            self.gstate[p] = own
        elif type(s) is float and type(c) is float:
            self.gstate[p] = s + c
        elif s == own:
            self.lines.append(f"{own} += {self._text(c)}")
        else:
            self.lines.append(f"{own} = {self._text(s)} + {self._text(c)}")
            self.gstate[p] = own

    def _backward_node(self, i):
        g = self._grad(i)
        if self.g.ops[i] == "wsum":
            return self._backward_wsum(i, g)
        for p, local in zip(self.g.parents[i], self.local[i]):
            self._add(p, self._contribution(local, g))

    def _contribution(self, local, g):
        """local * g, as the engine's backward() computes it; 0.0 where local is MASKED
        (the engine adds nothing then: the same sum, up to the sign of a zero)."""
        if not isinstance(local, Maybe):
            return self._times(local, g)
        g = _paren(self._text(g))
        if local.times:
            return local.times.replace("_G_", g)
        self.lines.append(f"_d = {local}")
        return f"(0.0 if _d is None else _d * {g})"

    def _backward_wsum(self, i, g):
        """d(net)/dw_k = x_k, d(net)/dx_k = w_k, d(net)/db = 1: the w's, then the x's,
        then b, as backward() goes through the parents (one loop if they are distinct)."""
        parents, T = self.g.parents[i], self.tuples[i]
        times = "" if type(g) is float and g == 1.0 else f" * {_paren(self._text(g))}"
        if len(set(parents)) == len(parents):
            self.lines.append(f"for i, j in {T}: G[i] += V[j]{times}; G[j] += V[i]{times}")
        else:
            self.lines += [f"for i, j in {T}: G[i] += V[j]{times}",
                           f"for i, j in {T}: G[j] += V[i]{times}"]
        self._add(parents[-1], g)

    def _backward_run(self, run):
        g = self._grad(run.end)
        if type(g) is float:
            gt = 0.0 + g
        else:
            gt = f"gr{run.end}"
            self.lines.append(f"{gt} = 0.0 + {g}")
        factor = "" if gt == 1.0 else f" * {self._text(gt)}"
        # a loop that writes .grad itself goes last, after every line that could raise
        if run is self.tail:
            self.tail_lines = self._tail_loop(run, factor, self._text(gt))
        else:
            loop = _LOOP_BACKWARD[run.pattern].format(T=self.tuples[run.end], g=factor,
                                                     gt=self._text(gt))
            (self.deferred if "o" in run.pattern else self.lines).append(loop)
        self._add(run.start, gt)

    def _tail_loop(self, run, factor, gt):
        """The output's own sum of leaves used nowhere else, forward and backward in one
        pass at the very end (nothing after it can raise): out = start + sum of terms,
        each leaf's .grad += its derivative * d(out)/d(out)."""
        acc, T = self.val[run.end], self._operands(run)
        if run.pattern[0] == "*":
            body = [f"for p, q in {T}:", "    a = p.data", "    b = q.data",
                    f"    {acc} += a * b", f"    p.grad = p.grad + b{factor}",
                    f"    q.grad = q.grad + a{factor}"]
        else:
            body = [f"for p in {T}:", f"    {acc} += p.data", f"    p.grad = p.grad + {gt}"]
        return [f"{acc} = {self.val[run.start]}"] + body

    def _backward_neurons(self, group):
        """dh/dz, then d(z)/dw_k = x_k, d(z)/dx_k = w_k, d(z)/db = 1, neuron by neuron
        from the last, as backward() takes them."""
        w, a = group[0]
        outer, self.lines = self.lines, []
        c = self._contribution(self._activation(a, "V[z]")[1][0], "G[h]")
        body, self.lines = self.lines + [f"_g = {self._text(c)}"], outer
        if len(set(self.g.parents[w])) == len(self.g.parents[w]):
            body.append("for i, j in T: G[i] += V[j] * _g; G[j] += V[i] * _g")
        else:
            body += ["for i, j in T: G[i] += V[j] * _g", "for i, j in T: G[j] += V[i] * _g"]
        body.append("G[b] += _g")
        shape = self.shape[group[-1][1]]
        kernel = self._kernel("(V, G, U)", ["for b, T, z, h in reversed(U):"] +
                              ["    " + line for line in body], f"backward, {shape}")
        self.lines.append(f"{kernel}(V, G, {self.tuples[group[-1][1]]})")

    def backward(self):
        g = self.g
        self._add(g.n_main - 1, 1.0)
        for i in range(g.n_main - 1, -1, -1):
            if i in self.neurons_end:
                self._backward_neurons(self.neurons_end[i])
            elif i in self.in_neurons:
                pass
            elif i in self.run_at:
                self._backward_run(self.run_at[i])
            elif g.parents[i] and self.val[i] is not None:
                self._backward_node(i)

    # ---------------------------------------------------------------- the function
    def arrays(self):
        """The lines that fill V (leaf values, then argument values, then room for the
        nodes loops read) and G, with the labelled leaves listed."""
        named = sorted((self.slot[i], show(v.label)) for i, v in enumerate(self.g.nodes)
                       if self.slot[i] >= 0 and not self.g.parents[i] and v.label)
        lines, line = [], "# leaves:"
        for k, label in named:
            if len(line) > 80:
                lines.append(line)
                line = "#"
            line += f" V[{k}] = {label},"
        lines += [line[:-1]] if named else []
        lines.append("V = [p.data for p in _PV]")
        if self.n_args:
            lines.append("V += _X")
        if self.n_computed:
            self.ns["_Z"] = [0.0] * self.n_computed
            lines.append("V += _Z")
        lines.append("G = [0.0] * len(V)")
        return lines

    def write_back(self):
        lines = list(self.deferred)
        if self.main_leaves:
            lines.append("for p, g in zip(_PA, G): p.grad += g")
        args = tuple((k, self.slot[i]) for i, k in self.arg_of.items() if i < self.g.n_main)
        if args:
            self.ns["_AW"] = args
            lines.append("for k, i in _AW: _A[k].grad += G[i]")
        return lines + self.tail_lines


def generate(graph, arg_of, n_args, guards, title):
    """The Program that replays ``graph``: see the module docstring.

    ``arg_of`` maps the position of each argument leaf to its argument index (of
    ``n_args`` Value arguments); ``guards`` are the traced comparisons as (position, op,
    position or None, number, result).
    """
    w = _Writer(graph, arg_of, n_args, guards)
    head = w.arrays()
    w.forward()
    forward, w.lines = w.lines, []
    w.backward()
    backward = w.lines
    root = w.val[graph.n_main - 1]
    body = (head + ["# forward: one line per node (the Wengert list); loops for long sums"]
            + forward
            + ["# backward: g<i> is d(output)/d(node i), one chain-rule step per line"]
            + backward + ["# each leaf's gradient, accumulated into .grad as backward() does"]
            + w.write_back() + [f"return {root}"])
    source = "".join(k + "\n\n" for k in w.kernel_text) + "def step(_A, _X):\n" + \
        "".join(f"    # {line}\n" for line in title) + "".join(f"    {line}\n" for line in body)
    texts = [_guard_text(graph, a, op, b, number) for a, op, b, number, _ in guards]
    return Program(source, w.ns, graph.signature(), w.captured, texts, graph.n_main)


def _guard_text(graph, a, op, b, number):
    def name(i):
        label = graph.nodes[i].label
        return show(label) if label else f"v{i}"
    return f"{name(a)} {op} {name(b) if b is not None else repr(number)}"


def _shown(node, operands, index, val):
    """The node's op written with its operands' labels, for a comment: ``a * b``."""
    spec, _ = core.op_inputs(node)
    names = [(show(x.label) or val[index[x]]) if isinstance(x, core.Value) else repr(x)
             for x in operands]
    template = _OPERATORS.get(spec.forward)
    return template.format(*names) if template else f"{spec.name}({', '.join(names)})"
