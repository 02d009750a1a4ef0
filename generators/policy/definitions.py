"""Model: read what a text says a group is, and the age bounds it states for a group or for the whole text.

A definition names its group by a term, before or after the description: `困境儿童：指……`, `（三）留守儿童——
父母……`, `所称服刑人员未成年子女，指……`, `农村留守儿童一般指……`, `……的青少年（以下简称闲散青少年）`,
`……的子女，统称服刑在押人员未成年子女`, `闲散青少年（指6至25周岁……）`. The term is a group's wording or a
paraphrase its cues recognise (groups.yaml). Openers, document references and term markers come from
data/vocabulary.yaml.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from generators.policy.model import AgeBound, Clause, Document
from generators.policy.phrases import age_bound, sentences
from generators.policy.units import GroupMatcher
from generators.policy.vocabulary import Vocabulary, alternation

SEPARATORS = ("——", "—", "：", ":", "。", "，", ",")
MAX_TERM = 32
# The words that name a term after its description: （以下简称闲散青少年）, 统称服刑在押人员未成年子女.
NAMING = re.compile(
    r"(?:以下简称|以下统称|以下称为|以下称|下称|简称|统称为|统称)[“\"「]?(?P<term>[^”\"」）)，,。；;、]{2,24})"
)
YOUTH_SCOPE = re.compile(r"“?青少年”?年龄界定为")
# A few words before a defined term that only introduce it: 会议认为，/ 其中，/ 需要说明的是：
LEAD_IN = re.compile(r"^[^，,：:。；;（(“]{2,8}[，,：:]")


@dataclass(frozen=True)
class Definition:
    group: str
    term: str  # the group's term as the definition words it
    text: str  # the definition as the text words it
    age: AgeBound | None


class DefinitionReader:
    def __init__(self, groups: GroupMatcher, vocabulary: Vocabulary):
        self.groups, self.vocabulary = groups, vocabulary
        refs = alternation(vocabulary.document_refs)
        markers = alternation(vocabulary.term_markers)
        # Without a document reference before it only a marker with 所 counts (所称…, 所谓…), not 中.
        bare = alternation(m for m in vocabulary.term_markers if m.startswith("所"))
        self.prefix = re.compile(rf"^(?:(?P<ref>{refs})(?P<marker>{markers})?|(?P<bare>{bare})(?!$))")
        self.openers = tuple(sorted(vocabulary.definition_openers, key=len, reverse=True))
        self.refs = re.compile(rf"^(?:{refs})(?:{markers})?")
        # A description of people: its first sentence ends in …的(农村户籍)未成年人 / 儿童 / 青少年.
        nouns = alternation(vocabulary.group_nouns)
        self.people = re.compile(rf"的[^，,。；;的]{{0,8}}(?:{nouns})$") if nouns else re.compile("(?!)")

    def term_group(self, term: str) -> str | None:
        """The one group a term names (a wording, or a paraphrase by cues ending in a word for people)."""
        term = term.strip(' “”"「」')
        if not 2 <= len(term) <= MAX_TERM or re.search(r"[，,。；;：:]", term):
            return None
        named = self.groups.groups_in(term)
        if len(named) == 1:
            return named[0]
        if not named and len(term) <= 20 and term.endswith(tuple(self.vocabulary.group_nouns)):
            cued = self.groups.cued(term)
            return cued[0] if len(cued) == 1 else None
        return None

    def opens(self, body: str) -> bool:
        """Whether the words after a term say who they are (是指, 一般指, 即, 本方案中特指 …)."""
        body = self.refs.sub("", body.lstrip(' “”"'))
        return body.startswith(self.openers)

    def _term_first(self, text: str) -> tuple[str, str, str, bool] | None:
        """(term, separator, body, marked) for a text that opens with a term: `X：…`, `X——…`, `X一般指…`,
        `所称X，指…` (marked)."""
        m = self.prefix.match(text)
        marked = bool(m and (m.group("marker") or m.group("bare")))
        rest = text[m.end() :] if m else text
        for p in range(2, min(len(rest), MAX_TERM + 1)):
            sep = next((s for s in SEPARATORS if rest.startswith(s, p)), None)
            if sep:
                return rest[:p], sep, rest[p + len(sep) :], marked
            if rest.startswith(tuple(o for o in self.openers if len(o) >= 2), p):
                return rest[:p], "", rest[p:], marked
            if rest[p] in "（(":
                return None
        return None

    def _opening(self, text: str, under_heading: bool) -> tuple[str, str, str] | None:
        """(group, term, separator) when a text opens with a group's term and says who they are."""
        found = self._term_first(text)
        if not found:
            return None
        term, sep, body, marked = found
        gid = self.term_group(term)
        if gid is None or len(body.strip()) < 6:
            return None
        if (
            self.opens(body)
            or sep.startswith("—")
            or (marked and sep in "，,：:")
            or (under_heading and sep in "：:。，,")
            or (sep in "：:" and self.describes_people(body))
        ):
            return gid, term, sep
        return None

    def describes_people(self, body: str) -> bool:
        """`农村留守儿童：父母双方外出务工……、不满十六周岁的未成年人。` says who without an opener."""
        first = re.split(r"[。；;]", body, maxsplit=1)[0].strip()
        return bool(self.people.search(first))

    def of_item(self, text: str, under_heading: bool) -> Definition | None:
        """A numbered item or paragraph that opens with a group's term and says who they are (`困境儿童：
        指……`, `留守儿童——……`); `X是指……` without a separator is read sentence by sentence instead."""
        found = self._opening(text, under_heading)
        if found is None or not found[2]:
            return None
        return Definition(found[0], found[1], text, age_bound(text))

    def below_term(self, doc: Document, clause: Clause) -> Definition | None:
        """A paragraph that opens with 指/是指… right below a heading that is a group's term (（一）闲散青少年 /
        指年满十六周岁……)."""
        parent = doc.clauses[clause.parent] if clause.parent else None
        if parent is None or not parent.is_heading or not self.opens(clause.text):
            return None
        term = parent.text.split("。")[0].strip("：: ")
        gid = self.term_group(term)
        return Definition(gid, term, clause.text, age_bound(clause.text)) if gid else None

    def item_group(self, text: str) -> str | None:
        """The group a numbered item is about when it opens by defining it (1.闲散青少年。指……)."""
        found = self._opening(text, under_heading=False)
        return found[0] if found else None

    def in_sentence(self, sentence: str) -> list[Definition]:
        """Definitions one sentence gives: a term with an opener or marker (after a short lead-in such as
        会议认为， or 其中，), a term named after the description, a term with its definition in parentheses."""
        out = []
        lead = LEAD_IN.match(sentence)
        for text in (sentence, sentence[lead.end() :] if lead else ""):
            found = self._term_first(text) if text else None
            if not found:
                continue
            term, sep, body, marked = found
            gid = self.term_group(term)
            if gid and len(body) >= 6 and (self.opens(body) or (marked and sep in "，,：:") or sep == "——"):
                out.append(Definition(gid, term, text, age_bound(text)))
                break
        for m in NAMING.finditer(sentence):
            gid = self.term_group(m.group("term"))
            if gid and m.start() >= 8:  # the age before the naming, else after it (X（以下简称Y）是指……)
                age = age_bound(sentence[: m.start()]) or age_bound(sentence[m.end() :])
                out.append(Definition(gid, m.group("term"), sentence, age))
        for pos, word, gid in self.groups.find(sentence):
            after = sentence[pos + len(word) :]
            if after[:1] in ("（", "(") and self.opens(after[1:]):
                content = _bracket(after)
                if content:
                    out.append(Definition(gid, word, f"{word}（{content}）", age_bound(content)))
        return out

    def states_document_age(self, sentence: str) -> bool:
        """A sentence about the whole text's people (本方案所称儿童，是指不满十八周岁的未成年人; 本方案保护对象
        为……): it refers to the text itself and names no group."""
        if YOUTH_SCOPE.search(sentence):
            return True
        if not any(ref in sentence for ref in self.vocabulary.document_refs):
            return False
        return not self.groups.groups_in(sentence) and not self.in_sentence(sentence)


@dataclass
class DocumentDefinitions:
    """What one document says its groups are: per group the first wording and where, its definition and
    where, its own age bound and where; and an age the document states for all its groups (or for the
    groups a sentence lists)."""

    terms: dict[str, tuple[str, Clause]] = field(default_factory=dict)
    definitions: dict[str, tuple[str, Clause]] = field(default_factory=dict)
    ages: dict[str, tuple[AgeBound, Clause]] = field(default_factory=dict)
    document_age: tuple[AgeBound, Clause, list[str] | None] | None = None

    def record(self, found: Definition, clause: Clause) -> None:
        self.terms.setdefault(found.group, (found.term, clause))  # a paraphrase that no wording matches
        self.definitions.setdefault(found.group, (found.text, clause))
        if found.age:
            self.ages.setdefault(found.group, (found.age, clause))


def read_definitions(
    reader: DefinitionReader, doc: Document, skipped: set[str], under_heading: Callable[[Clause], bool]
) -> DocumentDefinitions:
    """Every definition and age bound of a document, outside the clauses in `skipped` (tasks, role lines,
    duties, table rows); `under_heading(clause)` says whether a definitions heading is above it."""
    out = DocumentDefinitions()
    groups = reader.groups
    for clause in doc.clauses.values():
        for _, wording, gid in groups.find(clause.text):
            out.terms.setdefault(gid, (wording, clause))
        if clause.id in skipped:
            continue
        item = reader.of_item(clause.text, under_heading(clause)) or reader.below_term(doc, clause)
        if item:
            out.record(item, clause)
        for sentence in sentences(clause.text):
            found = reader.in_sentence(sentence)
            for d in found:
                out.record(d, clause)
            bound = age_bound(sentence)
            if not bound or found:
                continue
            if reader.states_document_age(sentence):
                out.document_age = (bound, clause, None)
            elif len(groups.groups_in(sentence)) >= 2 and not item:
                out.document_age = (bound, clause, groups.groups_in(sentence))
        # A list of target groups (“包括…；…；…”) under a heading about 对象: each part that names one group.
        parent = doc.clauses[clause.parent] if clause.parent else None
        if parent and "对象" in parent.text and "包括" in clause.text:
            for part in re.split(r"[；;]", clause.text.split("包括", 1)[1]):
                part = part.strip("。：: ")
                named = groups.find(part)
                if len({g for _, _, g in named}) == 1:
                    out.definitions.setdefault(named[0][2], (part, clause))
    return out


def _bracket(text: str) -> str | None:
    depth = 0
    for i, ch in enumerate(text):
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth -= 1
            if depth == 0:
                return text[1:i]
    return None
