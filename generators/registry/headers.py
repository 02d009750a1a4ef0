"""Load: a sheet's grid of cells → a table of rows under the schema's column keys.

The header is the first of the first ten rows that names enough of a sheet's columns, in any of the
spellings the schema lists; rows above it are titles. A header of two rows (a band such as 基本信息 over
姓名/性别, or a name merged down over both rows) is read as one. Columns that are not recognised are named
in a notice; rows below the header are rows unless every cell is blank.
"""

from __future__ import annotations

import pickle
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from openpyxl.utils import get_column_letter

from generators.core.errors import Problem
from generators.registry.model import RowRef
from generators.registry.schema import Column, RegistrySchema, SheetSchema, header_key

HEADER_ROWS = 10  # the header must start within the first ten rows
BRACKETED = re.compile(r"（[^（）]*）")


@dataclass(slots=True)
class RawRow:
    """One row as read, as a table hands it out: its cells under the table's columns."""

    ref: RowRef
    cells: tuple[object, ...]
    columns: dict[str, int]  # column key → position in `cells`
    problems: tuple[tuple[str | None, str], ...] = ()  # (column key, why) found while reading
    hidden: bool = False

    def get(self, key: str) -> object:
        at = self.columns.get(key)
        return None if at is None else self.cells[at]

    @property
    def values(self) -> dict[str, object]:
        """Column key → cell value as read."""
        return dict(zip(self.columns, self.cells, strict=True))


Problems = tuple[tuple[str | None, str], ...]


@dataclass
class Table:
    """A sheet's data rows, held as columns (a list of values per column key, row numbers, the few
    problems and hidden rows) rather than an object per row: a county's registry is read in worker
    processes and crosses to the build as these lists, which cost a fraction of row objects to make, to
    send and to keep."""

    file: str
    sheet: str | None
    schema: SheetSchema
    headers: dict[str, str]  # column key → how problems name the column: 公民身份号码（表头“身份证号”，J 列）
    data: dict[str, list[object]]  # column key → each row's value as read, in the sheet's column order
    numbers: list[int]  # each row's number as staff see it
    problems: dict[int, Problems] = field(default_factory=dict)  # row index → found while reading
    hidden: frozenset[int] = frozenset()  # indexes of rows hidden in Excel
    notices: list[Problem] = field(default_factory=list)
    parsed: object = None  # the rows' values as meant, when parsed where the file was read (validate.py)
    packed: bytes | None = None  # the rows above, pickled while the table waits for validation (`pack`)
    distinct: dict[tuple[str, ...], tuple] = field(default_factory=dict)  # of a packed table (`pack`)
    # A packed table's rows let go while a copy is kept elsewhere: `reload` gives them back (`spill`).
    reload: Callable[[], bytes] | None = field(default=None, repr=False, compare=False)

    def __len__(self) -> int:
        return len(self.numbers)

    def ref(self, index: int) -> RowRef:
        return RowRef(self.file, self.sheet, self.numbers[index])

    def values(self, index: int) -> dict[str, object]:
        """One row's values as read, by column key."""
        return {k: column[index] for k, column in self.data.items()}

    def row(self, index: int) -> RawRow:
        columns = {k: i for i, k in enumerate(self.data)}
        cells = tuple(column[index] for column in self.data.values())
        return RawRow(self.ref(index), cells, columns, self.problems.get(index, ()), index in self.hidden)

    @property
    def rows(self) -> list[RawRow]:
        """Every row as an object (made on each call: for a look at a few tables, not a county's)."""
        return [self.row(i) for i in range(len(self.numbers))]

    def column(self, key: str) -> list[object]:
        """The values of one column, as read (None for each row when the sheet has no such column)."""
        found = self.data.get(key)
        return [None] * len(self.numbers) if found is None else found

    def add_problem(self, index: int, key: str | None, why: str) -> None:
        self.problems[index] = (*self.problems.get(index, ()), (key, why))

    def pack(self, keep: tuple[tuple[str, ...], ...] = ()) -> None:
        """Hold the rows as one pickled bytes object until they are validated (`unpack`), and the distinct
        values of the columns (or tuples of columns) `keep`: what is looked at before. A county's cells,
        made into objects all at once in the build process and dropped among the cases it keeps, scattered
        its memory so that little of it went back; unpacked one table at a time, they take the same few
        blocks again and again."""
        if self.packed is not None:
            return
        # As tuples, in the order the rows first hold them: a county's files wait with these until its month
        # is chosen, and a set of a sheet's contact dates is six times the size of the same values in a tuple.
        self.distinct = {keys: tuple(dict.fromkeys(self._zipped(keys))) for keys in keep}
        rows = (self.data, self.numbers, self.problems, self.parsed)
        self.packed = pickle.dumps(rows, protocol=pickle.HIGHEST_PROTOCOL)
        self.data, self.numbers, self.problems, self.parsed = {k: [] for k in self.data}, [], {}, None

    def __getstate__(self) -> dict:
        if self.reload is not None:  # its rows are elsewhere: a copy would have none
            raise pickle.PicklingError("a table whose rows were let go (`spill`) is neither sent nor kept")
        return self.__dict__

    def spill(self, reload: Callable[[], bytes]) -> None:
        """Let a packed table's rows go where a copy of them is kept (the read cache): a county's files seldom
        need validating together, and their rows, held until then, were the import's peak of memory.
        `reload` gives them back, should they be needed (`unpack`)."""
        if self.packed is not None:
            self.packed, self.reload = None, reload

    def share_values(self, shared: dict[tuple[type, object], object]) -> None:
        """A packed table's distinct values replaced by the equal ones in `shared` (of the same type: 1 and
        1.0 are two values), which it adds its own to: the county's files hold the same few hundred dates,
        each file's unpickled as objects of its own otherwise."""
        self.distinct = {
            keys: tuple(shared.setdefault((value.__class__, value), value) for value in values)
            for keys, values in self.distinct.items()
        }

    def chosen(self) -> None:
        """The month's files are chosen: a spilled table's distinct values, looked at for that, let go (its
        rows, should they be needed, come back with their own)."""
        if self.reload is not None:
            self.distinct = {}

    def unpack(self) -> None:
        packed = self.packed if self.reload is None else self.reload()
        if packed is not None:
            self.data, self.numbers, self.problems, self.parsed = pickle.loads(packed)
            self.packed, self.distinct, self.reload = None, {}, None

    def values_of(self, *keys: str) -> set:
        """The distinct values of one column, or of a tuple of columns (kept by `pack` for a packed table)."""
        if self.packed is not None or self.reload is not None:
            return set(self.distinct[keys])
        return set(self._zipped(keys))

    def _zipped(self, keys: tuple[str, ...]) -> Iterable[object]:
        if len(keys) == 1:
            return self.column(keys[0])
        return zip(*(self.column(k) for k in keys), strict=True)

    def release(self) -> None:
        """Let the rows go (validated: a county's tables need not all be held at once), packed or not."""
        self.data = {k: [] for k in self.data}
        self.numbers, self.problems, self.parsed = [], {}, None
        self.packed, self.distinct, self.reload = None, {}, None


@dataclass(frozen=True)
class SheetGrid:
    """One sheet as read: cell values (None for empty), and the facts that only the file format knows."""

    title: str | None
    cells: Sequence[Sequence[object]]
    hidden_rows: frozenset[int] = frozenset()  # 1-based row numbers
    merged: tuple[tuple[int, int, int, int], ...] = ()  # (first row, first col, last row, last col), 1-based
    formulas: dict[tuple[int, int], str] = field(default_factory=dict)  # (row, col) 1-based → formula
    row_numbers: tuple[int, ...] | None = None  # when rows are not numbered 1, 2, 3 … (CSV records)

    def number(self, index: int) -> int:
        return self.row_numbers[index] if self.row_numbers is not None else index + 1


def blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _filled(line: Sequence[object], ignored: set[int]) -> bool:
    """Whether a row holds anything but blanks (a 序号 alone does not count)."""
    for i, v in enumerate(line):
        if v is not None and not (type(v) is str and (not v or v.isspace())) and i not in ignored:
            return True
    return False


def recognise(sheet: SheetSchema, text: object) -> str | None:
    """The column key a header cell names ("" for a column read past on purpose), or None."""
    if blank(text):
        return None
    known = sheet.spellings
    key = header_key(text)
    for candidate in (key, BRACKETED.sub("", key), key.replace("（", "").replace("）", "")):
        if candidate in known:
            return known[candidate]
    return None


def _match(sheet: SheetSchema, cells: Sequence[object]) -> dict[int, str]:
    """Column position → key, for cells of one row that name a column; the first of two spellings of
    the same column wins."""
    out: dict[int, str] = {}
    for i, cell in enumerate(cells):
        key = recognise(sheet, cell)
        if key is not None and (key == "" or key not in out.values()):
            out[i] = key
    return out


@dataclass(frozen=True)
class Header:
    sheet: SheetSchema
    first: int  # grid index of the header's first row
    last: int  # … and of its last row (the same for a one-row header)
    positions: dict[int, str]  # column position → key ("" for 序号)

    @property
    def keys(self) -> set[str]:
        return {k for k in self.positions.values() if k}


def _enough(sheet: SheetSchema, positions: dict[int, str]) -> bool:
    found = sum(1 for k in positions.values() if k)
    return found >= max(3, len(sheet.needed) // 2)


def _header_at(sheet: SheetSchema, grid: Sequence[Sequence[object]], i: int) -> Header | None:
    upper = _match(sheet, grid[i])
    if not any(upper.values()):
        return None
    if i + 1 < len(grid):
        lower = _match(sheet, grid[i + 1])
        taken = set(upper.values())
        extra = {p: k for p, k in lower.items() if k and p not in upper and k not in taken}
        if len(extra) >= 2:
            return Header(sheet, i, i + 1, {**upper, **extra})
    return Header(sheet, i, i, upper)


def find_header(schema: RegistrySchema, grid: Sequence[Sequence[object]]) -> Header | None:
    """The first header within the first ten rows, of the sheet kind it names best."""
    for i in range(min(HEADER_ROWS, len(grid))):
        found = [h for s in schema.sheets if (h := _header_at(s, grid, i)) and _enough(s, h.positions)]
        if found:
            return max(found, key=lambda h: len(h.keys))
    return None


def column_label(column: Column, written: object, position: int) -> str:
    """How a problem names a column: its schema name, the header as written when it differs, its letter."""
    letter = get_column_letter(position + 1)
    text = str(written).strip() if not blank(written) else ""
    if not text or header_key(text) == header_key(column.header):
        return f"{column.header}（{letter} 列）"
    return f"{column.header}（表头“{text}”，{letter} 列）"


def _written(grid: Sequence[Sequence[object]], header: Header, p: int) -> object:
    for index in (header.last, header.first):
        row = grid[index]
        if p < len(row) and not blank(row[p]) and recognise(header.sheet, row[p]) is not None:
            return row[p]
    for index in (header.last, header.first):
        if p < len(grid[index]) and not blank(grid[index][p]):
            return grid[index][p]
    return None


def build_table(file: str, grid: SheetGrid, header: Header) -> Table:
    """Rows below the header under their column keys, with what reading found about each row."""
    sheet, cells = header.sheet, grid.cells
    columns = {c.key: c for c in sheet.columns}
    headers = {
        k: column_label(columns[k], _written(cells, header, p), p) for p, k in header.positions.items() if k
    }
    notices = []
    title = grid.title
    width = max((len(r) for r in cells), default=0)
    ignored = {p for p, k in header.positions.items() if not k}
    for p in sorted(ignored):
        notices.append(
            Problem(file, f"列“{_written(cells, header, p)}”是顺序号，不是个案编号，未读取", sheet=title)
        )
    for p in range(width):
        if p in header.positions:
            continue
        text = _written(cells, header, p)
        if not blank(text):
            again = recognise(sheet, text)
            why = f"与“{columns[again].header}”列重复" if again else "未识别"
            notices.append(
                Problem(
                    file,
                    f"列“{str(text).strip()}”（{get_column_letter(p + 1)} 列）{why}，未读取",
                    sheet=title,
                )
            )
        elif any(p < len(r) and not blank(r[p]) for r in cells[header.last + 1 :]):
            notices.append(
                Problem(file, f"{get_column_letter(p + 1)} 列没有表头，其中的内容未读取", sheet=title)
            )
    for c in sheet.columns:
        if c.key not in header.keys and c.required and c.warns:
            notices.append(Problem(file, f"没有“{c.header}”列：各行按未填处理", sheet=title))
    merged: dict[int, list[tuple[str | None, str]]] = {}
    first_data = grid.number(header.last + 1) if header.last + 1 < len(cells) else None
    for r1, c1, r2, c2 in grid.merged:
        if r1 == r2 or first_data is None or r2 < first_data:
            continue
        covered = [header.positions.get(c - 1) for c in range(c1, c2 + 1)]
        key = next((k for k in covered if k), None)
        ref = f"{get_column_letter(c1)}{r1}:{get_column_letter(c2)}{r2}"
        for r in range(max(r1, first_data), r2 + 1):
            merged.setdefault(r, []).append(
                (
                    key,
                    f"单元格 {ref} 是合并单元格：合并后只有第一行有值，其余行无法确定，请取消合并并逐行填写",
                )
            )
    numbers: list[int] = []
    lines = []
    for index in range(header.last + 1, len(cells)):
        line = cells[index]
        if _filled(line, ignored):
            lines.append(line)
            numbers.append(grid.number(index))
    keyed = [(p, k) for p, k in header.positions.items() if k]
    reach = max((p for p, _ in keyed), default=0)
    square = all(len(line) > reach for line in lines)
    data: dict[str, list[object]] = {}
    for p, k in keyed:
        data[k] = (
            [line[p] for line in lines] if square else [line[p] if p < len(line) else None for line in lines]
        )
    problems: dict[int, Problems] = {}
    at_number = {n: i for i, n in enumerate(numbers)} if merged or grid.formulas else {}
    for number in sorted(merged):
        if number in at_number:
            problems[at_number[number]] = tuple(merged[number])
    formula_rows = sorted({n for n, _ in grid.formulas if n in at_number})
    for number in formula_rows:
        index = at_number[number]
        for p, k in header.positions.items():
            formula = grid.formulas.get((number, p + 1))
            if k and formula is not None:
                why = (
                    f"是公式（{formula}），但文件里没有计算结果：请在 Excel/WPS 中打开并保存，或改为填写数值"
                )
                problems[index] = (*problems.get(index, ()), (k, why))
                data[k][index] = None
    hidden = frozenset(i for i, n in enumerate(numbers) if n in grid.hidden_rows)
    return Table(file, grid.title, sheet, headers, data, numbers, problems, hidden, notices)
