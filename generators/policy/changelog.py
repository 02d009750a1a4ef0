"""Derive: what changed in the policy model between two editions — documents, roles, definitions and age
bounds, cadences — each change tied to its clause in the edition(s) where it is found."""

from __future__ import annotations

from dataclasses import dataclass, field

from generators.policy.model import CADENCE_LABELS, ROLE_LABELS, ClauseRef, PolicyModel, Role

TRACKED_ROLES = (Role.LEAD, Role.RESPONSIBLE, Role.TASK)


@dataclass(frozen=True)
class Change:
    kind: str  # document | role | definition | age | cadence
    change: str  # added | removed | changed
    subject: str  # what it is about, in words: 闲散青少年, 任务“…”, 墩集镇方案
    text: str  # the change in words
    old: ClauseRef | None = None  # where it stood in the older edition
    new: ClauseRef | None = None  # where it stands in the newer one


@dataclass
class Changelog:
    old: str  # edition numbers
    new: str
    changes: list[Change] = field(default_factory=list)

    def of(self, kind: str) -> list[Change]:
        return [c for c in self.changes if c.kind == kind]


def _documents(old: PolicyModel, new: PolicyModel) -> list[Change]:
    before, after = {d.id: d for d in old.documents}, {d.id: d for d in new.documents}
    out = [
        Change(
            "document", "added", after[i].meta.short, f"新收录《{after[i].meta.title}》", new=ClauseRef(i, "")
        )
        for i in sorted(set(after) - set(before))
    ]
    out += [
        Change(
            "document",
            "removed",
            before[i].meta.short,
            f"不再收录《{before[i].meta.title}》",
            old=ClauseRef(i, ""),
        )
        for i in sorted(set(before) - set(after))
    ]
    for i in sorted(set(before) & set(after)):
        if before[i].text != after[i].text:
            out.append(
                Change(
                    "document",
                    "changed",
                    after[i].meta.short,
                    "原文有改动",
                    ClauseRef(i, ""),
                    ClauseRef(i, ""),
                )
            )
    return out


def _subject(model: PolicyModel, group: str | None, task: str | None, doc: str) -> str:
    if task:
        t = next((t for t in model.tasks if t.doc == doc and t.clause == task), None)
        title = t.title if t else task
        return f"任务“{title if len(title) <= 30 else title[:28] + '…'}”"
    return model.groups[group].name if group in model.groups else str(group)


def _roles(old: PolicyModel, new: PolicyModel) -> list[Change]:
    def index(model):
        out = {}
        for a in model.assignments:
            if a.role in TRACKED_ROLES:
                out.setdefault((a.source.doc, a.group if not a.task else None, a.task, a.unit, a.role), a)
        return out

    before, after = index(old), index(new)
    out = []
    for key in sorted(set(before) ^ set(after), key=lambda k: tuple(str(x) for x in k)):
        doc, group, task, unit, role = key
        gained = key in after
        model = new if gained else old
        a = (after if gained else before)[key]
        unit_name = model.units[unit].short if unit in model.units else unit
        doc_short = model.document(doc).meta.short
        text = f"{unit_name}{'成为' if gained else '不再是'}{ROLE_LABELS[role]}单位（{doc_short}，原文“{a.original}”）"
        out.append(
            Change(
                "role",
                "added" if gained else "removed",
                _subject(model, group, task, doc),
                text,
                old=None if gained else a.source,
                new=a.source if gained else None,
            )
        )
    return out


def _definitions(old: PolicyModel, new: PolicyModel) -> list[Change]:
    before = {(d.doc, d.group): d for d in old.definitions}
    after = {(d.doc, d.group): d for d in new.definitions}
    out = []
    for key in sorted(set(before) | set(after)):
        b, a = before.get(key), after.get(key)
        model = new if a else old
        doc_short = model.document(key[0]).meta.short
        group = model.groups[key[1]].name if key[1] in model.groups else key[1]
        if b is None or a is None:
            d = a or b
            assert d is not None
            out.append(
                Change(
                    "definition",
                    "added" if a else "removed",
                    group,
                    f"{doc_short}{'新增' if a else '删去'}对“{d.term}”的界定",
                    old=b.source if b else None,
                    new=a.source if a else None,
                )
            )
            continue
        if (b.definition or "") != (a.definition or ""):
            out.append(
                Change(
                    "definition", "changed", group, f"{doc_short}对“{a.term}”的界定有改动", b.source, a.source
                )
            )
        if (b.age.key() if b.age else None) != (a.age.key() if a.age else None):
            out.append(
                Change(
                    "age",
                    "changed",
                    group,
                    f"{doc_short}的年龄界限：{b.age.describe() if b.age else '未规定'} → "
                    f"{a.age.describe() if a.age else '未规定'}",
                    b.age_source or b.source,
                    a.age_source or a.source,
                )
            )
    return out


def _cadences(old: PolicyModel, new: PolicyModel) -> list[Change]:
    def index(model):
        return {(c.source.doc, c.source.clause, c.group): c for c in model.cadences}

    before, after = index(old), index(new)
    out = []
    for key in sorted(set(before) | set(after), key=lambda k: tuple(str(x) for x in k)):
        b, a = before.get(key), after.get(key)
        model = new if a else old
        c = a or b
        subject = model.groups[c.group].name if c.group in model.groups else "（不限群体）"
        where = model.document(key[0]).meta.short
        if b is None or a is None:
            out.append(
                Change(
                    "cadence",
                    "added" if a else "removed",
                    subject,
                    f"{where}{'新增' if a else '删去'}{CADENCE_LABELS[c.kind]}工作：{c.phrase}",
                    old=b and b.source,
                    new=a and a.source,
                )
            )
        elif (b.kind, b.phrase) != (a.kind, a.phrase):
            out.append(
                Change(
                    "cadence",
                    "changed",
                    subject,
                    f"{where}：{CADENCE_LABELS[b.kind]}（{b.phrase}）→ {CADENCE_LABELS[a.kind]}（{a.phrase}）",
                    b.source,
                    a.source,
                )
            )
    return out


def changelog(old_number: str, old: PolicyModel, new_number: str, new: PolicyModel) -> Changelog:
    return Changelog(
        old_number,
        new_number,
        _documents(old, new) + _roles(old, new) + _definitions(old, new) + _cadences(old, new),
    )
