"""Derive: how a clause is cited in print and on the site: “墩集镇方案 三（二）4”, with a mark per document."""

from __future__ import annotations

from generators.policy.model import Clause, ClauseRef, Document, PolicyModel

DOC_MARKS = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


class Citer:
    """Labels for clauses: “墩集镇方案 三（二）4”, and a mark (①②…) per document."""

    def __init__(self, model: PolicyModel):
        self.model = model
        self.marks = {
            d.id: DOC_MARKS[i] if i < len(DOC_MARKS) else str(i + 1) for i, d in enumerate(model.documents)
        }

    def label(self, ref: ClauseRef) -> str:
        doc = self.model.document(ref.doc)
        return clause_label(doc, doc.clauses[ref.clause])

    def cite(self, ref: ClauseRef) -> str:
        return f"{self.model.document(ref.doc).meta.short} {self.label(ref)}"


def clause_label(doc: Document, clause: Clause) -> str:
    """三（二）4 for a numbered item; 三（二）第2段 for a paragraph; 文首第3段 before the first heading."""
    chain = []
    cur: Clause | None = clause
    while cur is not None:
        chain.append(cur)
        cur = doc.clauses[cur.parent] if cur.parent else None
    parts = []
    for c in reversed(chain):
        if c.level == 1:
            parts.append(c.label.rstrip("、，, "))
        elif c.level == 2:
            parts.append("（" + c.label.strip("（）() ") + "）")
        elif c.level >= 3:
            parts.append(c.label.strip("（）().、． "))
    label = "".join(parts)
    if clause.level == 0:
        n = clause.id.rsplit("p", 1)[1]
        return f"{label}第{n}段" if label else f"文首第{n}段"
    return label
