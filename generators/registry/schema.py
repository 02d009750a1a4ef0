"""Model: the registry workbook's columns (data/registry/schema.yaml), shared by the template, the
importer and the guide page: headers and their synonyms, allowed values and their aliases, and whether a
bad value rejects the row or only warns."""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from generators.core.errors import InputError, Problem, display_path
from generators.core.yamlio import parse_yaml

TYPES = ("text", "date", "enum", "id_number", "phone", "place")


def header_key(text: object) -> str:
    """How headers are compared: NFKC, no white space, no * or ＊, brackets of either width alike."""
    text = unicodedata.normalize("NFKC", str(text or ""))
    return re.sub(r"[\s*＊]", "", text).replace("(", "（").replace(")", "）")


WHITE_SPACE = re.compile(r"\s+")


def value_key(text: str) -> str:
    """How enum values are compared: NFKC, no white space, case-insensitive."""
    return WHITE_SPACE.sub("", unicodedata.normalize("NFKC", text)).casefold()


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    type: str
    required: bool = False
    values: tuple[str, ...] = ()
    pii: bool = False
    help: str | None = None
    on_bad: str = "reject"  # reject | warn
    synonyms: tuple[str, ...] = ()
    aliases: tuple[tuple[str, str], ...] = ()  # (written, value)
    not_names: tuple[str, ...] = ()
    _lookup: dict[str, str] = field(default_factory=dict, compare=False, repr=False)
    _not_names: set[str] = field(default_factory=set, compare=False, repr=False)

    def __post_init__(self) -> None:
        for v in self.values:
            self._lookup[v] = v
            self._lookup[value_key(v)] = v
        for written, v in self.aliases:
            self._lookup.setdefault(written, v)
            self._lookup.setdefault(value_key(written), v)
        self._not_names.update(value_key(w) for w in self.not_names)

    @property
    def warns(self) -> bool:
        return self.on_bad == "warn"

    @property
    def headers(self) -> tuple[str, ...]:
        return (self.header, *self.synonyms)

    def allowed(self, text: str) -> str | None:
        """The allowed value that `text` writes (itself or an alias), or None."""
        found = self._lookup.get(text)  # as written, most of the time
        return found if found is not None else self._lookup.get(value_key(text))

    def not_a_name(self, text: str) -> bool:
        """Whether a name column's text is one of the words that are no name (父亲, 无 …)."""
        return value_key(text) in self._not_names


@dataclass(frozen=True)
class SheetSchema:
    kind: str  # "cases" | "contacts"
    title: str
    columns: tuple[Column, ...]
    ignored: tuple[str, ...] = ()  # headers read past on purpose (序号), named in a notice

    def column(self, key: str) -> Column:
        return self.by_key[key]

    @functools.cached_property
    def by_key(self) -> dict[str, Column]:
        return {c.key: c for c in self.columns}

    @functools.cached_property
    def spellings(self) -> dict[str, str]:
        """Every header spelling as `header_key` compares it → its column key ("" for a header read past on
        purpose); made once: header rows are looked for cell by cell in every file."""
        out: dict[str, str] = {}
        for c in self.columns:
            for h in c.headers:
                out.setdefault(header_key(h), c.key)
        for h in self.ignored:
            out.setdefault(header_key(h), "")
        return out

    @property
    def required(self) -> list[Column]:
        return [c for c in self.columns if c.required]

    @property
    def needed(self) -> list[Column]:
        """Columns without which the sheet cannot be read: required and rejecting."""
        return [c for c in self.columns if c.required and not c.warns]


@dataclass(frozen=True)
class RegistrySchema:
    cases: SheetSchema
    contacts: SheetSchema
    template_sheets: tuple[str, ...] = ()

    @property
    def sheets(self) -> tuple[SheetSchema, SheetSchema]:
        return (self.cases, self.contacts)


def read_schema(path: Path) -> RegistrySchema:
    name = display_path(path)
    data = parse_yaml(path.read_text(encoding="utf-8"))
    problems: list[Problem] = []
    sheets = {}
    for kind in ("cases", "contacts"):
        spec = data["sheets"][kind]
        cols = []
        for c in spec["columns"]:
            where = f"{spec['title']} / {c.get('header')}"
            if c.get("type") not in TYPES:
                problems.append(Problem(name, f"{where}：类型应为 {'、'.join(TYPES)} 之一"))
            if c.get("on_bad", "reject") not in ("reject", "warn"):
                problems.append(Problem(name, f"{where}：on_bad 应为 reject 或 warn"))
            aliases = tuple((str(k), str(v)) for k, v in (c.get("aliases") or {}).items())
            for written, value in aliases:
                if value not in (c.get("values") or ()):
                    problems.append(Problem(name, f"{where}：别名“{written}”指向的“{value}”不是可选值"))
            cols.append(
                Column(
                    key=c["key"],
                    header=c["header"],
                    type=c["type"],
                    required=bool(c.get("required")),
                    values=tuple(str(v) for v in c.get("values") or ()),
                    pii=bool(c.get("pii")),
                    help=c.get("help"),
                    on_bad=c.get("on_bad", "reject"),
                    synonyms=tuple(str(s) for s in c.get("synonyms") or ()),
                    aliases=aliases,
                    not_names=tuple(str(s) for s in c.get("not_names") or ()),
                )
            )
        seen: dict[str, str] = {}
        for col in cols:
            for h in col.headers:
                key = header_key(h)
                if key in seen and seen[key] != col.key:
                    problems.append(Problem(name, f"{spec['title']}：表头写法“{h}”同时属于两列"))
                seen[key] = col.key
        sheets[kind] = SheetSchema(kind, spec["title"], tuple(cols), tuple(spec.get("ignored") or ()))
    if problems:
        raise InputError(problems)
    return RegistrySchema(**sheets, template_sheets=tuple(data.get("template_sheets") or ()))
