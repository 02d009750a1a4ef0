"""Model: the registry workbook's columns (data/registry/schema.yaml), shared by the template, the
importer and the guide page."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    type: str
    required: bool = False
    values: tuple[str, ...] = ()
    pii: bool = False
    help: str | None = None


@dataclass(frozen=True)
class SheetSchema:
    kind: str  # "cases" | "contacts"
    title: str
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    @property
    def required(self) -> list[Column]:
        return [c for c in self.columns if c.required]


@dataclass(frozen=True)
class RegistrySchema:
    cases: SheetSchema
    contacts: SheetSchema

    @property
    def sheets(self) -> tuple[SheetSchema, SheetSchema]:
        return (self.cases, self.contacts)


def read_schema(path: Path) -> RegistrySchema:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))["sheets"]
    sheets = {}
    for kind in ("cases", "contacts"):
        spec = data[kind]
        cols = tuple(
            Column(
                key=c["key"],
                header=c["header"],
                type=c["type"],
                required=bool(c.get("required")),
                values=tuple(c.get("values") or ()),
                pii=bool(c.get("pii")),
                help=c.get("help"),
            )
            for c in spec["columns"]
        )
        sheets[kind] = SheetSchema(kind, spec["title"], cols)
    return RegistrySchema(**sheets)
