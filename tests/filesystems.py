"""Real file-system failures for tests: a tiny tmpfs (a disk that fills up), mounted
read-only if asked. Needs Linux and root (a container's usual user); elsewhere the test
skips with the reason."""

import contextlib
import os
import shutil
import subprocess
import sys

import pytest


@contextlib.contextmanager
def tiny_tmpfs(folder, size="16k"):
    """Mount a tmpfs of ``size`` bytes on ``folder`` (created) for the block; unmount after.
    Yields a function ``read_only()`` that remounts it read-only."""
    if not sys.platform.startswith("linux") or os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a tiny tmpfs needs Linux and root")
    folder.mkdir(exist_ok=True)
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs",
                           str(folder)], capture_output=True, text=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")

    def read_only():
        subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)

    try:
        yield read_only
    finally:
        subprocess.run(["umount", str(folder)], check=True)


@contextlib.contextmanager
def read_only_place(folder, what):
    """``folder`` holding ``old.svg``, where ``what`` ("file" or "folder") is read-only for
    this process. Root is not stopped by permission bits, so for root the file is a
    read-only bind mount of itself in a writable folder, and the folder a read-only
    tmpfs; anyone else gets chmod 444 / 555."""
    root = os.name == "posix" and os.geteuid() == 0
    if root and what == "folder":
        with tiny_tmpfs(folder) as read_only:
            (folder / "old.svg").write_text("<svg/>")
            read_only()
            yield folder
        return
    folder.mkdir()
    old = folder / "old.svg"
    old.write_text("<svg/>")
    if root:
        with _read_only_bind_mount(old):
            yield folder
        return
    old.chmod(0o444) if what == "file" else folder.chmod(0o555)
    try:
        yield folder
    finally:
        folder.chmod(0o755)


@contextlib.contextmanager
def _read_only_bind_mount(path):
    for args in (["mount", "--bind", str(path), str(path)],
                 ["mount", "-o", "remount,bind,ro", str(path)]):
        done = subprocess.run(args, capture_output=True, text=True)
        if done.returncode != 0:
            subprocess.run(["umount", str(path)], capture_output=True)
            pytest.skip(f"cannot make a read-only bind mount here: {done.stderr.strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", str(path)], check=True)
