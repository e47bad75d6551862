"""Visiting a page of the site in chromium as a reader would, and what it did."""

import dataclasses
from urllib.parse import urlsplit

ALLOWED_SCHEMES = ("data", "blob", "about")
WIDTHS = (390, 1280)                    # a phone and a laptop, CSS pixels


@dataclasses.dataclass
class Visit:
    url: str
    width: int
    requests: list = dataclasses.field(default_factory=list)     # every URL asked for
    off_machine: list = dataclasses.field(default_factory=list)  # not 127.0.0.1, not data:
    failed: list = dataclasses.field(default_factory=list)       # (url, why)
    console_errors: list = dataclasses.field(default_factory=list)
    page_errors: list = dataclasses.field(default_factory=list)

    def problems(self):
        return {k: v for k, v in (("off-machine requests", self.off_machine),
                                  ("failed requests", self.failed),
                                  ("console errors", self.console_errors),
                                  ("page errors", self.page_errors)) if v}


def on_machine(url, base):
    parts = urlsplit(url)
    if parts.scheme in ALLOWED_SCHEMES:
        return True
    return parts.scheme in ("http", "https") and parts.hostname == urlsplit(base).hostname \
        and parts.port == urlsplit(base).port


def open_page(browser, base, path, width, height=900):
    """A new page at ``width`` x ``height`` CSS px showing ``base + path``, with a Visit
    recording every request (off-machine ones are aborted and recorded), every failed
    one and every console error. Returns (page, visit); close page.context when done."""
    context = browser.new_context(viewport={"width": width, "height": height},
                                  device_scale_factor=1, service_workers="block")
    page = context.new_page()
    visit = Visit(base + path, width)

    def route(r):
        url = r.request.url
        visit.requests.append(url)
        if on_machine(url, base):
            r.continue_()
        else:
            visit.off_machine.append(url)
            r.abort()

    page.route("**/*", route)
    page.on("requestfailed", lambda r: visit.failed.append((r.url, r.failure))
            if on_machine(r.url, base) else None)
    page.on("response", lambda r: visit.failed.append((r.url, r.status))
            if r.status >= 400 else None)
    page.on("console", lambda m: visit.console_errors.append(m.text)
            if m.type == "error" else None)
    page.on("pageerror", lambda e: visit.page_errors.append(str(e)))
    page.goto(visit.url, wait_until="load")
    page.wait_for_load_state("networkidle")
    return page, visit
