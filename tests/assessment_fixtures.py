"""Answers for self-assessment forms: a community that meets every goal, and ways to spoil it.

`python -m tests.assessment_fixtures` rewrites the sample submissions shipped in
data/assessment/submissions/ (a met one, a failed one as an ODK/Kobo CSV export, an incomplete one).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from generators.assessment.criteria import Criteria, Pilot
from generators.assessment.definition import FormDefinition, form_definition
from generators.assessment.forms import assessment_workbook
from generators.policy.model import PolicyModel

ROOT = Path(__file__).resolve().parent.parent


def met_answers(key_youth: int) -> dict[str, object]:
    return {
        "zc_convicted": 0,
        "zc_under_age": 0,
        "zc_excluded": 1,
        **{
            k: "否"
            for k in (
                "zh_domestic_violence",
                "zh_sexual_assault",
                "zh_trafficking",
                "zh_child_labour",
                "zh_neglect",
                "zh_fatal_accident",
                "zh_inciting",
                "zh_other",
            )
        },
        "mech_forces": "居(村)委会、综治、教育、公安、民政、学校、群团组织",
        "mech_social_workers": 2,
        "mech_volunteers": 14,
        "mech_venues": "青年之家、四点半课堂、家长学校",
        "mech_linkage": "是",
        "mech_linkage_evidence": "附件1 联动反应机制（2026年1月）",
        "mech_key_youth": key_youth,
        "mech_files": key_youth,
        "mech_info_system": "是",
        "mech_started": dt.datetime(2026, 1, 15),
        "wc_education": 6,
        "wc_environment": 5,
        "wc_key_groups": 40,
        "wc_judicial": 2,
        "wc_evidence": "附件2—附件12 活动记录和照片",
    }


def labels_of(value: object) -> list[str]:
    """A multiple-choice answer as its labels: "A、B" or a sequence."""
    return str(value).split("、") if isinstance(value, str) else list(value)  # type: ignore[call-overload]


def xlsform_value(definition: FormDefinition, name: str, value: object) -> str:
    """How ODK Collect / Kobo export an answer: choice names, ISO dates."""
    q = definition.question(name)
    if value is None:
        return ""
    if q.kind == "yes_no":
        return {"是": "yes", "否": "no"}[value]  # type: ignore[index]
    if q.kind == "multi_choice":
        return " ".join(c.name for c in q.choices if c.label in labels_of(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value)


def kobo_csv(criteria: Criteria, pilot: Pilot, answers: dict[str, object], version: str | None = None) -> str:
    """A KoboToolbox-style export (group/screen/field headers, its own metadata columns) of one submission;
    a question that the form did not ask is exported empty, as Kobo does."""
    definition = form_definition(criteria, pilot)
    headers = ["start", "end", "community", "pilot_year", "form_version"]
    values = [
        "2026-11-20T09:12:00.000+08:00",
        "2026-11-20T09:40:00.000+08:00",
        pilot.community,
        str(pilot.year),
        version or definition.version,
    ]
    given: dict[str, object] = {}
    for q in definition.questions:
        value = answers.get(q.name)
        parsed = {"是": True, "否": False}.get(value, value) if isinstance(value, str) else value
        asked = q.asked(given)
        if asked and value is not None:
            given[q.name] = parsed
        headers.append(definition.column(q))
        values.append(xlsform_value(definition, q.name, value) if asked else "")
    headers += ["_id", "_uuid", "_submission_time"]
    values += ["1", "6f1c2a3e-0000-4000-8000-000000000001", "2026-11-20T01:40:05"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headers)
    writer.writerow(values)
    return out.getvalue()


def pdf_values(definition: FormDefinition, answers: dict[str, object]) -> dict[str, str]:
    """The field values a person (or pypdf) gives the fillable PDF: text, /yes or /no, /Yes per option."""
    values: dict[str, str] = {}
    for q in definition.questions:
        value = answers.get(q.name)
        if value is None:
            continue
        if q.kind == "yes_no":
            values[q.name] = "/yes" if value in ("是", True) else "/no"
        elif q.kind == "multi_choice":
            values.update({f"{q.name}_{c.name}": "/Yes" for c in q.choices if c.label in labels_of(value)})
        elif isinstance(value, dt.datetime | dt.date):
            values[q.name] = value.strftime("%Y-%m-%d")
        else:
            values[q.name] = str(value)
    return values


def fill_pdf(
    pdf: bytes, definition: FormDefinition, answers: dict[str, object], regenerate: bool = True
) -> bytes:
    """The fillable PDF filled in with pypdf, as a script (or a viewer) would."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf)))
    writer.update_page_form_field_values(None, pdf_values(definition, answers), auto_regenerate=regenerate)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def write_samples(
    criteria: Criteria, pilots, model: PolicyModel, folder: Path, key_youth: dict[str, int]
) -> None:
    by_name = {p.community: p for p in pilots.pilots if p.year == 2026}
    folder.mkdir(parents=True, exist_ok=True)
    good = by_name["杨柳社区"]
    (folder / f"{good.key}-自评表.xlsx").write_bytes(
        assessment_workbook(form_definition(criteria, good), met_answers(key_youth["杨柳社区"]))
    )
    failed = by_name["长岭村"]
    answers = met_answers(key_youth["长岭村"] + 1)  # one more than the registry knows: a disagreement
    answers.update(
        {
            "zc_convicted": 1,
            "zc_convicted_detail": "2026年6月，1名青少年因盗窃被判处有期徒刑六个月，缓刑一年",
            "zh_fatal_accident": "是",
            "zh_fatal_accident_detail": "2026年7月，1名少年在水库游泳溺亡",
            "mech_venues": "四点半课堂",
            "wc_judicial": 0,
        }
    )
    (folder / f"{failed.key}-kobo导出.csv").write_text(kobo_csv(criteria, failed, answers), encoding="utf-8")
    partial = by_name["凤凰村"]
    answers = met_answers(key_youth["凤凰村"])
    for item in ("mech_files", "mech_started", "wc_evidence", "zh_other"):
        answers[item] = None
    answers["mech_volunteers"] = "十几个"
    (folder / f"{partial.key}-自评表.xlsx").write_bytes(
        assessment_workbook(form_definition(criteria, partial), answers)
    )


def main() -> None:
    from generators.assessment.criteria import read_criteria, read_pilots
    from generators.assessment.scoring import registry_facts
    from generators.config.settings import Settings
    from generators.pipeline import import_registries, load_policies

    settings = Settings.from_args(ROOT, build=Path("/tmp/assessment-samples/build"))
    policies = load_policies(settings)
    model = policies.model
    imported = import_registries(settings, policies).imported
    pilots = read_pilots(ROOT / "data" / "assessment" / "pilots.yaml")
    as_of = imported.contacts.newest
    counts = {p.community: registry_facts(imported.cases, p, as_of)["key_youth"] for p in pilots.pilots}
    write_samples(
        read_criteria(ROOT / "data" / "assessment" / "criteria.yaml", model),
        pilots,
        model,
        ROOT / "data" / "assessment" / "submissions",
        counts,
    )


if __name__ == "__main__":
    main()
