"""Model: resolve unit strings as written to canonical units (per locality) and the level they name, split
unit lists, and find groups in text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from generators.policy.corpus import UnitCatalogue
from generators.policy.model import DocumentMeta, Group
from generators.policy.vocabulary import Vocabulary

LIST_SEPARATORS = "、，,；;"
CONJUNCTIONS = "和及与"
SPACES = " \u3000\t"
# Words after the last unit of a list that are not part of its name (…、区民政局等成员单位).
TRAILING_WORDS = re.compile(
    r"(?:等(?:有关|相关|成员|各)?(?:部门（科室）|部门\(科室\)|部门|单位|科室)?|组织)$"
)
FULL_WIDTH_BRACKETS = str.maketrans("()", "（）")
PARENTHETICAL = re.compile(r"^(?P<core>.+?)[（(][^（）()]*[）)]$")
CJK = "\u4e00-\u9fff"
VILLAGE = "村"  # the level of a village or community (vocabulary place_endings, units.yaml level)


def _split_top(text: str, separators: str) -> list[str]:
    """Split at separators outside parentheses."""
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth = max(0, depth - 1)
        if depth == 0 and ch in separators:
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    return parts


def clean_item(text: str) -> str:
    text = text.strip(SPACES + "。.：:")
    previous = None
    while previous != text:
        previous = text
        text = TRAILING_WORDS.sub("", text).strip(SPACES + "。.")
    return text.removeprefix("由").strip(SPACES)


def split_unit_list(text: str, resolves=None) -> list[str]:
    """`镇司法所、镇派出所和镇团委` → three strings. Separators inside parentheses do not split; spaces
    separate (（青龙中学 镇人社服务站）); 和/及/与 split only where the whole does not name a unit
    (人力资源和社会保障局) — `resolves(text)` says whether a string names one."""
    out = []
    for part in _split_top(text, LIST_SEPARATORS):
        for piece in _split_top(part.strip(SPACES), SPACES):
            piece = clean_item(piece)
            if not piece:
                continue
            if resolves is not None and not resolves(piece):
                pieces = [clean_item(p) for p in _split_top(piece, CONJUNCTIONS)]
                if len(pieces) > 1 and all(pieces) and any(resolves(p) for p in pieces):
                    out.extend(pieces)
                    continue
            elif resolves is None:
                out.extend(p for p in (clean_item(p) for p in _split_top(piece, CONJUNCTIONS)) if p)
                continue
            out.append(piece)
    return out


@dataclass(frozen=True)
class Resolution:
    unit: str | None
    how: str  # locality | alias | prefix | suffix | place | explained | unmatched
    note: str = ""
    level: str | None = None


def find_longest(words: list[tuple[str, str]], text: str) -> list[tuple[int, str, str]]:
    """(position, word, value) for each word found in text; a longer word wins where two overlap."""
    found, taken = [], [False] * len(text)
    for word, value in sorted(words, key=lambda wv: (-len(wv[0]), wv[0])):
        for m in re.finditer(re.escape(word), text):
            if any(taken[m.start() : m.end()]):
                continue
            taken[m.start() : m.end()] = [True] * (m.end() - m.start())
            found.append((m.start(), word, value))
    return sorted(found)


def _place_level(name: str, vocabulary: Vocabulary) -> str | None:
    for ending, level in sorted(vocabulary.place_endings.items(), key=lambda kv: -len(kv[0])):
        if name.endswith(ending):
            return level
    return None


class UnitResolver:
    """Maps a unit string to a canonical unit and the level its wording names, for one document."""

    def __init__(self, catalogue: UnitCatalogue, vocabulary: Vocabulary, meta: DocumentMeta | str):
        if isinstance(meta, str):
            locality, region = meta, None
        else:
            locality, region = meta.locality, meta.region
        self.catalogue = catalogue
        self.vocabulary = vocabulary
        self.locality = locality
        self.local: dict[str, str] = {}
        self.general: dict[str, str] = {}
        self.level_words: dict[str, str] = {}
        for unit in catalogue.units.values():
            for alias in unit.localities.get(locality, ()):
                self.local[alias] = unit.id
            for alias in unit.aliases:
                self.general.setdefault(alias, unit.id)
        self.suffixes = sorted(
            ((s, u.id) for u in catalogue.units.values() for s in u.suffixes), key=lambda su: -len(su[0])
        )
        # Level prefixes: the vocabulary's, then the document's own places with and without their ending.
        prefixes: dict[str, str | None] = dict(vocabulary.level_prefixes)
        for p in vocabulary.not_level:
            prefixes.setdefault(p, None)
        for place in (locality, region or ""):
            for name in re.split(r"[、，,\s]+", place):
                if len(name) < 2:
                    continue
                level = _place_level(name, vocabulary)
                prefixes.setdefault(name, level)
                for ending in sorted(vocabulary.place_endings, key=len, reverse=True):
                    short = name.removesuffix(ending)
                    if short != name and len(short) >= 2:
                        prefixes.setdefault(short, level)
                        break
        self.prefixes = sorted(prefixes.items(), key=lambda kv: (-len(kv[0]), kv[0]))
        endings = "|".join(sorted(vocabulary.place_endings, key=len, reverse=True))
        self.place_name = re.compile(rf"^[{CJK}]{{1,5}}?(?:{endings})") if endings else None
        school = "|".join(re.escape(e) for e in vocabulary.school_endings)
        self.school = re.compile(rf"(?:{school})$") if school else None

    # --- resolution ---------------------------------------------------------------------------------
    def _known(self, text: str) -> tuple[str, str] | None:
        if text in self.local:
            return self.local[text], "locality"
        if text in self.general:
            return self.general[text], "alias"
        return None

    def _by_suffix(self, text: str) -> str | None:
        for suffix, unit in self.suffixes:
            if text.endswith(suffix):
                return unit
        return None

    def _strips(self, text: str) -> list[tuple[str, str, str | None]]:
        """(prefix, rest, level) for every way to take a level prefix or place name off the front."""
        out = []
        for prefix, level in self.prefixes:
            if text.startswith(prefix) and len(text) > len(prefix):
                out.append((prefix, text[len(prefix) :], level))
        if self.place_name:
            m = self.place_name.match(text)
            if m and len(text) > m.end():
                out.append((m.group(0), text[m.end() :], _place_level(m.group(0), self.vocabulary)))
        return out

    def _resolve_core(self, text: str, depth: int = 0) -> tuple[str, str, str | None, str] | None:
        """(unit, how, level from prefixes, what was stripped) for text or text less its prefixes."""
        known = self._known(text)
        if known:
            return known[0], known[1], None, ""
        for prefix, rest, level in self._strips(text):
            known = self._known(rest)
            if known:
                return known[0], "prefix", level, prefix
        unit = self._by_suffix(text)
        if unit and len(text) > 1:
            return unit, "suffix", None, ""
        if depth < 2:
            for prefix, rest, level in self._strips(text):
                inner = self._resolve_core(rest, depth + 1)
                if inner:
                    how = "prefix" if inner[1] != "suffix" else "suffix"
                    return inner[0], how, level or inner[2], prefix + inner[3]
        village = self._village(text)
        return (village, "place", None, "") if village else None

    def _village(self, text: str) -> str | None:
        """A village or community named by itself (石门村, 红岩社区) is the unit of its level (村（社区）)."""
        m = self.place_name.match(text) if self.place_name else None
        if not m or m.end() != len(text) or _place_level(text, self.vocabulary) != VILLAGE:
            return None
        return next((u.id for u in self.catalogue.units.values() if u.level == VILLAGE), None)

    def level_of(self, text: str, unit: str | None) -> str | None:
        """The level the wording names: a school; the unit's only level; the level of its prefix."""
        core = PARENTHETICAL.sub(r"\g<core>", text)
        if self.school and self.school.search(core) and unit == self._by_suffix(core):
            return "学校"
        if unit and self.catalogue.units[unit].level:
            return self.catalogue.units[unit].level
        if unit and core in self.catalogue.units[unit].levels:
            return self.catalogue.units[unit].levels[core]
        rest, seen = core, 0
        while seen < 3:
            strips = self._strips(rest)
            if not strips:
                return None
            prefix, rest, level = strips[0]
            if unit and rest in self.catalogue.units[unit].levels and level is None:
                return self.catalogue.units[unit].levels[rest]
            if level:
                return level
            seen += 1
        return None

    def resolve(self, text: str) -> Resolution:
        text = text.strip()
        if text in self.catalogue.explained:
            unit, why = self.catalogue.explained[text]
            return Resolution(unit, "explained", why, self.level_of(text, unit) if unit else None)
        text = text.translate(FULL_WIDTH_BRACKETS)  # 村(居)委会 as 村（居）委会
        core = self._resolve_core(text)
        if core is None:
            m = PARENTHETICAL.match(text)
            inner = self._resolve_core(m.group("core")) if m else None
            if inner is None:
                return Resolution(None, "unmatched")
            core = inner
        unit, how, _, stripped = core
        note = f"去前缀“{stripped}”" if stripped else ""
        return Resolution(unit, how, note, self.level_of(text, unit))

    def names_unit(self, text: str) -> bool:
        return self.resolve(text).unit is not None

    def split(self, text: str) -> list[str]:
        return split_unit_list(text, self.names_unit)

    # --- running text -------------------------------------------------------------------------------
    def scan(self, text: str) -> list[tuple[int, str, str]]:
        """Units named in running text: (position, wording as written, unit id), longest first.

        A wording of three characters or more counts, or of two ending in 委/联/会/协; a shorter one only
        with a level prefix before it or in it (各学校, 镇团委, 各村), so that 司法保护, 社区周边 or 在学校 are
        not units.
        """
        vocab = {**self.general, **self.local}
        found = []
        for pos, word, unit in find_longest(list(vocab.items()), text):
            start = pos
            for prefix, _level in self.prefixes:
                if prefix and text[max(0, start - len(prefix)) : start] == prefix:
                    start -= len(prefix)
                    break
            if text.startswith(self.vocabulary.person_words, pos + len(word)):
                continue  # 村（社区）儿童主任: a person, not the unit
            prefixed = any(word.startswith(p) and len(word) > len(p) for p, _ in self.prefixes if p)
            if len(word) >= 3 or (len(word) == 2 and word[-1] in "委联会协") or start < pos or prefixed:
                found.append((start, text[start : pos + len(word)], unit))
        if self.suffixes:  # named institutions with a place before them: 青龙中学, 东陵区实验中学
            ends = "|".join(re.escape(s) for s, _ in self.suffixes)
            heads = "|".join(re.escape(p) for p, _ in self.prefixes if p)
            # the name may go on into the sentence (镇中心学校要建立…), not into a word (中学生, 学校周边)
            bounded = rf"(?:{heads})[{CJK}]{{0,6}}?(?:{ends})(?![生校内外周])"
            for m in re.finditer(bounded, text):
                if any(p <= m.start() < p + len(w) for p, w, _ in found):
                    continue
                if text.startswith(self.vocabulary.person_words, m.end()):
                    continue  # 镇中心学校教师: a person
                named = self.resolve(m.group(0)).unit
                if named and len(m.group(0)) >= 3:
                    found.append((m.start(), m.group(0), named))
        return sorted(found)

    def organisations(self, text: str) -> list[str]:
        """Organisation names in running text that are not known units (护送至县救助管理站): a name that
        starts with a level prefix or the document's place, after a boundary or a word such as 向/报/至."""
        ends = "|".join(
            re.escape(e) for e in sorted(self.vocabulary.organisation_endings, key=len, reverse=True)
        )
        heads = "|".join(re.escape(p) for p, _ in self.prefixes)
        pattern = re.compile(
            rf"(?:^|(?<=[^{CJK}])|(?<=[向报至由和与及经将对请]))(?:{heads})[{CJK}（）()]{{0,14}}?(?:{ends})(?![{CJK}])"
        )
        out = []
        for m in pattern.finditer(text):
            name = m.group(0)
            if not self.names_unit(name) and not self.vocabulary.is_generic(name) and name not in out:
                out.append(name)
        return out


class GroupMatcher:
    """Finds group wordings in text; the longest wording wins where they overlap. Where no wording is used,
    a group's cues (groups.yaml) recognise a heading or a term that paraphrases it."""

    def __init__(self, groups: dict[str, Group]):
        self.words = [(a, g.id) for g in groups.values() for a in (g.name, *g.aliases)]
        self.cues = [(cue, g.id) for g in groups.values() for cue in g.cues]

    def find(self, text: str) -> list[tuple[int, str, str]]:
        return find_longest(self.words, text)

    def groups_in(self, text: str) -> list[str]:
        """Distinct group ids in order of first appearance."""
        seen: list[str] = []
        for _, _, gid in self.find(text):
            if gid not in seen:
                seen.append(gid)
        return seen

    def cued(self, text: str) -> list[str]:
        """Distinct groups whose cues occur in the text, in order of first appearance."""
        found: dict[str, int] = {}
        for cue, gid in self.cues:
            if all(w in text for w in cue):
                at = min(text.index(w) for w in cue)
                found[gid] = min(at, found.get(gid, at))
        return sorted(found, key=lambda g: found[g])

    def named(self, text: str) -> list[str]:
        """The groups a heading or a term names: by wording, else by cues."""
        return self.groups_in(text) or self.cued(text)

    def starts_with(self, text: str) -> tuple[str, str] | None:
        """(wording, group id) when the text opens with a group's wording."""
        best = None
        for word, gid in self.words:
            if text.startswith(word) and (best is None or len(word) > len(best[0])):
                best = (word, gid)
        return best
