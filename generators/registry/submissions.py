"""Load: which of the tables read are this month's registry — one sheet per month keeps only the newest
month's cases sheet, and a village sent twice keeps only the copy that is newer by its data.

A village whose copies are equally new, or whose only file cannot be read, is unreadable this month: it is
named (console, restricted readme, township pack, public pages) and the build exits with its own code.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from generators.core.errors import Problem
from generators.registry.cells import CellError, parse_date
from generators.registry.folder import village_of_path
from generators.registry.headers import Table
from generators.registry.places import PlaceList
from generators.registry.readers import FileRead

SHEET_MONTH = re.compile(r"(?:(\d{4})\s*[年.\-/_]\s*)?(\d{1,2})\s*月")
SHEET_YEAR_MONTH = re.compile(r"^\s*(\d{4})\s*[.\-/_]?\s*(\d{1,2})\s*$")


@dataclass
class FileOutcome:
    """What became of one file of the folder."""

    file: str
    outcome: str  # read | file-error | skipped | superseded
    problem: Problem | None = None  # why, for anything but read
    village: tuple[str, str] | None = None  # from the path, for a file that could not be used


@dataclass
class Selection:
    tables: list[Table] = field(default_factory=list)
    outcomes: list[FileOutcome] = field(default_factory=list)
    notices: list[Problem] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (township, village), sorted
    file_villages: dict[str, tuple[str, str] | None] = field(default_factory=dict)  # file → village by path


def sheet_month(title: str | None, as_of: dt.date) -> tuple[int, int] | None:
    """The (year, month) a sheet's name stands for (2026年10月, 2026.10, 10月), or None. A month without a
    year is the latest such month not after the data cut-off."""
    if not title:
        return None
    m = SHEET_YEAR_MONTH.match(title) or SHEET_MONTH.search(title)
    if not m or not 1 <= int(m.group(2)) <= 12:
        return None
    month = int(m.group(2))
    if m.group(1):
        return int(m.group(1)), month
    return (as_of.year if month <= as_of.month else as_of.year - 1), month


def month_tables(read: FileRead, as_of: dt.date) -> tuple[list[Table], list[Problem]]:
    """The file's tables to validate: of a workbook that holds one cases sheet per month, the newest
    month's only; the others named."""
    months = {id(t): sheet_month(t.sheet, as_of) for t in read.tables if t.schema.kind == "cases"}
    dated = [t for t in read.tables if months.get(id(t))]
    if len(dated) < 2:
        return read.tables, []
    cut = (as_of.year, as_of.month)
    usable = [t for t in dated if months[id(t)] <= cut] or dated  # type: ignore[operator]
    newest = max(usable, key=lambda t: months[id(t)])  # type: ignore[arg-type,return-value]
    notices = [
        Problem(
            read.file,
            f"工作表“{t.sheet}”是另一个月份的台账，未读取：本月以工作表“{newest.sheet}”为准",
            sheet=t.sheet,
        )
        for t in dated
        if t is not newest
    ]
    left = {id(d) for d in dated if d is not newest}
    return [t for t in read.tables if id(t) not in left], notices


def _month_sheets(read: FileRead, as_of: dt.date) -> None:
    """Keep the newest month's cases sheet of a workbook that holds one per month; name the others."""
    read.tables, notices = month_tables(read, as_of)
    read.notices.extend(notices)


def _villages(read: FileRead, places: PlaceList) -> set[tuple[str, str]]:
    """The places on the list that the file's case rows name."""
    written = {
        pair for t in read.tables if t.schema.kind == "cases" for pair in t.values_of("township", "village")
    }
    out = set()
    for town, village in written:
        if isinstance(town, str) and isinstance(village, str):
            canonical = places.township(town)
            if canonical and (v := places.village(canonical, village)):
                out.add((canonical, v))
    return out


def _newest(read: FileRead, as_of: dt.date) -> dt.date | None:
    """The newest date the file's data holds (entry, exit or contact), not after the cut-off."""
    written: set[object] = set()
    for t in read.tables:
        keys = ("entry_date", "exit_date") if t.schema.kind == "cases" else ("date",)
        for k in keys:
            written.update(t.values_of(k))
    days = []
    for value in written:
        try:
            day = parse_date(value)
        except (CellError, TypeError):
            continue
        if day and day <= as_of:
            days.append(day)
    return max(days, default=None)


def _components(villages: dict[str, set[tuple[str, str]]]) -> list[list[str]]:
    """Files grouped by the villages they share (a township's combined file links its villages)."""
    groups: list[tuple[set[str], set[tuple[str, str]]]] = []
    for file, vs in villages.items():
        if not vs:
            continue
        joined = [g for g in groups if g[1] & vs]
        files, places = {file}, set(vs)
        for g in joined:
            files |= g[0]
            places |= g[1]
            groups.remove(g)
        groups.append((files, places))
    return [sorted(f) for f, _ in groups if len(f) > 1]


def _names(villages: set[tuple[str, str]]) -> str:
    return "、".join(t + v for t, v in sorted(villages))


def select(
    reads: list[FileRead],
    skipped: list[tuple[Path, Problem]],
    places: PlaceList,
    as_of: dt.date,
    folder: Path,
) -> Selection:
    """The tables to validate, what became of every file, and the villages unreadable this month."""
    out = Selection()
    by_file = {r.file: r for r in reads}
    for _path, problem in skipped:
        out.outcomes.append(FileOutcome(problem.file, "skipped", problem))
    for r in reads:
        _month_sheets(r, as_of)
    good = [r for r in reads if r.error is None]
    villages = {r.file: _villages(r, places) for r in good}
    superseded: dict[str, Problem] = {}
    lost: set[tuple[str, str]] = set()
    for files in _components(villages):
        newest = {f: _newest(by_file[f], as_of) for f in files}
        top = max((d for d in newest.values() if d), default=None)
        winners = [f for f in files if newest[f] == top]
        shared = set.union(*(villages[f] for f in files))
        when = f"（最新日期 {top}）" if top else ""
        if len(winners) == 1:
            winner = winners[0]
            others = "、".join(f for f in files if f != winner)
            out.notices.append(
                Problem(winner, f"重复提交：{_names(shared)} 还有文件 {others}；以数据较新的本文件为准{when}")
            )
            for f in files:
                if f != winner:
                    superseded[f] = Problem(
                        f,
                        f"重复提交：与 {winner} 是同一村（社区）的台账，以数据较新的 {winner} 为准{when}，本文件未读取",
                    )
        else:
            for f in files:
                others = "、".join(o for o in files if o != f)
                superseded[f] = Problem(
                    f,
                    f"重复提交：与 {others} 是同一村（社区）的台账，数据同样新{when}，无法确定以哪个为准，"
                    f"都未使用：{_names(shared)} 本月台账未能读取，请只报送一份",
                )
            lost |= shared
    for r in reads:
        village = village_of_path(r.path, places, folder)
        out.file_villages[r.file] = village
        if r.error is not None:
            out.outcomes.append(FileOutcome(r.file, "file-error", r.error, village))
            if village:
                lost.add(village)
        elif r.file in superseded:
            out.outcomes.append(FileOutcome(r.file, "superseded", superseded[r.file], village))
            out.notices.append(superseded[r.file])
            lost |= villages[r.file]
        else:
            out.outcomes.append(FileOutcome(r.file, "read"))
            out.tables.extend(r.tables)
            out.notices.extend(r.notices)
            out.notices.extend(n for t in r.tables for n in t.notices)
    covered = set().union(*(villages[r.file] for r in good if r.file not in superseded))
    out.unreadable = sorted(lost - covered)
    return out
