"""Load: completed self-assessment forms from every channel — the Excel/WPS form, the fillable PDF, and CSV
exports (ODK Central, KoboToolbox, and the browser form on the pilot's page, which writes the same layout).

Each reader only finds the form's identity and its raw answers; one check, driven by the form definition,
then applies the same rules to every channel. A form that is for another community or year, or of another
version or structure, stops the build: it cannot be scored at all. A missing required answer or a value out
of range is kept as a problem of that submission, named by file, item and cell or field; the submission is
then reported as incomplete, never scored as zero or as met.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generators.assessment.criteria import NO, YES, Criteria, Pilot, PilotList
from generators.assessment.definition import IDENTITY, FormDefinition, Question, form_definition
from generators.assessment.layout import (
    ANSWER_COL,
    FIRST_IDENTITY_ROW,
    FORM_SHEET,
    IDENTITY_ROWS,
    INFO_KEYS,
    INFO_SHEET,
    NUMBER_COL,
    PDF_IDENTITY,
    XLSFORM_NO,
    XLSFORM_YES,
    checkbox_name,
    sheet_rows,
)
from generators.core.errors import InputError, Problem, display_path
from generators.registry.cells import CellError, clean_text, parse_date
from generators.registry.readers import OLE_MAGIC, read_csv_text

MULTI_SPLIT = re.compile(r"[、,，;；\s]+")
TRUE = {YES, XLSFORM_YES, "1", "true", "on", "y", "√", "✓", "✔"}
FALSE = {NO, XLSFORM_NO, "0", "false", "off", "n"}
GUARDED = re.compile(r"^'(?=[=+\-@])")  # the apostrophe a CSV writer puts before =, +, -, @ against formulas


@dataclass
class Submission:
    file: str
    pilot: Pilot
    answers: dict[str, Any]  # question name → parsed value; absent when blank, invalid or not asked
    problems: list[Problem] = field(default_factory=list)  # missing, invalid or contradictory answers
    invalid: set[str] = field(default_factory=set)  # ids of items with a missing or invalid answer


@dataclass(frozen=True)
class Cell:
    """Where an answer sits, for messages: a worksheet cell, a CSV column or a PDF field."""

    sheet: str | None
    row: int | None
    column: str | None
    field: str | None = None  # a PDF form field


def _yes_no(text: str) -> bool:
    key = text.lower()
    if key in TRUE:
        return True
    if key in FALSE:
        return False
    raise CellError(f"应为“{YES}”或“{NO}”")


def parse_answer(q: Question, value: object) -> object:
    """One answer, or CellError saying (in Chinese) what is wrong with it."""
    text = clean_text(value)
    if text is None:
        return None
    if q.kind == "yes_no":
        return _yes_no(text)
    if q.kind == "count":
        try:
            number = float(text)
        except ValueError:
            raise CellError("应为 0 或以上的整数") from None
        if not number.is_integer() or number < 0:
            raise CellError("应为 0 或以上的整数")
        return int(number)
    if q.kind == "date":
        day = parse_date(value if not isinstance(value, str) else text)
        if day is not None and q.year is not None and day.year != q.year:
            raise CellError(f"应在试点年度 {q.year} 年内")
        return day
    if q.kind in ("choice", "multi_choice"):
        labels = [c.label for c in q.choices]
        picked = []
        for part in (p for p in MULTI_SPLIT.split(text) if p):
            choice = q.choice(part)
            if choice is not None:
                picked.append(choice.label)
            elif part in labels:
                picked.append(part)
            else:
                raise CellError(f"“{part}”不是可选的值，应为：{'、'.join(labels)}")
        if q.kind == "choice":
            if len(picked) != 1:
                raise CellError("只能选一项")
            return picked[0]
        return tuple(sorted(set(picked), key=labels.index)) or None
    # Free text as written (no NFKC: full-width punctuation stays), on one line
    return GUARDED.sub("", re.sub(r"\s+", " ", str(value)).strip())


def _options(q: Question, raw: dict[str, object]) -> tuple[tuple[str, ...] | None, list[tuple[str, object]]]:
    """A multiple-choice answer given one 是/否 per option (Excel rows, PDF checkboxes): the chosen labels
    (None when no option is chosen) and the options whose value is neither 是 nor 否."""
    chosen, bad = [], []
    for choice in q.choices:
        text = clean_text(raw.get(choice.name))
        if text is None:
            continue
        try:
            if _yes_no(text):
                chosen.append(choice.label)
        except CellError:
            bad.append((choice.name, raw.get(choice.name)))
    return (tuple(chosen) or None), bad


def _check(
    definition: FormDefinition, file: str, raw: dict[str, object], cells: dict[str, Cell]
) -> Submission:
    """The same rules for every channel: required when asked, kinds and limits, conditions."""
    sub = Submission(file, definition.pilot, {})

    def problem(q: Question, message: str, key: str, value: object = None, invalid: bool = True) -> None:
        cell = cells.get(key) or cells.get(q.name) or Cell(None, None, key)
        if invalid:
            sub.invalid.add(q.item.id)
        name = f"表单域 {cell.field}" if cell.field else q.name
        sub.problems.append(
            Problem(
                file,
                f"第 {q.number} 项（{name}）{message}",
                sheet=cell.sheet,
                row=cell.row,
                column=cell.column,
                value=None if value is None else str(value),
            )
        )

    for q in definition.questions:
        value = raw.get(q.name)
        if not q.asked(sub.answers):
            given = value if not isinstance(value, dict) else _options(q, value)[0]
            if clean_text(given) is not None and q.ask_if and q.ask_if.item in sub.answers:
                problem(
                    q,
                    f"不需要填写（{definition.when(q)}），但填了内容：请核实前面的答案",
                    q.name,
                    given,
                    False,
                )
            continue
        parsed: object
        if isinstance(value, dict):
            parsed, bad = _options(q, value)
            for name, text in bad:
                label = q.choice(name).label  # type: ignore[union-attr]
                problem(q, f"的选项“{label}”应填“{YES}”或“{NO}”", f"{q.name}/{name}", text)
            if bad:
                continue
        else:
            try:
                parsed = parse_answer(q, value)
            except CellError as exc:
                problem(q, f"的答案无效：{exc}", q.name, value)
                continue
        if parsed is None:
            if isinstance(value, dict) and any(clean_text(v) for v in value.values()) and q.required:
                problem(q, f"没有选中任何一项：至少一个选项填“{YES}”", q.name)
            elif q.is_detail:
                gate = q.item
                problem(q, f"未填写：第 {gate.number} 项答“是”或大于 0，须说明情况（{q.label}）", q.name)
            elif q.required:
                problem(q, "是必填项，未填写", q.name)
            continue
        sub.answers[q.name] = parsed
    for q in definition.questions:
        if q.max_item and q.name in sub.answers and q.max_item in sub.answers:
            if sub.answers[q.name] > sub.answers[q.max_item]:
                other = definition.criteria.item(q.max_item)
                problem(
                    q,
                    f"不能大于第 {other.number} 项（{other.label}）的 {sub.answers[q.max_item]}",
                    q.name,
                    sub.answers[q.name],
                )
                del sub.answers[q.name]
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


def _definition(criteria: Criteria, pilot: Pilot, file: str, version: object, where: dict) -> FormDefinition:
    definition = form_definition(criteria, pilot)
    if clean_text(version) != definition.version:
        raise InputError(
            Problem(
                file,
                f"表的版本（{clean_text(version)}）与现行自评表（{definition.version}）不同："
                "请下载最新的自评表重新填写",
                **where,
            )
        )
    return definition


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
    rows = {key: FIRST_IDENTITY_ROW + i for i, (_, key) in enumerate(IDENTITY_ROWS)}
    shown = (
        clean_text(ws.cell(rows["community"], ANSWER_COL).value),
        clean_text(ws.cell(rows["year"], ANSWER_COL).value),
    )
    if shown != (pilot.community, str(pilot.year)):
        raise InputError(
            Problem(
                file,
                f"表头写的是“{shown[0]}” {shown[1]} 年度，表单信息是“{pilot.community}” {pilot.year} 年度："
                "社区或年度被改过，请用本社区本年度的表重新填写",
                sheet=FORM_SHEET,
                row=rows["community"],
                column="C",
            )
        )
    definition = _definition(criteria, pilot, file, info.get("version"), {"sheet": INFO_SHEET})
    raw: dict[str, object] = {}
    cells: dict[str, Cell] = {}
    for r in sheet_rows(definition):
        if r.question is None:
            continue
        found = clean_text(ws.cell(r.row, NUMBER_COL).value)
        if found != r.number:
            raise InputError(
                Problem(
                    file,
                    f"表格结构被改动：第 {r.row} 行应为第 {r.number} 项（{r.question.label}），实际是 "
                    f"{found!r}。请不要插入、删除或移动行",
                    sheet=FORM_SHEET,
                    row=r.row,
                    column="A",
                )
            )
        if not r.has_answer:
            continue
        value = ws.cell(r.row, ANSWER_COL).value
        if r.choice is not None:
            options = raw.setdefault(r.question.name, {})
            assert isinstance(options, dict)
            options[r.choice.name] = value
            cells[f"{r.question.name}/{r.choice.name}"] = Cell(FORM_SHEET, r.row, "C（答案）")
            cells.setdefault(r.question.name, Cell(FORM_SHEET, r.row, "C（答案）"))
        else:
            raw[r.question.name] = value
            cells[r.question.name] = Cell(FORM_SHEET, r.row, "C（答案）")
    return _check(definition, file, raw, cells)


def _field(header: str) -> str:
    """ODK Central writes group-name-field, KoboToolbox group/field: keep the field name."""
    return re.split(r"[/:]", header.strip())[-1].split("-")[-1]


def read_form_csv(path: Path, criteria: Criteria, pilots: PilotList) -> Submission:
    """An ODK Central or KoboToolbox export of the XLSForm, or the browser form's export: one submission."""
    import pandas as pd

    file = display_path(path)
    text = read_csv_text(path)
    first = text.split("\n", 1)[0]
    separator = max((",", ";", "\t"), key=first.count)  # KoboToolbox exports with ";" unless told otherwise
    frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False, sep=separator)
    columns: dict[str, str] = {}
    for header in frame.columns:
        columns.setdefault(_field(str(header)), str(header))
    missing = [n for n in IDENTITY if n not in columns]
    if missing:
        raise InputError(
            Problem(
                file,
                f"导出的表格缺少字段：{'、'.join(missing)}，无法确认社区、年度和表单版本。"
                "请用本手册生成的最新表单（XLSForm 或网页表单）收集并重新导出",
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
    definition = _definition(
        criteria, pilot, file, row[columns["form_version"]], {"row": 2, "column": columns["form_version"]}
    )
    missing = [q.name for q in definition.questions if not q.is_detail and q.name not in columns]
    if missing:
        raise InputError(
            Problem(
                file,
                f"导出的表格结构与现行自评表不符，缺少字段：{'、'.join(missing)}。请用最新的表单收集并重新导出",
            )
        )
    raw = {name: (row[header] if row[header] != "" else None) for name, header in columns.items()}
    cells = {q.name: Cell(None, 2, columns.get(q.name, q.name)) for q in definition.questions}
    return _check(definition, file, raw, cells)


def _pdf_value(field: dict) -> object:
    """A field's value: text as text, a button's state name without its slash; kids' states for a radio
    group whose value a filler left only on its widgets."""
    value = field.get("/V")
    if value is None or str(value) in ("", "/Off", "Off"):
        for kid in field.get("/Kids") or ():
            state = str(kid.get_object().get("/AS") or "")
            if state not in ("", "/Off"):
                value = state
                break
    if value is None:
        return None
    text = str(value)
    return text[1:] if text.startswith("/") else text


def read_form_pdf(path: Path, criteria: Criteria, pilots: PilotList) -> Submission:
    """A filled copy of the fillable PDF: its AcroForm fields, named as the questions are."""
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    file = display_path(path)
    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            raise InputError(Problem(file, "PDF 已加密：请取消密码后再提交"))
        fields = {name: f for name, f in (reader.get_fields() or {}).items()}
    except (PdfReadError, ValueError, KeyError) as exc:
        raise InputError(Problem(file, f"无法读取这个 PDF 文件（{exc.__class__.__name__}）")) from exc
    if PDF_IDENTITY["form_id"] not in fields:
        raise InputError(
            Problem(file, "不是本手册生成的可填写自评表（没有表单信息域）：请用下载的 PDF 自评表填写")
        )
    identity = {
        key: _pdf_value(fields[name]) if name in fields else None for key, name in PDF_IDENTITY.items()
    }
    pilot = _pilot(
        pilots,
        file,
        clean_text(identity["community"]),
        identity["year"],
        {"column": PDF_IDENTITY["community"]},
    )
    definition = _definition(criteria, pilot, file, identity["version"], {"column": PDF_IDENTITY["version"]})
    raw: dict[str, object] = {}
    cells: dict[str, Cell] = {}
    missing = []
    for q in definition.questions:
        if q.kind == "multi_choice":
            options = {}
            for choice in q.choices:
                name = checkbox_name(q, choice)
                if name not in fields:
                    missing.append(name)
                    continue
                options[choice.name] = _pdf_value(fields[name])
                cells[f"{q.name}/{choice.name}"] = Cell(None, None, None, name)
            raw[q.name] = options
        elif q.name in fields:
            raw[q.name] = _pdf_value(fields[q.name])
        else:
            missing.append(q.name)
        cells.setdefault(q.name, Cell(None, None, None, q.name))
    if missing:
        raise InputError(
            Problem(
                file,
                f"PDF 表单结构与现行自评表不符，缺少表单域：{'、'.join(missing)}。请用最新的 PDF 自评表填写",
            )
        )
    return _check(definition, file, raw, cells)


READERS = {".xlsx": read_form_xlsx, ".csv": read_form_csv, ".pdf": read_form_pdf}


def read_submissions(folder: Path, criteria: Criteria, pilots: PilotList) -> list[Submission]:
    """Every completed form in the folder; two forms for one community and year is an error."""
    subs: list[Submission] = []
    if not folder.is_dir():
        return subs
    for path in sorted(folder.iterdir()):
        if path.name.startswith(("~$", ".")) or not path.is_file():
            continue
        suffix = path.suffix.lower()
        if suffix in READERS:
            subs.append(READERS[suffix](path, criteria, pilots))
        else:
            raise InputError(
                Problem(
                    display_path(path),
                    f"不支持的文件类型 {suffix or '（无扩展名）'}：请提交 .xlsx 自评表、填好的 PDF 自评表，"
                    "或 ODK/Kobo/网页表单导出的 .csv",
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
