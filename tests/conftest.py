"""Shared test setup.

Markers for what a test needs beyond pytest, hypothesis and the package's own dependencies
(graphviz, graphviz-pure): a test marked ``torch``, ``micrograd``, ``numpy``, ``train``,
``notebook``, ``fuzz``, ``mpmath`` or ``dot`` skips where that is missing, with a reason that
names it and how to install it. With ``AUTOGRAD_MINI_REQUIRE_ALL=1`` (CI's ``make test``) a
missing Python dependency fails the test instead, so a broken install step cannot pass as
skips.

The fixtures ``torch`` and ``np`` give the module or skip the same way (and mark the test).
Shared builders live in ``builders.py`` (``from builders import demo_loss``).
``AUTOGRAD_MINI_FUZZ=long`` (``make fuzz``) selects the long hypothesis profile.
"""

import functools
import importlib
import importlib.util
import os
import shutil
import sys
from pathlib import Path

import pytest

from autograd_mini.core.compiled import ENGINE  # the engine this run tests

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))      # `benchmarks` (never installed); appended, so an installed
                                    # autograd_mini is still the one imported

# marker -> (Python modules it needs, how to install them)
NEEDS = {
    "torch": (("torch",), "pip install torch==2.13.0"),
    "micrograd": (("micrograd",), "pip install micrograd==0.1.0"),
    "numpy": (("numpy",), "pip install 'autograd-mini[check]'"),
    "train": (("tqdm", "matplotlib"), "pip install 'autograd-mini[train]'"),
    "notebook": (("nbformat", "nbclient", "nbconvert", "ipykernel", "matplotlib", "numpy"),
                 "pip install 'autograd-mini[test]'"),
    "fuzz": (("hypothesis",), "pip install hypothesis"),
    "mpmath": (("mpmath",), "pip install mpmath"),
}
# A test marked ``interpreted`` needs the core's Python source running (pdb stepping into
# an op, inspect.getsource, a subclass the compiled engine refuses); ``compiled`` needs the
# compiled core. `make test` runs the suite on both engines (AUTOGRAD_MINI_PURE=1 second).
ENGINES = {
    "interpreted": "needs the interpreted engine (the core's Python source running): "
                   "AUTOGRAD_MINI_PURE=1, as make test's second pass runs it",
    "compiled": "needs the compiled engine (mypyc): pip install -e . with a C compiler, "
                "without AUTOGRAD_MINI_PURE",
}
DOT = "dot"
DOT_REASON = "needs Graphviz's `dot` on PATH (apt-get install graphviz / brew install graphviz)"
FIXTURE_MARKERS = {"torch": "torch", "np": "numpy"}


@functools.lru_cache(maxsize=None)
def _installed(module):
    return importlib.util.find_spec(module) is not None


def _missing_modules(marker):
    modules, _ = NEEDS[marker]
    return [m for m in modules if not _installed(m)]


def skip_reason(marker):
    """Why a test with this marker cannot run here, or None when it can."""
    if marker == DOT:
        return None if shutil.which("dot") else DOT_REASON
    missing = _missing_modules(marker)
    if not missing:
        return None
    return f"needs {', '.join(missing)} ({NEEDS[marker][1]})"


def _require_all():
    return os.environ.get("AUTOGRAD_MINI_REQUIRE_ALL", "") not in ("", "0")


def _hypothesis_profiles():
    """deadline=None: a shared 2-core CI machine must not turn slow examples into failures."""
    try:
        from hypothesis import settings
    except ImportError:
        return
    settings.register_profile("autograd_mini", deadline=None)
    settings.register_profile("long", deadline=None, max_examples=2_000)
    long = os.environ.get("AUTOGRAD_MINI_FUZZ", "") == "long"
    settings.load_profile("long" if long else "autograd_mini")


def pytest_configure(config):
    for marker, (modules, install) in NEEDS.items():
        config.addinivalue_line("markers", f"{marker}: needs {', '.join(modules)} ({install})")
    config.addinivalue_line("markers", f"{DOT}: {DOT_REASON}")
    for engine, reason in ENGINES.items():
        config.addinivalue_line("markers", f"{engine}: {reason}")
    config.addinivalue_line("markers", "autograd_mini_required(reason): set by conftest.py")
    _hypothesis_profiles()


def pytest_collection_modifyitems(config, items):
    """Skip (at the test's own location) what cannot run here; a test that asks for the
    ``torch`` or ``np`` fixture carries that marker too."""
    for item in items:
        for fixture, marker in FIXTURE_MARKERS.items():
            if fixture in getattr(item, "fixturenames", ()):
                item.add_marker(marker)
        for name in {mark.name for mark in item.iter_markers()} & set(ENGINES):
            if name != ENGINE:
                item.add_marker(pytest.mark.skip(reason=ENGINES[name]))
        for name in {mark.name for mark in item.iter_markers()} & (set(NEEDS) | {DOT}):
            reason = skip_reason(name)
            if reason is None:
                continue
            if _require_all() and name != DOT:
                item.add_marker(pytest.mark.autograd_mini_required(reason))
            else:
                item.add_marker(pytest.mark.skip(reason=reason))


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    mark = item.get_closest_marker("autograd_mini_required")
    if mark is not None:
        pytest.fail(f"AUTOGRAD_MINI_REQUIRE_ALL is set and this test {mark.args[0]}",
                    pytrace=False)


def _module_for(marker):
    reason = skip_reason(marker)
    if reason is not None:
        pytest.skip(reason)             # not reached: the marker has skipped or failed it
    return importlib.import_module(NEEDS[marker][0][0])


@pytest.fixture
def torch():
    """PyTorch, for float64 comparisons."""
    return _module_for("torch")


@pytest.fixture
def np():
    """numpy."""
    return _module_for("numpy")


# The browser of the picture and site tests (tests/visual, tests/docs): Debian's chromium
# driven by Playwright's Python client, one for the whole session (Playwright's sync API
# allows one per thread). Never a downloaded browser. Where chromium or playwright is
# missing the tests skip, except with AUTOGRAD_MINI_REQUIRE_ALL (CI's make test), and under
# CI=true a chromium missing beside an installed playwright fails too (CI's plain installs,
# without the test extra, skip them).
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run",
                 "--disable-quic"]


def browser_missing(what, strict_in_ci=False):
    message = f"the browser tests need {what}"
    if _require_all() or strict_in_ci and os.environ.get("CI") == "true":
        pytest.fail(f"CI: {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def browser():
    """A headless chromium (Playwright's Browser)."""
    if importlib.util.find_spec("playwright") is None:
        browser_missing("playwright (pip install 'autograd-mini[test]')")
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        browser_missing("Debian's chromium (apt-get install chromium)", strict_in_ci=True)
    from playwright.sync_api import sync_playwright
    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture(autouse=True)
def _backward_without_hooks_again():
    """A test that registers a hook switches backward() to the walk that runs hooks, for
    the rest of the process (engine._hooks_registered); it is put back after each test,
    so that the tests after it run the chain rule users run (a test's hooks die with it)."""
    yield
    from autograd_mini.core import engine
    engine._hooks_registered = False
