"""Derive: monthly briefings per village, township and county from the registry and the policy model.

A pack for month M is printed at the start of M from the registry as it stood at the end of M−1: counts
at that date, what changed during M−1, who is due a contact during M (and who is already overdue),
birthdays in M..M+2 that move someone out of a group, and the work-calendar tasks that fall in M.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import io
import operator
import pickle
import sys
from array import array
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from generators.core.cache import SignedPickles, source_digest
from generators.core.executor import SerialExecutor
from generators.core.months import Month, add_years
from generators.policy.age_rules import AgeRule
from generators.policy.model import ClauseRef, PolicyModel
from generators.policy.work_calendar import WorkCalendar
from generators.registry.local_rules import ContactRule, CountyRules
from generators.registry.model import Case, CaseFacts, CaseKey, Contact, ContactLog

RISKS = ("高", "中", "低")


@dataclass(frozen=True)
class DueContact:
    case: Case
    last_contact: dt.date | None
    days_since: int  # at the data cut-off, from the last contact (or from entry if never contacted)
    due: dt.date
    overdue: bool
    rule: ContactRule


@dataclass(frozen=True)
class Transition:
    case: Case  # its facts (CaseFacts) while a worker derives it; the case once back (`areas_back`)
    on: dt.date
    age: int
    what: str
    source: ClauseRef | None


@dataclass(frozen=True)
class MonthTask:
    what: str
    units: str
    source: ClauseRef


@dataclass
class AreaMonth:
    """One area (village, township or county) for one report month."""

    level: str  # village | township | county
    name: str
    township: str | None
    month: Month
    active: list[Case]
    by_group: Counter
    by_risk: Counter
    entered: list[Case]
    exited: list[Case]
    moved: list[Case]
    previous_total: int
    due: list[DueContact] = field(default_factory=list)
    transitions: list[Transition] = field(default_factory=list)
    trend: list[tuple[Month, int]] = field(default_factory=list)
    villages: list[AreaMonth] = field(default_factory=list)

    @property
    def overdue(self) -> list[DueContact]:
        return [d for d in self.due if d.overdue]

    @property
    def total(self) -> int:
        return len(self.active)


@dataclass(frozen=True)
class AreaTally:
    """An area's month as counts only: what the public figures read of it, without its cases, so that the
    county's figures outlive the cases (which go once the townships' packs are made)."""

    level: str
    name: str
    township: str | None
    month: Month
    total: int
    by_group: Counter
    by_risk: Counter
    entered: int
    exited: int
    moved: int
    previous_total: int
    due: int  # due this month, the overdue among them
    overdue: int
    trend: list[tuple[Month, int]]
    villages: list[AreaTally]

    @classmethod
    def of(cls, area: AreaMonth | AreaTally) -> AreaTally:
        if isinstance(area, AreaTally):
            return area
        return cls(
            area.level,
            area.name,
            area.township,
            area.month,
            area.total,
            Counter(area.by_group),
            Counter(area.by_risk),
            len(area.entered),
            len(area.exited),
            len(area.moved),
            area.previous_total,
            len(area.due),
            len(area.overdue),
            list(area.trend),
            [cls.of(v) for v in area.villages],
        )


def transitions_for(
    case: Case | CaseFacts, rules: dict[str, AgeRule], first: dt.date, last: dt.date
) -> list[Transition]:
    """Birthdays in [first, last] at which the case leaves its group's bounds or comes of age."""
    rule = rules[case.group]
    out = []
    thresholds = []
    if rule.below is not None:
        thresholds.append(
            (
                rule.below,
                f"满 {rule.below} 周岁，超出本群体年龄界限（{rule.describe()}），应评估退出或转入其他群体",
                rule.source,
            )
        )
    if rule.below is None or rule.below > 18:
        thresholds.append((18, "满 18 周岁成年，不再适用未成年人保护措施", None))
    for age, what, source in thresholds:
        day = add_years(case.birth_date, age)
        if first <= day <= last:
            out.append(Transition(case, day, age, what, source))  # type: ignore[arg-type]
    return out


def _area(level, name, township, month, cases, contacts_by_case, rules, trend_months) -> AreaMonth:
    cut = month.shift(-1)  # the data month
    as_of, prev_end = cut.end, cut.shift(-1).end
    as_of_day = as_of.toordinal()
    first, last = cut.start, cut.end  # a month's days are made anew each time they are asked for
    active = sorted((c for c in cases if c.active_on(as_of)), key=lambda c: c.case_id)
    left = [c for c in cases if c.exit_date and first <= c.exit_date <= last]
    area = AreaMonth(
        level,
        name,
        township,
        month,
        active,
        by_group=Counter(c.group for c in active),
        by_risk=Counter(c.risk for c in active),
        entered=[c for c in cases if first <= c.entry_date <= last],
        exited=[c for c in left if c.exit_reason != "迁出"],
        moved=[c for c in left if c.exit_reason == "迁出"],
        previous_total=sum(1 for c in cases if c.active_on(prev_end)),
        trend=[
            (m, sum(1 for c in cases if c.active_on(end))) for m, end in [(m, m.end) for m in trend_months]
        ],
    )
    for case in active:
        local = rules.of(case.township)  # the township's own documents decide its cycles and bounds
        rule = local.contacts[case.group]
        days = [d for d in contacts_by_case.get(case.key, ()) if d <= as_of_day]  # day numbers
        last = dt.date.fromordinal(max(days)) if days else None
        base = last or case.entry_date
        due = rule.due(base, month)
        if due is not None:
            area.due.append(DueContact(case, last, (as_of - base).days, due[0], due[1], rule))
        area.transitions += transitions_for(case, local.ages, month.start, month.shift(2).end)
    area.due.sort(key=lambda d: (not d.overdue, d.due, d.case.case_id))
    area.transitions.sort(key=lambda t: (t.on, t.case.case_id))
    return area


def month_tasks(calendar: WorkCalendar, model: PolicyModel, month: Month) -> list[MonthTask]:
    """Work-calendar items that fall in the month: recurring duties due then, dated phases overlapping it."""

    def units(ids) -> str:
        return "、".join(model.units[u].short for u in ids) or "—"

    tasks = [
        MonthTask(r.cadence.phrase, units(r.cadence.units), r.cadence.source)
        for r in calendar.due_in(month.month)
    ]
    for p in calendar.dated:
        if p.start and p.start <= str(month) <= (p.end or p.start):
            tasks.append(MonthTask(f"{p.name}（{model.document(p.source.doc).meta.short}）", "—", p.source))
    return tasks


@dataclass(frozen=True)
class MonthRules:
    """What every township's derivation shares: the month and the county's rules."""

    month: Month
    rules: CountyRules
    trend_months: list[Month]


class _FactsByPlace(pickle.Pickler):
    """Pickles each of `facts` as its place in the list."""

    def __init__(self, out: io.BytesIO, facts: list[CaseFacts]):
        super().__init__(out, protocol=pickle.HIGHEST_PROTOCOL)
        self.place = {id(f): i for i, f in enumerate(facts)}

    def persistent_id(self, obj: object) -> int | None:
        return self.place.get(id(obj)) if type(obj) is CaseFacts else None


class _CasesFromPlace(pickle.Unpickler):
    def __init__(self, data: bytes, cases: list[Case]):
        super().__init__(io.BytesIO(data))
        self.cases = cases

    def persistent_load(self, pid: int) -> Case:
        return self.cases[pid]


TownshipItem = tuple[str, list[CaseFacts], dict[CaseKey, array]]  # contact days by case: `ContactLog`


def township_month(shared: MonthRules, item: TownshipItem) -> bytes:
    """Task: one township and its villages (`item` = township, its cases' facts, contact dates by case),
    pickled with each case as its place in the item's list (`areas_back` puts the build process's own cases
    in): only the figures travel back, and no case is held twice."""
    out = io.BytesIO()
    _FactsByPlace(out, item[1]).dump(_township(shared, item))
    return out.getvalue()


def areas_back(data: bytes, cases: list[Case]) -> AreaMonth:
    """A `township_month` result with the cases its facts were taken from."""
    return _CasesFromPlace(data, cases).load()


def _township(shared: MonthRules, item: TownshipItem) -> AreaMonth:
    township, cases, by_case = item
    rules = (shared.rules, shared.trend_months)
    area = _area("township", township, township, shared.month, cases, by_case, *rules)
    by_village: dict[str, list[CaseFacts]] = {}
    for c in cases:
        by_village.setdefault(c.village, []).append(c)
    for village in sorted(by_village):
        area.villages.append(
            _area("village", village, township, shared.month, by_village[village], by_case, *rules)
        )
    return area


def township_key(shared: bytes, item: TownshipItem) -> str:
    """A township's figures by everything they are made from: the month and rules (`shared`, pickled), its
    cases' facts and contact dates, and the code that derives them. Written out as values (repr, day
    numbers), not pickled: the same values give the same key however the objects are shared, and a county's
    hundreds of thousands of dates are quick to write as numbers."""
    township, facts, by_case = item
    days = array("i")
    for case_days in by_case.values():
        days.extend(case_days)
    parts = [
        derive_code().encode(),
        shared,
        repr((township, [_fact_values(f) for f in facts], list(by_case))).encode(),
        array("i", map(len, by_case.values())).tobytes(),
        days.tobytes(),
    ]
    digest = hashlib.sha256()
    for part in parts:
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


_fact_values = operator.attrgetter(*CaseFacts.__slots__)  # every field: a field added is in the key too


@functools.cache
def derive_code() -> str:
    """The code a township's figures are made with (and whose classes their pickles name)."""
    return source_digest("generators.registry", "generators.policy", "generators.core.months") + sys.version


def monthly_areas(
    cases: list[Case],
    contacts: ContactLog | Iterable[Contact],
    month: Month,
    rules: CountyRules,
    trend_length: int = 6,
    run=None,
    kept: SignedPickles | None = None,
) -> AreaMonth:
    """The county, its townships, their villages — each an AreaMonth for the report month. `run` maps the
    per-township task over its items (an executor's `run`; in this process when None). `kept`: townships'
    figures from earlier builds, by `township_key`; a monthly rebuild derives the changed township only."""
    by_case = ContactLog.of(contacts).dates
    trend_months = [month.shift(-i) for i in range(trend_length, 0, -1)]
    county = _area("county", "全县", None, month, cases, by_case, rules, trend_months)
    by_township: dict[str, list[Case]] = {}
    for case in cases:
        by_township.setdefault(case.township, []).append(case)
    names = sorted(by_township)
    items: list[TownshipItem] = []
    for t in names:
        facts = [CaseFacts.of(c) for c in by_township[t]]
        items.append((t, facts, {k: by_case[k] for f in facts if (k := f.key) in by_case}))
    shared = MonthRules(month, rules, trend_months)
    results: list[bytes | None] = [None] * len(items)
    keys: list[str] = []
    if kept is not None:
        pickled = pickle.dumps(shared, protocol=pickle.HIGHEST_PROTOCOL)
        keys = [township_key(pickled, item) for item in items]
        results = [kept.verified(key) for key in keys]
    todo = [i for i, data in enumerate(results) if data is None]
    for index, data in (run or SerialExecutor().run)(township_month, [items[i] for i in todo], shared):
        results[todo[index]] = data
        if kept is not None:
            kept.store(keys[todo[index]], data)
    done = [data for data in results if data is not None]
    assert len(done) == len(names), "a township's figures were lost"  # the executor yields every task
    county.villages = [areas_back(data, by_township[t]) for t, data in zip(names, done, strict=True)]
    return county


def default_report_month(contacts: ContactLog | Iterable[Contact], cases: list[Case]) -> Month:
    """The month after the newest date in the registry: the pack staff print next."""
    newest = ContactLog.of(contacts).newest
    days = [c.entry_date for c in cases] + ([newest] if newest else [])
    return Month.of(max(days)).shift(1)
