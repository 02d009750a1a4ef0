"""Read every generated file back and check it against the scenario definitions (and so expected.yaml):
sheet names, header cells, which rows hold data (row numbers and counts), the identifying cell of every data
row, hidden rows, merged ranges, CSV field counts and encodings; then check that the rows meant to be
accepted really are valid (GB 11643 ID, birth date = ID, dates in order and before the cut-off, age in the
group's bounds, places in places.yaml) and that the rows meant to be rejected really fail for the reason
given.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import shutil
import subprocess
import tempfile
import unicodedata
import zipfile
from pathlib import Path

import openpyxl
import yaml
from corpus_lib import (
    AS_OF,
    ENUMS,
    EXCEL_EPOCH,
    SHORT,
    DateCell,
    FileSpec,
    Formula,
    LibreOffice,
    Num,
    Scenario,
    Serial,
    Sheet,
    csv_cell,
    excel_escape_controls,
)

BOUNDS = {
    "闲散青少年": (6, 26),
    "有不良行为或严重不良行为青少年": (6, 26),
    "流浪乞讨未成年人": (6, 18),
    "服刑人员未成年子女": (6, 18),
    "农村留守儿童": (None, 16),
    "困境未成年人": (None, 18),
}


# --- a reference reading of values (only to check the corpus itself) -------------------------------------
class MonthOnly(Exception):
    pass


def ref_date(value):
    if value is None:
        return None
    if isinstance(value, DateCell):
        return value.value.date()
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, Num):
        raise MonthOnly()
    if isinstance(value, Serial):
        return EXCEL_EPOCH + dt.timedelta(days=int(value))
    if isinstance(value, int):
        text = str(value)
    else:
        text = unicodedata.normalize("NFKC", str(value)).strip()
    m = re.fullmatch(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?", text) or re.fullmatch(
        r"(\d{4})(\d{2})(\d{2})", text
    )
    if m:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    if re.fullmatch(r"\d{4}\s*[-/.年]\s*\d{1,2}\s*月?", text):
        raise MonthOnly()
    raise ValueError(text)


def ref_id(value):
    from stdnum.cn import ric

    if isinstance(value, (int, float)):
        raise ValueError("number")
    text = (
        unicodedata.normalize("NFKC", str(value))
        .strip()
        .replace(" ", "")
        .replace("-", "")
        .replace("\t", "")
        .upper()
    )
    return ric.validate(text)


def age_on(birth, day):
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def load_places(path: Path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    towns = {}
    for t in data["townships"]:
        villages = {}
        for v in t["villages"]:
            for spelling in [v["name"]] + list(v["aliases"]):
                villages[spelling] = v["name"]
        for spelling in [t["name"]] + list(t["aliases"]):
            towns[spelling] = (t["name"], villages)
    return towns


def resolve(towns, t, v):
    if not isinstance(t, str) or not isinstance(v, str):
        return None
    t, v = t.strip(), v.strip()
    if t not in towns:
        return None
    name, villages = towns[t]
    return (name, villages[v]) if v in villages else None


# --- reading files back ----------------------------------------------------------------------------------
def open_book(path: Path, fmt: str, lo: LibreOffice, tmp: Path):
    if fmt in ("xlsx", "lo-xlsx", "xlsm"):
        return openpyxl.load_workbook(path, data_only=True)
    src = tmp / ("in.xls" if fmt in ("xls", "xls-as-xlsx") else "in.ods")
    shutil.copyfile(path, src)
    out = lo.convert(src, "xlsx", "Calc MS Excel 2007 XML", tmp / "back")
    return openpyxl.load_workbook(out, data_only=True)


def blank(v) -> bool:
    return v is None or (isinstance(v, str) and not v.strip())


def check_sheet(ws, sheet: Sheet, where: str, problems: list, fmt: str) -> None:
    if sheet.kind == "empty":
        if ws.max_row > 1 or ws.cell(1, 1).value is not None:
            problems.append(f"{where}: sheet should be empty")
        return
    if sheet.kind == "other":
        for r, line in enumerate(sheet.grid, start=1):
            for c, value in enumerate(line, start=1):
                if value is not None and ws.cell(r, c).value != value:
                    problems.append(f"{where}: cell {r},{c} = {ws.cell(r, c).value!r}, wrote {value!r}")
        return
    hr = len(sheet.top) + sheet.header_count
    for c, (_key, header) in enumerate(sheet.cols, start=1):
        found = [ws.cell(r, c).value for r in range(len(sheet.top) + 1, hr + 1)]
        if header not in found:
            problems.append(f"{where}: header {header!r} not in column {c} ({found})")
    seq_col = next((i for i, (k, _) in enumerate(sheet.cols) if k == "seq"), None)
    width = len(sheet.cols)
    nonempty = set()
    for r in range(hr + 1, ws.max_row + 1):
        cells = [ws.cell(r, c).value for c in range(1, width + 1)]
        if any(not blank(v) for i, v in enumerate(cells) if i != seq_col):
            nonempty.add(r)
        elif any(not blank(ws.cell(r, c).value) for c in range(width + 1, width + 5)):
            problems.append(f"{where}: row {r} has values right of the table")
    want = {row.no for row in sheet.data_rows()}
    if nonempty != want:
        problems.append(f"{where}: data rows in file {sorted(nonempty)} != expected {sorted(want)}")
    keys = [k for k, _ in sheet.cols]
    merged = {str(m) for m in ws.merged_cells.ranges}
    covered = set()
    for key, i0, i1 in sheet.data_merges:
        col = openpyxl.utils.get_column_letter(keys.index(key) + 1)
        rng = f"{col}{sheet.first_data_row() + i0}:{col}{sheet.first_data_row() + i1}"
        if rng not in merged:
            problems.append(f"{where}: merged range {rng} missing ({merged})")
        covered |= {
            (r, keys.index(key))
            for r in range(sheet.first_data_row() + i0 + 1, sheet.first_data_row() + i1 + 1)
        }
    for row in sheet.data_rows():
        if bool(ws.row_dimensions[row.no].hidden) != row.hidden:
            problems.append(
                f"{where}: row {row.no} hidden={ws.row_dimensions[row.no].hidden}, expected {row.hidden}"
            )
        for key in ("case_id", "name", "village", "id_number", "phone", "address"):
            if key not in keys or (row.no, keys.index(key)) in covered:
                continue
            written = row.v.get(key)
            if not isinstance(written, str) or isinstance(written, Formula) or not written:
                continue
            got = ws.cell(row.no, keys.index(key) + 1).value
            if got != excel_escape_controls(written):
                problems.append(f"{where}: row {row.no} {key} = {got!r}, wrote {written!r}")


def check_csv(path: Path, fs: FileSpec, where: str, problems: list) -> None:
    raw = path.read_bytes()
    if fs.encoding == "utf-8-sig" and not raw.startswith(b"\xef\xbb\xbf"):
        problems.append(f"{where}: BOM missing")
    if fs.encoding == "utf-8" and raw.startswith(b"\xef\xbb\xbf"):
        problems.append(f"{where}: unexpected BOM")
    if fs.encoding == "gbk":
        try:
            raw.decode("utf-8")
            problems.append(f"{where}: GBK file also decodes as UTF-8")
        except UnicodeDecodeError:
            pass
    text = raw.decode(fs.encoding)
    records = list(csv.reader(io.StringIO(text, newline="")))
    sheet = fs.sheets[0]
    width = len(sheet.cols)
    hr = len(sheet.top)
    if records[hr] != [h for _, h in sheet.cols]:
        problems.append(f"{where}: header record {records[hr]}")
    if len(records) != hr + 1 + len(sheet.rows):
        problems.append(f"{where}: {len(records)} records, expected {hr + 1 + len(sheet.rows)}")
    keys = [k for k, _ in sheet.cols]
    for i, row in enumerate(sheet.rows):
        if hr + 1 + i >= len(records):
            break
        rec = records[hr + 1 + i]
        if row is None:
            if any(x.strip() for x in rec):
                problems.append(f"{where}: record {hr + 2 + i} should be empty: {rec}")
            continue
        if row.no != hr + 2 + i:
            problems.append(f"{where}: row number {row.no} != {hr + 2 + i}")
        if row.raw_csv is not None:
            if len(rec) == width:
                problems.append(f"{where}: row {row.no} meant ragged but has {width} fields")
            continue
        if len(rec) != width:
            problems.append(f"{where}: row {row.no} has {len(rec)} fields")
        elif rec[keys.index("case_id")] != csv_cell(row.v.get("case_id")):
            problems.append(f"{where}: row {row.no} case_id {rec[0]!r}")


def check_encrypted(path: Path, fmt: str, where: str, problems: list) -> None:
    if path.read_bytes()[:8] != bytes.fromhex("D0CF11E0A1B11AE1"):
        problems.append(f"{where}: not an OLE compound file")
        return
    script = (
        "import sys, io, msoffcrypto, olefile, zipfile\n"
        "f = open(sys.argv[1], 'rb'); o = msoffcrypto.OfficeFile(f)\n"
        "assert o.is_encrypted(), 'not encrypted'\n"
        "if sys.argv[2] == 'encrypted-xlsx':\n"
        "    ole = olefile.OleFileIO(sys.argv[1]); print(sorted('/'.join(p) for p in ole.listdir()))\n"
        "    o.load_key(password='1234'); out = io.BytesIO(); o.decrypt(out)\n"
        "    print(zipfile.ZipFile(out).namelist()[:3])\n"
        "else:\n"
        "    print('encrypted xls ok')\n"
    )
    try:
        res = subprocess.run(
            ["/usr/bin/python3", "-c", script, str(path), fmt], capture_output=True, text=True, timeout=120
        )
    except FileNotFoundError:
        return
    if res.returncode != 0:
        if "No module named 'msoffcrypto'" in res.stderr:
            return  # cannot check here
        problems.append(f"{where}: encryption check failed: {res.stderr.strip()[-300:]}")


# --- the rows' meaning -----------------------------------------------------------------------------------
def check_meaning(fs: FileSpec, where: str, towns, problems: list) -> None:
    accepted_ids = set()
    for sheet in fs.sheets:
        if sheet.kind != "cases":
            continue
        keys = [k for k, _ in sheet.cols]
        for row in sheet.data_rows():
            v, tag = row.v, f"{where}/{sheet.title} row {row.no}"
            reason = row.reject[1] if row.reject else None
            if row.reject is None:
                problems.extend(_valid_case(v, keys, row, towns, tag))
                accepted_ids.add(row.case_id)
            else:
                problems.extend(_really_bad(v, keys, row, towns, tag, reason))
    for sheet in fs.sheets:
        if sheet.kind != "contacts":
            continue
        for row in sheet.data_rows():
            tag = f"{where}/{sheet.title} row {row.no}"
            if row.reject is None:
                if row.case_id not in accepted_ids:
                    problems.append(f"{tag}: contact for {row.case_id!r} has no accepted case")
                d = ref_date(row.v["date"])
                if d is None or d > AS_OF:
                    problems.append(f"{tag}: contact date {d}")
            elif row.reject[1] == "没有这个个案" and row.case_id in accepted_ids:
                problems.append(f"{tag}: case {row.case_id} is accepted, contact should attach")


def _valid_case(v, keys, row, towns, tag) -> list[str]:
    out = []
    try:
        idn = ref_id(v["id_number"])
    except Exception as exc:
        return [f"{tag}: accepted row with bad ID {v['id_number']!r} ({exc.__class__.__name__})"]
    from stdnum.cn import ric

    born = ric.get_birth_date(idn)
    if "birth_date" in keys and not isinstance(v["birth_date"], Formula):
        try:
            if ref_date(v["birth_date"]) != born:
                out.append(f"{tag}: birth {v['birth_date']!r} != ID {born}")
        except Exception as exc:
            out.append(f"{tag}: birth date unreadable {v['birth_date']!r} ({exc.__class__.__name__})")
    try:
        entry = ref_date(v["entry_date"])
    except Exception as exc:
        return out + [f"{tag}: entry date unreadable {v['entry_date']!r} ({exc.__class__.__name__})"]
    if entry is None or entry > AS_OF or entry < born:
        out.append(f"{tag}: entry date {entry}")
    group = str(v.get("group") or "").strip()
    group = SHORT.get(group, group)
    if group not in ENUMS["group"]:
        out.append(f"{tag}: group {group!r}")
    else:
        lo, hi = BOUNDS[group]
        age = age_on(born, entry)
        if (lo is not None and age < lo) or age >= hi:
            out.append(f"{tag}: age {age} at entry outside {group}")
    if v.get("risk") not in ENUMS["risk"]:
        out.append(f"{tag}: risk {v.get('risk')!r}")
    if "exit_date" in keys and v.get("exit_date"):
        ex = ref_date(v["exit_date"])
        if ex < entry or ex > AS_OF or v.get("exit_reason") not in ENUMS["exit_reason"]:
            out.append(f"{tag}: exit {ex} {v.get('exit_reason')}")
    if "exit_date" in keys and not v.get("exit_date") and v.get("exit_reason"):
        out.append(f"{tag}: exit reason without date")
    if not row.case_id:
        out.append(f"{tag}: no case id")
    if not v.get("name"):
        out.append(f"{tag}: no name")
    if resolve(towns, v.get("township"), v.get("village")) != row.tv:
        out.append(f"{tag}: place {v.get('township')!r}/{v.get('village')!r} does not resolve to {row.tv}")
    for key, val in v.items():
        if isinstance(val, str) and re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", val):
            out.append(f"{tag}: accepted row holds a control character in {key}")
    if "phone" in row.checks and row.checks["phone"] is not None:
        digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", str(v["phone"]).replace("+86", "")))
        if not digits.endswith(row.checks["phone"].replace("-", "")):
            out.append(f"{tag}: phone {v['phone']!r} vs {row.checks['phone']}")
    return out


def _really_bad(v, keys, row, towns, tag, reason) -> list[str]:
    """The rejected row must really fail for the reason given."""
    from stdnum.cn import ric

    out = []
    if reason == "校验码":
        try:
            ref_id(v["id_number"])
            out.append(f"{tag}: ID {v['id_number']} is valid")
        except Exception as exc:
            if exc.__class__.__name__ != "InvalidChecksum":
                out.append(f"{tag}: ID fails with {exc.__class__.__name__}, not the check digit")
    elif reason == "18 位":
        if len(re.sub(r"\s", "", str(v["id_number"]))) == 18:
            out.append(f"{tag}: ID has 18 characters")
    elif reason == "与身份证号" and row.reject[0] == "birth_date":
        if ref_date(v["birth_date"]) == ric.get_birth_date(ref_id(v["id_number"])):
            out.append(f"{tag}: birth date agrees with the ID")
    elif reason == "不在本县地名表中":
        if resolve(towns, v.get("township"), v.get("village")) is not None:
            out.append(f"{tag}: place resolves")
    elif reason == "年月":
        try:
            ref_date(v[row.reject[0]])
            out.append(f"{tag}: {v[row.reject[0]]!r} reads as a full date")
        except MonthOnly:
            pass
    elif reason == "截止日":
        if ref_date(v[row.reject[0]]) <= AS_OF:
            out.append(f"{tag}: not after the cut-off")
    elif reason == "早于出生日期":
        if ref_date(v["entry_date"]) >= ref_date(v["birth_date"]):
            out.append(f"{tag}: entry not before birth")
    elif reason == "早于纳入日期":
        if ref_date(v["exit_date"]) >= ref_date(v["entry_date"]):
            out.append(f"{tag}: exit not before entry")
    elif reason == "年龄界限":
        group = SHORT.get(v["group"], v["group"])
        lo, hi = BOUNDS[group]
        age = age_on(ref_date(v["birth_date"]), ref_date(v["entry_date"]))
        if (lo is None or age >= lo) and age < hi:
            out.append(f"{tag}: age {age} is inside the bounds")
    elif reason == "控制字符":
        if not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", str(v[row.reject[0]])):
            out.append(f"{tag}: no control character")
    elif reason == "不允许的字符":
        if not re.search(r"[/\\]|\.\.", str(v[row.reject[0]])):
            out.append(f"{tag}: nothing unsafe")
    elif reason == "过长":
        if len(str(v[row.reject[0]])) <= 64:
            out.append(f"{tag}: not over 64 characters")
    return out


def verify_all(out: Path, scenarios: list[Scenario], lo: LibreOffice, places: Path) -> list[str]:
    problems: list[str] = []
    towns = load_places(places)
    tmp = Path(tempfile.mkdtemp(prefix="corpus-verify-"))
    try:
        for s in scenarios:
            folder = out / s.name
            on_disk = sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())
            listed = sorted(f.path for f in s.files)
            if on_disk != listed:
                problems.append(f"{s.name}: files on disk {on_disk} != listed {listed}")
            for fs in s.files:
                path = folder / fs.path
                where = f"{s.name}/{fs.path}"
                if fs.copy_of:
                    if path.read_bytes() != (folder / fs.copy_of).read_bytes():
                        problems.append(f"{where}: not identical to {fs.copy_of}")
                if fs.fmt in ("encrypted-xlsx", "encrypted-xls"):
                    check_encrypted(path, fs.fmt, where, problems)
                    continue
                if fs.fmt == "truncated":
                    try:
                        zipfile.ZipFile(path)
                        problems.append(f"{where}: truncated file still opens")
                    except zipfile.BadZipFile:
                        pass
                    continue
                if fs.fmt == "raw":
                    continue
                if fs.fmt == "xls-as-xlsx" or fs.fmt == "xls":
                    if path.read_bytes()[:8] != bytes.fromhex("D0CF11E0A1B11AE1"):
                        problems.append(f"{where}: not an OLE (BIFF) file")
                    import xlrd

                    book = xlrd.open_workbook(file_contents=path.read_bytes())
                    if book.sheet_names() != [sh.title for sh in fs.sheets]:
                        problems.append(f"{where}: xlrd sheets {book.sheet_names()}")
                if fs.fmt == "csv":
                    check_csv(path, fs, where, problems)
                else:
                    work = tmp / f"{len(problems)}-{abs(hash(where))}"
                    work.mkdir()
                    wb = open_book(path, fs.fmt, lo, work)
                    titles = [ws.title for ws in wb.worksheets]
                    want = (
                        ([] if not fs.template else ["说明"])
                        + [sh.title for sh in fs.sheets]
                        + ([] if not fs.template else ["选项"])
                    )
                    if titles != want:
                        problems.append(f"{where}: sheets {titles} != {want}")
                    for sh in fs.sheets:
                        if sh.title in wb.sheetnames:
                            check_sheet(wb[sh.title], sh, f"{where}/{sh.title}", problems, fs.fmt)
                    if fs.fmt == "lo-xlsx":
                        _check_formulas(path, fs, where, problems)
                if fs.outcome == "read":
                    check_meaning(fs, where, towns, problems)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return problems


def _check_formulas(path: Path, fs: FileSpec, where: str, problems: list) -> None:
    """The LibreOffice-saved workbook must hold both the formulas and their computed values."""
    values = openpyxl.load_workbook(path, data_only=True)
    formulas = openpyxl.load_workbook(path, data_only=False)
    sheet = fs.sheets[0]
    keys = [k for k, _ in sheet.cols]
    col = keys.index("birth_date") + 1
    for row in sheet.data_rows():
        f = formulas[sheet.title].cell(row.no, col).value
        got = values[sheet.title].cell(row.no, col).value
        if not (isinstance(f, str) and f.startswith("=")):
            problems.append(f"{where}: row {row.no} birth date is not a formula ({f!r})")
        want = row.checks.get("birth_date")
        if not isinstance(got, dt.datetime) or got.date().isoformat() != want:
            problems.append(f"{where}: row {row.no} computed birth date {got!r} != {want}")
