"""Derive: responsibility matrices (group × unit, task × unit) with every cell traced to its clauses."""

from __future__ import annotations

from dataclasses import dataclass, field

from generators.policy.model import Assignment, PolicyModel, Role

GROUP_ROLES = (Role.LEAD, Role.RESPONSIBLE, Role.DUTY)
TASK_ROLES = (Role.TASK, Role.NAMED)
ROLE_RANK = {role: i for i, role in enumerate(Role)}
OVERALL = "_overall"  # row for roles that hold for all groups (由镇团委牵头)
# Tasks the text gives units to. A numbered item that only holds a cadence or deadline (kind `clause`: 镇平安办
# 每半年督查一次) is the subject of those on the calendar, not a row: its units act in a sentence, no role is given.
MATRIX_TASKS = ("item", "section", "row")


@dataclass
class Cell:
    assignments: list[Assignment] = field(default_factory=list)

    @property
    def role(self) -> Role:
        """The strongest role in the cell: lead before responsible before the rest."""
        return min((a.role for a in self.assignments), key=ROLE_RANK.__getitem__)

    @property
    def originals(self) -> list[str]:
        return list(dict.fromkeys(a.original for a in self.assignments))


@dataclass
class Row:
    key: str  # group id, OVERALL, or "doc#clause" for a task
    label: str
    group: str | None = None
    doc: str | None = None


@dataclass
class ResponsibilityMatrix:
    """Rows × canonical units; a cell holds the assignments that put the unit there."""

    title: str
    rows: list[Row]
    units: list[str]
    cells: dict[tuple[str, str], Cell]
    roles: tuple[Role, ...]

    def cell(self, row: str, unit: str) -> Cell | None:
        return self.cells.get((row, unit))


def _unit_columns(model: PolicyModel, assignments: list[Assignment]) -> list[str]:
    used = {a.unit for a in assignments}
    return [u for u in model.units if u in used]


def group_unit_matrix(model: PolicyModel, doc: str | None = None) -> ResponsibilityMatrix:
    """Groups × units from 牵头/责任 lines and duty paragraphs; one document's, or all combined."""
    picked = [a for a in model.assignments if a.role in GROUP_ROLES and (doc is None or a.source.doc == doc)]
    cells: dict[tuple[str, str], Cell] = {}
    for a in picked:
        cells.setdefault((a.group or OVERALL, a.unit), Cell()).assignments.append(a)
    present = {a.group or OVERALL for a in picked}
    rows = [Row(OVERALL, "总体或未指明群体")] if OVERALL in present else []
    rows += [Row(g.id, g.short, group=g.id) for g in model.groups.values() if g.id in present]
    title = "群体 × 单位" if doc is None else f"群体 × 单位（{model.document(doc).meta.short}）"
    return ResponsibilityMatrix(title, rows, _unit_columns(model, picked), cells, GROUP_ROLES)


def task_unit_matrix(model: PolicyModel, doc: str) -> ResponsibilityMatrix:
    """Numbered tasks × units, from the units in parentheses after each task or, lacking those, the
    units its wording names."""
    document = model.document(doc)
    picked = [a for a in model.assignments if a.role in TASK_ROLES and a.source.doc == doc and a.task]
    cells: dict[tuple[str, str], Cell] = {}
    for a in picked:
        cells.setdefault((f"{doc}#{a.task}", a.unit), Cell()).assignments.append(a)
    rows = [
        Row(f"{doc}#{t.clause}", t.title, group=t.group, doc=doc)
        for t in model.tasks
        if t.doc == doc and t.kind in MATRIX_TASKS
    ]
    rows.sort(key=lambda r: list(document.clauses).index(r.key.split("#", 1)[1]))
    return ResponsibilityMatrix(
        f"任务 × 单位（{document.meta.short}）", rows, _unit_columns(model, picked), cells, TASK_ROLES
    )
