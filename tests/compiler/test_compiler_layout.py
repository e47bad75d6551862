"""The compiler package keeps the house rules (issue 16): small files and classes, no
module named like the standard library's, the engine read only through the public names
of ``autograd_mini.core``, and one reader of the op table that takes every op."""

import ast
import pathlib
import sys

import pytest

from autograd_mini import core
from autograd_mini.compiler import reader

PACKAGE = pathlib.Path(reader.__file__).parent
MODULES = sorted(PACKAGE.glob("*.py"))


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_files_and_classes_are_small(path):
    text = path.read_text()
    assert len(text.splitlines()) <= 400, path.name
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, ast.ClassDef):
            assert node.end_lineno - node.lineno + 1 <= 200, (path.name, node.name)


@pytest.mark.skipif(sys.version_info < (3, 10), reason="sys.stdlib_module_names is 3.10+")
def test_no_module_is_named_like_a_standard_library_module():
    assert not {p.stem for p in MODULES} & set(sys.stdlib_module_names)


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_the_engine_is_read_only_through_core_public_names(path):
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 2 and node.module:
            assert node.module in ("core", "util.gc_pause"), (path.name, node.module)
            if node.module == "core":
                assert {a.name for a in node.names} <= set(core.__all__), path.name
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            assert not any(a.name.startswith("_") for a in node.names), path.name
        if isinstance(node, ast.Import):
            assert not any(a.name.startswith("autograd_mini") for a in node.names)


def test_no_class_is_named_graph():
    names = {n.name for p in MODULES for n in ast.walk(ast.parse(p.read_text()))
             if isinstance(n, ast.ClassDef)}
    assert "Graph" not in names and "Tape" in names


def _lambdas():
    """Every lambda of the op table (forwards and derivatives)."""
    for name, spec in sorted(core.OPS.items()):
        if core.is_builtin(name):
            for f in (spec.forward, *spec.derivatives):
                if getattr(getattr(f, "__code__", None), "co_name", "") == "<lambda>":
                    yield f"{name}: {f.__code__.co_firstlineno}", f


@pytest.mark.parametrize("label, f", list(_lambdas()),
                         ids=lambda x: x if isinstance(x, str) else "")
def test_the_reader_writes_out_every_lambda_of_the_table(label, f):
    template = reader._inline(f)
    assert template is not None, label
    assert template[1] == f.__code__.co_argcount


def _d_tanh(a, out):
    """d tanh(a)/da, as the table could write it."""
    return 1.0 - out * out


def _two_steps(a, out):
    x = out * out
    return 1.0 - x


def test_a_def_of_one_return_is_written_out_and_others_are_called():
    assert reader._inline(_d_tanh)[0] == "1.0 - _arg1_ * _arg1_"
    assert reader._inline(_two_steps) is None
    assert reader._inline(len) is None
