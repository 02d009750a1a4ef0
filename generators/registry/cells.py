"""Load: one cell's value as staff wrote it → a clean Python value, or CellError saying why not.
Shared by the registry importer and the 双零 form ingest."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from generators.registry.schema import Column

MOBILE = re.compile(r"^1[3-9]\d{9}$")
LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")
TEXT_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
COMPACT_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
EXCEL_EPOCH = dt.date(1899, 12, 30)


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
        raise CellError(
            f"身份证号校验码不对（按 GB 11643 应为 {ric.calc_check_digit(text)}）：请核对是否录错"
        ) from exc
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
