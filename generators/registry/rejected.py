"""Publish (restricted): the rows the import refused, as read, with a reason column, so that staff can fix
and re-submit them."""

from __future__ import annotations

from openpyxl import Workbook

from generators.core.xlsx import workbook_bytes
from generators.registry.schema import RegistrySchema
from generators.registry.template import data_sheet, instructions_sheet, options_sheet
from generators.registry.validate import RejectedRow


def rejected_workbook(schema: RegistrySchema, rejected: list[RejectedRow]) -> bytes:
    """The rows refused, as read, with a reason column, so that staff can fix and re-submit them."""
    wb = Workbook()
    instructions_sheet(
        wb,
        schema,
        "退回的台账行",
        [
            "以下各行未能导入，原因见最后一列“退回原因”。请在原文件中改正后重新提交。",
            "本表含个人信息，仅限内部使用。",
        ],
    )
    options = options_sheet(wb, schema)
    for sheet in schema.sheets:
        rows = []
        for r in rejected:
            if r.kind != sheet.kind:
                continue
            values = dict(r.values)
            where = f"{r.ref.file}" + (f" / {r.ref.sheet}" if r.ref.sheet else "") + f" 第 {r.ref.row} 行"
            values["退回原因"] = (
                where
                + "："
                + "；".join((f"[{p.column}] " if p.column else "") + p.message for p in r.problems)
            )
            rows.append(values)
        data_sheet(wb, sheet, rows, options, extra=["退回原因"])
    return workbook_bytes(wb)
