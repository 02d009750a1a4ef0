"""Model: resolve unit strings as written to canonical units, per locality, and find groups in text."""

from __future__ import annotations

import re
from dataclasses import dataclass

from generators.policy.corpus import UnitCatalogue
from generators.policy.model import Group

LIST_SEPARATORS = "、，,；;"
# Words around a unit in a list that are not part of its name.
TRAILING_WORDS = re.compile(r"(等部门（科室）|等部门\(科室\)|等部门|等单位|等|组织)$")


def split_unit_list(text: str) -> list[str]:
    """`镇司法所、镇派出所和镇团委` → three strings; separators inside parentheses do not split."""
    parts, depth, current = [], 0, ""
    for ch in text:
        if ch in "（(":
            depth += 1
        elif ch in "）)":
            depth = max(0, depth - 1)
        if depth == 0 and (ch in LIST_SEPARATORS or ch in "和及与"):
            parts.append(current)
            current = ""
        else:
            current += ch
    parts.append(current)
    cleaned = []
    for p in parts:
        p = TRAILING_WORDS.sub("", p.strip(" 　。.：:"))
        if p:
            cleaned.append(p)
    return cleaned


@dataclass(frozen=True)
class Resolution:
    unit: str | None
    how: str  # locality | alias | prefix | explained | unmatched
    note: str = ""


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


class UnitResolver:
    """Maps a unit string to a canonical unit for one document's locality."""

    def __init__(self, catalogue: UnitCatalogue, locality: str):
        self.catalogue = catalogue
        self.locality = locality
        self.local: dict[str, str] = {}
        self.general: dict[str, str] = {}
        for unit in catalogue.units.values():
            for alias in unit.localities.get(locality, ()):
                self.local[alias] = unit.id
            for alias in unit.aliases:
                self.general.setdefault(alias, unit.id)
        short = locality.removesuffix("镇").removesuffix("街道").removesuffix("乡")
        self.prefixes = tuple(p for p in (locality, short, "镇", "街道", "乡") if p)

    def resolve(self, text: str) -> Resolution:
        text = text.strip()
        if text in self.local:
            return Resolution(self.local[text], "locality")
        if text in self.general:
            return Resolution(self.general[text], "alias")
        for prefix in self.prefixes:
            rest = text.removeprefix(prefix)
            if rest != text and rest in self.general:
                return Resolution(self.general[rest], "prefix", f"去前缀“{prefix}”")
        if text in self.catalogue.explained:
            unit, why = self.catalogue.explained[text]
            return Resolution(unit, "explained", why)
        return Resolution(None, "unmatched")

    def scan(self, text: str) -> list[tuple[int, str, str]]:
        """Units named in running text: (position, wording, unit id), longest wording first.

        Only distinctive wordings count (three characters or more, or two ending in 委/联/会/协), so that
        words such as 司法保护 or 社区周边 are not taken for units.
        """
        vocab = {**self.general, **self.local}
        return find_longest(
            [(w, u) for w, u in vocab.items() if len(w) >= 3 or (len(w) == 2 and w[-1] in "委联会协")], text
        )


class GroupMatcher:
    """Finds group wordings in text; the longest wording wins where they overlap."""

    def __init__(self, groups: dict[str, Group]):
        self.words = [(a, g.id) for g in groups.values() for a in (g.name, *g.aliases)]

    def find(self, text: str) -> list[tuple[int, str, str]]:
        return find_longest(self.words, text)

    def groups_in(self, text: str) -> list[str]:
        """Distinct group ids in order of first appearance."""
        seen: list[str] = []
        for _, _, gid in self.find(text):
            if gid not in seen:
                seen.append(gid)
        return seen
