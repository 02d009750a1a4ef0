"""Each township applies the documents it follows (data/places.yaml): contact cycles, age bounds, tasks."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest

from generators.core.errors import InputError
from generators.policy.work_calendar import work_calendar
from generators.privacy.pseudonyms import Pseudonymizer
from generators.registry.briefings import briefing_packs
from generators.registry.local_rules import county_rules
from generators.registry.model import Case, Contact
from generators.registry.monthly import month_tasks, monthly_areas
from generators.registry.places import PlaceList, Township, read_places
from generators.registry.validate import import_registry
from tests.conftest import ROOT
from tests.registry_fixtures import AS_OF, SCHEMA, case, ident, workbook
from tests.test_briefings import NOV, REF, person

# The county follows the national pilot plan; 高峰镇 has its own plan (墩集镇方案), 团结街道 two, and
# 新华乡 none: it follows the county's document only.
PLACES = PlaceList(
    "示范县",
    (
        Township("高峰镇", follows=("dunji-2023",)),
        Township("团结街道", follows=("dazan-2022", "xiantao-2021")),
        Township("新华乡"),
    ),
    follows=("shuangling-2017",),
)


def at(case: Case, township: str, village: str) -> Case:
    return replace(case, township=township, village=village)


@pytest.fixture(scope="module")
def rules(model):
    return county_rules(model, PLACES, 90)


def test_documents_in_precedence_order_own_plan_first(rules):
    assert rules.of("高峰镇").documents == ("dunji-2023", "shuangling-2017")
    assert rules.of("团结街道").own == ("dazan-2022", "xiantao-2021")
    assert rules.of("新华乡").own == () and rules.of("新华乡").documents == ("shuangling-2017",)
    assert rules.of("不在地名表中的乡") is rules.county


def test_contact_cycle_and_age_bound_come_from_the_townships_documents(rules):
    gaofeng, tuanjie, xinhua = rules.of("高峰镇"), rules.of("团结街道"), rules.of("新华乡")
    # 墩集镇方案: 闲散青少年 每个月至少接触一次; 大安街道方案: 定期接触 (the local interval applies)
    assert (
        gaofeng.contacts["idle"].days is None and str(gaofeng.contacts["idle"].source) == "dunji-2023#3-2-4"
    )
    assert tuanjie.contacts["idle"].days == 90 and str(tuanjie.contacts["idle"].source).startswith(
        "dazan-2022"
    )
    assert xinhua.contacts["idle"].days == 90 and xinhua.contacts["idle"].source is None  # 本地约定
    # 大安街道方案: 6–25 周岁（含）; 双零试点方案: 不满 25 周岁
    assert (tuanjie.ages["idle"].min_age, tuanjie.ages["idle"].below) == (6, 26)
    assert (gaofeng.ages["idle"].min_age, gaofeng.ages["idle"].below) == (None, 25)
    assert gaofeng.ages["left-behind"].below == 16  # 墩集镇方案: 未满16周岁
    narrow = rules.narrowest_ages()["idle"]
    assert (narrow.min_age, narrow.below) == (6, 25)


def test_same_youth_in_two_townships_gets_each_townships_rules(model, rules):
    born = dt.date(2001, 1, 5)  # 26 on 2027-01-05: leaves 闲散青少年 in 团结街道 only (大安街道方案)
    cases = [person("G1", "idle", born), at(person("T1", "idle", born), "团结街道", "杨柳社区")]
    contacts = [
        Contact(c.case_id, dt.date(2026, 10, 20), "走访", "王平", REF, c.township, c.village) for c in cases
    ]
    county = monthly_areas(cases, contacts, NOV, rules)
    by_township = {t.name: t.villages[0] for t in county.villages}
    assert [d.case.case_id for d in by_township["高峰镇"].due] == ["G1"]  # monthly: due in November
    assert by_township["团结街道"].due == []  # every 90 days: January
    assert [t.age for t in by_township["团结街道"].transitions] == [26]
    assert by_township["高峰镇"].transitions == []  # already past 高峰镇's bound (不满25周岁)


def test_a_township_without_a_plan_says_which_documents_it_follows(model, rules):
    cases = [
        at(person("X", "idle", dt.date(2005, 3, 1)), "新华乡", "新华村"),
        person("Y", "idle", dt.date(2005, 3, 1)),
    ]
    county = monthly_areas(cases, [], NOV, rules)
    tasks = month_tasks(work_calendar(model), model, NOV)
    packs = {p.township: p for p in briefing_packs(county, model, Pseudonymizer(b"k"), tasks, rules)}
    assert packs["新华乡"].follows == "本乡镇（街道）没有自己的工作方案，执行全县确定的《双零试点方案》"
    assert packs["新华乡"].sheets[0].follows == packs["新华乡"].follows
    assert packs["高峰镇"].follows == "本乡镇（街道）执行《墩集镇方案》和全县执行的《双零试点方案》"
    # tasks: only those of the documents the township follows (墩集镇方案 has the monthly ones)
    assert packs["新华乡"].tasks == [] and packs["高峰镇"].tasks
    assert all("墩集镇方案" in source for _, _, source in packs["高峰镇"].tasks)
    rules_line = dict((g, c) for g, c, _ in packs["新华乡"].sheets[0].rules)
    assert rules_line["闲散青少年"].startswith("定期")


def test_a_document_the_texts_do_not_have_stops_the_build(model):
    places = PlaceList("示范县", (Township("高峰镇", follows=("no-such-plan",)),))
    with pytest.raises(InputError) as err:
        county_rules(model, places, 90, "data/places.yaml")
    assert (
        "data/places.yaml" in str(err.value)
        and "高峰镇" in str(err.value)
        and "no-such-plan" in str(err.value)
    )


def test_the_registry_is_checked_against_the_townships_age_bounds(model, tmp_path):
    """A youth who entered at 25 as 闲散青少年: within 大安街道方案 (团结街道), outside 双零 (高峰镇)."""
    places = read_places(ROOT / "data" / "places.yaml")
    rules = county_rules(model, places, 90)
    born = dt.date(2000, 1, 5)
    row = dict(birth_date=born, id_number=ident(born, 7), entry_date=dt.date(2025, 2, 1))
    workbook(tmp_path / "a.xlsx", [case(1, **row)])
    workbook(
        tmp_path / "b.xlsx",
        [case(2, township="团结街道", village="杨柳社区", **{**row, "id_number": ident(born, 8)})],
    )
    result = import_registry(tmp_path, SCHEMA, places, model, rules, AS_OF)
    assert [c.township for c in result.cases] == ["团结街道"]
    [rejected] = result.rejected
    assert "不满25周岁" in rejected.problems[0].message and "shuangling-2017" in rejected.problems[0].message
