"""Derive: the rules that apply in each township. A township follows the documents data/places.yaml names —
its own plan first, then the county's — and from those documents come each group's age bounds (the
registry is checked against them, and the briefing lists who leaves a group), each group's contact cycle
and the month's tasks. A township not on the list, or with no plan of its own, follows the county's."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

from generators.core.errors import InputError, Problem
from generators.core.months import Month
from generators.policy.age_rules import AgeRule, age_rules
from generators.policy.model import ClauseRef, PolicyModel
from generators.registry.places import PlaceList


@dataclass(frozen=True)
class ContactRule:
    """How often a group's youths must be contacted, and on what authority."""

    group: str
    days: int | None  # an interval in days; None: once in every calendar month
    label: str
    source: ClauseRef | None  # None: a local agreement (registry.yaml), not a clause

    def due(self, base: dt.date, month: Month) -> tuple[dt.date, bool] | None:
        """When the next contact after `base` (last contact, or entry) falls due, and whether it is already
        overdue at the start of `month`; None when it falls due after `month`."""
        if self.days is None:  # 每个月至少接触一次: everyone is due this month; overdue if none last month
            data_month = month.shift(-1)
            if base < data_month.start:
                return data_month.end, True
            return month.end, False
        due = base + dt.timedelta(days=self.days)
        return (due, due < month.start) if due <= month.end else None


def contact_rules(
    model: PolicyModel, periodic_days: int, documents: list[str] | tuple[str, ...] | None = None
) -> dict[str, ContactRule]:
    """Each group's contact cycle from `documents` (all, when None), the first document that sets one for
    the group deciding: monthly where it says so (墩集镇方案: 每个月至少接触一次), otherwise the local
    interval for 定期 (a local agreement, cited as such when no document says even 定期)."""
    order = list(documents) if documents is not None else [d.id for d in model.documents]
    rules = {}
    for gid in model.groups:
        found = sorted(
            (c for c in model.cadences if c.group == gid and c.source.doc in order),
            key=lambda c: (order.index(c.source.doc), c.kind != "monthly"),
        )
        first = found[0] if found else None
        if first is not None and first.kind == "monthly":
            rules[gid] = ContactRule(gid, None, f"每月（{first.phrase}）", first.source)
        else:
            periodic = first if first is not None and first.kind == "periodic" else None
            rules[gid] = ContactRule(
                gid,
                periodic_days,
                f"定期（本地约定每 {periodic_days} 天）",
                periodic.source if periodic else None,
            )
    return rules


@dataclass(frozen=True)
class LocalRules:
    """What applies in one township (or, for `place` None, in the county at large)."""

    place: str | None
    documents: tuple[str, ...]  # in precedence order: the township's own plan, then the county's documents
    own: tuple[str, ...]  # the township's own plan(s); empty when it follows the county's documents only
    ages: dict[str, AgeRule]
    contacts: dict[str, ContactRule]


@dataclass(frozen=True)
class CountyRules:
    county: LocalRules
    townships: dict[str, LocalRules]

    def of(self, township: str | None) -> LocalRules:
        """The township's rules; the county's for a township the place list does not know."""
        return self.townships.get(township or "", self.county)

    def narrowest_ages(self) -> dict[str, AgeRule]:
        """Per group, the ages every township admits: what a generated registry may use anywhere."""
        out = {}
        for gid, rule in self.county.ages.items():
            rules = [rule, *(t.ages[gid] for t in self.townships.values())]
            lows = [r.min_age for r in rules if r.min_age is not None]
            highs = [r.below for r in rules if r.below is not None]
            bounds = AgeRule(gid, max(lows) if lows else None, min(highs) if highs else None, "", None)
            out[gid] = replace(bounds, text=bounds.describe())
        return out


def local_rules(
    model: PolicyModel, place: str | None, documents: tuple[str, ...], own: tuple[str, ...], periodic: int
) -> LocalRules:
    return LocalRules(
        place,
        documents,
        own,
        age_rules(model, list(documents)),
        contact_rules(model, periodic, documents),
    )


def county_rules(
    model: PolicyModel, places: PlaceList, periodic_days: int, file: str = "data/places.yaml"
) -> CountyRules:
    """Every township's rules from the documents the place list says it follows. A document id that the
    policy texts do not have stops the build, naming the place list and the township."""
    known = {d.id for d in model.documents}
    problems = [
        Problem(file, f"{where}的 follows 中的文件“{doc}”不在政策文件中（可用：{'、'.join(sorted(known))}）")
        for where, ids in [("县（区）", places.follows)] + [(t.name, t.follows) for t in places.townships]
        for doc in ids
        if doc not in known
    ]
    if problems:
        raise InputError(problems)
    county = tuple(dict.fromkeys(places.follows))
    townships = {}
    for t in places.townships:
        own = tuple(d for d in dict.fromkeys(t.follows) if d not in county)
        townships[t.name] = local_rules(model, t.name, own + county, own, periodic_days)
    return CountyRules(local_rules(model, None, county, (), periodic_days), townships)
