"""`edition list` and `edition cut`: the published editions, and publishing data/ as a new one."""

from __future__ import annotations

import datetime as dt

from generators.config.settings import Settings
from generators.core.errors import InputError, Problem, display_path
from generators.policy.editions import cut_edition, read_editions


def list_editions(settings: Settings) -> int:
    editions = read_editions(settings.data)
    published = [e for e in editions if e.published]
    for e in editions:
        mark = "（最新，latest）" if published and e is published[-1] else ""
        print(f"{e.number:8} {e.label}{mark}  {e.title}  {e.notes}  {display_path(e.data)}")
    if not published:
        print(
            "还没有发布过版本：用 `python -m generators edition cut --number 2025.1` 发布 data/ 的当前内容。"
        )
    return 0


def cut(settings: Settings, number: str, date: str | None, title: str, notes: str) -> int:
    try:
        day = dt.date.fromisoformat(date) if date else dt.date.today()
    except ValueError:
        raise InputError(Problem("--date", "日期应写成 YYYY-MM-DD", value=date)) from None
    edition = cut_edition(settings.data, number, day, title, notes)
    print(
        f"已发布版本 {edition.label}：{display_path(edition.data)}。此后该目录不可修改；"
        "重新生成站点即可看到新版本和版本变化页。"
    )
    return 0
