"""Model: what the extraction did not read. Every clause that names a group, a unit, an organisation or a
cadence word but yielded no fact is listed with what was seen, and so is a clause that gave facts but holds
a time phrase (每旬, 3个月内) no cadence or deadline covers, an age its definition gave no bound for, or units
in its closing bracket no role came from, so that nothing is dropped unseen; an editor explains the ones that
hold nothing to extract in data/coverage.yaml."""

from __future__ import annotations

import re
from dataclasses import dataclass

from generators.policy.model import Clause, ClauseRef, Document, PolicyModel, UnreadClause
from generators.policy.roles import trailing_bracket
from generators.policy.units import GroupMatcher, UnitResolver
from generators.policy.vocabulary import Vocabulary

QUOTED_TITLE = re.compile(r"《[^》]*》")
AGE_PHRASE = re.compile(r"[0-9０-９一二三四五六七八九十]{1,3}\s*周?岁")


def fact_clauses(model: PolicyModel, doc: str) -> set[str]:
    """Clauses of one document that some fact (or a reported unit string) comes from."""
    out: set[str] = set()
    for items in (model.assignments, model.cadences, model.deadlines, model.phases, model.mentions):
        out |= {x.source.clause for x in items if x.source.doc == doc}
    out |= {t.clause for t in model.tasks if t.doc == doc}
    for d in model.definitions:
        if d.doc == doc and d.definition:
            out.add(d.source.clause)
        if d.doc == doc and d.age_source:
            out.add(d.age_source.clause)
    out |= {a.source.clause for a in model.document_ages if a.doc == doc}
    out |= {key.split("#", 1)[1] for key in model.section_groups if key.split("#", 1)[0] == doc}
    return out


DOC_NUMBER = re.compile(r"〔\d{4}〕\s*\d+\s*号$")


def is_letterhead(clause: Clause, doc: Document, vocabulary: Vocabulary) -> bool:
    """Lines of a notice's letterhead and cover: the addressees (`各村（居）委会，镇直各单位：`), the issuers'
    names, the document number."""
    text = clause.text
    if clause.parent or clause.level:
        return False
    if text.endswith(("：", ":")) and len(text) <= 80 and "各" in text:
        return True
    if DOC_NUMBER.search(text):
        return True
    names = [p for p in re.split(r"[、，,\s]+", text) if p]
    return bool(names) and all(vocabulary.looks_like_organisation(n) for n in names)


def cover_letter(doc: Document) -> set[str]:
    """The clauses before the plan's own title when a notice prints it again above the plan."""
    ids = list(doc.clauses)
    titles = [i for i, c in enumerate(doc.clauses.values()) if c.text == doc.meta.title and not c.parent]
    return set(ids[: titles[-1]]) if len(titles) > 1 or (titles and titles[-1] > 0) else set()


def seen_in(
    clause: Clause, resolver: UnitResolver, groups: GroupMatcher, vocabulary: Vocabulary
) -> tuple[str, ...]:
    text = QUOTED_TITLE.sub("", clause.text)
    seen = [f"群体：{w}" for _, w, _ in groups.find(text)]
    seen += [f"单位：{w}" for _, w, _ in resolver.scan(text)]
    seen += [f"机构：{w}" for w in resolver.organisations(text)]
    words = [m.group(0) for m in vocabulary.cadence_any.finditer(text)]
    seen += [f"频次：{w}" for w in words]
    seen += [f"时间：{p}" for p in time_phrases(text, vocabulary) if p not in words]
    return tuple(dict.fromkeys(seen))


def unread_in_read_clause(
    model: PolicyModel, clause: Clause, ref: ClauseRef, resolver: UnitResolver, vocabulary: Vocabulary
) -> tuple[str, ...]:
    """What a clause that gave facts still holds unread: time phrases no cadence or deadline covers, an age
    in a definition that gave no bound, units in its closing bracket that no role came from."""
    read = [c.phrase for c in model.cadences if c.source == ref]
    read += [d.phrase for d in model.deadlines if d.source == ref]
    kinds = {c.kind for c in model.cadences if c.source == ref}
    seen = [s for s in unread_time(clause, read, vocabulary) if not said_again(s[3:], kinds, vocabulary)]
    for d in model.definitions:
        if d.source == ref and d.definition and not d.age:
            seen += [f"年龄：{m.group(0)}" for m in AGE_PHRASE.finditer(d.definition)]
    bracket = trailing_bracket(clause.text)
    if bracket:
        placed = {a.unit for a in model.assignments if a.source == ref}
        seen += [f"单位：{w}（括号中）" for _, w, unit in resolver.scan(bracket[1]) if unit not in placed]
    return tuple(dict.fromkeys(seen))


def said_again(phrase: str, kinds: set[str], vocabulary: Vocabulary) -> bool:
    """A cadence word of a kind the clause's cadences already have (按月报送。各村每月报送……)."""
    return any(w.kind in kinds and w.pattern.fullmatch(phrase) for w in vocabulary.cadences)


def time_phrases(text: str, vocabulary: Vocabulary) -> list[str]:
    """What looks like a cadence or a time limit in a text (vocabulary `time_phrases`)."""
    found = [m.group(0) for p in vocabulary.time_phrases for m in p.finditer(text)]
    return list(dict.fromkeys(found))


def unread_time(clause: Clause, read: list[str], vocabulary: Vocabulary) -> tuple[str, ...]:
    """Time phrases of a clause that none of the cadences or deadlines read from it covers."""
    return tuple(
        f"时间：{p}"
        for p in time_phrases(QUOTED_TITLE.sub("", clause.text), vocabulary)
        if not any(p in phrase or phrase in p for phrase in read)
    )


@dataclass(frozen=True)
class ClauseExplanations:
    """data/coverage.yaml: `doc#clause` → why; an entry for a heading covers the clauses below it."""

    entries: dict[str, str]

    def why(self, doc: str, clause: str) -> str | None:
        for key, why in self.entries.items():
            d, _, c = key.partition("#")
            if d == doc and (clause == c or clause.startswith(c + "-")):
                return why
        return None


def unread_clauses(
    model: PolicyModel,
    doc: Document,
    resolver: UnitResolver,
    groups: GroupMatcher,
    vocabulary: Vocabulary,
    explanations: ClauseExplanations,
) -> list[UnreadClause]:
    facts = fact_clauses(model, doc.id)
    letter = cover_letter(doc)
    out = []
    for clause in doc.clauses.values():
        if clause.id in letter or clause.synthetic:
            continue
        if clause.id in facts:
            ref = ClauseRef(doc.id, clause.id)
            missed = unread_in_read_clause(model, clause, ref, resolver, vocabulary)
            if missed:
                out.append(UnreadClause(ref, missed, explanations.why(doc.id, clause.id), partial=True))
            continue
        if clause.text in (doc.meta.title, doc.meta.issuer) or is_letterhead(clause, doc, vocabulary):
            continue
        seen = seen_in(clause, resolver, groups, vocabulary)
        if seen:
            out.append(UnreadClause(ClauseRef(doc.id, clause.id), seen, explanations.why(doc.id, clause.id)))
    return out


def stale_explanations(model: PolicyModel, explanations: ClauseExplanations, path: str) -> list[str]:
    """Warnings for entries whose document or clause no longer exists."""
    out = []
    for key, why in explanations.entries.items():
        doc_id, _, clause = key.partition("#")
        try:
            doc = model.document(doc_id)
        except KeyError:
            out.append(f"{path}：说明所依据的文件 “{doc_id}” 不存在，已忽略（{why}）")
            continue
        if clause not in doc.clauses:
            out.append(f"{path}：说明所依据的条款 “{key}” 已不存在，已忽略（{why}）")
    return out
