"""Load: completed self-assessment forms — the Excel/WPS form and ODK / KoboToolbox CSV exports.

A form that is for another community or year, or whose structure was changed, stops the build: it cannot
be scored at all. A missing required answer or a value out of range is kept as a problem of that
submission, named by file, item and cell; the submission is then reported as incomplete, never scored as
zero or as met.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generators.assessment.criteria import NO, YES, Criteria, Criterion, Pilot, PilotList
from generators.assessment.layout import (
    ANSWER_COL,
    DETAIL_COL,
    FIRST_ROW,
    FORM_SHEET,
    INFO_KEYS,
    INFO_SHEET,
    XLSFORM_NO,
    XLSFORM_YES,
)
from generators.core.errors import InputError, Problem, display_path
from generators.registry.cells import CellError, clean_text, parse_date
from generators.registry.readers import OLE_MAGIC, read_csv_text

MULTI_SPLIT = re.compile(r"[、,，;；/\s]+")


@dataclass
class Submission:
    file: str
    pilot: Pilot
    answers: dict[str, Any]  # item id (and detail id) → parsed value; absent when blank or invalid
    problems: list[Problem] = field(default_factory=list)  # missing or invalid answers
    invalid: set[str] = field(default_factory=set)  # ids of items with a problem


@dataclass(frozen=True)
class Cell:
    """Where an answer sits, for messages: a worksheet cell or a CSV column."""

    sheet: str | None
    row: int
    column: str


def parse_answer(c: Criterion, value: object, pilot: Pilot, csv: bool) -> object:
    """One answer, or CellError saying (in Chinese) what is wrong with it."""
    text = clean_text(value)
    if text is None:
        return None
    if c.answer == "yes_no":
        table = {
            YES: True,
            NO: False,
            XLSFORM_YES: True,
            XLSFORM_NO: False,
            "1": True,
            "0": False,
            "true": True,
            "false": False,
        }
        if text.lower() not in table:
            raise CellError(f"应为“{YES}”或“{NO}”")
        return table[text.lower()]
    if c.answer == "count":
        try:
            number = float(text)
        except ValueError:
            raise CellError("应为 0 或以上的整数") from None
        if not number.is_integer() or number < 0:
            raise CellError("应为 0 或以上的整数")
        return int(number)
    if c.answer == "date":
        day = parse_date(value if not isinstance(value, str) else text)
        if day is not None and c.in_pilot_year and day.year != pilot.year:
            raise CellError(f"应在试点年度 {pilot.year} 年内")
        return day
    if c.answer in ("choice", "multi_choice"):
        parts = [p for p in (text.split() if csv else MULTI_SPLIT.split(text)) if p]
        picked = []
        for p in parts:
            if csv and re.fullmatch(r"c\d+", p) and int(p[1:]) <= len(c.choices):
                picked.append(c.choices[int(p[1:]) - 1])
            elif p in c.choices:
                picked.append(p)
            else:
                raise CellError(f"“{p}”不是可选的值，应为：{'、'.join(c.choices)}")
        if c.answer == "choice" and len(picked) != 1:
            raise CellError("只能选一项")
        return picked[0] if c.answer == "choice" else tuple(sorted(set(picked), key=c.choices.index))
    return text


def _check(
    criteria: Criteria, pilot: Pilot, file: str, raw: dict[str, object], cells: dict[str, Cell], csv: bool
) -> Submission:
    sub = Submission(file, pilot, {})

    def problem(c: Criterion, message: str, key: str, value: object = None) -> None:
        cell = cells[key]
        sub.invalid.add(c.id)
        sub.problems.append(
            Problem(
                file,
                f"第 {c.number} 项（{c.id}）{message}",
                sheet=cell.sheet,
                row=cell.row,
                column=cell.column,
                value=None if value is None else str(value),
            )
        )

    for c in criteria.items:
        value = raw.get(c.id)
        try:
            parsed = parse_answer(c, value, pilot, csv)
        except CellError as exc:
            problem(c, f"的答案无效：{exc}", c.id, value)
            continue
        if parsed is None:
            if c.required:
                problem(c, "是必填项，未填写", c.id)
            continue
        sub.answers[c.id] = parsed
        if c.detail and (
            parsed is True or (isinstance(parsed, int) and not isinstance(parsed, bool) and parsed > 0)
        ):
            detail = clean_text(raw.get(c.detail_id))
            if detail is None:
                problem(c, f"答“是”或大于 0，须说明情况（{c.detail}）", c.detail_id)
            else:
                sub.answers[c.detail_id] = detail
    for c in criteria.items:
        if c.max_item and c.id in sub.answers and c.max_item in sub.answers:
            if sub.answers[c.id] > sub.answers[c.max_item]:
                other = criteria.item(c.max_item)
                problem(
                    c,
                    f"不能大于第 {other.number} 项（{other.label}）的 {sub.answers[c.max_item]}",
                    c.id,
                    sub.answers[c.id],
                )
                del sub.answers[c.id]
    return sub


def _pilot(pilots: PilotList, file: str, community: str | None, year: object, where: dict) -> Pilot:
    for p in pilots.pilots:
        if p.community == community and str(p.year) == str(year):
            return p
    known = "、".join(f"{p.community}（{p.year}）" for p in pilots.pilots)
    raise InputError(
        Problem(
            file,
            f"这份表是“{community}” {year} 年度的，不在试点名单中（{known}）：社区或年度不对，"
            "请用本社区本年度的表重新填写",
            **where,
        )
    )


def read_form_xlsx(path: Path, criteria: Criteria, pilots: PilotList) -> Submission:
    import openpyxl

    file = display_path(path)
    if path.read_bytes()[:8] == OLE_MAGIC:
        raise InputError(Problem(file, "文件已加密或为旧版 .xls 格式：请取消密码并另存为 .xlsx"))
    try:
        wb = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:
        raise InputError(Problem(file, f"无法读取这个 Excel 文件（{exc.__class__.__name__}）")) from exc
    if INFO_SHEET not in wb.sheetnames or FORM_SHEET not in wb.sheetnames:
        raise InputError(
            Problem(
                file, f"不是本手册生成的自评表（缺少工作表“{FORM_SHEET}”或表单信息）：请用下载的自评表填写"
            )
        )
    info = {
        str(r[0]): r[1] for r in wb[INFO_SHEET].iter_rows(max_col=2, values_only=True) if r[0] in INFO_KEYS
    }
    pilot = _pilot(
        pilots, file, clean_text(info.get("community")), clean_text(info.get("year")), {"sheet": INFO_SHEET}
    )
    ws = wb[FORM_SHEET]
    shown = (clean_text(ws.cell(3, 2).value), clean_text(ws.cell(4, 2).value))
    if shown != (pilot.community, str(pilot.year)):
        raise InputError(
            Problem(
                file,
                f"表头写的是“{shown[0]}” {shown[1]} 年度，表单信息是“{pilot.community}” {pilot.year} 年度："
                "社区或年度被改过，请用本社区本年度的表重新填写",
                sheet=FORM_SHEET,
                row=3,
                column="B",
            )
        )
    if str(info.get("version")) != criteria.version:
        raise InputError(
            Problem(
                file,
                f"表的版本（{info.get('version')}）与现行自评标准（{criteria.version}）不同："
                "请下载最新的自评表重新填写",
                sheet=INFO_SHEET,
            )
        )
    raw, cells = {}, {}
    for i, c in enumerate(criteria.items):
        row = FIRST_ROW + i
        found = clean_text(ws.cell(row, 2).value)
        if found != c.id:
            raise InputError(
                Problem(
                    file,
                    f"表格结构被改动：第 {row} 行应为第 {c.number} 项（{c.id}），实际是 {found!r}。"
                    "请不要插入、删除或移动行",
                    sheet=FORM_SHEET,
                    row=row,
                    column="B",
                )
            )
        raw[c.id], raw[c.detail_id] = ws.cell(row, ANSWER_COL).value, ws.cell(row, DETAIL_COL).value
        cells[c.id] = Cell(FORM_SHEET, row, "F（答案）")
        cells[c.detail_id] = Cell(FORM_SHEET, row, "G（情况说明）")
    return _check(criteria, pilot, file, raw, cells, csv=False)


def _field(header: str) -> str:
    """ODK Central writes group-name-field, KoboToolbox group/field: keep the field name."""
    return re.split(r"[/:]", header.strip())[-1].split("-")[-1]


def read_form_csv(path: Path, criteria: Criteria, pilots: PilotList) -> Submission:
    import pandas as pd

    file = display_path(path)
    frame = pd.read_csv(io.StringIO(read_csv_text(path)), dtype=str, keep_default_na=False)
    columns = {_field(h): h for h in frame.columns}
    needed = ["community", "pilot_year"] + [c.id for c in criteria.items]
    missing = [n for n in needed if n not in columns]
    if missing:
        raise InputError(
            Problem(
                file,
                f"导出的表格结构与现行自评标准不符，缺少字段：{'、'.join(missing)}。"
                "请用最新的表单（XLSForm）收集并重新导出",
            )
        )
    if len(frame) != 1:
        raise InputError(Problem(file, f"应有 1 条提交记录，实际有 {len(frame)} 条：请只保留最终提交的一条"))
    row = frame.iloc[0]
    pilot = _pilot(
        pilots,
        file,
        clean_text(row[columns["community"]]),
        clean_text(row[columns["pilot_year"]]),
        {"row": 2, "column": columns["community"]},
    )
    raw = {name: (row[header] if row[header] != "" else None) for name, header in columns.items()}
    cells = {}
    for c in criteria.items:
        cells[c.id] = Cell(None, 2, columns[c.id])
        cells[c.detail_id] = Cell(None, 2, columns.get(c.detail_id, c.detail_id))
    return _check(criteria, pilot, file, raw, cells, csv=True)


def read_submissions(folder: Path, criteria: Criteria, pilots: PilotList) -> list[Submission]:
    """Every completed form in the folder; two forms for one community and year is an error."""
    subs: list[Submission] = []
    if not folder.is_dir():
        return subs
    for path in sorted(folder.iterdir()):
        if path.name.startswith(("~$", ".")):
            continue
        suffix = path.suffix.lower()
        if suffix == ".xlsx":
            subs.append(read_form_xlsx(path, criteria, pilots))
        elif suffix == ".csv":
            subs.append(read_form_csv(path, criteria, pilots))
        elif suffix in (".xls", ".ods", ".pdf"):
            raise InputError(
                Problem(
                    display_path(path),
                    f"不支持的文件类型 {suffix}：请提交 .xlsx 自评表或 ODK/Kobo 导出的 .csv",
                )
            )
    seen: dict[str, str] = {}
    for s in subs:
        if s.pilot.key in seen:
            raise InputError(
                Problem(s.file, f"与 {seen[s.pilot.key]} 是同一社区同一年度的自评表：请只保留一份")
            )
        seen[s.pilot.key] = s.file
    return subs
