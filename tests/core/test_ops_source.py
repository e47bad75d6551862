"""Each op's node construction is ordinary source a learner can read (issue 16): grep,
``inspect.getsource``, ``help`` and pdb find it; and what each method stores agrees, bit
for bit, with its op-table entry (which create_graph, compile, draw and explain read)."""

import inspect
import math
import os
import pydoc
import random
import subprocess
import sys
import textwrap

import pytest

from autograd_mini import Value, op
from autograd_mini.core import OPS
from autograd_mini.core.ops import op_inputs

# op name -> how a learner writes it (a Value first; b a Value or a plain number)
UNARY = {"neg": lambda a: -a, "abs": abs, "exp": Value.exp, "log": Value.log,
         "sqrt": Value.sqrt, "tanh": Value.tanh, "sigmoid": Value.sigmoid,
         "relu": Value.relu, "softplus": Value.softplus, "sin": Value.sin, "cos": Value.cos,
         "tanh'": Value.tanh_derivative, "sigmoid'": Value.sigmoid_derivative}
BINARY = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
          "/": lambda a, b: a / b, "**": lambda a, b: a ** b,
          "leaky_relu": lambda a, b: a.leaky_relu(b)}
METHOD = {"+": "__add__", "-": "__sub__", "*": "__mul__", "/": "__truediv__", "**": "__pow__",
          "neg": "__neg__", "abs": "__abs__", "tanh'": "tanh_derivative",
          "sigmoid'": "sigmoid_derivative"}


def test_every_op_of_the_table_is_written_out_and_tested_here():
    builtin = {name for name, o in OPS.items() if o.builtin}      # (users' ops are not)
    assert builtin - {"wsum"} == set(UNARY) | set(BINARY)


def points(rng):
    """Ordinary numbers, saturated ones, tiny and huge ones, zeros: inputs for any op."""
    yield from (0.0, -0.0, 1.0, -1.0, 0.5, 2.5, -2.5, 3.0, 25.0, -40.0, 1e-300, 710.0)
    for _ in range(150):
        yield rng.choice([rng.uniform(-3, 3), rng.uniform(-50, 50), rng.uniform(0, 1e-3),
                          10 ** rng.uniform(-300, 300), -(10 ** rng.uniform(-300, 300))])


def table(name, xs, out):
    """The op table's own forward and local derivatives on floats."""
    o = OPS[name]
    return o.forward(*xs), [d(*xs, out) if callable(d) else d for d in o.derivatives]


def same(a, b):
    return a is b or (type(a) is float and type(b) is float and
                      (a == b and math.copysign(1, a) == math.copysign(1, b) or a != a and b != b))


def check(node, name):
    o, inputs = op_inputs(node)
    assert o is OPS[name], (node.op, name)
    xs = [x.data if isinstance(x, Value) else x for x in inputs]
    try:
        out, ds = table(name, xs, node.data)
    except (ArithmeticError, ValueError):
        return 0                                   # a singular point: the slow path's
    assert same(out, node.data), (name, xs, out, node.data)
    stored = [d for (_, d) in node.edges]
    expected = [d for d, x in zip(ds, inputs) if isinstance(x, Value)]
    assert all(same(a, b) for a, b in zip(stored, expected)), (name, xs, stored, expected)
    return 1


@pytest.mark.parametrize("name", sorted(UNARY))
def test_a_unary_method_stores_what_its_table_entry_computes(name):
    rng, checked = random.Random(name), 0
    for x in points(rng):
        try:
            node = UNARY[name](Value(x))
        except (ArithmeticError, ValueError):
            continue                               # outside the domain: an error, no node
        checked += check(node, name)
    assert checked > 50


@pytest.mark.parametrize("name", sorted(BINARY))
def test_a_binary_method_stores_what_its_table_entry_computes(name):
    rng, checked = random.Random(name), 0
    for x in points(rng):
        y = rng.choice([rng.uniform(-3, 3), 2.0, 0.5, -1.0, 3.0])
        forms = [(Value(x), y)]                     # leaky_relu's slope: a number
        if name != "leaky_relu":                   # a Value, or a constant on the left
            forms += [(Value(x), Value(y)), (x, Value(y))]
        for a, b in forms:
            try:
                node = BINARY[name](a, b)
            except (ArithmeticError, ValueError):
                continue
            checked += check(node, name)
    assert checked > 100


def test_a_user_op_stores_what_its_derivative_computes():
    @op(lambda x, y: y * 2.0, lambda x, y: x + 1.0)
    def mix(x, y):
        return x * y * 2.0 + y
    a, b = Value(0.3), Value(-1.7)
    node = mix(a, b)
    assert node.data == 0.3 * -1.7 * 2.0 + -1.7
    assert node.local_grads == (-1.7 * 2.0, 0.3 + 1.0)


# ---------------------------------------------------------------- what a learner sees
@pytest.mark.interpreted
@pytest.mark.parametrize("name", sorted(set(UNARY) | set(BINARY)))
def test_each_op_has_source_a_docstring_with_its_derivative_and_help(name):
    method = getattr(Value, METHOD.get(name, name))
    source = inspect.getsource(method)
    assert inspect.getsourcefile(method).endswith("value.py")
    assert "_node1(" in source or "_node2(" in source or "apply(" in source
    assert "d/da" in method.__doc__, method.__doc__
    text = pydoc.render_doc(method, renderer=pydoc.plaintext)
    assert method.__name__ in text and "d/da" in text


@pytest.mark.interpreted
def test_the_product_records_its_local_derivatives_in_plain_sight():
    source = inspect.getsource(Value.__mul__)
    assert '_node2(x * y, "*", self, y, other, x)' in source      # d/da = b, d/db = a
    x, y = Value(3.0), Value(-2.0)
    z = x * y
    assert z.edges == ((x, -2.0), (y, 3.0))


def test_pdb_steps_into_a_product_and_lists_its_source(tmp_path):
    """With AUTOGRAD_MINI_PURE=1 (the switch docs/engine.md gives learners), on a machine
    where the engine is compiled too."""
    script = tmp_path / "learner.py"
    script.write_text(textwrap.dedent("""\
        from autograd_mini import Value
        a, b = Value(2.0), Value(3.0)
        c = a * b
        print(c.data)
    """))
    commands = "next\nnext\nstep\nlist\ncontinue\n"
    proc = subprocess.run([sys.executable, "-m", "pdb", str(script)], input=commands,
                          capture_output=True, text=True, timeout=60,
                          env={**os.environ, "AUTOGRAD_MINI_PURE": "1"})
    out = proc.stdout
    assert "__mul__()" in out and "value.py" in out, out[-2000:]
    assert "a * b" in out and "d/da = b" in out, out[-2000:]      # `list` shows the method
    assert "[EOF]" not in out
