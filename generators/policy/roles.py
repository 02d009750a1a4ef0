"""Model: read who does what where a text names units with a role — a role line or label
(`牵头单位：X；协办单位：Y、Z`, `主办：X　承办：Y`), a task's parentheses, a role sentence (`由X牵头，Y配合`,
`在X统筹下`, `X负责总体协调，Y负责组织实施`), a table cell, a unit list with its lead marked (`X（牵头）、Y`).

Every word comes from data/vocabulary.yaml: role words and label tails, role verbs, fillers, collective
words, organisation endings. Nothing here records facts; the extractor does, with the clause.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generators.policy.model import Role
from generators.policy.phrases import deadlines_in
from generators.policy.units import PARENTHETICAL, SPACES, GroupMatcher, UnitResolver, clean_item
from generators.policy.vocabulary import Vocabulary, alternation

# Where a role phrase may start or end in a sentence.
PHRASE_BOUNDARY = "，,、。；;：:"
CLAUSE_BOUNDARY = "，,；;：:。"
# How a duty paragraph may set its unit apart: 【X】…, X：…, X——…, X。负责…, X 负责…, X负责….
DUTY_BRACKET = re.compile(r"^【(?P<label>[^】]{2,40})】\s*(?P<rest>.*)$", re.S)
DUTY_SEPARATORS = ("：", ":", "——", "—", "。")
MAX_LABEL = 40
# Labels before a line's role labels that name no unit (责任领导：分管副乡长, 联系人：张某): short label, short value.
OTHER_LABELS = re.compile(r"^(?:[\u4e00-\u9fff]{2,6}[：:][^：:。，,；;]{1,20}?(?:[ \u3000\t]+|[；;]\s*))+$")


@dataclass(frozen=True)
class RoleItem:
    """One unit string in a unit position, with the role it is given there and the document's own word."""

    text: str
    role: Role
    word: str | None


@dataclass(frozen=True)
class RoleChain:
    """The phrases of one role sentence (`由X牵头，Y、Z配合`) and the words before them (its topic: 闲散青少年
    服务管理由…), which may name the groups the roles are for."""

    topic: str
    items: tuple[RoleItem, ...]


def trailing_bracket(text: str) -> tuple[int, str] | None:
    """(start, content) of the parenthesis that ends the text (a full stop may follow); nested brackets
    such as 各村（居）委会 stay inside."""
    body = text.rstrip(" 。.；;，,\u3000")
    if body.endswith(("】", "]")):  # 【牵头单位：X】 / [责任单位：X] hold no nested brackets of their kind
        opening = body.rfind("【" if body.endswith("】") else "[")
        return (opening, body[opening + 1 : -1]) if opening >= 0 else None
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


class RoleReader:
    """Reads role labels, role sentences and unit lists of one document (its resolver knows its places)."""

    def __init__(self, resolver: UnitResolver, vocabulary: Vocabulary, groups: GroupMatcher):
        self.resolver, self.vocabulary, self.groups = resolver, vocabulary, groups
        words = alternation(vocabulary.role_words)
        tails = alternation(vocabulary.label_tails)
        heads = alternation(vocabulary.label_heads) if vocabulary.label_heads else "(?!)"
        # A label anywhere in a text: 牵头单位： / 协办单位 : / 责任单位（配合单位）： / 承办： / 主要责任单位：, or
        # in brackets (【牵头单位】X), or a label with its tail before 为 (牵头单位为X，配合单位为Y).
        core = rf"(?:{heads})?(?:{words})(?:{tails})?(?:[（(][^（）()]*[）)])?"
        with_tail = rf"(?:{heads})?(?:{words})(?:{tails})(?:[（(][^（）()]*[）)])?"
        self.label = re.compile(
            rf"【(?P<bracketed>{core})】[{SPACES}]*[：:]?"
            rf"|(?P<colon>{core})[{SPACES}]*[：:]"
            rf"|(?P<copula>{with_tail})为(?=[^，,。；;\s])"
        )
        self.object_verbs = tuple(vocabulary.object_verbs)
        # A time label after the units of a role label (牵头单位：X；完成时限：2025年6月底前): not a unit.
        times = alternation(vocabulary.table_columns.get("deadline", ()))
        self.time_label = (
            re.compile(rf"[；;，,{SPACES}]*(?:完成)?(?:{times})[{SPACES}]*[：:]") if times else None
        )

    # --- unit lists --------------------------------------------------------------------------------
    def classify(self, text: str) -> str:
        """unit | generic | organisation | other — what a list item is."""
        if self.resolver.names_unit(text):
            return "unit"
        if self.vocabulary.is_generic(text):
            return "generic"
        core = PARENTHETICAL.sub(r"\g<core>", text)
        if self.vocabulary.looks_like_organisation(core) or text in self.resolver.catalogue.explained:
            return "organisation"
        return "other"

    def unit_list(self, text: str) -> list[str] | None:
        """The items of a unit list, or None when the text is not one (（含）, （2025年4月—5月）)."""
        items = self.resolver.split(text)
        kinds = [self.classify(i) for i in items]
        if not items or "other" in kinds or not {"unit", "organisation"} & set(kinds):
            return None
        return items

    def items(self, text: str, role: Role, word: str | None) -> list[RoleItem]:
        """The units of a list in a position with a role; an item marked `（牵头）` takes that role and word."""
        out = []
        for item in self.resolver.split(text):
            m = PARENTHETICAL.match(item)
            note = m.group(0)[len(m.group("core")) + 1 : -1].strip() if m else ""
            marked = self.vocabulary.label_role(note) if note else None
            if m and marked is not None:
                out.append(RoleItem(m.group("core").strip(), marked, note))
            else:
                out.append(RoleItem(item, role, word))
        return out

    # --- labels --------------------------------------------------------------------------------------
    def labelled(self, text: str) -> list[RoleItem] | None:
        """`牵头单位：X；协办单位：Y、Z` (any role word of the vocabulary, with or without a tail, spaces or
        half-width colons, labels separated by ；, a comma or only a space) → items; None unless the text
        starts with a label and is labels and unit lists only."""
        body = text.strip(SPACES + "。.；;，,")
        whole = trailing_bracket(body) if body[:1] in "（(【[" else None
        if whole and whole[0] == 0:  # a role line in brackets of its own: （主办：X；承办：Y、Z）
            return self.labelled(whole[1])
        labels = list(self.label.finditer(body))
        if not labels:
            return None
        lead = body[: labels[0].start()]
        if lead.strip(SPACES) and not OTHER_LABELS.match(lead):  # 责任领导：分管副乡长　　责任单位：X
            return None
        items: list[RoleItem] = []
        for i, m in enumerate(labels):
            end = labels[i + 1].start() if i + 1 < len(labels) else len(body)
            label = _label(m)
            role = self.vocabulary.label_role(label)
            if role is None:
                return None
            units = body[m.end() : end]
            cut = self.time_label.search(units) if self.time_label else None
            units = (units[: cut.start()] if cut else units).strip(SPACES + "；;，,。.")
            items += self.items(units, role, label.strip())
        return items or None

    # --- role sentences ------------------------------------------------------------------------------
    def chains(self, sentence: str) -> list[RoleChain]:
        """The role sentences in a sentence: `由X牵头，Y配合`, `X统筹、Y具体负责`, `在X统筹下，由Y牵头`,
        `X负责总体协调，Y负责组织实施`. A chain starts at a phrase boundary (or after 由/在) and goes on while
        its phrases are joined by ，or 、. A verb counts only where it ends its phrase, except verbs that
        take an object (具体负责属地落实); 在X统筹下 counts with 在 before the units."""
        out: list[RoleChain] = []
        items: list[RoleItem] = []
        topic = ""
        pos = 0  # where the next phrase of the current chain starts
        last_end = 0  # where the text after the last chain starts

        def flush() -> None:
            nonlocal items, topic
            if items:
                out.append(RoleChain(topic, tuple(items)))
            items, topic = [], ""

        for m in self.vocabulary.role_verb.finditer(sentence):
            if m.start() < pos:
                continue
            verb = m.group(0)
            continuing = bool(items)
            start = pos if continuing else max(pos, _last_boundary(sentence, m.start()))
            span = sentence[start : m.start()]
            head = ""
            if not continuing and "由" in span:
                head, span = span[: span.rindex("由") + 1], span[span.rindex("由") + 1 :]
            span = span.removeprefix("由")
            after = sentence[m.end() : m.end() + 1]
            end = m.end()
            if after == "下" and "在" in span:  # 在X统筹下
                head, span = head + span[: span.rindex("在") + 1], span[span.rindex("在") + 1 :]
                end, after = end + 1, sentence[end + 1 : end + 2]
            elif after and after not in PHRASE_BOUNDARY:
                if not verb.endswith(self.object_verbs):
                    if continuing:
                        flush()
                    continue
                end = _next_boundary(sentence, end)  # the verb's object runs to the next boundary
                after = sentence[end : end + 1]
            for filler in self.vocabulary.role_fillers:
                span = span.replace(filler, "")
            units = self.unit_list(span) if span.strip() else None
            if units is None and not (span.strip() and self.vocabulary.is_generic(clean_item(span))):
                if continuing:
                    flush()
                continue
            if not continuing:
                # its topic: the words of its own phrase (and of the one before a colon, or of a phrase
                # naming whom it is for: 对辖区有不良行为的未成年人，由…), not a purpose clause earlier in the
                # sentence (为做好留守儿童关爱工作，由…)
                topic_start = max(last_end, _last_boundary(sentence, start, "，,；;。"))
                before = max(last_end, _last_boundary(sentence, max(topic_start - 1, 0), "，,；;。"))
                if topic_start > before and sentence[before:topic_start].startswith(("对", "针对", "关于")):
                    topic_start = before
                topic = sentence[topic_start:start] + head
            role = self.vocabulary.verb_role(verb)
            # X为牵头单位 keeps the document's label as its word; a verb (牵头, 配合) is no label
            word = (
                verb.removeprefix("作为").removeprefix("为") if verb in self.vocabulary.label_verbs else None
            )
            items += [RoleItem(u, role, word) for u in units or []]
            pos = end + 1
            if after not in "，,、":
                flush()
                last_end = pos
        flush()
        return out

    def verb_items(self, text: str) -> list[RoleItem]:
        return [i for chain in self.chains(text) for i in chain.items]

    # --- brackets, trailing labels, cells --------------------------------------------------------------
    def bracket_items(self, content: str) -> list[RoleItem] | None:
        """What a task's parentheses hold: labels, role sentences, or a plain unit list (role task)."""
        labelled = self.labelled(content)
        if labelled:
            return labelled
        verbs = self.verb_items(content)
        if verbs:
            return verbs
        # （镇民政办，2025年6月底前）: a time beside the units is read as the task's deadline, not a unit
        parts = [p for p in self.resolver.split(content) if not deadlines_in(p, self.vocabulary, column=True)]
        units = "、".join(parts)
        if not parts or self.unit_list(units) is None:
            return None
        return self.items(units, Role.TASK, None)

    def trailing_roles(self, text: str) -> tuple[int, list[RoleItem]] | None:
        """(start, items) of the roles that end a task: its parentheses, or labels after its last sentence
        or clause (`……，每季度更新一次。责任单位：乡民政所、各村。`)."""
        found = trailing_bracket(text)
        if found:
            items = self.bracket_items(found[1])
            if items:
                return found[0], items
        for m in self.label.finditer(text):
            if m.start() == 0 or text[m.start() - 1] not in CLAUSE_BOUNDARY + SPACES:
                continue
            items = self.labelled(text[m.start() :])
            if items:
                return m.start(), items
        return None

    # --- duty paragraphs -------------------------------------------------------------------------------
    def duty_label(self, text: str, in_section: bool) -> tuple[list[str], str] | None:
        """(unit strings, duty text) when a paragraph is a unit's duties: in a duty section any of 【X】…,
        X：…, X——…, X。…, X 负责…, X负责…, X职责：…; elsewhere X：负责… or X。负责… naming a known unit.
        A paragraph that opens with a division of work (镇妇联负责牵头，镇民政办、各村参与: a lead and the units that
        support it) gives roles, no duty; one unit's 县民政局牵头负责全县…… stays its duty."""
        first = re.split(r"[。；;]", text, maxsplit=1)[0]
        for chain in self.chains(first):
            if not chain.topic.strip(SPACES) and len({i.role for i in chain.items}) > 1:
                return None
        for label, sep, rest in _label_candidates(text):
            label, rest = label.strip(), rest.strip()
            if not rest or len(label) > MAX_LABEL or re.search(r"[，。；;,]", label):
                continue
            if self.groups.named(label):  # 闲散青少年：由镇团委牵头… gives a group its roles
                return None
            if "（" in label and "）" not in label:
                continue
            topic = next((t for t in self.vocabulary.topic_labels if label.endswith(t)), None)
            if topic:  # 民政所职责： names its unit before the topic word; 工作要求： names none
                label = re.sub(r"(?:的)?(?:主要)?(?:工作)?$", "", label.removesuffix(topic))
                if not label or self.unit_list(label) is None:
                    return None
            if in_section and sep in "：:":  # in a duty section a label names who: unknown ones are reported
                named = [i for i in self.resolver.split(label) if 2 <= len(i) <= 20]
                if named:
                    return named, rest
                continue
            items = self.unit_list(label)
            if items is None:
                continue
            if in_section:
                return items, rest
            if sep in "：:。" and rest.startswith("负责") and any(self.resolver.names_unit(i) for i in items):
                return items, rest
        return None

    def further_duties(self, rest: str) -> list[tuple[list[str], str]]:
        """In a duty paragraph, the parts after the first that open with other units and 负责 (…，团区委负责
        日常工作，…): (unit strings, duty text) for each."""
        out = []
        for part in re.split(r"[，,；;。]", rest):
            at = part.find("负责")
            units = self.unit_list(part[:at]) if at >= 2 else None
            if units and any(self.resolver.names_unit(u) for u in units):
                out.append((units, part[at:]))
        return out

    def cell_items(self, cell: str, role: Role, word: str) -> list[RoleItem]:
        """A table cell under a role column: role sentences (`X牵头，Y、Z配合`) or a unit list whose lead may
        be marked (`X（牵头）、Y`)."""
        labelled = self.labelled(cell)
        if labelled:
            return labelled
        chains = self.chains(cell)
        if chains:
            return [i for c in chains for i in c.items]
        return self.items(cell, role, word)


def _label(m: re.Match) -> str:
    """The role label a match of RoleReader.label found, whichever way it was written."""
    return m.group("bracketed") or m.group("colon") or m.group("copula")


def _label_candidates(text: str) -> list[tuple[str, str, str]]:
    """(label, separator, rest) for each way a duty paragraph may set its unit apart, nearest first."""
    bracket = DUTY_BRACKET.match(text)
    if bracket:
        return [(bracket.group("label"), "】", bracket.group("rest"))]
    found: dict[int, tuple[str, str, str]] = {}
    for sep in DUTY_SEPARATORS:
        at = text.find(sep)
        if 0 < at <= MAX_LABEL and at not in found:
            found[at] = (text[:at], sep, text[at + len(sep) :])
    space = re.match(r"^(\S{2,40}?)[ \u3000]+(\S.*)$", text, re.S)
    if space:
        found.setdefault(space.end(1), (space.group(1), " ", space.group(2)))
    verb = text.find("负责")
    if 2 <= verb <= MAX_LABEL:
        found.setdefault(verb, (text[:verb], "负责", text[verb:]))
    return [found[at] for at in sorted(found)]


def _last_boundary(text: str, before: int, boundaries: str = CLAUSE_BOUNDARY) -> int:
    """Where the phrase that ends at `before` starts: after the last boundary before it."""
    return max((text.rfind(b, 0, before) for b in boundaries), default=-1) + 1


def _next_boundary(text: str, after: int) -> int:
    found = [i for i in (text.find(b, after) for b in CLAUSE_BOUNDARY) if i >= 0]
    return min(found) if found else len(text)
