"""Registry records: one youth (Case) and one contact with them, each traced to the row it was read from."""

from __future__ import annotations

import datetime as dt
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, fields


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


def _fast_pickling(cls: type) -> None:
    """A frozen slotted dataclass's pickling with its field names looked up once, not per object: a county's
    cases travel from the workers and the restricted read cache by the ten thousand."""
    names = tuple(f.name for f in fields(cls))
    setter = object.__setattr__

    def getstate(self) -> tuple:
        return tuple([getattr(self, n) for n in names])

    def setstate(self, state: tuple) -> None:
        for name, value in zip(names, state, strict=True):
            setter(self, name, value)

    setattr(cls, "__getstate__", getstate)  # noqa: B010 (mypy: a method's assignment)
    setattr(cls, "__setstate__", setstate)  # noqa: B010


_fast_pickling(Case)


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


CaseKey = tuple[str, str, str]  # (township, village, case number): villages may each number from 0001


class ContactLog:
    """The accepted contacts as the stages after the import read them: each case's contact dates, how many
    rows each sheet gave, the newest date, and the personal values they hold (visitor, note) with the first
    row that holds each and how many do. A county has hundreds of thousands of contacts; kept as objects,
    they were most of a big import's memory."""

    __slots__ = ("dates", "sheets", "values", "newest")

    def __init__(self) -> None:
        # Each case's contact days as day numbers (`date.toordinal`), four bytes each: as date objects in
        # lists they took ten times that, a county's million of them, and scattered the import's memory.
        self.dates: dict[CaseKey, array] = {}
        self.sheets: Counter[tuple[str, str | None]] = Counter()
        self.values: dict[tuple[str, str], list] = {}  # (column, value) → [first row, rows holding it]
        self.newest: dt.date | None = None

    @classmethod
    def of(cls, contacts: ContactLog | Iterable[Contact]) -> ContactLog:
        if isinstance(contacts, ContactLog):
            return contacts
        log = cls()
        for c in contacts:
            log.add(c.key, c.date, c.by, c.note, c.source)
        return log

    def add(self, key: CaseKey, day: dt.date, by: object, note: object, source: RowRef) -> None:
        days = self.dates.get(key)
        if days is None:
            self.dates[key] = array("i", (day.toordinal(),))
        else:
            days.append(day.toordinal())
        if self.newest is None or day > self.newest:
            self.newest = day
        self.sheets[(source.file, source.sheet)] += 1
        for column, value in (("by", by), ("note", note)):
            if value is None or value == "":
                continue
            if value.__class__ is not str:
                value = str(value)  # as the personal values are looked for: 1 and 1.0 are two values
            seen = self.values.get((column, value))
            if seen is None:
                self.values[(column, value)] = [source, 1]
            else:
                seen[1] += 1

    def extend(self, other: ContactLog) -> None:
        """Another log's contacts added after this one's (its sheets and cases are not this one's). Its
        arrays of days are taken over, not copied: `other` is not to be used afterwards."""
        for key, dates in other.dates.items():
            mine = self.dates.get(key)
            if mine is None:
                self.dates[key] = dates
            else:
                mine.extend(dates)
        if other.newest is not None and (self.newest is None or other.newest > self.newest):
            self.newest = other.newest
        self.sheets.update(other.sheets)
        for found, (source, rows) in other.values.items():
            seen = self.values.get(found)
            if seen is None:
                self.values[found] = [source, rows]
            else:
                seen[1] += rows

    def __len__(self) -> int:
        return sum(self.sheets.values())

    def __repr__(self) -> str:
        return f"ContactLog(dates={self.dates!r}, sheets={self.sheets!r}, values={self.values!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ContactLog) and (self.dates, self.sheets, self.values) == (
            other.dates,
            other.sheets,
            other.values,
        )

    __hash__ = None  # type: ignore[assignment]  # changes as rows are added

    def days_of(self, key: CaseKey) -> list[dt.date]:
        """A case's contact dates, in the order of their rows."""
        return [dt.date.fromordinal(d) for d in self.dates.get(key, ())]

    def forget_dates(self) -> None:
        """Once the month's figures are made, the dates go (the counts and personal values stay)."""
        self.dates.clear()

    def forget_values(self) -> None:
        """Once the registry's personal values are gathered, the contacts' go (the counts stay)."""
        self.values.clear()
