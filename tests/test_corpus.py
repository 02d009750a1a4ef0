"""The policy corpus: verbatim texts, metadata, and adding a document without code changes."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import ROOT, SEEDS

from generators.config.paths import DataPaths
from generators.policy.build import build_policy_model
from generators.policy.corpus import read_policies


def test_five_documents_with_metadata():
    files = read_policies(ROOT / "data" / "policies")
    metas = {f.meta.id: f.meta for f in files}
    assert len(metas) == 5
    assert metas["xiantao-2021"].doc_number == "仙桃街办发〔2021〕62号"
    assert metas["shuangling-2017"].level == "国家" and metas["shuangling-2017"].date == "2017-07-27"
    assert metas["jinyuan-fragment"].fragment and metas["jinyuan-fragment"].date is None
    assert {m.level for m in metas.values()} == {"国家", "街道", "乡镇"}


@pytest.mark.skipif(not SEEDS.exists(), reason="shared/seeds not beside the checkout")
def test_texts_are_verbatim_copies_of_the_seeds():
    for f in read_policies(ROOT / "data" / "policies"):
        assert f.body.encode("utf-8") == (SEEDS / f.meta.source_file).read_bytes(), f.meta.source_file


def test_a_new_document_is_picked_up_without_code_changes(data_copy: Path):
    (data_copy / "policies" / "005-test.txt").write_text(
        "---\nid: test-town\ntitle: 测试镇工作方案\nshort: 测试镇方案\nlevel: 乡镇\nlocality: 测试镇\n"
        "source_file: 005.txt\ndate: 2024-03-01\n---\n一、工作内容\n（一）加强闲散青少年服务管理\n"
        "牵头单位：镇团委\n责任单位：镇妇联、镇农机站\n1.每月走访一次。（镇团委）\n",
        encoding="utf-8",
    )
    model = build_policy_model(DataPaths(data_copy))
    assert [d.id for d in model.documents][-2:] == ["test-town", "jinyuan-fragment"]  # by date, undated last
    roles = {(a.role.value, a.unit) for a in model.assignments if a.source.doc == "test-town"}
    assert ("lead", "youth-league") in roles and ("responsible", "womens-federation") in roles
    # an unknown unit is reported, not dropped
    assert [m.text for m in model.unmatched] == ["镇农机站"]
    assert any(c.kind == "monthly" and c.source.doc == "test-town" for c in model.cadences)
