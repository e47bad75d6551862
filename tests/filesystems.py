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
