"""Render: the HTML of every PDF as a print job — briefing sheets and township packs (restricted), the
双零 forms, reports and summary; the handbook's print editions are in printing.handbook."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Protocol

import jinja2

from generators.assessment.criteria import Criteria, PilotList
from generators.assessment.definition import FormDefinition, form_definition
from generators.assessment.fillable import fillable_pdf
from generators.assessment.scoring import Assessment, failing_items
from generators.policy.model import PolicyModel
from generators.registry.briefings import TownshipPack
from generators.website.assessment_pages import (
    downloads,
    form_context,
    report_context,
    status_view,
    summary_pdf,
)
from generators.website.pages import SiteCiter

CONFIDENTIAL = "内部资料 · 含个人信息 · 仅供重点青少年帮教工作使用，不得外传或公开"
# Slots in a pack's HTML for the numbers known only once its sheets are laid out (printing/packs.py):
# the first page of each sheet, and the pack's length. Private-use characters never occur in our text.
SLOT = "\ue000{}\ue001"
TOTAL = SLOT.format("n")


def start_slot(index: int) -> str:
    return SLOT.format(index)


Boxes = dict[str, tuple[int, tuple[float, float, float, float]]]  # element id → (page, rect in pt)


class FieldWriter(Protocol):
    """Makes a laid-out PDF fillable, from the boxes of its elements with an id."""

    def __call__(self, pdf: bytes, boxes: Boxes) -> bytes: ...

    @property
    def key(self) -> str:
        """What the fields are made from (for the PDF cache's key)."""
        ...


@dataclass(frozen=True)
class FormFields:
    """A pilot's self-assessment form fields, placed on its laid-out form."""

    definition: FormDefinition

    def __call__(self, pdf: bytes, boxes: Boxes) -> bytes:
        return fillable_pdf(pdf, boxes, self.definition)

    @property
    def key(self) -> str:
        return hashlib.sha256(repr(self.definition).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class PrintJob:
    """One PDF to write: where (relative to its output folder), and its HTML."""

    path: str
    html: str
    fields: FieldWriter | None = None  # places its own form fields on the laid-out PDF


def sheet_jobs(env: jinja2.Environment, pack: TownshipPack) -> list[PrintJob]:
    """Render: one PDF per village of the township (briefings/<乡镇>/<村>.pdf)."""
    template = env.get_template("print/briefing.html.j2")
    return [
        PrintJob(
            f"briefings/{pack.township}/{sheet.village}.pdf",
            template.render(s=sheet, confidential=CONFIDENTIAL),
        )
        for sheet in pack.sheets
    ]


def pack_job(env: jinja2.Environment, pack: TownshipPack) -> PrintJob:
    """Render: the township pack's own pages (cover, contents, summary), with slots for page numbers;
    printing.packs puts the sheets' pages after them."""
    return PrintJob(
        f"briefings/{pack.township}-简报汇编.pdf",
        env.get_template("print/township_pack.html.j2").render(
            pack=pack, confidential=CONFIDENTIAL, starts=[start_slot(i) for i in range(len(pack.sheets))]
        ),
    )


def briefing_jobs(env: jinja2.Environment, packs: list[TownshipPack]) -> list[PrintJob]:
    """Every village's sheet, then its township's pack pages, township by township."""
    return [job for pack in packs for job in (*sheet_jobs(env, pack), pack_job(env, pack))]


def assessment_public_jobs(
    env: jinja2.Environment,
    criteria: Criteria,
    pilots: PilotList,
    assessments: dict[str, Assessment],
    year: int,
) -> list[PrintJob]:
    """The public PDFs of the pilots: each one's fillable form, and the county's summary."""
    public = [
        PrintJob(
            downloads(p)["pdf"],
            env.get_template("print/assessment_form.html.j2").render(form=form_context(definition)),
            FormFields(definition),
        )
        for p in pilots.pilots
        for definition in (form_definition(criteria, p),)
    ]
    failing = failing_items(list(assessments.values()))
    public.append(
        PrintJob(
            summary_pdf(pilots),
            env.get_template("print/assessment_summary.html.j2").render(
                county=pilots.county,
                year=year,
                rows=[
                    {"pilot": p, "status": status_view(assessments[p.key]), "review_due": p.review_due(year)}
                    for p in pilots.pilots
                ],
                failing=[{"number": c.number, "label": c.label, "count": n} for c, n in failing],
            ),
        )
    )
    return public


def assessment_report_jobs(
    env: jinja2.Environment, pilots: PilotList, assessments: dict[str, Assessment], model: PolicyModel
) -> list[PrintJob]:
    """The restricted assessment reports: one per pilot that submitted its self-assessment."""
    citer = SiteCiter(model)
    return [
        PrintJob(
            f"assessments/{p.key}-评估报告.pdf",
            env.get_template("print/assessment_report.html.j2").render(
                pilot=p, a=report_context(assessments[p.key], citer)
            ),
        )
        for p in pilots.pilots
        if assessments[p.key].file is not None
    ]
