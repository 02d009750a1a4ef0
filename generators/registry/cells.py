"""Load: one cell's value as staff wrote it → a clean Python value, or CellError saying why not.
Shared by the registry importer and the 双零 form ingest.

Values are read as meant: dates in the ways staff write them (date cells, Excel serials, 2024.3.5,
2024年3月5日, 20240305), ID numbers with spaces, dashes or a lower-case x, phones with +86, dashes or an
area code in brackets. What cannot be read as meant is named, never guessed: a number 2024.02 is a month
without a day, not a date in 1905.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Callable

from generators.registry.schema import Column

MOBILE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9})$")
LANDLINE = re.compile(r"^(0\d{2,3})(\d{7,8})$")
TEXT_DATE = re.compile(
    r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[\sT]+\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$"
)
COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
MONTH_ONLY = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")
SCIENTIFIC = re.compile(r"^\d(?:\.\d+)?E\+?\d+$", re.IGNORECASE)
# C0 controls other than tab, line feed and carriage return, DEL and the C1 block: never part of a value.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
PHONE_SEPARATORS = re.compile(r"[/／、,，;；|｜\s]+")
WHITE_SPACE = re.compile(r"\s+")
UNTIDY_SPACE = re.compile(r"\s\s|[^\S ]")  # two white spaces in a row, or a tab, line break …
ID_SEPARATORS = re.compile(r"[\s\-‐‑–—]")
PHONE_PUNCTUATION = re.compile(r"[\s\-‐‑–—()（）.]")

EXCEL_EPOCH = dt.date(1899, 12, 30)


class CellError(ValueError):
    """A cell value that does not fit its column; the message is shown to staff."""


def is_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def clean_text(value: object) -> str | None:
    """Text as meant: NFKC (full-width digits and letters), trimmed, runs of white space (tabs and line
    breaks too) as one space; None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, str):
        text = value if value.isascii() else unicodedata.normalize("NFKC", value)
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = unicodedata.normalize("NFKC", str(value))
    text = text.strip()
    if UNTIDY_SPACE.search(text):
        text = WHITE_SPACE.sub(" ", text)
    return text or None


def control_character(value: object) -> str | None:
    """The first control character in a text cell, as U+XXXX, or None."""
    if not isinstance(value, str):
        return None
    m = CONTROL.search(value)
    return f"U+{ord(m.group()):04X}" if m else None


def _date(year: int, month: int, day: int) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise CellError(f"日期不存在（{year} 年 {month} 月 {day} 日）：月份或日期超出范围") from exc


def _month_only(year: int, month: int | None = None) -> CellError:
    if month is None:
        return CellError(f"只有年份（{year}），缺少月和日：请写完整日期，如 {year}-03-01")
    return CellError(f"只有年月（{year} 年 {month} 月），缺少日：请写完整日期，如 {year}-{month:02d}-01")


def parse_date(value: object) -> dt.date | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if is_number(value):
        number = float(value)  # type: ignore[arg-type]
        if number.is_integer() and 19000101 <= number <= 21001231:
            text = str(int(number))  # 20240305 typed as a number
        elif 1900 <= number < 2101:
            # 2024.02 in a number cell is a month (Excel has already dropped the zero of 2024.10)
            year, fraction = int(number), round((number - int(number)) * 100)
            raise _month_only(year, fraction if 1 <= fraction <= 12 else None)
        elif 1 <= number < 80000:  # an Excel date serial that lost its date format (a fraction: time of day)
            return EXCEL_EPOCH + dt.timedelta(days=int(number))
        else:
            raise CellError("不是可识别的日期：这个数字既不是日期序号也不是 20240301 这样的写法")
    else:
        text = clean_text(value) or ""
        if not text:
            return None
    m = TEXT_DATE.match(text) or COMPACT_DATE.match(text)
    if m:
        return _date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    m = MONTH_ONLY.match(text)
    if m and 1 <= int(m.group(2)) <= 12:
        raise _month_only(int(m.group(1)), int(m.group(2)))
    raise CellError("不是可识别的日期（可写 2024-03-01、2024/3/1、2024.3.1、2024年3月1日 或 20240301）")


def id_check_digit(body: str) -> str:
    """GB 11643's MOD 11-2 check character of the first 17 digits."""
    checksum = (1 - 2 * int(body, 13)) % 11  # Σ digit × 2^(17-i) mod 11, as python-stdnum computes it
    return "X" if checksum == 10 else str(checksum)


@functools.lru_cache(maxsize=4096)
def _region_known(code: str, year: int) -> bool:
    """Whether the area code named a county in that year (python-stdnum's table, asked once per pair)."""
    from stdnum.cn import ric
    from stdnum.exceptions import InvalidComponent

    try:
        ric.get_birth_place(f"{code}{year:04d}0101000")
    except InvalidComponent:
        return False
    return True


def id_birth_date(number: str) -> dt.date:
    """The birth date a valid 18-character ID number holds."""
    return dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def parse_id_number(value: object) -> str:
    """An 18-character resident ID number, checked as GB 11643 and python-stdnum's cn.ric do (length,
    digits, check character, birth date, area code in use that year)."""
    if is_number(value):
        raise CellError("身份证号被 Excel 存成了数字，末几位已经丢失：请把该列设为文本后重新录入")
    text = str(value)
    text = ID_SEPARATORS.sub("", text if text.isascii() else unicodedata.normalize("NFKC", text)).upper()
    if SCIENTIFIC.match(text):
        raise CellError("身份证号被 Excel 存成了数字（科学计数法），末几位已经丢失：请设为文本后重新录入")
    if len(text) != 18:
        raise CellError(f"身份证号应为 18 位，这里是 {len(text)} 位")
    if not text[:17].isdigit() or not text[:17].isascii():
        raise CellError("身份证号前 17 位应全是数字，末位为数字或 X")
    check = id_check_digit(text[:17])
    if text[17] != check:
        raise CellError(f"身份证号校验码不对（按 GB 11643 应为 {check}）：请核对是否录错")
    try:
        born = id_birth_date(text)
    except ValueError as exc:
        raise CellError("身份证号中的出生日期无效") from exc
    if not _region_known(text[:6], born.year):
        raise CellError("身份证号中的地区码无效")
    return text


def _one_phone(text: str) -> str | None:
    digits = PHONE_PUNCTUATION.sub("", text)
    if m := MOBILE.match(digits):
        return m.group(1)
    if digits.startswith(("+86", "86")) and not digits.startswith("860"):
        digits = "0" + digits.removeprefix("+").removeprefix("86")  # +86 710 1234567
    if m := LANDLINE.match(digits):
        area_length = 3 if digits.startswith(("01", "02")) else 4
        if len(m.group(0)) - area_length in (7, 8):
            return f"{digits[:area_length]}-{digits[area_length:]}"
    return None


def parse_phone(value: object) -> str | None:
    """One phone number, normalised: 13812345678 or 0710-1234567."""
    if is_number(value):
        number = float(value)  # type: ignore[arg-type]
        if not number.is_integer():
            raise CellError("不是有效的电话号码：被 Excel 存成了小数或科学计数法")
        value = str(int(number))
    text = clean_text(value)
    if text is None:
        return None
    if SCIENTIFIC.match(text.replace(" ", "")):
        raise CellError("不是有效的电话号码：被 Excel 存成了科学计数法，末几位已经丢失")
    phone = _one_phone(text)
    if phone:
        return phone
    parts = [p for p in PHONE_SEPARATORS.split(text) if p]
    if len(parts) > 1 and sum(1 for p in parts if _one_phone(p)) > 1:
        raise CellError("一格中有多个号码：请只填一个（手机 11 位，或带区号的座机）")
    raise CellError("不是有效的电话号码（手机 11 位，或带区号的座机，如 0710-1234567）")


def parse_enum(column: Column, value: object) -> str | None:
    text = clean_text(value)
    if text is None:
        return None
    allowed = column.allowed(text)
    if allowed is None:
        raise CellError(f"不是可选的值，应为：{'、'.join(column.values)}")
    return allowed


def cell_parser(column: Column) -> Callable[[object], object]:
    """The function that reads a non-empty cell of `column` (parse_cell without the dispatch, for rows
    by the thousand)."""
    if column.type == "date":
        return parse_date
    if column.type == "id_number":
        return parse_id_number
    if column.type == "phone":
        return parse_phone
    if column.type == "enum":
        return functools.partial(parse_enum, column)
    return clean_text


def parse_cell(column: Column, value: object) -> object:
    """The cell's value as meant; None for an empty cell. Places are cleaned here and checked against the
    county's list by the validation."""
    if column.type == "date":
        return parse_date(value)
    if column.type == "id_number":
        return None if clean_text(value) is None else parse_id_number(value)
    if column.type == "phone":
        return parse_phone(value)
    if column.type == "enum":
        return parse_enum(column, value)
    return clean_text(value)
