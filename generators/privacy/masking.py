"""Masks for personal values wherever they would be shown: restricted print (张小明 → 张*明) and the console
(ID numbers, phones and addresses cut down; the full row is only in the restricted rejected-rows workbook)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import Any

from generators.core.errors import Problem

# The kinds of personal value the registry holds, as the messages name them.
NAME, ID_NUMBER, PHONE, ADDRESS, NOTE = "姓名", "身份证号", "电话", "住址", "备注"

# Numbers that look like an ID number or a phone, even when no registry row is known (a file-level error):
# 18-digit (or old 15-digit) ID numbers, mobile numbers (with separators) and landlines with an area code.
ID_LIKE = re.compile(r"(?<![0-9])(?:[0-9]{17}[0-9Xx]|[0-9]{15})(?![0-9Xx])")
PHONE_LIKE = re.compile(
    r"(?<![0-9])(?:\+?86[\s-]?)?(?:1[3-9][0-9](?:[\s-]?[0-9]{4}){2}|0[0-9]{2,3}[\s-]?[0-9]{7,8})(?![0-9])"
)


def mask_name(name: str) -> str:
    """张小明 → 张*明, 李四 → 李*, 欧阳明月 → 欧**月."""
    name = name.strip()
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def mask_digits(value: str, head: int, tail: int) -> str:
    """Digits kept at both ends only: 3412**********123X, 138****8000."""
    digits = re.sub(r"[^0-9Xx]", "", value)
    if len(digits) <= head + tail:
        return "*" * len(digits)
    return digits[:head] + "*" * (len(digits) - head - tail) + digits[-tail:]


def mask_value(kind: str, value: str) -> str:
    """A personal value as the console and error messages may show it."""
    value = str(value)
    if kind == NAME:
        return mask_name(value)
    if kind == ID_NUMBER:
        return mask_digits(value, 4, 4)
    if kind == PHONE:
        return mask_digits(value, 3, 4)
    if kind == ADDRESS:
        return value.strip()[:3] + "***"
    return "（已隐去）"


def mask_cell(column: str | None, value: str) -> str:
    """A registry cell as the console may show it: always cut down, by what its column holds (the full
    row is only in the restricted rejected-rows workbook)."""
    header = column or ""
    if "身份" in header or "证件" in header:
        return mask_value(ID_NUMBER, value)
    if "电话" in header or "手机" in header:
        return mask_value(PHONE, value)
    if "住址" in header or "地址" in header:
        return mask_value(ADDRESS, value)
    return mask_name(str(value))


def mask_patterns(text: str) -> str:
    """Anything in `text` that looks like an ID number or a phone, masked."""
    text = ID_LIKE.sub(lambda m: mask_value(ID_NUMBER, m.group(0)), text)
    return PHONE_LIKE.sub(lambda m: mask_value(PHONE, m.group(0)), text)


KIND_BITS = 16  # a masker's automaton holds each word's length above its kind's index
KIND_MASK = (1 << KIND_BITS) - 1


class TextMasker:
    """Masks known personal values (and number patterns) in a line of text before it is printed. Public
    words (place names) are left alone: a guardian called 杨柳 is masked, 杨柳社区 in a file name is not."""

    def __init__(self, values: Iterable[tuple[str, str]] = (), public_words: Iterable[str] = ()):
        # Taken in when the first line is masked: a county's values make an automaton of tens of MiB, which
        # a build that prints nothing personal (or prints after its site is checked) need not hold meanwhile.
        self._values: Iterable[tuple[str, str]] | None = values
        self._public_words = public_words
        self._automaton: Any = None
        self._kinds: list[str | None] = [None]

    def _made(self) -> Any:
        import ahocorasick

        # A word's value is an int, its length and kind (an index into `_kinds`; public words 0): no Python
        # object per value, a county's hundreds of thousands of them.
        automaton = ahocorasick.Automaton(ahocorasick.STORE_INTS)
        kinds: dict[str | None, int] = {None: 0}
        for word in self._public_words:
            if word:
                automaton.add_word(word, len(word) << KIND_BITS)
        for value, kind in self._values or ():
            value = str(value).strip()
            if len(value) >= 2:
                index = kinds.setdefault(kind, len(kinds))
                automaton.add_word(value, len(value) << KIND_BITS | index)
        if len(automaton):
            automaton.make_automaton()
        self._kinds = list(kinds)
        self._values = self._public_words = ()
        return automaton

    def __call__(self, text: str) -> str:
        if self._automaton is None:
            self._automaton = self._made()
        if len(self._automaton):
            spans = [
                (end - (found >> KIND_BITS) + 1, end + 1, self._kinds[found & KIND_MASK])
                for end, found in self._automaton.iter(text)
            ]
            public = [(s, e) for s, e, kind in spans if kind is None]
            spans = sorted(
                (s, e, kind)
                for s, e, kind in spans
                if kind is not None and not any(ps <= s and e <= pe for ps, pe in public)
            )
            out, at = [], 0
            for start, end, kind in sorted(spans, key=lambda s: (s[0], -s[1])):
                if start < at:
                    continue  # inside a longer value already masked
                out.append(text[at:start])
                out.append(mask_value(kind, text[start:end]))
                at = end
            text = "".join(out) + text[at:]
        return mask_patterns(text)


def masked_problem(problem: Problem, masker: TextMasker | None = None, cell: bool = False) -> Problem:
    """A problem fit for the console: known personal values and number patterns masked in its text; with
    `cell`, its value (a registry cell) cut down whatever it is."""
    mask = masker or mask_patterns
    value = problem.value
    if value is not None:
        value = mask_cell(problem.column, value) if cell else mask(value)
    return dataclasses.replace(problem, file=mask(problem.file), message=mask(problem.message), value=value)
