"""The policy model: plain dataclasses for documents, clauses, units, groups and the facts drawn from them."""

from __future__ import annotations

import dataclasses
import enum
from dataclasses import dataclass, field


class Role(str, enum.Enum):
    """How a unit is tied to a group or task. Order is display order."""

    LEAD = "lead"  # 牵头单位 / 牵头部门
    RESPONSIBLE = "responsible"  # 责任单位 / 责任部门
    TASK = "task"  # units in parentheses after a numbered task
    DUTY = "duty"  # per-department duty paragraph (`民社办：负责…`)
    NAMED = "named"  # unit named in a task's own wording


ROLE_LABELS = {
    Role.LEAD: "牵头",
    Role.RESPONSIBLE: "责任",
    Role.TASK: "承办",
    Role.DUTY: "职责",
    Role.NAMED: "文中点名",
}


@dataclass(frozen=True)
class DocumentMeta:
    """The metadata header of one policy file."""

    id: str
    title: str
    short: str
    level: str  # 国家 / 省市 / 区县 / 街道 / 乡镇
    locality: str
    source_file: str
    path: str  # file inside data/policies
    issuer: str | None = None
    date: str | None = None  # ISO date, None for undated fragments
    doc_number: str | None = None
    region: str | None = None
    kind: str | None = None
    fragment: bool = False
    note: str | None = None


@dataclass
class Clause:
    """One numbered item, heading or paragraph of a document, addressed by its outline path."""

    id: str  # "3-2-4", "3-2-p1", "p3"; stable from the outline path
    level: int  # 0 paragraph, 1 一、 2 （一） 3 1. 4 (1)
    label: str  # the numbering as written: "三、", "（二）", "4." ("" for paragraphs)
    text: str  # the clause's own text, numbering removed, broken lines joined
    line: int  # 1-based line of the source file where it starts (body line)
    parent: str | None = None
    synthetic: bool = False  # a heading the text lacks (fragments), inferred from its siblings
    children: list[str] = field(default_factory=list)

    @property
    def anchor(self) -> str:
        return "c-" + self.id

    @property
    def is_heading(self) -> bool:
        return self.level in (1, 2)


@dataclass
class Document:
    meta: DocumentMeta
    text: str  # verbatim body
    clauses: dict[str, Clause]  # in document order
    roots: list[str]

    @property
    def id(self) -> str:
        return self.meta.id


@dataclass(frozen=True)
class ClauseRef:
    """Where a fact comes from."""

    doc: str
    clause: str

    def __str__(self) -> str:
        return f"{self.doc}#{self.clause}"


@dataclass(frozen=True)
class Unit:
    id: str
    name: str
    short: str
    aliases: tuple[str, ...] = ()
    localities: dict[str, tuple[str, ...]] = field(default_factory=dict)
    note: str | None = None


@dataclass(frozen=True)
class Group:
    id: str
    name: str
    short: str
    kind: str  # "key" | "distress"
    aliases: tuple[str, ...] = ()
    legal_max_age: int | None = None


@dataclass(frozen=True)
class UnitMention:
    """A unit string as written, and what it resolved to."""

    text: str
    unit: str | None  # canonical unit id, None when unmatched
    how: str  # "locality" | "alias" | "prefix" | "explained" | "unmatched"
    source: ClauseRef


@dataclass(frozen=True)
class Assignment:
    """A unit given a role for a group and/or a task, traced to its clause."""

    unit: str
    original: str
    role: Role
    source: ClauseRef
    group: str | None = None
    task: str | None = None  # clause id of the task
    via_override: bool = False


@dataclass(frozen=True)
class Task:
    doc: str
    clause: str
    title: str
    text: str
    group: str | None


@dataclass(frozen=True)
class AgeBound:
    """An age range as the text states it; None means open on that side."""

    min_age: int | None
    min_inclusive: bool
    max_age: int | None
    max_inclusive: bool
    text: str

    def describe(self) -> str:
        lo = hi = ""
        if self.min_age is not None:
            lo = f"{self.min_age}周岁以上" + ("（含）" if self.min_inclusive else "（不含）")
        if self.max_age is not None:
            hi = f"{self.max_age}周岁以下（含）" if self.max_inclusive else f"不满{self.max_age}周岁"
        return "，".join(x for x in (lo, hi) if x) or "未规定"

    def key(self) -> tuple:
        return (self.min_age, self.min_inclusive, self.max_age, self.max_inclusive)


@dataclass(frozen=True)
class GroupDefinition:
    """What one document says a group is."""

    group: str
    doc: str
    term: str  # the wording the document uses
    definition: str | None
    age: AgeBound | None
    age_scope: str  # "group" (stated for this group) | "document" (stated for all groups of the text)
    source: ClauseRef
    age_source: ClauseRef | None = None


@dataclass(frozen=True)
class AgeMention:
    """An age threshold in running text (e.g. 16周岁以上的困境未成年人), kept for transitions."""

    group: str | None
    text: str
    ages: tuple[int, ...]
    source: ClauseRef


@dataclass(frozen=True)
class Cadence:
    """A recurring duty: 每月, 每季度, 定期 …"""

    kind: str  # monthly | quarterly | half-yearly | yearly | periodic
    phrase: str  # the words that set the cadence
    action: str  # the sentence it stands in
    source: ClauseRef
    units: tuple[str, ...] = ()
    group: str | None = None


CADENCE_LABELS = {
    "monthly": "每月",
    "quarterly": "每季度",
    "half-yearly": "每半年",
    "yearly": "每年",
    "periodic": "定期（频次未定）",
}


@dataclass(frozen=True)
class Phase:
    """A step of a plan: dated (2021-07) or relative (为期一年, 三年内)."""

    name: str
    text: str
    source: ClauseRef
    start: str | None = None  # "YYYY-MM"
    end: str | None = None
    duration: str | None = None  # relative wording when undated


@dataclass
class PolicyModel:
    documents: list[Document]
    units: dict[str, Unit]
    groups: dict[str, Group]
    tasks: list[Task] = field(default_factory=list)
    assignments: list[Assignment] = field(default_factory=list)
    definitions: list[GroupDefinition] = field(default_factory=list)
    age_mentions: list[AgeMention] = field(default_factory=list)
    cadences: list[Cadence] = field(default_factory=list)
    phases: list[Phase] = field(default_factory=list)
    mentions: list[UnitMention] = field(default_factory=list)
    section_groups: dict[str, str] = field(default_factory=dict)  # "doc#clause" -> group id
    warnings: list[str] = field(default_factory=list)

    def document(self, doc_id: str) -> Document:
        for d in self.documents:
            if d.id == doc_id:
                return d
        raise KeyError(doc_id)

    def clause(self, ref: ClauseRef) -> Clause:
        return self.document(ref.doc).clauses[ref.clause]

    @property
    def unmatched(self) -> list[UnitMention]:
        return [m for m in self.mentions if m.unit is None]

    def to_json(self) -> dict:
        """A plain, stably ordered structure for the per-build inspection file."""

        def plain(obj):
            if dataclasses.is_dataclass(obj):
                return {f.name: plain(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
            if isinstance(obj, enum.Enum):
                return obj.value
            if isinstance(obj, dict):
                return {str(k): plain(v) for k, v in obj.items()}
            if isinstance(obj, (list, tuple)):
                return [plain(v) for v in obj]
            return obj

        return plain(self)
