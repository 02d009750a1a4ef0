"""Derive: the work calendar — recurring duties by month, dated phases, relative pilot steps."""

from __future__ import annotations

from dataclasses import dataclass

from generators.policy.model import Cadence, Phase, PolicyModel

# Months in which a recurring duty falls due. Quarterly and half-yearly reviews are placed at the end of
# the period, since the texts ask for a review of the period's work (每季度调度一次工作进展).
DUE_MONTHS = {
    "monthly": tuple(range(1, 13)),
    "quarterly": (3, 6, 9, 12),
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
    return WorkCalendar(recurring, periodic, dated, relative)
