"""Publish: one township's briefing PDFs — each village's sheet, and the township pack: the pack's own pages
(cover, contents, summary) followed by the village sheets' PDFs as they were written, joined with pikepdf
(qpdf). No village is laid out or written twice, and a sheet unchanged since the last build is not laid out
at all: its cached PDF goes into the pack as it is.

A sheet keeps its own footer in the pack (第 1 页 / 共 2 页 of the sheet); the pack's page number
(汇编第 5 页 / 共 40 页) is stamped in the corner beside it, from a document of numbers only laid out
with the sheets' page geometry. The contents' entries link to the sheets' first pages, and the sheets'
bookmarks follow the pack's own.
"""

from __future__ import annotations

import contextlib
import functools
import io
from dataclasses import dataclass
from importlib.metadata import version

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


def joiner() -> str:
    """What joins the packs, by version: part of a pack's cache key (only the packs depend on it)."""
    return f"pikepdf {version('pikepdf')}"


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
    import pikepdf

    with contextlib.ExitStack() as opened:
        sources = [opened.enter_context(pikepdf.open(io.BytesIO(data))) for data in sheets]
        counts = [len(s.pages) for s in sources]
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
        pack = opened.enter_context(pikepdf.open(io.BytesIO(writer.write(front))))
        numbers = opened.enter_context(
            pikepdf.open(io.BytesIO(_numbers(writer, front_pages + 1, sum(counts), total)))
        )
        if len(numbers.pages) != sum(counts):
            raise RuntimeError(f"{item.township}: {len(numbers.pages)} page numbers for {sum(counts)} pages")
        _join(pack, sources)
        _stamp(pack, front_pages, numbers)
        for i, start in enumerate(starts):
            if (box := entries.get(f"toc-{i}")) is not None:
                _link(pack, box, start - 1)
        # The file identifier from what is written (as WeasyPrint's), not the front's (qpdf keeps one that
        # is there): the same inputs give the same bytes, and packs that differ in a sheet other identifiers.
        del pack.trailer.ID
        out = io.BytesIO()
        pack.save(out, deterministic_id=True, object_stream_mode=pikepdf.ObjectStreamMode.generate)
        return out.getvalue()


def _join(pack, sources) -> None:
    """Each source's pages after the pack's, with its bookmarks (after the pack's own) and its named
    destinations (a sheet's 'sheet-<village>'), pointed at the pages as they are in the pack."""
    import pikepdf

    names = pack.Root.get("/Names", {}).get("/Dests")
    tree = pikepdf.NameTree(names) if names is not None else pikepdf.NameTree.new(pack)
    with pack.open_outline() as outline:
        for source in sources:
            offset = len(pack.pages)
            index = {page.obj.objgen: offset + i for i, page in enumerate(source.pages)}
            pack.pages.extend(source.pages)
            moved = functools.partial(_moved, pack, index)
            with source.open_outline() as theirs:
                outline.root.extend(_bookmarks(source, theirs.root, moved))
            their_names = source.Root.get("/Names", {}).get("/Dests")
            for name, dest in pikepdf.NameTree(their_names).items() if their_names is not None else ():
                if name not in tree and (dest := moved(dest)) is not None:
                    tree[name] = dest
    if len(tree.keys()):
        if "/Names" not in pack.Root:
            pack.Root.Names = pikepdf.Dictionary()
        pack.Root.Names.Dests = tree.obj


def _moved(pack, index: dict, dest):
    """A source's explicit destination ([page, /XYZ, left, top, zoom] or a dictionary holding one) aimed at
    its page in the pack; None for one that points nowhere in the source."""
    import pikepdf

    if isinstance(dest, pikepdf.Dictionary) and "/D" in dest:
        dest = dest.D
    if not isinstance(dest, pikepdf.Array) or len(dest) == 0:
        return None
    target = index.get(dest[0].objgen)
    return None if target is None else pikepdf.Array([pack.pages[target].obj, *dest[1:]])


def _stamp(pack, first: int, numbers) -> None:
    """Draws page i of `numbers` over page `first + i` of `pack`, after the page's own content (kept as it
    is, its graphics state closed first). Under a fixed name: pikepdf's `add_overlay` picks a random one,
    and the same inputs must give the same bytes."""
    import pikepdf

    before, after = pack.make_stream(b"q\n"), pack.make_stream(f"\nQ\nq {STAMP} Do Q\n".encode())
    for i, number in enumerate(numbers.pages):
        page = pack.pages[first + i].obj
        contents = page.Contents
        parts = list(contents) if isinstance(contents, pikepdf.Array) else [contents]
        page.Contents = pikepdf.Array([before, *parts, after])
        # The page's own resources copied before the stamp is added: sheets' pages may share them.
        resources = pikepdf.Dictionary({k: v for k, v in page.Resources.items()})
        xobjects = pikepdf.Dictionary({k: v for k, v in resources.get("/XObject", {}).items()})
        xobjects[STAMP] = pack.copy_foreign(number.as_form_xobject())
        resources.XObject = xobjects
        page.Resources = resources


def _bookmarks(source, items, moved) -> list:
    """Copies of a source's bookmarks (and theirs, nested), pointing where `moved` says."""
    import pikepdf

    out = []
    for item in items:
        dest = item.destination
        if isinstance(dest, (pikepdf.String, pikepdf.Name, str)):  # a named destination of the source
            dest = pikepdf.NameTree(source.Root.Names.Dests).get(str(dest))
        copy = pikepdf.OutlineItem(item.title, moved(dest) if dest is not None else None)
        copy.is_closed = item.is_closed
        copy.children.extend(_bookmarks(source, item.children, moved))
        out.append(copy)
    return out


def _link(pack, box: tuple[int, tuple[float, float, float, float]], target: int) -> None:
    """A contents entry (its page and rectangle) made a link to the first page of its sheet."""
    import pikepdf

    page, rect = box
    top = float(pack.pages[target].mediabox[3])
    annotation = pack.make_indirect(
        pikepdf.Dictionary(
            Type=pikepdf.Name.Annot,
            Subtype=pikepdf.Name.Link,
            Rect=list(rect),
            Border=[0, 0, 0],
            Dest=pikepdf.Array([pack.pages[target].obj, pikepdf.Name.XYZ, 0, top, 0]),
        )
    )
    front = pack.pages[page].obj
    if "/Annots" not in front:
        front.Annots = pikepdf.Array()
    front.Annots.append(annotation)
