"""Derive: the registry's personal strings, which the publish guard looks for in everything published, and
the public words (the county's place names) that may contain them."""

from __future__ import annotations

import operator
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from typing import overload

from generators.privacy.guard import Needle
from generators.privacy.masking import ADDRESS, ID_NUMBER, NAME, NOTE, PHONE
from generators.registry.model import Case, RowRef
from generators.registry.places import PlaceList
from generators.registry.schema import RegistrySchema
from generators.registry.validate import RegistryImport

# Columns whose values are people's names even where the schema does not mark them personal: the staff who
# visit (帮教联系人, 联系人) are named in restricted sheets only.
KINDS = {
    "name": NAME,
    "guardian": NAME,
    "contact_person": NAME,
    "by": NAME,
    "id_number": ID_NUMBER,
    "phone": PHONE,
    "address": ADDRESS,
    "note": NOTE,
}


CASE_FIELDS = {f.name for f in fields(Case)}


def _kind(schema: RegistrySchema, kind: str, key: str) -> str | None:
    sheet = schema.cases if kind == "cases" else schema.contacts
    column = next((c for c in sheet.columns if c.key == key), None)
    if key in KINDS:
        return KINDS[key]
    if column is None or not column.pii or column.type == "date":
        return None  # dates are everywhere in published text; a birth date alone names nobody
    return {"id_number": ID_NUMBER, "phone": PHONE}.get(column.type, NOTE)


@dataclass(slots=True, unsafe_hash=True)  # not frozen, as `Needle`: one for each of a county's values
class CellPlace:
    """Where a personal value stands: written out only when a finding names it. (As text for every value
    of a county, hundreds of thousands of them, it was a sixth of what the build process held.)"""

    ref: RowRef
    header: str

    def __str__(self) -> str:
        ref = self.ref
        return (
            f"文件 {ref.file}"
            + (f"，工作表 “{ref.sheet}”" if ref.sheet else "")
            + f"，第 {ref.row} 行，列 “{self.header}”"
        )


def _headers(schema: RegistrySchema) -> dict[tuple[str, str], str]:
    """(table kind, column key) → the column's header, the first column of a key naming it: looked up once,
    not for each of a county's values."""
    headers: dict[tuple[str, str], str] = {}
    for kind, sheet in (("cases", schema.cases), ("contacts", schema.contacts)):
        for c in sheet.columns:
            headers.setdefault((kind, c.key), c.header)
    return headers


def _values(imported: RegistryImport, schema: RegistrySchema):
    """(table, row, column key, kind, value, rows holding it) of every personal cell, in the order of the
    rows (the accepted contacts' values once each, with their first row: the import counted them)."""
    keys = tuple(k for k in KINDS if k in CASE_FIELDS)
    kinds = tuple(KINDS[k] for k in keys)
    take = operator.attrgetter(*keys)  # a case's eight values in one call: a county has thousands of cases
    for case in imported.cases:
        source = case.source
        for key, kind, value in zip(keys, kinds, take(case), strict=True):
            if value:  # (None and "" are no values; a case's fields are text or None)
                yield "cases", source, key, kind, value, 1
    for (column, text), (ref, rows) in imported.contacts.values.items():
        yield "contacts", ref, column, KINDS[column], text, rows
    for row in imported.rejected:
        for key, value in row.values.items():
            yield row.kind, row.ref, key, _kind(schema, row.kind, key), value, 1


class PersonalValues(Sequence[Needle]):
    """The registry's personal values as the guard's needles, held as one text and a few arrays: a needle is
    made when it is asked for. As objects (a needle, its place, its row, its string: a county's hundreds of
    thousands), the values outlived the cases they were read with and stood scattered among them, so that
    the memory the freed cases had taken could not be handed back."""

    __slots__ = ("_ends", "_kind", "_kinds", "_row", "_rows", "_text", "_where", "_wheres")

    def __init__(self, needles: Iterable[tuple[str, str, RowRef, str, int]] = ()):
        """`needles`: (value, kind, first row, column header, rows holding it) of each value."""
        texts: list[str] = []
        # Four bytes a number, not eight: a county has hundreds of thousands of values, and none of these
        # comes near 2**32 (the values' text in characters, the rows of a file).
        self._ends = array("I")  # where each value ends in `_text`
        self._kind = array("B")  # index into `_kinds`
        self._where = array("I")  # index into `_wheres`: (file, sheet, header)
        self._row = array("I")  # row number of its first row
        self._rows = array("I")  # rows holding it
        kinds: dict[str, int] = {}
        wheres: dict[tuple[str, str | None, str], int] = {}
        end = 0
        for value, kind, ref, header, rows in needles:
            texts.append(value)
            end += len(value)
            self._ends.append(end)
            self._kind.append(kinds.setdefault(kind, len(kinds)))
            self._where.append(wheres.setdefault((ref.file, ref.sheet, header), len(wheres)))
            self._row.append(ref.row)
            self._rows.append(rows)
        self._text = "".join(texts)
        self._kinds: list[str] = list(kinds)
        self._wheres: list[tuple[str, str | None, str]] = list(wheres)

    def __len__(self) -> int:
        return len(self._ends)

    def _value(self, i: int) -> str:
        return self._text[self._ends[i - 1] if i else 0 : self._ends[i]]

    def _needle(self, i: int) -> Needle:
        file, sheet, header = self._wheres[self._where[i]]
        place = CellPlace(RowRef(file, sheet, self._row[i]), header)
        return Needle(self._value(i), self._kinds[self._kind[i]], place, self._rows[i])

    @overload
    def __getitem__(self, index: int) -> Needle: ...

    @overload
    def __getitem__(self, index: slice) -> list[Needle]: ...

    def __getitem__(self, index: int | slice) -> Needle | list[Needle]:
        if isinstance(index, slice):
            return [self._needle(i) for i in range(*index.indices(len(self)))]
        if not -len(self) <= index < len(self):
            raise IndexError(index)
        return self._needle(index % len(self))

    def __iter__(self) -> Iterator[Needle]:
        return (self._needle(i) for i in range(len(self)))

    def pairs(self) -> Iterator[tuple[str, str]]:
        """(value, kind) of each, without making needles."""
        text, kinds, start = self._text, self._kinds, 0
        for end, kind in zip(self._ends, self._kind, strict=True):
            yield text[start:end], kinds[kind]
            start = end

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"PersonalValues({len(self)} values)"


def personal_values(imported: RegistryImport, schema: RegistrySchema) -> PersonalValues:
    """Every personal value of the registry — accepted and rejected rows alike — once, with the first row
    that holds it and how many do. Nothing is left out because it also occurs in a policy text: only a
    reviewed allowlist exempts."""
    first: dict[tuple[str, str], tuple[str, RowRef, str]] = {}
    rows: dict[tuple[str, str], int] = {}
    for table, ref, key, kind, value, count in _values(imported, schema):
        if kind is None or value is None or value == "":
            continue
        found = (kind, value if value.__class__ is str else str(value))
        if found in rows:
            rows[found] += count
        else:
            rows[found] = count
            first[found] = (table, ref, key)  # where it stands is written out for the first row only
    headers = _headers(schema)
    return PersonalValues(
        (value, kind, ref, headers.get((table, key), key), rows[(kind, value)])
        for (kind, value), (table, ref, key) in first.items()
    )


def place_words(places: PlaceList) -> list[str]:
    """The county's place names in every spelling and combination a page may print: public words, never
    personal data (a person called 杨柳 is still found; 杨柳社区 is not taken for them)."""
    words = set(places.names())
    for t in places.townships:
        for spelling in (t.name, *t.aliases):
            words.add(places.county + spelling)
            for v in t.villages:
                words.update(places.county + spelling + w for w in (v.name, *v.aliases))
    return sorted(w for w in words if w)
