"""Browser tests of the documentation site: Playwright's Python client drives Debian's
``chromium`` (never a downloaded browser; the ``browser`` fixture is tests/conftest.py's)
against the site served on 127.0.0.1.

The site is built once per session with ``mkdocs build --strict`` into a temporary folder,
or taken from ``AUTOGRAD_MINI_SITE`` (a folder ``make docs`` built). Without chromium,
playwright or mkdocs the tests skip with the reason; under ``CI=true`` (or
``AUTOGRAD_MINI_REQUIRE_ALL=1``) they fail instead, so CI cannot pass on skips.
"""

import functools
import http.server
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _strict():
    return (os.environ.get("CI") == "true"
            or os.environ.get("AUTOGRAD_MINI_REQUIRE_ALL", "") not in ("", "0"))


def missing(what):
    """Skip (fail under CI) because ``what`` is not here."""
    message = f"the site's browser tests need {what}"
    if _strict():
        pytest.fail(f"CI: {message}", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def site():
    """The built site's folder."""
    given = os.environ.get("AUTOGRAD_MINI_SITE")
    if given:
        path = Path(given)
        if not (path / "index.html").is_file():
            pytest.fail(f"AUTOGRAD_MINI_SITE={given}: no index.html there (run make docs)")
        yield path.resolve()
        return
    for module in ("mkdocs", "material", "mkdocstrings_handlers.python", "mkdocs_jupyter"):
        if importlib.util.find_spec(module.split(".")[0]) is None:
            missing(f"{module} (pip install 'autograd-mini[docs]')")
    out = Path(tempfile.mkdtemp(prefix="autograd-mini-site-"))
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1", DISABLE_MKDOCS_2_WARNING="true")
    proc = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--quiet",
                           "--site-dir", str(out)], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, env=env)
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stderr[-5000:]}"
    yield out
    shutil.rmtree(out, ignore_errors=True)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture(scope="session")
def server(site):
    """The site served on 127.0.0.1 (a free port); yields its base URL."""
    handler = functools.partial(_Quiet, directory=str(site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    httpd.shutdown()
    httpd.server_close()


def pages_of(site):
    """Every page of the site: its path relative to the site, e.g. 'engine/'."""
    found = []
    for html in sorted(site.rglob("index.html")):
        rel = html.parent.relative_to(site).as_posix()
        found.append("" if rel == "." else rel + "/")
    return found
