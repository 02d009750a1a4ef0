"""Input errors that name where the problem is, in Chinese, for the people who fix the input."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class Problem:
    """One problem in one input file; every field that is known is shown."""

    file: str
    message: str
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    line: int | None = None

    def __str__(self) -> str:
        where = [f"文件 {self.file}"]
        if self.sheet is not None:
            where.append(f"工作表 “{self.sheet}”")
        if self.line is not None:
            where.append(f"第 {self.line} 行")
        if self.row is not None:
            where.append(f"第 {self.row} 行")
        if self.column is not None:
            where.append(f"列 “{self.column}”")
        text = "，".join(where) + "：" + self.message
        if self.value is not None:
            text += f"（值：{self.value!r}）"
        return text


class InputError(Exception):
    """Input that cannot be used; the build stops with a non-zero exit."""

    def __init__(self, problems: list[Problem] | Problem):
        self.problems = problems if isinstance(problems, list) else [problems]
        super().__init__("\n".join(str(p) for p in self.problems))


def display_path(path: Path, root: Path | None = None) -> str:
    """A path as the user would type it: relative to the project when it lies inside it."""
    try:
        return str(path.resolve().relative_to((root or Path.cwd()).resolve()))
    except ValueError:
        return str(path)
