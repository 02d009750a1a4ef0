"""Masking, pseudonyms, suppression and the PII scan."""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path

import pytest

from generators.privacy.guard import scan_for_pii
from generators.privacy.masking import mask_name
from generators.privacy.pseudonyms import Pseudonymizer
from generators.privacy.suppression import suppress
from tests.conftest import ROOT


def test_mask_name():
    assert [mask_name(n) for n in ("张小明", "李四", "欧阳明月", "王")] == ["张*明", "李*", "欧**月", "*"]


def test_pseudonyms_are_keyed_and_stable():
    a, b = Pseudonymizer(b"key-one"), Pseudonymizer(b"key-two")
    assert a("T1V01-0001") == a("T1V01-0001") != a("T1V01-0002")
    assert a("T1V01-0001") != b("T1V01-0001")
    assert a("T1V01-0001").startswith("P-") and len(a("T1V01-0001")) == 10


def recoverable(table) -> bool:
    """Whether some hidden entry is the only hidden one in its row or column (and so can be worked out)."""
    rows, cols = len(table.cells), len(table.cells[0])
    for r in range(rows):
        if sum(1 for c in range(cols) if table.hidden[r][c]) == 1:
            return True
    for c in range(cols):
        if sum(1 for r in range(rows) if table.hidden[r][c]) == 1:
            return True
    return False


def test_small_counts_are_hidden_with_complements():
    t = suppress([[5, 1, 7], [4, 6, 8]])
    assert t.show(0, 1) == "<3"
    assert not recoverable(t)
    assert sum(row.count("complement") for row in t.hidden) >= 1
    assert t.show(2, 3) == "31"  # the grand total stays visible


def test_suppression_never_leaves_a_single_hidden_entry_in_a_line():
    for values in itertools.product([0, 1, 2, 4, 9], repeat=4):
        t = suppress([list(values[:2]), list(values[2:])])
        assert not recoverable(t), values
        for r, row in enumerate(t.cells):
            for c, v in enumerate(row):
                if 0 < v < 3:
                    assert t.hidden[r][c], (values, r, c)


def test_scan_finds_names_split_by_search_segmentation(tmp_path):
    (tmp_path / "search").mkdir()
    (tmp_path / "search" / "search_index.json").write_text(
        '{"text": "\\u5f20\\u200b\\u5c0f\\u660e"}', encoding="utf-8"
    )
    (tmp_path / "ok.html").write_text("<p>政策原文</p>", encoding="utf-8")
    leaks = scan_for_pii(tmp_path, {"张小明": "姓名", "341221200001011234": "身份证号"})
    assert [(leak.file, leak.what, leak.sample) for leak in leaks] == [
        ("search/search_index.json", "姓名", "张*明")
    ]


def test_scan_reads_pdfs_and_workbooks(tmp_path):
    from tests.registry_fixtures import case, workbook

    workbook(tmp_path / "downloads.xlsx", [case(name="欧阳明月")])
    (tmp_path / "broken.pdf").write_bytes(b"")  # unreadable: it cannot pass unchecked
    leaks = scan_for_pii(tmp_path, {"欧阳明月": "姓名"})
    assert [(leak.file, leak.what) for leak in leaks] == [
        ("broken.pdf", "无法读取"),
        ("downloads.xlsx", "姓名"),
    ]
    assert leaks[1].sample == "欧**月"


def project_copy(dest: Path) -> Path:
    dest.mkdir()
    for name in ("mkdocs.yml", "templates", "docs", "data"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, dest / name)
    return dest


@pytest.mark.slow  # builds the whole site
def test_build_fails_when_a_public_template_carries_a_registry_name(tmp_path, capsys):
    """A registry name planted in a public template: the build stops, names the file, keeps the old site."""
    from generators.cli import main
    from generators.config.paths import DataPaths
    from generators.policy.build import build_policy_model
    from generators.registry.config import read_registry_config
    from generators.registry.local_rules import county_rules
    from generators.registry.places import read_places
    from generators.registry.synthetic import SyntheticSettings, generate

    root = project_copy(tmp_path / "project")
    model = build_policy_model(DataPaths(root / "data"))
    config = read_registry_config(root / "data" / "registry.yaml")
    cases, _ = next(
        iter(
            generate(
                SyntheticSettings.from_config(config.synthetic),
                county_rules(model, read_places(root / "data" / "places.yaml"), 90).narrowest_ages(),
            ).values()
        )
    )
    name = cases[0]["name"]
    args = ["build", "--root", str(root), "-q"]
    assert main(args) == 0
    site = root / "site"
    before = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    restricted_before = sorted(p.relative_to(root / "restricted") for p in (root / "restricted").rglob("*"))

    home = root / "templates" / "home.md.j2"
    home.write_text(home.read_text(encoding="utf-8") + f"\n本月表扬：{name}同学。\n", encoding="utf-8")
    capsys.readouterr()
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "index.html" in err and "search/search_index.json" in err and "发布内容中含有台账个人信息" in err
    assert name not in err  # the error names the file, and masks the name it found
    after = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    assert after == before
    assert (
        sorted(p.relative_to(root / "restricted") for p in (root / "restricted").rglob("*"))
        == restricted_before
    )
