"""Load + model: the county's place list (data/places.yaml) — townships and villages with their accepted
spellings, and the policy documents each township follows.

Places on public pages, in file names and in links come from this list only, never from a registry
cell; a registry row whose place is not on the list is refused. The names themselves are checked here:
a county's list with a path separator, a control character or an over-long name stops the build.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from generators.core.errors import InputError, Problem, display_path
from generators.core.yamlio import load_yaml

MAX_NAME = 64
# Chinese place names: CJK ideographs (with extensions), Latin letters, digits, the middle dot and
# full-width brackets, as in 各村（居） or 阿拉·善. Nothing that could open a tag, a path or a link.
SAFE_NAME = re.compile(r"^[\u3400-\u9fff\U00020000-\U0003134fA-Za-z0-9·（）()\u3007]+$")


def place_key(text: str) -> str:
    """How spellings are compared: NFKC, white space removed."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def name_problem(text: str) -> str | None:
    """Why `text` cannot be a place name (in Chinese), or None."""
    if any(unicodedata.category(ch).startswith("C") for ch in text):
        return "含有控制字符"
    if "/" in text or "\\" in text or ".." in text:
        return "含有路径分隔符或“..”"
    if len(text) > MAX_NAME:
        return f"超过 {MAX_NAME} 个字符"
    if not SAFE_NAME.match(text):
        return "含有地名中不应出现的字符（只可用汉字、字母、数字、“·”和括号）"
    return None


@dataclass(frozen=True)
class Village:
    name: str
    township: str
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Township:
    name: str
    aliases: tuple[str, ...] = ()
    follows: tuple[str, ...] = ()  # document ids of the township's own rules
    villages: tuple[Village, ...] = ()


@dataclass(frozen=True)
class PlaceList:
    county: str
    townships: tuple[Township, ...]
    follows: tuple[str, ...] = ()  # document ids every township follows
    _townships: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    _villages: dict[tuple[str, str], str] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        for t in self.townships:
            for spelling in (t.name, *t.aliases):
                self._townships[place_key(spelling)] = t.name
            for v in t.villages:
                for spelling in (v.name, *v.aliases):
                    self._villages[(t.name, place_key(spelling))] = v.name

    def township(self, text: str) -> str | None:
        """The canonical township for a spelling, or None when the list does not know it."""
        return self._townships.get(place_key(text))

    def village(self, township: str, text: str) -> str | None:
        """The canonical village of a canonical township for a spelling, or None."""
        return self._villages.get((township, place_key(text)))

    def names(self) -> list[str]:
        """Every canonical name and accepted spelling: public words, never personal data."""
        out = {self.county}
        for t in self.townships:
            out.update((t.name, *t.aliases))
            for v in t.villages:
                out.update((v.name, *v.aliases, t.name + v.name))
        return sorted(out)

    def documents_for(self, township: str) -> tuple[str, ...]:
        """The documents whose rules apply in a township: the county's, then its own."""
        own = next((t.follows for t in self.townships if t.name == township), ())
        return tuple(dict.fromkeys((*self.follows, *own)))


def read_places(path: Path) -> PlaceList:
    file = display_path(path)
    data = load_yaml(path)
    problems: list[Problem] = []

    def checked(text: object, where: str) -> str:
        name = str(text or "").strip()
        why = "不能为空" if not name else name_problem(name)
        if why:
            problems.append(Problem(file, f"{where}的名称{why}", value=name[:80]))
        return name

    def strings(value: object, where: str) -> tuple[str, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            problems.append(Problem(file, f"{where}应为列表"))
            return ()
        return tuple(checked(v, where) for v in value)

    townships = []
    for i, raw in enumerate(data.get("townships") or [], 1):
        if not isinstance(raw, dict):
            problems.append(Problem(file, f"第 {i} 个乡镇（街道）应为映射"))
            continue
        name = checked(raw.get("name"), f"第 {i} 个乡镇（街道）")
        villages = []
        for j, v in enumerate(raw.get("villages") or [], 1):
            if not isinstance(v, dict):
                problems.append(Problem(file, f"{name} 第 {j} 个村（社区）应为映射"))
                continue
            where = f"{name} 第 {j} 个村（社区）"
            villages.append(
                Village(checked(v.get("name"), where), name, strings(v.get("aliases"), where + "的别名"))
            )
        follows = tuple(str(d) for d in raw.get("follows") or ())
        townships.append(
            Township(name, strings(raw.get("aliases"), f"{name}的别名"), follows, tuple(villages))
        )
    if not townships:
        problems.append(Problem(file, "地名表中没有乡镇（街道）"))
    seen: dict[str, str] = {}
    for t in townships:
        for spelling in (t.name, *t.aliases):
            key = place_key(spelling)
            if key in seen and seen[key] != t.name:
                problems.append(Problem(file, f"写法“{spelling}”同时属于 {seen[key]} 和 {t.name}"))
            seen[key] = t.name
        names: dict[str, str] = {}
        for v in t.villages:
            for spelling in (v.name, *v.aliases):
                key = place_key(spelling)
                if key in names and names[key] != v.name:
                    problems.append(
                        Problem(file, f"{t.name}：写法“{spelling}”同时属于 {names[key]} 和 {v.name}")
                    )
                names[key] = v.name
    if problems:
        raise InputError(problems)
    county = checked(data.get("county"), "县（区）") if data.get("county") else ""
    follows = tuple(str(d) for d in data.get("follows") or ())
    return PlaceList(county, tuple(townships), follows)
