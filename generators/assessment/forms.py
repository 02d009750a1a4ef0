"""Publish: the 双零 self-assessment forms of one pilot community and year, written from its form
definition — the Excel/WPS workbook and the XLSForm for ODK Collect / KoboToolbox / Enketo. The fillable
PDF is laid out from templates/print/assessment_form.html.j2 and given its fields by assessment.fillable;
the browser form is part of the pilot's page.

Every channel carries the form's identity (community, year, form version), which the ingest checks.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.rich_text import CellRichText, TextBlock
from openpyxl.cell.text import InlineFont
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.workbook.protection import WorkbookProtection
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.page import PageMargins
from openpyxl.worksheet.worksheet import Worksheet

from generators.assessment.criteria import NO, YES, Condition
from generators.assessment.definition import FormDefinition, Question
from generators.assessment.layout import (
    ANSWER_COL,
    COLUMNS,
    FIRST_IDENTITY_ROW,
    FORM_SHEET,
    GUIDE_SHEET,
    HEADER_ROW,
    IDENTITY_ROWS,
    INFO_KEYS,
    INFO_SHEET,
    NUMBER_COL,
    QUESTION_COL,
    SOURCE_COL,
    XLSFORM_NO,
    XLSFORM_YES,
    SheetRow,
    sheet_rows,
)
from generators.core.xlsx import put, workbook_bytes, wrapped_lines

ANSWER_FILL = PatternFill("solid", fgColor="FFE699")  # answer cells: a yellow that shows on screen and paper
HEAD_FILL = PatternFill("solid", fgColor="D9E1F2")
SECTION_FILL = PatternFill("solid", fgColor="EDEDED")
NOT_ASKED_FILL = PatternFill("solid", fgColor="D9D9D9")  # a follow-up whose gate does not ask it
THIN = Side(style="thin", color="808080")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
WRAP = Alignment(wrap_text=True, vertical="top")
WIDTHS = {NUMBER_COL: 7, QUESTION_COL: 46, ANSWER_COL: 24, SOURCE_COL: 38}
LINE_PT = {11: 16.5, 9: 13.5}  # line height per font size, with room for CJK fallback fonts' tall lines
SMALL = Font(size=9, color="595959")


def _text(ws: Worksheet, row: int, col: int, value: object):
    """A cell written as a value, never a formula: text stays text even when it starts with '='."""
    return put(ws.cell(row, col), value)


def _height(*cells: tuple[str, float, int]) -> float:
    """A row height (points) that shows every (text, column width, font size) wrapped in full."""
    return max(wrapped_lines(text, width) * LINE_PT[size] for text, width, size in cells) + 4


def _print_setup(ws: Worksheet, last_row: int, last_col: str, title_rows: str | None, header: str) -> None:
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages as it takes
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.page_margins = PageMargins(left=0.5, right=0.5, top=0.75, bottom=0.75, header=0.3, footer=0.3)
    ws.print_options.horizontalCentered = True
    ws.print_area = f"A1:{last_col}{last_row}"
    if title_rows:
        ws.print_title_rows = title_rows
    ws.oddHeader.right.text = header
    ws.oddHeader.right.size = 8
    ws.oddFooter.center.text = "第 &P 页，共 &N 页"
    ws.oddFooter.center.size = 8


def _guide_sheet(wb: Workbook, definition: FormDefinition) -> None:
    pilot, criteria = definition.pilot, definition.criteria
    ws = wb.active
    ws.title = GUIDE_SHEET
    lines = [
        (
            f"{pilot.county}{pilot.township}{pilot.community} 创建“青少年零犯罪零受害社区（村）”试点 "
            f"{pilot.year} 年度自评表",
            True,
        ),
        (
            "填写方法：只在“自评表”工作表的黄色单元格中填写，其他单元格已锁定。每个黄色格旁写着填法；"
            "多选题每个选项各选“是”或“否”。标有“……时填写”的项目只在前面的答案需要时填写，"
            "不需要时该格变灰。",
            False,
        ),
        (
            "说明和附件中不要写个人姓名、身份证号、电话或住址。附件（制度文件、活动记录和照片）随表报送。",
            False,
        ),
        (f"{criteria.youth}（{criteria.youth_cite}）。", False),
    ]
    for s in criteria.sections:
        lines.append((f"{s.title}（{s.cite}）", True))
        lines.append((f"原文：{s.text}", False))
        if s.note:
            lines.append((f"说明：{s.note}", False))
    width = 80  # fits A4 at 100 %: LibreOffice does not shrink a one-column sheet to the page
    ws.column_dimensions["A"].width = width
    for i, (line, bold) in enumerate(lines, 1):
        cell = _text(ws, i, 1, line)
        cell.alignment = WRAP
        size = 14 if i == 1 else 11
        cell.font = Font(bold=bold, size=size)
        ws.row_dimensions[i].height = _height((line, width * 11 / size, 11)) + (8 if i == 1 else 0)
    _print_setup(ws, len(lines), "A", None, definition.title)
    ws.protection.sheet = True


def _how(definition: FormDefinition, q: Question) -> str:
    """How and when to answer, under the question in column B."""
    how = [definition.when(q).replace("时填写", "时必填") if q.ask_if else ("必填" if q.required else "选填")]
    if q.kind == "multi_choice":
        how.append("每个选项选“是”或“否”")
    else:
        how.append(definition.hint(q))
    return f"（{'；'.join(how)}）"


def _condition_formula(c: Condition, gate_row: int) -> str:
    """Excel: true when the follow-up is NOT asked (its cell is then greyed out)."""
    ref = f"${chr(64 + ANSWER_COL)}${gate_row}"
    return f'{ref}<>"{YES}"' if c.yes else f"NOT(N({ref})>{c.above or 0})"


def _shown(q: Question, value: object) -> object:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return dt.datetime(value.year, value.month, value.day)
    if q.kind == "yes_no" and isinstance(value, bool):
        return YES if value else NO
    return value


def _chosen(value: object) -> set[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return {v for v in value.replace(",", "、").split("、") if v}
    return set(value)  # type: ignore[call-overload]


class _Validations:
    """One data validation per kind of answer, added to the sheet as cells need them."""

    def __init__(self, ws: Worksheet):
        self.ws = ws
        self.by_key: dict[str, DataValidation] = {}

    def add(self, key: str, coordinate: str, prompt: str, **kwargs) -> None:
        if key not in self.by_key:
            dv = DataValidation(showErrorMessage=True, showInputMessage=True, allow_blank=True, **kwargs)
            dv.promptTitle, dv.prompt = "填法", prompt[:250]
            self.by_key[key] = dv
            self.ws.add_data_validation(dv)
        self.by_key[key].add(coordinate)


def _answer_cell(
    ws: Worksheet, r: SheetRow, definition: FormDefinition, rows: dict[str, int], dv: _Validations
):
    q = r.question
    assert q is not None
    cell = ws.cell(r.row, ANSWER_COL)
    cell.protection, cell.fill, cell.border = Protection(locked=False), ANSWER_FILL, BOX
    cell.alignment = Alignment(wrap_text=True, vertical="top", horizontal="left")
    hint = definition.hint(q)
    if r.choice is not None or q.kind == "yes_no":
        dv.add(
            "yes_no",
            cell.coordinate,
            f"选“{YES}”或“{NO}”",
            type="list",
            formula1=f'"{YES},{NO}"',
            errorTitle="请选择",
            error=f"请选择“{YES}”或“{NO}”",
        )
    elif q.kind == "count":
        top = f"$C${rows[q.max_item]}" if q.max_item else "1000000"
        dv.add(
            f"count-{top}",
            cell.coordinate,
            hint,
            type="whole",
            operator="between",
            formula1="0",
            formula2=top,
            errorTitle="数字无效",
            error=f"请{hint}",
        )
    elif q.kind == "date":
        cell.number_format = "yyyy-mm-dd"
        first, last = (
            (f"DATE({q.year},1,1)", f"DATE({q.year},12,31)")
            if q.year
            else ("DATE(2000,1,1)", "DATE(2100,12,31)")
        )
        dv.add(
            f"date-{q.year}",
            cell.coordinate,
            hint,
            type="date",
            operator="between",
            formula1=first,
            formula2=last,
            errorTitle="日期无效",
            error=f"请填写{hint}",
        )
    elif q.kind == "choice":
        dv.add(
            f"choice-{q.name}",
            cell.coordinate,
            hint,
            type="list",
            formula1='"' + ",".join(c.label for c in q.choices) + '"',
            errorTitle="请选择",
            error="请从列表中选择",
        )
    else:
        cell.number_format = "@"
    if q.ask_if is not None:
        formula = _condition_formula(q.ask_if, rows[q.ask_if.item])
        ws.conditional_formatting.add(cell.coordinate, FormulaRule(formula=[formula], fill=NOT_ASKED_FILL))


def assessment_workbook(definition: FormDefinition, answers: dict[str, Any] | None = None) -> bytes:
    """The Excel/WPS form; `answers` (question name → value) fills it in for samples and tests."""
    pilot = definition.pilot
    answers = answers or {}
    wb = Workbook()
    _guide_sheet(wb, definition)

    ws = wb.create_sheet(FORM_SHEET)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=4)
    title = _text(ws, 1, 1, definition.title)
    title.font, title.alignment = Font(bold=True, size=14), Alignment(vertical="center")
    ws.row_dimensions[1].height = 28
    values = {
        "county": pilot.county,
        "township": pilot.township,
        "community": pilot.community,
        "year": pilot.year,
    }
    for i, (label, key) in enumerate(IDENTITY_ROWS):
        row = FIRST_IDENTITY_ROW + i
        cell = _text(ws, row, QUESTION_COL, label)
        cell.font, cell.alignment = Font(bold=True), Alignment(horizontal="right")
        _text(ws, row, ANSWER_COL, values[key]).alignment = Alignment(horizontal="left")
    note = _text(
        ws, HEADER_ROW - 1, QUESTION_COL, "只在黄色格中填写；多选题每个选项各选“是”或“否”；变灰的格不需填写。"
    )
    note.font = SMALL
    for col, head in enumerate(COLUMNS, 1):
        cell = _text(ws, HEADER_ROW, col, head)
        cell.font, cell.fill, cell.border = Font(bold=True), HEAD_FILL, BOX
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    for col, width in WIDTHS.items():
        ws.column_dimensions[chr(64 + col)].width = width

    rows = sheet_rows(definition)
    row_of = {r.question.name: r.row for r in rows if r.question is not None and r.choice is None}
    validations = _Validations(ws)
    for r in rows:
        if r.heading is not None:
            ws.merge_cells(start_row=r.row, start_column=1, end_row=r.row, end_column=4)
            cell = _text(ws, r.row, 1, r.heading)
            cell.font, cell.fill, cell.border = Font(bold=True, size=12), SECTION_FILL, BOX
            ws.row_dimensions[r.row].height = 22
            continue
        q = r.question
        assert q is not None
        number = _text(ws, r.row, NUMBER_COL, r.number)
        if r.choice is not None:
            label, source = f"{r.choice.label}", ""
            value: object = None
            if answers.get(q.name) is not None:
                value = YES if r.choice.label in (_chosen(answers.get(q.name)) or ()) else NO
            text = _text(ws, r.row, QUESTION_COL, label)
        else:
            how, source = _how(definition, q), q.guidance
            label = f"{q.label}\n{how}"
            value = _shown(q, answers.get(q.name))
            text = ws.cell(r.row, QUESTION_COL)
            text.value = CellRichText(TextBlock(InlineFont(b=True), q.label), "\n" + how)
        text.alignment = Alignment(wrap_text=True, vertical="top", indent=2 if r.choice else 0)
        _text(ws, r.row, SOURCE_COL, source).font = SMALL
        for col in (NUMBER_COL, QUESTION_COL, ANSWER_COL, SOURCE_COL):
            ws.cell(r.row, col).border = BOX
            if col != QUESTION_COL:
                ws.cell(r.row, col).alignment = WRAP
        number.alignment = Alignment(horizontal="center", vertical="top")
        if r.has_answer:
            _text(ws, r.row, ANSWER_COL, value)
            _answer_cell(ws, r, definition, row_of, validations)
        else:
            _text(ws, r.row, ANSWER_COL, "见下面各选项 ↓").font = SMALL
        tall = 3 if q.kind in ("detail", "text", "attachment") else 1  # room to write by hand on paper
        ws.row_dimensions[r.row].height = max(
            _height((label, WIDTHS[QUESTION_COL], 11), (source, WIDTHS[SOURCE_COL], 9)),
            tall * LINE_PT[11] + 8,
        )
    last = rows[-1].row
    ws.freeze_panes = ws.cell(HEADER_ROW + 1, 1)
    _print_setup(
        ws, last, "D", f"{HEADER_ROW}:{HEADER_ROW}", f"{definition.title} · 表单版本 {definition.version}"
    )
    ws.protection.sheet = True  # questions locked, answers open; no password, so nobody is locked out
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    wb.active = 1

    meta = wb.create_sheet(INFO_SHEET)
    identity = {
        "form_id": pilot.form_id,
        "version": definition.version,
        "county": pilot.county,
        "township": pilot.township,
        "community": pilot.community,
        "year": pilot.year,
    }
    for n, key in enumerate(INFO_KEYS, 1):
        _text(meta, n, 1, key)
        _text(meta, n, 2, identity[key])
    meta.sheet_state = "veryHidden"
    meta.protection.sheet = True
    wb.security = WorkbookProtection(lockStructure=True)  # hidden sheets cannot be shown from the menu
    return workbook_bytes(wb)


# --- XLSForm ------------------------------------------------------------------------------------------------
SURVEY_COLUMNS = (
    "type",
    "name",
    "label",
    "hint",
    "guidance_hint",
    "required",
    "required_message",
    "constraint",
    "constraint_message",
    "relevant",
    "calculation",
    "appearance",
    "parameters",
)


def xpath_literal(text: str) -> str:
    return f'"{text}"' if "'" in text else f"'{text}'"


def relevant(c: Condition) -> str:
    return f"${{{c.item}}} = '{XLSFORM_YES}'" if c.yes else f"${{{c.item}}} > {c.above or 0}"


def _survey_row(definition: FormDefinition, q: Question) -> dict[str, object]:
    row: dict[str, object] = {
        "name": q.name,
        "label": f"{q.number}. {q.label}",
        "hint": definition.hint(q),
        "guidance_hint": q.guidance,
        "required": "yes" if q.required else "",
        "required_message": "本题必填" if q.required else "",
        "relevant": relevant(q.ask_if) if q.ask_if else "",
    }
    if q.kind == "yes_no":
        row["type"], row["appearance"] = "select_one yes_no", "horizontal"
    elif q.kind == "count":
        row["type"], row["constraint"], row["constraint_message"] = (
            "integer",
            ". >= 0",
            "请填写 0 或以上的整数",
        )
        if q.max_item:
            other = definition.criteria.item(q.max_item)
            row["constraint"] = f". >= 0 and . <= ${{{q.max_item}}}"
            row["constraint_message"] = f"应在 0 到第 {other.number} 项的人数之间"
    elif q.kind == "date":
        row["type"] = "date"
        if q.year:
            row["constraint"] = f". >= date('{q.year}-01-01') and . <= date('{q.year}-12-31')"
            row["constraint_message"] = f"请填写 {q.year} 年内的日期"
    elif q.kind in ("choice", "multi_choice"):
        row["type"] = f"{'select_one' if q.kind == 'choice' else 'select_multiple'} {q.name}_choices"
    elif q.kind == "attachment":
        # a phone takes the picture of the document or activity record; the export carries its file name
        row["type"], row["hint"] = "image", "拍照，或从相册中选择照片（不要拍到个人信息）"
        row["parameters"] = "max-pixels=1600"  # legible documents at a fraction of a phone photo's size
    elif q.kind == "detail":
        row["type"], row["appearance"] = "text", "multiline"
    else:
        row["type"] = "text"
    return row


def xlsform_rows(definition: FormDefinition) -> dict[str, list[list[object]]]:
    """The XLSForm's sheets as rows: one screen (field-list group) per screen of the definition, skip
    logic, constraints, photo questions for evidence, policy quotations as guidance hints."""
    pilot, criteria = definition.pilot, definition.criteria
    survey: list[dict[str, object]] = []
    for key, value in definition.identity.items():
        survey.append({"type": "calculate", "name": key, "calculation": xpath_literal(value)})
    survey.append(
        {
            "type": "note",
            "name": "intro",
            "label": f"{pilot.county}{pilot.township}{pilot.community} {pilot.year} 年度“双零”试点自评",
            "hint": "说明中不要写姓名、身份证号、电话或住址。",
            "guidance_hint": f"{criteria.youth}（{criteria.youth_cite}）。",
        }
    )
    choices: list[list[object]] = [
        ["list_name", "name", "label"],
        ["yes_no", XLSFORM_YES, YES],
        ["yes_no", XLSFORM_NO, NO],
    ]
    for fs in definition.sections:
        s = fs.section
        survey.append({"type": "begin_group", "name": s.id, "label": f"{s.title}（{s.cite}）"})
        for i, screen in enumerate(fs.screens):
            survey.append(
                {"type": "begin_group", "name": screen.name, "label": s.title, "appearance": "field-list"}
            )
            if i == 0:
                survey.append(
                    {
                        "type": "note",
                        "name": f"{s.id}_note",
                        "label": s.note or f"对照双零试点方案“{s.title}”填写",
                        "guidance_hint": f"原文：{s.text}",
                    }
                )
            for q in screen.questions:
                survey.append(_survey_row(definition, q))
                choices += [[f"{q.name}_choices", c.name, c.label] for c in q.choices]
            survey.append({"type": "end_group", "name": screen.name})
        survey.append({"type": "end_group", "name": s.id})
    settings: list[list[object]] = [
        ["form_title", "form_id", "version", "style"],
        [f"{pilot.community} {pilot.year} 年度“双零”试点自评", pilot.form_id, definition.version, "pages"],
    ]
    rows: list[list[object]] = [list(SURVEY_COLUMNS)]
    rows += [[r.get(c, "") for c in SURVEY_COLUMNS] for r in survey]
    return {"survey": rows, "choices": choices, "settings": settings}


def xlsform_workbook(definition: FormDefinition) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in xlsform_rows(definition).items():
        ws = wb.create_sheet(title)
        for r, row in enumerate(rows, 1):
            for c, value in enumerate(row, 1):
                _text(ws, r, c, value if value != "" else None)
    return workbook_bytes(wb)
