"""Roles, tasks and duties against the hand-checked expectation file."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from generators.policy.model import Role

EXPECT = yaml.safe_load((Path(__file__).parent / "expectations" / "roles.yaml").read_text(encoding="utf-8"))


def extracted(model, doc: str, role: Role, group: str | None = "any") -> dict[str, list[str]]:
    """clause → unit strings as written, in text order, for one role (as the rules find them, without the
    curated overrides, which have their own test)."""
    out: dict[str, list[str]] = {}
    for a in model.assignments:
        if (
            not a.via_override
            and a.source.doc == doc
            and a.role is role
            and (group == "any" or a.group == group)
        ):
            bucket = out.setdefault(a.source.clause, [])
            if a.original not in bucket:
                bucket.append(a.original)
    return out


@pytest.mark.parametrize("doc", ["dunji-2023", "jinyuan-fragment"])
def test_group_roles_match_the_text(model, doc):
    for group, roles in EXPECT[doc]["groups"].items():
        assert extracted(model, doc, Role.LEAD, group) == roles["lead"], (doc, group, "lead")
        assert extracted(model, doc, Role.RESPONSIBLE, group) == roles["responsible"], (
            doc,
            group,
            "responsible",
        )


def test_001_overall_lead(model):
    assert extracted(model, "dunji-2023", Role.LEAD, None) == EXPECT["dunji-2023"]["overall_lead"]


def test_001_tasks_match_the_text(model):
    assert extracted(model, "dunji-2023", Role.TASK) == EXPECT["dunji-2023"]["tasks"]
    # the idle-youth task 4 names seven units (six canonical: two schools are one unit)
    task4 = [a for a in model.assignments if a.source.doc == "dunji-2023" and a.task == "3-2-4"]
    assert len(task4) == 7 and len({a.unit for a in task4}) == 6


def test_003_duties_match_the_text(model):
    got = extracted(model, "xiantao-2021", Role.DUTY)
    assert got == EXPECT["xiantao-2021"]["duties"]


def test_canonical_units(model):
    for doc, mapping in EXPECT["canonical"].items():
        seen = {m.text: m.unit for m in model.mentions if m.source.doc == doc}
        for text, unit in mapping.items():
            assert seen.get(text) == unit, (doc, text)


def test_no_unmatched_unit_strings(model):
    assert model.unmatched == []
    explained = {m.text for m in model.mentions if m.how == "explained"}
    assert explained == {"镇生院"}


def test_every_assignment_traces_to_an_existing_clause(model):
    for a in model.assignments:
        assert a.source.clause in model.document(a.source.doc).clauses


def test_fragment_section_group_is_inferred_from_its_body(model):
    assert model.section_groups["jinyuan-fragment#5-5"] == "street-children"
    assert "jinyuan-fragment#5" not in model.section_groups


def test_group_definitions_and_age_bounds(model):
    by = {(d.doc, d.group): d for d in model.definitions}
    dazan = by[("dazan-2022", "idle")].age
    assert (dazan.min_age, dazan.min_inclusive, dazan.max_age, dazan.max_inclusive) == (6, True, 25, True)
    assert by[("dazan-2022", "left-behind")].age_scope == "document"
    left = by[("dunji-2023", "left-behind")]
    assert left.age.max_age == 16 and not left.age.max_inclusive and left.age_scope == "group"
    assert left.definition.startswith("农村留守儿童是指")
    youth = by[("shuangling-2017", "idle")].age
    assert youth.max_age == 25 and not youth.max_inclusive
    assert by[("xiantao-2021", "orphans")].definition == "无双亲的孤儿"


def test_cadences_and_phases(model):
    kinds = {(c.source.doc, c.source.clause, c.kind) for c in model.cadences}
    assert ("dunji-2023", "3-2-4", "monthly") in kinds  # 每个月至少接触一次
    assert ("dunji-2023", "4-3", "monthly") in kinds  # 镇团委每月调度一次
    assert ("dunji-2023", "4-3", "quarterly") in kinds  # 每季度调度一次
    monthly = next(c for c in model.cadences if c.source.clause == "4-3" and c.kind == "monthly")
    assert monthly.units == ("youth-league",)
    phases = {(p.source.doc, p.name): p for p in model.phases}
    assert (phases[("xiantao-2021", "调查准备阶段")].start, phases[("xiantao-2021", "调查准备阶段")].end) == (
        "2021-07",
        "2021-07",
    )
    assert (phases[("xiantao-2021", "总结提高阶段")].start, phases[("xiantao-2021", "总结提高阶段")].end) == (
        "2021-11",
        "2021-12",
    )
    assert phases[("shuangling-2017", "试点和督导")].duration == "为期一年"
    assert phases[("shuangling-2017", "公布结果")].duration == "三年内"


def test_curated_override_is_applied(model):
    added = [a for a in model.assignments if a.via_override]
    assert [(str(a.source), a.unit, a.role, a.group) for a in added] == [
        ("xiantao-2021#4-p1", "civil-affairs", Role.DUTY, "distressed")
    ]
    assert model.warnings == []
