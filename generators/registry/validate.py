"""Load: raw rows → validated cases and contacts, the rows refused with their reasons, and the values
left out with a warning.

Every data row read is either accepted or rejected; nothing is dropped. Whether a bad value refuses the
row or only warns is the schema's (`on_bad`). Places are checked against the county's list; a case is
identified by (township, village, case number), so villages may each number from 0001. Problems printed
on the console show personal values masked; the full values go to the restricted rejected-rows workbook.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import gc
import hashlib
import operator
import pickle
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from generators.core.errors import InputError, Problem, display_path
from generators.core.executor import SerialExecutor
from generators.core.months import age_on
from generators.policy.model import PolicyModel
from generators.privacy.masking import mask_name
from generators.registry.cells import CellError, cell_parser, control_character, id_birth_date
from generators.registry.folder import Listing, file_name, registry_files, village_of_path
from generators.registry.headers import Table
from generators.registry.local_rules import CountyRules
from generators.registry.model import Case, ContactLog, RowRef
from generators.registry.places import PlaceList
from generators.registry.read_cache import ReadCache
from generators.registry.readers import FileRead, read_registry_file
from generators.registry.schema import Column, RegistrySchema
from generators.registry.submissions import FileOutcome, month_tables, select

MAX_PLACE = 64
CONTACT_FIELDS = {"case_id", "date", "method", "by", "note"}  # a contact's fields that come from its row
EXIT_UNREADABLE = 3  # the build published, but a file or a village could not be read


@dataclass(frozen=True)
class RejectedRow:
    ref: RowRef
    kind: str  # cases | contacts
    values: dict[str, object]  # as read, in full (restricted output only)
    problems: tuple[Problem, ...]  # personal values masked


@dataclass(frozen=True)
class RowWarning:
    """A value left out of an accepted row: the problem (personal values masked) and the value in full."""

    problem: Problem
    value: object = None


@dataclass
class RegistryImport:
    cases: list[Case]
    contacts: ContactLog
    rejected: list[RejectedRow]
    notes: list[Problem]  # file-level notices, and accepted rows that deserve a look (hidden, aged out)
    read: dict[tuple[str, str | None, str], int]  # (file, sheet, kind) → data rows read
    warnings: list[RowWarning] = field(default_factory=list)
    files: list[FileOutcome] = field(default_factory=list)
    unreadable: list[tuple[str, str]] = field(default_factory=list)  # (township, village) not read this month

    def accepted_count(self, file: str, sheet: str | None, kind: str) -> int:
        if kind == "contacts":
            return self.contacts.sheets[(file, sheet)]
        return sum(1 for r in self.cases if r.source.file == file and r.source.sheet == sheet)

    def rejected_count(self, file: str, sheet: str | None, kind: str) -> int:
        return sum(1 for r in self.rejected if r.ref.file == file and r.ref.sheet == sheet and r.kind == kind)

    @property
    def failed_files(self) -> list[FileOutcome]:
        return [f for f in self.files if f.outcome == "file-error"]

    @property
    def exit_code(self) -> int:
        """0, or EXIT_UNREADABLE when a file or a village could not be read (the rest is published)."""
        return EXIT_UNREADABLE if self.failed_files or self.unreadable else 0


# --- how a value is shown on the console -------------------------------------------------------------
CONTROLS = {i: "?" for i in (*range(32), *range(0x7F, 0xA0))}  # never sent to a terminal as they are


def _mask_digits(text: str, head: int, tail: int = 0) -> str:
    """Digits beyond the first `head` and before the last `tail` as *; other characters kept."""
    total = sum(ch.isdigit() for ch in text)
    out, seen = [], 0
    for ch in text:
        if ch.isdigit():
            seen += 1
            ch = ch if seen <= head or seen > total - tail else "*"
        out.append(ch)
    return "".join(out)


def shown(column: Column | None, value: object) -> str | None:
    """A cell value as console messages may show it: personal values masked, place cells too (an unknown
    place may be a name typed in the wrong column), control characters as ?."""
    if value is None:
        return None
    text = (value.isoformat() if isinstance(value, dt.date) else str(value)).translate(CONTROLS)
    if column is None or not (column.pii or column.type == "place"):
        return text
    if column.type in ("phone", "id_number"):
        return _mask_digits(text, 3, 2)
    if column.type == "date":
        return _mask_digits(text, 4)
    if len(text) > 8:
        return text[0] + "*" * 6 + text[-1]
    return mask_name(text)


# --- one row -----------------------------------------------------------------------------------------
@dataclass(slots=True)
class _Row:
    table: Table
    index: int  # in the table
    values: dict[str, Any] = field(default_factory=dict)
    rejects: list[Problem] | None = None  # made when needed: most rows have none
    warns: list[RowWarning] | None = None

    @property
    def file(self) -> str:
        return self.table.file

    def problem(self, key: str | None, message: str, value: object = None) -> Problem:
        column = self.table.schema.by_key[key] if key else None
        return Problem(
            self.table.file,
            message,
            sheet=self.table.sheet,
            row=self.table.numbers[self.index],
            column=self.table.headers.get(key, column.header) if key and column else None,
            value=shown(column, value),
        )

    def reject(self, key: str | None, message: str, value: object = None) -> None:
        if self.rejects is None:
            self.rejects = []
        self.rejects.append(self.problem(key, message, value))

    def warn(self, key: str, message: str, value: object = None) -> None:
        if self.warns is None:
            self.warns = []
        self.warns.append(RowWarning(self.problem(key, message, value), value))

    def bad(self, column: Column, message: str, value: object = None) -> None:
        (self.warn if column.warns else self.reject)(column.key, message, value)


@dataclass(frozen=True)
class _Reader:
    """A column's cell reader: (value as meant, whether the row must look closer — an empty required
    cell, a value that could not be read, a word that is no name)."""

    column: Column
    parse: Callable[[object], object]

    @classmethod
    def of(cls, column: Column) -> _Reader:
        return cls(column, cell_parser(column))

    def read(self, value: object) -> tuple[object, bool]:
        column = self.column
        if value is None or (type(value) is str and (not value or value.isspace())):
            return None, column.required
        if type(value) is str and (ctrl := control_character(value)):
            return ControlCharacter(
                f"含有控制字符 {ctrl}（从别的系统复制时带入的不可见字符）：请删除后重新录入"
            ), True
        try:
            parsed = self.parse(value)
        except CellError as exc:
            return exc, True
        if parsed is None:
            return None, column.required
        if column.not_names and column.not_a_name(str(parsed)):
            return NotAName(f"应填姓名，这里填的是“{parsed}”，已略去（关系请填在相应的关系列）"), True
        return parsed, False


class ControlCharacter(CellError):
    """A cell holding a control character: the row is refused whatever the column."""


class NotAName(CellError):
    """A name column holding a relation or a placeholder (父亲, 无): warned, left out."""


Present = list[tuple[str, list[object], _Reader, dict | None]]


def _parse(row: _Row, present: Present) -> None:
    """Each cell of the row (`present`: the columns the sheet has, their values, readers and what each
    distinct value was read as, when known) as meant, or why not, with what the row is refused or warned
    for."""
    table, index = row.table, row.index
    read = table.problems.get(index, ())
    values = row.values
    closer = None
    for key, cells, reader, meant in present:
        value = cells[index]
        parsed, look = reader.read(value) if meant is None else meant[value]
        values[key] = parsed
        if look:
            closer = closer or []
            closer.append((reader.column, value))
    if not closer and not read:
        return
    read_problems = {k for k, _ in read}
    for where, message in read:
        row.reject(where, message)
    empty: list[Column] = []
    for column, value in closer or ():
        key = column.key
        parsed = values[key]
        values[key] = None
        if key in read_problems:
            continue
        if parsed is None:
            empty.append(column)
        elif isinstance(parsed, ControlCharacter):
            row.reject(key, str(parsed), value)
        elif isinstance(parsed, NotAName):
            row.warn(key, str(parsed), value)
        else:
            row.bad(column, str(parsed) + ("，已略去" if column.warns else ""), value)
    for where in read_problems:
        if where:
            values[where] = None
    rejecting = [c for c in empty if not c.warns and None not in read_problems]
    if len(rejecting) > 1:
        row.reject(None, f"多个必填项为空：{'、'.join(c.header for c in rejecting)}")
    elif rejecting:
        row.reject(rejecting[0].key, "必填项为空")
    for c in empty:
        if c.warns:
            row.warn(c.key, "必填项为空" + ("，已按身份证号取性别" if c.key == "gender" else ""))


def _unsafe_place(text: str) -> str | None:
    if "/" in text or "\\" in text or ".." in text:
        return "不在本县地名表中，且含有不允许的字符（/、\\ 或 ..）：地名中不能有路径符号"
    if len(text) > MAX_PLACE:
        return f"不在本县地名表中：过长（{len(text)} 个字符；地名不超过 {MAX_PLACE} 个字符）"
    return None


def _places(row: _Row, places: PlaceList, memo: dict) -> tuple[str, str] | None:
    """The canonical (township, village) of a case row, or None with the row rejected. `memo` keeps the
    list's answers: a file names its few places thousands of times."""
    town, village = row.values.get("township"), row.values.get("village")
    if (town, village) in memo:
        row.values["township"], row.values["village"] = memo[(town, village)]
        return memo[(town, village)]
    if town is None or village is None:
        return None
    unsafe = [
        (k, text, why)
        for k, text in (("township", town), ("village", village))
        if (why := _unsafe_place(text))
    ]
    for key, text, why in unsafe:
        row.reject(key, why, text)
    if unsafe:
        return None
    t = places.township(town)
    if t is None:
        row.reject("township", "不在本县地名表中：请写地名表中的乡镇（街道）名称或其认可的写法", town)
        return None
    v = places.village(t, village)
    if v is None:
        elsewhere = sorted(tw.name for tw in places.townships if places.village(tw.name, village) is not None)
        hint = f"（{'、'.join(elsewhere)}有这个村（社区）：乡镇一栏是否填错？）" if elsewhere else ""
        row.reject("village", f"不在本县地名表中：{t}没有这个村（社区）{hint}", village)
        return None
    row.values["township"], row.values["village"] = t, v
    memo[(town, village)] = (t, v)
    return t, v


# --- cases and contacts ------------------------------------------------------------------------------
@dataclass
class _Context:
    places: PlaceList
    rules: CountyRules
    group_ids: dict[str, str]
    as_of: dt.date
    ids: dict[str, tuple[RowRef, str]] = field(default_factory=dict)
    # the accepted cases, (township, village) → case number → case: a contact's case in one look
    accepted: dict[tuple[str, str], dict[str, Case]] = field(default_factory=dict)
    file_villages: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    memo: dict[tuple[str, str], tuple[str, str]] = field(default_factory=dict)
    seen_ids: set[object] = field(default_factory=set)  # every ID number checked against the others


def _check_case(row: _Row, ctx: _Context) -> None:
    v = row.values
    place = _places(row, ctx.places, ctx.memo)
    if place:
        ctx.file_villages.setdefault(row.file, set()).add(place)
    if row.rejects:
        return
    if (same := ctx.accepted.get(place, {}).get(v["case_id"])) is not None:  # type: ignore[arg-type]
        first = same.source
        row.reject(
            "case_id",
            f"个案编号与 {first.file} 第 {first.row} 行重复（同一村（社区）内个案编号不能重复）",
            v["case_id"],
        )
    ctx.seen_ids.add(v["id_number"])
    if v["id_number"] in ctx.ids:
        other, village = ctx.ids[v["id_number"]]
        row.reject("id_number", f"身份证号与 {other.file} 第 {other.row} 行（{village}）重复", v["id_number"])
    if id_birth_date(v["id_number"]) != v["birth_date"]:
        row.reject("birth_date", "出生日期与身份证号中的出生日期不一致", v["birth_date"])
    by_id = "男" if int(v["id_number"][16]) % 2 else "女"
    if v["gender"] is not None and v["gender"] != by_id:
        row.warn("gender", f"与身份证号不符（身份证号为“{by_id}”），已按身份证号取性别", v["gender"])
    v["gender"] = by_id
    for k in ("birth_date", "entry_date", "exit_date"):
        if v[k] and v[k] > ctx.as_of:
            row.reject(k, f"日期晚于统计截止日 {ctx.as_of}", v[k])
    if v["entry_date"] < v["birth_date"]:
        row.reject("entry_date", "纳入日期早于出生日期", v["entry_date"])
    if v["exit_date"] and v["exit_date"] < v["entry_date"]:
        row.reject("exit_date", "退出日期早于纳入日期", v["exit_date"])
    if v["exit_date"] and not v["exit_reason"]:
        row.reject("exit_reason", "填写了退出日期，退出原因必填")
    if v["exit_reason"] and not v["exit_date"]:
        row.reject("exit_reason", "填写了退出原因，但没有退出日期", v["exit_reason"])
    rule = ctx.rules.of(v["township"]).ages[ctx.group_ids[v["group"]]]  # the township's documents
    age = age_on(v["birth_date"], v["entry_date"])
    if v["entry_date"] >= v["birth_date"] and not rule.admits(age):
        where = "（法定）" if rule.source is None else f"（依据 {rule.source}）"
        row.reject(
            "birth_date",
            f"纳入时 {age} 周岁，不在“{v['group']}”的年龄界限内：{rule.describe()}{where}",
            v["birth_date"],
        )


def _find_case(row: _Row, ctx: _Context, path_village: tuple[str, str] | None) -> Case | None:
    villages = ctx.file_villages.get(row.file) or ({path_village} if path_village else set())
    case_id = row.values["case_id"]
    found = [c for place in sorted(villages) if (c := ctx.accepted.get(place, {}).get(case_id)) is not None]
    if len(found) > 1:
        names = "、".join(c.village for c in found)
        row.reject(
            "case_id",
            f"这个个案编号在本文件的 {names} 都有，无法确定是哪一个：请按村分开报送联系记录",
            case_id,
        )
        return None
    if not found:
        row.reject("case_id", "个案台账中没有这个个案编号（或该个案被退回）", case_id)
        return None
    return found[0]


@dataclass
class Parsed:
    """A table's rows as meant (each a tuple in the order of `keys`; a column the sheet lacks is None),
    with what parsing found: the rows refused so far and the values left out. Made where the file is read,
    so that a county's parsing runs on every core; what depends on other files comes after."""

    keys: tuple[str, ...]
    values: list[tuple[object, ...]]
    rejects: dict[int, list[Problem]]
    warns: dict[int, list[RowWarning]]


def parse_table(table: Table) -> Parsed:
    """Each cell of each row as meant, or why not (the checks that need nothing beyond the row). Read a
    column at a time; only the rows where something needs a closer look are read again row by row."""
    keys = tuple(c.key for c in table.schema.columns)
    if not table.numbers:
        return Parsed(keys, [], {}, {})
    present: Present = []
    closer = set(table.problems)
    empty = [None] * len(table.numbers)
    columns: dict[str, list[object]] = {}
    for c in table.schema.columns:
        if c.key not in table.data:
            continue
        key, column, reader = c.key, table.data[c.key], _Reader.of(c)
        try:  # each distinct value read once (a column repeats its places, groups, dates, staff)
            if bool in set(map(type, column)):  # TRUE is equal to 1 as a key, but is not the same cell
                raise TypeError
            meant = {value: reader.read(value) for value in set(column)}
        except TypeError:  # a value that cannot be a key, or TRUE/FALSE beside numbers: read each
            present.append((key, column, reader, None))
            found = [reader.read(value) for value in column]
            columns[key] = [value for value, _ in found]
            closer.update(i for i, (_, look) in enumerate(found) if look)
            continue
        present.append((key, column, reader, meant))
        as_meant = {value: parsed for value, (parsed, _) in meant.items()}
        columns[key] = [as_meant[value] for value in column]
        if len(meant) * 2 < len(column):
            # A column that repeats its texts and dates keeps one object of each (a smaller table to send
            # and to keep); numbers stay as they are (1 and 1.0 are equal keys, but not the same cell).
            same: dict[object, object] = {v: v for v in meant if isinstance(v, (str, dt.date))}
            column[:] = [same.get(value, value) for value in column]
        odd = {value for value, (_, look) in meant.items() if look}
        if odd:
            closer.update(i for i, value in enumerate(column) if value in odd)
    values = list(zip(*(columns.get(k, empty) for k in keys), strict=True))
    parsed = Parsed(keys, values, {}, {})
    absent = [k for k in keys if k not in columns]
    for index in sorted(closer):
        row = _Row(table, index, dict.fromkeys(absent))
        _parse(row, present)
        values[index] = tuple([row.values[k] for k in keys])
        if row.rejects:
            parsed.rejects[index] = row.rejects
        if row.warns:
            parsed.warns[index] = row.warns
    return parsed


def validate(
    tables: list[Table],
    model: PolicyModel,
    rules: CountyRules,
    as_of: dt.date,
    places: PlaceList,
    path_villages: dict[str, tuple[str, str] | None] | None = None,
    release: bool = False,
) -> RegistryImport:
    """Accept or reject every row. Cases first (all files), then contacts against the accepted cases of
    their own file's village (or of the village the file's path names, for a file of contacts only).
    Tables parsed where they were read keep their parse; others are parsed here.
    `release`: empty each table once its rows are validated (the tables are the caller's to give up)."""
    ctx = _Context(places, rules, _group_ids(model), as_of)
    result = _empty_import()
    for table in sorted(tables, key=_cases_first):
        _validate_table(table, ctx, (path_villages or {}).get(table.file), result)
        if release:
            table.release()  # validated: its rows go now, not with the last table (a county's peak)
    return result


def _group_ids(model: PolicyModel) -> dict[str, str]:
    return {g.name: g.id for g in model.groups.values()}


def _empty_import() -> RegistryImport:
    return RegistryImport([], ContactLog(), [], [], {})


def _cases_first(table: Table) -> bool:
    return table.schema.kind != "cases"


def _validate_table(
    table: Table, ctx: _Context, path_village: tuple[str, str] | None, result: RegistryImport
) -> None:
    table.unpack()
    kind = table.schema.kind
    result.read[(table.file, table.sheet, kind)] = len(table)
    parsed = table.parsed if isinstance(table.parsed, Parsed) else parse_table(table)
    if kind == "cases":
        for index in range(len(parsed.values)):
            _validate_row(table, index, parsed, ctx, path_village, result)
    else:
        _contacts(table, parsed, ctx, path_village, result)


# --- one file at a time ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class FileContext:
    """What validating a file depends on besides its bytes and our code: the place list, the townships'
    rules, the groups and the cut-off date (`digest` names them), and the folder its path is read in."""

    places: PlaceList
    rules: CountyRules
    group_ids: dict[str, str]
    as_of: dt.date
    folder: Path
    digest: str

    @classmethod
    def of(
        cls,
        places: PlaceList,
        model: PolicyModel,
        rules: CountyRules,
        as_of: dt.date,
        folder: Path,
    ) -> FileContext:
        digest = cls.digest_of(places, model, rules, as_of)
        return cls(places, rules, _group_ids(model), as_of, folder, digest)

    @staticmethod
    def digest_of(places: PlaceList, model: PolicyModel, rules: CountyRules, as_of: dt.date) -> str:
        # Plain data all of it (dataclasses, tuples, dicts in their own order): its repr is the same in
        # every process and build, where a pickle's bytes need not be.
        return hashlib.sha256(repr((places, rules, _group_ids(model), as_of)).encode()).hexdigest()


@dataclass
class FileFragment:
    """One file's rows validated as though it were the county's only file (its cases, its contacts): what
    validating the county gives for it too, as long as no other file names one of its villages or an ID
    number one of its case rows holds (`villages`, `ids`), which is how a county's files are. Made where
    the file is read, and kept with its read for the next build."""

    context: str  # FileContext.digest
    cases: RegistryImport
    contacts: RegistryImport
    ids: frozenset[object]
    villages: frozenset[tuple[str, str]]


@dataclass(frozen=True)
class PackedFragment:
    """A file's fragment as pickled where it was made (or kept), in the context `context`: unpickled once
    the month's files are chosen and what choosing them looked at is let go, so that the county's rows,
    which the build keeps, are not made among the files' tables, which it lets go (a county's import left
    most of its memory scattered, and held, otherwise)."""

    context: str  # FileContext.digest
    blob: bytes

    def opened(self) -> FileFragment:
        fragment = pickle.loads(self.blob)  # (signed by us, or made by our worker just now)
        assert isinstance(fragment, FileFragment) and fragment.context == self.context
        return fragment


def _opened(fragment: object) -> object:
    return fragment.opened() if isinstance(fragment, PackedFragment) else fragment


def validate_alone(read: FileRead, context: FileContext) -> FileFragment | None:
    """The file's fragment, or None for a file that could not be read."""
    if read.error is not None:
        return None
    tables, _ = month_tables(read, context.as_of)
    path_village = village_of_path(read.path, context.places, context.folder)
    ctx = _Context(context.places, context.rules, context.group_ids, context.as_of)
    parts = {"cases": _empty_import(), "contacts": _empty_import()}
    for table in sorted(tables, key=_cases_first):
        _validate_table(table, ctx, path_village, parts[table.schema.kind])
    villages = set().union(*ctx.file_villages.values())
    if path_village is not None:
        villages.add(path_village)
    return FileFragment(
        context.digest, parts["cases"], parts["contacts"], frozenset(ctx.seen_ids), frozenset(villages)
    )


def _apart(fragments: list[FileFragment]) -> bool:
    """No two of the files share a village or an ID number."""
    ids: set[object] = set()
    villages: set[tuple[str, str]] = set()
    for f in fragments:
        if not (ids.isdisjoint(f.ids) and villages.isdisjoint(f.villages)):
            return False
        ids |= f.ids
        villages |= f.villages
    return True


def _merged(fragments: list[FileFragment]) -> RegistryImport:
    """The files' fragments in the order validating them together takes their rows: every file's cases,
    then every file's contacts."""
    result = _empty_import()
    for part in [f.cases for f in fragments] + [f.contacts for f in fragments]:
        result.cases.extend(part.cases)
        result.rejected.extend(part.rejected)
        result.notes.extend(part.notes)
        result.warnings.extend(part.warnings)
        result.read.update(part.read)
        result.contacts.extend(part.contacts)
    return result


def _contacts(
    table: Table, parsed: Parsed, ctx: _Context, path_village: tuple[str, str] | None, result: RegistryImport
) -> None:
    """A sheet of contacts. Most rows have nothing to say and their file one village to look in: such a
    row takes one look for its case (a county has hundreds of thousands); any other the whole way."""
    villages = ctx.file_villages.get(table.file) or ({path_village} if path_village else set())
    keys = parsed.keys
    if len(villages) != 1 or not CONTACT_FIELDS - {"note"} <= set(keys) <= CONTACT_FIELDS:
        for index in range(len(parsed.values)):
            _validate_row(table, index, parsed, ctx, path_village, result)
        return
    here = ctx.accepted.get(next(iter(villages)), {})
    as_of, file, sheet, numbers = ctx.as_of, table.file, table.sheet, table.numbers
    take = operator.itemgetter(*(keys.index(k) for k in ("case_id", "date", "method", "by")))
    at_note = keys.index("note") if "note" in keys else None
    closer = parsed.rejects.keys() | parsed.warns.keys() | table.hidden
    add = result.contacts.add
    for index, values in enumerate(parsed.values):
        if index not in closer:
            case_id, day, _method, by = take(values)
            case = here.get(case_id)
            if case is not None and day <= as_of:
                note: Any = None if at_note is None else values[at_note]
                add(
                    (case.township, case.village, case_id), day, by, note, RowRef(file, sheet, numbers[index])
                )
                continue
        _validate_row(table, index, parsed, ctx, path_village, result)


def _validate_row(
    table: Table,
    index: int,
    parsed: Parsed,
    ctx: _Context,
    path_village: tuple[str, str] | None,
    result: RegistryImport,
) -> None:
    kind = table.schema.kind
    found, warned = parsed.rejects.get(index), parsed.warns.get(index)
    row = _Row(
        table,
        index,
        dict(zip(parsed.keys, parsed.values[index], strict=True)),
        list(found) if found else None,
        list(warned) if warned else None,
    )
    if kind == "cases":
        _check_case(row, ctx)
    elif not row.rejects:
        case = _find_case(row, ctx, path_village)
        if row.values["date"] > ctx.as_of:
            row.reject("date", f"联系日期晚于统计截止日 {ctx.as_of}", row.values["date"])
        if case is not None:
            row.values["township"], row.values["village"] = case.township, case.village
    ref = table.ref(index)
    if row.rejects:
        as_read = table.values(index)
        result.rejected.append(RejectedRow(ref, kind, as_read, tuple(row.rejects)))
        return
    if row.warns:
        result.warnings.extend(row.warns)
    if index in table.hidden:
        result.notes.append(row.problem(None, "这一行在 Excel 中被隐藏，已照常读入；如不应计入请删除该行"))
    if kind == "cases":
        _accept_case(row, ctx, result, ref)
    else:
        v = row.values
        result.contacts.add(
            (v["township"], v["village"], v["case_id"]), v["date"], v["by"], v.get("note"), ref
        )


def _accept_case(row: _Row, ctx: _Context, result: RegistryImport, ref: RowRef) -> None:
    v = row.values
    v["group"] = ctx.group_ids[v["group"]]
    case = Case(**v, source=ref)
    ctx.accepted.setdefault((case.township, case.village), {})[case.case_id] = case
    ctx.ids[case.id_number] = (ref, case.village)
    rule = ctx.rules.of(case.township).ages[case.group]
    if rule.below is None:  # admitted at entry, and no upper bound to outgrow
        result.cases.append(case)
        return
    age = age_on(case.birth_date, ctx.as_of)
    if case.active_on(ctx.as_of) and not rule.admits(age):
        result.notes.append(
            row.problem(
                "birth_date",
                f"到 {ctx.as_of} 已满 {age} 周岁，超出该群体年龄界限（{rule.describe()}），应办理退出",
            )
        )
    result.cases.append(case)


# --- the folder -----------------------------------------------------------------------------------------
# The sheets that wait packed, and what choosing the month's files (submissions.select) reads of them first.
# Contacts only: they are most of a county's cells, and their rows leave little behind (a ContactLog); the
# cases' cells become the cases kept, and packing them too left more memory in use, not less (measured).
PACKED_KEEP = {"contacts": (("date",),)}
# A file validated where it was read (`FileRead.fragment`) sends its cases packed too: they are read again
# only when the county's files must be validated together (which a county's files seldom need).
PACKED_KEEP_VALIDATED = {**PACKED_KEEP, "cases": (("township", "village"), ("entry_date",), ("exit_date",))}


def _read_file(
    shared: RegistrySchema | tuple[RegistrySchema, FileContext], item: tuple[Path, str]
) -> FileRead:
    """Task: one registry file's tables and notices, or why it cannot be read (`item` = path, its name);
    with a context (`shared` = schema, context), its rows validated on their own too (`fragment`)."""
    schema, context = shared if isinstance(shared, tuple) else (shared, None)
    path, name = item
    with _older_objects_left_alone():
        read = read_registry_file(path, schema, name)
        for table in read.tables:
            table.parsed = parse_table(table)
        if context is not None:
            read.fragment = validate_alone(read, context)
        packed = PACKED_KEEP if read.fragment is None else PACKED_KEEP_VALIDATED
        for table in read.tables:
            if table.schema.kind in packed:
                table.pack(packed[table.schema.kind])
    return read


def _read_to_keep(
    shared: RegistrySchema | tuple[RegistrySchema, FileContext], item: tuple[Path, str]
) -> tuple[str, bytes, bytes | None]:
    """Task: one file's read as `_read_file`, pickled here for the read cache, with the hash of the bytes
    it was read from (taken first: a file saved again meanwhile is only read again next time), and its
    fragment pickled on its own (kept under a key of the context too). The pickle holds the file's name
    within the folder, not where the folder lies (`read_folder` puts the path back)."""
    try:
        digest = hashlib.sha256(item[0].read_bytes()).hexdigest()
    except OSError:
        digest = ""  # the read names the problem; nothing of it is kept
    read = _read_file(shared, item)
    fragment = (
        None if read.fragment is None else pickle.dumps(read.fragment, protocol=pickle.HIGHEST_PROTOCOL)
    )
    kept = replace(read, path=Path(item[1]), fragment=None)
    return digest, pickle.dumps(kept, protocol=pickle.HIGHEST_PROTOCOL), fragment


READ_HERE_UP_TO = 4  # files: fewer are read in the build process, not handed to the workers
FILES_PER_TASK = 4


def _each(shared: tuple[Callable[[Any, Any], Any], Any], items: list) -> list:
    """Task: `task(task_shared, item)` for each of `items` (`shared` = task, task_shared)."""
    task, task_shared = shared
    return [task(task_shared, item) for item in items]


def read_folder(
    folder: Path,
    schema: RegistrySchema,
    run=None,
    tick=None,
    cache: ReadCache | None = None,
    context: FileContext | None = None,
) -> tuple[Listing, list[FileRead]]:
    """Every file of the folder read on its own, a few files to a task, results in the listing's order. `run`
    maps the tasks over the files (an executor's `run`; in this process when None). With a `cache`, a file
    whose bytes were read by an earlier build is taken from it, and the others are kept in it. With a
    `context`, each read holds its rows validated on their own (`FileRead.fragment`): made in the task,
    or kept from an earlier build in the same context."""
    listing = registry_files(folder)
    items = [(path, file_name(folder, path)) for path in listing.files]
    reads: list[FileRead | None] = [None] * len(items)
    keys: list[str] = [""] * len(items)  # the read cache's key of each file read so far
    shared_values: dict[tuple[type, object], object] = {}  # the distinct values the reads share
    with _older_objects_left_alone():  # the tables arriving from the workers are many small objects
        if cache is not None:
            for i, (path, name) in enumerate(items):
                with contextlib.suppress(OSError):
                    keys[i] = cache.key(name, hashlib.sha256(path.read_bytes()).hexdigest())
                    reads[i] = kept_read = _compacted(cache.load(keys[i]), schema, shared_values)
                    if kept_read is not None and context is not None:
                        blob = cache.fragment_blob(keys[i], context.digest)
                        kept_read.fragment = None if blob is None else PackedFragment(context.digest, blob)
                        _spill(kept_read, context, cache, keys[i])
        todo = [i for i, read in enumerate(reads) if read is None]
        task: Callable[[Any, tuple[Path, str]], Any] = _read_file if cache is None else _read_to_keep
        shared = schema if context is None else (schema, context)
        # The cache's entries are signed and written by a second thread (hashing and writing release the
        # interpreter) while this one unpickles the reads as they arrive.
        with ThreadPoolExecutor(1, thread_name_prefix="read-cache") as writer:
            kept = []
            # A few files (a monthly rebuild's) are read here: sooner than the workers would be up for them.
            few = len(todo) <= READ_HERE_UP_TO
            # A few files to a task: what each task carries besides its files (the schema, and the place
            # list and rules the rows are checked against) is sent a few times, not once per file.
            chunks = [todo[k : k + FILES_PER_TASK] for k in range(0, len(todo), FILES_PER_TASK)]
            finished = 0
            results = (
                (i, result)
                for index, results in (run if run and not few else SerialExecutor().run)(
                    _each,
                    [[items[i] for i in chunk] for chunk in chunks],
                    (task, shared),
                )
                for i, result in zip(chunks[index], results, strict=True)
            )
            for i, result in results:
                finished += 1
                if tick:
                    tick(finished, len(todo))
                if cache is None:
                    reads[i] = _compacted(result, schema, shared_values)
                    continue
                digest, blob, fragment = result
                read = reads[i] = _compacted(pickle.loads(blob), schema, shared_values)
                if fragment is not None and context is not None:
                    read.fragment = PackedFragment(context.digest, fragment)
                if digest:
                    keys[i] = cache.key(items[i][1], digest)
                    kept.append(writer.submit(cache.store, keys[i], blob))
                    if fragment is not None and context is not None:
                        kept.append(writer.submit(cache.store_fragment, keys[i], context.digest, fragment))
                    _spill(read, context, cache, keys[i])
            for done_writing in kept:
                done_writing.result()  # a failed write fails the build, as it would have here
        for i, read in enumerate(reads):
            if read is not None and cache is not None:
                read.path = items[i][0]
            if read is not None and context is not None and _stale(read, context):
                # kept from a build in another context (another month, place list or rules): made here
                read.fragment = validate_alone(read, context)
                if cache is not None and keys[i] and read.fragment is not None:
                    cache.store_fragment(
                        keys[i], context.digest, pickle.dumps(read.fragment, protocol=pickle.HIGHEST_PROTOCOL)
                    )
    done = [r for r in reads if r is not None]
    assert len(done) == len(items), "a registry file's read was lost"  # the executor yields every task
    return listing, done


R = TypeVar("R", FileRead, FileRead | None)


def _compacted(read: R, schema: RegistrySchema, shared: dict[tuple[type, object], object]) -> R:
    """A read (or None) as it arrives from a worker or the cache, holding no copy of what the county's
    other reads hold: its tables point at the registry's own sheet schemas, not equal copies of them, and
    its packed tables' distinct values are the ones in `shared` (`Table.share_values`). A county's reads
    wait together until its month is chosen; with copies of their own (130 KB a file, now 37), they were
    most of the memory a big import took."""
    if read is None:
        return read
    own = {sheet.kind: sheet for sheet in schema.sheets}
    for table in read.tables:
        sheet = own.get(table.schema.kind)
        if sheet is not None and sheet is not table.schema and sheet == table.schema:
            table.schema = sheet
        table.share_values(shared)
    return read


def _spill(read: FileRead, context: FileContext | None, cache: ReadCache, key: str) -> None:
    """A read whose rows were validated where it was read (in this context) and are kept in the cache:
    its tables' rows let go, taken from the cache again only if the county's files must be validated
    together (`Table.spill`)."""
    if context is not None and not _stale(read, context):
        for index, table in enumerate(read.tables):
            table.spill(functools.partial(_kept_rows, cache, key, index))


def _kept_rows(cache: ReadCache, key: str, index: int) -> bytes:
    read = cache.load(key)
    packed = read.tables[index].packed if read is not None and index < len(read.tables) else None
    if packed is None:  # written by this build or kept from the last, and signed: not to be missing
        raise RuntimeError(f"the read cache lost the rows of {key}")
    return packed


def _stale(read: FileRead, context: FileContext) -> bool:
    fragment = read.fragment
    if read.error is not None:
        return False
    return not (isinstance(fragment, FileFragment | PackedFragment) and fragment.context == context.digest)


def import_registry(
    folder: Path,
    schema: RegistrySchema,
    places: PlaceList,
    model: PolicyModel,
    rules: CountyRules,
    as_of: dt.date,
) -> RegistryImport:
    """Read every file, choose this month's tables, then validate all rows together so that duplicates
    are found. A file that cannot be read is named and its village reported; only a folder with nothing
    readable at all stops the build."""
    listing, reads = read_folder(folder, schema)
    return import_reads(folder, listing, reads, places, model, rules, as_of)


@contextlib.contextmanager
def _older_objects_left_alone():
    """While a big registry is read and validated (a few objects per cell), the cycle collector is kept
    from scanning again and again what was alive before (the policy model, the modules) and what is being
    made (rows, cases and contacts, which hold no cycles): about a third of a big import's time otherwise.
    Collection resumes afterwards, with everything made here as young objects."""
    enabled = gc.isenabled()  # within another such block, collection stays off until its end
    gc.freeze()
    gc.disable()
    try:
        yield
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()


def import_reads(
    folder: Path,
    listing: Listing,
    reads: list[FileRead],
    places: PlaceList,
    model: PolicyModel,
    rules: CountyRules,
    as_of: dt.date,
) -> RegistryImport:
    """The import after each file of `listing` was read on its own (`reads`, in the listing's order, by
    whatever ran `read_registry_file`): this month's tables chosen, then all rows validated together."""
    with _older_objects_left_alone():
        return _import(folder, listing, reads, places, model, rules, as_of)


def _import(
    folder: Path,
    listing: Listing,
    reads: list[FileRead],
    places: PlaceList,
    model: PolicyModel,
    rules: CountyRules,
    as_of: dt.date,
) -> RegistryImport:
    chosen = select(reads, listing.skipped, places, as_of, folder)
    for r in reads:
        for table in r.tables:
            table.chosen()
    if not chosen.tables:  # nothing at all to build from: stop, and say why for every file
        why = [o.problem for o in chosen.outcomes if o.problem]
        raise InputError(
            why
            + [Problem(display_path(folder), "台账目录中没有可以读取的台账文件（.xlsx、.xls、.ods 或 .csv）")]
        )
    by_file = {r.file: r for r in reads}
    fragments = []
    for o in chosen.outcomes:
        if o.outcome == "read":
            read = by_file[o.file]
            fragments.append(_opened(read.fragment))
            read.fragment = None  # opened: its pickled bytes go now, not once every file's are opened
    context = FileContext.digest_of(places, model, rules, as_of)
    if all(isinstance(f, FileFragment) and f.context == context for f in fragments) and _apart(
        fragments  # type: ignore[arg-type]
    ):
        # Each file's rows validated where it was read (or by an earlier build): what validating them all
        # together gives, when no two files share a village or an ID number.
        result = _merged(fragments)  # type: ignore[arg-type]
        for r in reads:
            r.fragment = None  # merged: its parts are the result's now
        for table in chosen.tables:
            table.release()
    else:
        result = validate(chosen.tables, model, rules, as_of, places, chosen.file_villages, release=True)
    result.files = chosen.outcomes
    result.unreadable = chosen.unreadable
    skipped = [o.problem for o in chosen.outcomes if o.outcome == "skipped" and o.problem]
    result.notes = skipped + chosen.notices + result.notes
    done = Counter(
        [(c.source.file, c.source.sheet, "cases") for c in result.cases]
        + [(r.ref.file, r.ref.sheet, r.kind) for r in result.rejected]
    )
    done.update({(file, sheet, "contacts"): n for (file, sheet), n in result.contacts.sheets.items()})
    if done != Counter(result.read):  # the promise: every row read is accepted or rejected
        lost = {k: (n, done[k]) for k, n in result.read.items() if done[k] != n}
        raise AssertionError(f"rows lost (read, accepted + rejected): {lost}")
    return result


def import_summary(result: RegistryImport) -> dict:
    """Counts only, and the names of villages from the place list: safe to publish."""

    def total(kind: str) -> int:
        return sum(n for (_, _, k), n in result.read.items() if k == kind)

    return {
        "files": len({f for f, _, _ in result.read}),
        "files_failed": len(result.failed_files),
        "cases_read": total("cases"),
        "cases_accepted": len(result.cases),
        "cases_rejected": sum(1 for r in result.rejected if r.kind == "cases"),
        "contacts_read": total("contacts"),
        "contacts_accepted": len(result.contacts),
        "contacts_rejected": sum(1 for r in result.rejected if r.kind == "contacts"),
        "warnings": len(result.warnings),
        "notes": len(result.notes),
        "unreadable": [f"{t}{v}" for t, v in result.unreadable],
    }
