"""Derive: the personal values of registry rows (names, ID numbers, phones, addresses, notes), each once with
the first row that holds it and how many do, and where each stands (its cell, named only when a finding
is written)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from generators.privacy.guard import Needle
from generators.privacy.masking import ADDRESS, ID_NUMBER, NAME, NOTE, PHONE
from generators.registry.model import Case, ContactLog, RowRef
from generators.registry.schema import RegistrySchema

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


def _kind(schema: RegistrySchema, kind: str, key: str) -> str | None:
    column = next((c for c in _sheet(schema, kind).columns if c.key == key), None)
    if key in KINDS:
        return KINDS[key]
    if column is None or not column.pii or column.type == "date":
        return None  # dates are everywhere in published text; a birth date alone names nobody
    return {"id_number": ID_NUMBER, "phone": PHONE}.get(column.type, NOTE)


@dataclass(frozen=True, slots=True)
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


class PersonalValues:
    """Values by (kind, text), in the order first seen: where each stands first, and in how many rows."""

    __slots__ = ("first", "rows")

    def __init__(self) -> None:
        self.first: dict[tuple[str, str], tuple[str, RowRef, str]] = {}  # → (table kind, row, column key)
        self.rows: dict[tuple[str, str], int] = {}

    def add(self, table: str, ref: RowRef, key: str, kind: str | None, value: object, count: int) -> None:
        if kind is None or value is None or value == "":
            return
        found = (kind, value if value.__class__ is str else str(value))
        if found in self.rows:
            self.rows[found] += count
        else:
            self.rows[found] = count
            self.first[found] = (table, ref, key)  # where it stands is written out for the first row only

    def needles(self, schema: RegistrySchema) -> list[Needle]:
        headers: dict[tuple[str, str], str] = {}
        for table in ("cases", "contacts"):
            for c in _sheet(schema, table).columns:
                headers.setdefault((table, c.key), c.header)  # the first column of a key names it
        rows = self.rows
        return [
            Needle(value, kind, CellPlace(ref, headers.get((table, key), key)), rows[(kind, value)])
            for (kind, value), (table, ref, key) in self.first.items()
        ]


def _sheet(schema: RegistrySchema, kind: str):
    return schema.cases if kind == "cases" else schema.contacts


def of_cases(cases: Iterable[Case], into: PersonalValues | None = None) -> PersonalValues:
    out = into if into is not None else PersonalValues()
    for case in cases:
        for key, kind in KINDS.items():
            out.add("cases", case.source, key, kind, getattr(case, key, None), 1)
    return out


def of_contacts(contacts: ContactLog, into: PersonalValues | None = None) -> PersonalValues:
    """The accepted contacts' values once each, with their first row (the import counted them)."""
    out = into if into is not None else PersonalValues()
    for (column, text), (ref, rows) in contacts.values.items():
        out.add("contacts", ref, column, KINDS[column], text, rows)
    return out


def of_rejected(
    rejected: Iterable, schema: RegistrySchema, into: PersonalValues | None = None
) -> PersonalValues:
    """Refused rows' values as read (`RejectedRow`s), every column the schema marks personal."""
    out = into if into is not None else PersonalValues()
    for row in rejected:
        for key, value in row.values.items():
            out.add(row.kind, row.ref, key, _kind(schema, row.kind, key), value, 1)
    return out
