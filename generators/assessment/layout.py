"""Model: where things sit on the 双零 forms, shared by the form writers and the ingest that reads them
back; and the answer hint each channel shows."""

from __future__ import annotations

from generators.assessment.criteria import NO, YES, Criterion, Pilot

FORM_SHEET = "自评表"
INFO_SHEET = "表单信息"
FIRST_ROW = 7  # the first item's row on the form sheet
COLUMNS = ("序号", "编号", "部分", "项目", "依据（原文）", "答案", "情况说明（答“是”或人数大于 0 时必填）")
ANSWER_COL, DETAIL_COL = 6, 7
INFO_KEYS = ("form_id", "version", "county", "township", "community", "year")
XLSFORM_YES, XLSFORM_NO = "yes", "no"


def answer_hint(c: Criterion, pilot: Pilot) -> str:
    return {
        "yes_no": f"选择“{YES}”或“{NO}”",
        "count": "填写整数（0 或以上）",
        "date": f"填写 {pilot.year} 年内的日期，如 {pilot.year}-03-01",
        "choice": "从下拉列表中选择",
        "multi_choice": f"可多选，用顿号分隔：{'、'.join(c.choices)}",
        "text": "填写文字",
        "attachment": "填写附件编号或文件名",
    }[c.answer]
