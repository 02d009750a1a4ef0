"""Publish: Excel workbooks (registry template, filled registries, rejected rows) that open cleanly in
Excel, WPS and LibreOffice, written byte-for-byte the same for the same content."""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.xml.functions import tostring

from generators.registry import RegistrySchema, SheetSchema

FIXED_TIME = dt.datetime(2000, 1, 1)
HEADER_FILL = PatternFill("solid", fgColor="DDE3F0")
REQUIRED_FONT = Font(bold=True, color="B71C1C")
OPTIONS_SHEET = "选项"


def save_deterministic(wb: Workbook, path: Path) -> None:
    """Save with fixed document dates and zip timestamps, so that the same content gives the same bytes."""
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.creator = "handbook"
    wb.properties.lastModifiedBy = "handbook"
    raw = io.BytesIO()
    wb.save(raw)  # openpyxl stamps properties.modified with the wall clock here ...
    raw.seek(0)
    wb.properties.modified = FIXED_TIME  # ... so core.xml is written again below with the fixed time
    core = tostring(wb.properties.to_tree())
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, core if info.filename == "docProps/core.xml" else src.read(info.filename))


def _instructions(wb: Workbook, schema: RegistrySchema, title: str, lines: list[str]) -> None:
    ws = wb.active
    ws.title = "说明"
    ws["A1"] = title
    ws["A1"].font = Font(bold=True, size=14)
    row = 3
    for line in lines:
        ws.cell(row, 1, line)
        row += 1
    row += 1
    for sheet in schema.sheets:
        ws.cell(row, 1, f"工作表“{sheet.title}”各列：").font = Font(bold=True)
        row += 1
        for c in sheet.columns:
            need = "必填" if c.required else "选填"
            allowed = f"；可选：{'、'.join(c.values)}" if c.values else ""
            kind = {"date": "日期", "id_number": "18 位身份证号（文本）", "phone": "电话"}.get(c.type, "文字")
            ws.cell(row, 1, f"{c.header}（{need}，{kind}{allowed}）{'：' + c.help if c.help else ''}")
            row += 1
        row += 1
    ws.column_dimensions["A"].width = 110


def _data_sheet(wb: Workbook, sheet: SheetSchema, rows: list[dict], options_col: dict[str, str],
                extra: list[str] = ()) -> None:
    ws = wb.create_sheet(sheet.title)
    headers = [c.header for c in sheet.columns] + list(extra)
    ws.append(headers)
    for i, col in enumerate(sheet.columns, start=1):
        cell = ws.cell(1, i)
        cell.fill = HEADER_FILL
        cell.font = REQUIRED_FONT if col.required else Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        letter = get_column_letter(i)
        ws.column_dimensions[letter].width = max(10, min(28, len(col.header) * 2 + 4))
        rng = f"{letter}2:{letter}2000"
        if col.type == "enum":
            dv = DataValidation(type="list", formula1=options_col[col.key], allow_blank=not col.required,
                                showErrorMessage=True, errorTitle="不是可选的值", error=f"请从下拉列表中选择{col.header}")
            dv.add(rng)
            ws.add_data_validation(dv)
        elif col.type == "date":
            dv = DataValidation(type="date", operator="between", formula1="DATE(1990,1,1)",
                                formula2="DATE(2100,12,31)", allow_blank=not col.required, showErrorMessage=True,
                                errorTitle="日期无效", error="请填写日期，例如 2024-03-01")
            dv.add(rng)
            ws.add_data_validation(dv)
        for r in range(2, max(len(rows) + 2, 200)):
            if col.type == "date":
                ws.cell(r, i).number_format = "yyyy-mm-dd"
            elif col.type in ("id_number", "phone", "text"):
                ws.cell(r, i).number_format = "@"
    for j, extra_header in enumerate(extra, start=len(sheet.columns) + 1):
        ws.cell(1, j).font = Font(bold=True, color="FFFFFF")
        ws.cell(1, j).fill = PatternFill("solid", fgColor="B71C1C")
        ws.column_dimensions[get_column_letter(j)].width = 60
    for r, values in enumerate(rows, start=2):
        for i, key in enumerate([c.key for c in sheet.columns] + list(extra), start=1):
            value = values.get(key)
            if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                value = dt.datetime(value.year, value.month, value.day)
            ws.cell(r, i, value)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(headers))}1"


def _options(wb: Workbook, schema: RegistrySchema) -> dict[str, str]:
    """One column per enumerated field on a sheet of options; lists longer than Excel's 255-character
    inline limit work the same way in Excel, WPS and LibreOffice."""
    ws = wb.create_sheet(OPTIONS_SHEET)
    refs, col = {}, 1
    for sheet in schema.sheets:
        for c in sheet.columns:
            if c.type != "enum" or c.key in refs:
                continue
            letter = get_column_letter(col)
            ws.cell(1, col, c.header).font = Font(bold=True)
            for r, value in enumerate(c.values, start=2):
                ws.cell(r, col, value)
            refs[c.key] = f"{OPTIONS_SHEET}!${letter}$2:${letter}${len(c.values) + 1}"
            ws.column_dimensions[letter].width = 24
            col += 1
    ws.sheet_state = "hidden"
    return refs


def registry_workbook(schema: RegistrySchema, path: Path, cases: list[dict] = (), contacts: list[dict] = (),
                      title: str = "重点青少年群体台账") -> None:
    wb = Workbook()
    _instructions(wb, schema, title, [
        "每个村（社区）一个文件。红色粗体列为必填。请从下拉列表中选择，日期按 2024-03-01 填写。",
        "身份证号、电话请保持文本格式（本模板已设好），不要合并单元格，不要用公式。",
        "本表含个人信息，仅限内部使用，不得外传或公开。",
    ])
    options = _options(wb, schema)
    _data_sheet(wb, schema.cases, list(cases), options)
    _data_sheet(wb, schema.contacts, list(contacts), options)
    wb.move_sheet(OPTIONS_SHEET, offset=2)
    save_deterministic(wb, path)


def rejected_workbook(schema: RegistrySchema, path: Path, rejected: list) -> None:
    """The rows refused, as read, with a reason column, so that staff can fix and re-submit them."""
    wb = Workbook()
    _instructions(wb, schema, "退回的台账行", [
        "以下各行未能导入，原因见最后一列“退回原因”。请在原文件中改正后重新提交。",
        "本表含个人信息，仅限内部使用。",
    ])
    options = _options(wb, schema)
    for sheet in schema.sheets:
        rows = []
        for r in rejected:
            if r.kind != sheet.kind:
                continue
            values = dict(r.values)
            where = f"{r.ref.file}" + (f" / {r.ref.sheet}" if r.ref.sheet else "") + f" 第 {r.ref.row} 行"
            values["退回原因"] = where + "：" + "；".join(
                (f"[{p.column}] " if p.column else "") + p.message for p in r.problems)
            rows.append(values)
        _data_sheet(wb, sheet, rows, options, extra=["退回原因"])
    save_deterministic(wb, path)
