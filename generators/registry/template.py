"""The registry workbook as villages keep it (the template, and the synthetic county's files): one sheet
per schema sheet, dropdowns from a hidden options sheet, date and text formats, a frozen header. Opens
cleanly in Excel, WPS and LibreOffice; the same content gives the same bytes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from generators.core.xlsx import put, text_width, workbook_bytes
from generators.registry.schema import Column, RegistrySchema, SheetSchema

HEADER_FILL = PatternFill("solid", fgColor="DDE3F0")
REQUIRED_FONT = Font(bold=True, color="B71C1C")
OPTIONS_SHEET = "选项"


def instructions_sheet(wb: Workbook, schema: RegistrySchema, title: str, lines: list[str]) -> None:
    ws = wb.active
    ws.title = "说明"
    put(ws["A1"], title)
    ws["A1"].font = Font(bold=True, size=14)
    row = 3
    for line in lines:
        put(ws.cell(row, 1), line)
        row += 1
    row += 1
    for sheet in schema.sheets:
        put(ws.cell(row, 1), f"工作表“{sheet.title}”各列：").font = Font(bold=True)
        row += 1
        for c in sheet.columns:
            need = "必填" if c.required else "选填"
            allowed = f"；可选：{'、'.join(c.values)}" if c.values else ""
            kind = {"date": "日期", "id_number": "18 位身份证号（文本）", "phone": "电话"}.get(c.type, "文字")
            put(ws.cell(row, 1), f"{c.header}（{need}，{kind}{allowed}）{'：' + c.help if c.help else ''}")
            row += 1
        row += 1
    ws.column_dimensions["A"].width = 110


def column_width(col: Column) -> float:
    """Wide enough for the header, the longest choice (and the dropdown arrow), an 18-digit ID number or
    a date; free text gets a sensible default."""
    fits = {"id_number": 18, "date": 10, "phone": 13}.get(col.type, 8)
    longest = max([text_width(col.header), fits] + [text_width(str(v)) for v in col.values])
    return float(min(max(longest + 4, 10), 60))


def _validation(col: Column, options_col: dict[str, str]) -> DataValidation | None:
    """The check Excel and WPS make while a column is typed in: a list, 18 characters, a date; or none."""
    if col.type == "enum":
        return DataValidation(
            type="list",
            formula1=options_col[col.key],
            errorTitle="不是可选的值",
            error=f"请从下拉列表中选择{col.header}",
            allow_blank=not col.required,
            showErrorMessage=True,
        )
    if col.type == "id_number":
        return DataValidation(
            type="textLength",
            operator="equal",
            formula1="18",
            errorTitle="身份证号位数不对",
            error="公民身份号码应为 18 位（末位可为 X）；请先把单元格设为文本再录入",
            allow_blank=not col.required,
            showErrorMessage=True,
        )
    if col.type == "date":
        return DataValidation(
            type="date",
            operator="between",
            formula1="DATE(1990,1,1)",
            formula2="DATE(2100,12,31)",
            errorTitle="日期无效",
            error="请填写日期，例如 2024-03-01",
            allow_blank=not col.required,
            showErrorMessage=True,
        )
    return None


def data_sheet(
    wb: Workbook, sheet: SheetSchema, rows: list[dict], options_col: dict[str, str], extra: Sequence[str] = ()
) -> None:
    ws = wb.create_sheet(sheet.title)
    headers = [c.header for c in sheet.columns] + list(extra)
    for i, header in enumerate(headers, start=1):
        put(ws.cell(1, i), header)
    for i, col in enumerate(sheet.columns, start=1):
        cell = ws.cell(1, i)
        cell.fill = HEADER_FILL
        cell.font = REQUIRED_FONT if col.required else Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = column_width(col)
        dv = _validation(col, options_col)
        if dv is not None:
            dv.add(f"{letter}2:{letter}2000")
            ws.add_data_validation(dv)
        for r in range(2, max(len(rows) + 2, 200)):
            if col.type == "date":
                ws.cell(r, i).number_format = "yyyy-mm-dd"
            elif col.type in ("id_number", "phone", "text"):
                ws.cell(r, i).number_format = "@"
    for j in range(len(sheet.columns) + 1, len(sheet.columns) + 1 + len(extra)):
        ws.cell(1, j).font = Font(bold=True, color="FFFFFF")
        ws.cell(1, j).fill = PatternFill("solid", fgColor="B71C1C")
        ws.column_dimensions[get_column_letter(j)].width = 60
    for r, values in enumerate(rows, start=2):
        for i, key in enumerate([c.key for c in sheet.columns] + list(extra), start=1):
            value = values.get(key)
            if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                value = dt.datetime(value.year, value.month, value.day)
            put(ws.cell(r, i), value)  # a value from input is never written as a formula
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}1"


def options_sheet(wb: Workbook, schema: RegistrySchema) -> dict[str, str]:
    """One column per enumerated field on a sheet of options; lists longer than Excel's 255-character
    inline limit work the same way in Excel, WPS and LibreOffice."""
    ws = wb.create_sheet(OPTIONS_SHEET)
    refs, col = {}, 1
    for sheet in schema.sheets:
        for c in sheet.columns:
            if c.type != "enum" or c.key in refs:
                continue
            letter = get_column_letter(col)
            put(ws.cell(1, col), c.header).font = Font(bold=True)
            for r, value in enumerate(c.values, start=2):
                put(ws.cell(r, col), value)
            refs[c.key] = f"{OPTIONS_SHEET}!${letter}$2:${letter}${len(c.values) + 1}"
            ws.column_dimensions[letter].width = 24
            col += 1
    ws.sheet_state = "hidden"
    return refs


def registry_workbook(
    schema: RegistrySchema,
    cases: Sequence[dict] = (),
    contacts: Sequence[dict] = (),
    title: str = "重点青少年群体台账",
) -> bytes:
    wb = Workbook()
    instructions_sheet(
        wb,
        schema,
        title,
        [
            "每个村（社区）一个文件。红色粗体列为必填。请从下拉列表中选择，日期按 2024-03-01 填写。",
            "身份证号、电话请保持文本格式（本模板已设好），不要合并单元格，不要用公式。",
            "本表含个人信息，仅限内部使用，不得外传或公开。",
        ],
    )
    options = options_sheet(wb, schema)
    data_sheet(wb, schema.cases, list(cases), options)
    data_sheet(wb, schema.contacts, list(contacts), options)
    wb.move_sheet(OPTIONS_SHEET, offset=2)
    return workbook_bytes(wb)
