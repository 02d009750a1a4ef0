"""Render: public registry pages (aggregates only, small counts suppressed) and the schema page.

Nothing per person reaches these contexts: they are built from counts, never from Case objects' fields.
"""

from __future__ import annotations

from generators.core.charts import bar_chart, trend_chart
from generators.policy.model import PolicyModel
from generators.privacy.suppression import suppress
from generators.registry.monthly import RISKS, AreaMonth
from generators.registry.places import PlaceList
from generators.registry.schema import RegistrySchema
from generators.website.pages import rel
from generators.website.render import PageTask


def count_table(rows: list[tuple[str, str | None, list[int]]], columns: list[str], threshold: int) -> dict:
    """A suppressed table: rows of (label, link, counts) with row and column totals."""
    if not rows:
        return {"columns": columns, "rows": [], "total": [], "suppressed": False}
    table = suppress([counts for _, _, counts in rows], threshold)
    body = []
    for r, (label, href, _) in enumerate(rows):
        body.append(
            {"label": label, "href": href, "cells": [table.show(r, c) for c in range(len(columns) + 1)]}
        )
    total = [table.show(len(rows), c) for c in range(len(columns) + 1)]
    return {
        "columns": columns,
        "rows": body,
        "total": total,
        "suppressed": any(h for row in table.hidden for h in row),
    }


def _group_columns(model: PolicyModel, areas: list[AreaMonth]) -> list[str]:
    present = {g for a in areas for g in a.by_group}
    return [g for g in model.groups if g in present]


def area_context(model: PolicyModel, area: AreaMonth, page: str, threshold: int, link_children) -> dict:
    children = area.villages
    groups = _group_columns(model, [area])
    movement_cols = ["纳入", "退出", "迁出"]
    return {
        "name": area.name,
        "level": area.level,
        "month": area.month.label,
        "data_month": area.month.shift(-1).label,
        "groups": count_table(
            [(c.name, link_children(c), [c.by_group.get(g, 0) for g in groups]) for c in children],
            [model.groups[g].short for g in groups],
            threshold,
        )
        if children
        else count_table(
            [(model.groups[g].short, None, [area.by_group.get(g, 0)]) for g in groups], ["人数"], threshold
        ),
        "risks": count_table(
            [(c.name, link_children(c), [c.by_risk.get(r, 0) for r in RISKS]) for c in children],
            [f"{r}风险" for r in RISKS],
            threshold,
        )
        if children
        else count_table([(f"{r}风险", None, [area.by_risk.get(r, 0)]) for r in RISKS], ["人数"], threshold),
        "movement": count_table(
            [(c.name, link_children(c), [len(c.entered), len(c.exited), len(c.moved)]) for c in children]
            if children
            else [(area.name, None, [len(area.entered), len(area.exited), len(area.moved)])],
            movement_cols,
            threshold,
        ),
        "contacts": count_table(
            [(c.name, link_children(c), [len(c.due) - len(c.overdue), len(c.overdue)]) for c in children]
            if children
            else [(area.name, None, [len(area.due) - len(area.overdue), len(area.overdue)])],
            ["本月到期", "已逾期"],
            threshold,
        ),
        "trend": trend_chart([(m.short_label, v) for m, v in area.trend], threshold),
        "bars": bar_chart([(model.groups[g].short, area.by_group.get(g, 0)) for g in groups], threshold),
        "threshold": threshold,
    }


def registry_pages(
    model: PolicyModel,
    county: AreaMonth,
    schema: RegistrySchema,
    threshold: int,
    template_href: str,
    import_summary: dict,
    unreadable: list[tuple[str, str]] | tuple = (),
    places: PlaceList | None = None,
) -> list[PageTask]:
    index = "registry/index.md"
    tasks = [
        PageTask(
            index,
            "registry_area.md.j2",
            "台账汇总",
            {
                "area": area_context(
                    model, county, index, threshold, lambda t: rel(index, f"registry/{t.name}/index.md")
                ),
                "summary": import_summary,
                "schema_href": rel(index, "registry/schema.md"),
                "unreadable": [t + v for t, v in unreadable],
            },
        )
    ]
    for township in county.villages:
        t_page = f"registry/{township.name}/index.md"
        tasks.append(
            PageTask(
                t_page,
                "registry_area.md.j2",
                township.name,
                {
                    "area": area_context(
                        model,
                        township,
                        t_page,
                        threshold,
                        lambda v, t=township: rel(
                            f"registry/{t.name}/index.md", f"registry/{t.name}/{v.name}.md"
                        ),
                    ),
                    "summary": None,
                    "schema_href": rel(t_page, "registry/schema.md"),
                    "unreadable": [v for t, v in unreadable if t == township.name],
                },
            )
        )
        for village in township.villages:
            v_page = f"registry/{township.name}/{village.name}.md"
            tasks.append(
                PageTask(
                    v_page,
                    "registry_area.md.j2",
                    village.name,
                    {
                        "area": area_context(model, village, v_page, threshold, lambda _: None),
                        "summary": None,
                        "schema_href": rel(v_page, "registry/schema.md"),
                        "unreadable": [],
                    },
                )
            )
    tasks += unreadable_pages(county, unreadable)
    tasks.append(
        PageTask(
            "registry/schema.md",
            "registry_schema.md.j2",
            "台账填写说明",
            {**schema_context(schema, places), "template_href": template_href},
        )
    )
    return tasks


TYPE_LABELS = {"date": "日期", "id_number": "身份证号", "phone": "电话", "enum": "选项", "place": "地名"}


def schema_context(schema: RegistrySchema, places: PlaceList | None = None) -> dict:
    """The guide page, from the schema: each column's header and other accepted headers, whether it must
    be filled in, its values and their other accepted spellings, and what a bad value does; and the
    county's place list with its accepted spellings (public names only)."""
    return {
        "sheets": [
            {
                "title": s.title,
                "ignored": "、".join(s.ignored),
                "columns": [
                    {
                        "header": c.header,
                        "synonyms": "、".join(c.synonyms),
                        "required": c.required,
                        "type": TYPE_LABELS.get(c.type, "文字"),
                        "choices": "、".join(
                            v
                            + (f"（{'、'.join(w)}）" if (w := [a for a, to in c.aliases if to == v]) else "")
                            for v in c.values
                        ),
                        "not_names": "、".join(c.not_names),
                        "warns": c.warns,
                        "pii": c.pii,
                        "help": c.help or "",
                    }
                    for c in s.columns
                ],
            }
            for s in schema.sheets
        ],
        "template_sheets": "、".join(schema.template_sheets),
        "places": [
            {
                "name": t.name,
                "aliases": "、".join(t.aliases),
                "villages": [{"name": v.name, "aliases": "、".join(v.aliases)} for v in t.villages],
            }
            for t in (places.townships if places else ())
        ],
        "county": places.county if places else "",
    }


def unreadable_pages(county: AreaMonth, unreadable: list[tuple[str, str]] | tuple) -> list[PageTask]:
    """A page saying 本月台账未能读取 for each unreadable village of a township that has pages and no
    page of its own this month. Names come from the county's place list, never from a registry cell."""
    have = {(t.name, v.name) for t in county.villages for v in t.villages}
    townships = {t.name for t in county.villages}
    return [
        PageTask(
            f"registry/{t}/{v}.md",
            "registry_unreadable.md.j2",
            v,
            {"name": v, "township": t, "month": county.month.label},
        )
        for t, v in sorted(unreadable)
        if t in townships and (t, v) not in have
    ]
