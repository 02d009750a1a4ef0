"""Render: the per-edition pages (the changelog against the previous edition) and the versions the
site selector lists, in the `versions.json` layout that mike writes."""

from __future__ import annotations

import html
import json
import re
import urllib.parse

from generators.policy.changelog import Changelog, changelog
from generators.policy.citations import Citer
from generators.policy.editions import Edition
from generators.policy.model import ClauseRef, PolicyModel
from generators.policy.work_calendar import WorkCalendar
from generators.website.pages import doc_page, handbook_pages, rel
from generators.website.render import PageTask

CHANGELOG = "changelog.md"
KINDS = [
    ("document", "收录的文件"),
    ("role", "牵头、责任和承办单位"),
    ("definition", "群体界定"),
    ("age", "年龄界限"),
    ("cadence", "周期性工作"),
]
CHANGES = {"added": "新增", "removed": "删去", "changed": "改动"}


def _cite(model: PolicyModel, ref: ClauseRef) -> str:
    doc = model.document(ref.doc)
    return doc.meta.short if not ref.clause else Citer(model).cite(ref)


def changelog_page(
    cl: Changelog, old: Edition, old_model: PolicyModel, new: Edition, new_model: PolicyModel
) -> PageTask:
    """Links on the new side are site links (checked by mkdocs); on the old side they point into the
    older edition's folder beside this one."""

    def old_link(ref: ClauseRef) -> dict:
        anchor = f"#c-{ref.clause}" if ref.clause else ""
        return {"text": _cite(old_model, ref), "href": f"../{old.number}/documents/{ref.doc}.html{anchor}"}

    def new_link(ref: ClauseRef) -> dict:
        return {
            "text": _cite(new_model, ref),
            "href": rel(CHANGELOG, doc_page(ref.doc), f"c-{ref.clause}" if ref.clause else None),
        }

    sections = []
    for kind, title in KINDS:
        changes = [
            {
                "change": CHANGES[c.change],
                "subject": c.subject,
                "text": c.text,
                "old": old_link(c.old) if c.old else None,
                "new": new_link(c.new) if c.new else None,
            }
            for c in cl.of(kind)
        ]
        if changes:
            sections.append({"title": title, "changes": changes})
    return PageTask(
        CHANGELOG,
        "changelog.md.j2",
        "版本变化",
        {"old_label": old.label, "new_label": new.label, "sections": sections},
    )


# The live sections' first pages: the latest edition always has them, whatever the registry and pilots hold
# (`pipeline.site_page_tasks` checks it).
LIVE_SECTIONS = ("registry/index.md", "assessment/index.md")


def edition_tasks(
    editions: list[Edition],
    models: dict[str, PolicyModel],
    calendars: dict[str, WorkCalendar],
    latest: Edition,
    live: list[PageTask],
    pdf_path,
) -> dict[str, list[PageTask]]:
    """Each edition's pages: the handbook of its snapshot, its changelog against the edition before, the
    guide; the live pages (registry, pilot) only in the latest edition."""
    out = {}
    for i, e in enumerate(editions):
        model = models[e.number]
        extra = []
        if i > 0:
            before = editions[i - 1]
            extra.append(
                changelog_page(
                    changelog(before.number, models[before.number], e.number, model),
                    before,
                    models[before.number],
                    e,
                    model,
                )
            )
        guide = PageTask("guide.md", "guide.md.j2", "使用说明", {"live": e is latest, "changelog": i > 0})
        # The handbook's own pages (the home page links the sections it has) do not depend on the live
        # pages' content, only on the latest edition having them: they are rendered and printed before the
        # registry's pages are made.
        others = tuple(t.path for t in (*extra, guide)) + (LIVE_SECTIONS if e is latest else ())
        if e is latest:
            extra += live
        extra.append(guide)
        context = {
            "label": e.label,
            "notes": e.notes,
            "changelog": CHANGELOG if i > 0 else None,
            "pdf": pdf_path(e),
        }
        out[e.number] = handbook_pages(model, calendars[e.number], others, context) + extra
    return out


FRONT_MATTER_END = "\n---\n"


def outdated_notice(path: str, edition: Edition, latest: Edition, latest_pages: set[str]) -> str:
    """A banner for one page of an older edition: it is old, and here is the same page in the latest (or
    the latest edition's home when the page is gone). Raw HTML: the link leaves this edition's folder."""
    up = "../" * (path.count("/") + 1)
    target = path if path in latest_pages else "index.md"
    href = f"{up}{latest.number}/{target.removesuffix('.md')}.html"
    where = "这一页" if path in latest_pages else "首页（最新版本没有这一页）"
    return (
        '<div class="admonition warning outdated" data-search-exclude markdown>\n'
        f'<p class="admonition-title">旧版本：{edition.label}</p>\n'
        f'<p>本页属于旧版本，内容可能已经变化。<a href="{href}">查看最新版本 {latest.label}中的{where}</a>。</p>\n'
        "</div>\n\n"
    )


def mark_outdated(
    versions: dict[str, dict[str, str]], editions: list[Edition], latest: Edition
) -> dict[str, dict[str, str]]:
    """Every page of every edition older than `latest` gets the outdated banner after its front matter."""
    order = [e.number for e in editions]
    out = {}
    for e in editions:
        pages = versions[e.number]
        if order.index(e.number) >= order.index(latest.number):
            out[e.number] = pages
            continue
        marked = {}
        for path, text in pages.items():
            cut = text.index(FRONT_MATTER_END, 3) + len(FRONT_MATTER_END) if text.startswith("---") else 0
            notice = outdated_notice(path, e, latest, set(versions[latest.number]))
            marked[path] = text[:cut] + notice + text[cut:]
        out[e.number] = marked
    return out


def versions_json(editions: list[Edition], latest: Edition) -> str:
    """Newest first, as mike writes it; the `latest` alias on the newest published edition. Titles are the
    bare numbers: the selector sits in the header beside the title, and a phone has room for six digits."""
    entries = [
        {
            "version": e.number,
            "title": e.number if e.published else "草稿",
            "aliases": ["latest"] if e is latest else [],
        }
        for e in reversed(editions)
    ]
    return json.dumps(entries, ensure_ascii=False, indent=2) + "\n"


def redirect_page(target: str) -> str:
    """What mike writes for an alias: a page that sends the browser on, keeping the anchor. The target is
    percent-encoded as a relative URL, then escaped for each place it stands: an HTML attribute, a
    JavaScript string inside a <script> element, and text."""
    url = urllib.parse.quote(target, safe="/#.-_~%")
    if url.startswith("/") or re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", url):
        url = "./" + url.lstrip("/")  # never an absolute, protocol-relative or scheme URL
    attribute = html.escape(url, quote=True)
    script = json.dumps(url).replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return (
        '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n<title>正在跳转</title>\n'
        f'<noscript><meta http-equiv="refresh" content="0; url={attribute}"></noscript>\n'
        f"<script>window.location.replace({script} + window.location.hash);</script>\n"
        f'</head>\n<body>\n<a href="{attribute}">{attribute}</a>\n</body>\n</html>\n'
    )
