"""Publish: one township's briefing PDFs — each village's sheet, and the township pack made of the pack's
own pages (cover, contents, summary) followed by the sheets' pages as they were laid out for the sheets
themselves, written once. No village is laid out twice.

Only the page footers differ between a sheet and its place in the pack (第 5 页 / 共 40 页 counts the
pack): each sheet page in the pack gets the footer of a tiny numbering document laid out for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import jinja2

from generators.printing.jobs import TOTAL, pack_job, sheet_jobs, start_slot
from generators.printing.pdf import PdfWriter, PrintSetup, writer_for
from generators.registry.briefings import TownshipPack

FOOTER = "@bottom-center"


@dataclass(frozen=True)
class SheetPrint:
    path: str
    html: str
    write: bool  # False: its PDF is cached; laid out for the pack only


@dataclass(frozen=True)
class TownshipPrint:
    """What a worker needs to write one township's PDFs."""

    township: str
    sheets: tuple[SheetPrint, ...]
    pack_path: str | None  # None: the pack is cached
    pack_html: str = ""  # with `start_slot(i)` and TOTAL where the numbers go


def township_print(env: jinja2.Environment, pack: TownshipPack) -> TownshipPrint:
    """Everything of a township printed afresh (nothing cached)."""
    front = pack_job(env, pack)
    sheets = tuple(SheetPrint(j.path, j.html, True) for j in sheet_jobs(env, pack))
    return TownshipPrint(pack.township, sheets, front.path, front.html)


def _numbered(html: str, starts: list[int], total: int) -> str:
    for i, start in enumerate(starts):
        html = html.replace(start_slot(i), str(start))
    return html.replace(TOTAL, str(total))


def _footer_css(total: int) -> str:
    return f'@page {{ {FOOTER} {{ content: "第 " counter(page) " 页 / 共 {total} 页"; }} }}'


def _numbering(writer: PdfWriter, first: int, count: int, total: int) -> Any:
    """`count` empty pages whose footers read 第 first… 页 / 共 total 页 (their footers are all we use)."""
    html = "".join(
        f'<p style="break-before: page; string-set: pack-page content(text)">第 {n} 页 / 共 {total} 页</p>'
        for n in range(first, first + count)
    )
    return writer.layout(
        f"<!DOCTYPE html><html><body>{html}</body></html>",
        extra_css=f"@page {{ {FOOTER} {{ content: string(pack-page); }} }}",
    )


def _with_footer(page: Any, donor: Any) -> Any:
    """`page` with the footer of `donor` (same page size and margins) instead of its own."""
    from weasyprint.document import Page

    def kind(box: Any) -> str | None:
        return getattr(box, "at_keyword", None)

    box = page._page_box  # WeasyPrint's laid-out page; its margin boxes are children tagged by at-rule
    if not any(kind(b) == FOOTER for b in box.children):
        return page
    children = [b for b in box.children if kind(b) != FOOTER]
    children += [b for b in donor._page_box.children if kind(b) == FOOTER]
    return Page(box.copy_with_children(children))


def print_township(setup: PrintSetup, item: TownshipPrint) -> dict[str, bytes]:
    """Task: the township's sheets that are not cached, and its pack when it is not cached."""
    writer = writer_for(setup)
    out: dict[str, bytes] = {}
    pages = []
    for sheet in item.sheets:
        document = writer.layout(sheet.html)
        if sheet.write:
            out[sheet.path] = writer.write(document)
        if item.pack_path is not None:
            pages.append(document.pages)
        del document
    if item.pack_path is None:
        return out
    out[item.pack_path] = write_pack(writer, item, pages)
    return out


def write_pack(writer: PdfWriter, item: TownshipPrint, pages: list[list[Any]]) -> bytes:
    """The pack: its own pages (laid out here, numbered for the sheets' pages that follow) and each sheet's
    laid-out `pages` with the pack's page footer, written as one PDF."""
    counts = [len(p) for p in pages]
    front_pages = 3  # cover, contents, summary; laid out again if the guess was wrong
    for _ in range(5):
        total = front_pages + sum(counts)
        starts = [front_pages + 1 + sum(counts[:i]) for i in range(len(counts))]
        front = writer.layout(_numbered(item.pack_html, starts, total), extra_css=_footer_css(total))
        if len(front.pages) == front_pages:
            break
        front_pages = len(front.pages)
    else:
        raise RuntimeError(f"{item.township}: the pack's contents did not settle on a page count")
    numbering = _numbering(writer, front_pages + 1, sum(counts), total)
    sheet_pages = [p for doc_pages in pages for p in doc_pages]
    combined = list(front.pages) + [
        _with_footer(page, numbering.pages[i]) for i, page in enumerate(sheet_pages)
    ]
    return writer.write(front.copy(combined))
