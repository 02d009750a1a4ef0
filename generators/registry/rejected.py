"""Publish (restricted): the rows the import refused, as read, with a reason column, so that staff can fix
and re-submit them; the values left out of accepted rows; and what happened to each file.

Whatever a cell held, the workbook can be written and opened safely: control characters are shown as
<U+0007>, and text that starts like a formula (=, +, -, @, a tab or a carriage return) stays text.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from generators.core.errors import Problem
from generators.core.xlsx import workbook_bytes
from generators.registry.cells import CONTROL
from generators.registry.schema import RegistrySchema
from generators.registry.submissions import FileOutcome
from generators.registry.template import data_sheet, instructions_sheet, options_sheet
from generators.registry.validate import RejectedRow, RowWarning

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
MAX_CELL = 32_000  # Excel holds at most 32,767 characters in a cell
OUTCOMES = {"read": "已读入", "file-error": "无法读取", "skipped": "已跳过", "superseded": "重复提交，未使用"}


def safe_value(value: object) -> object:
    """A value openpyxl can write and Excel shows as it was read."""
    if value is None or isinstance(value, (bool, int, float, dt.date, dt.time, dt.timedelta)):
        return value
    text = CONTROL.sub(lambda m: f"<U+{ord(m.group()):04X}>", str(value))
    return text[:MAX_CELL]


def _as_text(wb: Workbook) -> None:
    """Text that looks like a formula is stored as text, with Excel's quote prefix so that editing the
    cell keeps it text."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith(FORMULA_START):
                    cell.data_type = "s"
                    cell.quotePrefix = True


def _where(p: Problem) -> str:
    return p.file + (f" / {p.sheet}" if p.sheet else "") + (f" 第 {p.row} 行" if p.row else "")


def _list_sheet(
    wb: Workbook, title: str, headers: list[str], rows: Sequence[Sequence[object]], widths: list[int]
) -> None:
    ws = wb.create_sheet(title)
    ws.append(headers)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([safe_value(v) for v in row])
    for i, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A2"


def rejected_workbook(
    schema: RegistrySchema,
    rejected: list[RejectedRow],
    warnings: Sequence[RowWarning] = (),
    files: Sequence[FileOutcome] = (),
    notices: Sequence[Problem] = (),
) -> bytes:
    """The rows refused, as read, with a reason column; then the values left out of accepted rows, and
    each file's outcome and notices."""
    wb = Workbook()
    instructions_sheet(
        wb,
        schema,
        "退回的台账行",
        [
            "以下各行未能导入，原因见最后一列“退回原因”。请在原文件中改正后重新提交。",
            "“提示”表列出已接收的行中被略去的值（如无效的电话号码），“文件”表列出每个文件的读取情况。",
            "本表含个人信息，仅限内部使用。",
        ],
    )
    options = options_sheet(wb, schema)
    for sheet in schema.sheets:
        rows = []
        for r in rejected:
            if r.kind != sheet.kind:
                continue
            values = {k: safe_value(v) for k, v in r.values.items()}
            reasons = "；".join((f"[{p.column}] " if p.column else "") + p.message for p in r.problems)
            values["退回原因"] = safe_value(f"{_where(r.problems[0])}：{reasons}")
            rows.append(values)
        data_sheet(wb, sheet, rows, options, extra=["退回原因"])
    _list_sheet(
        wb,
        "提示",
        ["位置", "列", "提示", "原值"],
        [[_where(w.problem), w.problem.column, w.problem.message, w.value] for w in warnings],
        [36, 30, 60, 30],
    )
    named = {id(f.problem) for f in files}
    notices = [n for n in notices if id(n) not in named]
    _list_sheet(
        wb,
        "文件",
        ["文件", "工作表", "情况", "说明"],
        [
            [f.file, None, OUTCOMES.get(f.outcome, f.outcome), f.problem.message if f.problem else None]
            for f in files
        ]
        + [[n.file, n.sheet, "提示", (f"第 {n.row} 行：" if n.row else "") + n.message] for n in notices],
        [36, 16, 14, 80],
    )
    _as_text(wb)
    return workbook_bytes(wb)
