"""Publish: HTML → PDF with WeasyPrint, with one font configuration and one stylesheet per build.

The print fonts are cut and cached by generators.fonts; with them a sheet lays out in ~0.1 s and writes in
a few hundredths (see bench/). Output is deterministic: dates come from the documents' <meta> tags, the
file identifier from the content.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass

import jinja2

from generators.fonts import PrintFonts


@dataclass(frozen=True)
class PrintJob:
    """One PDF to write: where (relative to its output folder), and its HTML."""

    path: str
    html: str


class PdfWriter:
    def __init__(self, env: jinja2.Environment, fonts: PrintFonts, stylesheet: str = "print/print.css.j2"):
        # Imported here: WeasyPrint loads Pango on import, which the site-only commands never need.
        from weasyprint import CSS
        from weasyprint.text.fonts import FontConfiguration

        logging.getLogger("weasyprint").setLevel(logging.ERROR)  # its warnings are about CSS it ignores
        logging.getLogger("fontTools").setLevel(logging.ERROR)
        self.font_config = FontConfiguration()
        css = env.get_template(stylesheet).render(fonts={
            "regular": fonts.regular.resolve().as_uri(), "bold": fonts.bold.resolve().as_uri(),
            "extra": fonts.extra.resolve().as_uri() if fonts.extra else None,
        })
        self.stylesheet = CSS(string=css, font_config=self.font_config)

    def render(self, job: PrintJob, forms: bool = False) -> bytes:
        """`forms`: HTML inputs become fillable PDF (AcroForm) fields named as the inputs are."""
        from weasyprint import HTML

        document = HTML(string=job.html, base_url=".").render(stylesheets=[self.stylesheet],
                                                             font_config=self.font_config, pdf_forms=forms)
        return document.write_pdf(pdf_identifier=True, pdf_forms=forms)  # identifier = hash of the content

    def render_all(self, jobs: list[PrintJob], progress=None, forms: bool = False) -> dict[str, bytes]:
        out = {}
        for i, job in enumerate(jobs, 1):
            out[job.path] = self.render(job, forms)
            if progress:
                progress(i, len(jobs), job.path)
        return out

