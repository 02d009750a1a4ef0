"""Months and birthdays: the report month, and date arithmetic that respects 29 February."""

from __future__ import annotations

import calendar as cal
import datetime as dt
import re
from dataclasses import dataclass

MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        """`2026-11`; ValueError for anything else."""
        m = MONTH_RE.match(str(text))
        if not m:
            raise ValueError(f"not a YYYY-MM month: {text!r}")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def of(cls, day: dt.date) -> Month:
        return cls(day.year, day.month)

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def end(self) -> dt.date:
        return dt.date(self.year, self.month, cal.monthrange(self.year, self.month)[1])

    def shift(self, n: int) -> Month:
        index = self.year * 12 + self.month - 1 + n
        return Month(index // 12, index % 12 + 1)

    @property
    def label(self) -> str:
        return f"{self.year}年{self.month}月"

    @property
    def short_label(self) -> str:
        """For chart axes: 26年5月."""
        return f"{self.year % 100:02d}年{self.month}月"

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
