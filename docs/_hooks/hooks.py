"""MkDocs hooks of the documentation site (mkdocs.yml: ``hooks``).

- The walkthrough notebook and the notes live in notebooks/; they join the site as
  ``walkthrough.ipynb`` and (through a snippet) ``notes.md``, so there is one copy of each.
- A Markdown page in docs/ that the nav does not name joins the Guides section, titled by
  its first heading: a topic page dropped into docs/ needs no edit of mkdocs.yml.
- A list right after a line of text (no blank line between) is a list, as GitHub shows
  it (Python-Markdown would run its items into the paragraph): the notes, which are
  included word for word, and benchmarks/RESULTS.md are written that way.
- Offline: nbconvert's template (used by mkdocs-jupyter) puts MathJax and mermaid scripts
  from a CDN on notebook pages; they are removed (the site's KaTeX renders the maths). Any
  other page that still loads a script, style, image or font from another machine fails
  the build, naming the page and the address.
"""

import importlib.util
import re
import sys
from pathlib import Path

from markdown.extensions import Extension
from markdown.preprocessors import Preprocessor
from mkdocs.exceptions import PluginError
from mkdocs.plugins import event_priority
from mkdocs.structure.files import File

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "walkthrough.ipynb"
GUIDES = "Guides"
# the notebook's links to files of the repository, as the site's pages (from walkthrough/)
NOTEBOOK_LINKS = {"../benchmarks/RESULTS.md": "../performance/#results",
                  "BACKPROP_NOTES.md": "../notes/"}
if str(ROOT) not in sys.path:             # the library this checkout holds draws the figures
    sys.path.insert(0, str(ROOT))


def _sibling(name):
    spec = importlib.util.spec_from_file_location(f"docs_{name}",
                                                  Path(__file__).with_name(f"{name}.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


figures, notebook = _sibling("figures"), _sibling("notebook")
WEB = ROOT / ".cache" / "docs"           # the notebook as the site shows it (for_the_web)
_PLAYER = re.compile(r"<!-- player: ([\w-]+) -->")


class _ListsAfterText(Preprocessor):
    """A blank line before a list item that follows a line of text at the left margin
    (outside code fences and lists): the words unchanged, the list shown as one."""

    ITEM = re.compile(r"(?:[-*+]|\d+\.) ")

    def run(self, lines):
        out, fence, in_list = [], False, False
        for line in lines:
            if line.lstrip().startswith(("```", "~~~")):
                fence = not fence
            item = not fence and bool(self.ITEM.match(line))
            before = out[-1] if out else ""
            if item and not in_list and before.strip() and not before[:1].isspace() and \
                    not before.startswith(("|", ">", "#", "<")):
                out.append("")
            in_list = (in_list or item) and bool(line.strip())
            out.append(line)
        return out


class ListsAfterText(Extension):
    def extendMarkdown(self, md):
        md.preprocessors.register(_ListsAfterText(md), "lists_after_text", 25)  # after
                                                                 # snippets (32)


def on_config(config):
    """Put every docs/*.md page that the nav does not name into the Guides section; show
    a list that follows a line of text as a list (``ListsAfterText``)."""
    config["markdown_extensions"].append(ListsAfterText())
    docs = Path(config["docs_dir"])
    named = set(_nav_files(config["nav"]))
    for section in config["nav"]:
        if isinstance(section, dict) and GUIDES in section:
            guides = section[GUIDES]
            break
    else:
        raise PluginError(f"mkdocs.yml: the nav has no {GUIDES!r} section")
    for page in sorted(docs.rglob("*.md")):
        name = page.relative_to(docs).as_posix()
        if name not in named and not name.startswith("_"):
            guides.append({_first_heading(page) or page.stem: name})
    return config


def _nav_files(nav):
    for item in nav:
        if isinstance(item, str):
            yield item
        elif isinstance(item, dict):
            for value in item.values():
                yield from ([value] if isinstance(value, str) else _nav_files(value))


def _first_heading(path):
    match = re.search(r"^# (.+)$", path.read_text(encoding="utf-8"), re.M)
    return match.group(1).strip() if match else None


@event_priority(100)            # before mkdocs-jupyter turns .ipynb files into pages
def on_files(files, config):
    import nbformat
    try:
        from mkdocs_jupyter.utils import slugify  # the ids it gives the headings
        web = notebook.for_the_web(notebook.read(NOTEBOOK), anchor=slugify,
                                   links=NOTEBOOK_LINKS)
    except notebook.MissingAlt as e:
        raise PluginError(str(e)) from None
    WEB.mkdir(parents=True, exist_ok=True)
    nbformat.write(web, str(WEB / NOTEBOOK.name))
    # a File with a src_dir: mkdocs-jupyter's wrapper cannot read File.generated ones
    files.append(File(NOTEBOOK.name, src_dir=str(WEB), dest_dir=config["site_dir"],
                      use_directory_urls=config["use_directory_urls"]))
    for path, draw in figures.FIGURES.items():
        if files.get_file_from_path(path) is None:      # the README's is committed
            files.append(File.generated(config, path, content=draw()))
    return files


def on_page_content(html, page, config, files):
    """``<!-- player: name -->`` becomes that animation's player (docs/_hooks/figures.py);
    a paragraph that is one SVG picture becomes a box that scrolls sideways when the
    picture is wider than the column, so the picture keeps its size on a phone."""
    def player(match):
        if match.group(1) not in figures.PLAYERS:
            raise PluginError(f"{page.file.src_uri}: no player named {match.group(1)!r}")
        return figures.PLAYERS[match.group(1)]().html()
    html = _PLAYER.sub(player, html)
    if page.file.src_uri.startswith("reference/"):
        html = _DOCSTRING_BRACKETS.sub(_as_written, html)
    return _LONE_SVG.sub(r'<div class="%s">\1</div>' % notebook.FIGURE_CLASS, html)


# Markdown reads ``J[i][j]`` in a docstring as a reference link to "j" (autorefs then
# fails the build). The docstrings never link that way (they name code ``like this``), so
# on the reference pages such a link that mkdocstrings did not make is put back as written.
_DOCSTRING_BRACKETS = re.compile(
    r'<autoref (?![^>]*\boptional\b)[^>]*?identifier="([^"]+)"[^>]*>(.*?)</autoref>', re.S)


def _as_written(match):
    return f"[{match.group(2)}][{match.group(1)}]"


_LONE_SVG = re.compile(r'<p>(<img alt="[^"]*" src="[^"]+\.svg" />)</p>')


# What nbconvert's lab template adds that would leave the machine when a page is viewed.
_CDN_SCRIPTS = [
    # MathJax 2 from a CDN and its configuration
    re.compile(r'<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->', re.S),
    # mermaid from a CDN, loaded only for mermaid outputs (the walkthrough has none)
    re.compile(r'<script type="module">\s*document\.addEventListener\("DOMContentLoaded", '
               r'async \(\) => \{\s*const diagrams = document\.querySelectorAll\('
               r'"\.jp-Mermaid > pre\.mermaid"\);.*?</script>', re.S),
]
_EXTERNAL_LOAD = re.compile(
    r'<(?:script|img|iframe|source|audio|video|embed)\b[^>]*\bsrc\s*=\s*["\']?'
    r'((?:https?:)?//[^"\' >]+)'
    r'|@import\s+(?:url\()?["\']?((?:https?:)?//[^"\' )]+)'
    r'|url\(\s*["\']?((?:https?:)?//[^"\' )]+)', re.I)
_LINK = re.compile(r"<link\b[^>]*>", re.I)
_LINK_URL = re.compile(r'\bhref\s*=\s*["\']?((?:https?:)?//[^"\' >]+)', re.I)
# links that name a page rather than load something (mkdocs serve adds a canonical one)
NOT_LOADED = re.compile(r'\brel\s*=\s*["\']?(canonical|alternate|prev|next|author|license)\b',
                        re.I)


def external_loads(html):
    """The addresses on another machine that a browser showing ``html`` would load."""
    found = [next(g for g in m.groups() if g) for m in _EXTERNAL_LOAD.finditer(html)]
    for tag in _LINK.findall(html):
        url = _LINK_URL.search(tag)
        if url and not NOT_LOADED.search(tag):
            found.append(url.group(1))
    return found


def on_post_page(output, page, config):
    if page.file.src_uri.endswith(".ipynb"):
        for pattern in _CDN_SCRIPTS:
            output, n = pattern.subn("", output)
            if n != 1:
                raise PluginError(f"{page.file.src_uri}: expected nbconvert's CDN script "
                                  f"once, found it {n} times ({pattern.pattern[:40]}...)")
    external = external_loads(output)
    if external:
        raise PluginError(f"{page.file.src_uri} loads from another machine: "
                          f"{', '.join(sorted(set(external)))}")
    return output
