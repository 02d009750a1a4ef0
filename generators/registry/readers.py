"""Load: one registry file (.xlsx, .xlsm, .xls, .ods, .csv) → tables of raw rows under known column keys.

`read_registry_file` is a pure function of (path, schema): it never raises for a bad file, it returns the
file's tables, its notices and, for a file that cannot be read at all, the reason. The format is told by
content, not by name (an old .xls renamed .xlsx is read as .xls). Workbooks are read in one pass with
calamine; the facts calamine does not expose come from the file itself, read only as far as needed: for
.xlsx hidden rows and formulas saved without a computed value (a scan of the sheet parts of the zip), for
.ods hidden rows and merged cells (content.xml, parsed only when it holds any). Hidden rows of an old .xls
are not known; its merged cells are.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree import ElementTree

from generators.core.errors import InputError, Problem, display_path
from generators.registry.headers import (
    Header,
    RawRow,
    SheetGrid,
    Table,
    blank,
    build_table,
    find_header,
)
from generators.registry.schema import RegistrySchema

__all__ = ["OLE_MAGIC", "FileRead", "RawRow", "Table", "read_csv_text", "read_registry_file"]

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls and password-protected .xlsx are OLE compound files
ENCRYPTED_PACKAGE = "EncryptionInfo".encode("utf-16-le")  # the stream an encrypted .xlsx keeps its keys in
RESAVE = "请在 Excel/WPS 中打开后另存为 .xlsx 再报送"


class Unreadable(Exception):
    """Why a whole file cannot be read (Chinese, for staff)."""


@dataclass
class FileRead:
    """What reading one file gave: its tables, file-level notices, or why it could not be read."""

    file: str  # as messages name it
    path: Path
    tables: list[Table] = field(default_factory=list)
    notices: list[Problem] = field(default_factory=list)
    error: Problem | None = None
    fragment: object = None  # its rows validated on their own (validate.FileFragment), where that was asked


def read_csv_text(path: Path) -> str:
    """A CSV as text: UTF-8 (with or without BOM) or GBK/GB 18030, as Excel and WPS save them in China."""
    raw = path.read_bytes()
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise InputError(Problem(display_path(path), "无法识别文件编码：请另存为 UTF-8 或 GBK 编码的 CSV"))


# --- the format, by content ----------------------------------------------------------------------------
def _kind(path: Path, data: bytes) -> str:
    if not data:
        raise Unreadable("文件是空的（0 字节）：请重新导出或重新报送")
    if data.startswith(OLE_MAGIC):
        if ENCRYPTED_PACKAGE in data:
            raise Unreadable("文件设置了打开密码（已加密）：请在 Excel/WPS 中取消密码后另存为 .xlsx 再报送")
        return "xls"
    if data.startswith(b"PK"):
        try:
            names = set(zipfile.ZipFile(io.BytesIO(data)).namelist())
        except (zipfile.BadZipFile, ValueError, OSError) as exc:
            raise Unreadable(f"文件已损坏（不完整）：{RESAVE}") from exc
        if "xl/workbook.xml" in names or "xl/workbook.bin" in names:
            return "xlsx"
        if "mimetype" in names and "content.xml" in names:
            return "ods"
        raise Unreadable("这是一个压缩包，不是 Excel 工作簿：请把台账本身（.xlsx）放进文件夹")
    if path.suffix.lower() == ".csv":
        return "csv"
    start = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if start.startswith((b"<", b"\xff\xfe<", b"\xfe\xff\x00<")):
        raise Unreadable(f"这是网页（HTML）格式的表格，不是真正的 Excel 文件：{RESAVE}")
    raise Unreadable(f"不是 Excel 文件，格式无法识别，文件可能已损坏：{RESAVE}")


# --- .xlsx facts calamine does not give ----------------------------------------------------------------
ROW_TAG = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
CELL = re.compile(rb"<(?:\w+:)?c\b([^>]*?)(?:/>|>(.*?)</(?:\w+:)?c>)", re.DOTALL)
ATTR = re.compile(rb'\b(\w+)="([^"]*)"')
FORMULA = re.compile(rb"<(?:\w+:)?f(?=[\s>/])[^>]*?(?:/>|>(.*?)</(?:\w+:)?f>)", re.DOTALL)
VALUE = re.compile(rb"<(?:\w+:)?v>([^<]+)</(?:\w+:)?v>")
CELL_REF = re.compile(r"^([A-Z]+)(\d+)$")
REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Sheet name → the zip part holding it."""
    book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
    rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    targets = {r.get("Id"): r.get("Target", "") for r in rels}
    out = {}
    for sheet in book.iter():
        if sheet.tag.endswith("}sheet") and sheet.get("name") is not None:
            target = targets.get(sheet.get(f"{REL_NS}id"), "")
            out[sheet.get("name", "")] = target.lstrip("/") if target.startswith("/") else "xl/" + target
    return out


def _xlsx_facts(data: bytes) -> dict[str, tuple[frozenset[int], dict[tuple[int, int], str]]]:
    """Sheet name → (hidden row numbers, formulas saved without a computed value). Only the sheet parts
    are scanned, and only for the attributes that matter."""
    facts = {}
    zf = zipfile.ZipFile(io.BytesIO(data))
    for name, part in _sheet_parts(zf).items():
        try:
            xml = zf.read(part)
        except KeyError:
            continue
        hidden: set[int] = set()
        if b'hidden="' in xml:
            for m in ROW_TAG.finditer(xml):
                attrs = dict(ATTR.findall(m.group(1)))
                if attrs.get(b"hidden") in (b"1", b"true") and attrs.get(b"r", b"").isdigit():
                    hidden.add(int(attrs[b"r"]))
        formulas: dict[tuple[int, int], str] = {}
        # A formula element ends in </f> or </x:f> (a shared formula's other cells point to one that does):
        # one quick look, as most sheets have none. The declaration, if any, is in the first bytes.
        has_formula = b"f>" in xml
        for f in FORMULA.finditer(xml) if has_formula else ():  # only formula cells are looked at
            start = max(xml.rfind(b"<c ", 0, f.start()), xml.rfind(b":c ", 0, f.start()))
            cell = CELL.match(xml, xml.rfind(b"<", 0, start + 1)) if start >= 0 else None
            if cell is None or cell.end() < f.end():
                continue
            body = cell.group(2) or b""
            attrs = dict(ATTR.findall(cell.group(1)))
            has_value = VALUE.search(body) is not None or attrs.get(b"t") == b"str"
            ref = CELL_REF.match(attrs.get(b"r", b"").decode("ascii", "replace"))
            if not has_value and ref:
                text = "=" + (f.group(1) or b"").decode("utf-8", "replace")
                formulas[(int(ref.group(2)), _column_number(ref.group(1)))] = text
        facts[name] = (frozenset(hidden), formulas)
    return facts


# --- .ods facts calamine does not give (hidden rows, merged cells) -------------------------------------
ODS_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
HIDDEN_ROWS_AT_MOST = 10_000  # a hidden run longer than this is the sheet's empty tail, not rows


def _ods_facts(data: bytes) -> dict[str, tuple[frozenset[int], tuple[tuple[int, int, int, int], ...]]]:
    """Sheet name → (hidden row numbers, merged ranges), from content.xml; read only when it holds any."""
    content = zipfile.ZipFile(io.BytesIO(data)).read("content.xml")
    markers = (b'table:visibility="collapse"', b'table:visibility="filter"', b"number-rows-spanned")
    if not any(m in content for m in markers):
        return {}
    facts: dict[str, tuple[frozenset[int], tuple[tuple[int, int, int, int], ...]]] = {}
    name, row, col, row_start = "", 0, 0, 0
    hidden: set[int] = set()
    merged: list[tuple[int, int, int, int]] = []
    for event, el in ElementTree.iterparse(io.BytesIO(content), events=("start", "end")):
        tag = el.tag
        if event == "end":
            if tag == ODS_TABLE + "table":
                facts[name] = (frozenset(hidden), tuple(merged))
            if tag in (ODS_TABLE + "table-row", ODS_TABLE + "table"):
                el.clear()
            continue
        if tag == ODS_TABLE + "table":
            name, row, hidden, merged = el.get(ODS_TABLE + "name", ""), 0, set(), []
        elif tag == ODS_TABLE + "table-row":
            repeat = int(el.get(ODS_TABLE + "number-rows-repeated", "1"))
            row_start, col = row + 1, 0
            if el.get(ODS_TABLE + "visibility") in ("collapse", "filter") and repeat <= HIDDEN_ROWS_AT_MOST:
                hidden.update(range(row_start, row_start + repeat))
            row += repeat
        elif tag in (ODS_TABLE + "table-cell", ODS_TABLE + "covered-table-cell"):
            start = col + 1
            col += int(el.get(ODS_TABLE + "number-columns-repeated", "1"))
            rows = int(el.get(ODS_TABLE + "number-rows-spanned", "1"))
            cols = int(el.get(ODS_TABLE + "number-columns-spanned", "1"))
            if rows > 1 or cols > 1:
                merged.append((row_start, start, row_start + rows - 1, start + cols - 1))
    return facts


# --- workbooks with calamine ---------------------------------------------------------------------------
def _workbook_grids(path: Path, data: bytes, kind: str) -> tuple[list[SheetGrid], list[str]]:
    """Every sheet's grid, and the names of the sheets hidden in Excel."""
    import python_calamine as pc

    try:
        if path.suffix.lower() == f".{kind}":  # by name: calamine then tells a password from damage
            book = pc.CalamineWorkbook.from_path(str(path))
        else:  # a file named for another format: calamine tells the format by content
            book = pc.CalamineWorkbook.from_filelike(io.BytesIO(data))
    except pc.PasswordError as exc:
        raise Unreadable(
            "文件设置了打开密码（已加密）：请在 Excel/WPS 中取消密码后另存为 .xlsx 再报送"
        ) from exc
    except Exception as exc:  # calamine's errors: a damaged or foreign file
        raise Unreadable(f"文件已损坏或不是 Excel 文件：{RESAVE}") from exc
    facts: dict[str, tuple[frozenset[int], dict[tuple[int, int], str]]] = {}
    ods: dict[str, tuple[frozenset[int], tuple[tuple[int, int, int, int], ...]]] = {}
    if kind == "ods":
        try:
            ods = _ods_facts(data)
        except (KeyError, zipfile.BadZipFile, ElementTree.ParseError, ValueError) as exc:
            raise Unreadable(f"文件已损坏（工作簿结构不完整）：{RESAVE}") from exc
    if kind == "xlsx":
        try:
            facts = _xlsx_facts(data)
        except (KeyError, zipfile.BadZipFile, ElementTree.ParseError, ValueError) as exc:
            raise Unreadable(f"文件已损坏（工作簿结构不完整）：{RESAVE}") from exc
    grids, hidden_sheets = [], []
    for meta in book.sheets_metadata:
        if str(meta.visible) != str(pc.SheetVisibleEnum.Visible):
            hidden_sheets.append(meta.name)
        try:
            sheet = book.get_sheet_by_name(meta.name)
            cells = sheet.to_python(skip_empty_area=False)  # empty cells are ""
            merged_ranges = sheet.merged_cell_ranges or []
        except BaseException as exc:
            if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                raise
            raise Unreadable(f"工作表“{meta.name}”已损坏，无法读取：{RESAVE}") from exc
        merged = tuple((r1 + 1, c1 + 1, r2 + 1, c2 + 1) for (r1, c1), (r2, c2) in merged_ranges)
        hidden_rows, formulas = facts.get(meta.name, (frozenset(), {}))
        if meta.name in ods:
            hidden_rows, merged = ods[meta.name]
        grids.append(SheetGrid(meta.name, cells, hidden_rows, merged, formulas))
    return grids, hidden_sheets


# --- CSV -------------------------------------------------------------------------------------------------
def _csv_grid(path: Path) -> SheetGrid:
    """The records as Excel shows them: a quoted line break stays inside its cell."""
    try:
        text = read_csv_text(path)
    except InputError as exc:
        raise Unreadable(exc.problems[0].message) from exc
    if not text.strip():
        raise Unreadable("文件是空的（没有任何内容）：请重新导出或重新报送")
    sample = text[:4096]
    delimiter = max((",", "\t", ";"), key=sample.count)
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as exc:
        raise Unreadable(f"CSV 格式有误（{exc}）：请用 Excel/WPS 重新导出") from exc
    cells: list[list[object]] = [[None if v == "" else v for v in r] for r in records]
    return SheetGrid(None, cells)


def _ragged(table: Table, header: Header, grid: SheetGrid) -> None:
    """A CSV record with another number of fields than its header cannot be split into columns safely.
    (Only when nearly every record carries the same empty fields after the header's do those not count.)"""
    width = len(grid.cells[header.last])
    records = [grid.cells[number - 1] for number in table.numbers]
    lengths = Counter(len(r) for r in records)
    usual = max(lengths, key=lambda n: (lengths[n], n)) if lengths else width
    padded = usual > width and lengths[usual] * 10 >= len(records) * 9
    for index, record in enumerate(records):
        n = len(record)
        if n == width or (padded and n == usual and all(blank(v) for v in record[width:])):
            continue
        why = f"列数不对：表头有 {width} 列，这一行有 {n} 列（姓名或地址中可能有未加引号的逗号），无法确定各值属于哪一列"
        table.add_problem(index, None, why)


# --- one file ----------------------------------------------------------------------------------------------
def read_registry_file(path: Path, schema: RegistrySchema, name: str | None = None) -> FileRead:
    """Every registry sheet of one file as a table; a file that cannot be read gives its reason. `name` is
    how messages name the file (default: its path as the user would type it)."""
    name = name or display_path(path)
    result = FileRead(name, path)
    try:
        data = path.read_bytes()
        kind = _kind(path, data)
        if kind == "csv":
            grids, hidden_sheets = [_csv_grid(path)], list[str]()
        else:
            grids, hidden_sheets = _workbook_grids(path, data, kind)
        _tables(name, schema, grids, hidden_sheets, kind == "csv", result)
    except Unreadable as exc:
        result.tables, result.error = [], Problem(name, f"无法读取：{exc}")
    except OSError as exc:
        result.tables, result.error = [], Problem(name, f"无法读取：打开文件时出错（{exc.strerror}）")
    return result


def _tables(
    name: str,
    schema: RegistrySchema,
    grids: list[SheetGrid],
    hidden_sheets: list[str],
    csv_file: bool,
    result: FileRead,
) -> None:
    template = {t.strip() for t in schema.template_sheets}
    others = []
    for grid in grids:
        if grid.title is not None and grid.title.strip() in template:
            continue
        if all(blank(v) for row in grid.cells for v in row):
            continue
        header = find_header(schema, grid.cells)
        if header is None:
            others.append(grid.title)
            continue
        missing = [c.header for c in header.sheet.needed if c.key not in header.keys]
        if missing:
            raise Unreadable(
                ("" if grid.title is None else f"工作表“{grid.title}”")
                + f"缺少必填列：{'、'.join(missing)}（表头在第 {grid.number(header.first)} 行，"
                f"应包含：{'、'.join(c.header for c in header.sheet.needed)}）"
            )
        table = build_table(name, grid, header)
        if csv_file:
            _ragged(table, header, grid)
        if grid.title in hidden_sheets:
            table.notices.append(Problem(name, "这个工作表在 Excel 中被隐藏，已照常读入", sheet=grid.title))
        result.tables.append(table)
    if not result.tables:
        if not others:
            raise Unreadable("文件里没有数据：所有工作表都是空的")
        wanted = "、".join(c.header for c in schema.cases.needed[:5])
        raise Unreadable(
            f"没有找到台账表头：前 10 行中应有 {wanted} 等列（或联系记录的 个案编号、联系日期 等列）"
        )
    for title in others:
        result.notices.append(
            Problem(name, f"工作表“{title}”不是台账（前 10 行中没有台账表头），未读取", sheet=title)
        )
