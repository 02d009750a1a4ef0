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


def xlsform_value(criteria: Criteria, item_id: str, value: object) -> str:
    """How ODK Collect / Kobo export an answer: choice names, ISO dates."""
    c = (
        criteria.item(item_id.removesuffix("_detail"))
        if item_id.endswith("_detail")
        else criteria.item(item_id)
    )
    if value is None:
        return ""
    if item_id.endswith("_detail"):
        return str(value)
    if c.answer == "yes_no":
        return {"是": "yes", "否": "no"}[value]
    if c.answer == "multi_choice":
        return " ".join(f"c{c.choices.index(v) + 1}" for v in str(value).split("、"))
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return str(value)


def kobo_csv(criteria: Criteria, pilot: Pilot, answers: dict[str, object]) -> str:
    """A KoboToolbox-style export (group/field headers, its own metadata columns) of one submission."""
    headers, values = (
        ["start", "end", "community", "pilot_year"],
        ["2026-11-20T09:12:00.000+08:00", "2026-11-20T09:40:00.000+08:00", pilot.community, str(pilot.year)],
    )
    for c in criteria.items:
        headers.append(f"{c.section}/{c.id}")
        values.append(xlsform_value(criteria, c.id, answers.get(c.id)))
        if c.detail:
            headers.append(f"{c.section}/{c.detail_id}")
            values.append(xlsform_value(criteria, c.detail_id, answers.get(c.detail_id)))
    headers += ["_id", "_uuid", "_submission_time"]
    values += ["1", "6f1c2a3e-0000-4000-8000-000000000001", "2026-11-20T01:40:05"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headers)
    writer.writerow(values)
    return out.getvalue()


def write_samples(
    criteria: Criteria, pilots, model: PolicyModel, folder: Path, key_youth: dict[str, int]
) -> None:
    by_name = {p.community: p for p in pilots.pilots if p.year == 2026}
    folder.mkdir(parents=True, exist_ok=True)
    good = by_name["杨柳社区"]
    (folder / f"{good.key}-自评表.xlsx").write_bytes(
        assessment_workbook(criteria, good, model, met_answers(key_youth["杨柳社区"]))
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
        assessment_workbook(criteria, partial, model, answers)
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
    as_of = max(c.date for c in imported.contacts)
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
