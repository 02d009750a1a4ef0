"""Derive: the registry's public figures — every number the public pages show about the county, its
townships and villages — as one linked system, suppressed and audited together.

Places are the county's list (data/places.yaml): a case whose township or village is not on it stops
the build, so no registry cell becomes a title, a path or a link. Each area publishes, for the report
month: counts by group and by risk; the trend of its count over the last months (the last one is its
total); last month's movement (entered, exited, moved away); contacts due and overdue. The relations a
reader can use are all declared here, and `privacy.suppression` hides what must not be worked out.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from generators.core.cache import KeyedFiles, SignedPickles
from generators.core.errors import InputError, Problem
from generators.core.months import Month
from generators.privacy.masking import mask_name
from generators.privacy.suppression import FigureSystem, Relation, SuppressionError, protected
from generators.registry.model import Case
from generators.registry.monthly import RISKS, AreaMonth, AreaTally
from generators.registry.places import PlaceList

HIDDEN = "*"
MOVEMENT = ("entered", "exited", "moved")
CONTACTS = ("due", "overdue", "contacts")  # due this month (not yet overdue), overdue, both


def on_place_list(cases: list[Case], places: PlaceList) -> list[Case]:
    """The cases with their township and village as the county's list spells them. A place the list does
    not know stops the build, naming the registry file, row and column: public pages, file names and links
    are made from the list's names only."""
    problems, out = [], []
    named: dict[tuple[str, str], tuple[str | None, str | None]] = {}  # a county has a few hundred spellings
    for case in cases:
        spelled = (case.township, case.village)
        if spelled not in named:
            township = places.township(case.township)
            named[spelled] = (township, places.village(township, case.village) if township else None)
        township, village = named[spelled]
        if township is None or village is None:
            column, value = (
                ("乡镇（街道）", case.township) if township is None else ("村（社区）", case.village)
            )
            problems.append(
                Problem(
                    case.source.file,
                    "地名不在县里的地名表（data/places.yaml）中；请按地名表填写，或请县里把这个写法加入地名表",
                    sheet=case.source.sheet,
                    row=case.source.row,
                    column=column,
                    value=mask_name(value[:80]),  # a cell that is not a place may be a person's name
                )
            )
            continue
        same = township == case.township and village == case.village  # most rows: made again only if not
        out.append(case if same else dataclasses.replace(case, township=township, village=village))
    if problems:
        raise InputError(problems)
    return out


@dataclass(frozen=True)
class PublicArea:
    """One area of the public pages: `key` is "" for the county, "乡镇" or "乡镇/村"."""

    key: str
    level: str  # county | township | village
    name: str
    children: tuple[PublicArea, ...] = ()


@dataclass(frozen=True)
class PublicFigures:
    """What the public pages may show: each figure's value, or None where it is hidden."""

    county: PublicArea
    groups: tuple[str, ...]  # group ids, in the model's order, that the county has
    months: tuple[Month, ...]  # the trend's months; the last is the data month
    report_month: Month
    threshold: int
    shown: dict[str, int | None]

    def value(self, area: PublicArea, measure: str) -> int | None:
        return self.shown[figure(area.key, measure)]

    def text(self, area: PublicArea, measure: str) -> str:
        v = self.value(area, measure)
        return HIDDEN if v is None else str(v)

    @property
    def suppressed(self) -> bool:
        return any(v is None for v in self.shown.values())

    def areas(self) -> list[PublicArea]:
        out = [self.county]
        for t in self.county.children:
            out += [t, *t.children]
        return out


def figure(area_key: str, measure: str) -> str:
    return f"{area_key}|{measure}"


def measures(groups: tuple[str, ...], months: tuple[Month, ...]) -> list[str]:
    return (
        [f"g:{g}" for g in groups]
        + [f"r:{r}" for r in RISKS]
        + [f"t:{m}" for m in months]
        + list(MOVEMENT)
        + list(CONTACTS)
    )


def _values(area: AreaTally, groups: tuple[str, ...], months: tuple[Month, ...]) -> dict[str, int]:
    trend = dict(area.trend)
    if [m for m, _ in area.trend][-2:] != list(months[-2:]) or trend[months[-1]] != area.total:
        raise AssertionError("the trend's last month must be the data month, its count the total")
    values = {f"g:{g}": area.by_group.get(g, 0) for g in groups}
    values.update({f"r:{r}": area.by_risk.get(r, 0) for r in RISKS})
    values.update({f"t:{m}": trend[m] for m in months})
    values.update(entered=area.entered, exited=area.exited, moved=area.moved)
    values.update(due=area.due - area.overdue, overdue=area.overdue, contacts=area.due)
    return values


def figure_system(
    area: AreaMonth | AreaTally, groups: tuple[str, ...], group_names: dict[str, str]
) -> FigureSystem:
    """Every public figure of every area with its true value, and the relations between them."""
    county = AreaTally.of(area)
    months = tuple(m for m, _ in county.trend)
    last, before = (f"t:{months[-1]}", f"t:{months[-2]}") if len(months) >= 2 else (f"t:{months[-1]}", None)
    system = FigureSystem({})
    names = {
        **{f"g:{g}": f"{group_names[g]}人数" for g in groups},
        **{f"r:{r}": f"{r}风险人数" for r in RISKS},
        **{f"t:{m}": f"{m.label}末在册人数" for m in months},
        "entered": "纳入人数",
        "exited": "退出人数",
        "moved": "迁出人数",
        "due": "本月到期人数",
        "overdue": "已逾期人数",
        "contacts": "应联系人数",
    }

    def add(area: AreaTally, key: str, label: str) -> None:
        level = {"village": 0, "township": 1, "county": 2}[area.level]
        for measure, value in _values(area, groups, months).items():
            system.values[figure(key, measure)] = value
            system.labels[figure(key, measure)] = f"{label or '全县'}{names[measure]}"
            # What readers miss most stays shown longest: totals, then the trend, then a month's cells;
            # and among each, the county's, then the townships'.
            kind = 2 if measure == last else 1 if measure.startswith("t:") else 0
            system.weight[figure(key, measure)] = kind * 3 + level
        f = lambda m: figure(key, m)  # noqa: E731
        system.relations += [
            Relation(tuple((f(f"g:{g}"), 1) for g in groups) + ((f(last), -1),)),
            Relation(tuple((f(f"r:{r}"), 1) for r in RISKS) + ((f(last), -1),)),
            Relation(((f("contacts"), 1), (f("due"), -1), (f("overdue"), -1))),
            Relation(((f("contacts"), 1), (f(last), -1)), equal=False),  # each person is due at most once
        ]
        if before is not None:
            system.relations.append(
                Relation(
                    ((f(last), 1), (f(before), -1), (f("entered"), -1), (f("exited"), 1), (f("moved"), 1))
                )
            )

    def sums(parent: str, children: list[str]) -> None:
        for measure in measures(groups, months):
            system.relations.append(
                Relation(tuple((figure(c, measure), 1) for c in children) + ((figure(parent, measure), -1),))
            )

    add(county, "", "")
    for t in county.villages:
        add(t, t.name, t.name)
        for v in t.villages:
            add(v, f"{t.name}/{v.name}", f"{t.name}{v.name}")
        sums(t.name, [f"{t.name}/{v.name}" for v in t.villages])
    sums("", [t.name for t in county.villages])
    return system


def public_figures(
    area: AreaMonth | AreaTally,
    group_order: list[str],
    group_names: dict[str, str],
    threshold: int,
    kept: KeyedFiles | None = None,
    solved: SignedPickles | None = None,
) -> PublicFigures:
    """The public figures of the county, its townships and villages, with small counts and whatever
    would reveal them hidden. The audit runs on the result; figures it cannot protect stop the build."""
    if threshold < 2:
        raise InputError(Problem("data/registry.yaml", "suppress_below 至少为 2（少于这个数的人数不公开）"))
    county = AreaTally.of(area)
    present = {g for t in county.villages for v in t.villages for g in v.by_group} | set(county.by_group)
    groups = tuple(g for g in group_order if g in present)
    months = tuple(m for m, _ in county.trend)
    system = figure_system(county, groups, group_names)
    try:
        hidden = protected(system, threshold, kept, solved)
    except SuppressionError as exc:
        raise InputError(Problem("台账汇总", f"小数字无法可靠隐去，已停止发布：{exc}")) from None
    root = PublicArea(
        "",
        "county",
        county.name,
        tuple(
            PublicArea(
                t.name,
                "township",
                t.name,
                tuple(PublicArea(f"{t.name}/{v.name}", "village", v.name) for v in t.villages),
            )
            for t in county.villages
        ),
    )
    shown = {f: (None if f in hidden else v) for f, v in system.values.items()}
    return PublicFigures(root, groups, months, county.month, threshold, shown)
