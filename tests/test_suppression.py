"""Small counts, attacked as a statistician would: crafted registries (one rare child in a village, one entry
in a month, a township with one small village), then every relation a reader knows — totals are sums, a
month is the month before plus entries less exits, a township is the sum of its villages — solved for the
smallest and largest value of each hidden figure, in whole numbers (an integer programme, stronger than
the build's own linear audit). No hidden figure may come out narrower than the threshold."""

from __future__ import annotations

import datetime as dt
import itertools
import random

import numpy as np
import pytest
from scipy.optimize import Bounds, LinearConstraint, milp

from generators.core.charts import bar_chart, trend_chart
from generators.core.months import Month
from generators.privacy.suppression import FigureSystem, Relation, audit, protect
from generators.registry.figures import PublicFigures, public_figures
from generators.registry.local_rules import county_rules
from generators.registry.model import Case, RowRef
from generators.registry.monthly import RISKS, monthly_areas
from generators.registry.places import read_places
from tests.conftest import ROOT

NOV = Month(2026, 11)
OCT_START = dt.date(2026, 10, 1)
LONG_AGO = dt.date(2024, 1, 10)
REF = RowRef("v.xlsx", "个案台账", 2)
BIRTH = {
    "idle": dt.date(2006, 3, 1),
    "street-children": dt.date(2012, 3, 1),
    "left-behind": dt.date(2014, 3, 1),
}


def case(n: int, township: str, village: str, group: str = "idle", risk: str = "中", **over) -> Case:
    return Case(
        case_id=f"{township}{village}{n}",
        township=township,
        village=village,
        group=group,
        risk=risk,
        name="张小明",
        gender="男",
        birth_date=BIRTH[group],
        id_number="341221200603010011",
        status="无业",
        contact_person="王平",
        entry_date=over.pop("entry_date", LONG_AGO),
        source=REF,
        **over,
    )


def village(township: str, name: str, count: int, start: int = 0, **over) -> list[Case]:
    risks = itertools.cycle(RISKS)
    return [case(start + i, township, name, risk=next(risks), **over) for i in range(count)]


@pytest.fixture(scope="module")
def derive(model):
    rules = county_rules(model, read_places(ROOT / "data" / "places.yaml"), 90)

    def run(cases: list[Case], threshold: int = 3) -> PublicFigures:
        county = monthly_areas(cases, [], NOV, rules)
        return public_figures(county, list(model.groups), {g: g for g in model.groups}, threshold)

    return run


# --- the reader's own model of the published figures (written apart from the build's) ---------------------
def reader_relations(figs: PublicFigures) -> list[tuple[dict[str, int], bool]]:
    """Everything a reader knows links the published figures, from the page structure alone."""
    last, before = (f"t:{m}" for m in (figs.months[-1], figs.months[-2]))
    out: list[tuple[dict[str, int], bool]] = []

    def fig(area, measure):
        return f"{area.key}|{measure}"

    for area in figs.areas():
        out.append(({**{fig(area, f"g:{g}"): 1 for g in figs.groups}, fig(area, last): -1}, True))
        out.append(({**{fig(area, f"r:{r}"): 1 for r in RISKS}, fig(area, last): -1}, True))
        out.append(
            (
                {
                    fig(area, last): 1,
                    fig(area, before): -1,
                    fig(area, "entered"): -1,
                    fig(area, "exited"): 1,
                    fig(area, "moved"): 1,
                },
                True,
            )
        )
        out.append(({fig(area, "contacts"): 1, fig(area, "due"): -1, fig(area, "overdue"): -1}, True))
        out.append(({fig(area, "contacts"): 1, fig(area, last): -1}, False))
        measures = {f.split("|", 1)[1] for f in figs.shown if f.startswith(f"{area.key}|")}
        for m in measures if area.children else ():
            out.append(({**{fig(c, m): 1 for c in area.children}, fig(area, m): -1}, True))
    return out


def reader_bounds(figs: PublicFigures) -> dict[str, tuple[float, float]]:
    """The whole-number range of every hidden figure given everything shown (an integer programme)."""
    names = sorted(figs.shown)
    at = {f: i for i, f in enumerate(names)}
    rows, lo, hi = [], [], []
    for terms, equal in reader_relations(figs):
        row = np.zeros(len(names))
        for f, c in terms.items():
            row[at[f]] = c
        rows.append(row)
        lo.append(0 if equal else -np.inf)
        hi.append(0)
    fixed = [figs.shown[f] for f in names]
    bounds = Bounds([0 if v is None else v for v in fixed], [np.inf if v is None else v for v in fixed])
    constraint = LinearConstraint(np.array(rows), lo, hi)
    out = {}
    for f in names:
        if figs.shown[f] is not None:
            continue
        c = np.zeros(len(names))
        c[at[f]] = 1
        ends = []
        for sign in (1, -1):
            res = milp(sign * c, constraints=constraint, bounds=bounds, integrality=np.ones(len(names)))
            assert res.status != 2, "the published figures contradict each other"
            ends.append(sign * res.fun if res.fun is not None else np.inf)  # no optimum: grows without end
        out[f] = (ends[0], ends[1])
    return out


def assert_protected(figs: PublicFigures) -> None:
    narrow = {f: b for f, b in reader_bounds(figs).items() if b[1] - b[0] < figs.threshold}
    assert narrow == {}


def hidden(figs: PublicFigures, key: str) -> bool:
    return figs.shown[key] is None


# --- crafted registries ------------------------------------------------------------------------------------
def test_one_rare_child_in_a_village(derive):
    cases = (
        village("高峰镇", "长岭村", 9)
        + [case(99, "高峰镇", "长岭村", "street-children")]
        + village("高峰镇", "双河村", 12, 100)
        + village("高峰镇", "凤凰村", 7, 200)
        + village("团结街道", "杨柳社区", 11, 300)
    )
    figs = derive(cases)
    assert hidden(figs, "高峰镇/长岭村|g:street-children")
    # the village's total, its township's and the county's: shown, and still the rare child cannot be found
    assert figs.shown["高峰镇/长岭村|t:2026-10"] == 10 and figs.shown["|t:2026-10"] == 40
    assert hidden(figs, "高峰镇|g:street-children") and hidden(figs, "|g:street-children")
    assert_protected(figs)


def test_one_entry_in_a_month(derive):
    cases = (
        village("高峰镇", "长岭村", 15)
        + [case(50, "高峰镇", "长岭村", entry_date=dt.date(2026, 10, 12))]
        + village("高峰镇", "双河村", 14, 100)
        + village("团结街道", "杨柳社区", 9, 200)
    )
    figs = derive(cases)
    assert figs.shown["高峰镇/长岭村|t:2026-09"] == 15 and figs.shown["高峰镇/长岭村|t:2026-10"] == 16
    assert hidden(figs, "高峰镇/长岭村|entered")
    # 16 = 15 + entered − exited − moved: a shown 0 beside the hidden 1 would give it away
    assert sum(hidden(figs, f"高峰镇/长岭村|{m}") for m in ("exited", "moved")) >= 1
    assert_protected(figs)


def test_a_township_with_one_small_village(derive):
    cases = (
        village("高峰镇", "长岭村", 2)
        + village("高峰镇", "双河村", 12, 100)
        + village("高峰镇", "凤凰村", 9, 200)
        + village("团结街道", "杨柳社区", 11, 300)
        + village("团结街道", "枫木社区", 8, 400)
    )
    figs = derive(cases)
    assert hidden(figs, "高峰镇/长岭村|t:2026-10")
    assert sum(hidden(figs, f"高峰镇/{v}|t:2026-10") for v in ("双河村", "凤凰村")) >= 1
    assert_protected(figs)


def test_a_township_whose_only_village_is_small(derive):
    cases = (
        village("高峰镇", "长岭村", 1)
        + village("团结街道", "杨柳社区", 11)
        + village("团结街道", "枫木社区", 8, 50)
    )
    figs = derive(cases)
    assert hidden(figs, "高峰镇|t:2026-10") and hidden(figs, "高峰镇/长岭村|t:2026-10")
    assert_protected(figs)


def test_the_threshold_is_configurable(derive):
    cases = (
        village("高峰镇", "长岭村", 4)
        + village("高峰镇", "双河村", 12, 100)
        + village("团结街道", "杨柳社区", 11, 300)
    )
    assert not hidden(derive(cases, threshold=3), "高峰镇/长岭村|t:2026-10")
    figs = derive(cases, threshold=5)
    assert hidden(figs, "高峰镇/长岭村|t:2026-10")
    assert_protected(figs)


def test_random_counties_survive_the_reader(derive):
    rng = random.Random(11)
    groups = list(BIRTH)
    for _ in range(2):
        cases = []
        for t, vs in (("高峰镇", ("长岭村", "双河村", "凤凰村")), ("团结街道", ("杨柳社区", "枫木社区"))):
            for v in vs[: rng.randint(1, len(vs))]:
                for i in range(rng.randint(1, 14)):
                    entry = rng.choice([LONG_AGO, OCT_START + dt.timedelta(days=rng.randint(0, 30))])
                    over = {"entry_date": entry}
                    if rng.random() < 0.15:
                        over.update(
                            exit_date=dt.date(2026, 10, 20), exit_reason=rng.choice(["迁出", "情况好转"])
                        )
                    cases.append(case(i, t, v, rng.choice(groups), rng.choice(RISKS), **over))
        figs = derive(cases, threshold=rng.choice([3, 3, 4]))
        assert_protected(figs)


# --- the engine on its own ---------------------------------------------------------------------------------
def table_system(cells: list[list[int]]) -> FigureSystem:
    """A table with row and column totals and a grand total."""
    values, relations = {}, []
    for r, row in enumerate(cells):
        for c, v in enumerate(row):
            values[f"{r},{c}"] = v
        values[f"{r},+"] = sum(row)
        relations.append(Relation(tuple((f"{r},{c}", 1) for c in range(len(row))) + ((f"{r},+", -1),)))
    for c in [*range(len(cells[0])), "+"]:
        values[f"+,{c}"] = sum(values[f"{r},{c}"] for r in range(len(cells)))
        relations.append(Relation(tuple((f"{r},{c}", 1) for r in range(len(cells))) + ((f"+,{c}", -1),)))
    return FigureSystem(values, relations)


def test_every_small_count_is_hidden_and_none_can_be_narrowed():
    for values in itertools.product([0, 1, 2, 4, 9], repeat=4):
        system = table_system([list(values[:2]), list(values[2:])])
        hidden_set = protect(system, 3)
        assert all(f in hidden_set for f, v in system.values.items() if 0 < v < 3)
        assert audit(system, hidden_set, 3) == []


def test_the_audit_finds_what_a_single_complement_leaves_open():
    """Row 1 + 4 = 5 with both hidden but the column totals shown: each is pinned by its column."""
    system = table_system([[1, 4], [5, 5]])
    leaky = {"0,0", "0,1"}
    found = {d.figure for d in audit(system, leaky, 3)}
    assert found == {"0,0", "0,1"}
    assert audit(system, protect(system, 3), 3) == []


def test_a_relation_that_does_not_hold_is_a_modelling_error():
    with pytest.raises(AssertionError):
        protect(FigureSystem({"a": 1, "b": 2}, [Relation((("a", 1), ("b", -1)))]), 3)


def test_charts_draw_only_what_tables_show():
    shown = bar_chart([("甲", 40), ("乙", None), ("丙", 20)])
    hidden_big = bar_chart([("甲", 40), ("乙", None), ("丙", 20)])
    assert shown == hidden_big  # the hidden value never reaches the chart: nothing to draw from
    bars = shown["bars"]
    assert (
        bars[1]["value"] == "*"
        and bars[1]["small"]
        and bars[1]["width"] == bar_chart([("x", None)])["bars"][0]["width"]
    )
    assert bars[0]["width"] == 300 and bars[2]["width"] == 150  # scaled by the largest shown value only
    trend = trend_chart([("5月", 15), ("6月", None), ("7月", 16)])
    assert [d["value"] for d in trend["dots"]] == ["15", "*", "16"]
    assert trend["path"].count("M") == 2  # the line breaks at the hidden month
    assert trend_chart([("5月", None), ("6月", 4)]) is None


# --- places ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "village",
    [
        "<img src=x onerror=alert(1)>村",
        "../长岭村",
        "长岭村/../../etc",
        "长岭村\x00",
        "长" * 100,
        "张小明",
        "长岭村 ",
    ],
)
def test_only_places_on_the_list_reach_the_public_pages(village):
    from generators.core.errors import InputError
    from generators.registry.figures import on_place_list
    from generators.registry.places import read_places
    from tests.conftest import ROOT

    places = read_places(ROOT / "data" / "places.yaml")
    spelled = on_place_list([case(1, "高峰乡", "长岭村委会"), case(2, "团结街办", " 杨柳居委会")], places)
    assert [(c.township, c.village) for c in spelled] == [("高峰镇", "长岭村"), ("团结街道", "杨柳社区")]
    if village.strip() == "长岭村":
        assert on_place_list([case(3, "高峰镇", village)], places)[0].village == "长岭村"
        return
    with pytest.raises(InputError) as err:
        on_place_list([case(3, "高峰镇", village)], places)
    text = str(err.value)
    assert "v.xlsx" in text and "第 2 行" in text and "村（社区）" in text and "地名表" in text
    assert village not in text  # the cell may be a name typed in the wrong column: shown masked


def test_the_same_figures_are_protected_once(model, tmp_path, monkeypatch):
    """A rebuild with the same figures takes the hidden set kept (public: the site shows them as hidden);
    one changed figure is protected again, with the result a fresh suppression gives."""
    from generators.core.cache import KeyedFiles
    from generators.privacy import suppression

    rules = county_rules(model, read_places(ROOT / "data" / "places.yaml"), 90)
    solved: list[int] = []
    real = suppression.protect
    monkeypatch.setattr(suppression, "protect", lambda s, t, **k: solved.append(1) or real(s, t, **k))

    def figures(cases, kept):
        county = monthly_areas(cases, [], NOV, rules)
        return public_figures(county, list(model.groups), {g: g for g in model.groups}, 3, kept)

    cases = village("高峰镇", "双河村", 7) + village("高峰镇", "凤凰村", 2, start=100)
    first = figures(cases, KeyedFiles(tmp_path))
    again = figures(cases, KeyedFiles(tmp_path))
    assert len(solved) == 1 and again == first
    changed = cases + village("高峰镇", "凤凰村", 3, start=200)
    assert figures(changed, KeyedFiles(tmp_path)) == figures(changed, None)
    assert len(solved) == 3


def test_a_rebuild_solves_again_only_the_groups_a_changed_village_is_in(model, tmp_path, monkeypatch):
    """The audit's answers are kept per group of linked hidden figures (restricted output, signed): the
    same figures audited again solve nothing; one village changed solves fewer groups than the first
    time; the hidden figures are always those a fresh suppression gives."""
    from generators.core.cache import SignedPickles
    from generators.privacy import suppression

    rules = county_rules(model, read_places(ROOT / "data" / "places.yaml"), 90)
    calls: list[int] = []
    real = suppression._bounds
    monkeypatch.setattr(suppression, "_bounds", lambda *a: calls.append(1) or real(*a))
    kept = tmp_path / "restricted" / ".audit-cache"

    def figures(cases, memo: bool):
        county = monthly_areas(cases, [], NOV, rules)
        solved = (
            SignedPickles(kept, b"a-pseudonym-key-of-at-least-32-bytes", b"audit", True) if memo else None
        )
        return public_figures(county, list(model.groups), {g: g for g in model.groups}, 3, None, solved)

    villages = (
        ("高峰镇", ("长岭村", "双河村", "凤凰村", "新华村")),
        ("团结街道", ("杨柳社区", "枫木社区", "桃源社区")),
    )
    cases = [
        c for t, vs in villages for i, v in enumerate(vs) for c in village(t, v, 2 + 3 * i, start=100 * i)
    ]
    fresh = figures(cases, False)
    calls.clear()
    assert figures(cases, True) == fresh
    first = len(calls)
    assert first > 1
    calls.clear()
    assert figures(cases, True) == fresh and calls == []  # every group's answer kept
    changed = cases + village("团结街道", "枫木社区", 2, start=900)
    expected = figures(changed, False)
    calls.clear()
    assert figures(changed, True) == expected
    assert 0 < len(calls) < first
