"""Publish: the 双零 self-assessment forms for one pilot community and year — an Excel workbook (locked
questions, validated answers, the community prefilled) and an XLSForm for ODK Collect / KoboToolbox /
Enketo. The fillable PDF is rendered from templates/print/assessment_form.html.j2.

Both carry the form's identity (community, year, criteria version), which the ingest checks.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill, Protection
from openpyxl.worksheet.datavalidation import DataValidation

from generators.assessment.criteria import NO, YES, Criteria, Criterion, Pilot
from generators.assessment.layout import (
    ANSWER_COL,
    COLUMNS,
    DETAIL_COL,
    FIRST_ROW,
    FORM_SHEET,
    INFO_KEYS,
    INFO_SHEET,
    XLSFORM_NO,
    XLSFORM_YES,
    answer_hint,
)
from generators.core.xlsx import put, workbook_bytes
from generators.policy.citations import Citer
from generators.policy.model import PolicyModel

ANSWER_FILL = PatternFill("solid", fgColor="FFF8E1")
HEAD_FILL = PatternFill("solid", fgColor="DDE3F0")
WRAP = Alignment(wrap_text=True, vertical="top")


def assessment_workbook(
    criteria: Criteria, pilot: Pilot, model: PolicyModel, answers: dict[str, object] | None = None
) -> bytes:
    """The Excel/WPS form; `answers` fills it in (sample submissions, tests)."""
    citer = Citer(model)
    answers = answers or {}
    wb = Workbook()
    info = wb.active
    info.title = "说明"
    lines = [
        f"{pilot.county}{pilot.township}{pilot.community} 创建“青少年零犯罪零受害社区（村）”试点 {pilot.year} 年度自评表",
        "",
        "填写方法：只在“自评表”工作表的黄色单元格中填写；其他单元格已锁定。答“是”或人数大于 0 的项目须在最后一列说明情况。",
        "说明中不要写个人姓名、身份证号、电话或住址。",
        f"{criteria.youth}（{citer.cite(criteria.youth_source)}）。",
        "",
    ]
    for s in criteria.sections:
        lines.append(f"{s.title}（{citer.cite(s.source)}）")
        lines.append("    原文：" + model.document(criteria.document).clauses[s.source.clause].text)
        if s.note:
            lines.append("    说明：" + s.note)
        lines.append("")
    for i, line in enumerate(lines, 1):
        put(info.cell(i, 1), line).alignment = Alignment(wrap_text=True, vertical="top")
    info["A1"].font = Font(bold=True, size=14)
    info.column_dimensions["A"].width = 120

    ws = wb.create_sheet(FORM_SHEET)
    for r, (label, value) in enumerate(
        [
            ("县（区）", pilot.county),
            ("乡镇（街道）", pilot.township),
            ("社区（村）", pilot.community),
            ("试点年度", pilot.year),
        ],
        1,
    ):
        put(ws.cell(r, 1), label).font = Font(bold=True)
        put(ws.cell(r, 2), value)
    for col, title in enumerate(COLUMNS, 1):
        cell = put(ws.cell(FIRST_ROW - 1, col), title)
        cell.font, cell.fill, cell.alignment = Font(bold=True), HEAD_FILL, WRAP
    sections = {s.id: s.title for s in criteria.sections}
    validations: dict[str, DataValidation] = {}

    def validation(key: str, **kwargs) -> DataValidation:
        if key not in validations:
            validations[key] = DataValidation(showErrorMessage=True, **kwargs)
            ws.add_data_validation(validations[key])
        return validations[key]

    for row, c in enumerate(criteria.items, FIRST_ROW):
        for col, value in enumerate(
            (c.number, c.id, sections[c.section], c.label, f"{c.quote}（{citer.cite(c.source)}）"), 1
        ):
            put(ws.cell(row, col), value).alignment = WRAP
        answer = put(ws.cell(row, ANSWER_COL), answers.get(c.id))
        answer.protection, answer.fill, answer.alignment = Protection(locked=False), ANSWER_FILL, WRAP
        hint = answer_hint(c, pilot)
        if c.answer == "yes_no":
            dv = validation(
                "yes_no", type="list", formula1=f'"{YES},{NO}"', allow_blank=True, error="请选择“是”或“否”"
            )
        elif c.answer == "count":
            dv = validation(
                "count",
                type="whole",
                operator="between",
                formula1="0",
                formula2="1000000",
                allow_blank=True,
                error="请填写 0 或以上的整数",
            )
        elif c.answer == "date":
            answer.number_format = "yyyy-mm-dd"
            dv = validation(
                f"date-{pilot.year}",
                type="date",
                operator="between",
                formula1=f"DATE({pilot.year},1,1)",
                formula2=f"DATE({pilot.year},12,31)",
                allow_blank=True,
                error=f"请填写 {pilot.year} 年内的日期",
            )
        elif c.answer == "choice":
            dv = validation(
                f"choice-{c.id}", type="list", formula1='"' + ",".join(c.choices) + '"', allow_blank=True
            )
        else:
            answer.number_format = "@"
            dv = None
        if dv is not None:
            dv.add(answer.coordinate)
        answer.comment = None
        ws.cell(row, DETAIL_COL).alignment = WRAP
        if c.detail:
            detail = put(ws.cell(row, DETAIL_COL), answers.get(c.detail_id))
            detail.protection, detail.fill = Protection(locked=False), ANSWER_FILL
            put(ws.cell(row, 4), f"{c.label}\n（{hint}；{c.detail}）")
        else:
            put(ws.cell(row, 4), f"{c.label}\n（{hint}）")
        if c.required:
            ws.cell(row, 4).font = Font(bold=True)
    for letter, width in zip("ABCDEFG", (6, 20, 14, 44, 44, 18, 40)):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = ws.cell(FIRST_ROW, 1)
    ws.protection.sheet = True  # questions locked, answers open; no password, so nobody is locked out
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    wb.active = 1

    meta = wb.create_sheet(INFO_SHEET)
    for r, key in enumerate(INFO_KEYS, 1):
        put(meta.cell(r, 1), key)
    values = (pilot.form_id, criteria.version, pilot.county, pilot.township, pilot.community, pilot.year)
    for r, value in enumerate(values, 1):
        put(meta.cell(r, 2), value)
    meta.sheet_state = "veryHidden"
    meta.protection.sheet = True
    return workbook_bytes(wb)


def _relevant_detail(c: Criterion) -> str:
    return f"${{{c.id}}} = '{XLSFORM_YES}'" if c.answer == "yes_no" else f"${{{c.id}}} > 0"


def xlsform_rows(criteria: Criteria, pilot: Pilot, model: PolicyModel) -> dict[str, list[list[object]]]:
    """The XLSForm's sheets as rows: survey (with skip logic and constraints), choices, settings."""
    citer = Citer(model)
    survey: list[list[object]] = [
        [
            "type",
            "name",
            "label",
            "hint",
            "required",
            "constraint",
            "constraint_message",
            "relevant",
            "calculation",
            "appearance",
        ]
    ]
    choices: list[list[object]] = [
        ["list_name", "name", "label"],
        ["yes_no", XLSFORM_YES, YES],
        ["yes_no", XLSFORM_NO, NO],
    ]
    survey.append(["calculate", "community", "", "", "", "", "", "", f"'{pilot.community}'", ""])
    survey.append(["calculate", "pilot_year", "", "", "", "", "", "", f"'{pilot.year}'", ""])
    survey.append(
        [
            "note",
            "intro",
            f"{pilot.county}{pilot.township}{pilot.community} {pilot.year} 年度“双零”试点自评",
            f"{criteria.youth}。",
            "",
            "",
            "",
            "",
            "",
            "",
        ]
    )
    for s in criteria.sections:
        survey.append(
            [
                "begin_group",
                s.id,
                f"{s.title}（{citer.cite(s.source)}）",
                s.note or "",
                "",
                "",
                "",
                "",
                "",
                "field-list",
            ]
        )
        for c in s.items:
            kind, constraint, message = "text", "", ""
            if c.answer == "yes_no":
                kind = "select_one yes_no"
            elif c.answer == "count":
                kind, constraint, message = "integer", ". >= 0", "请填写 0 或以上的整数"
                if c.max_item:
                    constraint += f" and . <= ${{{c.max_item}}}"
                    message = f"应在 0 到第 {criteria.item(c.max_item).number} 项之间"
            elif c.answer == "date":
                kind = "date"
                constraint = f". >= date('{pilot.year}-01-01') and . <= date('{pilot.year}-12-31')"
                message = f"请填写 {pilot.year} 年内的日期"
            elif c.answer in ("choice", "multi_choice"):
                kind = f"{'select_one' if c.answer == 'choice' else 'select_multiple'} {c.id}_choices"
                choices += [[f"{c.id}_choices", f"c{i}", label] for i, label in enumerate(c.choices, 1)]
            survey.append(
                [
                    kind,
                    c.id,
                    f"{c.number}. {c.label}",
                    f"原文：{c.quote}（{citer.cite(c.source)}）",
                    "yes" if c.required else "",
                    constraint,
                    message,
                    "",
                    "",
                    "",
                ]
            )
            if c.detail:
                survey.append(
                    [
                        "text",
                        c.detail_id,
                        f"{c.number}a. {c.detail}",
                        "不要写姓名、身份证号、电话或住址",
                        "yes",
                        "",
                        "",
                        _relevant_detail(c),
                        "",
                        "multiline",
                    ]
                )
        survey.append(["end_group", s.id, "", "", "", "", "", "", "", ""])
    settings: list[list[object]] = [
        ["form_title", "form_id", "version"],
        [f"{pilot.community} {pilot.year} 年度“双零”试点自评", pilot.form_id, criteria.version],
    ]
    return {"survey": survey, "choices": choices, "settings": settings}


def xlsform_workbook(criteria: Criteria, pilot: Pilot, model: PolicyModel) -> bytes:
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in xlsform_rows(criteria, pilot, model).items():
        ws = wb.create_sheet(title)
        for r, row in enumerate(rows, 1):
            for c, value in enumerate(row, 1):
                put(ws.cell(r, c), value)
    return workbook_bytes(wb)
