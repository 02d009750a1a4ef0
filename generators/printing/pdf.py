"""Publish: HTML → PDF with WeasyPrint, with one font configuration and one stylesheet per build.

The print fonts are cut and cached by generators.printing.fonts; with them a sheet lays out in ~0.1 s
and writes in a few hundredths (see bench/). Output is deterministic: dates come from the documents'
<meta> tags, the file identifier from the content, and the embedded fonts' own timestamp is pinned.
"""

from __future__ import annotations

import hashlib
import logging
import os
from contextlib import contextmanager
from pathlib import Path

import jinja2

from generators.printing.fonts import PrintFonts
from generators.printing.jobs import PrintJob

# fontTools stamps each font it subsets into a PDF with the time of writing (head.modified), unless
# SOURCE_DATE_EPOCH is set; without this, the same PDF written a second later has other bytes.
FONT_EPOCH = "946684800"  # 2000-01-01
PT_PER_PX = 0.75  # CSS pixels (1/96 in) to PDF points (1/72 in)


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
    def __init__(
        self,
        env: jinja2.Environment,
        fonts: PrintFonts,
        stylesheet: str = "print/print.css.j2",
        cache: Path | None = None,
    ):
        # Imported here: WeasyPrint loads Pango on import, which the site-only commands never need.
        from weasyprint import CSS, VERSION
        from weasyprint.text.fonts import FontConfiguration

        logging.getLogger("weasyprint").setLevel(logging.ERROR)  # its warnings are about CSS it ignores
        logging.getLogger("fontTools").setLevel(logging.ERROR)
        self.font_config = FontConfiguration()
        css = env.get_template(stylesheet).render(
            fonts={
                "regular": fonts.regular.resolve().as_uri(),
                "bold": fonts.bold.resolve().as_uri(),
                "extra": fonts.extra.resolve().as_uri() if fonts.extra else None,
            }
        )
        self.stylesheet = CSS(string=css, font_config=self.font_config)
        self.cache = cache
        self._key_base = hashlib.sha256((css + VERSION).encode("utf-8")).hexdigest()

    def render(self, job: PrintJob, forms: bool = False) -> bytes:
        """`forms`: HTML inputs become fillable PDF (AcroForm) fields named as the inputs are; a job with
        its own `fields` writer gets the boxes of its elements instead, to place fields on itself."""
        from weasyprint import HTML

        forms = forms and job.fields is None
        document = HTML(string=job.html, base_url=".").render(
            stylesheets=[self.stylesheet], font_config=self.font_config, pdf_forms=forms
        )
        with _pinned_font_time():
            data = document.write_pdf(
                pdf_identifier=True, pdf_forms=forms
            )  # identifier = hash of the content
        return job.fields(data, element_boxes(document)) if job.fields else data

    def render_cached(self, job: PrintJob, forms: bool = False) -> bytes:
        """For public documents only (person-level PDFs must never be copied into a cache): the same
        HTML, stylesheet, fonts and WeasyPrint give the same bytes, so an unchanged edition is not laid
        out again."""
        if self.cache is None or job.fields is not None:  # a post-processed PDF is not keyed by its HTML
            return self.render(job, forms)
        key = hashlib.sha256(f"{self._key_base}\n{forms}\n{job.html}".encode()).hexdigest()
        path = self.cache / f"{key}.pdf"
        if path.exists():
            return path.read_bytes()
        data = self.render(job, forms)
        self.cache.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(data)
        tmp.replace(path)
        return data

    def render_all(
        self, jobs: list[PrintJob], progress=None, forms: bool = False, public: bool = False
    ) -> dict[str, bytes]:
        out = {}
        for i, job in enumerate(jobs, 1):
            out[job.path] = self.render_cached(job, forms) if public else self.render(job, forms)
            if progress:
                progress(i, len(jobs), job.path)
        return out
