"""Derive: the work calendar — recurring duties by month, dated phases, relative pilot steps."""

from __future__ import annotations

from dataclasses import dataclass, field

from generators.policy.model import Cadence, Deadline, Phase, PolicyModel

# Months in which a recurring duty falls due. Quarterly and half-yearly reviews are placed at the end of
# the period, since the texts ask for a review of the period's work (每季度调度一次工作进展).
# Weekly and shorter duties fall due every month; a term's duty at the start of each term (March, September).
DUE_MONTHS = {
    "daily": tuple(range(1, 13)),
    "weekly": tuple(range(1, 13)),
    "biweekly": tuple(range(1, 13)),
    "monthly": tuple(range(1, 13)),
    "bimonthly": (2, 4, 6, 8, 10, 12),
    "quarterly": (3, 6, 9, 12),
    "per-term": (3, 9),
    "half-yearly": (6, 12),
    "yearly": (),
}


@dataclass(frozen=True)
class RecurringDuty:
    cadence: Cadence
    months: tuple[int, ...]


@dataclass(frozen=True)
class WorkCalendar:
    recurring: list[RecurringDuty]  # every/quarterly/half-yearly/yearly, by cadence then document order
    periodic: list[Cadence]  # 定期: no frequency given
    dated: list[Phase]  # phases with dates, by start
    relative: list[Phase]  # phases given as durations (为期一年, 三年内), in document order
    deadlines: list[Deadline] = field(default_factory=list)  # dated ones: by month, then document order
    response_times: list[Deadline] = field(default_factory=list)  # relative ones (24小时内), document order

    def deadlines_in(self, month: int) -> list[Deadline]:
        """Deadlines that fall in a month of any year (每年4月底前) or of their own year (2026年9月底前)."""
        return [d for d in self.deadlines if d.month == month]

    def due_in(self, month: int) -> list[RecurringDuty]:
        return [r for r in self.recurring if month in r.months]

    @property
    def years(self) -> list[str]:
        return sorted({p.start[:4] for p in self.dated if p.start})


def work_calendar(model: PolicyModel) -> WorkCalendar:
    order = list(DUE_MONTHS)
    recurring = [RecurringDuty(c, DUE_MONTHS[c.kind]) for c in model.cadences if c.kind in DUE_MONTHS]
    recurring.sort(key=lambda r: order.index(r.cadence.kind))  # stable: document order within a kind
    periodic = [c for c in model.cadences if c.kind == "periodic"]
    dated = sorted((p for p in model.phases if p.start), key=lambda p: (p.start, p.source.doc))
    relative = [p for p in model.phases if not p.start]
    deadlines = sorted(
        (d for d in model.deadlines if d.kind != "relative" and d.month),
        key=lambda d: (d.month or 0, d.day or 32, d.year or 0),
    )
    response = [d for d in model.deadlines if d.kind == "relative"]
    return WorkCalendar(recurring, periodic, dated, relative, deadlines, response)
