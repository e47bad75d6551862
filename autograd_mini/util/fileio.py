"""Writing files safely: all or nothing, and "can I write there?" asked before the work.

- ``write_atomic(path, data)``: ``path`` ends up holding either what it held before or all
  of ``data``, never a truncated mix: the bytes go to a temporary file in the same folder,
  are flushed to disk (``os.fsync``), and the temporary file is renamed over ``path``
  (``os.replace``, atomic on POSIX and Windows). On any failure (disk full, Ctrl-C) the
  temporary file is removed and the error raised.
- ``write_problem(path)``: why ``path`` cannot be written (None if it can), found by trying:
  opening an existing file for appending (which changes nothing) or creating and removing
  a file in its folder. That also catches read-only filesystems and permissions that
  ``os.access`` does not see.
"""

import contextlib
import os
import secrets
import stat

__all__ = ["write_atomic", "write_problem", "check_path"]


def check_path(path, what="path"):
    """``path`` as ``os.fspath`` gives it, or a TypeError: a path is a str or os.PathLike
    (not a number: ``open(1)`` would write to file descriptor 1)."""
    if isinstance(path, (str, os.PathLike)):
        return os.fspath(path)
    raise TypeError(f"{what} must be a str or os.PathLike, got {type(path).__name__}: "
                    f"{path!r}")


def _temporary(folder, name):
    """A new file ``.<name>.<random>.tmp`` in ``folder``, opened for writing: (fd, path).
    Created with mode 0o666 so the umask applies, as for any new file."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    while True:
        tmp = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:                     # 1 in 4 billion: draw again
            continue


def _write_all(fd, data):
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _fsync_folder(folder):
    """Make the rename itself durable where the system allows (POSIX); else skip."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path, data):
    """Write ``data`` (bytes, or str as UTF-8) to ``path`` all or nothing (see the module).

    An existing file keeps its permission bits; a read-only one is refused with
    PermissionError, as ``open(path, "w")`` would. A symbolic link is followed: its
    target is replaced and the link kept.
    """
    target = os.path.realpath(check_path(path))
    if isinstance(data, str):
        data = data.encode("utf-8")
    mode = None
    if os.path.exists(target):
        if not os.access(target, os.W_OK):
            raise PermissionError(13, "Permission denied (the file is read-only)", target)
        mode = stat.S_IMODE(os.stat(target).st_mode)
    folder, name = os.path.split(target)
    fd, tmp = _temporary(folder, name)
    try:
        try:
            if mode is not None:
                os.chmod(tmp, mode)
            _write_all(fd, data)
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    _fsync_folder(folder)


def write_problem(path):
    """Why ``path`` cannot be written, as a phrase (None if it can), by trying it."""
    path = os.path.abspath(check_path(path))
    if os.path.isdir(path):
        return "is a directory"
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        return f"the folder {folder!r} does not exist"
    try:
        if os.path.exists(path):
            os.close(os.open(path, os.O_WRONLY | os.O_APPEND))
        else:
            fd, tmp = _temporary(folder, os.path.basename(path))
            os.close(fd)
            os.unlink(tmp)
    except OSError as e:
        where = "the file" if os.path.exists(path) else f"the folder {folder!r}"
        return f"{where} is not writable ({e.strerror or e})"
    return None
