"""Load: registry files (.xlsx, .csv) → tables of raw rows under known column keys.

A file that cannot be read at all, or lacks a required column, stops the build with an error naming it.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

from openpyxl.utils import get_column_letter

from generators.core.errors import InputError, Problem, display_path
from generators.registry.model import RowRef
from generators.registry.schema import RegistrySchema, SheetSchema

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and encrypted .xlsx are OLE compound files


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
    wanted.update(
        {normalise_header(c.header).replace("（", "").replace("）", ""): c.key for c in schema.columns}
    )
    return {i: wanted[h] for i, h in enumerate(normalise_header(c) for c in cells) if h in wanted}


def _pick_schema(schema: RegistrySchema, title: str | None, header_row: list[object]) -> SheetSchema | None:
    for sheet in schema.sheets:
        if title and normalise_header(title) == normalise_header(sheet.title):
            return sheet
    scores = [(len(_match_headers(s, header_row)), s) for s in schema.sheets]
    best = max(scores, key=lambda x: x[0])
    return best[1] if best[0] >= 3 else None


def _table(
    file: str,
    sheet_title: str | None,
    sheet: SheetSchema,
    header_index: int,
    grid: list[list[object]],
    hidden_rows: set[int],
    merged: dict[int, list[str]],
    formula_cells: dict[tuple[int, int], str],
    row_numbers: list[int],
) -> Table:
    header = grid[header_index]
    positions = _match_headers(sheet, header)
    found = set(positions.values())
    missing = [c.header for c in sheet.required if c.key not in found]
    if missing:
        raise InputError(
            Problem(
                file,
                f"缺少必填列：{'、'.join(missing)}（表头在第 {row_numbers[header_index]} 行，"
                f"应包含：{'、'.join(c.header for c in sheet.columns)}）",
                sheet=sheet_title,
            )
        )
    # Staff find a cell by its letter as much as by its header: "公民身份号码（K 列）".
    headers = {
        key: f"{str(header[i]).strip()}（{get_column_letter(i + 1)} 列）" for i, key in positions.items()
    }
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
                raw.problems.append(
                    f"{headers[positions[col]]}是公式（{text}），但文件里没有计算结果："
                    "请在 Excel/WPS 中打开并保存，或改为填写数值"
                )
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
        raise InputError(
            Problem(
                name,
                f"无法读取这个 Excel 文件（{exc.__class__.__name__}）：文件可能已损坏，"
                "请在 Excel/WPS 中打开后另存为 .xlsx",
            )
        ) from exc
    tables = []
    for ws in values_book.worksheets:
        if ws.title.strip() in ("说明", "填写说明", "选项"):
            continue
        grid = [list(r) for r in ws.iter_rows(values_only=True)]
        if not grid or all(v is None for row in grid for v in row):
            continue
        row_numbers = list(range(1, len(grid) + 1))
        sheet = None
        for row in grid[:10]:
            sheet = _pick_schema(schema, ws.title, row)
            if sheet and _header_index(grid, sheet) is not None:
                break
        if sheet is None:
            raise InputError(
                Problem(name, "认不出这是个案台账还是联系记录：前 10 行里没有找到表头", sheet=ws.title)
            )
        header_index = _header_index(grid, sheet)
        if header_index is None:
            _table(name, ws.title, sheet, 0, grid, set(), {}, {}, row_numbers)  # raises: missing columns
            raise AssertionError("unreachable: _table raises for a sheet without its required columns")
        hidden = {r for r, dim in ws.row_dimensions.items() if dim.hidden}
        merged: dict[int, list[str]] = {}
        for rng in ws.merged_cells.ranges:
            if rng.max_row > header_index + 1:
                for r in range(max(rng.min_row, header_index + 2), rng.max_row + 1):
                    merged.setdefault(r, []).append(
                        f"单元格 {rng.coord} 是合并单元格：合并后只有左上角有值，其余行无法确定，请取消合并并逐行填写"
                    )
        formula_ws = formula_book[ws.title]
        formulas = {}
        for row in formula_ws.iter_rows(min_row=header_index + 2):
            for cell in row:
                if cell.data_type == "f" and ws.cell(cell.row, cell.column).value is None:
                    formulas[(cell.row, cell.column - 1)] = str(cell.value)
        tables.append(
            _table(name, ws.title, sheet, header_index, grid, hidden, merged, formulas, row_numbers)
        )
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
    frame = pd.read_csv(
        io.StringIO(read_csv_text(path)),
        dtype=str,
        keep_default_na=False,
        header=None,
        skip_blank_lines=False,
    )
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
        why = "文件已加密（设置了打开密码）" if suffix == ".xlsx" else "这是旧版 .xls 格式"
        raise InputError(Problem(name, f"{why}，无法读取：请在 Excel/WPS 中取消密码并另存为 .xlsx"))
    if suffix == ".xlsx":
        return read_xlsx(path, schema)
    if suffix == ".csv":
        return read_csv(path, schema)
    raise InputError(Problem(name, f"不支持的文件类型 {suffix}：请用 .xlsx 或 .csv"))


def registry_files(folder: Path) -> list[Path]:
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix.lower() in (".xlsx", ".xls", ".csv") and not p.name.startswith(("~$", "."))
    )
