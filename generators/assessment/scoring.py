"""Derive: score a self-assessment against the criteria, gate the zero goals, cross-check the registry.

零犯罪 and 零受害 are gates: one case means the goal is not met, whatever else scores. A goal with a
missing or invalid required answer cannot be judged; the result is then 资料不全, never 达标 and never a
silent zero.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from generators.assessment.criteria import NO, YES, Criteria, Criterion, Pilot, Section
from generators.assessment.ingest import Submission
from generators.registry.model import Case

MET, NOT_MET, INCOMPLETE, NOT_SUBMITTED = "达标", "未达标", "资料不全", "未提交"
NOT_ASKED = "（不适用）"  # a conditional item whose gate did not ask it: neither missing nor scored


@dataclass(frozen=True)
class ItemResult:
    criterion: Criterion
    answer: str  # as shown on reports
    points: int | None  # None: not scored (or not answered)
    max_points: int
    failed: bool  # a gate that is hit, or a scored item below its rule
    missing: bool  # required and not (validly) answered
    detail: str | None = None


@dataclass(frozen=True)
class SectionResult:
    section: Section
    items: list[ItemResult]
    points: int
    met: bool | None  # None: cannot be judged (missing answers)

    @property
    def status(self) -> str:
        return {True: "达成", False: "未达成", None: "不能判定"}[self.met]


@dataclass
class Assessment:
    pilot: Pilot
    file: str | None
    sections: list[SectionResult]
    result: str
    problems: list[str] = field(default_factory=list)  # where the form is incomplete or wrong
    disagreements: list[str] = field(default_factory=list)  # the registry says otherwise
    fixes: list[str] = field(default_factory=list)  # what to do before 审核评估


def show(c: Criterion, value: object) -> str:
    if value is None:
        return "（未填）"
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, tuple):
        return "、".join(value) or "（未选）"
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def _item(c: Criterion, answers: dict[str, Any], invalid: set[str]) -> ItemResult:
    if c.ask_if and not c.ask_if.holds(answers.get(c.ask_if.item)) and c.id not in invalid:
        return ItemResult(c, NOT_ASKED, None, c.score.points if c.score else 0, False, False)
    value = answers.get(c.id)
    missing = c.id in invalid or (c.required and value is None)
    detail = answers.get(c.detail_id)
    rule = c.score
    if rule is None or value is None:
        return ItemResult(c, show(c, value), None, rule.points if rule else 0, False, missing, detail)
    if rule.gate:
        hit = value is True or (not isinstance(value, bool) and isinstance(value, int) and value > 0)
        return ItemResult(c, show(c, value), None, 0, hit, missing, detail)
    if rule.when_yes:
        ok = value is True
    elif rule.min is not None:
        ok = value >= rule.min
    elif rule.min_selected is not None:
        ok = len(value) >= rule.min_selected
    elif rule.covers is not None:
        other = answers.get(rule.covers)
        ok = other is not None and value >= other and value > 0
    else:
        ok = True
    return ItemResult(c, show(c, value), rule.points if ok else 0, rule.points, not ok, missing, detail)


def _section(section: Section, answers: dict[str, Any], invalid: set[str]) -> SectionResult:
    items = [_item(c, answers, invalid) for c in section.items]
    points = sum(i.points or 0 for i in items)
    if any(i.failed and i.criterion.is_gate for i in items):
        met = False  # a case is a case, whatever else is missing
    elif any(i.missing for i in items):
        met = None
    elif section.pass_mark is not None:
        met = points >= section.pass_mark
    else:
        met = True
    return SectionResult(section, items, points, met)


def registry_facts(cases: list[Case], pilot: Pilot, as_of: dt.date) -> dict[str, Any] | None:
    """What the registry knows about the community in the pilot year (up to its data cut-off)."""
    here = [c for c in cases if c.village == pilot.community and c.township == pilot.township]
    if not here:
        return None
    end = min(dt.date(pilot.year, 12, 31), as_of)
    return {
        "key_youth": sum(1 for c in here if c.active_on(end)),
        "deaths": sum(
            1 for c in here if c.exit_reason == "死亡" and c.exit_date and c.exit_date.year == pilot.year
        ),
        "as_of": end,
    }


def assess(criteria: Criteria, submission: Submission, facts: dict | None) -> Assessment:
    sections = [_section(s, submission.answers, submission.invalid) for s in criteria.sections]
    if any(s.met is False for s in sections):
        result = NOT_MET
    elif any(s.met is None for s in sections):
        result = INCOMPLETE
    else:
        result = MET
    a = Assessment(submission.pilot, submission.file, sections, result, [str(p) for p in submission.problems])
    if facts is None:
        a.disagreements.append("台账中没有这个社区（村）的记录，无法核对自评中的人数和事件")
    else:
        for c in criteria.items:
            value = submission.answers.get(c.id)
            if c.registry == "key_youth" and value is not None and value != facts["key_youth"]:
                a.disagreements.append(
                    f"第 {c.number} 项“{c.label}”：自评填 {value} 人，台账截至 {facts['as_of']} 在册 "
                    f"{facts['key_youth']} 人，请核实"
                )
            if c.registry == "deaths" and value is False and facts["deaths"]:
                a.disagreements.append(
                    f"第 {c.number} 项“{c.label}”：自评答“{NO}”，但台账记录 {a.pilot.year} 年有 "
                    f"{facts['deaths']} 名在册青少年以“死亡”退出，请核实是否属于本项情形"
                )
    for s in sections:
        for i in s.items:
            c = i.criterion
            if i.missing:
                a.fixes.append(f"补填第 {c.number} 项：{c.label}")
            elif i.failed and c.is_gate:
                a.fixes.append(
                    f"第 {c.number} 项（{s.section.title}）有发生：{s.section.title}目标未达成；"
                    "请核实情况并说明处置，该项不能通过补充材料达成"
                )
            elif i.failed:
                a.fixes.append(f"第 {c.number} 项未得分（{i.answer}）：{c.label}")
        if (
            s.met is False
            and not any(i.criterion.is_gate for i in s.items)
            and s.section.pass_mark is not None
        ):
            a.fixes.append(f"{s.section.title}得分 {s.points}，低于 {s.section.pass_mark} 分")
    return a


def not_submitted(criteria: Criteria, pilot: Pilot) -> Assessment:
    sections = [SectionResult(s, [], 0, None) for s in criteria.sections]
    return Assessment(pilot, None, sections, NOT_SUBMITTED, fixes=["尚未提交自评表"])


def failing_items(assessments: list[Assessment]) -> list[tuple[Criterion, int]]:
    """Items that fail or are missing, most often first."""
    counts = Counter(
        i.criterion.id for a in assessments for s in a.sections for i in s.items if i.failed or i.missing
    )
    by_id = {i.criterion.id: i.criterion for a in assessments for s in a.sections for i in s.items}
    return sorted(((by_id[k], n) for k, n in counts.items()), key=lambda x: (-x[1], x[0].number))
