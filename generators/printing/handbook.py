"""Render: print editions of the handbook — the whole handbook per edition, and one PDF per unit — from
the same Markdown pages the site is built from (Python-Markdown with the site's extensions).

Every page becomes a section of one HTML document: its ids are prefixed so that clause anchors of
different documents do not collide, and its links to other pages become links inside the PDF (with the
target's page number printed after matrix marks, so that a clause can be found on paper).
"""

from __future__ import annotations

import hashlib
import json
import posixpath
import re
from importlib.metadata import version

import jinja2
import markdown

from generators.core.cache import source_digest
from generators.printing.jobs import PrintJob
from generators.website.pages import SECTION_TITLES
from generators.website.render import PageTask

EXTENSIONS = ["attr_list", "md_in_html", "admonition", "tables", "toc"]
FRONT_MATTER = re.compile(r"\A---\n.*?\n---\n", re.S)
ID_ATTR = re.compile(r'\sid="([^"]+)"')
HREF_ATTR = re.compile(r'<a([^>]*?)\shref="([^"]*)"')
LANDSCAPE = ("matrices/",)  # wide tables: printed on landscape pages
NOTICE = ("documents/",)  # the policy texts: GB/T 9704-like margins


def _html(text: str) -> str:
    return markdown.markdown(
        FRONT_MATTER.sub("", text), extensions=EXTENSIONS, extension_configs={"toc": {"permalink": False}}
    )


def _slug(path: str) -> str:
    return "p-" + re.sub(r"[^0-9A-Za-z]+", "-", path.removesuffix(".md")).strip("-")


def _relink(html: str, page: str, known: set[str]) -> str:
    """Prefix ids with the page's slug; point links at pages of this PDF, drop the others' targets."""
    slug = _slug(page)
    html = ID_ATTR.sub(lambda m: f' id="{slug}--{m.group(1)}"', html)

    def link(m: re.Match) -> str:
        attrs, href = m.group(1), m.group(2)
        if href.startswith(("http:", "https:", "mailto:")):
            return m.group(0)
        target, _, anchor = href.partition("#")
        if not target:
            return f'<a{attrs} href="#{slug}--{anchor}"'
        resolved = posixpath.normpath(posixpath.join(posixpath.dirname(page), target))
        if resolved not in known:
            return f"<a{attrs}"  # a page that is not in this PDF (downloads, other editions): text only
        return (
            f'<a{attrs} href="#{_slug(resolved)}--{anchor}"'
            if anchor
            else f'<a{attrs} href="#{_slug(resolved)}"'
        )

    return HREF_ATTR.sub(link, html)


def _empty_matrix(path: str, html: str) -> bool:
    """A document's matrix page without a matrix (the text assigns no units): nothing to print."""
    return path.startswith(LANDSCAPE) and "<table" not in html


def handbook_jobs(
    env: jinja2.Environment,
    edition: dict,
    tasks: list[PageTask],
    pages: dict[str, str],
    handbook_path: str,
    unit_path,
) -> list[PrintJob]:
    """The whole handbook (cover, contents, every page) and one PDF per unit page."""
    html = {t.path: _html(pages[t.path]) for t in tasks}  # once per page: the handbook and a unit's PDF
    printed = [t for t in tasks if not _empty_matrix(t.path, html[t.path])]
    known = {t.path for t in printed}
    template = env.get_template("print/handbook.html.j2")
    sections, units = [], []
    contents: list[dict] = []
    part = None
    for t in printed:
        kind = (
            "landscape"
            if t.path.startswith(LANDSCAPE)
            else "notice"
            if t.path.startswith(NOTICE) and not t.path.endswith("index.md")
            else "plain"
        )
        folder = posixpath.dirname(t.path)
        # A new page for each part (a section of the site, or a page of its own at the top) and for each
        # policy text; within a part, short pages (a unit, a group, a small matrix) follow one another.
        section = {
            "id": _slug(t.path),
            "title": t.title,
            "kind": kind,
            "new_page": folder != part or not folder or kind == "notice",
        }
        if folder != part or not folder:
            contents.append({"title": SECTION_TITLES.get(folder), "entries": []})
        contents[-1]["entries"].append(section)
        part = folder
        sections.append({**section, "html": _relink(html[t.path], t.path, known)})
        if t.path.startswith("units/") and t.path != "units/index.md":
            own = {**section, "new_page": True, "html": _relink(html[t.path], t.path, {t.path})}
            units.append((t.path, own))
    jobs = [
        PrintJob(
            handbook_path,
            template.render(edition=edition, sections=sections, contents=contents, cover=True),
        )
    ]
    jobs += [
        PrintJob(
            unit_path(path), template.render(edition=edition, sections=[section], contents=[], cover=False)
        )
        for path, section in units
    ]
    return jobs


def handbook_key(env: jinja2.Environment, edition: dict, tasks: list[PageTask], pages: dict[str, str]) -> str:
    """Everything `handbook_jobs` makes an edition's print jobs from: the edition (with its PDFs' paths), its
    pages (path, title, Markdown), the print templates, this module and Python-Markdown's version."""
    assert env.loader is not None
    digest = hashlib.sha256()
    parts: list[object] = [json.dumps(edition, sort_keys=True, ensure_ascii=False), version("markdown")]
    parts += [source_digest(__name__)]
    parts += [
        env.loader.get_source(env, name)[0] for name in env.list_templates() if name.startswith("print/")
    ]
    parts += [f"{t.path}\n{t.title}\n{pages[t.path]}" for t in tasks]
    for part in parts:
        data = part if isinstance(part, bytes) else str(part).encode()
        digest.update(len(data).to_bytes(8, "big") + data)
    return digest.hexdigest()


def jobs_to_json(jobs: list[PrintJob]) -> bytes:
    return json.dumps([[j.path, j.html] for j in jobs], ensure_ascii=False).encode()


def jobs_from_json(data: bytes) -> list[PrintJob]:
    return [PrintJob(path, html) for path, html in json.loads(data)]
