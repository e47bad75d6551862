"""Rendering DOT text and writing the results: the renderer is the system Graphviz
``dot`` when it is on PATH, otherwise ``graphviz-pure`` (a self-contained ``dot``); it runs
on the DOT text with a font it has metrics for (graphviz-pure ships Arimo, Arial's
metrics), and an SVG names metric-compatible fonts for browsers. ``AUTOGRAD_MINI_DOT`` (a
program name or path) or ``program=`` chooses one. Nothing here imports graphviz.

Files: ``save`` writes .svg/.png/.jpg (images) and .gv/.dot (the DOT text) and refuses
other names, a missing folder (it creates none), a folder and a read-only target; it
writes all or nothing (``util.fileio.write_atomic``).
"""

import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

from ..util.fileio import write_atomic

__all__ = ["RendererNotFound", "find_program", "font_for", "render_dot", "output_kind",
           "check_writable", "write_file", "has_graphviz", "IMAGE_SUFFIXES", "SOURCE_SUFFIXES"]

_INSTALL_HINT = ("pip install graphviz-pure (a self-contained dot, no system packages), or "
                 "install Graphviz itself (apt-get install graphviz, brew install graphviz)")
IMAGE_SUFFIXES = {".svg": "svg", ".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg"}
SOURCE_SUFFIXES = (".gv", ".dot")                   # save() writes the DOT text for these
_HARMLESS = re.compile(r"^(Warning: )+no value for width of non-ASCII character")
# the family each renderer has metrics for, and what a browser may use for the same widths
_FONTS = {"graphviz-pure": "Arimo", "dot": "Helvetica"}
_SVG_FAMILY = "Arimo,Liberation Sans,Arial,Helvetica,sans-serif"


# ---------------------------------------------------------------------- the renderer
class RendererNotFound(RuntimeError):
    """No program to render DOT with (or no graphviz package); the source is still there."""


def _scripts_dirs():
    return [sysconfig.get_path("scripts"), os.path.dirname(sys.executable)]


def has_graphviz():
    """Whether the graphviz Python package can be imported (without importing it)."""
    import importlib.util
    try:
        return importlib.util.find_spec("graphviz") is not None
    except (ImportError, ValueError):                # sys.modules["graphviz"] = None
        return False


def find_program(program=None):
    """The path of the program that renders DOT: ``program`` if given, else the
    environment variable ``AUTOGRAD_MINI_DOT``, else the system ``dot``, else
    ``graphviz-pure`` (on PATH or installed next to this Python). Raises
    ``RendererNotFound`` saying what to install, also when the graphviz Python package
    (which ``draw()`` builds its graph with) is missing."""
    if not has_graphviz():
        raise RendererNotFound("drawing needs the graphviz Python package: pip install "
                               "graphviz graphviz-pure")
    wanted = program or os.environ.get("AUTOGRAD_MINI_DOT")
    for name in [wanted] if wanted else ["dot", "graphviz-pure"]:
        found = shutil.which(name)
        for directory in _scripts_dirs():           # a venv's bin/ need not be on PATH
            if found is None and directory:
                found = shutil.which(name, path=directory)
        if found:
            return found
    if wanted:
        source = "program=" if program else "AUTOGRAD_MINI_DOT="
        raise RendererNotFound(f"cannot render: {source}{wanted!r} is not an executable "
                               f"program (give a name on PATH or a path)")
    raise RendererNotFound("cannot render the graph: neither Graphviz's `dot` nor "
                           "`graphviz-pure` was found. Fix: " + _INSTALL_HINT + ". The DOT "
                           "source is still available as graph.source (or graph.save('g.gv')).")


def font_for(path):
    """The font family the renderer at ``path`` has metrics for (graphviz-pure: Arimo)."""
    return _FONTS["graphviz-pure"] if "graphviz-pure" in Path(path).name else _FONTS["dot"]


def render_dot(source, format="svg", program=None, engine="dot", quiet=False):
    """Run the renderer on the DOT ``source``; returns the output bytes (``format`` as for
    ``dot -T``: svg, png, jpeg, ...). The font is the one the program has metrics for; an
    SVG names metric-compatible fallbacks for browsers. Renderer errors raise
    ``graphviz.CalledProcessError`` with its message."""
    path = find_program(program)
    font = font_for(path)
    cmd = [path, f"-K{engine}", f"-T{format}",
           *(f"-{kind}fontname={font}" for kind in "GNE")]
    try:
        proc = subprocess.run(cmd, input=source.encode("utf-8"), capture_output=True)
    except OSError as e:
        raise RendererNotFound(f"cannot run the renderer {path!r}: {e}") from None
    text = proc.stderr.decode("utf-8", "replace")
    kept = "".join(line for line in text.splitlines(keepends=True) if not _HARMLESS.match(line))
    if proc.returncode:
        from graphviz import CalledProcessError
        raise CalledProcessError(proc.returncode, cmd, output=proc.stdout, stderr=kept)
    if kept and not quiet:
        sys.stderr.write(kept)
        sys.stderr.flush()
    out = proc.stdout
    if format.split(":")[0] == "svg":
        out = re.sub(rb'font-family="(Arimo|Helvetica,sans-Serif)"',
                     b'font-family="' + _SVG_FAMILY.encode() + b'"', out)
    return out


# ---------------------------------------------------------------------- writing files
def output_kind(path):
    """'svg', 'png', 'jpeg' or 'source' from ``path``'s suffix; ValueError for others."""
    suffix = Path(path).suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return IMAGE_SUFFIXES[suffix]
    if suffix in SOURCE_SUFFIXES:
        return "source"
    raise ValueError(f"save({os.fspath(path)!r}): {suffix or 'a name without a suffix'!s} "
                     f"is not a format it writes; use {', '.join(IMAGE_SUFFIXES)} for an "
                     f"image or {', '.join(SOURCE_SUFFIXES)} for the DOT text")


def check_writable(path, what="save"):
    """Raise a clear error when ``path`` cannot be written: its folder is missing (no
    folder is created), it is a folder, or it (or its folder) is read-only."""
    path = Path(path)
    parent = path.parent
    where = f"{what}({os.fspath(path)!r})"
    try:
        if not parent.is_dir():
            raise FileNotFoundError(f"{where}: the folder {os.fspath(parent)!r} does not "
                                    f"exist (folders are not created; make it first)")
        if path.is_dir():
            raise IsADirectoryError(f"{where}: is a folder; give a file name inside it")
        target = path if path.exists() else parent
    except PermissionError as e:
        raise PermissionError(f"{where}: cannot reach it: {e.strerror}") from None
    if not os.access(target, os.W_OK):
        kind = "file" if target is path else "folder"
        raise PermissionError(f"{where}: the {kind} {os.fspath(target)!r} is read-only")


def write_file(path, data, what="save"):
    """Write bytes to ``path`` after ``check_writable``, all or nothing
    (``util.fileio.write_atomic``, as checkpoints are written: a failed or interrupted
    write leaves the old file as it was); an OS error names the path."""
    check_writable(path, what)
    try:
        write_atomic(path, data)
    except OSError as e:
        raise type(e)(e.errno, f"{what}({os.fspath(path)!r}): cannot write: "
                               f"{e.strerror}") from None
    return os.fspath(path)
