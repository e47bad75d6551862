"""Which engine runs: the core compiled by mypyc, or its Python source.

``pip install .`` compiles the modules ``MODULES`` names (engine.py, node.py, value.py and
the four they call on every op) with mypyc where a C compiler is present (setup.py), and
records each source's SHA-256 in ``_compiled_from``, compiled with them. The compiled
modules are the same source run as C: the same float operations in the same order, so the
same numbers bit for bit (the test suite runs on both). At import (``core/__init__.py``
calls ``choose`` before anything else), the interpreted source runs instead where:

- ``AUTOGRAD_MINI_PURE=1`` is set: to step into ``a * b`` with a debugger, or to compare;
- nothing was compiled (no C compiler at install time: ``pip install -v .`` shows the
  build's one-line notice, and REASON says it after);
- a source changed since it was compiled (a learner's edit in a checkout): a warning names
  the file and how to rebuild, and the edited source runs. A stale module never runs.

``ENGINE`` is "compiled" or "interpreted"; ``REASON`` says why it is interpreted.
"""

from __future__ import annotations

import hashlib
import importlib.machinery
import importlib.util
import os
import sys
import warnings
from pathlib import Path

__all__ = ["ENGINE", "REASON", "MODULES", "source_hash", "choose"]

MODULES = ("engine", "node", "value", "bulk", "wsum", "special", "grads")  # setup.py compiles
ENGINE = "interpreted"
REASON = "not chosen yet"
_HERE = Path(__file__).parent


def source_hash(name: str) -> str:
    """SHA-256 of core/<name>.py as it is now (what setup.py records when it compiles)."""
    return hashlib.sha256((_HERE / f"{name}.py").read_bytes()).hexdigest()


def _why_interpreted():
    """None if the compiled modules can run, else why not."""
    if os.environ.get("AUTOGRAD_MINI_PURE", "0") not in ("", "0"):
        return "AUTOGRAD_MINI_PURE is set"
    extensions = tuple(importlib.machinery.EXTENSION_SUFFIXES)
    try:
        from . import _compiled_from
    except ImportError as error:
        if any((_HERE / f"_compiled_from{suffix}").exists() for suffix in extensions):
            return f"the compiled core does not load ({error}): rebuild (pip install -e .)"
        return "not compiled (installed without a C compiler or without mypyc)"
    if not str(getattr(_compiled_from, "__file__", "")).endswith(extensions):
        why = getattr(_compiled_from, "NOT_COMPILED", "")
        if why:
            return f"not compiled at install: {why}"
        return ("not compiled: core/_compiled_from.py lists compiled sources but none is "
                "here (rebuild: pip install -e ., or make build)")
    recorded = getattr(_compiled_from, "SOURCES", {})
    changed = [f"core/{m}.py" for m in MODULES
               if (_HERE / f"{m}.py").exists() and source_hash(m) != recorded.get(m)]
    if changed:
        reason = (f"{', '.join(changed)} changed since the engine was compiled: running the "
                  f"interpreted source (rebuild to compile it again: pip install -e ., or "
                  f"make build)")
        warnings.warn(f"autograd_mini: {reason}", RuntimeWarning, stacklevel=3)
        return reason
    for m in MODULES:                   # each one built (not only some: a partial build)
        spec = importlib.util.find_spec(f"{__package__}.{m}")
        if spec is None or not str(spec.origin).endswith(extensions):
            return f"core/{m} was not compiled with the others: rebuild (pip install -e .)"
    return None


class _SourceFinder:
    """Finds the core's compiled modules as their Python source (a meta path finder)."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        package, _, module = name.rpartition(".")
        if package != __package__ or module not in MODULES:
            return None
        return importlib.util.spec_from_file_location(name, _HERE / f"{module}.py")


def choose() -> str:
    """Decide once, before the core's modules are imported: the compiled modules, or
    (with the reason in REASON) a finder that imports their source instead."""
    global ENGINE, REASON
    if REASON == "not chosen yet":
        reason = _why_interpreted()
        if reason is None:
            ENGINE, REASON = "compiled", ""
        else:
            ENGINE, REASON = "interpreted", reason
            sys.meta_path.insert(0, _SourceFinder)
    return ENGINE


choose()
