"""Load: raw rows → validated cases and contacts, and the rows refused with their reasons.

Every data row read is either accepted or rejected; nothing is dropped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from generators.core.errors import InputError, Problem
from generators.core.months import age_on
from generators.policy.model import PolicyModel
from generators.registry.cells import CellError, parse_cell
from generators.registry.local_rules import CountyRules
from generators.registry.model import Case, Contact, RowRef
from generators.registry.readers import RawRow, Table, read_registry_file
from generators.registry.schema import Column, RegistrySchema


@dataclass(frozen=True)
class RejectedRow:
    ref: RowRef
    kind: str  # cases | contacts
    values: dict[str, object]
    problems: tuple[Problem, ...]


@dataclass
class RegistryImport:
    cases: list[Case]
    contacts: list[Contact]
    rejected: list[RejectedRow]
    notes: list[Problem]  # accepted rows that deserve a look (hidden rows, aged out)
    read: dict[tuple[str, str | None, str], int]  # (file, sheet, kind) → data rows read

    def accepted_count(self, file: str, sheet: str | None, kind: str) -> int:
        rows = self.cases if kind == "cases" else self.contacts
        return sum(1 for r in rows if r.source.file == file and r.source.sheet == sheet)

    def rejected_count(self, file: str, sheet: str | None, kind: str) -> int:
        return sum(1 for r in self.rejected if r.ref.file == file and r.ref.sheet == sheet and r.kind == kind)


def _problem(raw: RawRow, column: Column | None, message: str, value: object = None, headers=None) -> Problem:
    header = (headers or {}).get(column.key, column.header) if column else None
    return Problem(
        raw.ref.file,
        message,
        sheet=raw.ref.sheet,
        row=raw.ref.row,
        column=header,
        value=None if value is None else str(value),
    )


def _parse_row(table: Table, raw: RawRow) -> tuple[dict[str, Any], list[Problem]]:
    problems = [_problem(raw, None, p) for p in raw.problems]
    parsed: dict[str, Any] = {}
    for column in table.schema.columns:
        if column.key not in table.headers:
            parsed[column.key] = None
            continue
        value = raw.values.get(column.key)
        try:
            parsed[column.key] = parse_cell(column, value)
        except CellError as exc:
            parsed[column.key] = None
            problems.append(_problem(raw, column, str(exc), value, table.headers))
            continue
        if column.required and parsed[column.key] is None and not raw.problems:
            problems.append(_problem(raw, column, "必填项为空", headers=table.headers))
    return parsed, problems


def validate(tables: list[Table], model: PolicyModel, rules: CountyRules, as_of: dt.date) -> RegistryImport:
    """Accept or reject every row. Cases first (all files), then contacts against the accepted cases."""
    group_ids = {g.name: g.id for g in model.groups.values()}
    result = RegistryImport([], [], [], [], {})
    seen_case: dict[str, RowRef] = {}
    seen_id: dict[str, tuple[RowRef, str]] = {}
    ordered = sorted(tables, key=lambda t: t.schema.kind != "cases")
    for table in ordered:
        kind = table.schema.kind
        result.read[(table.file, table.sheet, kind)] = len(table.rows)
        for raw in table.rows:
            values, problems = _parse_row(table, raw)
            col = table.schema.column
            if kind == "cases" and not problems:
                problems += _check_case(raw, values, table, rules, group_ids, as_of, seen_case, seen_id)
            elif kind == "contacts" and not problems:
                if values["case_id"] not in seen_case:
                    problems.append(
                        _problem(
                            raw,
                            col("case_id"),
                            "个案台账中没有这个个案编号（或该个案被退回）",
                            values["case_id"],
                            table.headers,
                        )
                    )
                if values["date"] > as_of:
                    problems.append(
                        _problem(
                            raw, col("date"), f"联系日期晚于统计截止日 {as_of}", values["date"], table.headers
                        )
                    )
            if problems:
                result.rejected.append(RejectedRow(raw.ref, kind, dict(raw.values), tuple(problems)))
                continue
            if raw.hidden:
                result.notes.append(
                    _problem(raw, None, "这一行在 Excel 中被隐藏，已照常读入；如不应计入请删除该行")
                )
            if kind == "cases":
                case = Case(
                    **{k: v for k, v in values.items() if k != "group"},
                    group=group_ids[values["group"]],
                    source=raw.ref,
                )
                seen_case[case.case_id] = raw.ref
                seen_id[case.id_number] = (raw.ref, case.village)
                rule = rules.of(case.township).ages[case.group]  # the township's documents
                age = age_on(case.birth_date, as_of)
                if case.active_on(as_of) and not rule.admits(age):
                    result.notes.append(
                        _problem(
                            raw,
                            col("birth_date"),
                            f"到 {as_of} 已满 {age} 周岁，超出该群体年龄界限（{rule.describe()}），应办理退出",
                        )
                    )
                result.cases.append(case)
            else:
                result.contacts.append(Contact(**values, source=raw.ref))
    return result


def _check_case(raw, values, table, rules, group_ids, as_of, seen_case, seen_id) -> list[Problem]:
    col, headers = table.schema.column, table.headers
    problems = []
    from stdnum.cn import ric

    if values["case_id"] in seen_case:
        first = seen_case[values["case_id"]]
        problems.append(
            _problem(
                raw,
                col("case_id"),
                f"个案编号与 {first.file} 第 {first.row} 行重复",
                values["case_id"],
                headers,
            )
        )
    if values["id_number"] in seen_id:
        first, village = seen_id[values["id_number"]]
        problems.append(
            _problem(
                raw,
                col("id_number"),
                f"身份证号与 {first.file} 第 {first.row} 行（{village}）重复",
                values["id_number"],
                headers,
            )
        )
    born = ric.get_birth_date(values["id_number"])
    if born != values["birth_date"]:
        problems.append(
            _problem(
                raw, col("birth_date"), f"出生日期与身份证号中的 {born} 不一致", values["birth_date"], headers
            )
        )
    for key in ("birth_date", "entry_date", "exit_date"):
        if values[key] and values[key] > as_of:
            problems.append(_problem(raw, col(key), f"日期晚于统计截止日 {as_of}", values[key], headers))
    if values["exit_date"] and values["exit_date"] < values["entry_date"]:
        problems.append(_problem(raw, col("exit_date"), "退出日期早于纳入日期", values["exit_date"], headers))
    if values["exit_date"] and not values["exit_reason"]:
        problems.append(_problem(raw, col("exit_reason"), "填写了退出日期，退出原因必填", headers=headers))
    group = group_ids[values["group"]]
    rule = rules.of(values["township"]).ages[group]
    age = age_on(values["birth_date"], values["entry_date"])
    if not rule.admits(age):
        where = "（法定）" if rule.source is None else f"（依据 {rule.source}）"
        problems.append(
            _problem(
                raw,
                col("birth_date"),
                f"纳入时 {age} 周岁，不在“{values['group']}”的年龄界限内：{rule.describe()}{where}",
                values["birth_date"],
                headers,
            )
        )
    return problems


def import_registry(
    files: list[Path], schema: RegistrySchema, model: PolicyModel, rules: CountyRules, as_of: dt.date
) -> RegistryImport:
    """Read every file (stopping at the first that cannot be read), then validate all rows together so
    that duplicates across villages are found."""
    if not files:
        raise InputError(Problem("台账目录", "没有找到台账文件（.xlsx 或 .csv）"))
    tables = [t for f in files for t in read_registry_file(f, schema)]
    result = validate(tables, model, rules, as_of)
    for (file, sheet, kind), count in result.read.items():  # the promise: nothing is lost
        assert count == result.accepted_count(file, sheet, kind) + result.rejected_count(file, sheet, kind)
    return result


def import_summary(result: RegistryImport) -> dict:
    """Counts only: safe to publish."""

    def total(kind: str) -> int:
        return sum(n for (_, _, k), n in result.read.items() if k == kind)

    return {
        "files": len({f for f, _, _ in result.read}),
        "cases_read": total("cases"),
        "cases_accepted": len(result.cases),
        "cases_rejected": sum(1 for r in result.rejected if r.kind == "cases"),
        "contacts_read": total("contacts"),
        "contacts_accepted": len(result.contacts),
        "contacts_rejected": sum(1 for r in result.rejected if r.kind == "contacts"),
        "notes": len(result.notes),
    }
