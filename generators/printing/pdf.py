"""Publish: HTML → PDF with WeasyPrint, with one font configuration and one stylesheet per process.

The print fonts are cut and cached by generators.printing.fonts; with them a sheet lays out in a few
tenths of a second and writes in less (see bench/). Output is deterministic: dates come from the
documents' <meta> tags, the file identifier from the content, and the embedded fonts' own timestamp is
pinned. A `PrintSetup` (stylesheet and fonts) is what every worker needs to write any PDF of a build; it
is small, and carries the fonts' bytes only when sent to another machine.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
import types
import zlib
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from importlib.metadata import version
from pathlib import Path
from typing import Any

import jinja2

from generators.core.cache import KeyedFiles, source_digest
from generators.printing.fonts import PrintFonts
from generators.printing.jobs import FieldWriter, PrintJob

# fontTools stamps each font it subsets into a PDF with the time of writing (head.modified), unless
# SOURCE_DATE_EPOCH is set; without this, the same PDF written a second later has other bytes. (With
# Debian's libharfbuzz-subset0, WeasyPrint subsets with HarfBuzz, which keeps the font's own date.)
FONT_EPOCH = "946684800"  # 2000-01-01
PT_PER_PX = 0.75  # CSS pixels (1/96 in) to PDF points (1/72 in)

# pydyf, which serialises WeasyPrint's PDFs, compresses every stream at zlib's slowest level (9), without a
# setting for it. Level 6 (zlib's own default) writes a township's briefing sheets a third faster for 1 %
# more bytes (measured on W1: 0.88 → 0.58 s, 1165 → 1174 KB), so its zlib is given one that compresses
# at this level whatever it asks for. The same level for the same input: the bytes stay deterministic.
COMPRESSION_LEVEL = 6


def _pdf_streams_at(level: int) -> None:
    import pydyf

    if getattr(pydyf.zlib, "level", None) == level:
        return
    pydyf.zlib = types.SimpleNamespace(
        level=level,
        compressobj=lambda *_, **__: zlib.compressobj(level),
        compress=lambda data, *_, **__: zlib.compress(data, level),
    )


@contextmanager
def _pinned_font_time():
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = FONT_EPOCH
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


def _sha256(data: bytes | str) -> str:
    return hashlib.sha256(data.encode("utf-8") if isinstance(data, str) else data).hexdigest()


@dataclass(frozen=True)
class FontFile:
    uri: str  # where this machine has it (file:///…)
    digest: str  # sha256 of its bytes: what the PDF depends on, wherever the checkout lives
    data: bytes | None = field(default=None, repr=False)  # carried to workers on other machines


@dataclass(frozen=True)
class PrintSetup:
    """The print stylesheet (fonts by URI) and the fonts: all a worker needs to lay out a build's PDFs."""

    css: str
    fonts: tuple[FontFile, ...]
    engine: str  # WeasyPrint's version
    code: str = ""  # hash of our own code between HTML and PDF bytes (`PDF_MODULES`)

    @property
    def key(self) -> str:
        """Content only: the stylesheet with each font's URI replaced by the hash of its bytes, WeasyPrint's
        version and our PDF code's hash."""
        css = self.css
        for font in self.fonts:
            css = css.replace(font.uri, font.digest)
        return _sha256(f"{css}\n{self.engine}\n{self.code}")

    def portable(self) -> PrintSetup:
        """With the fonts' bytes, for workers that do not share this machine's files."""
        return replace(
            self,
            fonts=tuple(
                replace(f, data=Path(f.uri.removeprefix("file://")).read_bytes()) if f.data is None else f
                for f in self.fonts
            ),
        )


# Our modules that shape a PDF's bytes after its HTML is made: the writer, the pack joiner and the form
# fields (a PDF cached by another version of them is made again).
PDF_MODULES = ("generators.printing.pdf", "generators.printing.packs", "generators.assessment.fillable")


def print_setup(
    env: jinja2.Environment, fonts: PrintFonts, stylesheet: str = "print/print.css.j2"
) -> PrintSetup:
    files = {k: p for k, p in (("regular", fonts.regular), ("bold", fonts.bold), ("extra", fonts.extra)) if p}
    uris = {k: p.resolve().as_uri() for k, p in files.items()}
    css = env.get_template(stylesheet).render(fonts={"extra": None, **uris})
    return PrintSetup(
        css,
        tuple(FontFile(uris[k], _sha256(p.read_bytes())) for k, p in files.items()),
        version("weasyprint"),  # not imported here: loading Pango takes half a second
        source_digest(*PDF_MODULES),
    )


def document_key(setup: PrintSetup, html: str, forms: bool = False, fields: str = "") -> str:
    """Everything that goes into a PDF: stylesheet, fonts (by content), WeasyPrint, our PDF code, options,
    what its own form `fields` are made from, and the HTML (key-derived pseudonyms are inside it)."""
    return _sha256(f"{setup.key}\n{forms}\n{fields}\n{html}")


def element_boxes(document) -> dict[str, tuple[int, tuple[float, float, float, float]]]:
    """The box of every element with an id: its page and (x0, y0, x1, y1) in PDF points from the bottom
    left, as WeasyPrint laid it out (its anchors, in CSS pixels from the top left)."""
    boxes: dict[str, tuple[int, tuple[float, float, float, float]]] = {}
    for index, page in enumerate(document.pages):
        height = page.height * PT_PER_PX
        for name, (x1, y1, x2, y2) in page.anchors.items():
            boxes.setdefault(
                name,
                (index, (x1 * PT_PER_PX, height - y2 * PT_PER_PX, x2 * PT_PER_PX, height - y1 * PT_PER_PX)),
            )
    return boxes


class PdfWriter:
    def __init__(self, env: jinja2.Environment, fonts: PrintFonts, stylesheet: str = "print/print.css.j2"):
        self._start(print_setup(env, fonts, stylesheet))

    @classmethod
    def for_setup(cls, setup: PrintSetup) -> PdfWriter:
        writer = cls.__new__(cls)
        writer._start(setup)
        return writer

    def _start(self, setup: PrintSetup) -> None:
        # Imported here: WeasyPrint loads Pango on import, which the site-only commands never need.
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        logging.getLogger("weasyprint").setLevel(logging.ERROR)  # its warnings are about CSS it ignores
        logging.getLogger("fontTools").setLevel(logging.ERROR)
        _pdf_streams_at(COMPRESSION_LEVEL)
        self.setup = setup
        css = setup.css
        for font in setup.fonts:  # on another machine: the fonts as sent, in a private temporary folder
            if font.data is not None and not Path(font.uri.removeprefix("file://")).exists():
                css = css.replace(font.uri, _materialised(font).as_uri())
        self.font_config = FontConfiguration()
        self.stylesheet = CSS(string=css, font_config=self.font_config)

    def layout(self, html: str, forms: bool = False, extra_css: str | None = None) -> Any:
        """The laid-out document (WeasyPrint's `Document`), not yet written."""
        from weasyprint import CSS, HTML

        sheets = [self.stylesheet]
        if extra_css:
            sheets.append(CSS(string=extra_css, font_config=self.font_config))
        return HTML(string=html, base_url=".").render(
            stylesheets=sheets, font_config=self.font_config, pdf_forms=forms
        )

    def write(self, document: Any, forms: bool = False) -> bytes:
        with _pinned_font_time():
            return document.write_pdf(pdf_identifier=True, pdf_forms=forms)  # identifier = content hash

    def render(self, job: PrintJob, forms: bool = False) -> bytes:
        """`forms`: HTML inputs become fillable PDF (AcroForm) fields named as the inputs are; a job with
        its own `fields` writer gets the boxes of its elements instead, to place fields on itself."""
        return render_with(self, job.html, forms, job.fields)

    def render_all(self, jobs: list[PrintJob], progress=None, forms: bool = False) -> dict[str, bytes]:
        """In this process, one after the other (tests, benchmarks); the build uses `render_document`."""
        out = {}
        for i, job in enumerate(jobs, 1):
            out[job.path] = self.render(job, forms)
            if progress:
                progress(i, len(jobs), job.path)
        return out


_WRITERS: dict[str, PdfWriter] = {}
_FONT_DIR: list[Path] = []


def _materialised(font: FontFile) -> Path:
    if not _FONT_DIR:
        _FONT_DIR.append(Path(tempfile.mkdtemp(prefix="handbook-fonts-")))
    path = _FONT_DIR[0] / f"{font.digest}.ttf"
    if not path.exists():
        assert font.data is not None
        path.write_bytes(font.data)
    return path


def writer_for(setup: PrintSetup) -> PdfWriter:
    """This process's writer for a setup (made once: the font configuration is costly)."""
    writer = _WRITERS.get(setup.key)
    if writer is None:
        while len(_WRITERS) >= 2:  # a build's two setups (public, restricted) at a time
            del _WRITERS[next(iter(_WRITERS))]
        writer = _WRITERS[setup.key] = PdfWriter.for_setup(setup)
    return writer


def forget_writers() -> None:
    """Drop the writers and any fonts sent to this worker (a worker keeps nothing after the run)."""
    import shutil

    _WRITERS.clear()
    for folder in _FONT_DIR:
        shutil.rmtree(folder, ignore_errors=True)
    _FONT_DIR.clear()


def render_with(writer: PdfWriter, html: str, forms: bool, fields: FieldWriter | None) -> bytes:
    """Lay out and write one PDF; `fields` places its own form fields from the laid-out element boxes
    (WeasyPrint's own fields are then left out)."""
    forms = forms and fields is None
    document = writer.layout(html, forms)
    data = writer.write(document, forms)
    return fields(data, element_boxes(document)) if fields else data


def render_document(setup: PrintSetup, item: tuple[str, bool, FieldWriter | None]) -> bytes:
    """Task: one PDF from its HTML (`item` = (html, forms, fields)), in whatever process runs it."""
    html, forms, fields = item
    return render_with(writer_for(setup), html, forms, fields)


class PdfCache(KeyedFiles):
    """PDFs by `document_key`. Public PDFs: .cache/pdf (shared, content-keyed). Person-level PDFs: only a
    folder inside the restricted output (`private`), pruned to what the last build used."""

    suffix = ".pdf"
