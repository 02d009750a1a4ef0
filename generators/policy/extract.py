"""Model: draw the facts (groups, roles, tasks, definitions, ages, cadences, phases) out of the clauses.

Each rule follows a convention of Chinese work plans; every fact keeps the clause it came from.
"""

from __future__ import annotations

import re
from collections import Counter

from generators.policy.model import (
    AgeBound,
    AgeMention,
    Assignment,
    Cadence,
    Clause,
    ClauseRef,
    Document,
    GroupDefinition,
    Phase,
    PolicyModel,
    Role,
    Task,
    UnitMention,
)
from generators.policy.units import GroupMatcher, UnitResolver, split_unit_list

ROLE_LINE = re.compile(r"^(牵头单位|牵头部门|责任单位|责任部门)\s*[：:]\s*(.+?)[。.]?$")
ROLE_OF = {
    "牵头单位": Role.LEAD,
    "牵头部门": Role.LEAD,
    "责任单位": Role.RESPONSIBLE,
    "责任部门": Role.RESPONSIBLE,
}
TRAILING_UNITS = re.compile(r"[（(]([^（）()]+)[）)]\s*[。.]?$")
LED_BY = re.compile(r"由([^，,。；、由]{2,12}?)牵头")
DUTY_LINE = re.compile(r"^([^：:。；，,]{2,40})[：:](.+)$")
DEFINITION = re.compile(r"^(.{2,30}?)是指(.+?。)")
SENTENCE = re.compile(r"[^。；;！？]+[。；;！？]?")

AGE_RANGE = re.compile(r"(\d{1,2})\s*周岁以上[（(]含[）)]\s*(\d{1,2})\s*周岁以下[（(]含[）)]")
AGE_UNDER = re.compile(r"(?:未满|不满)\s*(\d{1,2})\s*周岁")
AGE_ANY = re.compile(r"(\d{1,2})(?:\s*[、至到\-—~]\s*(\d{1,2}))?\s*周?岁")
YOUTH_SCOPE = re.compile(r"“青少年”年龄界定为")

CADENCES = [  # (kind, pattern) — checked per clause of a sentence
    ("monthly", re.compile(r"每个?月")),
    ("quarterly", re.compile(r"每季度?")),
    ("half-yearly", re.compile(r"每半年")),
    ("yearly", re.compile(r"每年")),
    ("periodic", re.compile(r"定期")),
]
DATE_RANGE = re.compile(r"(\d{4})年(\d{1,2})月(?:\s*[-—－至到~]\s*(?:(\d{4})年)?(\d{1,2})月)?")
DURATION = re.compile(
    r"(为期[一二三四五六七八九十\d]+年|[一二三四五六七八九十\d]+年[^，。,]*期满后|[一二三四五六七八九十\d]+年内)"
)


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE.findall(text) if s.strip()]


def _ancestors(doc: Document, clause: Clause) -> list[Clause]:
    chain, cur = [], clause
    while cur.parent:
        cur = doc.clauses[cur.parent]
        chain.append(cur)
    return chain


class DocumentExtractor:
    """Runs the extraction rules over one document and appends to the model."""

    def __init__(self, model: PolicyModel, doc: Document, resolver: UnitResolver, groups: GroupMatcher):
        self.model, self.doc, self.resolver, self.groups = model, doc, resolver, groups
        self.section_group: dict[str, str] = {}

    def ref(self, clause: Clause) -> ClauseRef:
        return ClauseRef(self.doc.id, clause.id)

    # --- units -------------------------------------------------------------------------------------
    def resolve(self, text: str, clause: Clause, strict: bool = True) -> str | None:
        """Resolve one unit string and record the mention; `strict=False` drops non-units quietly
        (used where a list may not be a unit list at all)."""
        res = self.resolver.resolve(text)
        if res.unit or strict:
            self.model.mentions.append(UnitMention(text, res.unit, res.how, self.ref(clause)))
        return res.unit

    def assign(
        self, unit: str, original: str, role: Role, clause: Clause, group: str | None, task: str | None = None
    ) -> None:
        self.model.assignments.append(Assignment(unit, original, role, self.ref(clause), group, task))

    # --- sections and groups -----------------------------------------------------------------------
    def find_section_groups(self) -> None:
        """A heading that names one group makes its section about that group; a heading the text lacks
        takes the group its body names most."""
        for clause in self.doc.clauses.values():
            if not clause.is_heading:
                continue
            if clause.synthetic:
                body = " ".join(
                    self.doc.clauses[c].text for c in clause.children if not self.doc.clauses[c].is_heading
                )
                counts = Counter(g for _, _, g in self.groups.find(body))
                found = [counts.most_common(1)[0][0]] if counts else []
            else:
                found = self.groups.groups_in(clause.text.split("。")[0])
            if len(found) == 1:
                self.section_group[clause.id] = found[0]
        self.model.section_groups.update({f"{self.doc.id}#{k}": v for k, v in self.section_group.items()})

    def group_of(self, clause: Clause) -> str | None:
        for c in [clause, *_ancestors(self.doc, clause)]:
            if c.id in self.section_group:
                return self.section_group[c.id]
        return None

    # --- roles, tasks, duties ----------------------------------------------------------------------
    def roles(self) -> None:
        for clause in self.doc.clauses.values():
            group = self.group_of(clause)
            m = ROLE_LINE.match(clause.text)
            if m and clause.level == 0:
                for original in split_unit_list(m.group(2)):
                    unit = self.resolve(original, clause)
                    if unit:
                        self.assign(unit, original, ROLE_OF[m.group(1)], clause, group)
                continue
            for led in LED_BY.finditer(clause.text):
                unit = self.resolve(led.group(1), clause, strict=False)
                if unit:
                    self.assign(unit, led.group(1), Role.LEAD, clause, group)
            if clause.level == 3 and group:
                self.task(clause, group)

    def task(self, clause: Clause, group: str) -> None:
        title = clause.text.split("。")[0]
        self.model.tasks.append(Task(self.doc.id, clause.id, title, clause.text, group))
        m = TRAILING_UNITS.search(clause.text)
        parts = split_unit_list(m.group(1)) if m else []
        if parts and any(self.resolver.resolve(p).unit for p in parts):
            for original in parts:
                unit = self.resolve(original, clause)
                if unit:
                    self.assign(unit, original, Role.TASK, clause, group, task=clause.id)
            return
        seen = set()
        for _, wording, unit in self.resolver.scan(clause.text):
            if unit not in seen:
                seen.add(unit)
                self.assign(unit, wording, Role.NAMED, clause, group, task=clause.id)

    def duties(self) -> None:
        """Per-department duty paragraphs (`民社办：负责…`) under a heading about 职责."""
        for clause in self.doc.clauses.values():
            if clause.level != 0 or not clause.parent:
                continue
            if "职责" not in self.doc.clauses[clause.parent].text:
                continue
            m = DUTY_LINE.match(clause.text)
            if not m:
                continue
            heads = split_unit_list(m.group(1))
            groups: list[str | None] = [*self.groups.groups_in(m.group(2))] or [None]
            for original in heads:
                unit = self.resolve(original, clause)
                if unit:
                    for group in groups:
                        self.assign(unit, original, Role.DUTY, clause, group)

    # --- definitions and ages ----------------------------------------------------------------------
    def definitions(self) -> None:
        terms: dict[str, tuple[str, Clause]] = {}  # group -> first wording and where
        defs: dict[str, tuple[str, Clause]] = {}
        ages: dict[str, tuple[AgeBound, Clause, str]] = {}
        doc_scope: tuple[AgeBound, Clause, list[str] | None] | None = None
        for clause in self.doc.clauses.values():
            for _, wording, gid in self.groups.find(clause.text):
                terms.setdefault(gid, (wording, clause))
            parent = self.doc.clauses[clause.parent] if clause.parent else None
            for sentence in sentences(clause.text):
                found = self.groups.groups_in(sentence)
                d = DEFINITION.match(sentence)
                if d and found:
                    defs.setdefault(found[0], (sentence, clause))
                    bound = self.age_bound(sentence)
                    if bound:
                        ages[found[0]] = (bound, clause, "group")
                    continue
                bound = self.age_bound(sentence)
                if bound and YOUTH_SCOPE.search(sentence):
                    doc_scope = (bound, clause, None)
                elif bound and len(found) >= 2:
                    doc_scope = (bound, clause, found)
            # A list of target groups (“包括…；…；…”) under a heading about 对象.
            if parent and "对象" in parent.text and "包括" in clause.text:
                for item in re.split(r"[；;]", clause.text.split("包括", 1)[1]):
                    item = item.strip("。 ")
                    for gid in self.groups.groups_in(item)[:1]:
                        defs.setdefault(gid, (item, clause))
        for gid, (wording, first) in terms.items():
            definition = defs.get(gid)
            age, scope, age_clause = None, "group", None
            if gid in ages:
                age, age_clause, scope = ages[gid]
            elif doc_scope and (doc_scope[2] is None or gid in doc_scope[2]):
                age, age_clause, _ = doc_scope
                scope = "document"
            where = definition[1] if definition else first
            self.model.definitions.append(
                GroupDefinition(
                    group=gid,
                    doc=self.doc.id,
                    term=wording,
                    definition=definition[0] if definition else None,
                    age=age,
                    age_scope=scope,
                    source=self.ref(where),
                    age_source=self.ref(age_clause) if age_clause else None,
                )
            )

    @staticmethod
    def age_bound(sentence: str) -> AgeBound | None:
        m = AGE_RANGE.search(sentence)
        if m:
            return AgeBound(int(m.group(1)), True, int(m.group(2)), True, m.group(0))
        m = AGE_UNDER.search(sentence)
        if m:
            return AgeBound(None, False, int(m.group(1)), False, m.group(0))
        return None

    def age_mentions(self) -> None:
        for clause in self.doc.clauses.values():
            for sentence in sentences(clause.text):
                ages = []
                for m in AGE_ANY.finditer(sentence):
                    ages += [int(x) for x in m.groups() if x]
                if ages:
                    groups: list[str | None] = [*self.groups.groups_in(sentence)] or [self.group_of(clause)]
                    for gid in groups:
                        self.model.age_mentions.append(
                            AgeMention(gid, sentence, tuple(ages), self.ref(clause))
                        )

    # --- cadences and phases -----------------------------------------------------------------------
    def cadences(self) -> None:
        task_units: dict[str, list[str]] = {}
        for a in self.model.assignments:
            if a.source.doc == self.doc.id and a.task and a.role is Role.TASK:
                task_units.setdefault(a.task, []).append(a.unit)
        for clause in self.doc.clauses.values():
            for sentence in sentences(clause.text):
                for part in re.split(r"[，,]", sentence):
                    for kind, pattern in CADENCES:
                        m = pattern.search(part)
                        if not m:
                            continue
                        units = task_units.get(clause.id) or [u for _, _, u in self.resolver.scan(sentence)]
                        self.model.cadences.append(
                            Cadence(
                                kind=kind,
                                phrase=part[m.start() :].strip("。；; "),
                                action=sentence.strip("。；; "),
                                source=self.ref(clause),
                                units=tuple(dict.fromkeys(units)),
                                group=self.group_of(clause),
                            )
                        )
                        break

    def phases(self) -> None:
        for clause in self.doc.clauses.values():
            parent = self.doc.clauses[clause.parent] if clause.parent else None
            if clause.level not in (2, 3) or not parent or not re.search(r"步骤|阶段", parent.text):
                continue
            name = re.split(r"[。（(]", clause.text, maxsplit=1)[0].strip()
            dates = DATE_RANGE.search(clause.text)
            start = end = duration = None
            if dates:
                y1, m1, y2, m2 = dates.groups()
                start = f"{int(y1):04d}-{int(m1):02d}"
                end = f"{int(y2 or y1):04d}-{int(m2):02d}" if m2 else start
            else:
                d = DURATION.search(clause.text)
                duration = d.group(1) if d else None
            self.model.phases.append(Phase(name, clause.text, self.ref(clause), start, end, duration))

    def run(self, section_overrides: dict[str, str]) -> None:
        """All rules in order; `section_overrides` (clause id → group) come from overrides.yaml."""
        self.find_section_groups()
        self.section_group.update(section_overrides)
        self.model.section_groups.update({f"{self.doc.id}#{k}": v for k, v in section_overrides.items()})
        self.roles()
        self.duties()
        self.definitions()
        self.age_mentions()
        self.cadences()
        self.phases()
