"""Masked names for restricted print: 张小明 → 张*明."""

from __future__ import annotations


def mask_name(name: str) -> str:
    """张小明 → 张*明, 李四 → 李*, 欧阳明月 → 欧**月."""
    name = name.strip()
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
