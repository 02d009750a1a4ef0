"""Render: the handbook's pages as tasks, each with a display-ready context (links, labels, symbols)."""

from __future__ import annotations

import functools
import html
import posixpath
from typing import Any

from generators.policy.citations import Citer, clause_label
from generators.policy.matrices import ResponsibilityMatrix, group_unit_matrix, task_unit_matrix
from generators.policy.model import (
    CADENCE_LABELS,
    ROLE_LABELS,
    Assignment,
    ClauseRef,
    Document,
    PolicyModel,
    Role,
)
from generators.policy.outline import is_article
from generators.policy.review import document_coverage
from generators.policy.work_calendar import WorkCalendar
from generators.website.render import PageTask

ROLE_SYMBOLS = {Role.LEAD: "●", Role.RESPONSIBLE: "○", Role.DUTY: "◇", Role.TASK: "◆", Role.NAMED: "△"}
USERS = [
    (
        "单位工作人员",
        "团委、综治、民政、司法所、派出所、学校等单位的同志：查本单位对哪些群体负有什么职责、多久一次、依据哪份文件哪一条。",
        "units/index.md",
        "单位职责",
    ),
    (
        "村（社区）和乡镇（街道）工作人员",
        "每月打印本村（社区）的工作简报：到期走访、逾期未联系、各群体人数和本月工作安排。",
        "calendar.md",
        "工作日历",
    ),
    (
        "“双零”试点社区（村）",
        "对照双零试点方案的创建标准填写自评表（Excel、可填写 PDF 或手机表单），附证明材料。",
        "assessment/index.md",
        "双零试点",
    ),
]


def rel(from_page: str, to_page: str, anchor: str | None = None) -> str:
    """A Markdown link target from one page to another, as mkdocs resolves it."""
    target = _relative(to_page, posixpath.dirname(from_page) or ".")
    return target + (f"#{anchor}" if anchor else "")


# The pages of a folder link to the same few pages (a county's village pages, each to its township's and
# to the group definitions): `relpath` of the same pair, thousands of times a build.
@functools.lru_cache(maxsize=4096)
def _relative(page: str, folder: str) -> str:
    return posixpath.relpath(page, folder)


def unit_pdf(page: str) -> str:
    """Where a unit page's own print PDF is published, beside the site's pages."""
    return f"downloads/units/{posixpath.basename(page).removesuffix('.md')}.pdf"


def doc_page(doc_id: str) -> str:
    return f"documents/{doc_id}.md"


def display_title(title: str, fragment: bool) -> str:
    """A fragment's title says so once: “金元镇专项行动方案（片段）” stays as it is."""
    return title if not fragment or "片段" in title else f"{title}（片段）"


class SiteCiter(Citer):
    """Citations with links to the clause on the site: “墩集镇方案 三（二）4” → documents/….md#c-3-2-4."""

    def link(self, from_page: str, ref: ClauseRef) -> str:
        return rel(from_page, doc_page(ref.doc), "c-" + ref.clause)

    def source(self, from_page: str, ref: ClauseRef) -> dict:
        return {"text": self.cite(ref), "href": self.link(from_page, ref), "mark": self.marks[ref.doc]}


# --- documents -------------------------------------------------------------------------------------
def document_blocks(doc: Document) -> list[dict]:
    """The text as display blocks: headings (level 2–3) and numbered paragraphs, each with its anchor."""
    blocks = []
    for clause in doc.clauses.values():
        label = clause_label(doc, clause)
        if clause.is_heading:
            text, rest = clause.text, ""
            head, dot, tail = clause.text.partition("。")
            if is_article(clause.label):  # 第二条 is numbered, not titled: its text is its body
                text, rest = "", clause.text
            elif dot and len(head) <= 30:
                text, rest = head + dot, tail
            elif len(clause.text) > 60:
                text, rest = "", clause.text
            blocks.append(
                {
                    "kind": "heading",
                    "depth": clause.level + 1,
                    "label": clause.label,
                    "text": text,
                    "rest": rest,
                    "anchor": clause.anchor,
                    "synthetic": clause.synthetic,
                    "cite": label,
                }
            )
        else:
            blocks.append(
                {
                    "kind": "para",
                    "label": label,
                    "number": clause.label,
                    "text": clause.text,
                    "anchor": clause.anchor,
                }
            )
    return blocks


def document_pages(model: PolicyModel, citer: SiteCiter) -> list[PageTask]:
    tasks = [
        PageTask(
            "documents/index.md",
            "documents_index.md.j2",
            "政策文件",
            {
                "documents": [doc_summary(d, "documents/index.md", citer) for d in model.documents],
            },
        )
    ]
    for doc in model.documents:
        path = doc_page(doc.id)
        tasks.append(
            PageTask(
                path,
                "document.md.j2",
                doc.meta.title,
                {
                    "meta": doc_summary(doc, path, citer),
                    "blocks": document_blocks(doc),
                    "matrix_href": rel(path, f"matrices/{doc.id}.md"),
                },
            )
        )
    return tasks


def doc_summary(doc: Document, from_page: str, citer: SiteCiter) -> dict:
    m = doc.meta
    return {
        "id": m.id,
        "title": display_title(m.title, m.fragment),
        "short": m.short,
        "issuer": m.issuer,
        "date": m.date,
        "doc_number": m.doc_number,
        "level": m.level,
        "locality": m.locality,
        "region": m.region,
        "kind": m.kind,
        "fragment": m.fragment,
        "note": m.note,
        "href": rel(from_page, doc_page(doc.id)),
        "mark": citer.marks[doc.id],
        "clauses": len(doc.clauses),
    }


# --- matrices --------------------------------------------------------------------------------------
def matrix_view(
    model: PolicyModel, matrix: ResponsibilityMatrix, page: str, citer: SiteCiter, combined: bool
) -> dict:
    units = model.units
    rows = []
    for row in matrix.rows:
        cells: list[dict[str, Any] | None] = []
        for uid in matrix.units:
            cell = matrix.cell(row.key, uid)
            if not cell:
                cells.append(None)
                continue
            links = []
            seen = set()
            for a in sorted(cell.assignments, key=lambda a: (list(Role).index(a.role), a.source.doc)):
                if (a.role, a.source) in seen:
                    continue
                seen.add((a.role, a.source))
                originals = "、".join(x.original for x in cell.assignments if x.source == a.source)
                links.append(
                    {
                        "symbol": ROLE_SYMBOLS[a.role] + (citer.marks[a.source.doc] if combined else ""),
                        "mark": citer.marks[a.source.doc] if combined else citer.label(a.source),
                        "role": a.role.value,
                        "href": citer.link(page, a.source),
                        "title": f"{ROLE_LABELS[a.role]}：{originals}（{citer.cite(a.source)}）",
                    }
                )
            cells.append({"role": cell.role.value, "links": links})
        head = {"label": row.label, "href": None, "group": None}
        if row.group and row.key == row.group:
            head["href"] = rel(page, f"groups/{row.group}.md")
        if row.doc:
            ref = ClauseRef(row.doc, row.key.split("#", 1)[1])
            head = {
                "label": f"{citer.label(ref)} {row.label}",
                "href": citer.link(page, ref),
                "group": model.groups[row.group].short if row.group else "",
            }
        rows.append({"head": head, "cells": cells})
    wordings: dict[str, list[str]] = {}
    if not combined:  # a single document's matrix shows the document's own wording under each unit
        for cell_key, cell in matrix.cells.items():
            for original in cell.originals:
                bucket = wordings.setdefault(cell_key[1], [])
                if original not in bucket:
                    bucket.append(original)
    columns = [
        {
            "label": units[u].short,
            "href": rel(page, f"units/{u}.md"),
            "name": units[u].name,
            "wording": "、".join(w for w in wordings.get(u, []) if w != units[u].short),
        }
        for u in matrix.units
    ]
    return {
        "title": matrix.title,
        "columns": columns,
        "rows": rows,
        "legend": [
            {"symbol": ROLE_SYMBOLS[r], "label": ROLE_LABELS[r], "role": r.value} for r in matrix.roles
        ],
        "is_task": bool(matrix.rows and matrix.rows[0].doc),
        "cards": matrix_cards(rows, columns, matrix.roles) if combined else None,
    }


def matrix_cards(rows: list[dict], columns: list[dict], roles) -> list[dict]:
    """The matrix row by row, for a narrow screen: each group with its units under each role (牵头：民政④⑤)."""
    cards = []
    for row in rows:
        by_role: dict[str, dict[int, list[dict]]] = {}
        for i, cell in enumerate(row["cells"]):
            for link in cell["links"] if cell else ():
                by_role.setdefault(link["role"], {}).setdefault(i, []).append(link)
        cards.append(
            {
                "head": row["head"],
                "roles": [
                    {
                        "role": r.value,
                        "symbol": ROLE_SYMBOLS[r],
                        "label": ROLE_LABELS[r],
                        "units": [
                            {**columns[i], "links": links} for i, links in sorted(by_role[r.value].items())
                        ],
                    }
                    for r in roles
                    if r.value in by_role
                ],
            }
        )
    return cards


def matrix_pages(model: PolicyModel, citer: SiteCiter) -> list[PageTask]:
    page = "matrices/index.md"
    combined = matrix_view(model, group_unit_matrix(model), page, citer, combined=True)
    docs = [doc_summary(d, page, citer) for d in model.documents]
    for d in docs:
        d["matrix_href"] = rel(page, f"matrices/{d['id']}.md")
    tasks = [PageTask(page, "matrices_index.md.j2", "责任矩阵", {"matrix": combined, "documents": docs})]
    for doc in model.documents:
        path = f"matrices/{doc.id}.md"
        gm = group_unit_matrix(model, doc.id)
        tm = task_unit_matrix(model, doc.id)
        tasks.append(
            PageTask(
                path,
                "matrix.md.j2",
                f"责任矩阵：{doc.meta.short}",
                {
                    "doc": doc_summary(doc, path, citer),
                    "group_matrix": matrix_view(model, gm, path, citer, combined=False) if gm.rows else None,
                    "task_matrix": matrix_view(model, tm, path, citer, combined=False)
                    if tm.rows and tm.units
                    else None,
                },
            )
        )
    return tasks


# --- units ------------------------------------------------------------------------------------------
def duty_text(model: PolicyModel, a: Assignment) -> str:
    clause = model.clause(a.source)
    group = model.groups[a.group].short if a.group else "全部群体"
    if a.role is Role.LEAD:
        return f"{group}工作的牵头单位" if a.group else f"全部重点青少年群体工作的牵头单位：{clause.text}"
    if a.role is Role.RESPONSIBLE:
        return f"{group}工作的责任单位"
    if a.role is Role.DUTY:
        return clause.text.split("：", 1)[-1].split(":", 1)[-1]
    return clause.text


def unit_pages(model: PolicyModel, citer: SiteCiter) -> list[PageTask]:
    tasks = []
    by_unit: dict[str, list[Assignment]] = {}
    for a in model.assignments:
        by_unit.setdefault(a.unit, []).append(a)
    originals: dict[str, dict[str, list[str]]] = {}
    for m in model.mentions:
        if m.unit:
            loc = model.document(m.source.doc).meta.locality
            originals.setdefault(m.unit, {}).setdefault(loc, [])
            if m.text not in originals[m.unit][loc]:
                originals[m.unit][loc].append(m.text)
    for a in model.assignments:  # wordings found in running text
        loc = model.document(a.source.doc).meta.locality
        bucket = originals.setdefault(a.unit, {}).setdefault(loc, [])
        if a.original not in bucket:
            bucket.append(a.original)
    index_rows = []
    for unit in model.units.values():
        path = f"units/{unit.id}.md"
        mine = by_unit.get(unit.id, [])
        index_rows.append(
            {
                "name": unit.name,
                "short": unit.short,
                "href": rel("units/index.md", path),
                "aliases": "、".join(unit.aliases),
                "localities": [
                    {"locality": loc, "names": "、".join(v)} for loc, v in unit.localities.items()
                ],
                "count": len(mine),
                "documents": len({a.source.doc for a in mine}),
            }
        )
        sections = []
        group_keys = [None] + list(model.groups)
        for gid in group_keys:
            rows = [a for a in mine if a.group == gid]
            if not rows:
                continue
            rows.sort(
                key=lambda a: (
                    [d.id for d in model.documents].index(a.source.doc),
                    list(model.document(a.source.doc).clauses).index(a.source.clause),
                    list(Role).index(a.role),
                )
            )
            seen, items = set(), []
            for a in rows:
                if (a.source, a.role) in seen:
                    continue
                seen.add((a.source, a.role))
                items.append(
                    {
                        "role": ROLE_LABELS[a.role],
                        "role_id": a.role.value,
                        "symbol": ROLE_SYMBOLS[a.role],
                        "text": duty_text(model, a),
                        "original": "、".join(
                            dict.fromkeys(x.original for x in rows if x.source == a.source)
                        ),
                        "source": citer.source(path, a.source),
                        "cadences": [
                            f"{CADENCE_LABELS[c.kind]}：{c.phrase}"
                            for c in model.cadences
                            if c.source == a.source and (unit.id in c.units or not c.units)
                        ],
                    }
                )
            sections.append(
                {
                    "title": model.groups[gid].name if gid else "全部群体（总体）及未指明群体",
                    "href": rel(path, f"groups/{gid}.md") if gid else None,
                    "entries": items,
                }
            )
        cadences = [
            {
                "kind": CADENCE_LABELS[c.kind],
                "phrase": c.phrase,
                "action": c.action,
                "group": model.groups[c.group].short if c.group else "",
                "source": citer.source(path, c.source),
            }
            for c in model.cadences
            if unit.id in c.units
        ]
        tasks.append(
            PageTask(
                path,
                "unit.md.j2",
                unit.name,
                {
                    "unit": {"name": unit.name, "short": unit.short, "note": unit.note},
                    "originals": [
                        {"locality": k, "names": "、".join(v)} for k, v in originals.get(unit.id, {}).items()
                    ],
                    "sections": sections,
                    "cadences": cadences,
                    "documents": len({a.source.doc for a in mine}),
                    "legend": [{"symbol": ROLE_SYMBOLS[r], "label": ROLE_LABELS[r]} for r in Role],
                    "pdf_href": rel(path, unit_pdf(path)),
                },
            )
        )
    unmatched = [
        {"text": m.text, "source": citer.source("units/index.md", m.source)} for m in model.unmatched
    ]
    explained = [
        {
            "text": m.text,
            "unit": model.units[m.unit].short if m.unit else "",
            "source": citer.source("units/index.md", m.source),
        }
        for m in model.mentions
        if m.how == "explained"
    ]
    tasks.insert(
        0,
        PageTask(
            "units/index.md",
            "units_index.md.j2",
            "单位职责",
            {
                "units": index_rows,
                "unmatched": unmatched,
                "explained": explained,
            },
        ),
    )
    return tasks


# --- groups -----------------------------------------------------------------------------------------
def group_pages(model: PolicyModel, citer: SiteCiter) -> list[PageTask]:
    tasks, index = [], []
    doc_order = [d.id for d in model.documents]
    for group in model.groups.values():
        path = f"groups/{group.id}.md"
        defs = sorted(
            (d for d in model.definitions if d.group == group.id), key=lambda d: doc_order.index(d.doc)
        )
        ages = {d.age.key() for d in defs if d.age}
        terms = list(dict.fromkeys(d.term for d in defs))
        rows: list[dict[str, Any]] = []
        for d in defs:
            doc = model.document(d.doc)
            rows.append(
                {
                    "doc": doc_summary(doc, path, citer),
                    "term": d.term,
                    "term_differs": len(terms) > 1 and d.term != group.name,
                    "definition": d.definition,
                    "age": d.age.describe() if d.age else None,
                    "age_scope": "全文适用" if d.age_scope == "document" else "本群体",
                    "age_differs": bool(d.age) and len(ages) > 1,
                    "age_source": citer.source(path, d.age_source) if d.age_source else None,
                    "source": citer.source(path, d.source),
                }
            )
        leads = []
        for a in model.assignments:
            if a.group == group.id and a.role is Role.LEAD:
                leads.append(
                    {
                        "unit": model.units[a.unit].short,
                        "href": rel(path, f"units/{a.unit}.md"),
                        "original": a.original,
                        "source": citer.source(path, a.source),
                    }
                )
        mentions = [
            {"text": m.text, "ages": "、".join(map(str, m.ages)), "source": citer.source(path, m.source)}
            for m in model.age_mentions
            if m.group == group.id
        ]
        differences = [
            {"age": bound, "docs": "、".join(r["doc"]["short"] for r in rows if r["age"] == bound)}
            for bound in dict.fromkeys(r["age"] for r in rows if r["age"])
        ]
        context = {
            "group": {
                "name": group.name,
                "short": group.short,
                "kind": group.kind,
                "legal_max_age": group.legal_max_age,
            },
            "rows": rows,
            "terms": terms,
            "leads": leads,
            "age_mentions": mentions,
            "age_differences": differences if len(differences) > 1 else [],
            "matrix_href": rel(path, "matrices/index.md"),
        }
        tasks.append(PageTask(path, "group.md.j2", group.name, context))
        index.append(
            {
                "name": group.name,
                "short": group.short,
                "kind": group.kind,
                "href": rel("groups/index.md", path),
                "documents": len(rows),
                "ages": "；".join(d["age"] + "（" + d["docs"] + "）" for d in differences) or "未规定",
            }
        )
    tasks.insert(0, PageTask("groups/index.md", "groups_index.md.j2", "群体定义", {"groups": index}))
    return tasks


# --- calendar ---------------------------------------------------------------------------------------
def calendar_page(model: PolicyModel, calendar: WorkCalendar, citer: SiteCiter) -> PageTask:
    path = "calendar.md"

    def units(ids) -> str:
        return "、".join(model.units[u].short for u in ids) or "—"

    recurring = [
        {
            "kind": CADENCE_LABELS[r.cadence.kind],
            "every_month": len(r.months) == 12,
            "phrase": r.cadence.phrase,
            "units": units(r.cadence.units),
            "group": model.groups[r.cadence.group].short if r.cadence.group else "全部",
            "months": month_list(r.months),
            "source": citer.source(path, r.cadence.source),
        }
        for r in calendar.recurring
    ]
    periodic = [
        {
            "phrase": c.phrase,
            "units": units(c.units),
            "group": model.groups[c.group].short if c.group else "全部",
            "source": citer.source(path, c.source),
        }
        for c in calendar.periodic
    ]

    def phase(p) -> dict:
        return {
            "name": p.name,
            "start": p.start,
            "end": p.end,
            "duration": p.duration,
            "text": p.text,
            "source": citer.source(path, p.source),
            "doc": model.document(p.source.doc).meta.short,
        }

    months = [
        {"label": f"{m}月", "entries": [v for v, r in zip(recurring, calendar.recurring) if m in r.months]}
        for m in range(1, 13)
    ]
    return PageTask(
        path,
        "calendar.md.j2",
        "工作日历",
        {
            "recurring": recurring,
            "periodic": periodic,
            "months": months,
            "unplaced": [v for v, r in zip(recurring, calendar.recurring) if not r.months],
            "dated": [phase(p) for p in calendar.dated],
            "relative": [phase(p) for p in calendar.relative],
            **deadline_view(model, calendar, citer, path),
        },
    )


def deadline_view(model: PolicyModel, calendar: WorkCalendar, citer: SiteCiter, path: str) -> dict:
    """The calendar's deadlines: dated ones by month, relative ones as response-time rules."""

    def view(d) -> dict:
        task = next((t for t in model.tasks if t.doc == d.source.doc and t.clause == d.task), None)
        return {
            "when": d.describe(),
            "what": (task.title if task and task.kind != "clause" else d.action),
            "units": "、".join(model.units[u].short for u in d.units) or "—",
            "source": citer.source(path, d.source),
        }

    by_month = [
        {"label": f"{m}月", "entries": [view(d) for d in calendar.deadlines_in(m)]} for m in range(1, 13)
    ]
    return {
        "deadline_months": [m for m in by_month if m["entries"]],
        "response_times": [view(d) for d in calendar.response_times],
    }


# --- coverage (for editors) -------------------------------------------------------------------------
COVERAGE_PAGE = "coverage.md"


def coverage_page(model: PolicyModel, citer: SiteCiter) -> PageTask:
    """For editors: per document what the extraction read, and every clause and name it could not place."""
    path = COVERAGE_PAGE
    docs = []
    for summary in document_coverage(model):
        doc = model.document(summary["id"])

        def excerpt(ref: ClauseRef) -> str:
            text = model.clause(ref).text
            return text if len(text) <= 80 else text[:78] + "……"

        unread = [
            {
                "source": citer.source(path, u.source),
                "text": excerpt(u.source),
                "seen": "、".join(u.seen),
                "why": u.why,
                "partial": u.partial,
            }
            for u in sorted(model.unread, key=lambda u: u.why is not None)
            if u.source.doc == doc.id
        ]
        first: dict[str, Any] = {}
        for m in model.mentions:
            if m.source.doc == doc.id and m.unit is None and m.text not in first:
                first[m.text] = {"text": m.text, "why": m.why, "source": citer.source(path, m.source)}
        names: dict[str, Any] = {}
        for o in model.organisations:
            if o.source.doc == doc.id and o.text not in names:
                names[o.text] = {"text": o.text, "source": citer.source(path, o.source)}
        docs.append(
            {
                **summary,
                "href": rel(path, doc_page(doc.id)),
                "title": doc.meta.title,
                "unread_list": unread,
                "unmatched_list": list(first.values()),
                "organisations": list(names.values()),
            }
        )
    return PageTask(path, "coverage.md.j2", "抽取覆盖", {"documents": docs})


def month_list(months: tuple[int, ...]) -> str:
    """每月 / 3、6、9、12月 / 未定月份."""
    if len(months) == 12:
        return "每月"
    return "、".join(map(str, months)) + "月" if months else "未定月份"


def home_page(model: PolicyModel, citer: SiteCiter, pages: set[str], edition: dict | None = None) -> PageTask:
    return PageTask(
        "index.md",
        "home.md.j2",
        "首页",
        {
            "edition": edition,
            "documents": [doc_summary(d, "index.md", citer) for d in model.documents],
            "users": [
                {"who": w, "what": t, "href": h, "link": label} for w, t, h, label in USERS if h in pages
            ],
            "counts": {
                "documents": len(model.documents),
                "units": len({a.unit for a in model.assignments}),
                "groups": len({d.group for d in model.definitions}),
                "clauses": sum(len(d.clauses) for d in model.documents),
            },
            "levels": [
                {"level": lv, "count": sum(d.meta.level == lv for d in model.documents)}
                for lv in ("国家", "省市", "区县", "街道", "乡镇")
                if any(d.meta.level == lv for d in model.documents)
            ],
        },
    )


def handbook_pages(
    model: PolicyModel, calendar: WorkCalendar, other_pages: tuple[str, ...] = (), edition: dict | None = None
) -> list[PageTask]:
    """Every generated page of the handbook, home first, in navigation order. `other_pages` are the paths
    of pages made elsewhere for the same site (the home page links to those that exist)."""
    citer = SiteCiter(model)
    tasks = [
        *document_pages(model, citer),
        *matrix_pages(model, citer),
        *unit_pages(model, citer),
        *group_pages(model, citer),
        calendar_page(model, calendar, citer),
        coverage_page(model, citer),
    ]
    pages = {t.path for t in tasks} | set(other_pages)
    return [home_page(model, citer, pages, edition), *tasks]


SECTION_TITLES = {  # the site's sections (folders), as the navigation and the printed contents name them
    "documents": "政策文件",
    "matrices": "责任矩阵",
    "units": "单位职责",
    "groups": "群体定义",
    "registry": "台账汇总",
    "assessment": "双零试点",
}


def navigation(tasks: list[PageTask]) -> list:
    """The mkdocs `nav`: one section per folder (nested folders nest), its index first, in task order;
    pages marked out of the navigation left out."""
    titles = SECTION_TITLES
    tasks = [t for t in tasks if t.in_nav]
    # A folder's own page names its section (a township's folder is named by code or place, its page by
    # the place list).
    index_titles = {posixpath.dirname(t.path): t.title for t in tasks if t.path.endswith("/index.md")}
    nav: list = []
    sections: dict[str, list] = {"": nav}
    for t in tasks:
        folder = posixpath.dirname(t.path)
        parts = folder.split("/") if folder else []
        for depth in range(1, len(parts) + 1):
            key = "/".join(parts[:depth])
            if key not in sections:
                sections[key] = []
                parent = sections["/".join(parts[: depth - 1])]
                title = titles.get(key) or index_titles.get(key) or parts[depth - 1]
                parent.append({nav_title(title): sections[key]})
        entry = t.path if folder and t.path.endswith("/index.md") else {nav_title(t.title): t.path}
        sections[folder].append(entry)
    return nav


def not_in_nav(tasks: list[PageTask]) -> tuple[str, ...]:
    """The pages left out of the navigation, as mkdocs' `not_in_nav` names them."""
    return tuple(t.path for t in tasks if not t.in_nav)


def nav_title(title: str) -> str:
    """A navigation title as the theme prints it — into HTML, unescaped (mkdocs' templates do not
    autoescape) — so escaped here: markup in a title from data shows as text."""
    return html.escape(" ".join(str(title).split()), quote=True)
