"""The messy-registry corpus (tests/corpus/registry): folders of files as village staff send them, each
with every expected outcome (expected.yaml). For every scenario: what became of each file, the rows read,
accepted and rejected per sheet (read = accepted + rejected, always), exactly the rows rejected and the
values warned about, the notices, the values as read, the villages reported unreadable, the exit code."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import pytest
import yaml

from generators.registry.local_rules import county_rules
from generators.registry.places import read_places
from generators.registry.validate import RegistryImport, import_registry
from tests.registry_fixtures import SCHEMA

CORPUS = Path(__file__).parent / "corpus" / "registry"
EXPECTED = yaml.safe_load((CORPUS / "expected.yaml").read_text(encoding="utf-8"))
AS_OF = dt.date.fromisoformat(EXPECTED["as_of"])
SCENARIOS = {s["name"]: s for s in EXPECTED["scenarios"]}


@pytest.fixture(scope="module")
def imported(model):
    places = read_places(CORPUS / EXPECTED["places"])
    rules = county_rules(model, places, 90)
    cache: dict[str, RegistryImport] = {}

    def run(name: str) -> RegistryImport:
        if name not in cache:
            cache[name] = import_registry(CORPUS / "scenarios" / name, SCHEMA, places, model, rules, AS_OF)
        return cache[name]

    return run


def test_the_corpus_is_large_enough():
    files = [p for p in (CORPUS / "scenarios").rglob("*") if p.is_file()]
    assert len(SCENARIOS) >= 40 and len(files) >= 40


def _column_matches(label: str | None, expected: dict) -> bool:
    if expected["column"] is None:
        return True
    if label is None or not label.startswith(expected["column"]):
        return False
    return "as_written" not in expected or f"表头“{expected['as_written']}”" in label


def _where(e: dict) -> tuple:
    return (e["path"], e["sheet"], e["row"])


@pytest.mark.parametrize("name", list(SCENARIOS))
def test_scenario(imported, name):
    s = SCENARIOS[name]
    result = imported(name)
    folder = CORPUS / "scenarios" / name

    # every file of the folder is accounted for, with the expected outcome and reason
    on_disk = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    outcomes = {f.file: f for f in result.files}
    assert sorted(outcomes) == on_disk
    for f in s["files"]:
        got = outcomes[f["path"]]
        assert got.outcome == f["outcome"], (f["path"], got.problem)
        if f["reason_contains"]:
            assert f["reason_contains"] in got.problem.message, got.problem
        if f["outcome"] == "file-error":
            assert "无法读取" in got.problem.message

    # rows read = accepted + rejected, for every sheet of every file read, and as expected
    for (file, sheet, kind), n in result.read.items():
        assert n == result.accepted_count(file, sheet, kind) + result.rejected_count(file, sheet, kind)
    expected_sheets = {
        (f["path"], sh["sheet"], sh["kind"]): sh
        for f in s["files"]
        if f["outcome"] == "read"
        for sh in f["sheets"]
    }
    assert set(result.read) == set(expected_sheets)
    for key, sh in expected_sheets.items():
        got = (result.read[key], result.accepted_count(*key), result.rejected_count(*key))
        assert got == (sh["read"], sh["accepted"], sh["rejected"]), key

    # exactly the rows rejected, each for the expected reason in the expected column
    rejected = {(r.ref.file, r.ref.sheet, r.ref.row): r for r in result.rejected}
    assert sorted(rejected, key=str) == sorted((_where(e) for e in s["rejections"]), key=str)
    for e in s["rejections"]:
        problems = rejected[_where(e)].problems
        assert any(_column_matches(p.column, e) and e["contains"] in p.message for p in problems), (
            e,
            [str(p) for p in problems],
        )

    # exactly the cells warned about; the restricted text (message and the value in full) says why
    warned = Counter((w.problem.file, w.problem.sheet, w.problem.row) for w in result.warnings)
    assert sorted(warned, key=str) == sorted({_where(e) for e in s["warnings"]}, key=str)
    for e in s["warnings"]:
        texts = [
            f"{w.problem.message} {w.value}"
            for w in result.warnings
            if (w.problem.file, w.problem.sheet, w.problem.row) == _where(e)
            and _column_matches(w.problem.column, e)
        ]
        assert any(e["contains"] in t for t in texts), (e, [str(w.problem) for w in result.warnings])

    # the notices that must appear
    for e in s["notices"]:
        assert any(
            n.file == e["path"]
            and ("sheet" not in e or n.sheet == e["sheet"])
            and ("row" not in e or n.row == e["row"])
            and e["contains"] in n.message
            for n in result.notes
        ), (e, [str(n) for n in result.notes])

    # values as read
    cases = {c.key: c for c in result.cases}
    contacts = Counter({key: len(dates) for key, dates in result.contacts.dates.items()})
    for e in s["values"]:
        key = (e["township"], e["village"], e["case_id"])
        assert key in cases, (key, sorted(cases))
        if e["field"] == "contacts":
            assert contacts[key] == e["equals"], key
            continue
        value = getattr(cases[key], e["field"])
        value = value.isoformat() if isinstance(value, dt.date) else value
        if e["field"] == "group":
            value = next(g.name for g in _groups(result) if g.id == value)
        assert value == e["equals"], (key, e["field"])

    assert sorted(map(tuple, s["villages_unreadable"])) == result.unreadable
    assert result.exit_code == s["exit_code"]


def _groups(result):
    from tests.conftest import ROOT

    data = yaml.safe_load((ROOT / "data" / "groups.yaml").read_text(encoding="utf-8"))
    from types import SimpleNamespace

    return [SimpleNamespace(id=g["id"], name=g["name"]) for g in data["groups"]]
