"""Extraction on documents in other styles than the seeds, each fact against a hand-checked expectation."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from tests.policy_corpus_report import KINDS, main, measure, report

CORPUS = Path(__file__).parent / "corpus" / "policies"
OWN = Path(__file__).parent / "corpus" / "policies-own"


@pytest.fixture(scope="module", params=[CORPUS, OWN], ids=["dev", "own"])
def measured(request):
    results, _, model = measure(request.param)
    return {r.doc: r for r in results}, model


def documents(folder: Path) -> list[str]:
    return sorted(p.name.removesuffix(".expect.yaml") for p in folder.glob("*.expect.yaml"))


@pytest.mark.parametrize("kind", KINDS)
def test_every_fact_matches_its_expectation(measured, kind):
    results, _ = measured
    assert results, "no expectation files"
    for doc, r in results.items():
        score = r.scores[kind]
        assert (score.missed, score.extra) == ([], []), (doc, kind)


def test_roles_keep_level_word_and_duty_groups(measured):
    results, _ = measured
    for doc, r in results.items():
        assert r.details == [], doc


def test_each_folder_holds_its_documents():
    assert len(documents(CORPUS)) == 20 and len(documents(OWN)) >= 20


def test_report_prints_precision_and_recall_per_kind(capsys):
    assert main([str(CORPUS)]) == 0
    out = capsys.readouterr().out
    assert "TOTAL" in out and all(k in out for k in KINDS)
    buffer = io.StringIO()
    report(CORPUS, misses=True, out=buffer)
    assert "unread clauses" in buffer.getvalue()


def test_remaining_misses_are_visible_in_the_coverage_report(measured):
    """What the extraction leaves is listed: unmatched strings with their clause, unread clauses with what
    was seen."""
    _, model = measured
    assert all(u.seen for u in model.unread)
    unmatched = {m.text for m in model.mentions if m.unit is None}
    assert unmatched and all(m.source.clause for m in model.mentions)
