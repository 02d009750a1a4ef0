"""Workbooks written byte-for-byte the same for the same content, in memory."""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
import zipfile

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.xml.functions import tostring

FIXED_TIME = dt.datetime(2000, 1, 1)
# What Excel, WPS and LibreOffice may take for the start of a formula (CSV/DDE injection), tab and CR
# included: such a value from input is written as text, never as a formula.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def put(cell: Cell, value: object) -> Cell:
    """Write a value that came from input: text stays text. openpyxl would store "=..." as a formula; here
    it is a string, marked with Excel's quote prefix so that editing the cell keeps it text. Characters a
    workbook cannot hold (control characters) become U+FFFD instead of failing the whole file."""
    if isinstance(value, str):
        text = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
        cell.value = text
        cell.data_type = "s"
        if text.startswith(FORMULA_START):
            cell.quotePrefix = True
    else:
        cell.value = value
    return cell


def workbook_bytes(wb: Workbook) -> bytes:
    """The workbook's bytes with fixed document dates and zip timestamps."""
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.creator = "handbook"
    wb.properties.lastModifiedBy = "handbook"
    raw = io.BytesIO()
    wb.save(raw)  # openpyxl stamps properties.modified with the wall clock here ...
    raw.seek(0)
    wb.properties.modified = FIXED_TIME  # ... so core.xml is written again below with the fixed time
    core = tostring(wb.properties.to_tree())
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o600 << 16
            dst.writestr(fixed, core if info.filename == "docProps/core.xml" else src.read(info.filename))
    return out.getvalue()


def text_width(text: str) -> int:
    """Width of a text in column units: CJK and full-width characters count two, others one."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def wrapped_lines(text: str, width: float) -> int:
    """Lines a text takes wrapped in a column `width` units wide (an estimate on the safe side: LibreOffice
    and WPS do not grow a row to its wrapped text as Excel does, so the writer sets row heights)."""
    usable = max(width - 1.5, 1) / 1.1  # cell padding; CJK glyphs run a little wider than two digits
    return sum(max(1, -(-text_width(line) // int(usable))) for line in str(text).split("\n"))
