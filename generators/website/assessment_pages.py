"""Render: the 双零 pilot pages (county summary, one page per pilot community) and the print jobs of the
fillable form, the county summary PDF (public) and the per-community assessment reports (restricted).

Public contexts carry statuses and counts of communities only; answers and their free-text details stay
in the restricted reports.
"""

from __future__ import annotations

from generators.assessment.criteria import Criteria, Criterion, Pilot, PilotList
from generators.assessment.definition import FormDefinition, Question, form_definition
from generators.assessment.fillable import box_id
from generators.assessment.layout import checkbox_name
from generators.assessment.scoring import Assessment, failing_items
from generators.policy.model import ClauseRef, PolicyModel
from generators.website.pages import SiteCiter, rel
from generators.website.render import PageTask

INDEX = "assessment/index.md"
FORM_SCRIPT = "assets/forms/assessment-form.js"  # docs/assets/forms: the browser form, no server needed
FORM_STYLE = "assets/forms/assessment-form.css"
ANSWER_LABELS = {
    "yes_no": "是/否",
    "count": "人数/次数",
    "date": "日期",
    "choice": "单选",
    "multi_choice": "多选",
    "text": "文字",
    "attachment": "附件编号",
}


def page_of(pilot: Pilot) -> str:
    return f"assessment/{pilot.key}.md"


def downloads(pilot: Pilot) -> dict[str, str]:
    """Site paths of the pilot's forms."""
    base = f"downloads/assessment/{pilot.key}"
    return {"xlsx": f"{base}-自评表.xlsx", "pdf": f"{base}-自评表.pdf", "xlsform": f"{base}-xlsform.xlsx"}


def summary_pdf(pilots: PilotList) -> str:
    return f"downloads/assessment/{pilots.county}-双零试点汇总.pdf"


def scoring_text(c: Criterion) -> str:
    s = c.score
    if s is None:
        return "不计分" + ("（与台账核对）" if c.registry else "")
    if s.gate:
        return "一票否决：答“是”或大于 0 即目标未达成"
    if s.when_yes:
        return f"答“是”得 {s.points} 分"
    if s.min is not None:
        return f"不少于 {s.min} 得 {s.points} 分"
    if s.min_selected is not None:
        return f"选满 {s.min_selected} 项得 {s.points} 分"
    return f"覆盖全部得 {s.points} 分"


def criteria_context(
    criteria: Criteria, model: PolicyModel, citer: SiteCiter, page: str, pilot: Pilot
) -> list[dict]:
    definition = form_definition(criteria, pilot)
    return [
        {
            "title": s.title,
            "goal": s.goal,
            "note": s.note,
            "pass_mark": s.pass_mark,
            "max_points": s.max_points,
            "source": citer.source(page, s.source),
            "text": model.document(criteria.document).clauses[s.source.clause].text,
            "rows": [
                {
                    "number": c.number,
                    "id": c.id,
                    "label": c.label,
                    "quote": c.quote,
                    "source": citer.source(page, c.source),
                    "answer": ANSWER_LABELS[c.answer],
                    "hint": definition.hint(definition.question(c.id)),
                    "when": definition.when(definition.question(c.id)),
                    "required": c.required,
                    "scoring": scoring_text(c),
                    "detail": c.detail,
                    "choices": list(c.choices),
                    "kind": c.answer,
                    "detail_id": c.detail_id,
                }
                for c in s.items
            ],
        }
        for s in criteria.sections
    ]


def _question(definition: FormDefinition, q: Question) -> dict:
    return {
        "name": q.name,
        "number": q.number,
        "label": q.label,
        "kind": q.kind,
        "required": q.required,
        "hint": definition.hint(q),
        "when": definition.when(q),
        "guidance": q.guidance,
        "column": definition.column(q),
        "ask_if": (
            {"item": q.ask_if.item, "yes": q.ask_if.yes, "above": q.ask_if.above or 0} if q.ask_if else None
        ),
        "max_item": q.max_item,
        "max_number": definition.criteria.item(q.max_item).number if q.max_item else None,
        "year": q.year,
        "box": box_id(q.name),
        "states": [
            {"value": "yes", "label": "是", "box": box_id(q.name, "yes")},
            {"value": "no", "label": "否", "box": box_id(q.name, "no")},
        ],
        "choices": [
            {"name": c.name, "label": c.label, "box": box_id(checkbox_name(q, c))} for c in q.choices
        ],
    }


def form_context(definition: FormDefinition) -> dict:
    """The form as the fillable PDF's template and the browser form lay it out."""
    pilot, criteria = definition.pilot, definition.criteria
    return {
        "title": definition.title,
        "pilot": pilot,
        "version": definition.version,
        "identity": definition.identity,
        "storage_key": f"shuangling/{pilot.form_id}/{definition.version}",
        "file_name": f"{pilot.key}-网页填写.csv",
        "youth": criteria.youth,
        "youth_cite": criteria.youth_cite,
        "sections": [
            {
                "id": fs.section.id,
                "title": fs.section.title,
                "cite": fs.section.cite,
                "text": fs.section.text,
                "note": fs.section.note,
                "questions": [_question(definition, q) for q in fs.questions],
            }
            for fs in definition.sections
        ],
    }


def status_view(a: Assessment) -> dict:
    return {"result": a.result, "goals": [(s.section.title, s.status) for s in a.sections]}


def assessment_pages(
    criteria: Criteria, pilots: PilotList, assessments: dict[str, Assessment], model: PolicyModel, year: int
) -> list[PageTask]:
    citer = SiteCiter(model)
    rows = []
    for p in pilots.pilots:
        a = assessments[p.key]
        rows.append(
            {
                "pilot": p,
                "href": rel(INDEX, page_of(p)),
                "status": status_view(a),
                "review_due": p.review_due(year),
            }
        )
    failing = [
        {"number": c.number, "label": c.label, "count": n}
        for c, n in failing_items(list(assessments.values()))
    ]
    tasks = [
        PageTask(
            INDEX,
            "assessment_index.md.j2",
            "双零试点",
            {
                "county": pilots.county,
                "rows": rows,
                "failing": failing,
                "year": year,
                "summary_pdf": rel(INDEX, summary_pdf(pilots)),
                "sections": [
                    {"title": s.title, "goal": s.goal, "source": citer.source(INDEX, s.source)}
                    for s in criteria.sections
                ],
                "youth": criteria.youth,
                "youth_source": citer.source(INDEX, criteria.youth_source),
            },
        )
    ]
    for p in pilots.pilots:
        page = page_of(p)
        tasks.append(
            PageTask(
                page,
                "assessment_pilot.md.j2",
                f"{p.community}（{p.year}）",
                {
                    "pilot": p,
                    "status": status_view(assessments[p.key]),
                    "review_due": p.review_due(year),
                    "timeline": [
                        {
                            "step": step,
                            "when": when,
                            "source": citer.source(page, ClauseRef(criteria.document, clause)),
                        }
                        for step, when, clause in p.timeline()
                    ],
                    "files": {k: rel(page, v) for k, v in downloads(p).items()},
                    "form": form_context(form_definition(criteria, p)),
                    "form_script": rel(page, FORM_SCRIPT),
                    "form_style": rel(page, FORM_STYLE),
                    "sections": criteria_context(criteria, model, citer, page, p),
                    "youth": criteria.youth,
                    "index": rel(page, INDEX),
                },
            )
        )
    return tasks


def report_context(a: Assessment, citer: SiteCiter) -> dict:
    """The restricted report: every answer with its score, the goals, problems, disagreements, fixes."""
    return {
        "result": a.result,
        "file": a.file,
        "problems": a.problems,
        "disagreements": a.disagreements,
        "fixes": a.fixes,
        "sections": [
            {
                "title": s.section.title,
                "goal": s.section.goal,
                "status": s.status,
                "points": s.points,
                "max_points": s.section.max_points,
                "pass_mark": s.section.pass_mark,
                "gated": s.section.gated,
                "rows": [
                    {
                        "number": i.criterion.number,
                        "label": i.criterion.label,
                        "answer": i.answer,
                        "detail": i.detail,
                        "points": i.points,
                        "max_points": i.max_points,
                        "failed": i.failed,
                        "missing": i.missing,
                        "gate": i.criterion.is_gate,
                        "source": citer.cite(i.criterion.source),
                    }
                    for i in s.items
                ],
            }
            for s in a.sections
        ],
    }
