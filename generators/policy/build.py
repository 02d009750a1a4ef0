"""Load + model: data/ (policy texts, units, groups, overrides) → one PolicyModel."""

from __future__ import annotations

from generators.config.paths import DataPaths
from generators.core.errors import InputError, Problem
from generators.policy.corpus import (
    PolicyFile,
    UnitCatalogue,
    read_clause_explanations,
    read_groups,
    read_overrides,
    read_policies,
    read_units,
)
from generators.policy.coverage import ClauseExplanations, stale_explanations, unread_clauses
from generators.policy.extract import DocumentExtractor
from generators.policy.model import Assignment, ClauseRef, Document, Group, PolicyModel, Role
from generators.policy.outline import parse_outline
from generators.policy.units import GroupMatcher, UnitResolver
from generators.policy.vocabulary import Vocabulary, read_vocabulary


def load_documents(paths: DataPaths) -> list[Document]:
    return documents_of(read_policies(paths.policies))


def documents_of(files: list[PolicyFile]) -> list[Document]:
    docs = []
    for f in files:
        clauses, roots = parse_outline(f.body, f.body_line)
        docs.append(Document(f.meta, f.body, clauses, roots))
    # Oldest first; undated fragments last.
    return sorted(docs, key=lambda d: (d.meta.date is None, d.meta.date or "", d.id))


def _check_override(entry: dict, model: PolicyModel, path: str) -> ClauseRef | None:
    """The clause the override rests on, or None (with a warning) when that clause is gone."""
    doc_id, _, clause_id = str(entry["clause"]).partition("#")
    try:
        doc = model.document(doc_id)
    except KeyError:
        model.warnings.append(f"{path}：覆盖条目所依据的文件 “{doc_id}” 不存在，已忽略（{entry['why']}）")
        return None
    if clause_id not in doc.clauses:
        model.warnings.append(
            f"{path}：覆盖条目所依据的条款 “{entry['clause']}” 已不存在，已忽略（{entry['why']}）"
        )
        return None
    for key in ("add", "remove"):
        spec = entry.get(key)
        if spec is None:
            continue
        if spec.get("unit") not in model.units:
            raise InputError(
                Problem(path, f"覆盖条目 {entry['clause']} 的单位 id 不存在", value=str(spec.get("unit")))
            )
        if spec.get("role") not in {r.value for r in Role}:
            raise InputError(
                Problem(
                    path,
                    f"覆盖条目 {entry['clause']} 的 role 应为 {'/'.join(r.value for r in Role)} 之一",
                    value=str(spec.get("role")),
                )
            )
        if spec.get("group") is not None and spec["group"] not in model.groups:
            raise InputError(
                Problem(path, f"覆盖条目 {entry['clause']} 的群体 id 不存在", value=str(spec["group"]))
            )
    if entry.get("group") is not None and entry["group"] not in model.groups:
        raise InputError(
            Problem(path, f"覆盖条目 {entry['clause']} 的群体 id 不存在", value=str(entry["group"]))
        )
    return ClauseRef(doc_id, clause_id)


def build_policy_model(paths: DataPaths) -> PolicyModel:
    return extract_model(
        load_documents(paths),
        read_units(paths.units),
        read_groups(paths.groups),
        read_vocabulary(paths.vocabulary),
        read_overrides(paths.overrides),
        ClauseExplanations(read_clause_explanations(paths.coverage)),
        (paths.overrides.name, paths.coverage.name),
    )


def extract_model(
    documents: list[Document],
    catalogue: UnitCatalogue,
    groups: dict[str, Group],
    vocabulary: Vocabulary,
    overrides: list[dict] | None = None,
    explanations: ClauseExplanations | None = None,
    names: tuple[str, str] = ("overrides.yaml", "coverage.yaml"),
) -> PolicyModel:
    """Every document's facts, the curated overrides applied, and what was left unread."""
    model = PolicyModel(documents=documents, units=catalogue.units, groups=groups)
    explanations = explanations or ClauseExplanations({})
    checked = [(e, _check_override(e, model, names[0])) for e in overrides or []]
    live = [(e, ref) for e, ref in checked if ref]
    matcher = GroupMatcher(groups)
    resolvers = {d.id: UnitResolver(catalogue, vocabulary, d.meta) for d in model.documents}
    for doc in model.documents:
        extractor = DocumentExtractor(model, doc, resolvers[doc.id], matcher, vocabulary)
        extractor.run({ref.clause: e["group"] for e, ref in live if ref.doc == doc.id and e.get("group")})
    for entry, ref in live:
        if entry.get("remove"):
            spec = entry["remove"]
            model.assignments = [
                a
                for a in model.assignments
                if not (a.source == ref and a.unit == spec["unit"] and a.role.value == spec["role"])
            ]
        if entry.get("add"):
            spec = entry["add"]
            model.assignments.append(
                Assignment(
                    unit=spec["unit"],
                    original=spec.get("original") or model.units[spec["unit"]].short,
                    role=Role(spec["role"]),
                    source=ref,
                    group=spec.get("group"),
                    task=spec.get("task"),
                    via_override=True,
                )
            )
    for doc in model.documents:
        model.unread += unread_clauses(model, doc, resolvers[doc.id], matcher, vocabulary, explanations)
    model.warnings += stale_explanations(model, explanations, names[1])
    return model
