"""Model: the one definition of a pilot's self-assessment form. The Excel workbook, the fillable PDF, the
XLSForm and the browser form are all written from it, and the ingest reads every channel back through it,
so that the channels cannot drift apart: the same questions, field names, required flags, limits and
conditions (a follow-up is asked only when its gate says so), grouped into screens of at most six.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from generators.assessment.criteria import NO, YES, Condition, Criteria, Criterion, Pilot, Section

MAX_PER_SCREEN = 6  # questions on one phone screen (ODK Collect field-list, Enketo page)
FORM_REVISION = "2"  # raise when a channel's layout changes: forms of the old layout are then refused
KINDS = ("yes_no", "count", "date", "choice", "multi_choice", "text", "attachment", "detail")
IDENTITY = ("community", "pilot_year", "form_version")  # fields every channel carries besides the answers


@dataclass(frozen=True)
class Choice:
    name: str  # c1, c2, … (XLSForm choice name; PDF checkbox <question>_c1)
    label: str


@dataclass(frozen=True)
class Question:
    """One answer to give, the same in every channel."""

    name: str  # the field name everywhere: XLSForm name, CSV column, PDF field, browser input
    number: str  # as shown: 12, or 12a for the description asked after item 12
    label: str
    kind: str  # one of KINDS; detail: the description asked when the gate is 是 or above 0
    required: bool  # when it is asked
    item: Criterion
    ask_if: Condition | None = None
    choices: tuple[Choice, ...] = ()
    max_item: str | None = None  # a count that may not exceed another item's count
    year: int | None = None  # a date inside the pilot year

    @property
    def is_detail(self) -> bool:
        return self.kind == "detail"

    @property
    def guidance(self) -> str:
        """The policy text the question comes from, for hints that stay out of the way."""
        return f"原文：“{self.item.quote}”（{self.item.cite}）"

    def asked(self, answers: dict[str, Any]) -> bool:
        return self.ask_if is None or self.ask_if.holds(answers.get(self.ask_if.item))

    def choice(self, name: str) -> Choice | None:
        return next((c for c in self.choices if c.name == name), None)


@dataclass(frozen=True)
class Screen:
    name: str  # the XLSForm group: <section>_<n>
    questions: tuple[Question, ...]


@dataclass(frozen=True)
class FormSection:
    section: Section
    screens: tuple[Screen, ...]

    @property
    def questions(self) -> list[Question]:
        return [q for s in self.screens for q in s.questions]


@dataclass(frozen=True)
class FormDefinition:
    pilot: Pilot
    criteria: Criteria
    version: str  # the criteria's version and the form revision: the ingest refuses any other
    sections: tuple[FormSection, ...]

    @property
    def questions(self) -> list[Question]:
        return [q for s in self.sections for q in s.questions]

    def question(self, name: str) -> Question:
        return next(q for q in self.questions if q.name == name)

    @property
    def title(self) -> str:
        return f"{self.pilot.community} {self.pilot.year} 年度“双零”试点自评表"

    @property
    def identity(self) -> dict[str, str]:
        return {
            "community": self.pilot.community,
            "pilot_year": str(self.pilot.year),
            "form_version": self.version,
        }

    def column(self, q: Question) -> str:
        """The question's column in a KoboToolbox CSV export: group/screen/name."""
        section, screen = next((s, sc) for s in self.sections for sc in s.screens if q in sc.questions)
        return f"{section.section.id}/{screen.name}/{q.name}"

    def when(self, q: Question) -> str:
        """When a conditional question is asked, in words: 第 12 项答“是”时填写."""
        if q.ask_if is None:
            return ""
        gate = self.criteria.item(q.ask_if.item)
        if q.ask_if.yes:
            return f"第 {gate.number} 项答“{YES}”时填写"
        if q.ask_if.above:
            return f"第 {gate.number} 项大于 {q.ask_if.above} 时填写"
        return f"第 {gate.number} 项大于 0 时填写"

    def hint(self, q: Question) -> str:
        """How to answer, in any channel."""
        if q.kind == "yes_no":
            return f"选“{YES}”或“{NO}”"
        if q.kind == "count":
            if q.max_item:
                return f"填整数，0 到第 {self.criteria.item(q.max_item).number} 项的人数"
            return "填整数（0 或以上）"
        if q.kind == "date":
            return f"{q.year} 年内的日期，如 {q.year}-03-01" if q.year else "日期，如 2024-03-01"
        if q.kind == "choice":
            return "选一项"
        if q.kind == "multi_choice":
            return "可多选"
        if q.kind == "attachment":
            return "附件编号或文件名（材料随表报送）"
        if q.kind == "detail":
            return "不要写姓名、身份证号、电话或住址"
        return "填写文字"


def _questions(c: Criterion, pilot: Pilot) -> list[Question]:
    kind = c.answer
    first = Question(
        name=c.id,
        number=str(c.number),
        label=c.label,
        kind=kind,
        required=c.required,
        item=c,
        ask_if=c.ask_if,
        choices=tuple(Choice(f"c{i}", label) for i, label in enumerate(c.choices, 1)),
        max_item=c.max_item,
        year=pilot.year if kind == "date" and c.in_pilot_year else None,
    )
    if not c.detail:
        return [first]
    return [first, Question(c.detail_id, f"{c.number}a", c.detail, "detail", True, c, c.detail_if)]


def _split(sizes: list[int], parts: int) -> list[int] | None:
    """Where to cut consecutive blocks into `parts` screens so that the fullest is as small as it can be
    (indexes of each screen's first block); None when a screen would exceed MAX_PER_SCREEN."""
    best: dict[tuple[int, int], tuple[int, list[int]]] = {}

    def solve(start: int, left: int) -> tuple[int, list[int]]:
        if (start, left) in best:
            return best[(start, left)]
        if left == 1:
            result = (sum(sizes[start:]), [start])
        else:
            result = (10**9, [])
            for end in range(start + 1, len(sizes) - left + 2):
                rest, cuts = solve(end, left - 1)
                worst = max(sum(sizes[start:end]), rest)
                if worst < result[0]:
                    result = (worst, [start] + cuts)
        best[(start, left)] = result
        return result

    worst, cuts = solve(0, parts)
    return cuts if worst <= max(MAX_PER_SCREEN, max(sizes)) else None


def _screens(section: Section, pilot: Pilot) -> tuple[Screen, ...]:
    """Items with their follow-ups kept together, in as few screens as fit, as even as they can be."""
    blocks: list[list[Question]] = []
    for c in section.items:
        questions = _questions(c, pilot)
        if c.ask_if and blocks and any(q.name == c.ask_if.item for q in blocks[-1]):
            blocks[-1] += questions  # a conditional item stays on its gate's screen
        else:
            blocks.append(questions)
    sizes = [len(b) for b in blocks]
    parts = max(1, -(-sum(sizes) // MAX_PER_SCREEN))
    while (cuts := _split(sizes, min(parts, len(blocks)))) is None:
        parts += 1
    bounds = cuts + [len(blocks)]
    return tuple(
        Screen(f"{section.id}_{i}", tuple(q for b in blocks[bounds[i - 1] : bounds[i]] for q in b))
        for i in range(1, len(bounds))
    )


def form_definition(criteria: Criteria, pilot: Pilot) -> FormDefinition:
    version = hashlib.sha256(f"{criteria.version}/{FORM_REVISION}".encode()).hexdigest()[:12]
    sections = tuple(FormSection(s, _screens(s, pilot)) for s in criteria.sections)
    return FormDefinition(pilot, criteria, version, sections)
