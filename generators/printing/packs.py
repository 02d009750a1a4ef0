"""Publish: one township's briefing PDFs — each village's sheet, and the township pack: the pack's own pages
(cover, contents, summary) followed by the village sheets' PDFs as they were written, joined with pypdf. No
village is laid out or written twice, and a sheet unchanged since the last build is not laid out at all:
its cached PDF goes into the pack as it is.

A sheet keeps its own footer in the pack (第 1 页 / 共 2 页 of the sheet); the pack's page number
(汇编第 5 页 / 共 40 页) is stamped in the corner beside it, from a document of numbers only laid out
with the sheets' page geometry. The contents' entries link to the sheets' first pages, and the sheets'
bookmarks follow the pack's own.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass

import jinja2

from generators.printing.jobs import TOTAL, pack_job, sheet_jobs, start_slot
from generators.printing.pdf import PdfWriter, PrintSetup, element_boxes, writer_for
from generators.registry.briefings import TownshipPack

STAMP = "/HBPackPage"  # the pack number's form XObject on each sheet page (no name of WeasyPrint's)


@dataclass(frozen=True)
class SheetPrint:
    path: str
    html: str  # laid out and written when `pdf` is None
    pdf: bytes | None = None  # the sheet's PDF of an earlier build, unchanged: goes into the pack as it is


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
    sheets = tuple(SheetPrint(j.path, j.html) for j in sheet_jobs(env, pack))
    return TownshipPrint(pack.township, sheets, front.path, front.html)


def print_township(setup: PrintSetup, item: TownshipPrint) -> dict[str, bytes]:
    """Task: the township's sheets that are not cached, and its pack when it is not cached."""
    writer = writer_for(setup)
    out: dict[str, bytes] = {}
    sheets = []
    for sheet in item.sheets:
        data = sheet.pdf
        if data is None:
            data = out[sheet.path] = writer.write(writer.layout(sheet.html))
        sheets.append(data)
    if item.pack_path is not None:
        out[item.pack_path] = write_pack(writer, item, sheets)
    return out


def _numbered(html: str, starts: list[int], total: int) -> str:
    for i, start in enumerate(starts):
        html = html.replace(start_slot(i), str(start))
    return html.replace(TOTAL, str(total))


def _footer_css(total: int) -> str:
    return f'@page {{ @bottom-center {{ content: "第 " counter(page) " 页 / 共 {total} 页"; }} }}'


def _numbers(writer: PdfWriter, first: int, count: int, total: int) -> bytes:
    """`count` pages, with the geometry of a sheet's, that show only 汇编第 first… 页 / 共 total 页 in the
    bottom right corner (where a sheet's page has nothing)."""
    pages = "".join(f"<p>汇编第 {n} 页 / 共 {total} 页</p>" for n in range(first, first + count))
    html = f'<!DOCTYPE html><html lang="zh-CN"><body class="numbers">{pages}</body></html>'
    return writer.write(writer.layout(html))


def write_pack(writer: PdfWriter, item: TownshipPrint, sheets: list[bytes]) -> bytes:
    """The pack: its own pages, laid out here and numbered for the sheets that follow, then each sheet's
    PDF (`sheets`, in order) with the pack's page number stamped on its pages."""
    from pypdf import PdfReader
    from pypdf import PdfWriter as Joiner
    from pypdf.generic import ArrayObject, ByteStringObject

    readers = [PdfReader(io.BytesIO(data)) for data in sheets]
    counts = [len(r.pages) for r in readers]
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
    entries = element_boxes(front)
    own = writer.write(front)
    pack = Joiner(clone_from=PdfReader(io.BytesIO(own)))
    for reader in readers:
        pack.append(reader)
    numbered = _numbers(writer, front_pages + 1, sum(counts), total)
    numbers = PdfReader(io.BytesIO(numbered))
    if len(numbers.pages) != sum(counts):
        raise RuntimeError(f"{item.township}: {len(numbers.pages)} page numbers for {sum(counts)} pages")
    _stamp(pack, front_pages, numbers)
    for i, start in enumerate(starts):
        if (box := entries.get(f"toc-{i}")) is not None:
            _link(pack, box, start - 1)
    # The file identifier, from everything in it (the front's own would name packs that differ in a sheet
    # alike); content-derived, as WeasyPrint's, so that the same inputs give the same bytes.
    identifier = ByteStringObject(hashlib.sha256(b"".join([own, numbered, *sheets])).digest()[:16])
    pack._ID = ArrayObject([identifier, identifier])
    out = io.BytesIO()
    pack.write(out)
    return out.getvalue()


def _stamp(pack, first: int, numbers) -> None:
    """Draws page i of `numbers` over page `first + i` of `pack`, after the page's own content (kept as it
    is, its graphics state closed first)."""
    from pypdf.generic import ArrayObject, DecodedStreamObject, DictionaryObject, NameObject

    def stream(data: bytes):
        s = DecodedStreamObject()
        s.set_data(data)
        return pack._add_object(s)

    before, after = stream(b"q\n"), stream(f"\nQ\nq {STAMP} Do Q\n".encode())
    for i, source in enumerate(numbers.pages):
        form = DecodedStreamObject()
        form.set_data(source.get_contents().get_data())
        form.update(
            {
                NameObject("/Type"): NameObject("/XObject"),
                NameObject("/Subtype"): NameObject("/Form"),
                NameObject("/BBox"): source.mediabox,
                NameObject("/Resources"): source["/Resources"].clone(pack),
            }
        )
        page = pack.pages[first + i]
        contents = page.raw_get("/Contents")
        parts = list(contents.get_object()) if isinstance(contents.get_object(), ArrayObject) else [contents]
        page[NameObject("/Contents")] = ArrayObject([before, *parts, after])
        resources = DictionaryObject(page["/Resources"])
        xobjects = DictionaryObject(resources.get("/XObject", {}))
        xobjects[NameObject(STAMP)] = pack._add_object(form)
        resources[NameObject("/XObject")] = xobjects
        page[NameObject("/Resources")] = resources


def _link(pack, box: tuple[int, tuple[float, float, float, float]], target: int) -> None:
    """A contents entry (its page and rectangle) made a link to the first page of its sheet."""
    from pypdf.annotations import Link
    from pypdf.generic import Fit

    page, rect = box
    top = float(pack.pages[target].mediabox.top)
    pack.add_annotation(
        page, Link(rect=rect, border=[0, 0, 0], target_page_index=target, fit=Fit.xyz(0, top, 0))
    )
