"""Model: task division tables (任务分工表 / 责任分工表) as text converted from Word or WPS gives them: one row
per line, cells separated by tabs, runs of spaces or bars; a header row says what each column holds
(data/vocabulary.yaml `table_columns` and the role words). Cells are aligned to the header even where an
empty cell was lost in the conversion."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from generators.policy.vocabulary import Vocabulary

CELL_SEPARATOR = re.compile(r"\t+|[ \u3000]{2,}|\s*[|｜]\s*")
INDEX = re.compile(r"^[0-9０-９一二三四五六七八九十]{1,3}[.、．]?$")
RULE_CELL = re.compile(r"^[-—:：=+]+$")  # |---|---| under a header
# A cell that says when: a date, a month, or an ongoing term (长期坚持, 持续推进).
TIME_CELL = re.compile(r"\d{4}|[0-9０-９一二三四五六七八九十]+月|年底|年末|长期|持续|常态|随时|立即")


def table_cells(text: str) -> list[str]:
    return [c.strip() for c in CELL_SEPARATOR.split(text.strip(" |｜")) if c.strip()]


@dataclass(frozen=True)
class Column:
    kind: str | None  # index | task | lead | responsible | deadline | None (a column we do not read)
    name: str  # the header cell as written (牵头单位, 责任单位（配合单位）)


@dataclass(frozen=True)
class Row:
    """One row: the task (its first text cell as title, all text cells as its wording), the unit cells
    with their columns, and the deadline cells."""

    title: str
    text: str
    units: tuple[tuple[Column, str], ...]
    deadlines: tuple[str, ...]


def header_of(cells: list[str], vocabulary: Vocabulary) -> list[Column] | None:
    """The columns, when the cells are a header: a task column and a role column (a task table), or a
    duty column and a unit or role column (a duty table: 单位 / 主要职责)."""
    columns = [Column(vocabulary.column_kind(c), c) for c in cells]
    kinds = {c.kind for c in columns}
    if len(cells) >= 2 and "duty" in kinds and {"unit", "lead", "responsible"} & kinds:
        return [Column("unit", c.name) if c.kind in ("lead", "responsible") else c for c in columns]
    if len(cells) >= 3 and "task" in kinds and {"lead", "responsible", "unit"} & kinds:
        # 工作任务 / 实施单位 (a unit column without a role word): the units carry it out
        return [Column("responsible", c.name) if c.kind == "unit" else c for c in columns]
    return None


def is_duty_table(header: list[Column]) -> bool:
    return any(c.kind == "duty" for c in header)


def fits(kind: str | None, cell: str, reads_as_units: Callable[[str], bool]) -> bool:
    """Whether a cell can stand in a column of this kind (to place cells where an empty one was lost)."""
    if kind == "index":
        return is_index(cell)
    if kind in ("lead", "responsible", "unit"):
        return reads_as_units(cell)
    if kind == "deadline":
        return bool(TIME_CELL.search(cell))
    if kind in ("task", "duty"):
        return not is_index(cell) and not reads_as_units(cell)
    return True


def join_wrapped(first_line: str, second_line: str, header: list[Column]) -> str | None:
    """A row whose task cell the conversion broke over two lines (`1  建立台账，每季度` / `更新一次  县民政局
    …`): the two lines' cells make one row when the broken cell is joined."""
    first, second = table_cells(first_line), table_cells(second_line)
    if not (0 < len(first) < len(header) and 0 < len(second) < len(header)):
        return None
    if len(first) + len(second) - 1 != len(header) or is_index(second[0]):
        return None
    if header[0].kind == "index" and not is_index(first[0]):
        return None
    return first_line + second_line


def align(text: str, header: list[Column], reads_as_units: Callable[[str], bool]) -> list[str]:
    """The row's cells, one per column ("" where a cell is empty). Tabs keep empty cells; where cells are
    still missing, each cell goes to the first column it fits; extra cells (a task with a run of spaces
    inside) join the task cell. `reads_as_units(cell)` says whether a cell names units."""
    cells = table_cells(text)
    if "\t" in text:
        raw = [c.strip() for c in text.strip(" |｜\t").split("\t")]
        if len(raw) == len(header):
            return raw
    if len(cells) > len(header) and any(c.kind == "task" for c in header):
        at = next(i for i, c in enumerate(header) if c.kind == "task")
        extra = len(cells) - len(header)
        return cells[:at] + ["".join(cells[at : at + extra + 1])] + cells[at + extra + 1 :]
    if len(cells) == len(header):
        return cells
    out = [""] * len(header)
    j = 0
    for i, cell in enumerate(cells):
        while (
            j < len(header)
            and len(cells) - i < len(header) - j
            and not fits(header[j].kind, cell, reads_as_units)
        ):
            j += 1
        if j == len(header):
            break
        out[j] = cell
        j += 1
    return out


def read_row(cells: list[str], header: list[Column]) -> Row | None:
    """The row's task (in a duty table: its duty) with the unit cells and deadline cells."""
    text_kind = "duty" if is_duty_table(header) else "task"
    texts = [cell for col, cell in zip(header, cells) if col.kind == text_kind and cell]
    if not texts:
        return None
    unit_kinds = ("lead", "responsible", "unit")
    units = tuple((col, cell) for col, cell in zip(header, cells) if col.kind in unit_kinds and cell)
    deadlines = tuple(cell for col, cell in zip(header, cells) if col.kind == "deadline" and cell)
    return Row(texts[0], "：".join(texts), units, deadlines)


def is_index(cell: str) -> bool:
    return bool(INDEX.match(cell.strip()))
