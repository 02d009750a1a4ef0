"""Registry records: one youth (Case) and one contact with them, each traced to the row it was read from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


# RowRef and Contact are made once per row (a county's import makes hundreds of thousands of each): they
# are not frozen, since a frozen dataclass sets each field through object.__setattr__, which made them four
# times slower to make (a third of the import's validation). Nothing changes them once made; they still
# hash by their values.
@dataclass(slots=True, unsafe_hash=True)
class RowRef:
    """Where a registry row came from: file, sheet (None for CSV) and the row number staff see."""

    file: str
    sheet: str | None
    row: int


class _Tenure:
    """What a case and its facts both answer: who it is within the county, and when it is on the list."""

    __slots__ = ()
    township: str
    village: str
    case_id: str
    entry_date: dt.date
    exit_date: dt.date | None

    @property
    def key(self) -> tuple[str, str, str]:
        """A case's identity: case numbers are unique within a village only."""
        return (self.township, self.village, self.case_id)

    def active_on(self, day: dt.date) -> bool:
        return self.entry_date <= day and (self.exit_date is None or self.exit_date > day)


@dataclass(frozen=True, slots=True)
class Case(_Tenure):
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
    status: str | None  # None: left out with a warning (not in the list, or not filled in)
    contact_person: str | None
    entry_date: dt.date
    source: RowRef
    distress_type: str | None = None
    guardian: str | None = None
    guardian_relation: str | None = None
    phone: str | None = None
    address: str | None = None
    exit_date: dt.date | None = None
    exit_reason: str | None = None


@dataclass(frozen=True, slots=True)
class CaseFacts(_Tenure):
    """What the monthly figures read of a case: no name, ID number, phone, address or guardian, so that the
    derivation's workers (perhaps on a cluster) and what it keeps between builds never hold them."""

    case_id: str
    township: str
    village: str
    group: str
    risk: str
    birth_date: dt.date
    entry_date: dt.date
    exit_date: dt.date | None
    exit_reason: str | None

    @classmethod
    def of(cls, c: Case) -> CaseFacts:
        return cls(
            c.case_id,
            c.township,
            c.village,
            c.group,
            c.risk,
            c.birth_date,
            c.entry_date,
            c.exit_date,
            c.exit_reason,
        )


@dataclass(slots=True, unsafe_hash=True)
class Contact:
    """One contact with a case, attached to the case of its own village (township, village, case_id)."""

    case_id: str
    date: dt.date
    method: str | None
    by: str | None
    source: RowRef
    township: str = ""
    village: str = ""
    note: str | None = None

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.township, self.village, self.case_id)
