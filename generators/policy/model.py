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
    level: str | None = None  # the one level this unit sits at, when it has only one (村（社区） → 村)
    suffixes: tuple[str, ...] = ()  # any name ending so is this unit (XX派出所, XX中学)
    levels: dict[str, str] = field(default_factory=dict)  # wording -> the level it names (团县委 → 区县)


@dataclass(frozen=True)
class Group:
    id: str
    name: str
    short: str
    kind: str  # "key" | "distress"
    aliases: tuple[str, ...] = ()
    legal_max_age: int | None = None
    # Words that name the group where no alias is used (关于流浪乞讨和离家出走未成年人 → 流浪): each cue is
    # one word or several that must all occur.
    cues: tuple[tuple[str, ...], ...] = ()


@dataclass(frozen=True)
class UnitMention:
    """A unit string as written, and what it resolved to."""

    text: str
    unit: str | None  # canonical unit id, None when unmatched
    how: str  # "locality" | "alias" | "prefix" | "suffix" | "place" | "explained" | "unmatched"
    source: ClauseRef
    level: str | None = None  # 区县 / 乡镇 / 街道 / 村 / 学校 … as the wording says; None when it does not
    why: str = ""  # an editor's explanation (units.yaml `explained:`)


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
    word: str | None = None  # the document's own role word (协办单位, 责任单位（配合单位）), when it has one
    level: str | None = None  # the level the wording names (县民政局 → 区县), see UnitMention.level


@dataclass(frozen=True)
class Task:
    doc: str
    clause: str
    title: str
    text: str
    group: str | None
    # item (numbered task) | section (a heading with role lines) | row (table row) | clause (a numbered item
    # that is no task of the matrices, kept as the subject of the cadences and deadlines it holds)
    kind: str = "item"


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
class DocumentAge:
    """An age range a document states for all its groups (本方案所称儿童，是指不满十八周岁的未成年人), or
    for the groups it lists with it."""

    doc: str
    age: AgeBound
    source: ClauseRef
    groups: tuple[str, ...] = ()  # empty: every group of the document


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

    kind: str  # daily | weekly | biweekly | monthly | bimonthly | quarterly | half-yearly | per-term | yearly
    # | periodic
    phrase: str  # the words that set the cadence
    action: str  # the sentence it stands in
    source: ClauseRef
    units: tuple[str, ...] = ()
    group: str | None = None
    times: int | None = None  # a yearly count: 每年不少于2次 → 2
    task: str | None = None  # clause id of the task it belongs to
    duty: bool = False  # stated in a unit's duty paragraph
    for_group: bool = False  # stated where the text gives a group its roles (闲散青少年。指…由X牵头，每月…)


CADENCE_LABELS = {
    "daily": "每天",
    "weekly": "每周",
    "biweekly": "每两周",
    "monthly": "每月",
    "bimonthly": "每两个月",
    "quarterly": "每季度",
    "half-yearly": "每半年",
    "per-term": "每学期",
    "yearly": "每年",
    "periodic": "定期（频次未定）",
}


@dataclass(frozen=True)
class Deadline:
    """A time limit: dated (2026年9月底前), every year by a date (每年11月20日前) or relative to an event
    (24小时内, 5个工作日内)."""

    kind: str  # dated | dated-yearly | relative
    phrase: str
    action: str  # the sentence (or table row) it stands in
    source: ClauseRef
    units: tuple[str, ...] = ()
    group: str | None = None
    task: str | None = None
    duty: bool = False
    for_group: bool = False  # as Cadence.for_group
    year: int | None = None
    month: int | None = None
    day: int | None = None
    amount: int | None = None  # relative: 24 (小时)
    unit: str | None = None  # relative: minutes | hours | workdays | days | weeks | months

    def describe(self) -> str:
        if self.kind == "relative":
            return self.phrase
        day = f"{self.day}日" if self.day else "底"
        if self.kind == "dated-yearly":
            return f"每年{self.month}月{day}前"
        return f"{self.year}年{self.month}月{day}前"


RELATIVE_UNITS = {
    "minutes": "分钟",
    "hours": "小时",
    "workdays": "个工作日",
    "days": "日",
    "weeks": "周",
    "months": "个月",
}


@dataclass(frozen=True)
class UnreadClause:
    """A clause that names a group, a unit or a cadence word but yielded no fact, or that yielded facts but
    holds a time phrase no cadence or deadline covers: what was seen."""

    source: ClauseRef
    seen: tuple[str, ...]  # e.g. "群体：闲散青少年", "单位：镇团委", "频次：每月", "时间：每旬"
    why: str | None = None  # an editor's explanation (data/coverage.yaml), None while unexplained
    partial: bool = False  # the clause gave other facts, but these time phrases were not read


@dataclass(frozen=True)
class OrganisationMention:
    """An organisation-like name in running text that is not a known unit (a recipient such as 县救助管理站):
    not a role, listed for the editors so that nothing is dropped unseen."""

    text: str
    source: ClauseRef


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
    document_ages: list[DocumentAge] = field(default_factory=list)
    age_mentions: list[AgeMention] = field(default_factory=list)
    cadences: list[Cadence] = field(default_factory=list)
    phases: list[Phase] = field(default_factory=list)
    deadlines: list[Deadline] = field(default_factory=list)
    mentions: list[UnitMention] = field(default_factory=list)
    unread: list[UnreadClause] = field(default_factory=list)
    organisations: list[OrganisationMention] = field(default_factory=list)
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
        """Unit strings that resolved to nothing and that no editor has explained."""
        return [m for m in self.mentions if m.unit is None and m.how == "unmatched"]

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
