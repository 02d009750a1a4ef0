"""Building blocks for make_corpus.py: people, sheets, file writers (openpyxl, CSV, LibreOffice, an ECMA-376
encrypted package in a compound file), the expected-outcome bookkeeping and the read-back check.

Nothing here is random: names, ID numbers, dates and phone numbers come from a running sequence number,
and every zip-based file is re-packed with fixed timestamps so that the same code gives the same bytes.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import itertools
import os
import re
import shutil
import struct
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import openpyxl
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

AS_OF = dt.date(2026, 10, 31)
AREA = "341221"  # the area code the project's synthetic data uses (valid for every birth year used here)
FIXED_TIME = dt.datetime(2026, 10, 28, 9, 0, 0)
EXCEL_EPOCH = dt.date(1899, 12, 30)

# --- the schema's columns (data/registry/schema.yaml), key → header as the template writes it ------------
CASE_COLS = [
    ("case_id", "个案编号"),
    ("township", "乡镇（街道）"),
    ("village", "村（社区）"),
    ("group", "群体类别"),
    ("distress_type", "困境类型"),
    ("risk", "风险等级"),
    ("name", "姓名"),
    ("gender", "性别"),
    ("birth_date", "出生日期"),
    ("id_number", "公民身份号码"),
    ("guardian", "监护人"),
    ("guardian_relation", "监护人关系"),
    ("phone", "联系电话"),
    ("address", "住址"),
    ("status", "在学就业状况"),
    ("contact_person", "帮教联系人"),
    ("entry_date", "纳入日期"),
    ("exit_date", "退出日期"),
    ("exit_reason", "退出原因"),
]
CONTACT_COLS = [
    ("case_id", "个案编号"),
    ("date", "联系日期"),
    ("method", "方式"),
    ("by", "联系人"),
    ("note", "备注"),
]
CANON = {"cases": dict(CASE_COLS), "contacts": dict(CONTACT_COLS)}
REQUIRED = {
    "cases": [
        "case_id",
        "township",
        "village",
        "group",
        "risk",
        "name",
        "gender",
        "birth_date",
        "id_number",
        "status",
        "contact_person",
        "entry_date",
    ],
    "contacts": ["case_id", "date", "method", "by"],
}
ENUMS = {
    "group": [
        "有不良行为或严重不良行为青少年",
        "闲散青少年",
        "流浪乞讨未成年人",
        "服刑人员未成年子女",
        "农村留守儿童",
        "困境未成年人",
    ],
    "distress_type": [
        "事实无人抚养",
        "遭受家庭暴力虐待遗弃",
        "家庭贫困",
        "重病重残",
        "孤儿",
        "流浪乞讨或被拐",
        "留守流动",
        "其他",
    ],
    "risk": ["高", "中", "低"],
    "gender": ["男", "女"],
    "guardian_relation": ["父亲", "母亲", "祖父母", "外祖父母", "其他亲属", "其他"],
    "status": ["在校", "就业", "无业", "辍学", "其他"],
    "exit_reason": ["年龄超出", "情况好转", "迁出", "死亡", "其他"],
    "method": ["走访", "电话", "到校", "其他"],
}

# Birth years chosen so that the age at entry (2025) and on the cut-off date sit inside each group's bounds
# (闲散/不良行为 6–25 by dunji-2023; 留守儿童 under 16; the 未成年人 groups under 18).
GROUPS = {
    "闲散青少年": dict(year=2005, status="无业", risk="中"),
    "有不良行为或严重不良行为青少年": dict(year=2008, status="辍学", risk="高"),
    "流浪乞讨未成年人": dict(year=2012, status="其他", risk="高"),
    "服刑人员未成年子女": dict(year=2012, status="在校", risk="中"),
    "农村留守儿童": dict(year=2013, status="在校", risk="低"),
    "困境未成年人": dict(year=2010, status="在校", risk="中"),
}
SHORT = {
    "不良行为青少年": "有不良行为或严重不良行为青少年",
    "闲散青少年": "闲散青少年",
    "流浪乞讨未成年人": "流浪乞讨未成年人",
    "服刑人员子女": "服刑人员未成年子女",
    "留守儿童": "农村留守儿童",
    "困境未成年人": "困境未成年人",
}
MINOR_GROUPS = {"流浪乞讨未成年人", "服刑人员未成年子女", "农村留守儿童", "困境未成年人"}

SURNAMES = "张王李赵刘陈杨黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段钱汤尹黎易常武乔贺赖龚文"
GIVEN1 = "子浩宇欣梓雨俊家思嘉佳晨文明志婉诗雅若一景书天芷沐"
GIVEN2 = "涵然轩怡萱桐杰豪彤琪睿博宁辰阳瑶琳晴航安泽颖鑫"
FATHER = ["建国", "卫东", "志强", "国庆", "建军", "德华", "海涛", "永红"]
MOTHER = ["秀英", "桂兰", "丽华", "春梅", "玉珍", "红霞", "淑芬", "小燕"]

_SEQ = itertools.count(11)


def next_seq() -> int:
    return next(_SEQ)


def person_name(seq: int) -> str:
    return SURNAMES[seq % len(SURNAMES)] + GIVEN1[(seq * 7) % len(GIVEN1)] + GIVEN2[(seq * 11) % len(GIVEN2)]


def id_number(area: str, birth: dt.date, seq: int, male: bool) -> str:
    """The same rule as the project's generators id_number(): sequence code odd for men, GB 11643 check
    digit."""
    from stdnum.cn import ric

    seq = seq % 500 * 2 + (1 if male else 0)
    body = f"{area}{birth:%Y%m%d}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


def id_with_x(birth: dt.date, male: bool, start: int) -> tuple[str, int]:
    """An ID number whose check digit is X (for the lower-case x scenarios)."""
    for s in range(start, start + 500):
        n = id_number(AREA, birth, s, male)
        if n.endswith("X"):
            return n, s
    raise ValueError("no X check digit found")


def bad_checksum(idn: str) -> str:
    last = idn[-1]
    return idn[:-1] + ("0" if last != "0" else "1")


# --- cell value wrappers ----------------------------------------------------------------------------------
class Num(float):
    """A number cell in General format (e.g. 2024.02 typed as a number)."""


class Serial(int):
    """An Excel date serial left as a plain number (the date format lost)."""


class Formula(str):
    """A real formula; the file is passed through LibreOffice so that it carries computed values."""


@dataclass(frozen=True)
class DateCell:
    """A real date cell with a chosen display format (and optionally a time of day)."""

    value: dt.datetime
    fmt: str = "yyyy-mm-dd"


def serial(d: dt.date) -> Serial:
    return Serial((d - EXCEL_EPOCH).days)


def dots(d: dt.date) -> str:
    return f"{d.year}.{d.month}.{d.day}"


def slashes(d: dt.date) -> str:
    return f"{d.year}/{d.month:02d}/{d.day:02d}"


def cn_date(d: dt.date) -> str:
    return f"{d.year}年{d.month}月{d.day}日"


def compact(d: dt.date) -> str:
    return f"{d:%Y%m%d}"


def csv_date(d: dt.date) -> str:
    """How Excel (zh-CN) writes a date cell into a CSV file."""
    return f"{d.year}/{d.month}/{d.day}"


def excel_escape_controls(text: str) -> str:
    """Control characters cannot be written into XML; Excel stores them as _xHHHH_ escapes (ECMA-376
    ST_Xstring)."""
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", lambda m: f"_x{ord(m.group()):04X}_", text)


# --- rows, sheets, files ----------------------------------------------------------------------------------
@dataclass
class Row:
    """One data row as written, and what the importer must make of it."""

    v: dict  # column key → cell value as written
    tv: tuple[str, str] | None = None  # canonical (township, village) of the case, for values
    reject: tuple[str | None, str] | None = None  # (column key or None, substring of the reason)
    warns: list = field(default_factory=list)  # [(column key, substring)]
    hidden: bool = False
    checks: dict = field(default_factory=dict)  # field → expected normalised value (accepted cases only)
    raw_csv: str | None = None  # a CSV line written as is (malformed rows)
    blank: bool = False  # written, but only spaces: not a row
    no: int = 0  # row number as Excel shows it; set when written

    @property
    def case_id(self):
        cid = self.v.get("case_id")
        return None if cid is None else str(cid).strip()


@dataclass
class Sheet:
    title: str | None  # None for CSV
    kind: str  # cases | contacts | other (not a registry sheet) | older (an older month's copy)
    # [(key, header as written)]; key "x:<header>" = a column the importer does not know, "seq" = 序号
    cols: list
    rows: list = field(default_factory=list)  # Row or None (a fully empty row)
    top: list = field(default_factory=list)  # rows above the header (titles), each a list of cells
    header_rows: list | None = None  # several header rows (the last carries the column names)
    merges: list = field(default_factory=list)  # A1 ranges in the header area / other sheets
    data_merges: list = field(default_factory=list)  # (key, first entry index, last entry index)
    grid: list | None = None  # raw content of an 'other' sheet
    date_format: str = "yyyy-mm-dd"
    hidden_sheet: bool = False
    validations: bool = False  # drop-down lists like the project's template
    filler_rows: int = 0  # pre-formatted empty rows (the template formats 200 rows)
    prenumbered: int = 0  # extra rows holding only a 序号 value (pre-numbered blank lines)

    @property
    def header_count(self) -> int:
        return len(self.header_rows) if self.header_rows else 1

    def first_data_row(self) -> int:
        return len(self.top) + self.header_count + 1

    def number_rows(self) -> None:
        for i, r in enumerate(self.rows):
            if r is not None:
                r.no = self.first_data_row() + i

    def data_rows(self) -> list[Row]:
        return [r for r in self.rows if r is not None and not r.blank]

    def header_of(self, key: str) -> str | None:
        for k, h in self.cols:
            if k == key:
                return h
        return None


@dataclass
class FileSpec:
    path: str  # relative to the scenario folder
    fmt: str  # xlsx | xlsm | ods | xls | xls-as-xlsx | csv | raw | encrypted-xlsx | encrypted-xls | lo-xlsx
    sheets: list = field(default_factory=list)
    outcome: str = "read"  # read | file-error | skipped | superseded
    reason: str | None = None
    notices: list = field(default_factory=list)  # extra notices: dicts with contains (and sheet/row)
    encoding: str = "utf-8"  # CSV: utf-8 | utf-8-sig | gbk
    raw: bytes | None = None
    template: bool = False  # 说明 sheet first, hidden 选项 sheet, as the project's template
    how: str = ""
    village: tuple[str, str] | None = None  # the village a file-error / duplicate file stands for
    check_contacts: bool = False  # add values: number of accepted contacts per accepted case
    copy_of: str | None = None  # byte-identical copy of another file in the scenario


@dataclass
class Scenario:
    name: str
    what: str
    files: list
    values: list = field(default_factory=list)  # extra spot checks
    villages_unreadable: list = field(default_factory=list)
    notes: str | None = None


# --- writing: openpyxl ------------------------------------------------------------------------------------
HEADER_FILL = PatternFill("solid", fgColor="DDE3F0")
BOLD = Font(bold=True)
TEXT_KEYS = {
    "case_id",
    "id_number",
    "phone",
    "name",
    "guardian",
    "address",
    "township",
    "village",
    "contact_person",
    "note",
    "by",
}


def _put(ws, r: int, c: int, value, date_format: str, key: str | None = None) -> None:
    cell = ws.cell(r, c)
    if value is None:
        return
    if isinstance(value, DateCell):
        cell.value = value.value
        cell.number_format = value.fmt
    elif isinstance(value, dt.datetime):
        cell.value = value
        cell.number_format = date_format
    elif isinstance(value, dt.date):
        cell.value = dt.datetime(value.year, value.month, value.day)
        cell.number_format = date_format
    elif isinstance(value, Formula):
        cell.value = str(value)  # openpyxl writes a formula (data_type f)
        if key in ("birth_date", "entry_date", "exit_date", "date"):
            cell.number_format = date_format
    elif isinstance(value, (Serial, Num, int, float)) and not isinstance(value, bool):
        cell.value = int(value) if isinstance(value, (Serial, int)) else float(value)
        cell.number_format = "General"
    else:
        text = excel_escape_controls(str(value))
        cell.value = text
        if text.startswith("="):
            cell.data_type = "s"  # typed with a leading apostrophe: text that looks like a formula
            cell.quotePrefix = True
        if key in TEXT_KEYS:
            cell.number_format = "@"


def _write_sheet(wb, sheet: Sheet) -> None:
    ws = wb.create_sheet(sheet.title)
    if sheet.grid is not None:
        for r, line in enumerate(sheet.grid, start=1):
            for c, value in enumerate(line, start=1):
                _put(ws, r, c, value, sheet.date_format)
        for rng in sheet.merges:
            ws.merge_cells(rng)
        if sheet.hidden_sheet:
            ws.sheet_state = "hidden"
        return
    r = 1
    for line in sheet.top:
        for c, value in enumerate(line, start=1):
            _put(ws, r, c, value, sheet.date_format)
        ws.cell(r, 1).font = Font(bold=True, size=14) if r == 1 else Font()
        r += 1
    header_rows = sheet.header_rows or [[h for _, h in sheet.cols]]
    for line in header_rows:
        for c, value in enumerate(line, start=1):
            if value is not None:
                cell = ws.cell(r, c, value)
                cell.fill = HEADER_FILL
                cell.font = BOLD
                cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        r += 1
    for c, (_key, header) in enumerate(sheet.cols, start=1):
        ws.column_dimensions[get_column_letter(c)].width = max(9, min(24, len(str(header)) * 2 + 4))
    sheet.number_rows()
    keys = [k for k, _ in sheet.cols]
    for i, row in enumerate(sheet.rows):
        rr = sheet.first_data_row() + i
        if row is None:
            continue
        for c, key in enumerate(keys, start=1):
            _put(ws, rr, c, row.v.get(key), sheet.date_format, key)
        if row.hidden:
            ws.row_dimensions[rr].hidden = True
    last = sheet.first_data_row() + len(sheet.rows) - 1
    if sheet.prenumbered:
        seq_col = keys.index("seq") + 1
        start = max([r.v.get("seq", 0) for r in sheet.data_rows() if isinstance(r.v.get("seq"), int)] or [0])
        for j in range(sheet.prenumbered):
            ws.cell(last + 1 + j, seq_col, start + 1 + j)
        last += sheet.prenumbered
    for j in range(sheet.filler_rows):  # pre-formatted empty rows, as the template has
        for c, key in enumerate(keys, start=1):
            cell = ws.cell(last + 1 + j, c)
            cell.number_format = (
                "yyyy-mm-dd" if key in ("birth_date", "entry_date", "exit_date", "date") else "@"
            )
    for rng in sheet.merges:
        ws.merge_cells(rng)
    for key, i0, i1 in sheet.data_merges:
        col = get_column_letter(keys.index(key) + 1)
        ws.merge_cells(f"{col}{sheet.first_data_row() + i0}:{col}{sheet.first_data_row() + i1}")
    header_row = len(sheet.top) + sheet.header_count
    ws.freeze_panes = f"A{header_row + 1}"
    if sheet.validations:
        for c, key in enumerate(keys, start=1):
            values = ENUMS.get(key)
            if values:
                dv = DataValidation(
                    type="list",
                    formula1=f'"{",".join(values)}"',
                    allow_blank=True,
                    showErrorMessage=True,
                    errorTitle="不是可选的值",
                    error="请从下拉列表中选择",
                )
                letter = get_column_letter(c)
                dv.add(f"{letter}{header_row + 1}:{letter}{header_row + 200}")
                ws.add_data_validation(dv)
    if sheet.hidden_sheet:
        ws.sheet_state = "hidden"


def _instructions(wb) -> None:
    ws = wb.create_sheet("说明")
    ws["A1"] = "重点青少年群体台账"
    ws["A1"].font = Font(bold=True, size=14)
    lines = [
        "每个村（社区）一个文件。红色粗体列为必填。请从下拉列表中选择，日期按 2024-03-01 填写。",
        "身份证号、电话请保持文本格式（本模板已设好），不要合并单元格，不要用公式。",
        "本表含个人信息，仅限内部使用，不得外传或公开。",
    ]
    for i, line in enumerate(lines, start=3):
        ws.cell(i, 1, line)
    ws.column_dimensions["A"].width = 110


def _options(wb) -> None:
    ws = wb.create_sheet("选项")
    for c, key in enumerate(
        ["group", "distress_type", "risk", "gender", "guardian_relation", "status", "exit_reason", "method"],
        start=1,
    ):
        ws.cell(1, c, CANON["cases"].get(key) or CANON["contacts"].get(key)).font = BOLD
        for r, value in enumerate(ENUMS[key], start=2):
            ws.cell(r, c, value)
    ws.sheet_state = "hidden"


def save_deterministic(wb, path: Path) -> None:
    """Fixed document dates and zip timestamps: the same content gives the same bytes."""
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.properties.creator = "村委会"
    wb.properties.lastModifiedBy = "村委会"
    raw = io.BytesIO()
    wb.save(raw)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(normalise_zip_bytes(raw.getvalue()))


def workbook(spec: FileSpec, vba: bool = False):
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    if spec.template:
        _instructions(wb)
    for sheet in spec.sheets:
        _write_sheet(wb, sheet)
    if spec.template:
        _options(wb)
    wb.active = 1 if spec.template else 0
    return wb


def xlsx_bytes(sheets: list) -> bytes:
    """A workbook's bytes (for a file kept inside a zip)."""
    wb = workbook(FileSpec("x.xlsx", "xlsx", sheets))
    raw = io.BytesIO()
    wb.properties.created = wb.properties.modified = FIXED_TIME
    wb.save(raw)
    return normalise_zip_bytes(raw.getvalue())


TIMESTAMP = re.compile(rb"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z?")


def normalise_zip_bytes(data: bytes) -> bytes:
    """Re-pack a zip-based document with fixed timestamps and fixed document dates (core.xml, meta.xml);
    an ODF 'mimetype' entry stays first and stored."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        names = src.namelist()
        if "mimetype" in names:
            names = ["mimetype"] + [n for n in names if n != "mimetype"]
        for name in names:
            content = src.read(name)
            if name in ("docProps/core.xml", "meta.xml"):
                content = TIMESTAMP.sub(FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode(), content)
                content = re.sub(
                    rb"<meta:editing-duration>[^<]*</meta:editing-duration>",
                    b"<meta:editing-duration>PT0S</meta:editing-duration>",
                    content,
                )
                content = re.sub(
                    rb"<meta:generator>[^<]*</meta:generator>",
                    b"<meta:generator>LibreOffice</meta:generator>",
                    content,
                )
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED if name == "mimetype" else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, content)
    return out.getvalue()


# --- writing: CSV -----------------------------------------------------------------------------------------
def csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, DateCell):
        return csv_date(value.value.date())
    if isinstance(value, dt.datetime):
        return csv_date(value.date())
    if isinstance(value, dt.date):
        return csv_date(value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def csv_line(cells: list) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerow([csv_cell(c) for c in cells])
    return buf.getvalue()[:-2]


def csv_text(sheet: Sheet) -> str:
    width = len(sheet.cols)
    lines = [
        csv_line(list(line) + [None] * (width - len(line))) for line in sheet.top
    ]  # Excel pads title rows
    lines.append(csv_line([h for _, h in sheet.cols]))
    sheet.number_rows()
    [k for k, _ in sheet.cols]
    for row in sheet.rows:
        if row is None:
            lines.append("," * (width - 1))  # an empty row, as Excel exports it
        elif row.raw_csv is not None:
            lines.append(row.raw_csv)
        else:
            lines.append(csv_line([row.v.get(k) for k, _ in sheet.cols]))
    return "\r\n".join(lines) + "\r\n"


# --- writing: LibreOffice ---------------------------------------------------------------------------------
class LibreOffice:
    """soffice --headless with a private profile (so that it never meets a running LibreOffice)."""

    def __init__(self) -> None:
        self.profile = Path(tempfile.mkdtemp(prefix="corpus-lo-"))
        self.binary = shutil.which("soffice") or shutil.which("libreoffice")
        if not self.binary:
            raise SystemExit("LibreOffice is needed for .ods/.xls: apt-get install -y libreoffice-calc-nogui")

    def convert(self, src: Path, ext: str, filt: str, outdir: Path) -> Path:
        outdir.mkdir(parents=True, exist_ok=True)
        cmd = [
            self.binary,
            "--headless",
            "--norestore",
            f"-env:UserInstallation={self.profile.as_uri()}",
            "--convert-to",
            f"{ext}:{filt}",
            "--outdir",
            str(outdir),
            str(src),
        ]
        env = dict(os.environ, SOURCE_DATE_EPOCH="1793149200")  # 2026-10-28, where LibreOffice honours it
        subprocess.run(cmd, check=True, capture_output=True, timeout=300, env=env)
        out = outdir / f"{src.stem}.{ext}"
        if not out.exists():
            raise RuntimeError(f"LibreOffice did not write {out}")
        return out

    def encrypt_xls(self, src: Path, dest: Path, password: str) -> None:
        """Save as BIFF8 .xls with an opening password (RC4 CryptoAPI), through the UNO bridge: soffice
        --convert-to cannot set a password. Needs /usr/bin/python3 with the python3-uno package."""
        script = UNO_SAVE_WITH_PASSWORD
        pipe = f"corpus{os.getpid()}"
        subprocess.run(
            [
                "/usr/bin/python3",
                "-c",
                script,
                self.binary,
                self.profile.as_uri(),
                pipe,
                str(src.resolve()),
                str(dest.resolve()),
                "MS Excel 97",
                password,
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )

    def close(self) -> None:
        shutil.rmtree(self.profile, ignore_errors=True)


UNO_SAVE_WITH_PASSWORD = r"""
import subprocess, sys, time, uno
from com.sun.star.beans import PropertyValue
binary, profile, pipe, src, dest, filt, password = sys.argv[1:8]
def pv(name, value):
    p = PropertyValue(); p.Name = name; p.Value = value; return p
proc = subprocess.Popen([binary, "--headless", "--invisible", "--norestore",
                         "-env:UserInstallation=" + profile, "--accept=pipe,name=%s;urp;" % pipe],
                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
local = uno.getComponentContext()
resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
ctx = None
for _ in range(240):
    try:
        ctx = resolver.resolve("uno:pipe,name=%s;urp;StarOffice.ComponentContext" % pipe); break
    except Exception:
        time.sleep(0.5)
desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(src), "_blank", 0, (pv("Hidden", True),))
doc.storeToURL(uno.systemPathToFileUrl(dest), (pv("FilterName", filt), pv("Password", password)))
doc.close(True)
try:
    desktop.terminate()
except Exception:
    pass
proc.wait(timeout=60)
"""


# --- writing: an encrypted .xlsx (ECMA-376 Standard Encryption in a compound file) ------------------------
def _lp_utf16(text: str) -> bytes:
    b = text.encode("utf-16-le")
    return struct.pack("<I", len(b)) + b + b"\0" * (-len(b) % 4)


def _aes_tables():
    sbox = [0] * 256
    p = q = 1
    while (
        True
    ):  # the AES S-box from the multiplicative inverse in GF(2^8) and the affine map (FIPS-197 5.1.1)
        p = p ^ ((p << 1) & 0xFF) ^ (0x1B if p & 0x80 else 0)
        q ^= q << 1
        q ^= q << 2
        q ^= q << 4
        q &= 0xFF
        if q & 0x80:
            q ^= 0x09
        x = (
            q
            ^ ((q << 1 | q >> 7) & 0xFF)
            ^ ((q << 2 | q >> 6) & 0xFF)
            ^ ((q << 3 | q >> 5) & 0xFF)
            ^ ((q << 4 | q >> 4) & 0xFF)
        )
        sbox[p] = x ^ 0x63
        if p == 1:
            break
    sbox[0] = 0x63
    return sbox


_SBOX = _aes_tables()


def _xtime(a: int) -> int:
    return ((a << 1) ^ 0x1B) & 0xFF if a & 0x80 else a << 1


def _aes128_round_keys(key: bytes) -> list[list[int]]:
    w = [list(key[i : i + 4]) for i in range(0, 16, 4)]
    rcon = 1
    for i in range(4, 44):
        t = list(w[i - 1])
        if i % 4 == 0:
            t = [_SBOX[b] for b in t[1:] + t[:1]]
            t[0] ^= rcon
            rcon = _xtime(rcon)
        w.append([a ^ b for a, b in zip(w[i - 4], t)])
    return [sum(w[r * 4 : r * 4 + 4], []) for r in range(11)]


def _aes128_block(rk: list[list[int]], block: bytes) -> bytes:
    s = [a ^ b for a, b in zip(block, rk[0])]
    for rnd in range(1, 11):
        s = [_SBOX[b] for b in s]
        s = [s[(i + 4 * (i % 4)) % 16] for i in range(16)]  # ShiftRows (column-major state)
        if rnd != 10:
            out = []
            for c in range(4):
                a = s[4 * c : 4 * c + 4]
                t = a[0] ^ a[1] ^ a[2] ^ a[3]
                out += [a[i] ^ t ^ _xtime(a[i] ^ a[(i + 1) % 4]) for i in range(4)]
            s = out
        s = [a ^ b for a, b in zip(s, rk[rnd])]
    return bytes(s)


def _aes_ecb(key: bytes, data: bytes) -> bytes:
    """AES-128 in ECB mode, in plain Python (FIPS-197), so that no crypto package is needed."""
    rk = _aes128_round_keys(key)
    return b"".join(_aes128_block(rk, data[i : i + 16]) for i in range(0, len(data), 16))


def standard_encrypt(package: bytes, password: str) -> tuple[bytes, bytes]:
    """(EncryptionInfo, EncryptedPackage) streams, MS-OFFCRYPTO 2.3.4.5 (AES-128, SHA-1, 50 000 spins).
    Salt and verifier are fixed (derived from constants) so the file is the same on every run."""
    salt = hashlib.sha1(b"corpus salt").digest()[:16]
    verifier = hashlib.sha1(b"corpus verifier").digest()[:16]
    h = hashlib.sha1(salt + password.encode("utf-16-le")).digest()
    for i in range(50000):
        h = hashlib.sha1(struct.pack("<I", i) + h).digest()
    hfinal = hashlib.sha1(h + struct.pack("<I", 0)).digest()
    buf1 = bytes(a ^ b for a, b in zip(hfinal, b"\x36" * 20)) + b"\x36" * 44
    key = hashlib.sha1(buf1).digest()[:16]
    enc_verifier = _aes_ecb(key, verifier)
    enc_hash = _aes_ecb(key, hashlib.sha1(verifier).digest() + b"\0" * 12)
    csp = "Microsoft Enhanced RSA and AES Cryptographic Provider".encode("utf-16-le") + b"\0\0"
    header = struct.pack("<IIIIIIII", 0x24, 0, 0x660E, 0x8004, 128, 0x18, 0, 0) + csp
    info = (
        struct.pack("<HHI", 3, 2, 0x24)
        + struct.pack("<I", len(header))
        + header
        + struct.pack("<I", 16)
        + salt
        + enc_verifier
        + struct.pack("<I", 20)
        + enc_hash
    )
    padded = package + b"\0" * (-len(package) % 16)
    return info, struct.pack("<Q", len(package)) + _aes_ecb(key, padded)


def dataspaces() -> dict:
    """The \\x06DataSpaces storage Office writes beside an encrypted package (MS-OFFCRYPTO 2.1.5–2.1.8)."""
    version = _lp_utf16("Microsoft.Container.DataSpaces") + struct.pack("<HHHHHH", 1, 0, 1, 0, 1, 0)
    entry = struct.pack("<II", 1, 0) + _lp_utf16("EncryptedPackage") + _lp_utf16("StrongEncryptionDataSpace")
    space_map = struct.pack("<II", 8, 1) + struct.pack("<I", 4 + len(entry)) + entry
    space_def = struct.pack("<II", 8, 1) + _lp_utf16("StrongEncryptionTransform")
    tid = _lp_utf16("{FF9A3F03-56EF-4613-BDD5-5A41C1D07246}")
    primary = (
        struct.pack("<II", 8 + len(tid), 1)
        + tid
        + _lp_utf16("Microsoft.Container.EncryptionTransform")
        + struct.pack("<HHHHHH", 1, 0, 1, 0, 1, 0)
        + struct.pack("<IIII", 0, 0, 0, 4)
    )
    return {
        "Version": version,
        "DataSpaceMap": space_map,
        "DataSpaceInfo": {"StrongEncryptionDataSpace": space_def},
        "TransformInfo": {"StrongEncryptionTransform": {"\x06Primary": primary}},
    }


def compound_file(tree: dict) -> bytes:
    """A minimal MS-CFB version 3 file (512-byte sectors, mini stream for streams under 4096 bytes) holding
    `tree`: name → bytes (a stream) or dict (a storage). Written from the specification."""
    SECT, MINI, CUTOFF = 512, 64, 4096
    FREE, END, FATSECT, NOSTREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
    nodes = [{"name": "Root Entry", "type": 5, "children": [], "data": b""}]

    def add(parent: int, items: dict) -> None:
        for name, value in items.items():
            idx = len(nodes)
            if isinstance(value, dict):
                nodes.append({"name": name, "type": 1, "children": [], "data": b""})
                nodes[parent]["children"].append(idx)
                add(idx, value)
            else:
                nodes.append({"name": name, "type": 2, "children": [], "data": value})
                nodes[parent]["children"].append(idx)

    add(0, tree)
    # sibling trees: a balanced binary search tree in CFB order (name length, then upper-case compare)
    for n in nodes:
        n.update(left=NOSTREAM, right=NOSTREAM, child=NOSTREAM)

    def build(ids: list[int]) -> int:
        if not ids:
            return NOSTREAM
        mid = len(ids) // 2
        nodes[ids[mid]]["left"] = build(ids[:mid])
        nodes[ids[mid]]["right"] = build(ids[mid + 1 :])
        return ids[mid]

    for n in nodes:
        kids = sorted(n["children"], key=lambda i: (len(nodes[i]["name"]), nodes[i]["name"].upper()))
        n["child"] = build(kids)
    # mini stream
    mini = bytearray()
    minifat: list[int] = []
    for n in nodes:
        if n["type"] == 2 and len(n["data"]) < CUTOFF:
            if not n["data"]:
                n["start"] = END
                continue
            first = len(mini) // MINI
            count = -(-len(n["data"]) // MINI)
            n["start"] = first
            minifat += [first + k + 1 for k in range(count - 1)] + [END]
            mini += n["data"] + b"\0" * (count * MINI - len(n["data"]))
    big = [n for n in nodes if n["type"] == 2 and len(n["data"]) >= CUTOFF]
    ndir = -(-len(nodes) // 4)
    nminifat = -(-len(minifat) * 4 // SECT) if minifat else 0
    nmini = -(-len(mini) // SECT)
    nbig = [-(-len(n["data"]) // SECT) for n in big]
    other = ndir + nminifat + nmini + sum(nbig)
    nfat = 1
    while nfat * (SECT // 4) < nfat + other:
        nfat += 1
    assert nfat <= 109
    fat = [FATSECT] * nfat
    pos = nfat

    def chain(count: int) -> int:
        nonlocal pos
        start = pos
        fat.extend([pos + k + 1 for k in range(count - 1)] + [END])
        pos += count
        return start

    dir_start = chain(ndir)
    minifat_start = chain(nminifat) if nminifat else END
    nodes[0]["start"] = chain(nmini) if nmini else END
    nodes[0]["size"] = len(mini)
    for n, count in zip(big, nbig):
        n["start"] = chain(count)
    fat += [FREE] * (nfat * (SECT // 4) - len(fat))
    header = (
        bytes.fromhex("D0CF11E0A1B11AE1")
        + b"\0" * 16
        + struct.pack("<HHHHH", 0x3E, 3, 0xFFFE, 9, 6)
        + b"\0" * 6
        + struct.pack("<IIIIIIIII", 0, nfat, dir_start, 0, CUTOFF, minifat_start, nminifat, END, 0)
    )
    header += b"".join(struct.pack("<I", k) for k in range(nfat)) + struct.pack("<I", FREE) * (109 - nfat)
    assert len(header) == SECT
    out = bytearray(header)
    out += b"".join(struct.pack("<I", v) for v in fat)
    entries = bytearray()
    for n in nodes:
        name = n["name"].encode("utf-16-le") + b"\0\0"
        size = n.get("size", len(n["data"])) if n["type"] != 1 else 0
        start = n.get("start", END) if n["type"] != 1 else 0
        entries += (
            name
            + b"\0" * (64 - len(name))
            + struct.pack("<HBB", len(name), n["type"], 1)
            + struct.pack("<III", n["left"], n["right"], n["child"])
            + b"\0" * 16
            + struct.pack("<I", 0)
            + b"\0" * 16
            + struct.pack("<IQ", start, size)
        )
    while len(entries) < ndir * SECT:
        entries += (
            b"\0" * 64
            + struct.pack("<HBB", 0, 0, 0)
            + struct.pack("<III", NOSTREAM, NOSTREAM, NOSTREAM)
            + b"\0" * 16
            + b"\0" * 4
            + b"\0" * 16
            + struct.pack("<IQ", 0, 0)
        )
    out += entries
    if nminifat:
        mf = b"".join(struct.pack("<I", v) for v in minifat)
        out += mf + struct.pack("<I", FREE) * ((nminifat * SECT - len(mf)) // 4)
    if nmini:
        out += mini + b"\0" * (nmini * SECT - len(mini))
    for n, count in zip(big, nbig):
        out += n["data"] + b"\0" * (count * SECT - len(n["data"]))
    assert len(out) == SECT * (1 + pos)
    return bytes(out)


def encrypted_xlsx(package: bytes, password: str) -> bytes:
    info, encrypted = standard_encrypt(package, password)
    return compound_file(
        {"\x06DataSpaces": dataspaces(), "EncryptionInfo": info, "EncryptedPackage": encrypted}
    )


# --- other files staff leave in the folder -----------------------------------------------------------------
def fixed_zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in entries.items():
            info = zipfile.ZipInfo(name, date_time=(2026, 10, 28, 9, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            z.writestr(info, content)
    return out.getvalue()


def minimal_docx(text: str) -> bytes:
    ct = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
        'document.main+xml"/></Types>'
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="word/document.xml"/></Relationships>'
    )
    paras = "".join(f"<w:p><w:r><w:t>{line}</w:t></w:r></w:p>" for line in text.split("\n"))
    doc = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
        f"<w:body>{paras}</w:body></w:document>"
    )
    return fixed_zip(
        {"[Content_Types].xml": ct.encode(), "_rels/.rels": rels.encode(), "word/document.xml": doc.encode()}
    )


def minimal_pdf() -> bytes:
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources "
        b"<< /Font << /F1 5 0 R >> >> >>",
        None,
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    stream = b"BT /F1 18 Tf 72 760 Td (Scanned registry, October 2026) Tj ET"
    objects[3] = b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream"
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def excel_owner_file(user: str) -> bytes:
    """What Excel leaves as ~$name.xlsx while a workbook is open: the user name, padded, twice."""
    ansi = user.encode("gbk")
    wide = user.encode("utf-16-le")
    data = (
        bytes([len(ansi)])
        + ansi.ljust(53, b" ")
        + struct.pack("<H", len(user))
        + wide
        + b" \x00" * ((108 - len(wide)) // 2)
    )
    return data[:165].ljust(165, b"\0")


def lo_lock_file(user: str, host: str, target: str) -> bytes:
    profile = f"file:///C:/Users/{user}/AppData/Roaming/LibreOffice/4"
    return f"{user},{host},{host},28.10.2026 09:15,{profile};".encode()
