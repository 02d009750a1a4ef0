"""Derive: the printed briefing sheets (one per village) and township packs, person-level and restricted.

People appear only as a masked name (张*明) and a keyed pseudonym (P-XXXXXXXX, stable across months);
no ID number, phone, address or guardian reaches a sheet. The sheets go to the restricted folder only.
"""

from __future__ import annotations

import pickle
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import overload

from generators.core.charts import bar_chart, trend_chart
from generators.core.months import Month
from generators.policy.citations import Citer
from generators.policy.model import ClauseRef, PolicyModel
from generators.privacy.masking import mask_name
from generators.privacy.pseudonyms import Pseudonymizer
from generators.registry.local_rules import CountyRules, LocalRules
from generators.registry.model import Case
from generators.registry.monthly import RISKS, AreaMonth, MonthTask


@dataclass(frozen=True)
class PersonRow:
    """One youth on a sheet, as far as a sheet may show them."""

    pseudonym: str
    name: str  # masked
    group: str
    risk: str
    contact_person: str
    cells: tuple[str, ...] = ()  # the list's own columns (dates, days, reasons)


@dataclass(frozen=True)
class BriefingSheet:
    """One village's monthly briefing: counts, charts, who to contact, who changes group, what to do."""

    township: str
    village: str
    month: str  # 2026年11月
    month_iso: str  # 2026-11
    as_of: str  # the data cut-off, 2026-10-31
    total: int
    previous_total: int
    by_group: list[tuple[str, int]]
    by_risk: list[tuple[str, int]]
    movement: list[tuple[str, int]]
    bars: dict
    trend: dict | None
    overdue: list[PersonRow]
    due: list[PersonRow]
    transitions: list[PersonRow]
    changes: list[PersonRow]
    tasks: list[tuple[str, str, str]]  # what, units, source
    rules: list[tuple[str, str, str]]  # group, cadence, source
    follows: str = ""  # which documents the township follows, said in a sentence


@dataclass(frozen=True)
class TownshipPack:
    township: str
    month: str
    month_iso: str
    as_of: str
    sheets: list[BriefingSheet]
    summary: list[tuple[str, int, int, int, int, int]]  # village, total, entered, exited+moved, due, overdue
    totals: tuple[int, int, int, int, int]
    tasks: list[tuple[str, str, str]] = field(default_factory=list)
    follows: str = ""
    unreadable: list[str] = field(default_factory=list)  # villages whose registry could not be read


def follows_sentence(local: LocalRules, model: PolicyModel) -> str:
    """本乡镇（街道）执行《墩集镇方案》和全县执行的《双零试点方案》, or, without a plan of its own, that it
    follows the county's documents only."""

    def names(ids) -> str:
        return "、".join(f"《{model.document(d).meta.short}》" for d in ids)

    county = [d for d in local.documents if d not in local.own]
    if local.own:
        return f"本乡镇（街道）执行{names(local.own)}" + (f"和全县执行的{names(county)}" if county else "")
    if county:
        return f"本乡镇（街道）没有自己的工作方案，执行全县确定的{names(county)}"
    return "本乡镇（街道）和全县都没有确定执行的文件：联系周期按本地约定，年龄界限按法律"


def _cite(citer: Citer, ref: ClauseRef | None, fallback: str = "本地约定") -> str:
    return citer.cite(ref) if ref else fallback


def _person(case: Case, model: PolicyModel, pseudonym: Pseudonymizer, *cells: str) -> PersonRow:
    return PersonRow(
        pseudonym("/".join(case.key)),  # case numbers repeat across villages
        mask_name(case.name),
        model.groups[case.group].short,
        case.risk,
        case.contact_person or "",
        tuple(cells),
    )


def briefing_sheet(
    village: AreaMonth,
    model: PolicyModel,
    citer: Citer,
    pseudonym: Pseudonymizer,
    tasks: list[tuple[str, str, str]],
    local: LocalRules,
) -> BriefingSheet:
    as_of = village.month.shift(-1).end
    groups = [g for g in model.groups if village.by_group.get(g)]
    due_rows: dict[bool, list[PersonRow]] = {True: [], False: []}
    for d in village.due:
        last = d.last_contact.isoformat() if d.last_contact else "无记录（自纳入起算）"
        due_rows[d.overdue].append(
            _person(d.case, model, pseudonym, last, str(d.days_since), d.due.isoformat())
        )
    transitions = [
        _person(
            t.case,
            model,
            pseudonym,
            Month.of(t.on).label,  # the month only: the day would give away the birth date
            f"满 {t.age} 周岁",
            t.what,
            _cite(citer, t.source, "《未成年人保护法》第二条（未满十八周岁）"),
        )
        for t in village.transitions
    ]
    changes = sorted(
        [_person(c, model, pseudonym, "纳入", c.entry_date.isoformat(), "") for c in village.entered]
        + [
            _person(
                c,
                model,
                pseudonym,
                "迁出" if c in village.moved else "退出",
                c.exit_date.isoformat() if c.exit_date else "",
                c.exit_reason or "",
            )
            for c in village.exited + village.moved
        ],
        key=lambda p: (p.cells[1], p.pseudonym),
    )
    return BriefingSheet(
        township=village.township or "",
        village=village.name,
        month=village.month.label,
        month_iso=str(village.month),
        as_of=as_of.isoformat(),
        total=village.total,
        previous_total=village.previous_total,
        by_group=[(model.groups[g].short, village.by_group[g]) for g in groups],
        by_risk=[(f"{r}风险", village.by_risk.get(r, 0)) for r in RISKS],
        movement=[
            ("纳入", len(village.entered)),
            ("退出", len(village.exited)),
            ("迁出", len(village.moved)),
        ],
        bars=bar_chart([(model.groups[g].short, village.by_group[g]) for g in groups]),
        trend=trend_chart([(m.short_label, v) for m, v in village.trend], height=110),
        overdue=due_rows[True],
        due=due_rows[False],
        transitions=transitions,
        changes=changes,
        tasks=tasks,
        rules=[
            (model.groups[g].short, local.contacts[g].label, _cite(citer, local.contacts[g].source))
            for g in groups
        ],
        follows=follows_sentence(local, model),
    )


def township_pack(
    township: AreaMonth, sheets: list[BriefingSheet], tasks: list | None = None, follows: str = ""
) -> TownshipPack:
    summary = [
        (
            v.name,
            v.total,
            len(v.entered),
            len(v.exited) + len(v.moved),
            len(v.due) - len(v.overdue),
            len(v.overdue),
        )
        for v in township.villages
    ]
    totals = (
        sum(r[1] for r in summary),
        sum(r[2] for r in summary),
        sum(r[3] for r in summary),
        sum(r[4] for r in summary),
        sum(r[5] for r in summary),
    )
    return TownshipPack(
        township.name,
        township.month.label,
        str(township.month),
        township.month.shift(-1).end.isoformat(),
        sheets,
        summary,
        totals,
        tasks if tasks is not None else sheets[0].tasks if sheets else [],
        follows,
    )


def briefing_packs(
    county: AreaMonth,
    model: PolicyModel,
    pseudonym: Pseudonymizer,
    month_tasks: list[MonthTask],
    rules: CountyRules,
    unreadable: list[tuple[str, str]] | tuple = (),
) -> list[TownshipPack]:
    """Every village's sheet, gathered per township; each township's sheets cite and apply the documents
    it follows (its tasks are the month's tasks of those documents). The villages whose registry could not
    be read this month are named in their township's pack (a township with none readable still gets one)."""
    citer = Citer(model)
    packs = []
    for township in county.villages:
        local = rules.of(township.name)
        tasks = [
            (t.what, t.units, citer.cite(t.source)) for t in month_tasks if t.source.doc in local.documents
        ]
        sheets = [briefing_sheet(v, model, citer, pseudonym, tasks, local) for v in township.villages]
        packs.append(township_pack(township, sheets, tasks, follows_sentence(local, model)))
    known = {p.township for p in packs}
    for name in sorted({t for t, _ in unreadable} - known):
        month, local = county.month, rules.of(name)
        tasks = [
            (t.what, t.units, citer.cite(t.source)) for t in month_tasks if t.source.doc in local.documents
        ]
        packs.append(
            TownshipPack(
                name,
                month.label,
                str(month),
                month.shift(-1).end.isoformat(),
                [],
                [],
                (0,) * 5,
                tasks,
                follows_sentence(local, model),
            )
        )
    for pack in packs:
        pack.unreadable.extend(v for t, v in sorted(unreadable) if t == pack.township)
    return packs


class KeptPacks(Sequence[TownshipPack]):
    """The townships' packs, each kept pickled from when it is made (while the county's cases are at hand)
    until it is printed, one township at a time. As objects, a county's rows of people outlived the cases
    they were made with and stood scattered among them, holding the memory the cases had taken."""

    __slots__ = ("_blobs", "sheets")

    def __init__(self, packs: Iterable[TownshipPack] = ()):
        self._blobs: list[bytes] = []
        self.sheets = 0  # the village sheets of all packs
        for pack in packs:
            self._blobs.append(pickle.dumps(pack, protocol=pickle.HIGHEST_PROTOCOL))
            self.sheets += len(pack.sheets)

    def __len__(self) -> int:
        return len(self._blobs)

    @overload
    def __getitem__(self, index: int) -> TownshipPack: ...

    @overload
    def __getitem__(self, index: slice) -> list[TownshipPack]: ...

    def __getitem__(self, index: int | slice) -> TownshipPack | list[TownshipPack]:
        if isinstance(index, slice):
            return [pickle.loads(b) for b in self._blobs[index]]
        return pickle.loads(self._blobs[index])  # (pickled by this process)

    def __iter__(self) -> Iterator[TownshipPack]:
        return (pickle.loads(b) for b in self._blobs)

    def __repr__(self) -> str:
        return f"KeptPacks({len(self)} townships, {self.sheets} sheets)"


def sheet_count(packs: Sequence[TownshipPack]) -> int:
    """The village sheets of `packs`, counted without opening kept ones."""
    return packs.sheets if isinstance(packs, KeptPacks) else sum(len(p.sheets) for p in packs)
