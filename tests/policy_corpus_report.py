"""Measure policy extraction on a folder of documents with hand-checked expectation files.

    .venv/bin/python -m tests.policy_corpus_report <folder> [--misses]

The folder holds `<stem>.txt` policy files (the data/policies format) and beside each `<stem>.expect.yaml`
(roles, ages, definitions, cadences, deadlines, unmatched strings; see tests/corpus/policies). Each document
is read with the project's data (data/units.yaml, groups.yaml, vocabulary.yaml) plus the folder's own
unit wordings (any `*.yaml` with `units:` / `existing_ids:`, as NEW-UNITS.yaml), and every fact is compared
with its expectation. Printed: precision and recall per fact kind and document, the totals, and (with
--misses) each missed and each extra fact. Roles are compared on (task or group, unit, role); the level and
the document's role word of each matched role are counted separately. A cadence or deadline's subject is
its task — a numbered item, or a paragraph inside one, that holds it counts as its task (（二）镇平安办每半年督查
一次) —, `duty`, `group:<id>` where the text gives the group its roles in the same clause (闲散青少年。指……由X
牵头，…每两个月开展一次走访), or null (a paragraph outside any numbered item). Facts of kind `named` (units a
task's wording merely mentions) are not part of the format and are not compared.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import Path

import yaml

from generators.policy.build import documents_of, extract_model
from generators.policy.corpus import UnitCatalogue, read_groups, read_policy_file, read_units
from generators.policy.model import PolicyModel, Role, Unit
from generators.policy.units import UnitResolver
from generators.policy.vocabulary import read_vocabulary

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data"
KINDS = ("roles", "ages", "definitions", "cadences", "deadlines", "unmatched")


def folder_wordings(folder: Path) -> dict[str, dict]:
    """Unit wordings a corpus folder lists (NEW-UNITS.yaml): id → {name, short, wordings}."""
    out: dict[str, dict] = {}
    for path in sorted(folder.glob("*.yaml")):
        if path.name.endswith(".expect.yaml"):
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        if not isinstance(data, dict):
            continue
        for item in data.get("units") or []:
            entry = out.setdefault(item["id"], {"wordings": []})
            entry.update(name=item.get("name", item["id"]), short=item.get("short", item["id"]))
            entry["wordings"] += list(item.get("wordings") or [])
        for uid, words in (data.get("existing_ids") or {}).items():
            out.setdefault(uid, {"wordings": []})["wordings"] += list(words or [])
    return out


def catalogue_for(folder: Path, files) -> tuple[UnitCatalogue, list[str]]:
    """data/units.yaml plus the folder's wordings that the project's data does not already resolve."""
    catalogue = read_units(DATA / "units.yaml")
    vocabulary = read_vocabulary(DATA / "vocabulary.yaml")
    units = dict(catalogue.units)
    added: list[str] = []
    resolvers = [UnitResolver(catalogue, vocabulary, f.meta) for f in files]
    for uid, entry in folder_wordings(folder).items():
        if uid not in units:
            units[uid] = Unit(uid, entry.get("name", uid), entry.get("short", uid))
        for word in entry["wordings"]:
            if any(r.resolve(word).unit == uid for r in resolvers):
                continue
            units[uid] = replace(units[uid], aliases=units[uid].aliases + (word,))
            added.append(f"{word} → {uid}")
    return UnitCatalogue(units, catalogue.explained), added


@dataclass
class Score:
    expected: Counter = field(default_factory=Counter)
    got: Counter = field(default_factory=Counter)

    @property
    def tp(self) -> int:
        return sum((self.expected & self.got).values())

    @property
    def precision(self) -> float:
        n = sum(self.got.values())
        return self.tp / n if n else 1.0

    @property
    def recall(self) -> float:
        n = sum(self.expected.values())
        return self.tp / n if n else 1.0

    @property
    def missed(self) -> list:
        return sorted((self.expected - self.got).elements(), key=str)

    @property
    def extra(self) -> list:
        return sorted((self.got - self.expected).elements(), key=str)

    def add(self, other: Score) -> None:
        self.expected += other.expected
        self.got += other.got


@dataclass
class DocumentResult:
    doc: str
    scores: dict[str, Score]
    details: list[str]  # matched roles whose level, word or duty groups differ
    detail_total: int


def subject_of(task_text: str, title: str, subjects: list[str], action: str = "", phrase: str = "") -> str:
    """The expectation's `task:<substring>` the task's text contains (the longest), else a made-up key. For
    a cadence or deadline, a substring of the part of its sentence (`action`) that holds its `phrase` goes
    first, then one of its sentence: an item holding two of them may be named by a different part of its
    text for each."""
    hits = [s for s in subjects if s[5:] and s[5:] in task_text]
    part = next((p for p in re.split(r"[，,；;]", action) if phrase and phrase[:4] in p), "")
    for narrowed in ([s for s in hits if s[5:] in part], [s for s in hits if s[5:] in action], hits):
        if narrowed:
            return max(narrowed, key=len)
    return f"task?:{title[:24]}"


def compare_document(model: PolicyModel, doc: str, expect: dict) -> DocumentResult:
    tasks = {t.clause: t for t in model.tasks if t.doc == doc}
    subjects = sorted(
        {str(x.get("subject")) for k in ("roles", "cadences", "deadlines") for x in expect.get(k) or []}
        - {"None", "overall", "duty"}
    )

    def subject(
        task: str | None, group: str | None, duty: bool, action: str = "", phrase: str = ""
    ) -> str | None:
        if duty:
            return "duty"
        if task:
            t = tasks.get(task)
            wanted = [s for s in subjects if s.startswith("task:")]
            return subject_of(t.text, t.title, wanted, action, phrase) if t else task
        return f"group:{group}" if group else None

    scores = {k: Score() for k in KINDS}
    # roles: one fact per (subject, unit, role); the first wording's level and word
    got_roles: dict[tuple, dict] = {}
    for a in model.assignments:
        if a.source.doc != doc or a.via_override or a.role is Role.NAMED:
            continue
        subj = subject(a.task, a.group, a.role is Role.DUTY) or "overall"
        key = (subj, a.unit, a.role.value)
        fact = got_roles.setdefault(key, {"level": a.level, "word": a.word, "groups": []})
        if a.group and a.group not in fact["groups"]:
            fact["groups"].append(a.group)
    expected_roles = {}
    for r in expect.get("roles") or []:
        key = (str(r["subject"]), r["unit"], r["role"])
        expected_roles[key] = r
        scores["roles"].expected[key] += 1
    scores["roles"].got.update(got_roles.keys())
    details, detail_total = [], 0
    for key, r in expected_roles.items():
        if key not in got_roles:
            continue
        got = got_roles[key]
        checks = [("level", r.get("level"), got["level"]), ("word", r.get("word"), got["word"])]
        if "groups" in r:
            checks.append(("groups", sorted(r["groups"] or []), sorted(got["groups"])))
        for name, want, have in checks:
            detail_total += 1
            if want != have:
                details.append(f"{key}: {name} {want!r} ≠ {have!r}")
    # ages: what each group's own definition says, and what the document says for all its groups
    for a in expect.get("ages") or []:
        scores["ages"].expected[
            (
                a.get("group"),
                a.get("min"),
                bool(a.get("min_inclusive")),
                a.get("max"),
                bool(a.get("max_inclusive")),
                a.get("scope", "group"),
            )
        ] += 1
    for d in model.definitions:
        if d.doc == doc and d.age and d.age_scope == "group":
            scores["ages"].got[(d.group, *d.age.key(), "group")] += 1
    for da in model.document_ages:
        if da.doc == doc:
            scores["ages"].got[(None, *da.age.key(), "document")] += 1
    # definitions: the group's definition contains the expected words
    got_defs = {d.group: d.definition for d in model.definitions if d.doc == doc and d.definition}
    for item in expect.get("definitions") or []:
        gid, words = item["group"], item.get("contains", "")
        key = (gid, words)
        scores["definitions"].expected[key] += 1
        if gid in got_defs and words in got_defs[gid]:
            scores["definitions"].got[key] += 1
    expected_groups = {i["group"] for i in expect.get("definitions") or []}
    for gid in got_defs:
        if gid not in expected_groups:
            scores["definitions"].got[(gid, got_defs[gid][:30])] += 1
    # cadences and deadlines: kind, subject, the units of the subject, and the count or the date
    for c in expect.get("cadences") or []:
        scores["cadences"].expected[
            (c.get("subject"), c["kind"], frozenset(c.get("units") or ()), c.get("times"))
        ] += 1
    for c in model.cadences:
        if c.source.doc == doc:
            group = c.group if c.for_group else None
            key = (subject(c.task, group, c.duty, c.action, c.phrase), c.kind, frozenset(c.units), c.times)
            scores["cadences"].got[key] += 1

    def when(d: dict) -> tuple:
        if d["kind"] == "relative":
            return (d.get("amount"), d.get("unit"))
        if d["kind"] == "dated":
            return (str(d.get("date")), d.get("day"))
        return (d.get("month"), d.get("day"))

    for d in expect.get("deadlines") or []:
        scores["deadlines"].expected[
            (d.get("subject"), d["kind"], when(d), frozenset(d.get("units") or ()))
        ] += 1
    for dl in model.deadlines:
        if dl.source.doc != doc:
            continue
        got_when = {
            "relative": (dl.amount, dl.unit),
            "dated": (f"{dl.year:04d}-{dl.month:02d}" if dl.year and dl.month else None, dl.day),
            "dated-yearly": (dl.month, dl.day),
        }[dl.kind]
        group = dl.group if dl.for_group else None
        scores["deadlines"].got[
            (subject(dl.task, group, dl.duty, dl.action, dl.phrase), dl.kind, got_when, frozenset(dl.units))
        ] += 1
    scores["unmatched"].expected.update(set(expect.get("unmatched") or []))
    scores["unmatched"].got.update({m.text for m in model.mentions if m.source.doc == doc and m.unit is None})
    return DocumentResult(doc, scores, details, detail_total)


def measure(folder: Path) -> tuple[list[DocumentResult], list[str], PolicyModel]:
    files = [read_policy_file(p) for p in sorted(folder.glob("*.txt"))]
    catalogue, added = catalogue_for(folder, files)
    model = extract_model(
        documents_of(files),
        catalogue,
        read_groups(DATA / "groups.yaml"),
        read_vocabulary(DATA / "vocabulary.yaml"),
    )
    results = []
    for f in files:
        expect_path = folder / f"{Path(f.meta.path).stem}.expect.yaml"
        if not expect_path.exists():
            continue
        expect = yaml.safe_load(expect_path.read_text(encoding="utf-8")) or {}
        results.append(compare_document(model, f.meta.id, expect))
    return results, added, model


def report(folder: Path, misses: bool = False, out=None) -> list[DocumentResult]:
    results, added, model = measure(folder)
    w = (out or sys.stdout).write
    w(f"语料：{folder}（{len(results)} 份文件有期望文件）\n")
    if added:
        w(f"本目录补充的单位写法 {len(added)} 条：{'；'.join(added)}\n")
    totals = {k: Score() for k in KINDS}
    w(f"\n{'document':<28}" + "".join(f"{k:>18}" for k in KINDS) + "\n")
    for r in results:
        cells = []
        for k in KINDS:
            s = r.scores[k]
            totals[k].add(s)
            cells.append(f"P{s.precision:5.2f} R{s.recall:5.2f}".rjust(18))
        w(f"{r.doc:<28}" + "".join(cells) + "\n")
    w(
        f"{'TOTAL':<28}"
        + "".join(f"P{totals[k].precision:5.2f} R{totals[k].recall:5.2f}".rjust(18) for k in KINDS)
    )
    w("\n\nper kind: expected / extracted / matched\n")
    for k in KINDS:
        s = totals[k]
        w(
            f"  {k:<12} {sum(s.expected.values()):4d} / {sum(s.got.values()):4d} / {s.tp:4d}"
            f"   precision {s.precision:.3f}   recall {s.recall:.3f}\n"
        )
    detail_total = sum(r.detail_total for r in results)
    detail_bad = sum(len(r.details) for r in results)
    w(f"  matched roles' level / word / duty groups agree: {detail_total - detail_bad}/{detail_total}\n")
    unread = [u for u in model.unread]
    w(
        f"  coverage report: {len(unread)} unread clauses, "
        f"{len({(m.source.doc, m.text) for m in model.mentions if m.unit is None})} unmatched strings\n"
    )
    if misses:
        for r in results:
            lines = []
            for k in KINDS:
                lines += [f"  missed {k}: {x}" for x in r.scores[k].missed]
                lines += [f"  extra  {k}: {x}" for x in r.scores[k].extra]
            lines += [f"  detail: {d}" for d in r.details]
            if lines:
                w(f"\n{r.doc}\n" + "\n".join(lines) + "\n")
        if unread:
            w("\nunread clauses (coverage report)\n")
            for u in unread:
                w(f"  {u.source}: {'、'.join(u.seen)}\n")
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="precision/recall of policy extraction on a corpus folder")
    parser.add_argument("folder", type=Path)
    parser.add_argument("--misses", action="store_true", help="list every missed and extra fact")
    args = parser.parse_args(argv)
    report(args.folder, args.misses)
    return 0


if __name__ == "__main__":
    sys.exit(main())
