"""The build: pyproject.toml holds the metadata; this adds the compiled engine.

The modules of autograd_mini/core that core/compiled.py's MODULES names (engine.py,
node.py, value.py, ...) are compiled with mypyc where a C compiler is present: the same
source, run as C (docs/performance.md measures it). Where it cannot be compiled (no
compiler, no Python headers, mypyc missing), the package is installed all the same, with
a one-line notice, and runs the interpreted engine.
``AUTOGRAD_MINI_PURE=1`` at build time skips compiling. The SHA-256 of each compiled
source goes into core/_compiled_from (compiled with them): autograd_mini/core/compiled.py
never runs a compiled module whose source has changed since.
"""

import ast
import hashlib
import os
import sys
from pathlib import Path

from setuptools import setup
from setuptools.command.build_ext import build_ext

CORE = Path("autograd_mini", "core")

def _compiled_modules_list():
    """core/compiled.py's MODULES (read, not imported: importing it chooses an engine)."""
    for node in ast.parse((CORE / "compiled.py").read_text()).body:
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "MODULES":
            return ast.literal_eval(node.value)
    raise RuntimeError("autograd_mini/core/compiled.py defines no MODULES")


MODULES = _compiled_modules_list()
STAMP = CORE / "_compiled_from.py"
BUILDS = {"build", "build_ext", "bdist_wheel", "editable_wheel", "install", "develop"}


def notice(why, build_lib=None):
    """Say why the core is not compiled: one line on stderr (pip shows it with -v), and
    in core/_compiled_from.py, whose NOT_COMPILED autograd_mini.core.compiled.REASON
    gives after the install (in the tree, and in ``build_lib`` where it was copied)."""
    print(f"autograd_mini: installing the interpreted engine ({why}); it computes the "
          f"same numbers, slower", file=sys.stderr)
    text = ('"""Written by setup.py: why the core was not compiled."""\n\n'
            f"NOT_COMPILED = {why!r}\n")
    for stamp in [STAMP] + ([Path(build_lib, STAMP)] if build_lib else []):
        if stamp.parent.is_dir():
            stamp.write_text(text)
    return []


def write_stamp():
    """core/_compiled_from.py: the SHA-256 of each source compiled with it."""
    lines = [f'    "{m}": "{hashlib.sha256((CORE / f"{m}.py").read_bytes()).hexdigest()}",'
             for m in MODULES]
    STAMP.write_text('"""Written by setup.py: SHA-256 of each source compiled with this '
                     'module."""\n\nSOURCES = {\n' + "\n".join(lines) + "\n}\n")


def compiled_modules():
    if not BUILDS & set(sys.argv[1:]):          # metadata, sdist: nothing to compile
        return []
    if os.environ.get("AUTOGRAD_MINI_PURE", "0") not in ("", "0"):    # (no stamp of an
        return notice("AUTOGRAD_MINI_PURE was set at install")        # earlier build left)
    try:
        from mypyc.build import mypycify
    except ImportError:
        return notice("mypyc is not installed")
    write_stamp()
    try:
        extensions = mypycify([str(CORE / f"{m}.py") for m in (*MODULES, "_compiled_from")]
                              + ["--follow-imports=skip", "--ignore-missing-imports"],
                              opt_level="3", group_name="autograd_mini.core")
    except (Exception, SystemExit) as error:      # mypyc reports type errors by exiting
        return notice(f"mypyc could not compile the core: {error}")
    if sys.platform != "win32":                 # a * b + c as two roundings, as Python does
        for extension in extensions:            # (no fused multiply-add where the CPU has
            extension.extra_compile_args.append("-ffp-contract=off")    # one: arm64)
    return extensions


class optional_build_ext(build_ext):
    """build_ext that installs the interpreted engine where the C compiler fails."""

    def run(self):
        try:
            super().run()
        except Exception as error:
            for built in self.get_outputs():
                Path(built).unlink(missing_ok=True)
            text = (str(error).splitlines() or [""])[0]     # the command: its start
            if len(text) > 110:                            # names the compiler, its end
                text = f"{text[:60]} ... {text[-45:]}"     # how it failed
            notice(f"the C compiler failed: {type(error).__name__}: {text}", self.build_lib)


setup(ext_modules=compiled_modules(), cmdclass={"build_ext": optional_build_ext})
