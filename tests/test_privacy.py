"""Masking, pseudonyms, suppression and the PII scan."""
from __future__ import annotations

import itertools

from generators.privacy import Pseudonymizer, mask_name, scan_for_pii, suppress


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
    (tmp_path / "search" / "search_index.json").write_text('{"text": "\\u5f20\\u200b\\u5c0f\\u660e"}', encoding="utf-8")
    (tmp_path / "ok.html").write_text("<p>政策原文</p>", encoding="utf-8")
    leaks = scan_for_pii(tmp_path, {"张小明": "姓名", "341221200001011234": "身份证号"})
    assert [(l.file, l.what, l.sample) for l in leaks] == [("search/search_index.json", "姓名", "张*明")]
