"""Reading the op table's functions as Python text: the one reader of ``core.OPS``.

``op_code(node, inputs, out, ns)`` gives a node's forward expression and its local
derivatives as text in the generated code's names. A Python operator is written as
itself; a lambda whose body, recompiled, gives the lambda's very bytecode is written out
(``lambda a, b, out: b`` becomes the text of ``b`` in the caller's names); any other
function is called as the engine defines it (a name in the generated code's globals). A
user's op (``@op``) is always called, its results checked as eager checks them. Every op
of the table is accepted: what cannot be written out is called.
"""

import ast
import builtins
import copy
import inspect
import linecache
import operator

from .. import core
from .guards import CompileError

__all__ = ["Maybe", "op_code", "OPERATORS", "paren", "atomic"]

# The engine's forward functions that are one Python operator: written as that operator
# (the same operation, without a call). Every other forward, and every derivative that
# is a function, is called as the engine defines it in ``core.OPS``.
OPERATORS = {operator.add: "{0} + {1}", operator.sub: "{0} - {1}", operator.mul: "{0} * {1}",
             operator.truediv: "{0} / {1}", operator.neg: "-{0}"}


class Maybe(str):
    """A derivative that may be MASKED (None): exactly 0 passes back then. ``times``
    is the contribution ``derivative * g`` written with ``_G_`` for g, with 0.0 where
    the derivative is MASKED, when that can be written as one expression."""

    def __new__(cls, text, times=None):
        self = super().__new__(cls, text)
        self.times = times
        return self


def op_code(node, inputs, out, ns):
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
    template = OPERATORS.get(spec.forward)
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
    """f(*args) as an expression: f's expression if it can be written out (``_inline``),
    else a call of f. A float if that is a number; a Maybe where it could be MASKED.
    An expression written out comes in parentheses (unless it is a name), so that it
    is one operand wherever it goes: ``g + (1.0 if v > 0.0 else 0.01)``."""
    inlined = _inline(f)
    if inlined is None or inlined[1] != len(args):
        return Maybe(f"{ns.function(f)}({', '.join(args)})")
    template, _, names, masked = inlined
    text = paren(_fill(template, args, names, ns))
    if masked is None:
        try:                                    # a constant operand: fold it
            return float(text[1:-1] if text[:1] == "(" and text[-1:] == ")" else text)
        except ValueError:
            return text
    return Maybe(text, _fill(masked, args, names, ns))


def _fill(template, args, names, ns):
    for k, a in enumerate(args):
        template = template.replace(f"_arg{k}_", paren(a))
    for name, obj in names.items():
        template = template.replace(f"_glob_{name}_", "None" if obj is None else
                                    ns.function(obj))
    return template


_INLINED = {}                               # id(f) -> (f, its _inline result)


def _inline(f):
    """(template, number of parameters, {global name: object}, may be None) for a
    function whose value is one expression that can be written out (a lambda, or a
    ``def`` whose body is one ``return``), else None. The expression is found in f's
    source file and recompiled: it is written out only if that gives f's very bytecode."""
    hit = _INLINED.get(id(f))
    if hit is not None and hit[0] is f:
        return hit[1]
    result = None
    code = getattr(f, "__code__", None)
    if (code is not None and not code.co_freevars and not getattr(f, "__defaults__", None)
            and not getattr(f, "__kwdefaults__", None) and not code.co_kwonlyargcount
            and not code.co_flags & (inspect.CO_VARARGS | inspect.CO_VARKEYWORDS)):
        try:
            result = _template(f, code)
        except (OSError, SyntaxError, TypeError, ValueError):    # no source: call it
            result = None
    _INLINED[id(f)] = (f, result)
    return result


_FUNCTIONS = {}                             # file name -> ({first line: [nodes]}, imports)


def _functions(filename):
    """The lambdas and one-expression ``def``s of a source file, by their first line
    (a decorated function's code starts at its first decorator), and the file's
    top-level imports (CPython compiles ``module.f(x)`` on an imported name otherwise)."""
    found = _FUNCTIONS.get(filename)
    if found is None:
        tree = ast.parse("".join(linecache.getlines(filename)))
        nodes = {}
        for n in ast.walk(tree):
            if isinstance(n, ast.Lambda) or _returned(n) is not None:
                first = min([n.lineno] + [d.lineno for d in getattr(n, "decorator_list", [])])
                nodes.setdefault(first, []).append(n)
        imports = [n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))]
        found = _FUNCTIONS[filename] = (nodes, imports)
    return found


def _returned(node):
    """The expression a ``def`` returns if its body (after a docstring) is one return."""
    if not isinstance(node, ast.FunctionDef):
        return None
    body = node.body
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
            and isinstance(body[0].value.value, str):
        body = body[1:]
    if len(body) == 1 and isinstance(body[0], ast.Return) and body[0].value is not None:
        return body[0].value
    return None


def _template(f, code):
    nodes, imports = _functions(code.co_filename)
    found = [n for n in nodes.get(code.co_firstlineno, ()) if _same_code(n, code, imports)]
    if len(found) != 1:
        return None
    node = found[0]
    params = [a.arg for a in node.args.args]
    expression = node.body if isinstance(node, ast.Lambda) else _returned(node)
    names = {}
    body = ast.parse(ast.unparse(expression), mode="eval").body
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


def _same_code(node, code, imports):
    """Does this lambda or ``def`` node, compiled beside its file's imports, give
    ``code`` (the same bytecode, constants, names)?"""
    if isinstance(node, ast.Lambda):
        item = ast.Expr(value=node)
    else:
        item = copy.copy(node)
        item.decorator_list = []
    tree = ast.Module(body=imports + [item], type_ignores=[])
    ast.fix_missing_locations(tree)
    outer = builtins.compile(tree, code.co_filename, "exec")
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


_ATOMIC = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_[].")


def paren(x):
    """x in parentheses unless it is atomic."""
    return x if atomic(x) else f"({x})"


def atomic(x):
    """True for a name, a subscript ``V[3]`` or an attribute ``p.data``."""
    return all(ch in _ATOMIC for ch in x)
