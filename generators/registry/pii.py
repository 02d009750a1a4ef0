"""Derive: the registry's personal strings, which the publish guard looks for in everything published."""

from __future__ import annotations

from generators.registry.model import Case


def personal_values(cases: list[Case], public_texts: tuple[str, ...] | list[str] = ()) -> dict[str, str]:
    """Every personal string of the registry → what it is. A string that the published policy texts
    themselves contain (a two-character name can be an ordinary word) cannot be told apart and is left out."""
    needles = {}
    for c in cases:
        for value, what in (
            (c.name, "姓名"),
            (c.guardian, "姓名"),
            (c.contact_person, "姓名"),
            (c.id_number, "身份证号"),
            (c.phone, "电话"),
            (c.address, "住址"),
        ):
            if value and len(value) >= 2 and not any(value in t for t in public_texts):
                needles[value] = what
    return needles


def place_names(cases: list[Case]) -> list[str]:
    """Public place names of the registry (a person called 杨柳 is still found, 杨柳社区 is not taken for them)."""
    return sorted(
        {c.township for c in cases} | {c.village for c in cases} | {c.township + c.village for c in cases}
    )
