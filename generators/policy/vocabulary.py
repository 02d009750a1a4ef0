"""Load: the words the extraction reads (data/vocabulary.yaml) — role words and verbs, organisation
endings, level prefixes, cadence words, deadline patterns — checked once and compiled."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from generators.core.errors import InputError, Problem, display_path
from generators.core.yamlio import load_yaml
from generators.policy.model import Role

# The vocabulary shipped with the code: used for editions recorded before vocabulary.yaml existed.
DEFAULT_VOCABULARY = Path(__file__).resolve().parents[2] / "data" / "vocabulary.yaml"

CN_NUMBER = "[0-9０-９一二三四五六七八九十两〇零]{1,3}"
NUMBER4 = "[0-9０-９]{4}"
CN_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


def number(text: str) -> int:
    """`12`, `１２`, `十二`, `二十五`, `两` → int."""
    text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if text.isdigit():
        return int(text)
    if any(ch not in CN_DIGITS and ch != "十" for ch in text) or text.count("十") > 1:
        return 0  # not a numeral after all
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (CN_DIGITS[tens[-1]] if tens else 1) * 10 + (CN_DIGITS[ones[0]] if ones else 0)
    value = 0
    for ch in text:
        value = value * 10 + CN_DIGITS[ch]
    return value


def alternation(words) -> str:
    """A regex alternation of literal words, longest first."""
    return "|".join(re.escape(w) for w in sorted(set(words), key=lambda w: (-len(w), w)))


@dataclass(frozen=True)
class CadenceWord:
    kind: str
    pattern: re.Pattern


@dataclass(frozen=True)
class DeadlinePattern:
    kind: str  # dated | dated-yearly | relative
    unit: str | None  # hours | workdays | days | weeks | months (relative ones)
    pattern: re.Pattern


@dataclass(frozen=True)
class Vocabulary:
    role_words: dict[str, Role]
    label_tails: tuple[str, ...]
    label_heads: tuple[str, ...]
    role_verbs: dict[str, Role]
    object_verbs: tuple[str, ...]
    role_fillers: tuple[str, ...]
    generic_endings: tuple[str, ...]
    generic_words: tuple[str, ...]
    organisation_endings: tuple[str, ...]
    not_organisations: tuple[str, ...]
    person_words: tuple[str, ...]
    level_prefixes: dict[str, str]  # prefix -> level
    not_level: tuple[str, ...]
    place_endings: dict[str, str]  # 县 -> 区县
    school_endings: tuple[str, ...]
    cadences: tuple[CadenceWord, ...]
    yearly_count: re.Pattern
    statement_words: tuple[str, ...]
    deadlines: tuple[DeadlinePattern, ...]
    definition_headings: tuple[str, ...]
    definition_openers: tuple[str, ...]
    document_refs: tuple[str, ...]
    term_markers: tuple[str, ...]
    group_nouns: tuple[str, ...]
    duty_headings: tuple[str, ...]
    topic_labels: tuple[str, ...]
    table_columns: dict[str, tuple[str, ...]]
    time_phrases: tuple[re.Pattern, ...] = ()
    # compiled
    role_label: re.Pattern = field(init=False)
    role_verb: re.Pattern = field(init=False)
    label_verbs: dict[str, Role] = field(init=False)
    cadence_any: re.Pattern = field(init=False)

    def __post_init__(self) -> None:
        words = alternation(self.role_words)
        tails = alternation(self.label_tails)
        # 牵头单位 / 责任单位（配合单位） / 配合 — the whole label, nothing else
        heads = alternation(self.label_heads) if self.label_heads else "(?!)"
        label = rf"^(?:{heads})?(?P<word>{words})(?:{tails})?(?:[（(][^（）()]*[）)])?$"
        object.__setattr__(self, "role_label", re.compile(label))
        # A role verb, or a label after 为/作为 (县民政局为牵头单位，县公安局为责任单位).
        label_verbs = {
            f"{copula}{word}{tail}": role
            for word, role in self.role_words.items()
            for tail in self.label_tails
            for copula in ("为", "作为")
        }
        object.__setattr__(self, "label_verbs", label_verbs)
        verbs = alternation([*self.role_verbs, *label_verbs])
        object.__setattr__(self, "role_verb", re.compile(rf"(?:{verbs})"))
        every = [c.pattern.pattern for c in self.cadences]
        object.__setattr__(self, "cadence_any", re.compile("|".join(every)))

    def verb_role(self, verb: str) -> Role:
        return self.role_verbs.get(verb) or self.label_verbs[verb]

    def label_role(self, label: str) -> Role | None:
        """The role a label such as 协办单位 or 责任单位（配合单位） stands for."""
        m = self.role_label.match(label.strip())
        return self.role_words[m.group("word")] if m else None

    def is_generic(self, text: str) -> bool:
        return text in self.generic_words or any(text.endswith(e) for e in self.generic_endings)

    def looks_like_organisation(self, text: str) -> bool:
        core = re.sub(r"[（(][^（）()]*[）)]$", "", text)
        if not 2 <= len(core) <= 25 or re.search(r"[，。；;：:、,\s]", core):
            return False
        if any(core.endswith(w) for w in self.not_organisations):
            return False
        return any(core.endswith(e) for e in self.organisation_endings)

    def column_kind(self, header: str) -> str | None:
        """What a table header cell holds: index, task, lead, responsible, deadline, duty, unit (or None)."""
        cell = header.strip()
        role = self.label_role(cell)
        if role is not None:
            return role.value
        for kind in ("index", "deadline", "duty", "task", "unit"):
            if any(w in cell for w in self.table_columns.get(kind, ())):
                return kind
        return None


def _strings(path: Path, data: dict, key: str) -> tuple[str, ...]:
    value = data.get(key)
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise InputError(Problem(display_path(path), f"“{key}” 应为非空字符串的列表"))
    return tuple(value)


def _roles(path: Path, data: dict, key: str) -> dict[str, Role]:
    value = data.get(key)
    roles = {r.value for r in (Role.LEAD, Role.RESPONSIBLE)}
    if not isinstance(value, dict) or not all(v in roles for v in value.values()):
        raise InputError(
            Problem(display_path(path), f"“{key}” 应为“词: lead 或 responsible”的映射", value=str(value))
        )
    return {str(k): Role(v) for k, v in value.items()}


def _compile(path: Path, text: str) -> re.Pattern:
    try:
        return re.compile(text.replace("{number4}", NUMBER4).replace("{number}", CN_NUMBER))
    except re.error as exc:
        raise InputError(Problem(display_path(path), f"正则表达式有误：{exc}", value=text)) from exc


def read_vocabulary(path: Path) -> Vocabulary:
    """data/vocabulary.yaml, or the shipped default where a recorded edition has none."""
    if not path.exists():
        path = DEFAULT_VOCABULARY
    data = load_yaml(path)
    levels: dict[str, str] = {}
    for level, prefixes in (data.get("level_prefixes") or {}).items():
        for p in prefixes:
            levels[str(p)] = str(level)
    places = {str(e): str(level) for level, ends in (data.get("place_endings") or {}).items() for e in ends}
    cadences = []
    for item in data.get("cadences") or []:
        if not isinstance(item, dict) or not item.get("kind") or not item.get("words"):
            raise InputError(
                Problem(display_path(path), "cadences 的每一项应有 kind 和 words", value=str(item))
            )
        cadences.append(CadenceWord(str(item["kind"]), re.compile(alternation(item["words"]))))
    deadlines = []
    spec = data.get("deadlines") or {}
    for kind in ("dated", "dated-yearly"):
        for text in spec.get(kind) or []:
            deadlines.append(DeadlinePattern(kind, None, _compile(path, text)))
    for unit, texts in (spec.get("relative") or {}).items():
        for text in texts:
            deadlines.append(DeadlinePattern("relative", str(unit), _compile(path, text)))
    generic = data.get("generic_holders") or {}
    columns = {str(k): tuple(v) for k, v in (data.get("table_columns") or {}).items()}
    return Vocabulary(
        role_words=_roles(path, data, "role_words"),
        label_tails=_strings(path, data, "label_tails"),
        label_heads=tuple(data.get("label_heads") or ()),
        role_verbs=_roles(path, data, "role_verbs"),
        object_verbs=tuple(data.get("object_verbs") or ()),
        role_fillers=tuple(data.get("role_fillers") or ()),
        generic_endings=tuple(generic.get("endings") or ()),
        generic_words=tuple(generic.get("words") or ()),
        organisation_endings=_strings(path, data, "organisation_endings"),
        not_organisations=tuple(data.get("not_organisations") or ()),
        person_words=tuple(data.get("person_words") or ()),
        level_prefixes=levels,
        not_level=tuple(data.get("not_level") or ()),
        place_endings=places,
        school_endings=_strings(path, data, "school_endings"),
        cadences=tuple(cadences),
        yearly_count=_compile(path, str(data.get("yearly_count") or r"(?!)")),
        statement_words=tuple(data.get("statement_words") or ()),
        deadlines=tuple(deadlines),
        definition_headings=_strings(path, data, "definition_headings"),
        definition_openers=_strings(path, data, "definition_openers"),
        document_refs=_strings(path, data, "document_refs"),
        term_markers=tuple(data.get("term_markers") or ()),
        group_nouns=tuple(data.get("group_nouns") or ()),
        duty_headings=_strings(path, data, "duty_headings"),
        topic_labels=tuple(data.get("topic_labels") or ()),
        table_columns=columns,
        time_phrases=tuple(_compile(path, str(t)) for t in data.get("time_phrases") or ()),
    )
