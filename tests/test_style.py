"""Code style that ruff does not check the way we want: line length in characters (a CJK character
counts as one; ruff's E501 counts it as two columns, so it is switched off)."""

from __future__ import annotations

from tests.conftest import ROOT

MAX_LINE = 110


def test_lines_are_at_most_110_characters():
    long_lines = [
        f"{path.relative_to(ROOT)}:{number}: {len(line)} characters"
        for folder in ("generators", "tests", "bench")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if len(line) > MAX_LINE
    ]
    assert long_lines == []
