"""Model: read the small phrases of a sentence — age bounds, cadences, deadlines — as the vocabulary says.

Age bounds follow 民法典第1259条: 以上/以下 include the number unless the text marks it (不含);
年满/已满 include it; 不满/未满 exclude it; A至B includes both ends.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generators.policy.model import AgeBound
from generators.policy.vocabulary import CN_NUMBER, Vocabulary, number

NUM = rf"({CN_NUMBER})"
SENTENCE = re.compile(r"[^。；;！？]+[。；;！？]?")
AGE = r"\s*周?岁"
# A second date after a dated limit: 每年6月30日前和12月31日前, 2026年6月底前、9月底前.
ALSO_BY = re.compile(rf"\s*[和及与、或]\s*{NUM}月(?:{NUM}日|底|末)?(?:之前|以前|前)")
MARK = r"(?:[（(](不?含)[^）)]{0,4}[）)])?"
# A至B周岁 (both ends included), or A周岁（含）至B周岁（不含） with each end marked.
RANGE = re.compile(
    rf"{NUM}\s*(?:周岁|岁)?{MARK}\s*(?:至|到|—|－|-|~|～)\s*(不满|未满)?\s*{NUM}{AGE}{MARK}(?:之间)?"
)
LOWER = [
    (re.compile(rf"(?<![未不])(?:年满|已满|满)\s*{NUM}{AGE}{MARK}(?:及?以上)?{MARK}"), True),
    (re.compile(rf"{NUM}{AGE}{MARK}及?以上{MARK}"), True),
    (re.compile(rf"(?:超过|大于|高于)\s*{NUM}{AGE}"), False),
]
UPPER = [
    (re.compile(rf"(?:不满|未满|小于|低于|不足)\s*{NUM}{AGE}"), False),
    (re.compile(rf"(?:不超过|不大于|不高于)\s*{NUM}{AGE}"), True),
    (re.compile(rf"{NUM}{AGE}{MARK}及?(?:以下|以内){MARK}"), True),
]


def sentences(text: str) -> list[str]:
    """A clause's sentences, split at 。；！？ (a semicolon ends a sentence of a list)."""
    return [s.strip() for s in SENTENCE.findall(text) if s.strip()]


@dataclass(frozen=True)
class _Atom:
    start: int
    end: int
    age: int
    inclusive: bool
    side: str  # lower | upper


def _atoms(text: str) -> list[_Atom]:
    atoms: list[_Atom] = []
    taken = [False] * len(text)

    def add(m: re.Match, age_group: int, inclusive: bool, side: str) -> None:
        if any(taken[m.start() : m.end()]):
            return
        marks = [g for g in m.groups()[age_group:] if g]
        if marks:
            inclusive = marks[0] == "含"
        taken[m.start() : m.end()] = [True] * (m.end() - m.start())
        atoms.append(_Atom(m.start(), m.end(), number(m.group(age_group)), inclusive, side))

    for pattern, inclusive in LOWER[:1]:
        for m in pattern.finditer(text):
            add(m, 1, inclusive, "lower")
    for pattern, inclusive in UPPER:
        for m in pattern.finditer(text):
            add(m, 1, inclusive, "upper")
    for pattern, inclusive in LOWER[1:]:
        for m in pattern.finditer(text):
            add(m, 1, inclusive, "lower")
    return sorted(atoms, key=lambda a: a.start)


def age_bound(text: str) -> AgeBound | None:
    """The first age range a text states: both bounds of one phrase, or a single bound."""
    m = RANGE.search(text)
    atoms = _atoms(text)
    if m and not any(a.start < m.start() for a in atoms):
        low, low_mark, below, high, high_mark = m.groups()  # below: 6周岁至不满16周岁
        high_inclusive = high_mark == "含" if high_mark else not below
        return AgeBound(number(low), low_mark != "不含", number(high), high_inclusive, m.group(0))
    if not atoms:
        return None
    first = atoms[0]
    if first.side == "lower":
        nxt = next((a for a in atoms[1:] if a.side == "upper"), None)
        if nxt and nxt.start - first.end <= 8 and not re.search(r"[。；;]", text[first.end : nxt.start]):
            return AgeBound(first.age, first.inclusive, nxt.age, nxt.inclusive, text[first.start : nxt.end])
        return AgeBound(first.age, first.inclusive, None, False, text[first.start : first.end])
    return AgeBound(None, False, first.age, first.inclusive, text[first.start : first.end])


@dataclass(frozen=True)
class CadenceMatch:
    kind: str
    phrase: str
    start: int
    times: int | None


def cadences_in(part: str, vocabulary: Vocabulary) -> list[CadenceMatch]:
    """The cadence words of one part of a sentence (between commas), each kind once."""
    out: list[CadenceMatch] = []
    taken = [False] * len(part)
    for word in vocabulary.cadences:
        for m in word.pattern.finditer(part):
            if any(taken[m.start() : m.end()]) or part[m.start() - 1 : m.start()] == "不":
                continue  # 不定期: no cadence
            after = part[m.end() :]
            if re.match(rf"\s*{CN_NUMBER}\s*月", after) or re.match(r"\s*(?:年底|年末)", after):
                continue  # 每年4月底前: a deadline
            if word.kind != "periodic" and any(w in after[:16] for w in vocabulary.statement_words):
                continue  # 每年寒暑假是……易发期: a statement, not a duty
            taken[m.start() : m.end()] = [True] * (m.end() - m.start())
            phrase, times = m.group(0), None
            if (
                word.kind == "yearly"
            ):  # 每年不少于2次; 每年到校开展法治教育不少于4次 (before another cadence word)
                count = vocabulary.yearly_count.search(after)
                if count and not vocabulary.cadence_any.search(after[: count.start()]):
                    if count.start() == 0:
                        phrase += count.group(0)
                    times = number(next(g for g in count.groups() if g))
            if word.kind not in {c.kind for c in out}:
                out.append(CadenceMatch(word.kind, phrase, m.start(), times))
    out.sort(key=lambda c: c.start)
    # The phrase as the text words it: from the cadence word to the next one or the end of the part.
    ends = [c.start for c in out[1:]] + [len(part)]
    return [
        CadenceMatch(c.kind, part[c.start : end].strip("。；;，, ") or c.phrase, c.start, c.times)
        for c, end in zip(out, ends)
    ]


@dataclass(frozen=True)
class DeadlineMatch:
    kind: str
    phrase: str
    start: int
    year: int | None = None
    month: int | None = None
    day: int | None = None
    amount: int | None = None
    unit: str | None = None

    @property
    def key(self) -> tuple:
        """What the limit is, whatever its wording."""
        return (self.kind, self.year, self.month, self.day, self.amount, self.unit)


def deadlines_in(text: str, vocabulary: Vocabulary, column: bool = False) -> list[DeadlineMatch]:
    """Deadlines in a sentence; `column=True` reads a table's deadline cell, where a bare date is one."""
    out: list[DeadlineMatch] = []
    taken = [False] * len(text)
    for p in vocabulary.deadlines:
        for m in p.pattern.finditer(text):
            if any(taken[m.start() : m.end()]):
                continue
            taken[m.start() : m.end()] = [True] * (m.end() - m.start())
            out.append(_deadline(p.kind, p.unit, m))
            more = ALSO_BY.match(text, m.end()) if p.kind != "relative" else None
            if more:  # 每年6月30日前和12月31日前: the second date of the same year, or of every year
                taken[more.start() : more.end()] = [True] * (more.end() - more.start())
                month, day = number(more.group(1)), number(more.group(2)) if more.group(2) else None
                first = out[-1]
                out.append(
                    DeadlineMatch(
                        first.kind, more.group(0).lstrip("和及与、或 "), more.start(), first.year, month, day
                    )
                )
    if column and not out:
        bare = re.search(rf"(每年)?(?:([0-9]{{4}})年)?{NUM}月(?:{NUM}日)?", text)
        if bare and (bare.group(1) or bare.group(2)):
            m = bare
            kind = "dated-yearly" if m.group(1) else "dated"
            out.append(
                DeadlineMatch(
                    kind,
                    m.group(0),
                    m.start(),
                    year=int(m.group(2)) if m.group(2) else None,
                    month=number(m.group(3)),
                    day=number(m.group(4)) if m.group(4) else None,
                )
            )
    return sorted(out, key=lambda d: d.start)


def _deadline(kind: str, unit: str | None, m: re.Match) -> DeadlineMatch:
    groups = [g for g in m.groups()]
    phrase = m.group(0)
    if kind == "relative":
        return DeadlineMatch(kind, phrase, m.start(), amount=number(groups[0]), unit=unit)
    if kind == "dated":
        year = number(groups[0])
        month = number(groups[1]) if len(groups) > 1 and groups[1] else 12
        day = number(groups[2]) if len(groups) > 2 and groups[2] else None
        return DeadlineMatch(kind, phrase, m.start(), year=year, month=month, day=day)
    month = number(groups[0]) if groups and groups[0] else 12
    day = number(groups[1]) if len(groups) > 1 and groups[1] else None
    return DeadlineMatch(kind, phrase, m.start(), month=month, day=day)
