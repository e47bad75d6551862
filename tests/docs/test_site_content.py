"""The built site, read as files: every internal link resolves, every docs page is in the
navigation, nothing is loaded from another machine, and the API reference documents every
public name (each op of Value included)."""

import html.parser
import importlib
import inspect
import re
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
PUBLIC_MODULES = ("nn", "losses", "optim", "train", "data", "example", "reference",
                  "testing", "explain")
# Value's operators: the ops a learner writes as + - * / ** and unary - and abs()
OPERATORS = {"__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__",
             "__truediv__", "__rtruediv__", "__pow__", "__rpow__", "__neg__", "__abs__"}


class _Page(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.ids, self.links, self.loads = set(), [], []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("id", "name"):
            if a.get(key):
                self.ids.add(a[key])
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        if tag in ("script", "img", "iframe", "source", "audio", "video") and a.get("src"):
            self.loads.append(a["src"])
        if tag == "link" and a.get("href") and a.get("rel") not in (
                "canonical", "alternate", "prev", "next", "author", "license"):
            self.loads.append(a["href"])


def parse(path):
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


@pytest.fixture(scope="module")
def parsed(site):
    return {p: parse(p) for p in sorted(site.rglob("*.html"))}


def _target(site, page_path, href):
    """(file, fragment) an internal href of page_path points to, or None for external."""
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        return None
    base = "/" + page_path.relative_to(site).as_posix()
    url = urlsplit(urljoin(base, href))
    path = site / unquote(url.path).lstrip("/")
    if url.path.endswith("/") or path.is_dir():
        path = path / "index.html"
    return path, unquote(url.fragment)


def test_every_internal_link_resolves(site, parsed):
    broken = []
    for page_path, page in parsed.items():
        if page_path.name == "404.html":
            continue
        for href in page.links:
            target = _target(site, page_path, href)
            if target is None:
                continue
            path, fragment = target
            if not path.exists():
                broken.append(f"{page_path.relative_to(site)}: {href} (no {path.name})")
            elif fragment and path.suffix == ".html" and fragment not in (
                    parsed.get(path) or parse(path)).ids:
                broken.append(f"{page_path.relative_to(site)}: {href} (no #{fragment})")
    assert broken == []


def test_nothing_is_loaded_from_another_machine(parsed, site):
    external = [f"{p.relative_to(site)}: {url}" for p, page in parsed.items()
                for url in page.loads if re.match(r"(?:https?:)?//", url)]
    assert external == []
    for css in site.rglob("*.css"):
        assert not re.search(r"url\(\s*['\"]?(?:https?:)?//", css.read_text("utf-8")), css
        assert not re.search(r"@import\s+(?:url\()?['\"]?(?:https?:)?//",
                             css.read_text("utf-8")), css


def test_every_docs_page_is_in_the_navigation(site):
    """A page dropped into docs/ joins the Guides section by itself (docs/_hooks/hooks.py)."""
    nav = parse(site / "index.html").links
    nav_pages = {_target(site, site / "index.html", h)[0] for h in nav
                 if _target(site, site / "index.html", h)}
    docs = ROOT / "docs"
    for md in docs.rglob("*.md"):
        rel = md.relative_to(docs)
        if rel.parts[0].startswith("_"):
            continue
        parts = rel.with_suffix("").parts
        built = site.joinpath(*parts[:-1] if parts[-1] == "index" else parts) / "index.html"
        assert built in nav_pages, f"{rel} is not in the navigation"
    assert site / "walkthrough" / "index.html" in nav_pages


def public_names():
    """{expected id: the object}, for every public name and its public members."""
    import autograd_mini
    names = {}
    for name in autograd_mini.__all__:
        obj = getattr(autograd_mini, name)
        if not inspect.ismodule(obj):
            names[f"autograd_mini.{name}"] = obj
    modules = [f"autograd_mini.{m}" for m in PUBLIC_MODULES]
    while modules:                      # nested public modules (nn.functional) included
        path = modules.pop(0)
        module = importlib.import_module(path)
        for name in module.__all__:
            obj = getattr(module, name)
            names[f"{path}.{name}"] = obj
            if inspect.ismodule(obj) and hasattr(obj, "__all__"):
                modules.append(obj.__name__ if obj.__name__.startswith(path)
                               else f"{path}.{name}")
    members = {}
    for path, obj in names.items():
        if inspect.isclass(obj) and obj.__module__.startswith("autograd_mini"):
            for name, member in vars(obj).items():
                public = not name.startswith("_") or (obj is autograd_mini.Value
                                                      and name in OPERATORS)
                if public and (callable(member) or isinstance(
                        member, (property, classmethod, staticmethod))):
                    members[f"{path}.{name}"] = member
    return {**names, **members}


def test_the_api_reference_documents_every_public_name(site, parsed):
    documented = set()
    for page_path, page in parsed.items():
        if "reference" in page_path.relative_to(site).parts:
            documented |= {i for i in page.ids if i.startswith("autograd_mini")}
    import autograd_mini
    missing = []
    for path, obj in public_names().items():
        if path in documented:
            continue
        # a name exported twice (autograd_mini.explain.explain is autograd_mini.explain)
        short = path.rsplit(".", 1)[-1]
        if getattr(autograd_mini, short, None) is obj and f"autograd_mini.{short}" in documented:
            continue
        missing.append(path)
    assert missing == []
    ops = [n for n in ("exp", "log", "sqrt", "tanh", "sigmoid", "relu", "leaky_relu",
                       "softplus", "sin", "cos")]
    assert {f"autograd_mini.Value.{n}" for n in ops} | \
        {f"autograd_mini.Value.{n}" for n in OPERATORS} <= documented


def test_the_build_refuses_a_page_that_loads_from_another_machine():
    """docs/_hooks/hooks.py fails the build on such a page (and strips nbconvert's CDN
    scripts from the notebook's, where they are expected exactly once)."""
    pytest.importorskip("mkdocs")
    import importlib.util
    from types import SimpleNamespace

    from mkdocs.exceptions import PluginError
    spec = importlib.util.spec_from_file_location("docs_site",
                                                  ROOT / "docs" / "_hooks" / "hooks.py")
    hooks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hooks)
    page = SimpleNamespace(file=SimpleNamespace(src_uri="engine.md"))
    assert hooks.on_post_page('<a href="https://example.org">ok</a>', page, {}) \
        == '<a href="https://example.org">ok</a>'
    assert hooks.on_post_page('<link rel="canonical" href="http://127.0.0.1:8000/">', page,
                              {})                  # names the page, loads nothing
    for text in ('<script src="https://cdn.example/x.js"></script>',
                 '<link rel="stylesheet" href="//fonts.example/css">',
                 '<img alt="a" src="http://example.org/a.png">',
                 '<style>body { background: url(https://example.org/b.png) }</style>'):
        with pytest.raises(PluginError, match="loads from another machine"):
            hooks.on_post_page(text, page, {})
    notebook = SimpleNamespace(file=SimpleNamespace(src_uri="walkthrough.ipynb"))
    with pytest.raises(PluginError, match="expected nbconvert's CDN script once"):
        hooks.on_post_page("<p>no MathJax here</p>", notebook, {})


def test_no_list_is_swallowed_into_a_paragraph(site):
    """A markdown list right after a line of text, with no blank line between, is one
    paragraph with its "- " items run together in MkDocs (GitHub shows a list): the
    targets of benchmarks/RESULTS.md on the Performance page were read that way."""
    swallowed = []
    for page in sorted(site.rglob("*.html")):
        for p in re.findall(r"<p>(.*?)</p>", page.read_text(encoding="utf-8"), re.S):
            if re.search(r"\n- ", p):
                swallowed.append(f"{page.relative_to(site)}: {p[:80]!r}")
    assert not swallowed, "\n".join(swallowed)
