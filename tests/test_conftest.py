"""conftest.py's markers: a missing dependency skips with a reason naming it and its
install command, at the test's own location; AUTOGRAD_MINI_REQUIRE_ALL=1 fails instead."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

CONFTEST = Path(__file__).with_name("conftest.py")
TESTS = '''
import conftest
import pytest

conftest.NEEDS["numpy"] = (("autograd_mini_no_such_module",), "pip install it")


@pytest.mark.numpy
def test_marked():
    pass


def test_fixture(np):
    pass


def test_plain():
    pass
'''


def run(tmp_path, **env):
    shutil.copy(CONFTEST, tmp_path / "conftest.py")
    (tmp_path / "test_needs.py").write_text(TESTS)
    env = {k: v for k, v in os.environ.items() if k != "AUTOGRAD_MINI_REQUIRE_ALL"} | env
    proc = subprocess.run([sys.executable, "-m", "pytest", "-rsE", "-p", "no:cacheprovider",
                           str(tmp_path)], cwd=tmp_path, capture_output=True, text=True,
                          env=env, timeout=120)
    return proc.returncode, proc.stdout


def test_missing_dependency_is_a_named_skip(tmp_path):
    rc, out = run(tmp_path)
    assert rc == 0, out
    assert "1 passed, 2 skipped" in out
    assert "SKIPPED [1] test_needs.py:8: needs autograd_mini_no_such_module (pip install it)" \
        in out                                      # the marked test, at its line
    assert out.count("needs autograd_mini_no_such_module (pip install it)") == 2
    assert "conftest.py:" not in out               # reported where the test is


def test_require_all_turns_the_skip_into_a_failure(tmp_path):
    rc, out = run(tmp_path, AUTOGRAD_MINI_REQUIRE_ALL="1")
    assert rc == 1, out
    assert "1 passed, 2 errors" in out               # failed in setup
    assert ("AUTOGRAD_MINI_REQUIRE_ALL is set and this test needs autograd_mini_no_such_module "
            "(pip install it)") in out
