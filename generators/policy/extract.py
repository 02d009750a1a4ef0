"""Model: draw the facts (groups, roles, tasks, duties, definitions, ages, cadences, deadlines, phases) out of
the clauses.

Each rule reads structure — where a text puts units (role lines, a task's parentheses or trailing labels,
table cells, duty labels, role sentences) and where it defines groups — with the words of
data/vocabulary.yaml; the readers are in `roles`, `tables` and `definitions`. Every fact keeps the clause it
came from. A string in a unit position that names no known unit is recorded as an unmatched mention, never
dropped.
"""

from __future__ import annotations

import re
from collections import Counter

from generators.policy.definitions import DefinitionReader, read_definitions
from generators.policy.model import (
    AgeMention,
    Assignment,
    Cadence,
    Clause,
    ClauseRef,
    Deadline,
    Document,
    DocumentAge,
    GroupDefinition,
    OrganisationMention,
    Phase,
    PolicyModel,
    Role,
    Task,
    UnitMention,
)
from generators.policy.phrases import CadenceMatch, DeadlineMatch, cadences_in, deadlines_in, sentences
from generators.policy.roles import RoleItem, RoleReader
from generators.policy.tables import (
    RULE_CELL,
    Column,
    Row,
    align,
    header_of,
    is_duty_table,
    join_wrapped,
    read_row,
    table_cells,
)
from generators.policy.units import GroupMatcher, UnitResolver
from generators.policy.vocabulary import Vocabulary

AGE_ANY = re.compile(r"(\d{1,2})(?:\s*[、至到\-—~]\s*(\d{1,2}))?\s*周?岁")
DATE_RANGE = re.compile(r"(\d{4})年(\d{1,2})月(?:\s*[-—－至到~]\s*(?:(\d{4})年)?(\d{1,2})月)?")
DURATION = re.compile(
    r"(为期[一二三四五六七八九十\d]+年|[一二三四五六七八九十\d]+年[^，。,]*期满后|[一二三四五六七八九十\d]+年内)"
)
MAX_TITLE = 16  # a list's title line (名词解释, 部门职责), not a document's title
# Where a sentence names no one before a time phrase: conditions (发现……的, 接到报告后) and modal words only.
CONDITION_ENDS = ("的", "后", "时")
MODAL_ONLY = re.compile(r"^(?:并|同时|还|也|均)?(?:应当|应该|应|要|必须|须|需)?(?:在|于)?$")
SEPARATORS_AND = " 、，,和及与\u3000"
JOINT_ACTION = ("会同", "联合", "协同", "同")


def is_title(sentence: str) -> bool:
    """The short title an item opens with (按月报送。), no sentence of its own."""
    return sentence.endswith("。") and len(sentence) <= 16 and not re.search(r"[，,；;：:]", sentence)


def distinct(found: list[DeadlineMatch]) -> list[DeadlineMatch]:
    """Each time limit once (a table's time cell may repeat the task's own)."""
    return list({d.key: d for d in reversed(found)}.values())[::-1]


def _ancestors(doc: Document, clause: Clause) -> list[Clause]:
    chain, cur = [], clause
    while cur.parent:
        cur = doc.clauses[cur.parent]
        chain.append(cur)
    return chain


class DocumentExtractor:
    """Runs the extraction rules over one document and appends to the model."""

    def __init__(
        self,
        model: PolicyModel,
        doc: Document,
        resolver: UnitResolver,
        groups: GroupMatcher,
        vocabulary: Vocabulary,
    ):
        self.model, self.doc, self.resolver, self.groups = model, doc, resolver, groups
        self.vocabulary = vocabulary
        self.roles = RoleReader(resolver, vocabulary, groups)
        self.reader = DefinitionReader(groups, vocabulary)
        self.section_group: dict[str, str] = {}
        self.group_items: set[str] = set()  # numbered items that define a group (闲散青少年。指…由X牵头…)
        self.tasks: dict[str, Task] = {}
        self.task_units: dict[str, list[str]] = {}  # task clause -> units (lead, responsible, task roles)
        self.duty_units: dict[str, list[str]] = {}  # duty clause -> its units
        self.group_roles: set[str] = set()  # clauses outside tasks that give a group its roles
        self.rows: set[str] = set()  # clauses that are table rows
        self.role_lines: set[str] = set()
        self.brackets: dict[str, int] = {}  # clause -> where its role parenthesis or trailing labels start

    def ref(self, clause: Clause) -> ClauseRef:
        return ClauseRef(self.doc.id, clause.id)

    # --- units -------------------------------------------------------------------------------------
    def resolve(self, text: str, clause: Clause) -> tuple[str | None, str | None]:
        """Resolve a string in a unit position and record the mention: (unit, level). Collective words
        (各有关单位) are neither units nor unmatched."""
        if self.vocabulary.is_generic(text) and not self.resolver.names_unit(text):
            return None, None
        res = self.resolver.resolve(text)
        self.model.mentions.append(
            UnitMention(text, res.unit, res.how, self.ref(clause), res.level, res.note)
        )
        return res.unit, res.level

    def assign_items(
        self,
        items: list[RoleItem],
        clause: Clause,
        groups: list[str | None] | str | None,
        task: str | None,
    ) -> list[str]:
        """Record each item's role for the task, or for each group (None: the whole document)."""
        for_groups = groups if isinstance(groups, list) else [groups]
        units = []
        for item in items:
            unit, level = self.resolve(item.text, clause)
            if not unit:
                continue
            for group in for_groups:
                self.model.assignments.append(
                    Assignment(
                        unit, item.text, item.role, self.ref(clause), group, task, word=item.word, level=level
                    )
                )
            units.append(unit)
        if task:
            self.task_units.setdefault(task, []).extend(units)
        return units

    # --- sections and groups -----------------------------------------------------------------------
    def find_section_groups(self) -> None:
        """A heading that names one group (by wording, else by its cues) makes its section about that group;
        a heading the text lacks takes the group its body names most. A numbered item that opens by
        defining a group (1.闲散青少年。指……) is about that group too."""
        for clause in self.doc.clauses.values():
            if clause.is_heading and clause.synthetic:
                body = " ".join(
                    self.doc.clauses[c].text for c in clause.children if not self.doc.clauses[c].is_heading
                )
                counts = Counter(g for _, _, g in self.groups.find(body))
                found = [counts.most_common(1)[0][0]] if counts else []
            elif clause.is_heading:  # by cues only where the heading speaks of people (…未成年人, …子女)
                heading = clause.text.split("。")[0]
                nouns = any(n in heading for n in self.vocabulary.group_nouns)
                found = self.groups.groups_in(heading) or (self.groups.cued(heading) if nouns else [])
            elif clause.level >= 3:
                item = self.reader.item_group(clause.text)
                found = [item] if item else []
                if item:
                    self.group_items.add(clause.id)
            else:
                continue
            if len(found) == 1:
                self.section_group[clause.id] = found[0]
        self.model.section_groups.update({f"{self.doc.id}#{k}": v for k, v in self.section_group.items()})

    def group_of(self, clause: Clause) -> str | None:
        for c in [clause, *_ancestors(self.doc, clause)]:
            if c.id in self.section_group:
                return self.section_group[c.id]
        return None

    def under(self, clause: Clause, words) -> bool:
        """Whether a heading above the clause (or the title line above a list that has no heading, as in
        an appendix: 附件 / 名词解释 / 1.… 2.…) has one of the words."""
        above = [a.text.split("。")[0] for a in _ancestors(self.doc, clause)]
        if clause.parent is None:
            above += self.list_title(clause)
        return any(any(w in text for w in words) for text in above)

    def list_title(self, clause: Clause) -> list[str]:
        """The short line without punctuation that opens the run of top-level items a clause is in."""
        ids = list(self.doc.clauses)
        for cid in reversed(ids[: ids.index(clause.id)]):
            before = self.doc.clauses[cid]
            if before.parent is not None or before.level:
                continue
            if len(before.text) <= MAX_TITLE and not re.search(r"[。，；：:,;]", before.text):
                return [before.text]
            return []
        return []

    def add_task(self, clause: Clause, title: str, text: str, kind: str, group: str | None) -> Task:
        if clause.id not in self.tasks:
            task = Task(self.doc.id, clause.id, title, text, group, kind)
            self.tasks[clause.id] = task
            self.model.tasks.append(task)
        return self.tasks[clause.id]

    # --- role lines and tables ---------------------------------------------------------------------
    def role_lines_and_tables(self) -> None:
        header: list[Column] | None = None
        lines = [c for c in self.doc.clauses.values() if not c.level]
        for i, clause in enumerate(lines):
            if clause.id in self.rows:
                continue
            cells = table_cells(clause.text)
            tabbed = header is not None and len(clause.text.split("\t")) == len(header)
            if header and cells and all(RULE_CELL.match(c) for c in cells):
                self.rows.add(clause.id)  # |---|---| under a header
                continue
            if header and i + 1 < len(lines) and lines[i + 1].line == clause.line + 1 and not tabbed:
                joined = join_wrapped(clause.text, lines[i + 1].text, header)
                if joined:
                    self.rows.add(lines[i + 1].id)
                    self.table_row(clause, header, joined)
                    continue
            if len(cells) >= 3 or tabbed:
                found = header_of(cells, self.vocabulary)
                if found:
                    header = found
                    self.rows.add(clause.id)
                    continue
                if header:
                    self.table_row(clause, header)
                    continue
            else:
                header = None
            items = self.roles.labelled(clause.text)
            if items:
                self.role_line(clause, items)

    def role_line(self, clause: Clause, items: list[RoleItem]) -> None:
        """A line `牵头单位：…` belongs to its section: a group's section, or else a work area recorded as
        a task (its heading), or the whole document."""
        self.role_lines.add(clause.id)
        group = self.group_of(clause)
        parent = self.doc.clauses[clause.parent] if clause.parent else None
        task = None
        if group is None and parent is not None and parent.level:
            title = parent.text.split("。")[0]
            task = self.add_task(parent, title, parent.text, "section", None).clause
        self.assign_items(items, clause, group, task)

    def reads_as_units(self, cell: str) -> bool:
        return self.roles.unit_list(cell) is not None or bool(self.roles.chains(cell))

    def table_row(self, clause: Clause, header: list[Column], text: str | None = None) -> None:
        """One row of a task division table: a task with its lead and supporting units and its deadline."""
        row = read_row(align(text or clause.text, header, self.reads_as_units), header)
        if row is None:
            return
        self.rows.add(clause.id)
        if is_duty_table(header):
            self.duty_row(clause, row)
            return
        groups = self.groups.groups_in(row.text)
        self.add_task(clause, row.title, row.text, "row", groups[0] if len(groups) == 1 else None)
        items = [i for col, cell in row.units for i in self.roles.cell_items(cell, Role(col.kind), col.name)]
        units = list(
            dict.fromkeys(
                self.assign_items(items, clause, groups[0] if len(groups) == 1 else None, clause.id)
            )
        )
        kinds = set()
        for part in re.split(r"[，,；;。：]", row.text):
            for c in cadences_in(part, self.vocabulary):
                kinds.add(c.kind)
                self.add_cadence(c.kind, c.phrase, row.text, clause, units, c.times, task=clause.id)
        found = deadlines_in(row.text, self.vocabulary)
        for cell in row.deadlines:
            found += deadlines_in(cell, self.vocabulary, column=True)
            for c in cadences_in(cell, self.vocabulary):  # 完成时限：每季度 (once where the task says it too)
                if c.kind not in kinds:
                    self.add_cadence(c.kind, c.phrase, row.text, clause, units, c.times, task=clause.id)
        for d in distinct(found):
            self.add_deadline(d, row.text, clause, units, task=clause.id)

    def duty_row(self, clause: Clause, row: Row) -> None:
        """A row of a duty table (单位 / 主要职责): the unit's duty paragraph."""
        heads = [i for _, cell in row.units for i in self.resolver.split(cell)]
        units = self.add_duty(clause, heads, row.text)
        for part in re.split(r"[，,；;。]", row.text):
            for c in cadences_in(part, self.vocabulary):
                self.add_cadence(c.kind, c.phrase, row.text, clause, units, c.times, duty=True)
        found = deadlines_in(row.text, self.vocabulary)
        for cell in row.deadlines:
            found += deadlines_in(cell, self.vocabulary, column=True)
        for d in found:
            self.add_deadline(d, row.text, clause, units, duty=True)

    # --- duties --------------------------------------------------------------------------------------
    def duties(self) -> None:
        for clause in self.doc.clauses.values():
            if clause.id in self.rows or clause.id in self.role_lines:
                continue
            in_section = self.under(clause, self.vocabulary.duty_headings)
            found = self.roles.duty_label(clause.text, in_section)
            if not found:
                if in_section and clause.level and clause.children:
                    self.duties_below(clause)
                continue
            self.add_duty(clause, *found)
            if in_section:  # 区委政法委负责统筹协调，团区委负责日常工作: each unit its duty
                for heads, rest in self.roles.further_duties(found[1]):
                    self.add_duty(clause, heads, rest)

    def duties_below(self, heading: Clause) -> None:
        """A heading in a duty section that is only a unit's name (（一）镇民政办): the paragraphs below it
        are that unit's duties."""
        label = heading.text.strip("：:。 ")
        heads = self.roles.unit_list(label)
        if not heads or self.groups.named(label):
            return
        for original in heads:
            self.resolve(original, heading)
        for child in heading.children:
            below = self.doc.clauses[child]
            if child in self.duty_units or self.roles.duty_label(below.text, True):
                continue  # a paragraph that names its own unit
            if below.level and self.roles.trailing_roles(below.text):
                continue  # an item with its own role bracket is a task
            self.add_duty(below, heads, below.text)

    def add_duty(self, clause: Clause, heads: list[str], rest: str) -> list[str]:
        """Record a duty of each unit for the groups the duty names (or none)."""
        groups: list[str | None] = [*self.groups.groups_in(rest)] or [None]
        units = []
        for original in heads:
            unit, level = self.resolve(original, clause)
            if unit:
                units.append(unit)
                for group in groups:
                    self.model.assignments.append(
                        Assignment(unit, original, Role.DUTY, self.ref(clause), group, level=level)
                    )
        self.duty_units.setdefault(clause.id, []).extend(
            u for u in units if u not in self.duty_units[clause.id]
        )
        return units

    # --- tasks and role sentences ------------------------------------------------------------------
    def tasks_and_sentences(self) -> None:
        for clause in self.doc.clauses.values():
            if clause.id in self.rows or clause.id in self.role_lines or clause.id in self.duty_units:
                continue
            group = self.group_of(clause)
            text = clause.text
            found = self.roles.trailing_roles(text) if clause.level else None
            if found:
                self.brackets[clause.id] = found[0]
                text = text[: found[0]]
                # a group's item (1.闲散青少年。指……（X牵头）) or a heading that is only its title (（一）农村留守
                # 儿童关爱（牵头单位：X）); a heading with a sentence after its title is a task (（一）困境儿童探访。…（X）)
                title_only = clause.is_heading and not re.search(r"[。；;！？]", text)
                if clause.id in self.group_items or (title_only and clause.id in self.section_group):
                    self.assign_items(found[1], clause, group, None)
                    self.group_roles.add(clause.id)
                else:
                    made = self.add_task(clause, text.split("。")[0], clause.text, "item", group)
                    self.assign_items(found[1], clause, group, made.clause)
            elif (
                self.is_item(clause)
                and clause.id not in self.group_items
                and (group or self.in_task_section(clause))
            ):
                self.add_task(clause, text.split("。")[0], text, "item", group)
                seen = set()
                for _, wording, unit in self.resolver.scan(text):
                    if unit not in seen:
                        seen.add(unit)
                        level = self.resolver.resolve(wording).level
                        self.model.assignments.append(
                            Assignment(
                                unit, wording, Role.NAMED, self.ref(clause), group, clause.id, level=level
                            )
                        )
            task = clause.id if clause.id in self.tasks else None
            for sentence in sentences(text):
                for chain in self.roles.chains(sentence.rstrip("。；;！？")):
                    if not any(self.resolver.names_unit(i.text) for i in chain.items):
                        continue
                    topic = self.topic_groups(chain.topic) if task is None else []
                    self.assign_items(list(chain.items), clause, [*topic] or group, task)
                    if task is None and (topic or group):
                        self.group_roles.add(clause.id)

    def topic_groups(self, topic: str) -> list[str]:
        """The groups the words before a role sentence name (闲散青少年服务管理由…; 服刑人员的未成年子女：由…).
        The groups the document's title names are its whole subject: a sentence about just those (杏坪乡农村
        留守儿童关爱保护工作由乡社会事务办牵头 in a plan for 农村留守儿童) gives the document-wide roles."""
        named = self.groups.groups_in(topic)
        term = self.reader.term_group(topic.rstrip("：:，,由在 "))
        found = named or ([term] if term else [])
        if found and set(found) == set(self.groups.groups_in(self.doc.meta.title)):
            return []
        return found

    def is_item(self, clause: Clause) -> bool:
        """A numbered item right below a heading (1. under （一）, or （1） where a section has no 1.): a task
        when its section is a group's or a work area's."""
        parent = self.doc.clauses[clause.parent] if clause.parent else None
        return clause.level == 3 or (clause.level >= 3 and (parent is None or parent.level <= 2))

    def in_task_section(self, clause: Clause) -> bool:
        return any(
            a.id in self.tasks and self.tasks[a.id].kind == "section" for a in _ancestors(self.doc, clause)
        )

    # --- definitions and ages ----------------------------------------------------------------------
    def definitions(self) -> None:
        skipped = self.rows | self.role_lines | set(self.duty_units) | set(self.tasks)
        found = read_definitions(
            self.reader, self.doc, skipped, lambda c: self.under(c, self.vocabulary.definition_headings)
        )
        doc_scope = found.document_age
        if doc_scope:
            self.model.document_ages.append(
                DocumentAge(self.doc.id, doc_scope[0], self.ref(doc_scope[1]), tuple(doc_scope[2] or ()))
            )
        for gid, (wording, first) in found.terms.items():
            definition = found.definitions.get(gid)
            age, scope, age_clause = None, "group", None
            if gid in found.ages:
                age, age_clause = found.ages[gid]
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

    # --- cadences, deadlines and phases ------------------------------------------------------------
    def add_cadence(
        self, kind, phrase, action, clause, units, times=None, task=None, duty=False, for_group=False
    ) -> None:
        self.model.cadences.append(
            Cadence(
                kind=kind,
                phrase=phrase.strip("。；; "),
                action=action.strip("。；; "),
                source=self.ref(clause),
                units=tuple(dict.fromkeys(units)),
                group=self.group_of(clause) if not task or task not in self.tasks else self.tasks[task].group,
                times=times,
                task=task,
                duty=duty,
                for_group=for_group,
            )
        )

    def add_deadline(
        self, d: DeadlineMatch, action, clause, units, task=None, duty=False, for_group=False
    ) -> None:
        self.model.deadlines.append(
            Deadline(
                kind=d.kind,
                phrase=d.phrase,
                action=action.strip("。；; "),
                source=self.ref(clause),
                units=tuple(dict.fromkeys(units)),
                group=self.group_of(clause) if not task else self.tasks[task].group,
                task=task,
                duty=duty,
                for_group=for_group,
                year=d.year,
                month=d.month,
                day=d.day,
                amount=d.amount,
                unit=d.unit,
            )
        )

    def units_before(self, sentence: str, pos: int) -> list[str]:
        """The units a sentence names before a time phrase: who does it (镇团委每月调度……)."""
        return list(dict.fromkeys(u for _, _, u in self.resolver.scan(sentence[:pos])))

    def actors(self, sentence: str, pos: int, earlier: list[str]) -> list[str]:
        """Who does what a time phrase times, where no task or duty names its units: the units the sentence
        names before it — none where the office itself acts in the phrase's own part (各社区配齐儿童主任，街道
        每年组织培训); where the sentence names no one before it but a condition (发现隐患的，应当在24小时内报告),
        the units that open the sentence before (各村（社区）每月报送……；发现……的，应当在24小时内报告)."""
        before = sentence[:pos]
        own = re.split(r"[，,]", before)[-1].strip()
        if self.issuer_acts(own):
            return []
        subject = self.leading_units(own)
        if subject:  # 桥东派出所接报后立即出警，街道民政办在2小时内到场: who opens the phrase's own part
            return subject
        units = self.units_before(sentence, pos)
        if units or not earlier:
            return units
        parts = [p.strip() for p in re.split(r"[，,]", before)]
        if all(p.endswith(CONDITION_ENDS) or MODAL_ONLY.match(p) for p in parts):
            return self.leading_units(earlier[-1])
        return []

    def issuer_acts(self, part: str) -> bool:
        """Whether a part of a sentence opens with the issuing office itself (街道每年组织……, 全镇每季度……),
        a level word or place name that is no unit."""
        head = part.lstrip("全本我")
        if not any(head.startswith(p) for p, level in self.resolver.prefixes if level):
            return False
        return not any(at == 0 for at, _, _ in self.resolver.scan(part))

    def leading_units(self, sentence: str) -> list[str]:
        """The units a sentence opens with (its subject): 各村（社区）、镇团委每月……"""
        out: list[str] = []
        cursor = 0
        for at, wording, unit in self.resolver.scan(sentence):
            gap = sentence[cursor:at].strip(SEPARATORS_AND)
            if gap and not (out and gap in JOINT_ACTION):  # 街道民政办会同社区居委会……
                break
            out.append(unit)
            cursor = at + len(wording)
        return list(dict.fromkeys(out))

    def clause_task(self, clause: Clause) -> str:
        """A numbered item (or a paragraph inside one) that is no task of the matrices, kept as the task its
        cadences and deadlines stand in (（二）镇平安办每半年督查一次, 第九条 镇综治中心定期抽查)."""
        text = clause.text
        return self.add_task(clause, text.split("。")[0], text, "clause", self.group_of(clause)).clause

    def cadences_and_deadlines(self) -> None:
        for clause in self.doc.clauses.values():
            if clause.id in self.rows or clause.id in self.role_lines:
                continue
            text = clause.text[: self.brackets[clause.id]] if clause.id in self.brackets else clause.text
            task = clause.id if clause.id in self.tasks else None
            duty = clause.id in self.duty_units
            for_group = (
                not task and not duty and clause.id in self.group_roles and bool(self.group_of(clause))
            )
            numbered = bool(clause.level or clause.parent)
            context = None
            if task and self.task_units.get(task):
                context = self.task_units[task]
            elif duty:
                context = self.duty_units[clause.id]
            said = sentences(text)
            # an item's title that names the cadence its text states (（一）按月报送。各村每月报送……): once
            body_kinds = {c.kind for s in said[1:] for c in cadences_in(s, self.vocabulary)}
            for i, sentence in enumerate(said):
                offset = 0
                found: list[tuple[int, CadenceMatch | DeadlineMatch]] = []
                for part in re.split(r"([，,])", sentence):
                    found += [
                        (offset + c.start, c)
                        for c in cadences_in(part, self.vocabulary)
                        if not (i == 0 and clause.level and is_title(sentence) and c.kind in body_kinds)
                    ]
                    offset += len(part)
                found += [(d.start, d) for d in deadlines_in(sentence, self.vocabulary)]
                for at, fact in sorted(found, key=lambda f: isinstance(f[1], DeadlineMatch)):
                    if task is None and not duty and not for_group and numbered:
                        task = self.clause_task(clause)
                    units = context if context is not None else self.actors(sentence, at, said[:i])
                    if isinstance(fact, DeadlineMatch):
                        self.add_deadline(fact, sentence, clause, units, task, duty, for_group)
                    else:
                        self.add_cadence(
                            fact.kind, fact.phrase, sentence, clause, units, fact.times, task, duty, for_group
                        )
            if (
                clause.id in self.brackets
            ):  # （牵头单位：X；完成时限：2025年6月底前）, once if the text says it
                tail = clause.text[self.brackets[clause.id] :]
                said_in_text = {d.key for d in deadlines_in(text, self.vocabulary)}
                for d in deadlines_in(tail, self.vocabulary, column=True):
                    if d.key not in said_in_text:
                        self.add_deadline(d, clause.text, clause, context or [], task, duty, for_group)

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

    def organisations(self) -> None:
        """Organisation names in running text that are no known unit and stand in no unit position."""
        positioned = {(m.source.clause, m.text) for m in self.model.mentions if m.source.doc == self.doc.id}
        for clause in self.doc.clauses.values():
            for name in self.resolver.organisations(clause.text):
                if not any(c == clause.id and name in t for c, t in positioned):
                    self.model.organisations.append(OrganisationMention(name, self.ref(clause)))

    def run(self, section_overrides: dict[str, str]) -> None:
        """All rules in order; `section_overrides` (clause id → group) come from overrides.yaml."""
        self.find_section_groups()
        self.section_group.update(section_overrides)
        self.model.section_groups.update({f"{self.doc.id}#{k}": v for k, v in section_overrides.items()})
        self.role_lines_and_tables()
        self.duties()
        self.tasks_and_sentences()
        self.definitions()
        self.age_mentions()
        self.cadences_and_deadlines()
        self.phases()
        self.organisations()
