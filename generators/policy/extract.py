"""Model: draw the facts (groups, roles, tasks, duties, definitions, ages, cadences, deadlines, phases) out of
the clauses.

Each rule follows a convention of Chinese work plans and reads its words from data/vocabulary.yaml; every
fact keeps the clause it came from. A string in a unit position that names no known unit is recorded as
an unmatched mention, never dropped.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from generators.policy.model import (
    AgeBound,
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
from generators.policy.phrases import age_bound, cadences_in, deadlines_in
from generators.policy.units import GroupMatcher, UnitResolver, clean_item
from generators.policy.vocabulary import Vocabulary

DEFINITION = re.compile(r"^(.{2,30}?)是指(.+?。)")
SENTENCE = re.compile(r"[^。；;！？]+[。；;！？]?")
AGE_ANY = re.compile(r"(\d{1,2})(?:\s*[、至到\-—~]\s*(\d{1,2}))?\s*周?岁")
YOUTH_SCOPE = re.compile(r"“青少年”年龄界定为")
# Table rows as Word/WPS text gives them: cells separated by tabs or runs of spaces (or bars).
CELL_SEPARATOR = re.compile(r"\t+|[ \u3000]{2,}|\s*[|｜]\s*")
DATE_RANGE = re.compile(r"(\d{4})年(\d{1,2})月(?:\s*[-—－至到~]\s*(?:(\d{4})年)?(\d{1,2})月)?")
DURATION = re.compile(
    r"(为期[一二三四五六七八九十\d]+年|[一二三四五六七八九十\d]+年[^，。,]*期满后|[一二三四五六七八九十\d]+年内)"
)
BOUNDARY = "，,、。；;：:"


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE.findall(text) if s.strip()]


def table_cells(text: str) -> list[str]:
    return [c.strip() for c in CELL_SEPARATOR.split(text.strip(" |｜")) if c.strip()]


def _ancestors(doc: Document, clause: Clause) -> list[Clause]:
    chain, cur = [], clause
    while cur.parent:
        cur = doc.clauses[cur.parent]
        chain.append(cur)
    return chain


def trailing_bracket(text: str) -> tuple[int, str] | None:
    """(start, content) of the parenthesis that ends the text (a full stop may follow); nested brackets
    such as 各村（居）委会 stay inside."""
    body = text.rstrip(" 。.；;")
    if not body.endswith(("）", ")")):
        return None
    depth = 0
    for i in range(len(body) - 1, -1, -1):
        ch = body[i]
        if ch in "）)":
            depth += 1
        elif ch in "（(":
            depth -= 1
            if depth == 0:
                return i, body[i + 1 : -1]
    return None


@dataclass(frozen=True)
class RoleItem:
    """One unit string in a unit position, with the role it is given there."""

    text: str
    role: Role
    word: str | None


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
        self.section_group: dict[str, str] = {}
        self.tasks: dict[str, Task] = {}
        self.task_units: dict[str, list[str]] = {}  # task clause -> units (lead, responsible, task roles)
        self.duty_units: dict[str, list[str]] = {}  # duty clause -> its units
        self.rows: set[str] = set()  # clauses that are table rows
        self.role_lines: set[str] = set()
        self.brackets: dict[str, int] = {}  # clause -> where its role parenthesis starts

    def ref(self, clause: Clause) -> ClauseRef:
        return ClauseRef(self.doc.id, clause.id)

    # --- units -------------------------------------------------------------------------------------
    def classify(self, text: str) -> str:
        """unit | generic | organisation | other — what a list item is."""
        if self.resolver.names_unit(text):
            return "unit"
        if self.vocabulary.is_generic(text):
            return "generic"
        if self.vocabulary.looks_like_organisation(text) or text in self.resolver.catalogue.explained:
            return "organisation"
        return "other"

    def unit_list(self, text: str) -> list[str] | None:
        """The items of a unit list, or None when the text is not one (（含）, （2025年4月—5月）)."""
        items = self.resolver.split(text)
        kinds = [self.classify(i) for i in items]
        if not items or "other" in kinds or not {"unit", "organisation"} & set(kinds):
            return None
        return items

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
        self, items: list[RoleItem], clause: Clause, group: str | None, task: str | None
    ) -> list[str]:
        units = []
        for item in items:
            unit, level = self.resolve(item.text, clause)
            if unit:
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

    def under(self, clause: Clause, words) -> bool:
        return any(any(w in a.text.split("。")[0] for w in words) for a in _ancestors(self.doc, clause))

    def add_task(self, clause: Clause, title: str, text: str, kind: str, group: str | None) -> Task:
        if clause.id not in self.tasks:
            task = Task(self.doc.id, clause.id, title, text, group, kind)
            self.tasks[clause.id] = task
            self.model.tasks.append(task)
        return self.tasks[clause.id]

    # --- labelled roles: role lines, parentheses, tables -------------------------------------------
    def labelled(self, text: str) -> list[RoleItem] | None:
        """`牵头单位：X；协办单位：Y、Z` → items, or None when any part is not `label：units`."""
        items: list[RoleItem] = []
        for part in re.split(r"[；;]", text.strip(" 。.")):
            part = part.strip()
            if not part:
                continue
            m = re.match(r"^([^：:]+)[：:](.*)$", part)
            role = self.vocabulary.label_role(m.group(1)) if m else None
            if m is None or role is None:
                return None
            items += [RoleItem(u, role, m.group(1).strip()) for u in self.resolver.split(m.group(2))]
        return items or None

    def verb_roles(self, text: str) -> list[RoleItem]:
        """`由X牵头，Y配合` / `X统筹、Y具体负责` / `X负责总体协调，Y负责组织实施` → items. The first phrase
        starts at 由 or at the start of the text; each verb must end its phrase."""
        items: list[RoleItem] = []
        pos = 0
        first = True
        for m in self.vocabulary.role_verb.finditer(text):
            if m.start() < pos:
                continue
            after = text[m.end() : m.end() + 1]
            if after and after not in BOUNDARY:
                if first:
                    continue
                break
            span = text[pos : m.start()]
            if first and "由" in span:
                span = span[span.rindex("由") + 1 :]
            for filler in self.vocabulary.role_fillers:
                span = span.replace(filler, "")
            units = self.unit_list(span) if span.strip() else None
            if units is None and not (span and self.vocabulary.is_generic(clean_item(span))):
                if first:
                    return []
                break
            role = self.vocabulary.role_verbs[m.group(0)]
            items += [RoleItem(u, role, None) for u in units or []]
            first = False
            pos = m.end() + 1
            if after not in "，,、":
                break
        return items

    def role_lines_and_tables(self) -> None:
        clauses = list(self.doc.clauses.values())
        header: list[str | None] | None = None
        header_cells: list[str] = []
        for clause in clauses:
            cells = table_cells(clause.text) if clause.level == 0 else []
            if len(cells) >= 3:
                kinds = [self.vocabulary.column_kind(c) for c in cells]
                if "task" in kinds and {"lead", "responsible"} & set(kinds):
                    header, header_cells = kinds, cells
                    self.rows.add(clause.id)
                    continue
                if header:
                    self.table_row(clause, cells, header, header_cells)
                    continue
            elif header and clause.level == 0 and len(cells) < 3:
                header = None
            if clause.level == 0:
                items = self.labelled(clause.text)
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

    def table_row(self, clause: Clause, cells: list[str], header: list[str | None], names: list[str]) -> None:
        """One row of a task division table: a task with its lead and supporting units and its deadline."""
        if len(cells) > len(header) and "task" in header:  # a task cell with a run of spaces inside
            at = header.index("task")
            extra = len(cells) - len(header)
            cells = cells[:at] + ["".join(cells[at : at + extra + 1])] + cells[at + extra + 1 :]
        row = dict(zip(range(len(header)), cells))
        task_text = next((row[i] for i, k in enumerate(header) if k == "task" and i in row), "")
        if not task_text:
            return
        self.rows.add(clause.id)
        groups = self.groups.groups_in(task_text)
        task = self.add_task(clause, task_text, task_text, "row", groups[0] if len(groups) == 1 else None)
        items = []
        for i, kind in enumerate(header):
            if kind in ("lead", "responsible") and i in row:
                items += [RoleItem(u, Role(kind), names[i]) for u in self.resolver.split(row[i])]
        units = list(dict.fromkeys(self.assign_items(items, clause, task.group, clause.id)))
        for c in [
            c for part in re.split(r"[，,；;。]", task_text) for c in cadences_in(part, self.vocabulary)
        ]:
            self.add_cadence(c.kind, c.phrase, task_text, clause, units, c.times, task=clause.id)
        found = deadlines_in(task_text, self.vocabulary)
        for i, kind in enumerate(header):
            if kind == "deadline" and i in row:
                found += deadlines_in(row[i], self.vocabulary, column=True)
        for d in found:
            self.add_deadline(d, task_text, clause, units, task=clause.id)

    # --- duties --------------------------------------------------------------------------------------
    def duty_label(self, clause: Clause) -> tuple[list[str], str] | None:
        """(unit strings, duty text) when the clause is `X：负责……` in a duty section (or opens with 负责)."""
        parts = re.split(r"[：:]", clause.text, maxsplit=1)
        if len(parts) != 2 or not parts[1].strip():
            return None
        label, rest = parts[0].strip(), parts[1].strip()
        if len(label) > 40 or re.search(r"[，。；;]", label) or "（" in label and "）" not in label:
            return None
        if any(label.endswith(t) for t in self.vocabulary.topic_labels):
            return None
        in_section = self.under(clause, self.vocabulary.duty_headings)
        if not in_section and not rest.startswith("负责"):
            return None
        if in_section:  # in a duty section every label names who: unknown ones are reported
            named = [i for i in self.resolver.split(label) if 2 <= len(i) <= 20]
            return (named, rest) if named else None
        items = self.unit_list(label)
        if items is None or not any(self.resolver.names_unit(i) for i in items):
            return None
        return items, rest

    def duties(self) -> None:
        for clause in self.doc.clauses.values():
            if clause.id in self.rows or clause.id in self.role_lines:
                continue
            found = self.duty_label(clause)
            if not found:
                continue
            heads, rest = found
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
            self.duty_units[clause.id] = units

    # --- tasks and role sentences ------------------------------------------------------------------
    def bracket_items(self, content: str) -> list[RoleItem] | None:
        labelled = self.labelled(content)
        if labelled:
            return labelled
        verbs = self.verb_roles(content)
        if verbs:
            return verbs
        units = self.unit_list(content)
        return [RoleItem(u, Role.TASK, None) for u in units] if units else None

    def tasks_and_sentences(self) -> None:
        for clause in self.doc.clauses.values():
            if clause.id in self.rows or clause.id in self.role_lines or clause.id in self.duty_units:
                continue
            group = self.group_of(clause)
            text = clause.text
            found = trailing_bracket(text) if clause.level else None
            items = self.bracket_items(found[1]) if found else None
            if found and items:
                self.brackets[clause.id] = found[0]
                text = text[: found[0]]
                made = self.add_task(clause, text.split("。")[0], clause.text, "item", group)
                self.assign_items(items, clause, group, made.clause)
            elif clause.level == 3 and (group or self.in_task_section(clause)):
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
                items = self.verb_roles(sentence.rstrip("。；;！？"))
                if any(self.resolver.names_unit(i.text) for i in items):
                    self.assign_items(items, clause, group, task)

    def in_task_section(self, clause: Clause) -> bool:
        return any(
            a.id in self.tasks and self.tasks[a.id].kind == "section" for a in _ancestors(self.doc, clause)
        )

    # --- definitions and ages ----------------------------------------------------------------------
    def item_definition(self, clause: Clause) -> tuple[str, str] | None:
        """(group, text) for a numbered item or paragraph that opens with a group's name and then says who
        they are: `困境儿童：指……`, `（一）农村留守儿童。指……`, `闲散青少年，是指……`."""
        opened = self.groups.starts_with(clause.text)
        if not opened:
            return None
        word, gid = opened
        rest = clause.text[len(word) :]
        if not rest[:1] or rest[0] not in "：:。，," or len(rest) < 8:
            return None
        body = rest[1:].lstrip()
        if body.startswith(tuple(self.vocabulary.definition_openers)) or self.under(
            clause, self.vocabulary.definition_headings
        ):
            return gid, clause.text
        return None

    def definitions(self) -> None:
        terms: dict[str, tuple[str, Clause]] = {}  # group -> first wording and where
        defs: dict[str, tuple[str, Clause]] = {}
        ages: dict[str, tuple[AgeBound, Clause, str]] = {}
        doc_scope: tuple[AgeBound, Clause, list[str] | None] | None = None
        for clause in self.doc.clauses.values():
            for _, wording, gid in self.groups.find(clause.text):
                terms.setdefault(gid, (wording, clause))
            if clause.id in self.rows or clause.id in self.role_lines or clause.id in self.duty_units:
                continue
            in_task = clause.id in self.tasks
            parent = self.doc.clauses[clause.parent] if clause.parent else None
            item = None if in_task else self.item_definition(clause)
            if item:
                gid, text = item
                if gid not in defs:
                    defs[gid] = (text, clause)
                    bound = age_bound(text)
                    if bound:
                        ages.setdefault(gid, (bound, clause, "group"))
            for sentence in sentences(clause.text):
                found = self.groups.groups_in(sentence)
                d = DEFINITION.match(sentence)
                if d and self.groups.groups_in(d.group(1)) and not in_task:
                    gid = self.groups.groups_in(d.group(1))[0]
                    defs.setdefault(gid, (sentence, clause))
                    bound = age_bound(sentence)
                    if bound:
                        ages.setdefault(gid, (bound, clause, "group"))
                    continue
                bound = age_bound(sentence)
                if not bound or in_task:
                    continue
                if YOUTH_SCOPE.search(sentence) or any(t in sentence for t in self.vocabulary.document_terms):
                    if not (d and self.groups.groups_in(d.group(1))):
                        doc_scope = (bound, clause, None)
                elif len(found) >= 2 and not item:
                    doc_scope = (bound, clause, found)
            # A list of target groups (“包括…；…；…”) under a heading about 对象.
            if parent and "对象" in parent.text and "包括" in clause.text:
                for part in re.split(r"[；;]", clause.text.split("包括", 1)[1]):
                    part = part.strip("。 ")
                    for gid in self.groups.groups_in(part)[:1]:
                        defs.setdefault(gid, (part, clause))
        if doc_scope:
            self.model.document_ages.append(
                DocumentAge(self.doc.id, doc_scope[0], self.ref(doc_scope[1]), tuple(doc_scope[2] or ()))
            )
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
    def add_cadence(self, kind, phrase, action, clause, units, times=None, task=None, duty=False) -> None:
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
            )
        )

    def add_deadline(self, d, action, clause, units, task=None, duty=False) -> None:
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

    def cadences_and_deadlines(self) -> None:
        for clause in self.doc.clauses.values():
            if clause.id in self.rows or clause.id in self.role_lines:
                continue
            text = clause.text[: self.brackets[clause.id]] if clause.id in self.brackets else clause.text
            task = clause.id if clause.id in self.tasks else None
            duty = clause.id in self.duty_units
            context = None
            if task and self.task_units.get(task):
                context = self.task_units[task]
            elif duty:
                context = self.duty_units[clause.id]
            for sentence in sentences(text):
                offset = 0
                for part in re.split(r"([，,])", sentence):
                    for c in cadences_in(part, self.vocabulary):
                        units = (
                            context if context is not None else self.units_before(sentence, offset + c.start)
                        )
                        self.add_cadence(c.kind, c.phrase, sentence, clause, units, c.times, task, duty)
                    offset += len(part)
                for d in deadlines_in(sentence, self.vocabulary):
                    units = context if context is not None else self.units_before(sentence, d.start)
                    self.add_deadline(d, sentence, clause, units, task, duty)

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
