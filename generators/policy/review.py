"""Derive: what the extraction found that a person should look at — unmatched unit strings, clauses that
yielded nothing (the coverage report), stale overrides — for `check`, the build's output, build/report.json
and the editors' coverage page."""

from __future__ import annotations

from generators.policy.model import PolicyModel, Role

FACT_ROLES = (Role.LEAD, Role.RESPONSIBLE, Role.DUTY)


def document_coverage(model: PolicyModel) -> list[dict]:
    """Per document: what was read (roles, task units, definitions with age bounds, cadences, deadlines)
    and what was not (unmatched strings, unread clauses), each split into explained and not."""
    out = []
    for doc in model.documents:
        mine = [a for a in model.assignments if a.source.doc == doc.id and not a.via_override]
        roles = {(a.group, a.task, a.unit, a.role) for a in mine if a.role in FACT_ROLES and not a.task}
        task_units = {(a.task, a.unit) for a in mine if a.task and a.role is not Role.NAMED}
        defs = [d for d in model.definitions if d.doc == doc.id and d.definition]
        aged = [d for d in model.definitions if d.doc == doc.id and d.age and d.age_scope == "group"]
        unmatched = [m for m in model.mentions if m.source.doc == doc.id and m.unit is None]
        unread = [u for u in model.unread if u.source.doc == doc.id]
        out.append(
            {
                "id": doc.id,
                "short": doc.meta.short,
                "roles": len(roles),
                "task_units": len(task_units),
                "tasks": len([t for t in model.tasks if t.doc == doc.id and t.kind != "clause"]),
                "definitions": len(defs),
                "age_bounds": len(aged) + len([a for a in model.document_ages if a.doc == doc.id]),
                "cadences": len([c for c in model.cadences if c.source.doc == doc.id]),
                "deadlines": len([d for d in model.deadlines if d.source.doc == doc.id]),
                "unmatched": len({m.text for m in unmatched if m.how == "unmatched"}),
                "unmatched_explained": len({m.text for m in unmatched if m.how == "explained"}),
                "unread": len([u for u in unread if not u.why]),
                "unread_explained": len([u for u in unread if u.why]),
            }
        )
    return out


def review_report(model: PolicyModel) -> dict:
    first: dict[tuple[str, str], str] = {}
    for m in model.unmatched:  # each string once per document, at its first clause
        first.setdefault((m.source.doc, m.text), str(m.source))
    return {
        "unmatched_units": [{"text": text, "source": src} for (_, text), src in first.items()],
        "explained_units": [
            {"text": m.text, "unit": m.unit, "why": m.why, "source": str(m.source)}
            for m in model.mentions
            if m.how == "explained"
        ],
        "unread_clauses": [
            {"source": str(u.source), "seen": list(u.seen), "why": u.why, "partial": u.partial}
            for u in model.unread
        ],
        "documents": document_coverage(model),
        "warnings": list(model.warnings),
    }
