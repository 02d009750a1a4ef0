"""Load: registry (台账) workbooks and CSV files → validated cases and contacts, and the rows refused.

Every data row read is either accepted or rejected with its reasons; nothing is dropped. A file that
cannot be read at all, or lacks a required column, stops the build with an error naming it.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from openpyxl.utils import get_column_letter

from generators.errors import InputError, Problem, display_path
from generators.model import Case, ClauseRef, Contact, PolicyModel, RowRef

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and encrypted .xlsx are OLE compound files
MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
TEXT_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
EXCEL_EPOCH = dt.date(1899, 12, 30)


# --- schema ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Column:
    key: str
    header: str
    type: str
    required: bool = False
    values: tuple[str, ...] = ()
    pii: bool = False
    help: str | None = None


@dataclass(frozen=True)
class SheetSchema:
    kind: str  # "cases" | "contacts"
    title: str
    columns: tuple[Column, ...]

    def column(self, key: str) -> Column:
        return next(c for c in self.columns if c.key == key)

    @property
    def required(self) -> list[Column]:
        return [c for c in self.columns if c.required]


@dataclass(frozen=True)
class RegistrySchema:
    cases: SheetSchema
    contacts: SheetSchema

    @property
    def sheets(self) -> tuple[SheetSchema, SheetSchema]:
        return (self.cases, self.contacts)


def read_schema(path: Path) -> RegistrySchema:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))["sheets"]
    sheets = {}
    for kind in ("cases", "contacts"):
        spec = data[kind]
        cols = tuple(Column(key=c["key"], header=c["header"], type=c["type"], required=bool(c.get("required")),
                            values=tuple(c.get("values") or ()), pii=bool(c.get("pii")), help=c.get("help"))
                     for c in spec["columns"])
        sheets[kind] = SheetSchema(kind, spec["title"], cols)
    return RegistrySchema(**sheets)


# --- age rules from the policy model ---------------------------------------------------------------
@dataclass(frozen=True)
class AgeRule:
    """Ages a group admits: min_age ≤ age < below. `source` is the clause, None where it is the law."""

    group: str
    min_age: int | None
    below: int | None
    text: str
    source: ClauseRef | None

    def admits(self, age: int) -> bool:
        return (self.min_age is None or age >= self.min_age) and (self.below is None or age < self.below)

    def describe(self) -> str:
        parts = []
        if self.min_age is not None:
            parts.append(f"{self.min_age}周岁以上")
        if self.below is not None:
            parts.append(f"不满{self.below}周岁")
        return "、".join(parts) or "不限"


LAW_MINOR = "未成年人保护法第二条：未成年人是指未满十八周岁的公民"


def age_rules(model: PolicyModel, documents: list[str]) -> dict[str, AgeRule]:
    """For each group, the bound of the first listed document that states one, narrowed to under 18 for
    groups named as 未成年人/儿童."""
    rules = {}
    for gid, group in model.groups.items():
        rule = AgeRule(gid, None, None, "文件未规定", None)
        for doc in documents:
            found = [d for d in model.definitions if d.doc == doc and d.group == gid and d.age]
            if found:
                b = found[0].age
                rule = AgeRule(gid,
                               None if b.min_age is None else b.min_age + (0 if b.min_inclusive else 1),
                               None if b.max_age is None else b.max_age + (1 if b.max_inclusive else 0),
                               b.describe(), found[0].age_source)
                break
        if group.legal_max_age and (rule.below is None or rule.below > group.legal_max_age):
            rule = AgeRule(gid, rule.min_age, group.legal_max_age, f"不满{group.legal_max_age}周岁", None)
        rules[gid] = rule
    return rules


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


# --- reading files ---------------------------------------------------------------------------------
@dataclass
class RawRow:
    ref: RowRef
    values: dict[str, object]  # column key → cell value as read
    problems: list[str] = field(default_factory=list)  # found while reading (merged cells, formulas)
    hidden: bool = False


@dataclass
class Table:
    file: str
    sheet: str | None
    schema: SheetSchema
    headers: dict[str, str]  # column key → header as written
    rows: list[RawRow]


def normalise_header(text: object) -> str:
    text = unicodedata.normalize("NFKC", str(text or ""))
    return re.sub(r"[\s*＊]", "", text).replace("(", "（").replace(")", "）")


def _match_headers(schema: SheetSchema, cells: list[object]) -> dict[int, str]:
    """Column position → key, for the headers of this sheet that the schema knows."""
    wanted = {normalise_header(c.header): c.key for c in schema.columns}
    wanted.update({normalise_header(c.header).replace("（", "").replace("）", ""): c.key for c in schema.columns})
    return {i: wanted[h] for i, h in enumerate(normalise_header(c) for c in cells) if h in wanted}


def _pick_schema(schema: RegistrySchema, title: str | None, header_row: list[object]) -> SheetSchema | None:
    for sheet in schema.sheets:
        if title and normalise_header(title) == normalise_header(sheet.title):
            return sheet
    scores = [(len(_match_headers(s, header_row)), s) for s in schema.sheets]
    best = max(scores, key=lambda x: x[0])
    return best[1] if best[0] >= 3 else None


def _table(file: str, sheet_title: str | None, sheet: SheetSchema, header_index: int, grid: list[list[object]],
           hidden_rows: set[int], merged: dict[int, list[str]], formula_cells: dict[tuple[int, int], str],
           row_numbers: list[int]) -> Table:
    header = grid[header_index]
    positions = _match_headers(sheet, header)
    found = set(positions.values())
    missing = [c.header for c in sheet.required if c.key not in found]
    if missing:
        raise InputError(Problem(file, f"缺少必填列：{'、'.join(missing)}（表头在第 {row_numbers[header_index]} 行，"
                                       f"应包含：{'、'.join(c.header for c in sheet.columns)}）", sheet=sheet_title))
    # Staff find a cell by its letter as much as by its header: "公民身份号码（K 列）".
    headers = {key: f"{str(header[i]).strip()}（{get_column_letter(i + 1)} 列）" for i, key in positions.items()}
    rows = []
    for index in range(header_index + 1, len(grid)):
        cells = grid[index]
        number = row_numbers[index]
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in cells):
            if number not in merged:
                continue
        values = {key: cells[i] if i < len(cells) else None for i, key in positions.items()}
        raw = RawRow(RowRef(file, sheet_title, number), values, hidden=number in hidden_rows)
        raw.problems.extend(merged.get(number, []))
        for (r, col), text in formula_cells.items():
            if r == number and col in positions:
                raw.problems.append(f"{headers[positions[col]]}是公式（{text}），但文件里没有计算结果："
                                    "请在 Excel/WPS 中打开并保存，或改为填写数值")
                raw.values[positions[col]] = None
        rows.append(raw)
    return Table(file, sheet_title, sheet, headers, rows)


def _header_index(grid: list[list[object]], sheet: SheetSchema) -> int | None:
    for i, row in enumerate(grid[:10]):
        if len(_match_headers(sheet, row)) >= max(3, len(sheet.required) // 2):
            return i
    return None


def read_xlsx(path: Path, schema: RegistrySchema) -> list[Table]:
    import openpyxl

    name = display_path(path)
    try:
        values_book = openpyxl.load_workbook(path, data_only=True)
        formula_book = openpyxl.load_workbook(path, data_only=False)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(Problem(name, f"无法读取这个 Excel 文件（{exc.__class__.__name__}）：文件可能已损坏，"
                                       "请在 Excel/WPS 中打开后另存为 .xlsx")) from exc
    tables = []
    for ws in values_book.worksheets:
        if ws.title.strip() in ("说明", "填写说明", "选项"):
            continue
        grid = [list(r) for r in ws.iter_rows(values_only=True)]
        if not grid or all(v is None for row in grid for v in row):
            continue
        row_numbers = list(range(1, len(grid) + 1))
        sheet = None
        for i, row in enumerate(grid[:10]):
            sheet = _pick_schema(schema, ws.title, row)
            if sheet and _header_index(grid, sheet) is not None:
                break
        if sheet is None:
            raise InputError(Problem(name, "认不出这是个案台账还是联系记录：前 10 行里没有找到表头", sheet=ws.title))
        header_index = _header_index(grid, sheet)
        if header_index is None:
            _table(name, ws.title, sheet, 0, grid, set(), {}, {}, row_numbers)  # raises: missing columns
        hidden = {r for r, dim in ws.row_dimensions.items() if dim.hidden}
        merged: dict[int, list[str]] = {}
        for rng in ws.merged_cells.ranges:
            if rng.max_row > header_index + 1:
                for r in range(max(rng.min_row, header_index + 2), rng.max_row + 1):
                    merged.setdefault(r, []).append(
                        f"单元格 {rng.coord} 是合并单元格：合并后只有左上角有值，其余行无法确定，请取消合并并逐行填写")
        formula_ws = formula_book[ws.title]
        formulas = {}
        for row in formula_ws.iter_rows(min_row=header_index + 2):
            for cell in row:
                if cell.data_type == "f" and ws.cell(cell.row, cell.column).value is None:
                    formulas[(cell.row, cell.column - 1)] = str(cell.value)
        tables.append(_table(name, ws.title, sheet, header_index, grid, hidden, merged, formulas, row_numbers))
    if not tables:
        raise InputError(Problem(name, "文件里没有数据：所有工作表都是空的"))
    return tables


def read_csv_text(path: Path) -> str:
    """A CSV as text: UTF-8 (with or without BOM) or GBK/GB 18030, as Excel and WPS save them in China."""
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(Problem(display_path(path), "无法识别文件编码：请另存为 UTF-8 或 GBK 编码的 CSV"))


def read_csv(path: Path, schema: RegistrySchema) -> list[Table]:
    import pandas as pd

    name = display_path(path)
    frame = pd.read_csv(io.StringIO(read_csv_text(path)), dtype=str, keep_default_na=False, header=None,
                        skip_blank_lines=False)
    grid = [[None if v == "" else v for v in row] for row in frame.itertuples(index=False)]
    if not grid:
        raise InputError(Problem(name, "文件里没有数据"))
    sheet = _pick_schema(schema, None, grid[0])
    if sheet is None:
        raise InputError(Problem(name, "认不出这是个案台账还是联系记录：第 1 行不是表头"))
    return [_table(name, None, sheet, 0, grid, set(), {}, {}, list(range(1, len(grid) + 1)))]


def read_registry_file(path: Path, schema: RegistrySchema) -> list[Table]:
    name = display_path(path)
    suffix = path.suffix.lower()
    head = path.read_bytes()[:8]
    if suffix == ".xls" or (suffix == ".xlsx" and head == OLE_MAGIC):
        why = ("文件已加密（设置了打开密码）" if suffix == ".xlsx" else "这是旧版 .xls 格式")
        raise InputError(Problem(name, f"{why}，无法读取：请在 Excel/WPS 中取消密码并另存为 .xlsx"))
    if suffix == ".xlsx":
        return read_xlsx(path, schema)
    if suffix == ".csv":
        return read_csv(path, schema)
    raise InputError(Problem(name, f"不支持的文件类型 {suffix}：请用 .xlsx 或 .csv"))


# --- cell values -----------------------------------------------------------------------------------
class CellError(ValueError):
    """A cell value that does not fit its column; the message is shown to staff."""


def clean_text(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = unicodedata.normalize("NFKC", str(value)).strip()
    return re.sub(r"\s+", " ", text) or None


def parse_date(value: object) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 1 <= value < 80000:  # an Excel date serial that lost its date format
            return EXCEL_EPOCH + dt.timedelta(days=int(value))
        text = str(int(value))
    else:
        text = clean_text(value) or ""
    m = TEXT_DATE.match(text) or COMPACT_DATE.match(text)
    if not m:
        raise CellError("不是可识别的日期（可写 2024-03-01、2024/3/1、2024年3月1日 或 20240301）")
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError as exc:
        raise CellError("日期不存在（月份或日期超出范围）") from exc


def parse_id_number(value: object) -> str:
    from stdnum.cn import ric
    from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

    if isinstance(value, (int, float)) and not isinstance(value, bool):
        raise CellError("身份证号被 Excel 存成了数字，末几位已经丢失：请把该列设为文本后重新录入")
    text = (clean_text(value) or "").replace(" ", "").upper()
    try:
        return ric.validate(text)
    except InvalidLength as exc:
        raise CellError(f"身份证号应为 18 位，这里是 {len(text)} 位") from exc
    except InvalidFormat as exc:
        raise CellError("身份证号前 17 位应全是数字") from exc
    except InvalidChecksum as exc:
        raise CellError(f"身份证号校验码不对（按 GB 11643 应为 {ric.calc_check_digit(text)}）：请核对是否录错") from exc
    except InvalidComponent as exc:
        raise CellError("身份证号中的出生日期或地区码无效") from exc


def parse_cell(column: Column, value: object) -> object:
    if column.type == "date":
        return parse_date(value)
    if column.type == "id_number":
        return None if value is None else parse_id_number(value)
    text = clean_text(value)
    if text is None:
        return None
    if column.type == "enum" and text not in column.values:
        raise CellError(f"不是可选的值，应为：{'、'.join(column.values)}")
    if column.type == "phone":
        digits = text.replace(" ", "")
        if not (MOBILE.match(digits) or LANDLINE.match(digits)):
            raise CellError("不是有效的电话号码（手机 11 位，或带区号的座机）")
        return digits
    return text


# --- validation ------------------------------------------------------------------------------------
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
    return Problem(raw.ref.file, message, sheet=raw.ref.sheet, row=raw.ref.row, column=header,
                   value=None if value is None else str(value))


def _parse_row(table: Table, raw: RawRow) -> tuple[dict[str, object], list[Problem]]:
    problems = [_problem(raw, None, p) for p in raw.problems]
    parsed: dict[str, object] = {}
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


def validate(tables: list[Table], model: PolicyModel, rules: dict[str, AgeRule], as_of: dt.date) -> RegistryImport:
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
                    problems.append(_problem(raw, col("case_id"), "个案台账中没有这个个案编号（或该个案被退回）",
                                             values["case_id"], table.headers))
                if values["date"] > as_of:
                    problems.append(_problem(raw, col("date"), f"联系日期晚于统计截止日 {as_of}", values["date"],
                                             table.headers))
            if problems:
                result.rejected.append(RejectedRow(raw.ref, kind, dict(raw.values), tuple(problems)))
                continue
            if raw.hidden:
                result.notes.append(_problem(raw, None, "这一行在 Excel 中被隐藏，已照常读入；如不应计入请删除该行"))
            if kind == "cases":
                case = Case(**{k: v for k, v in values.items() if k != "group"}, group=group_ids[values["group"]],
                            source=raw.ref)
                seen_case[case.case_id] = raw.ref
                seen_id[case.id_number] = (raw.ref, case.village)
                rule = rules[case.group]
                age = age_on(case.birth_date, as_of)
                if case.active_on(as_of) and not rule.admits(age):
                    result.notes.append(_problem(raw, col("birth_date"),
                                                 f"到 {as_of} 已满 {age} 周岁，超出该群体年龄界限（{rule.describe()}），应办理退出"))
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
        problems.append(_problem(raw, col("case_id"), f"个案编号与 {first.file} 第 {first.row} 行重复",
                                 values["case_id"], headers))
    if values["id_number"] in seen_id:
        first, village = seen_id[values["id_number"]]
        problems.append(_problem(raw, col("id_number"), f"身份证号与 {first.file} 第 {first.row} 行（{village}）重复",
                                 values["id_number"], headers))
    born = ric.get_birth_date(values["id_number"])
    if born != values["birth_date"]:
        problems.append(_problem(raw, col("birth_date"), f"出生日期与身份证号中的 {born} 不一致",
                                 values["birth_date"], headers))
    for key in ("birth_date", "entry_date", "exit_date"):
        if values[key] and values[key] > as_of:
            problems.append(_problem(raw, col(key), f"日期晚于统计截止日 {as_of}", values[key], headers))
    if values["exit_date"] and values["exit_date"] < values["entry_date"]:
        problems.append(_problem(raw, col("exit_date"), "退出日期早于纳入日期", values["exit_date"], headers))
    if values["exit_date"] and not values["exit_reason"]:
        problems.append(_problem(raw, col("exit_reason"), "填写了退出日期，退出原因必填", headers=headers))
    group = group_ids[values["group"]]
    rule = rules[group]
    age = age_on(values["birth_date"], values["entry_date"])
    if not rule.admits(age):
        where = "（法定）" if rule.source is None else f"（依据 {rule.source}）"
        problems.append(_problem(raw, col("birth_date"),
                                 f"纳入时 {age} 周岁，不在“{values['group']}”的年龄界限内：{rule.describe()}{where}",
                                 values["birth_date"], headers))
    return problems


def import_registry(files: list[Path], schema: RegistrySchema, model: PolicyModel, rules: dict[str, AgeRule],
                    as_of: dt.date) -> RegistryImport:
    """Read every file (stopping at the first that cannot be read), then validate all rows together so
    that duplicates across villages are found."""
    if not files:
        raise InputError(Problem("台账目录", "没有找到台账文件（.xlsx 或 .csv）"))
    tables = [t for f in files for t in read_registry_file(f, schema)]
    result = validate(tables, model, rules, as_of)
    for (file, sheet, kind), count in result.read.items():  # the promise: nothing is lost
        assert count == result.accepted_count(file, sheet, kind) + result.rejected_count(file, sheet, kind)
    return result


@dataclass(frozen=True)
class RegistryConfig:
    source: str  # "synthetic" or a folder
    synthetic: dict
    age_rules_from: tuple[str, ...]
    periodic_contact_days: int
    suppress_below: int


def read_registry_config(path: Path) -> RegistryConfig:
    name = display_path(path)
    try:
        data = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("registry") or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(Problem(name, f"无法读取台账配置：{exc}")) from exc
    missing = [k for k in ("source", "age_rules_from", "periodic_contact_days", "suppress_below") if k not in data]
    if missing:
        raise InputError(Problem(name, f"台账配置缺少：{'、'.join(missing)}"))
    return RegistryConfig(str(data["source"]), data.get("synthetic") or {}, tuple(data["age_rules_from"]),
                          int(data["periodic_contact_days"]), int(data["suppress_below"]))


def registry_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.suffix.lower() in (".xlsx", ".xls", ".csv")
                  and not p.name.startswith(("~$", ".")))


def import_summary(result: RegistryImport) -> dict:
    """Counts only: safe to publish."""
    def total(kind: str) -> int:
        return sum(n for (_, _, k), n in result.read.items() if k == kind)
    return {
        "files": len({f for f, _, _ in result.read}),
        "cases_read": total("cases"), "cases_accepted": len(result.cases),
        "cases_rejected": sum(1 for r in result.rejected if r.kind == "cases"),
        "contacts_read": total("contacts"), "contacts_accepted": len(result.contacts),
        "contacts_rejected": sum(1 for r in result.rejected if r.kind == "contacts"),
        "notes": len(result.notes),
    }
