"""The layout of the package (issue 16): sub-packages that name the architecture, arrows
pointing down only, no import cycle (lazy imports included), no private name across a
sub-package border, no module named like a standard-library module, no file over 400
lines, no class over 200 (Value, whose ops are its methods, up to 300), and the wheel
holds every sub-package."""

import ast
import importlib.util
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import autograd_mini
from builders import skip_unless_setuptools_can_build

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "autograd_mini"

# What each part may import (besides itself): a sub-package, or one of the modules users
# type at the top (losses, train, example, ...). "top" is the package's face
# (__init__, __main__), which may import anything.
ALLOWED = {
    "util": set(),
    "core": {"util"},
    "data": set(),
    "reference": set(),
    "losses": {"core"},
    "nn": {"core", "util"},
    "optim": {"core", "util"},
    "visual": {"core", "util"},
    "explain": {"visual"},
    "compiler": {"core", "util"},
    "train": {"core", "util", "losses", "optim", "nn"},
    "example": {"core", "util", "losses", "nn"},
    "testing": {"core", "util", "visual", "nn", "losses", "example"},
    "models": {"core", "util", "nn", "optim", "losses", "train", "data", "visual"},
}


def modules():
    """{dotted name: path} of every module of the package."""
    found = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


def imports_of(name, path):
    """Every (imported module, imported names, line) of the package that ``name`` imports,
    at any depth (inside functions too: a lazy import is an import). Not those under
    ``if TYPE_CHECKING:``, which never run: they name a class for annotations (engine.py
    types its loops with node.py's Node, which mypyc compiles to direct field reads)."""
    tree = ast.parse(path.read_text("utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = []
    type_only = {id(n) for block in ast.walk(tree) if isinstance(block, ast.If)
                 and isinstance(block.test, ast.Name) and block.test.id == "TYPE_CHECKING"
                 for statement in block.body for n in ast.walk(statement)}
    for node in ast.walk(tree):
        if id(node) in type_only:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            names = [a.name for a in node.names]
            if target.startswith("autograd_mini"):
                found.append((target, names, node.lineno))
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.name.startswith("autograd_mini"):
                    found.append((a.name, [], node.lineno))
    return found


def part(module):
    """The part of the package a module belongs to: its sub-package's or its own name
    (``losses``), or "top" for the package's face."""
    pieces = module.split(".")
    if len(pieces) == 1 or pieces[1] in ("__main__",):
        return "top"
    return pieces[1]


def resolve(target, names, all_modules):
    """The modules an import reaches: ``from .core import engine`` reaches
    autograd_mini.core and autograd_mini.core.engine."""
    submodules = [f"{target}.{n}" for n in names if f"{target}.{n}" in all_modules]
    if submodules and len(submodules) == len(names):     # from . import core: core only
        return submodules
    return ([target] if target in all_modules else []) + submodules


def graph():
    all_modules = modules()
    edges = {}
    for name, path in all_modules.items():
        edges[name] = {(m, line) for target, names, line in imports_of(name, path)
                       for m in resolve(target, names, all_modules) if m != name}
    return edges


def test_every_sub_package_names_a_part_of_the_architecture():
    parts = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()}
    assert {"core", "nn", "visual", "compiler", "testing", "util"} <= parts
    tops = {p.stem for p in PACKAGE.glob("*.py")} - {"__init__", "__main__"}
    assert parts | tops == set(ALLOWED), (parts | tops) ^ set(ALLOWED)


def test_arrows_point_down_only():
    wrong = []
    for name, targets in graph().items():
        here = part(name)
        if here == "top":
            continue
        for target, line in targets:
            there = part(target)
            if there != here and there not in ALLOWED[here]:
                wrong.append(f"{name}:{line} imports {target} ({here} -> {there})")
    assert not wrong, "\n".join(wrong)


def test_no_import_cycle_lazy_imports_included():
    edges = {name: {t for t, _ in targets} for name, targets in graph().items()}
    # a package's __init__ re-exporting its own modules is not a cycle of logic
    for name in edges:
        edges[name] = {t for t in edges[name] if not name.startswith(t + ".")}
    state, cycles = {}, []

    def visit(node, stack):
        state[node] = "open"
        stack.append(node)
        for t in sorted(edges.get(node, ())):
            if state.get(t) == "open":
                cycles.append(" -> ".join(stack[stack.index(t):] + [t]))
            elif t not in state:
                visit(t, stack)
        stack.pop()
        state[node] = "done"
    for name in sorted(edges):
        if name not in state:
            visit(name, [])
    assert not cycles, "\n".join(cycles)


def test_no_private_name_crosses_a_sub_package_border():
    wrong = []
    all_modules = modules()
    for name, path in all_modules.items():
        for target, names, line in imports_of(name, path):
            if part(target) == part(name) and part(name) != "top":
                continue
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            if private or any(p.startswith("_") and not p.startswith("__")
                              for p in target.split(".")):
                wrong.append(f"{name}:{line} imports {private or target} from {target}")
    assert not wrong, "\n".join(wrong)


def test_no_module_is_named_like_a_standard_library_module():
    clash = [str(p.relative_to(ROOT)) for p in PACKAGE.rglob("*.py")
             if p.stem in sys.stdlib_module_names]
    assert not clash


def test_no_file_over_400_lines_no_class_over_200():
    """In the package, its tests and benchmarks/ (the code a reader of RESULTS.md checks)."""
    long_files, long_classes = [], []
    for path in [*PACKAGE.rglob("*.py"), *(ROOT / "tests").rglob("*.py"),
                 *(ROOT / "benchmarks").rglob("*.py")]:
        text = path.read_text("utf-8")
        if text.count("\n") > 400:
            long_files.append(f"{path.relative_to(ROOT)}: {text.count(chr(10))}")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, ast.ClassDef):
                size = node.end_lineno - node.lineno + 1
                limit = 300 if node.name == "Value" else 200
                if size > limit:
                    long_classes.append(f"{path.relative_to(ROOT)}:{node.name}: {size}")
    assert not long_files and not long_classes, long_files + long_classes


def test_the_documented_import_paths_still_work():
    import importlib
    for path in ("autograd_mini.nn", "autograd_mini.losses", "autograd_mini.optim",
                 "autograd_mini.train", "autograd_mini.data", "autograd_mini.testing",
                 "autograd_mini.reference", "autograd_mini.example"):
        importlib.import_module(path)
    from autograd_mini.explain import Path as ExplainPath
    from autograd_mini.explain import paths
    assert callable(paths) and ExplainPath.__name__ == "Path"
    assert callable(autograd_mini.explain) and callable(autograd_mini.compile)
    for name in autograd_mini.__all__:
        assert hasattr(autograd_mini, name), name


def test_the_wheel_holds_every_sub_package(tmp_path):
    """`pip wheel .` (no build isolation: the running environment's setuptools)."""
    skip_unless_setuptools_can_build()
    proc = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps",
                           "--no-build-isolation", "-q", "-w", str(tmp_path), str(ROOT)],
                          capture_output=True, text=True)
    if proc.returncode and "No module named" in proc.stderr:
        pytest.skip(f"cannot build a wheel here: {proc.stderr.strip()[-200:]}")
    assert proc.returncode == 0, proc.stderr
    wheel = next(tmp_path.glob("*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    for module in modules():
        path = module.replace(".", "/")
        assert f"{path}.py" in names or f"{path}/__init__.py" in names, module
    assert "autograd_mini/py.typed" in names
    compiled = {n for n in names if n.startswith("autograd_mini/core/") and n.endswith(".so")}
    if os.environ.get("AUTOGRAD_MINI_PURE", "0") not in ("", "0"):
        assert compiled == set()                # the build honours the switch too
    elif importlib.util.find_spec("mypyc") is not None and shutil.which("cc"):
        assert {n.split("/")[-1].split(".")[0] for n in compiled} == {
            "engine", "node", "value", "wsum", "bulk", "special", "grads", "_compiled_from"}, names
