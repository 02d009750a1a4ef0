"""Registry records: one youth (Case) and one contact with them, each traced to the row it was read from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class RowRef:
    """Where a registry row came from: file, sheet (None for CSV) and the row number staff see."""

    file: str
    sheet: str | None
    row: int


@dataclass(frozen=True)
class Case:
    """One youth in the registry. Personal fields (name, ID number, phone, address, guardian) stay in
    restricted output only."""

    case_id: str
    township: str
    village: str
    group: str  # group id (data/groups.yaml)
    risk: str  # 高 / 中 / 低
    name: str
    gender: str
    birth_date: dt.date
    id_number: str
    status: str
    contact_person: str
    entry_date: dt.date
    source: RowRef
    distress_type: str | None = None
    guardian: str | None = None
    guardian_relation: str | None = None
    phone: str | None = None
    address: str | None = None
    exit_date: dt.date | None = None
    exit_reason: str | None = None

    def active_on(self, day: dt.date) -> bool:
        return self.entry_date <= day and (self.exit_date is None or self.exit_date > day)


@dataclass(frozen=True)
class Contact:
    case_id: str
    date: dt.date
    method: str
    by: str
    source: RowRef
    note: str | None = None
