"""Render: public registry pages (aggregates only, small counts hidden) and the schema page.

Every number comes from `PublicFigures`, the one suppressed and audited set of figures; tables and charts
print the same figures, so a chart never shows what a table hides. Nothing per person reaches these
contexts. Page paths are made from the county's place list, never from registry cells.
"""

from __future__ import annotations

import re

from generators.core.charts import bar_chart, trend_chart
from generators.policy.model import PolicyModel
from generators.registry.figures import CONTACTS, MOVEMENT, PublicArea, PublicFigures
from generators.registry.monthly import RISKS
from generators.registry.places import PlaceList
from generators.registry.schema import RegistrySchema
from generators.website.pages import rel
from generators.website.render import PageTask

SAFE_SEGMENT = re.compile(r"^[\w·（）]+$")


def place_slugs(names: list[str], code: str) -> dict[str, str]:
    """A file name per place: the name itself where it is a plain word (the place list allows nothing
    else), otherwise — or where two names differ only in case — a code such as t03."""
    folded: dict[str, int] = {}
    for n in names:
        folded[n.casefold()] = folded.get(n.casefold(), 0) + 1
    return {
        n: n if SAFE_SEGMENT.match(n) and folded[n.casefold()] == 1 else f"{code}{i + 1:02d}"
        for i, n in enumerate(names)
    }


def _table(corner: str, columns: list[str], rows: list[tuple[str, str | None, list[str]]], total) -> dict:
    return {
        "corner": corner,
        "columns": columns,
        "rows": [{"label": label, "href": href, "cells": cells} for label, href, cells in rows],
        "total": total,
    }


def area_context(model: PolicyModel, figs: PublicFigures, area: PublicArea, link) -> dict:
    """Tables and charts of one area. Townships and the county list their parts as rows, with the area's
    own figures as the total row; a village lists its groups and risk levels."""
    last = f"t:{figs.months[-1]}"
    groups = [(model.groups[g].short, f"g:{g}") for g in figs.groups]
    risks = [(f"{r}风险", f"r:{r}") for r in RISKS]
    movement = list(zip(["纳入", "退出", "迁出"], MOVEMENT))
    if len(figs.months) >= 2:
        movement = [("月初在册", f"t:{figs.months[-2]}"), *movement, ("月末在册", last)]
    contacts = list(zip(["本月到期", "已逾期", "合计"], CONTACTS))

    def by_part(corner: str, columns: list[tuple[str, str]], total: bool = True) -> dict:
        return _table(
            corner,
            [c for c, _ in columns],
            [(c.name, link(c), [figs.text(c, m) for _, m in columns]) for c in area.children],
            {"label": "合计", "cells": [figs.text(area, m) for _, m in columns]} if total else None,
        )

    def by_line(corner: str, lines: list[tuple[str, str]]) -> dict:
        return _table(
            corner,
            ["人数"],
            [(label, None, [figs.text(area, m)]) for label, m in lines],
            {"label": "合计", "cells": [figs.text(area, last)]},
        )

    def one_row(columns: list[tuple[str, str]]) -> dict:
        return _table(
            "地区",
            [c for c, _ in columns],
            [(area.name, None, [figs.text(area, m) for _, m in columns])],
            None,
        )

    parts = bool(area.children)
    corner = "乡镇（街道）" if area.level == "county" else "村（社区）"
    month, data_month = figs.report_month, figs.months[-1]
    return {
        "name": area.name,
        "level": area.level,
        "month": month.label,
        "data_month": data_month.label,
        "groups": by_part(corner, [*groups, ("合计", last)]) if parts else by_line("群体", groups),
        "risks": by_part(corner, [*risks, ("合计", last)]) if parts else by_line("风险等级", risks),
        "movement": by_part(corner, movement) if parts else one_row(movement),
        "contacts": by_part(corner, contacts) if parts else one_row(contacts),
        "trend": trend_chart([(m.short_label, figs.value(area, f"t:{m}")) for m in figs.months]),
        "bars": bar_chart([(label, figs.value(area, m)) for label, m in groups]),
        "threshold": figs.threshold,
        "suppressed": figs.suppressed,
    }


def registry_pages(
    model: PolicyModel,
    figs: PublicFigures,
    schema: RegistrySchema,
    template_href: str,
    import_summary: dict,
    unreadable: list[tuple[str, str]] | tuple = (),
    places: PlaceList | None = None,
) -> list[PageTask]:
    index = "registry/index.md"
    townships = place_slugs([t.name for t in figs.county.children], "t")
    pages = {"": index}
    township_of = {}  # a village's key → its township (a village page is out of the navigation: it links up)
    for t in figs.county.children:
        pages[t.key] = f"registry/{townships[t.name]}/index.md"
        villages = place_slugs([v.name for v in t.children], "v")
        for v in t.children:
            pages[v.key] = f"registry/{townships[t.name]}/{villages[v.name]}.md"
            township_of[v.key] = t
    tasks = []
    for area in figs.areas():
        page = pages[area.key]
        up = township_of.get(area.key)
        tasks.append(
            PageTask(
                page,
                "registry_area.md.j2",
                "台账汇总" if area.level == "county" else area.name,
                {
                    "area": area_context(model, figs, area, lambda c, page=page: rel(page, pages[c.key])),
                    "summary": import_summary if area.level == "county" else None,
                    "schema_href": rel(page, "registry/schema.md"),
                    "up": {"name": up.name, "href": rel(page, pages[up.key])} if up else None,
                    "guide_href": rel(page, "guide.md", "suppression"),
                    # The county's page is what search finds for the figures' wording; a township's or
                    # village's page by its name (its figures, charts and the wording they repeat are left
                    # out of the index, and the page ranks below the handbook's).
                    "in_search": "all" if area.level == "county" else "title",
                    "unreadable": (
                        [t + v for t, v in unreadable]
                        if area.level == "county"
                        else [v for t, v in unreadable if t == area.name]
                        if area.level == "township"
                        else []
                    ),
                },
                # A village's page is reached from its township's table (its name links there).
                in_nav=area.level != "village",
            )
        )
    tasks += unreadable_pages(figs, townships, unreadable)
    tasks.append(
        PageTask(
            "registry/schema.md",
            "registry_schema.md.j2",
            "台账填写说明",
            {**schema_context(schema, places), "template_href": template_href},
        )
    )
    return tasks


def unreadable_pages(
    figs: PublicFigures, townships: dict[str, str], unreadable: list[tuple[str, str]] | tuple
) -> list[PageTask]:
    """A page saying 本月台账未能读取 for each unreadable village of a township that has pages and no
    page of its own this month. Names come from the county's place list, never from a registry cell."""
    have = {(t.name, v.name) for t in figs.county.children for v in t.children}
    slugs = place_slugs(sorted({v for t, v in unreadable if t in townships}), "u")
    return [
        PageTask(
            f"registry/{townships[t]}/{slugs[v]}.md",
            "registry_unreadable.md.j2",
            v,
            {"name": v, "township": t, "month": figs.report_month.label},
        )
        for t, v in sorted(unreadable)
        if t in townships and (t, v) not in have
    ]


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
