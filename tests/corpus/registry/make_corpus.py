#!/usr/bin/env python3
"""(Re)create the messy-registry test corpus: scenarios/<NN-name>/..., places.yaml and expected.yaml.

Run:  cd /work/main && .venv/bin/python /work/corpus/registry/make_corpus.py
      (needs openpyxl, python-stdnum, PyYAML and cryptography, all in the project's .venv, and LibreOffice:
       apt-get install -y libreoffice-calc-nogui; the password-protected .xls also needs python3-uno, which
       that package brings, run by /usr/bin/python3)

Deterministic: no randomness; names, ID numbers (GB 11643, area 341221), phones and dates come from a running
sequence number; zip-based files (.xlsx .xlsm .ods .docx .zip) are re-packed with fixed timestamps and fixed
document dates. Exception: the RC4-encrypted .xls (16-encrypted-xls) gets a random salt from LibreOffice,
so its bytes differ between runs (its content and outcome do not).

How each kind of file is made (also written into expected.yaml as `made_by`):
  xlsx            openpyxl, saved with fixed dates
  xlsx (template) openpyxl, laid out like the project's template: 说明 sheet, 个案台账, 联系记录, hidden 选项 sheet,
                  drop-down validations, 150 pre-formatted empty rows
  lo-xlsx         openpyxl workbook with real formulas, passed through LibreOffice (xlsx → xlsx) so that every
                  formula carries its computed value, as Excel/WPS files do
  xlsm            openpyxl workbook → soffice --convert-to 'xlsm:Calc MS Excel 2007 VBA XML' (macro-enabled
                  content type; no VBA project inside)
  ods             openpyxl workbook → soffice --convert-to 'ods:calc8'
  xls             openpyxl workbook → soffice --convert-to 'xls:MS Excel 97' (real BIFF8 in an OLE file)
  xls-as-xlsx     as xls, then named .xlsx
  encrypted-xlsx  an openpyxl .xlsx encrypted here with ECMA-376 Standard Encryption (AES-128, password 1234)
                  and stored in an OLE compound file written from the MS-CFB spec, with the \\x06DataSpaces
                  streams Office writes (LibreOffice 7.4 cannot save an encrypted .xlsx:
                  its EncryptFile/Password
                  filter options are ignored by --convert-to and by storeToURL)
  encrypted-xls   openpyxl workbook → LibreOffice through UNO storeToURL(FilterName 'MS Excel 97',
  Password 1234)
  csv             written here as text (Excel's CRLF, minimal quoting), encoded UTF-8, UTF-8 with BOM or GBK;
                  malformed lines written as is
  raw             bytes written here (lock files, .docx, .pdf, .zip, truncated/empty/HTML-as-.xls files)

After writing, every file is read back (openpyxl; .ods/.xls/.xlsm through LibreOffice → .xlsx; CSV with the
csv
module; encrypted files through msoffcrypto-tool when /usr/bin/python3 has it) and the row numbers, row
counts, headers and hidden rows recorded in expected.yaml are checked against what is really in the file.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import expected_io  # noqa: E402
import verify  # noqa: E402
from corpus_lib import (  # noqa: E402
    AREA,
    CASE_COLS,
    CONTACT_COLS,
    FATHER,
    GROUPS,
    MINOR_GROUPS,
    MOTHER,
    SHORT,
    DateCell,
    FileSpec,
    Formula,
    LibreOffice,
    Num,
    Row,
    Scenario,
    Sheet,
    bad_checksum,
    cn_date,
    compact,
    dots,
    excel_owner_file,
    fixed_zip,
    id_number,
    id_with_x,
    lo_lock_file,
    minimal_docx,
    minimal_pdf,
    next_seq,
    person_name,
    serial,
    slashes,
    xlsx_bytes,
)

OUT = HERE / "scenarios"

PLACES_YAML = """\
# The county's place list the importer checks the 乡镇（街道） and 村（社区） cells against.
# A cell is accepted when, after trimming spaces, it equals a name or one of its aliases (no other
# suffix guessing); it is then replaced by the canonical name. Aliases are per township: 白果 is a village
# in both 高峰镇 and 青山乡, and the township decides which.
county: 示范县
townships:
  - name: 高峰镇
    aliases: [高峰乡, 高峰]            # 高峰乡 became 高峰镇 in 2015; old stamps and habits remain
    villages:
      - {name: 长岭村, aliases: [长岭, 长岭村委会]}
      - {name: 凤凰村, aliases: [凤凰, 凤凰村委会]}
      - {name: 石桥村, aliases: [石桥, 石桥村委会]}
      - {name: 双河村, aliases: [双河, 双河村委会]}
      - {name: 白果村, aliases: [白果, 白果村委会]}
  - name: 团结街道
    aliases: [团结, 团结街道办事处, 团结办事处]
    villages:
      - {name: 杨柳社区, aliases: [杨柳, 杨柳居委会, 杨柳社区居委会]}
      - {name: 东升社区, aliases: [东升, 东升居委会]}
      - {name: 新华社区, aliases: [新华, 新华居委会]}
      - {name: 河滨社区, aliases: [河滨, 河滨居委会]}
      - {name: 光明村, aliases: [光明, 光明村委会]}
  - name: 青山乡
    aliases: [青山, 青山镇]
    villages:
      - {name: 茶园村, aliases: [茶园, 茶园村委会]}
      - {name: 大坪村, aliases: [大坪, 大坪村委会]}
      - {name: 桃源村, aliases: [桃源, 桃源村委会]}
      - {name: 白果村, aliases: [白果, 白果村委会]}
      - {name: 青龙村, aliases: [青龙, 青龙村委会]}
"""

STAFF = {
    "长岭村": "王平",
    "凤凰村": "李红梅",
    "石桥村": "陈刚",
    "双河村": "刘芳",
    "白果村": "周建华",
    "杨柳社区": "赵敏",
    "东升社区": "孙丽",
    "新华社区": "吴强",
    "河滨社区": "郑小燕",
    "光明村": "冯军",
    "茶园村": "陈刚",
    "大坪村": "黄伟",
    "桃源村": "何静",
    "青龙村": "马超",
}


# --- people ---------------------------------------------------------------------------------------------
class Village:
    """Makes valid case and contact rows for one village; scenarios then spoil some of them."""

    def __init__(self, township: str, village: str, start: int = 1, id_prefix: str = "") -> None:
        self.t, self.v = township, village
        self.n = start - 1
        self.staff = STAFF.get(village, "王平")
        self.prefix = id_prefix

    def case(
        self,
        group: str = "闲散青少年",
        *,
        male: bool = True,
        n: int | None = None,
        birth: dt.date | None = None,
        tw: str | None = None,
        vw: str | None = None,
        gw: str | None = None,
        **over,
    ) -> Row:
        if n is None:
            self.n += 1
            n = self.n
        seq = next_seq()
        g = GROUPS[group]
        birth = birth or dt.date(g["year"], 1 + seq % 12, 1 + (seq * 5) % 28)
        surname = person_name(seq)[0]
        guardian, relation = None, None
        if group in MINOR_GROUPS or group == "有不良行为或严重不良行为青少年":
            if seq % 3 == 0:
                guardian, relation = surname + MOTHER[seq % len(MOTHER)], "母亲"
            elif seq % 3 == 1:
                guardian, relation = surname + FATHER[seq % len(FATHER)], "父亲"
            else:
                guardian, relation = surname + "老" + FATHER[seq % len(FATHER)][0], "祖父母"
        v = {
            "case_id": f"{self.prefix}{n:04d}",
            "township": tw or self.t,
            "village": vw or self.v,
            "group": gw or group,
            "distress_type": "家庭贫困" if group == "困境未成年人" else None,
            "risk": g["risk"],
            "name": person_name(seq),
            "gender": "男" if male else "女",
            "birth_date": birth,
            "id_number": id_number(AREA, birth, seq, male),
            "guardian": guardian,
            "guardian_relation": relation,
            "phone": f"139{seq:08d}",
            "address": f"{self.v}{seq % 6 + 1}组{seq % 40 + 1}号",
            "status": g["status"],
            "contact_person": self.staff,
            "entry_date": dt.date(2025, 1 + seq % 9, 3 + seq % 25),
            "exit_date": None,
            "exit_reason": None,
        }
        v.update(over)
        return Row(v, tv=(self.t, self.v))

    def contact(
        self,
        case: Row | str,
        day: dt.date | object,
        method: str = "走访",
        by: str | None = "",
        note=None,
        **kw,
    ) -> Row:
        cid = case if isinstance(case, str) else case.v["case_id"]
        return Row(
            {
                "case_id": cid,
                "date": day,
                "method": method,
                "by": self.staff if by == "" else by,
                "note": note,
            },
            tv=(self.t, self.v),
            **kw,
        )

    def cases(self, count: int, groups: list[str] | None = None) -> list[Row]:
        groups = groups or ["闲散青少年", "农村留守儿童", "困境未成年人", "有不良行为或严重不良行为青少年"]
        return [self.case(groups[i % len(groups)], male=i % 2 == 0) for i in range(count)]

    def contacts(self, cases: list[Row], months=(8, 9, 10), day: int = 6) -> list[Row]:
        rows = []
        for m in months:
            for i, c in enumerate(cases):
                if c.reject:
                    continue
                rows.append(
                    self.contact(
                        c, dt.date(2026, m, min(28, day + i)), method=["走访", "电话", "到校"][i % 3]
                    )
                )
        return rows


def unquoted(row: Row, key: str) -> str:
    """The row as a CSV line, but with `key`'s value (holding a comma) written without the quotes it needs."""
    from corpus_lib import csv_line

    marker = "\ue000"
    line = csv_line([marker if k == key else row.v.get(k) for k, _ in CASE_COLS])
    return line.replace(marker, row.v[key])


def cases_sheet(rows, title="个案台账", cols=None, **kw) -> Sheet:
    return Sheet(title, "cases", list(cols or CASE_COLS), rows, **kw)


def contacts_sheet(rows, title="联系记录", cols=None, **kw) -> Sheet:
    return Sheet(title, "contacts", list(cols or CONTACT_COLS), rows, **kw)


def std_file(path: str, v: Village, n: int = 5, contacts: bool = True, fmt: str = "xlsx", **kw) -> FileSpec:
    cases = v.cases(n)
    sheets = [cases_sheet(cases)]
    if contacts:
        sheets.append(contacts_sheet(v.contacts(cases, months=(9, 10))))
    return FileSpec(path, fmt, sheets, **kw)


def cols_without(*keys) -> list:
    return [c for c in CASE_COLS if c[0] not in keys]


def rename(cols: list, **headers) -> list:
    return [(k, headers.get(k, h)) for k, h in cols]


def reject(row: Row, key: str | None, contains: str) -> Row:
    row.reject = (key, contains)
    return row


def warn(row: Row, key: str, contains: str, **checks) -> Row:
    row.warns.append((key, contains))
    row.checks.update(checks)
    return row


def check(row: Row, **checks) -> Row:
    row.checks.update(checks)
    return row


# --- the scenarios --------------------------------------------------------------------------------------
def scenarios() -> list[Scenario]:
    S: list[Scenario] = []

    # 01 ------------------------------------------------------------------------------------------------
    v = Village("高峰镇", "长岭村")
    cases = v.cases(
        6,
        [
            "闲散青少年",
            "农村留守儿童",
            "困境未成年人",
            "服刑人员未成年子女",
            "流浪乞讨未成年人",
            "有不良行为或严重不良行为青少年",
        ],
    )
    check(
        cases[0],
        phone=cases[0].v["phone"],
        birth_date=cases[0].v["birth_date"].isoformat(),
        group="闲散青少年",
    )
    S.append(
        Scenario(
            "01-baseline-template",
            "the project's own template filled in correctly: a baseline where "
            "everything is accepted (template 说明/选项 sheets, 150 formatted empty rows)",
            [
                FileSpec(
                    "高峰镇-长岭村.xlsx",
                    "xlsx",
                    [
                        cases_sheet(cases, validations=True, filler_rows=150),
                        contacts_sheet(v.contacts(cases), validations=True, filler_rows=150),
                    ],
                    template=True,
                    check_contacts=True,
                )
            ],
        )
    )

    # 02 ------------------------------------------------------------------------------------------------
    v = Village("团结街道", "杨柳社区")
    cases = v.cases(5)
    reject(cases[2], "id_number", "校验码").v["id_number"] = bad_checksum(cases[2].v["id_number"])
    warn(cases[3], "phone", "无", phone=None).v["phone"] = "无"
    check(cases[0], name=cases[0].v["name"], entry_date=cases[0].v["entry_date"].isoformat())
    S.append(
        Scenario(
            "02-ods-file",
            "a registry saved by LibreOffice/WPS as .ods (OpenDocument)",
            [
                FileSpec(
                    "团结街道-杨柳社区.ods",
                    "ods",
                    [cases_sheet(cases), contacts_sheet(v.contacts(cases))],
                    check_contacts=True,
                )
            ],
        )
    )

    # 03 ------------------------------------------------------------------------------------------------
    v = Village("高峰镇", "石桥村")
    cases = v.cases(5)
    check(cases[1], gender=cases[1].v["gender"], id_number=cases[1].v["id_number"])
    S.append(
        Scenario(
            "03-xlsm-file",
            "a macro-enabled workbook (.xlsm)",
            [FileSpec("高峰镇-石桥村.xlsm", "xlsm", [cases_sheet(cases), contacts_sheet(v.contacts(cases))])],
        )
    )

    # 04 ------------------------------------------------------------------------------------------------
    v = Village("青山乡", "大坪村")
    cases = v.cases(6)
    cases[1].v["entry_date"] = "2025.4.8"
    check(cases[1], entry_date="2025-04-08")
    r = cases[4]
    r.v.update(exit_date=dt.date(2024, 12, 1), exit_reason="情况好转", entry_date=dt.date(2025, 3, 1))
    reject(r, "exit_date", "早于纳入日期")
    check(cases[0], birth_date=cases[0].v["birth_date"].isoformat())
    S.append(
        Scenario(
            "04-real-xls",
            "an old Excel 97-2003 .xls file (BIFF8), dates stored as date cells and as text",
            [FileSpec("青山乡-大坪村.xls", "xls", [cases_sheet(cases), contacts_sheet(v.contacts(cases))])],
        )
    )

    # 05 ------------------------------------------------------------------------------------------------
    v = Village("青山乡", "桃源村")
    cases = v.cases(5)
    check(cases[2], name=cases[2].v["name"])
    S.append(
        Scenario(
            "05-xls-renamed-xlsx",
            "a real .xls whose name was changed to .xlsx: must be read as .xls, not reported as corrupt",
            [
                FileSpec(
                    "青山乡-桃源村.xlsx",
                    "xls-as-xlsx",
                    [cases_sheet(cases), contacts_sheet(v.contacts(cases, months=(10,)))],
                )
            ],
        )
    )

    # 06 ------------------------------------------------------------------------------------------------
    files = [
        std_file("高峰镇/长岭村.xlsx", Village("高峰镇", "长岭村"), 4),
        std_file("高峰镇/凤凰村.xlsx", Village("高峰镇", "凤凰村"), 3),
        std_file("团结街道/东升社区.xlsx", Village("团结街道", "东升社区"), 4),
    ]
    v = Village("青山乡", "茶园村")
    files.append(
        FileSpec(
            "青山乡/10月报送/茶园村.csv", "csv", [cases_sheet(v.cases(3), title=None)], encoding="utf-8-sig"
        )
    )
    S.append(
        Scenario(
            "06-township-subfolders",
            "one folder per township, one file per village inside, one of them "
            "two levels down; file names carry no township",
            files,
        )
    )

    # 07 ------------------------------------------------------------------------------------------------
    f = std_file("高峰镇-长岭村.xlsx", Village("高峰镇", "长岭村"), 4)
    skipped = [
        FileSpec(
            "~$高峰镇-长岭村.xlsx",
            "raw",
            raw=excel_owner_file("zhangsan"),
            outcome="skipped",
            reason="临时文件",
            how="Excel owner (lock) file, 165 bytes",
        ),
        FileSpec(
            ".~lock.高峰镇-长岭村.xlsx#",
            "raw",
            raw=lo_lock_file("张三", "DESKTOP-8G2K1", "高峰镇-长岭村.xlsx"),
            outcome="skipped",
            reason="临时文件",
            how="LibreOffice lock file",
        ),
        FileSpec(
            "工作说明.docx",
            "raw",
            raw=minimal_docx("高峰镇长岭村2026年10月重点青少年工作说明\n本月新增1人，退出0人。"),
            outcome="skipped",
            reason="不支持的文件类型",
            how="a minimal .docx written here",
        ),
        FileSpec(
            "情况说明.txt",
            "raw",
            raw="长岭村10月台账已更新，请查收。\r\n".encode("gbk"),
            outcome="skipped",
            reason="不支持的文件类型",
            how="GBK text",
        ),
        FileSpec(
            "扫描件.pdf",
            "raw",
            raw=minimal_pdf(),
            outcome="skipped",
            reason="不支持的文件类型",
            how="a one-page PDF written here",
        ),
        FileSpec(
            "上月备份.zip",
            "raw",
            raw=fixed_zip(
                {"高峰镇-长岭村（9月）.xlsx": xlsx_bytes([cases_sheet(Village("高峰镇", "长岭村").cases(2))])}
            ),
            outcome="skipped",
            reason="不支持的文件类型",
            how="a zip holding last month's workbook (not opened)",
        ),
        FileSpec(
            ".DS_Store",
            "raw",
            raw=b"\x00\x00\x00\x01Bud1" + b"\x00" * 2036,
            outcome="skipped",
            reason="隐藏文件",
            how="macOS folder metadata stub",
        ),
        FileSpec(
            "Thumbs.db",
            "raw",
            raw=bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 504,
            outcome="skipped",
            reason="不支持的文件类型",
            how="Windows thumbnail cache stub (OLE header)",
        ),
    ]
    S.append(
        Scenario(
            "07-lock-and-other-files",
            "the data file beside Excel's and LibreOffice's lock files, a .docx, "
            ".txt, .pdf, .zip, .DS_Store and Thumbs.db: each skipped file named in a notice",
            [f] + skipped,
        )
    )

    # 08 ------------------------------------------------------------------------------------------------
    v = Village("高峰镇", "凤凰村")
    phones = [
        ("138-1234-5678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("+86 13812345678", "13812345678"),
        ("(0710)1234567", "0710-1234567"),
        ("0710-1234567", "0710-1234567"),
        ("（0710）1234567", "0710-1234567"),
        ("１３９１２３４５６７８", "13912345678"),
        (13912345679, "13912345679"),
        ("+86-139-1234-5680", "13912345680"),
        (" 13812345678 ", "13812345678"),
        ("0710 1234567", "0710-1234567"),
        ("86-13812345679", "13812345679"),
    ]
    cases = []
    for written, norm in phones:
        r = v.case("农村留守儿童")
        r.v["phone"] = written
        cases.append(check(r, phone=norm))
    S.append(
        Scenario(
            "08-phone-formats",
            "phones with dashes, spaces, +86, area code in brackets (half- and full-width), "
            "full-width digits, a number cell: all accepted and normalised",
            [FileSpec("高峰镇-凤凰村.xlsx", "xlsx", [cases_sheet(cases)])],
        )
    )

    # 09 ------------------------------------------------------------------------------------------------
    v = Village("高峰镇", "双河村")
    bad = [
        ("无", "无"),
        ("/", "/"),
        ("13812345678/13987654321", "多个号码"),
        ("13812345678、0710-1234567", "多个号码"),
        ("1381234567", "1381234567"),
        ("不详", "不详"),
        ("13812345678 13987654321", "多个号码"),
    ]
    cases = [v.case("困境未成年人")]
    for written, contains in bad:
        r = v.case("困境未成年人")
        r.v["phone"] = written
        cases.append(warn(r, "phone", contains, phone=None))
    cases.append(v.case("困境未成年人", phone=None))
    S.append(
        Scenario(
            "09-phone-bad-values",
            "无, /, two numbers in one cell, too few digits: warnings only, everyone "
            "is counted and the phone is dropped",
            [FileSpec("高峰镇-双河村.xlsx", "xlsx", [cases_sheet(cases)])],
        )
    )

    # 10 ------------------------------------------------------------------------------------------------
    a, b = Village("高峰镇", "长岭村"), Village("高峰镇", "凤凰村")
    ca, cb = a.cases(4), b.cases(3)
    cont_a = [
        a.contact(ca[0], dt.date(2026, 10, 3)),
        a.contact(ca[1], dt.date(2026, 10, 4)),
        a.contact(ca[3], dt.date(2026, 10, 5)),
        a.contact(ca[0], dt.date(2026, 10, 20), method="电话"),
    ]
    cont_b = [
        b.contact(cb[0], dt.date(2026, 10, 8)),
        b.contact(cb[1], dt.date(2026, 10, 9)),
        b.contact(cb[2], dt.date(2026, 10, 10)),
        reject(b.contact("0004", dt.date(2026, 10, 11)), "case_id", "没有这个个案"),
    ]
    check(ca[0], name=ca[0].v["name"])
    check(cb[0], name=cb[0].v["name"])
    S.append(
        Scenario(
            "10-case-numbers-restart",
            "two villages both numbering from 0001, each with contacts; a contact "
            "for 0004 in 凤凰村 must not attach to 长岭村's 0004",
            [
                FileSpec(
                    "高峰镇-长岭村.xlsx",
                    "xlsx",
                    [cases_sheet(ca), contacts_sheet(cont_a)],
                    check_contacts=True,
                ),
                FileSpec(
                    "高峰镇-凤凰村.xlsx",
                    "xlsx",
                    [cases_sheet(cb), contacts_sheet(cont_b)],
                    check_contacts=True,
                ),
            ],
        )
    )

    # 11 ------------------------------------------------------------------------------------------------
    old = Village("高峰镇", "长岭村")
    co = old.cases(5)
    old_contacts = old.contacts(co, months=(8, 9), day=10)
    new = Village("高峰镇", "长岭村")
    cn = [Row(dict(r.v), tv=r.tv) for r in co]
    cn.append(new.case("农村留守儿童", n=6, entry_date=dt.date(2026, 10, 8)))
    new_contacts = new.contacts(cn, months=(9, 10), day=12)
    for r in cn:
        check(r, contacts=2)
    other = std_file("高峰镇-凤凰村.xlsx", Village("高峰镇", "凤凰村"), 3)
    newest_old = max(r.v["date"] for r in old_contacts)
    newest_new = max(r.v["date"] for r in new_contacts)
    assert newest_old < newest_new and max(r.v["entry_date"] for r in co) < newest_old
    S.append(
        Scenario(
            "11-village-sent-twice-newer",
            f"长岭村 sent an older copy (newest date: contact {newest_old}) and "
            f"a corrected newer one with one more case (newest: contact {newest_new}): the newer is used, "
            "the older ignored entirely (its rows are not read)",
            [
                FileSpec(
                    "高峰镇-长岭村.xlsx",
                    "xlsx",
                    [cases_sheet(co), contacts_sheet(old_contacts)],
                    outcome="superseded",
                    reason="重复提交",
                    village=("高峰镇", "长岭村"),
                ),
                FileSpec(
                    "高峰镇-长岭村（10月修改）.xlsx",
                    "xlsx",
                    [cases_sheet(cn), contacts_sheet(new_contacts)],
                    notices=[{"contains": "重复提交"}],
                    village=("高峰镇", "长岭村"),
                ),
                other,
            ],
        )
    )

    # 12 ------------------------------------------------------------------------------------------------
    v = Village("团结街道", "杨柳社区")
    dup = std_file(
        "团结街道-杨柳社区.xlsx",
        v,
        4,
        outcome="superseded",
        reason="重复提交",
        village=("团结街道", "杨柳社区"),
    )
    copy = FileSpec(
        "团结街道-杨柳社区 - 副本.xlsx",
        "xlsx",
        dup.sheets,
        outcome="superseded",
        reason="重复提交",
        village=("团结街道", "杨柳社区"),
        copy_of="团结街道-杨柳社区.xlsx",
        how="byte-identical copy",
    )
    S.append(
        Scenario(
            "12-village-sent-twice-identical",
            "杨柳社区 sent the same file twice (a 副本 copy): equally new, "
            "so neither is used and the village is reported unreadable",
            [dup, copy, std_file("团结街道-东升社区.xlsx", Village("团结街道", "东升社区"), 3)],
            villages_unreadable=[("团结街道", "杨柳社区")],
        )
    )

    # 13 ------------------------------------------------------------------------------------------------
    v = Village("青山乡", "茶园村")
    f_csv = FileSpec(
        "高峰镇-石桥村.csv", "csv", [cases_sheet(Village("高峰镇", "石桥村").cases(3), title=None)]
    )
    S.append(
        Scenario(
            "13-corrupt-file-among-good",
            "a truncated .xlsx (download cut off) among good files: it is named, "
            "the others still import, 凤凰村 is reported unreadable, exit code 3",
            [
                std_file("高峰镇-长岭村.xlsx", Village("高峰镇", "长岭村"), 4),
                FileSpec(
                    "高峰镇-凤凰村.xlsx",
                    "truncated",
                    [cases_sheet(Village("高峰镇", "凤凰村").cases(4))],
                    outcome="file-error",
                    reason="损坏",
                    village=("高峰镇", "凤凰村"),
                    how="an openpyxl workbook cut after its first 1500 bytes",
                ),
                f_csv,
            ],
        )
    )

    # 14 ------------------------------------------------------------------------------------------------
    html = (
        '<html><head><meta charset="gbk"></head><body><table><tr><td>个案编号</td><td>姓名</td></tr>'
        "<tr><td>0001</td><td>张三</td></tr></table></body></html>"
    ).encode("gbk")
    S.append(
        Scenario(
            "14-unreadable-variety",
            "a 0-byte .xlsx, an HTML table saved as .xls by a web system, a zip that "
            "is not a workbook, and a 0-byte '新建 XLSX 工作表.xlsx' whose name names no village",
            [
                FileSpec(
                    "青山乡-茶园村.xlsx",
                    "raw",
                    raw=b"",
                    outcome="file-error",
                    reason="无法读取",
                    village=("青山乡", "茶园村"),
                    how="0 bytes",
                ),
                FileSpec(
                    "青山乡-大坪村.xls",
                    "raw",
                    raw=html,
                    outcome="file-error",
                    reason="无法读取",
                    village=("青山乡", "大坪村"),
                    how="an HTML table named .xls",
                ),
                FileSpec(
                    "青山乡-桃源村.xlsx",
                    "raw",
                    raw=fixed_zip({"readme.txt": "备份".encode()}),
                    outcome="file-error",
                    reason="无法读取",
                    village=("青山乡", "桃源村"),
                    how="a zip holding only a text file",
                ),
                FileSpec(
                    "新建 XLSX 工作表.xlsx",
                    "raw",
                    raw=b"",
                    outcome="file-error",
                    reason="无法读取",
                    how="0 bytes, no village in the name",
                ),
                std_file("青山乡-青龙村.xlsx", Village("青山乡", "青龙村"), 3),
            ],
        )
    )

    # 15 ------------------------------------------------------------------------------------------------
    S.append(
        Scenario(
            "15-encrypted-xlsx",
            "a workbook with an opening password (ECMA-376 encrypted package in an OLE "
            "file, password 1234) beside a good one",
            [
                FileSpec(
                    "高峰镇-双河村.xlsx",
                    "encrypted-xlsx",
                    [cases_sheet(Village("高峰镇", "双河村").cases(3))],
                    outcome="file-error",
                    reason="加密",
                    village=("高峰镇", "双河村"),
                ),
                std_file("高峰镇-白果村.xlsx", Village("高峰镇", "白果村"), 3),
            ],
        )
    )

    # 16 ------------------------------------------------------------------------------------------------
    S.append(
        Scenario(
            "16-encrypted-xls",
            "an old-format .xls with an opening password (RC4, password 1234) beside a good file",
            [
                FileSpec(
                    "团结街道-河滨社区.xls",
                    "encrypted-xls",
                    [cases_sheet(Village("团结街道", "河滨社区").cases(3))],
                    outcome="file-error",
                    reason="加密",
                    village=("团结街道", "河滨社区"),
                ),
                std_file("团结街道-光明村.xlsx", Village("团结街道", "光明村"), 3),
            ],
        )
    )

    # 17 ------------------------------------------------------------------------------------------------
    v = Village("高峰镇", "凤凰村")
    cases = v.cases(5)
    stats = Sheet(
        "统计",
        "other",
        [],
        grid=[
            ["群体类别", "人数", "高风险", "中风险", "低风险"],
            ["闲散青少年", 2, 0, 2, 0],
            ["农村留守儿童", 1, 0, 0, 1],
            ["困境未成年人", 1, 0, 1, 0],
            ["有不良行为或严重不良行为青少年", 1, 1, 0, 0],
            ["合计", 5, 1, 3, 1],
        ],
    )
    chart = Sheet(
        "图表数据",
        "other",
        [],
        grid=[
            ["月份", "在册人数", "走访次数"],
            ["2026年8月", 4, 6],
            ["2026年9月", 5, 9],
            ["2026年10月", 5, 10],
        ],
    )
    empty = Sheet("Sheet3", "empty", [], grid=[])
    S.append(
        Scenario(
            "17-extra-sheets",
            "the registry sheets beside a 统计 (totals) sheet, a chart-data sheet and an "
            "empty Sheet3: the two non-registry sheets are named in notices",
            [
                FileSpec(
                    "高峰镇-凤凰村.xlsx",
                    "xlsx",
                    [cases_sheet(cases), contacts_sheet(v.contacts(cases)), stats, chart, empty],
                )
            ],
        )
    )

    # 18 ------------------------------------------------------------------------------------------------
    v = Village("高峰镇", "长岭村")
    cases = v.cases(5)
    check(cases[0], name=cases[0].v["name"], phone=cases[0].v["phone"])
    warn(cases[2], "phone", "无", phone=None).v["phone"] = "无"
    reject(cases[3], "birth_date", "与身份证号").v["birth_date"] = dt.date(2004, 1, 1)
    cols = rename(
        CASE_COLS,
        case_id="*个案编号",
        township="乡镇(街道)",
        village=" 村（社区） ",
        risk="＊风险等级",
        name="姓  名",
        id_number="公民身份号码 ",
        contact_person="帮教联系人*",
    )
    h1 = [
        "*个案编号",
        "所在地",
        None,
        "群体类别",
        "困境类型",
        "＊风险等级",
        "基本信息",
        None,
        None,
        None,
        "监护信息",
        None,
        None,
        "住址",
        "在学就业状况",
        "帮教联系人*",
        "纳入与退出",
        None,
        None,
    ]
    h2 = [
        None,
        "乡镇(街道)",
        " 村（社区） ",
        None,
        None,
        None,
        "姓  名",
        "性别",
        "出生日期",
        "公民身份号码 ",
        "监护人",
        "监护人关系",
        "联系电话",
        None,
        None,
        None,
        "纳入日期",
        "退出日期",
        "退出原因",
    ]
    merges = [
        "A1:S1",
        "A2:S2",
        "A3:A4",
        "B3:C3",
        "D3:D4",
        "E3:E4",
        "F3:F4",
        "G3:J3",
        "K3:M3",
        "N3:N4",
        "O3:O4",
        "P3:P4",
        "Q3:S3",
    ]
    sheet = cases_sheet(
        cases,
        cols=cols,
        top=[
            ["高峰镇长岭村重点青少年群体台账（2026年10月）"],
            ["填报单位：长岭村村委会　　　填报人：王平　　　填报日期：2026年10月28日"],
        ],
        header_rows=[h1, h2],
        merges=merges,
        date_format="yyyy/m/d",
    )
    con = contacts_sheet(
        v.contacts(cases),
        top=[["联系记录（2026年）"]],
        merges=["A1:E1"],
        cols=rename(CONTACT_COLS, case_id="个案编号 ", method=" 方 式 "),
    )
    S.append(
        Scenario(
            "18-title-rows-and-two-row-header",
            "two title rows, a two-row header with merged bands "
            "(基本信息, 监护信息, 纳入与退出) over the column names, half-width brackets, extra spaces and "
            "asterisks (half- and full-width) in headers",
            [FileSpec("高峰镇-长岭村.xlsx", "xlsx", [sheet, con])],
        )
    )

    # 19 ------------------------------------------------------------------------------------------------
    v = Village("团结街道", "东升社区")
    ca = v.cases(4)
    cols_a = [
        ("case_id", "编号"),
        ("township", "街道"),
        ("village", "社区"),
        ("group", "群体类别"),
        ("risk", "风险等级"),
        ("name", "姓名"),
        ("gender", "性别"),
        ("birth_date", "出生年月日"),
        ("id_number", "身份证号码"),
        ("guardian", "监护人姓名"),
        ("phone", "手机号"),
        ("address", "住址"),
        ("status", "在学就业状况"),
        ("contact_person", "联系干部"),
        ("entry_date", "建档日期"),
    ]
    check(ca[0], phone=ca[0].v["phone"], entry_date=ca[0].v["entry_date"].isoformat(), contact_person=v.staff)
    w = Village("团结街道", "新华社区")
    cb = w.cases(4)
    cols_b = rename(
        CASE_COLS,
        township="乡镇",
        village="村居",
        id_number="身份证",
        phone="电话",
        contact_person="帮教人",
        entry_date="纳入时间",
    )
    check(cb[1], id_number=cb[1].v["id_number"], guardian=cb[1].v["guardian"])
    x = Village("团结街道", "河滨社区")
    cc = x.cases(3)
    cols_c = [
        ("case_id", "个案编号"),
        ("township", "乡镇"),
        ("village", "村（社区）"),
        ("group", "群体类别"),
        ("risk", "风险等级"),
        ("name", "姓名"),
        ("gender", "性别"),
        ("birth_date", "出生日期"),
        ("id_number", "公民身份号码"),
        ("guardian", "监护人"),
        ("phone", "手机"),
        ("status", "在学就业状况"),
        ("contact_person", "帮教联系人"),
        ("entry_date", "纳入日期"),
    ]
    S.append(
        Scenario(
            "19-header-synonyms",
            "three villages each using other words for the columns: 编号, 街道/社区, "
            "乡镇/村居, 出生年月日, 身份证号码/身份证, 监护人姓名, 手机号/电话/手机, 联系干部/帮教人, 建档日期/纳入时间",
            [
                FileSpec(
                    "团结街道-东升社区.xlsx",
                    "xlsx",
                    [cases_sheet(ca, cols=cols_a), contacts_sheet(v.contacts(ca))],
                ),
                FileSpec("团结街道-新华社区.xlsx", "xlsx", [cases_sheet(cb, cols=cols_b)]),
                FileSpec("团结街道-河滨社区.xlsx", "xlsx", [cases_sheet(cc, cols=cols_c)]),
            ],
        )
    )

    # 20 ------------------------------------------------------------------------------------------------
    v = Village("高峰镇", "白果村")
    cases = v.cases(4)
    for i, r in enumerate(cases):
        r.v.update(
            {
                "x:备注2": ["", "已转介", None, "家访两次"][i],
                "x:所在学校": ["", "白果小学", "县二中", None][i],
                "x:年龄": 2026 - r.v["birth_date"].year,
            }
        )
    cols = (
        CASE_COLS[:14]
        + [("x:所在学校", "所在学校")]
        + CASE_COLS[14:]
        + [("x:年龄", "年龄"), ("x:备注2", "备注2")]
    )
    con = v.contacts(cases, months=(10,))
    for r in con:
        r.v["x:照片"] = "见附件"
    S.append(
        Scenario(
            "20-unrecognised-columns",
            "extra columns 所在学校, 年龄, 备注2 (and 照片 on the contacts sheet): "
            "each named in a notice, the rows still accepted",
            [
                FileSpec(
                    "高峰镇-白果村.xlsx",
                    "xlsx",
                    [
                        cases_sheet(cases, cols=cols),
                        contacts_sheet(con, cols=CONTACT_COLS + [("x:照片", "照片")]),
                    ],
                )
            ],
        )
    )

    # 21 ------------------------------------------------------------------------------------------------
    v = Village("青山乡", "青龙村")
    cases = v.cases(6)
    for i, r in enumerate(cases, start=1):
        r.v["seq"] = i
    S.append(
        Scenario(
            "21-serial-number-column",
            "a 序号 column first (ignored, with a notice) and ten pre-numbered "
            "rows below the data that hold only a 序号: those are not rows",
            [
                FileSpec(
                    "青山乡-青龙村.xlsx",
                    "xlsx",
                    [
                        cases_sheet(cases, cols=[("seq", "序号")] + CASE_COLS, prenumbered=10),
                        contacts_sheet(v.contacts(cases, months=(10,))),
                    ],
                )
            ],
        )
    )

    # 22 ------------------------------------------------------------------------------------------------
    v = Village("高峰镇", "石桥村")
    rows = []
    r = v.case()
    i = r.v["id_number"]
    r.v["id_number"] = f"{i[:6]} {i[6:14]} {i[14:]}"
    rows.append(check(r, id_number=i))
    r = v.case(male=False)
    i = r.v["id_number"]
    r.v["id_number"] = f"{i[:6]}-{i[6:14]}-{i[14:]}"
    rows.append(check(r, id_number=i))
    birth = dt.date(2013, 6, 18)
    ix, s = id_with_x(birth, True, 200)
    r = v.case("农村留守儿童", birth=birth)
    r.v["id_number"] = ix.lower()
    rows.append(check(r, id_number=ix))
    birth = dt.date(2010, 2, 9)
    ix2, s = id_with_x(birth, False, 300)
    r = v.case("困境未成年人", birth=birth, male=False)
    r.v["id_number"] = f" {ix2[:-1]}x "
    rows.append(check(r, id_number=ix2))
    r = v.case()
    i = r.v["id_number"]
    r.v["id_number"] = i.translate(str.maketrans("0123456789X", "０１２３４５６７８９Ｘ"))
    rows.append(check(r, id_number=i))
    r = v.case()
    rows.append(reject(r, "id_number", "校验码"))
    r.v["id_number"] = bad_checksum(r.v["id_number"])
    r = v.case()
    rows.append(reject(r, "id_number", "18 位"))
    r.v["id_number"] = r.v["id_number"][:17]
    r = v.case()
    rows.append(reject(r, "id_number", "数字"))
    r.v["id_number"] = Num(float(r.v["id_number"][:17] + "0"))
    r = v.case()
    rows.append(reject(r, "id_number", "18 位"))
    r.v["id_number"] = r.v["id_number"][:6] + r.v["id_number"][8:17]  # an old 15-digit number
    r = v.case()
    rows.append(reject(r, "birth_date", "与身份证号"))
    r.v["birth_date"] = r.v["birth_date"] + dt.timedelta(days=1)
    rows.append(v.case("农村留守儿童"))
    S.append(
        Scenario(
            "22-id-number-formats",
            "ID numbers with spaces, dashes, lower-case x, full-width digits "
            "(accepted, normalised) and with a wrong check digit, 17 and 15 digits, a number cell that lost "
            "its last digits, a birth date disagreeing with the ID (rejected)",
            [FileSpec("高峰镇-石桥村.xlsx", "xlsx", [cases_sheet(rows)])],
        )
    )

    # 23 ------------------------------------------------------------------------------------------------
    v = Village("团结街道", "河滨社区")
    day = dt.date(2024, 3, 5)
    variants = [
        (dt.date(2024, 3, 5), "date cell"),
        ("2024.3.5", None),
        ("2024/03/05", None),
        ("2024年3月5日", None),
        ("20240305", None),
        (20240305, None),
        (serial(day), None),
        ("2024-3-5", None),
        (DateCell(dt.datetime(2024, 3, 5, 14, 30), "yyyy-mm-dd hh:mm"), None),
        ("2024年03月05日", None),
        (DateCell(dt.datetime(2024, 3, 5), 'yyyy"年"m"月"d"日"'), None),
    ]
    birth_forms = [
        lambda d: d,
        dots,
        slashes,
        cn_date,
        compact,
        lambda d: int(compact(d)),
        serial,
        lambda d: d,
        lambda d: d,
        lambda d: d,
        lambda d: d,
    ]
    rows = []
    for (entry, _), bf in zip(variants, birth_forms):
        r = v.case("闲散青少年")
        b0 = r.v["birth_date"]
        r.v["birth_date"] = bf(b0)
        r.v["entry_date"] = entry
        rows.append(check(r, entry_date="2024-03-05", birth_date=b0.isoformat()))
    for written, key, contains in [
        (Num(2024.02), "entry_date", "年月"),
        ("2024.02", "entry_date", "年月"),
        ("2024年2月", "entry_date", "年月"),
        ("2024.13.05", "entry_date", "日期不存在"),
        ("去年三月", "entry_date", "不是可识别的日期"),
    ]:
        r = v.case("闲散青少年")
        r.v[key] = written
        rows.append(reject(r, key, contains))
    r = v.case("农村留守儿童")
    r.v["birth_date"] = Num(float(f"{r.v['birth_date'].year}.{r.v['birth_date'].month:02d}"))
    rows.append(reject(r, "birth_date", "年月"))
    con = [
        v.contact(rows[0], dt.date(2026, 10, 5)),
        v.contact(rows[1], "2026.10.6"),
        v.contact(rows[2], "2026/10/07"),
        v.contact(rows[3], "2026年10月8日"),
        v.contact(rows[4], serial(dt.date(2026, 10, 9))),
        v.contact(rows[5], 20261010),
        reject(v.contact(rows[6], Num(2026.09)), "date", "年月"),
        reject(v.contact(rows[7], "10月12日"), "date", "不是可识别的日期"),
    ]
    S.append(
        Scenario(
            "23-date-formats",
            "entry, birth and contact dates written every way staff write them: date cells "
            "(several display formats, one with a time), 2024.3.5, 2024/03/05, 2024年3月5日, 20240305 as text "
            "and as a number, Excel serial numbers; month-only values (number 2024.02, text 2024.02, "
            "2024年2月), "
            "an impossible 2024.13.05, free text",
            [FileSpec("团结街道-河滨社区.xlsx", "xlsx", [cases_sheet(rows), contacts_sheet(con)])],
        )
    )

    # 24 ------------------------------------------------------------------------------------------------
    v = Village("高峰镇", "长岭村")
    rows = []
    for written, male in [
        ("男", True),
        ("女", False),
        ("M", True),
        ("F", False),
        ("m", True),
        ("f", False),
        ("1", True),
        (2, False),
        (" 男 ", True),
        (1, True),
    ]:
        r = v.case("农村留守儿童", male=male)
        r.v["gender"] = written
        rows.append(check(r, gender="男" if male else "女"))
    r = v.case("农村留守儿童", male=True)
    r.v["gender"] = "女"
    rows.append(warn(r, "gender", "与身份证号", gender="男"))
    r = v.case("农村留守儿童", male=False)
    r.v["gender"] = "1"
    rows.append(warn(r, "gender", "与身份证号", gender="女"))
    r = v.case("农村留守儿童", male=False)
    r.v["gender"] = "未知"
    rows.append(warn(r, "gender", "不是可选的值", gender="女"))
    r = v.case("农村留守儿童", male=True)
    r.v["gender"] = None
    rows.append(warn(r, "gender", "必填项为空", gender="男"))
    S.append(
        Scenario(
            "24-gender-variants",
            "gender as 男/女, M/F, m/f, 1/2 (text and number): accepted; a gender "
            "contradicting the ID number, 未知, and an empty cell: warnings, gender taken from the ID number",
            [FileSpec("高峰镇-长岭村.xlsx", "xlsx", [cases_sheet(rows)])],
        )
    )

    # 25 ------------------------------------------------------------------------------------------------
    v = Village("青山乡", "桃源村")
    rows = [v.case("闲散青少年")]
    r = v.case("闲散青少年", entry_date=dt.date(2004, 6, 1))
    rows.append(reject(r, "entry_date", "早于出生日期"))
    r = v.case(
        "农村留守儿童", entry_date=dt.date(2025, 6, 1), exit_date=dt.date(2025, 1, 10), exit_reason="情况好转"
    )
    rows.append(reject(r, "exit_date", "早于纳入日期"))
    r = v.case("困境未成年人", entry_date=dt.date(2026, 11, 15))
    rows.append(reject(r, "entry_date", "截止日"))
    r = v.case("流浪乞讨未成年人", exit_date=dt.date(2026, 12, 1), exit_reason="迁出")
    rows.append(reject(r, "exit_date", "截止日"))
    r = v.case("服刑人员未成年子女", exit_date=dt.date(2026, 5, 1))
    rows.append(reject(r, "exit_reason", "必填"))
    r = v.case("有不良行为或严重不良行为青少年", exit_reason="迁出")
    rows.append(reject(r, "exit_reason", "退出日期"))
    r = v.case("农村留守儿童", birth=dt.date(2008, 9, 9), entry_date=dt.date(2025, 3, 1))
    rows.append(reject(r, "birth_date", "年龄界限"))
    r = v.case("闲散青少年", exit_date=dt.date(2026, 6, 30), exit_reason="情况好转")
    rows.append(check(r, exit_date="2026-06-30", exit_reason="情况好转"))
    r = v.case("困境未成年人", birth=dt.date(2010, 5, 20), entry_date=dt.date(2009, 1, 1))
    rows.append(reject(r, "entry_date", "早于出生日期"))
    r = v.case(
        "有不良行为或严重不良行为青少年",
        entry_date=dt.date(2025, 8, 1),
        exit_date=dt.date(2025, 7, 31),
        exit_reason="其他",
    )
    rows.append(reject(r, "exit_date", "早于纳入日期"))
    r = v.case("服刑人员未成年子女", birth=dt.date(2012, 4, 4), entry_date=dt.date(2026, 10, 31))
    rows.append(check(r, entry_date="2026-10-31"))
    con = [
        v.contact(rows[0], dt.date(2026, 10, 30)),
        reject(v.contact(rows[0], dt.date(2026, 11, 2)), "date", "截止日"),
        reject(v.contact(rows[1], dt.date(2026, 10, 3)), "case_id", "没有这个个案"),
        v.contact(rows[11], dt.date(2026, 10, 31)),
    ]
    S.append(
        Scenario(
            "25-impossible-dates",
            "entry before birth, exit before entry, entry/exit/contact after the "
            "cut-off 2026-10-31, exit without reason and reason without exit, a child too old for the group "
            "at entry: rejected, in every group; the cut-off day itself is allowed",
            [FileSpec("青山乡-桃源村.xlsx", "xlsx", [cases_sheet(rows), contacts_sheet(con)])],
        )
    )

    # 26 ------------------------------------------------------------------------------------------------
    v = Village("团结街道", "光明村")
    rows = []
    for short, full in SHORT.items():
        rows.append(check(v.case(full, gw=short), group=full))
    rows.append(check(v.case("农村留守儿童", gw="农村留守儿童"), group="农村留守儿童"))
    rows.append(check(v.case("服刑人员未成年子女", gw=" 服刑人员子女 "), group="服刑人员未成年子女"))
    rows.append(reject(v.case("闲散青少年", gw="重点青少年"), "group", "不是可选的值"))
    # 闲散 is accepted: issue 15 names it among the short names staff use, and it names one group only
    rows.append(check(v.case("闲散青少年", gw="闲散"), group="闲散青少年"))
    S.append(
        Scenario(
            "26-short-group-names",
            "group written with the short names the site shows (不良行为青少年, "
            "服刑人员子女, 留守儿童, 闲散 …): accepted as the full names; 重点青少年 rejected",
            [FileSpec("团结街道-光明村.xlsx", "xlsx", [cases_sheet(rows)])],
        )
    )

    # 27 ------------------------------------------------------------------------------------------------
    v = Village("高峰镇", "长岭村")
    rows = []
    for tw, vw in [
        ("高峰镇", "长岭村"),
        ("高峰镇", "长岭"),
        ("高峰镇", "长岭村委会"),
        ("高峰乡", "长岭村"),
        ("高峰", "长岭"),
        (" 高峰镇 ", " 长岭村 "),
        ("高峰镇", "长岭村　"),
    ]:
        rows.append(check(v.case(tw=tw, vw=vw), township="高峰镇", village="长岭村"))
    rows.append(reject(v.case(vw="李建国"), "village", "不在本县地名表中"))
    rows.append(reject(v.case(tw="团结街道"), "village", "不在本县地名表中"))
    rows.append(reject(v.case(vw="长岭村2组"), "village", "不在本县地名表中"))
    rows.append(reject(v.case(tw="高峰县"), "township", "不在本县地名表中"))
    rows.append(reject(v.case(vw="长林村"), "village", "不在本县地名表中"))
    S.append(
        Scenario(
            "27-village-spellings",
            "township and village written several accepted ways (长岭村/长岭/长岭村委会, "
            "高峰镇/高峰乡/高峰, stray spaces incl. a full-width one): normalised; a person's name, a 组, a typo, "
            "a village under the wrong township, a county name: rejected",
            [FileSpec("高峰镇-长岭村.xlsx", "xlsx", [cases_sheet(rows)])],
        )
    )

    # 28 ------------------------------------------------------------------------------------------------
    v = Village("高峰镇", "凤凰村")
    long70 = "凤凰村" + "这是一段从别的系统复制过来的很长的地址说明文字" * 3
    long70 = (long70 + "一" * 70)[:70]
    rows = [v.case()]
    for key, written, contains in [
        ("village", "../凤凰村", "不允许的字符"),
        ("village", "凤凰村/长岭村", "不允许的字符"),
        ("village", "凤凰村\\3组", "不允许的字符"),
        ("village", "凤\x07凰村", "控制字符"),
        ("village", long70, "过长"),
        ("village", "<img src=x onerror=alert(1)>村", "不在本县地名表中"),
        ("township", "..", "不允许的字符"),
        ("village", "凤凰村\x1b[31m", "控制字符"),
        ("township", "高峰镇/../../etc", "不允许的字符"),
    ]:
        r = v.case()
        r.v[key] = written
        rows.append(reject(r, key, contains))
    rows.append(v.case())
    w = Village("高峰镇", "石桥村")
    crow = [w.case()]
    for key, written, contains in [
        ("village", "..\\..\\石桥村", "不允许的字符"),
        ("village", "<script>alert(1)</script>", "不在本县地名表中"),
        ("village", "石桥村" + "x" * 97, "过长"),
        ("township", "高峰镇\x00", "控制字符"),
    ]:
        r = w.case()
        r.v[key] = written
        crow.append(reject(r, key, contains))
    crow.append(w.case())
    S.append(
        Scenario(
            "28-unsafe-place-cells",
            "place cells holding ../, a slash, a backslash, a control character, an "
            "ANSI escape, 70 and 100 characters, an HTML/script string, a NUL byte (CSV): each row rejected, "
            "nothing used as a path or markup",
            [
                FileSpec("高峰镇-凤凰村.xlsx", "xlsx", [cases_sheet(rows)]),
                FileSpec("高峰镇-石桥村.csv", "csv", [cases_sheet(crow, title=None)]),
            ],
        )
    )

    # 29 ------------------------------------------------------------------------------------------------
    v = Village("团结街道", "杨柳社区")
    texts = ['=HYPERLINK("http://x","点我")', "+1+1", "@SUM(A1)", "-2+3", "=cmd|' /C calc'!A0"]
    rows = []
    for t in texts:
        r = v.case()
        r.v["name"] = t
        rows.append(check(r, name=t))
    r = v.case()
    r.v["address"] = "=1+1"
    rows.append(check(r, address="=1+1"))
    con = [
        v.contact(rows[0], dt.date(2026, 10, 9), note='=HYPERLINK("http://x","点我")'),
        v.contact(rows[1], dt.date(2026, 10, 9), note="+1+1"),
        v.contact(rows[2], dt.date(2026, 10, 9), note="@SUM(A1)"),
        v.contact(rows[3], dt.date(2026, 10, 9), note="-2+3"),
    ]
    w = Village("团结街道", "新华社区")
    crow = []
    for t in texts:
        r = w.case()
        r.v["name"] = t
        crow.append(check(r, name=t))
    S.append(
        Scenario(
            "29-formula-like-text",
            "text cells (name, address, note) holding =HYPERLINK(...), +1+1, @SUM(A1), "
            "-2+3, a DDE string: kept as plain text, never evaluated, in .xlsx (stored as text) and in CSV",
            [
                FileSpec("团结街道-杨柳社区.xlsx", "xlsx", [cases_sheet(rows), contacts_sheet(con)]),
                FileSpec("团结街道-新华社区.csv", "csv", [cases_sheet(crow, title=None)]),
            ],
        )
    )

    # 30 ------------------------------------------------------------------------------------------------
    v = Village("青山乡", "茶园村")
    rows = [v.case() for _ in range(9)]
    from corpus_lib import csv_line

    keys = [k for k, _ in CASE_COLS]
    few = rows[1]
    few.raw_csv = csv_line([few.v.get(k) for k in keys][:-4])
    reject(few, None, "列数不对")
    many = rows[2]
    many.v["address"] = "茶园村3组,老街12号"
    many.raw_csv = unquoted(many, "address")
    reject(many, None, "列数不对")
    rows[3].v["address"] = "茶园村3组,老街14号"
    check(rows[3], address="茶园村3组,老街14号")
    rows[4].v["address"] = "茶园村\n5组"
    check(rows[4], address="茶园村 5组")
    one = rows[5]
    one.raw_csv = "以上情况属实"
    reject(one, None, "列数不对")
    name_comma = rows[7]
    name_comma.v["name"] = "欧阳,明"  # an unquoted comma inside a value
    name_comma.raw_csv = unquoted(name_comma, "name")
    reject(name_comma, None, "列数不对")
    S.append(
        Scenario(
            "30-csv-ragged-rows",
            "a CSV with rows of too few fields, too many (an unquoted comma in the "
            "address and in a name), a one-field remark line: those rows rejected (列数不对), not the file; "
            "a quoted comma and a quoted line break are fine (row numbers count records as Excel shows them)",
            [FileSpec("青山乡-茶园村.csv", "csv", [cases_sheet(rows, title=None)])],
        )
    )

    # 31 ------------------------------------------------------------------------------------------------
    S.append(
        Scenario(
            "31-csv-empty-files",
            "a 0-byte CSV, a CSV of blank lines and a CSV holding only a BOM beside a "
            "good CSV: each empty one is a file error",
            [
                FileSpec(
                    "青山乡-大坪村.csv",
                    "raw",
                    raw=b"",
                    outcome="file-error",
                    reason="空",
                    village=("青山乡", "大坪村"),
                    how="0 bytes",
                ),
                FileSpec(
                    "青山乡-桃源村.csv",
                    "raw",
                    raw=b"\r\n\r\n\r\n",
                    outcome="file-error",
                    reason="空",
                    village=("青山乡", "桃源村"),
                    how="three CRLF",
                ),
                FileSpec(
                    "青山乡-白果村.csv",
                    "raw",
                    raw=b"\xef\xbb\xbf",
                    outcome="file-error",
                    reason="空",
                    village=("青山乡", "白果村"),
                    how="a UTF-8 BOM only",
                ),
                FileSpec(
                    "青山乡-青龙村.csv",
                    "csv",
                    [cases_sheet(Village("青山乡", "青龙村").cases(3), title=None)],
                ),
            ],
        )
    )

    # 32 ------------------------------------------------------------------------------------------------
    v = Village("高峰镇", "白果村")
    rows = v.cases(6)
    warn(rows[1], "phone", "无", phone=None).v["phone"] = "无"
    reject(rows[4], "id_number", "校验码").v["id_number"] = bad_checksum(rows[4].v["id_number"])
    check(rows[0], name=rows[0].v["name"], entry_date=rows[0].v["entry_date"].isoformat())
    S.append(
        Scenario(
            "32-csv-gbk-title-rows",
            "a GBK-encoded CSV (as Excel saves 'CSV' on a Chinese Windows) with a "
            "title row and a 填报单位 row above the header",
            [
                FileSpec(
                    "高峰镇-白果村.csv",
                    "csv",
                    [
                        cases_sheet(
                            rows,
                            title=None,
                            top=[
                                ["高峰镇白果村重点青少年群体台账"],
                                ["填报单位：白果村村委会", None, None, None, "填报日期：2026年10月28日"],
                            ],
                        )
                    ],
                    encoding="gbk",
                )
            ],
        )
    )

    # 33 ------------------------------------------------------------------------------------------------
    v = Village("团结街道", "东升社区")
    rows = v.cases(5)
    i0 = rows[0].v["id_number"]
    rows[0].v["id_number"] = "\t" + i0
    check(rows[0], id_number=i0)
    rows[1].v["phone"] = "+86 13912340000"
    check(rows[1], phone="13912340000")
    sci = v.case()
    sci.v["id_number"] = "{:.5E}".format(float(sci.v["id_number"]))  # 3.41221E+17: Excel re-saved the CSV
    rows.append(reject(sci, "id_number", "数字"))
    ph = v.case()
    ph.v["phone"] = "{:.5E}".format(float(ph.v["phone"]))  # 1.39000E+10
    rows.append(warn(ph, "phone", "E+10", phone=None))
    rows.insert(3, None)
    S.append(
        Scenario(
            "33-csv-utf8-bom",
            "a UTF-8 CSV with BOM; an ID number exported with a leading tab (to keep "
            "Excel from turning it into a number) is fine; an ID and a phone that Excel turned into "
            "scientific notation (3.41221E+17) when the CSV was opened and saved again: the ID is "
            "rejected, the phone warned; an empty line in the middle (not a row)",
            [FileSpec("团结街道-东升社区.csv", "csv", [cases_sheet(rows, title=None)], encoding="utf-8-sig")],
        )
    )

    # 34 ------------------------------------------------------------------------------------------------
    v = Village("高峰镇", "双河村")
    rows = v.cases(7)
    rows[1].v["name"] = "张\x07三"
    reject(rows[1], "name", "控制字符")
    rows[2].v["address"] = "双河村\x1b2组"
    reject(rows[2], "address", "控制字符")
    rows[3].v["guardian"] = "李\x08建国"
    reject(rows[3], "guardian", "控制字符")
    rows[4].v["address"] = "双河村4组\n老屋场"
    check(rows[4], address="双河村4组 老屋场")
    rows[5].v["address"] = "双河村\t5组"
    check(rows[5], address="双河村 5组")
    con = v.contacts([rows[0], rows[4], rows[5]], months=(10,))
    con[1].v["note"] = "走访\x0b正常"
    reject(con[1], "note", "控制字符")
    w = Village("高峰镇", "长岭村")
    crow = w.cases(4)
    crow[1].v["name"] = "王\x07五"
    reject(crow[1], "name", "控制字符")
    crow[2].v["address"] = "长岭村\x1b[0m3组"
    reject(crow[2], "address", "控制字符")
    S.append(
        Scenario(
            "34-control-characters",
            "BEL, ESC, backspace, vertical tab inside name, address, guardian and "
            "note cells (in .xlsx stored as Excel's _x0007_ escapes; raw bytes in CSV): row rejected naming "
            "the column; line breaks and tabs count as spaces",
            [
                FileSpec("高峰镇-双河村.xlsx", "xlsx", [cases_sheet(rows), contacts_sheet(con)]),
                FileSpec("高峰镇-长岭村.csv", "csv", [cases_sheet(crow, title=None)]),
            ],
        )
    )

    # 35 ------------------------------------------------------------------------------------------------
    v = Village("高峰镇", "凤凰村")
    base = v.cases(4)
    sep = [Row(dict(r.v), tv=r.tv) for r in base] + [v.case("农村留守儿童", entry_date=dt.date(2026, 9, 14))]
    octo = [Row(dict(r.v), tv=r.tv) for r in sep] + [v.case("困境未成年人", entry_date=dt.date(2026, 10, 12))]
    octo[0].v.update(exit_date=dt.date(2026, 10, 20), exit_reason="情况好转")
    check(octo[0], exit_date="2026-10-20")
    sheets = [
        Sheet("2026年8月", "older", list(CASE_COLS), base),
        Sheet("2026年9月", "older", list(CASE_COLS), sep),
        cases_sheet(octo, title="2026年10月"),
        contacts_sheet(v.contacts(octo, months=(10,))),
    ]
    w = Village("团结街道", "河滨社区")
    b2 = w.cases(3)
    s2 = [Row(dict(r.v), tv=r.tv) for r in b2] + [w.case()]
    o2 = [Row(dict(r.v), tv=r.tv) for r in s2]
    sheets2 = [
        cases_sheet(o2, title="10月"),
        Sheet("9月", "older", list(CASE_COLS), s2),
        Sheet("8月", "older", list(CASE_COLS), b2),
    ]
    S.append(
        Scenario(
            "35-one-sheet-per-month",
            "workbooks holding one sheet per month (2026年8月…2026年10月 in "
            "order; 10月/9月/8月 newest first): only the newest month is read, the others named in notices, "
            "nobody counted twice",
            [
                FileSpec("高峰镇-凤凰村.xlsx", "xlsx", sheets),
                FileSpec("团结街道-河滨社区.xlsx", "xlsx", sheets2),
            ],
        )
    )

    # 36 ------------------------------------------------------------------------------------------------
    v = Village("青山乡", "青龙村")
    rows = v.cases(7)
    rows[1].hidden = True
    rows[4].hidden = True
    reject(rows[4], "id_number", "校验码").v["id_number"] = bad_checksum(rows[4].v["id_number"])
    con = v.contacts(rows, months=(10,))
    con[2].hidden = True
    S.append(
        Scenario(
            "36-hidden-rows",
            "rows hidden in Excel (one valid, one with a bad ID; a hidden contact row): "
            "read like any other row, each accepted hidden row named in a notice",
            [FileSpec("青山乡-青龙村.xlsx", "xlsx", [cases_sheet(rows), contacts_sheet(con)])],
        )
    )

    # 37 ------------------------------------------------------------------------------------------------
    v = Village("团结街道", "新华社区")
    rows = v.cases(8)
    for k in (0, 1, 2):
        reject(rows[k], "village", "合并单元格")
    for k in (4, 5):
        reject(rows[k], "contact_person", "合并单元格")
    S.append(
        Scenario(
            "37-merged-data-cells",
            "村（社区） merged over three data rows and 帮教联系人 over two: the rows "
            "under each merged cell are rejected (only the top cell holds a value)",
            [
                FileSpec(
                    "团结街道-新华社区.xlsx",
                    "xlsx",
                    [cases_sheet(rows, data_merges=[("village", 0, 2), ("contact_person", 4, 5)])],
                )
            ],
        )
    )

    # 38 ------------------------------------------------------------------------------------------------
    S.append(hand_kept())

    # 39 ------------------------------------------------------------------------------------------------
    v = Village("青山乡", "大坪村")
    rows = []
    for word in ["父亲", "母亲", "爷爷", "奶奶", "外婆"]:
        r = v.case("农村留守儿童")
        r.v["guardian"] = word
        rows.append(warn(r, "guardian", word, guardian=None))
    r = v.case("农村留守儿童")
    rows.append(check(r, guardian=r.v["guardian"], guardian_relation=r.v["guardian_relation"]))
    r = v.case("农村留守儿童")
    r.v["guardian_relation"] = "爸爸"
    rows.append(
        warn(r, "guardian_relation", "不是可选的值", guardian_relation=None, guardian=r.v["guardian"])
    )
    S.append(
        Scenario(
            "39-guardian-relation-words",
            "the 监护人 column holding 父亲/母亲/爷爷/奶奶/外婆 instead of a name, "
            "and 爸爸 in 监护人关系: warnings, the value dropped, the child counted",
            [FileSpec("青山乡-大坪村.xlsx", "xlsx", [cases_sheet(rows)])],
        )
    )

    # 40 ------------------------------------------------------------------------------------------------
    v = Village("高峰镇", "石桥村")
    no_id = FileSpec(
        "高峰镇-石桥村.xlsx",
        "xlsx",
        [cases_sheet(v.cases(4), cols=cols_without("id_number"))],
        outcome="file-error",
        reason="缺少必填列",
        village=("高峰镇", "石桥村"),
    )
    w = Village("高峰镇", "凤凰村")
    wc = w.cases(3)
    no_date = FileSpec(
        "高峰镇-凤凰村.xlsx",
        "xlsx",
        [
            cases_sheet(wc),
            contacts_sheet(w.contacts(wc, months=(10,)), cols=[c for c in CONTACT_COLS if c[0] != "date"]),
        ],
        outcome="file-error",
        reason="缺少必填列",
        village=("高峰镇", "凤凰村"),
    )
    S.append(
        Scenario(
            "40-missing-required-column",
            "a cases sheet without the 公民身份号码 column, and a file whose "
            "contacts sheet lacks 联系日期: each file is an error, the good file still imports",
            [no_id, no_date, std_file("高峰镇-长岭村.xlsx", Village("高峰镇", "长岭村"), 3)],
        )
    )

    # 41 ------------------------------------------------------------------------------------------------
    v = Village("团结街道", "杨柳社区")
    notes = [["填表说明"]] + [
        [f"{k}. {t}"]
        for k, t in enumerate(
            [
                "本表由社区网格员填写，每月25日前报街道综治办。",
                "个案编号按社区统一编号。",
                "身份证号请填写18位。",
                "群体类别按五类重点青少年填写。",
                "风险等级分高、中、低。",
                "纳入日期为首次建档日期。",
                "退出的请填写退出日期和原因。",
                "联系电话填写监护人电话。",
                "帮教联系人填写社区干部。",
                "本表涉及个人信息，严禁外传。",
            ],
            start=1,
        )
    ]
    late = FileSpec(
        "团结街道-杨柳社区.xlsx",
        "xlsx",
        [cases_sheet(v.cases(3), top=notes)],
        outcome="file-error",
        reason="表头",
        village=("团结街道", "杨柳社区"),
    )
    signin = Sheet(
        "签到表",
        "other",
        [],
        grid=[
            ["东升社区重点青少年工作会议签到表"],
            ["日期：2026年10月15日"],
            ["姓名", "单位", "职务", "联系电话", "签名"],
            ["孙丽", "东升社区", "网格员", "13900001111", None],
            ["王强", "团结街道综治办", "主任", "13900002222", None],
        ],
    )
    S.append(
        Scenario(
            "41-no-header-found",
            "a file whose header sits on row 12 under a long 填表说明, and a meeting "
            "sign-in sheet sent by mistake: no recognisable header in the first 10 rows → file error",
            [
                late,
                FileSpec(
                    "团结街道-东升社区.xlsx",
                    "xlsx",
                    [signin],
                    outcome="file-error",
                    reason="表头",
                    village=("团结街道", "东升社区"),
                ),
                std_file("团结街道-河滨社区.xlsx", Village("团结街道", "河滨社区"), 3),
            ],
        )
    )

    # 42 ------------------------------------------------------------------------------------------------
    rows = []
    for name, n in [("长岭村", 3), ("凤凰村", 3), ("石桥村", 2)]:
        vv = Village("高峰镇", name)
        rows += vv.cases(n)
    check(rows[0], name=rows[0].v["name"])
    check(rows[3], name=rows[3].v["name"])
    S.append(
        Scenario(
            "42-township-combined-file",
            "the township office's own combined sheet: cases of three villages "
            "in one file, each village numbering from 0001 (no clash: identity is township+village+number)",
            [FileSpec("高峰镇汇总.xlsx", "xlsx", [cases_sheet(rows)])],
        )
    )

    # 43 ------------------------------------------------------------------------------------------------
    a, b = Village("高峰镇", "白果村"), Village("青山乡", "白果村")
    ca, cb = a.cases(3), b.cases(3)
    check(ca[0], name=ca[0].v["name"])
    check(cb[0], name=cb[0].v["name"])
    S.append(
        Scenario(
            "43-same-village-name-two-townships",
            "白果村 exists in 高峰镇 and in 青山乡: two files, both read, "
            "not a duplicate; contacts attach within each",
            [
                FileSpec(
                    "高峰镇-白果村.xlsx",
                    "xlsx",
                    [cases_sheet(ca), contacts_sheet(a.contacts(ca, months=(10,)))],
                    check_contacts=True,
                ),
                FileSpec(
                    "青山乡-白果村.xlsx",
                    "xlsx",
                    [cases_sheet(cb), contacts_sheet(b.contacts(cb, months=(9, 10)))],
                    check_contacts=True,
                ),
            ],
        )
    )

    # 44 ------------------------------------------------------------------------------------------------
    v = Village("高峰镇", "长岭村")
    rows = v.cases(4)
    reject(rows[3], "id_number", "校验码").v["id_number"] = bad_checksum(rows[3].v["id_number"])
    con = [
        v.contact(rows[0], dt.date(2026, 10, 2)),
        v.contact(rows[1], dt.date(2026, 10, 3)),
        reject(v.contact("0099", dt.date(2026, 10, 4)), "case_id", "没有这个个案"),
        reject(v.contact(rows[3], dt.date(2026, 10, 5)), "case_id", "没有这个个案"),
        reject(v.contact(rows[2], dt.date(2026, 11, 3)), "date", "截止日"),
        reject(v.contact(rows[2], None), "date", "必填项为空"),
        warn(v.contact(rows[2], dt.date(2026, 10, 7), method="上门"), "method", "不是可选的值"),
        warn(v.contact(rows[0], dt.date(2026, 10, 8), by=None), "by", "必填项为空"),
        reject(v.contact("", dt.date(2026, 10, 9)), "case_id", "必填项为空"),
        v.contact(" 0003 ", dt.date(2026, 10, 10), method="电话"),
    ]
    S.append(
        Scenario(
            "44-contacts-problems",
            "contact rows for an unknown case, for a rejected case, after the cut-off, "
            "without a date or case number (rejected), with an unknown method or no 联系人 (warnings)",
            [
                FileSpec(
                    "高峰镇-长岭村.xlsx",
                    "xlsx",
                    [cases_sheet(rows), contacts_sheet(con)],
                    check_contacts=True,
                )
            ],
        )
    )

    # 45 ------------------------------------------------------------------------------------------------
    v = Village("团结街道", "光明村")
    rows = v.cases(5)
    dup_case = v.case("闲散青少年", n=3)
    rows.append(reject(dup_case, "case_id", "重复"))
    dup_id = v.case("闲散青少年", n=6)
    dup_id.v.update(
        id_number=rows[1].v["id_number"], birth_date=rows[1].v["birth_date"], gender=rows[1].v["gender"]
    )
    if rows[1].v["group"] != "闲散青少年":
        dup_id.v["group"] = rows[1].v["group"]
    rows.append(reject(dup_id, "id_number", "重复"))
    S.append(
        Scenario(
            "45-duplicates-in-village",
            "the same case number used twice in one village, and the same ID "
            "number under two case numbers: the later row rejected",
            [FileSpec("团结街道-光明村.xlsx", "xlsx", [cases_sheet(rows)])],
        )
    )

    # 46 ------------------------------------------------------------------------------------------------
    v = Village("青山乡", "青龙村")
    rows = [v.case("困境未成年人")]
    rows.append(reject(v.case("困境未成年人", risk="较高"), "risk", "不是可选的值"))
    rows.append(reject(v.case("困境未成年人", risk=None), "risk", "必填项为空"))
    r = v.case("困境未成年人")
    r.v["group"] = None  # (gw=None would fall back to the group itself)
    rows.append(reject(r, "group", "必填项为空"))
    rows.append(reject(v.case("困境未成年人", name=None), "name", "必填项为空"))
    r = v.case("困境未成年人")
    r.v["case_id"] = None
    rows.append(reject(r, "case_id", "必填项为空"))
    rows.append(warn(v.case("困境未成年人", status="在读"), "status", "不是可选的值", status=None))
    rows.append(warn(v.case("困境未成年人", status=None), "status", "必填项为空", status=None))
    rows.append(
        warn(
            v.case("困境未成年人", distress_type="低保户"),
            "distress_type",
            "不是可选的值",
            distress_type=None,
        )
    )
    rows.append(
        warn(v.case("困境未成年人", contact_person=None), "contact_person", "必填项为空", contact_person=None)
    )
    rows.append(
        warn(
            v.case("困境未成年人", guardian_relation="叔叔"),
            "guardian_relation",
            "不是可选的值",
            guardian_relation=None,
        )
    )
    rows.append(
        reject(
            v.case("困境未成年人", exit_date=dt.date(2026, 9, 1), exit_reason="毕业"),
            "exit_reason",
            "不是可选的值",
        )
    )
    S.append(
        Scenario(
            "46-enum-and-required-values",
            "values outside the lists and empty required cells: risk, group, "
            "name, case number, exit reason → rejected; 在学就业状况, 困境类型, 帮教联系人, 监护人关系 → warnings",
            [FileSpec("青山乡-青龙村.xlsx", "xlsx", [cases_sheet(rows)])],
        )
    )

    # 47 ------------------------------------------------------------------------------------------------
    v = Village("高峰镇", "双河村")
    rows = v.cases(5)
    cols = CASE_COLS[:10] + [("x:年龄", "年龄")] + CASE_COLS[10:]
    for k, r in enumerate(rows, start=2):
        check(r, birth_date=r.v["birth_date"].isoformat())
        r.v["birth_date"] = Formula(
            f"=DATE(VALUE(MID(J{k},7,4)),VALUE(MID(J{k},11,2)),VALUE(MID(J{k},13,2)))"
        )
        r.v["x:年龄"] = Formula(f'=DATEDIF(I{k},DATE(2026,10,31),"y")')
    S.append(
        Scenario(
            "47-formula-cells-with-values",
            "出生日期 computed from the ID number by a formula and a 年龄 "
            "formula column, saved with computed values (as Excel/WPS save them): the values are read",
            [FileSpec("高峰镇-双河村.xlsx", "lo-xlsx", [cases_sheet(rows, cols=cols)])],
        )
    )

    # 48 ------------------------------------------------------------------------------------------------
    v = Village("高峰镇", "长岭村")
    rows = v.cases(5)
    spaces = Row({"address": "  ", "name": " "}, tv=None, blank=True)
    total = reject(Row({"case_id": "合计：5人"}, tv=None), None, "必填项为空")
    footer = reject(
        Row({"case_id": "填表人：王平", "name": "审核人：李红梅", "entry_date": "2026年10月28日"}, tv=None),
        None,
        "必填项为空",
    )
    body = [rows[0], rows[1], None, rows[2], spaces, None, rows[3], rows[4], None, total, None, footer]
    S.append(
        Scenario(
            "48-blank-rows-and-footer",
            "empty rows between data, 150 formatted empty rows, and a 合计 line "
            "and a 填表人/审核人 footer below the data (rows read, rejected for empty required cells)",
            [FileSpec("高峰镇-长岭村.xlsx", "xlsx", [cases_sheet(body, filler_rows=150)])],
        )
    )
    return S


def hand_kept() -> Scenario:
    """A registry kept by hand since 2019: 20 columns, several of the problems above at once."""
    v = Village("青山乡", "茶园村", id_prefix="CY-")
    cols = [
        ("seq", "序号"),
        ("case_id", "编号"),
        ("township", "乡镇"),
        ("village", "村居"),
        ("group", "群体类别"),
        ("risk", "风险等级"),
        ("name", "姓  名"),
        ("gender", "性别"),
        ("birth_date", "出生年月日"),
        ("id_number", "身份证号"),
        ("x:年龄", "年龄"),
        ("guardian", "监护人姓名"),
        ("guardian_relation", "监护人关系"),
        ("phone", "手机号"),
        ("address", "住址"),
        ("status", "在学就业状况"),
        ("x:所在学校", "所在学校"),
        ("contact_person", "帮教人"),
        ("entry_date", "建档日期"),
        ("x:备注", "备注"),
    ]
    assert len(cols) == 20
    rows: list = []

    def add(group, gw=None, male=True, **over):
        r = v.case(group, gw=gw, male=male, **over)
        r.v["x:年龄"] = 2026 - r.v["birth_date"].year
        rows.append(r)
        return r

    r = add("农村留守儿童", gw="留守儿童", male=False)
    i = r.v["id_number"]
    r.v.update(
        id_number=f"{i[:6]} {i[6:14]} {i[14:]}",
        gender=2,
        birth_date=dots(r.v["birth_date"]),
        phone="138-0710-1234",
        entry_date=DateCell(dt.datetime(2021, 9, 1), "yyyy/m/d"),
    )
    r.v["x:所在学校"] = "茶园小学"
    check(r, id_number=i, gender="女", phone="13807101234", entry_date="2021-09-01", group="农村留守儿童")
    r = add("闲散青少年", vw="茶园", gender="1")
    r.v.update(phone="+86 13907101235", entry_date=cn_date(dt.date(2023, 5, 12)))
    check(r, village="茶园村", phone="13907101235", entry_date="2023-05-12")
    rows.append(None)
    r = add("困境未成年人")
    r.hidden = True
    r = add("闲散青少年")
    reject(r, "id_number", "校验码").v["id_number"] = bad_checksum(r.v["id_number"])
    r = add("农村留守儿童", gw="留守儿童")
    r.v.update(guardian="母亲", guardian_relation=None)
    warn(r, "guardian", "母亲", guardian=None)
    r = add("闲散青少年")
    r.v["entry_date"] = Num(2019.05)
    reject(r, "entry_date", "年月")
    r = add("服刑人员未成年子女", gw="服刑人员子女")
    r.v["phone"] = "无"
    warn(r, "phone", "无", phone=None)
    r1 = add("农村留守儿童")
    r2 = add("农村留守儿童")
    reject(r1, "contact_person", "合并单元格")
    reject(r2, "contact_person", "合并单元格")
    merge_at = rows.index(r1)
    r = add("有不良行为或严重不良行为青少年", gw="不良行为青少年", male=True)
    r.v["gender"] = "女"
    warn(r, "gender", "与身份证号", gender="男")
    r = add("闲散青少年")
    r.v["x:备注"] = "2025年起外出务工，电话联系"
    r.v["entry_date"] = serial(dt.date(2022, 3, 15))
    check(r, entry_date="2022-03-15")
    r = add("服刑人员未成年子女", gw="服刑人员子女")
    b0 = r.v["birth_date"]
    r.v["birth_date"] = serial(b0)
    check(r, birth_date=b0.isoformat(), group="服刑人员未成年子女")
    r = add("困境未成年人", tw="青山")
    check(r, township="青山乡")
    rows.append(None)
    data = [r for r in rows if r is not None]
    for k, r in enumerate(data, start=1):
        r.v["seq"] = k
    for r in data:
        r.v.pop("distress_type", None)
    sheet = cases_sheet(
        rows,
        title="Sheet1",
        cols=cols,
        top=[["青山乡茶园村重点青少年台账（2019年起）"], ["更新：2026.10"]],
        merges=["A1:T1"],
        data_merges=[("contact_person", merge_at, merge_at + 1)],
        date_format="yyyy/m/d",
    )
    good = [r for r in data if not r.reject]
    con = [
        v.contact(good[0], "2026.10.3"),
        v.contact(good[1], dt.date(2026, 10, 4), method="电话"),
        v.contact(good[2], serial(dt.date(2026, 10, 9))),
        reject(v.contact(data[3], dt.date(2026, 10, 10)), "case_id", "没有这个个案"),
        v.contact(good[3], "2026年10月12日", note="家中无人，电话联系"),
    ]
    for c in con:
        c.v["x:照片"] = "有"
    contacts = contacts_sheet(con, title="走访记录", cols=CONTACT_COLS + [("x:照片", "走访照片")])
    stats = Sheet(
        "统计",
        "other",
        [],
        grid=[["类别", "人数"], ["留守儿童", 4], ["闲散青少年", 4], ["其他", 5], ["合计", 13]],
    )
    empty = Sheet("Sheet3", "empty", [], grid=[])
    return Scenario(
        "38-hand-kept-20-columns",
        "a 20-column workbook kept by hand since 2019: title rows, 序号, synonyms "
        "(编号, 乡镇, 村居, 出生年月日, 身份证号, 监护人姓名, 手机号, 帮教人, 建档日期), unknown columns (年龄, 所在学校, "
        "备注, 走访照片), short group names, gender 1/2, IDs with spaces, mixed date formats incl. serials and a "
        "month-only 2019.05, a hidden row, blank rows, a merged 帮教人 cell, 母亲 as guardian, 无 as phone, "
        "a contacts sheet named 走访记录, a 统计 sheet and an empty Sheet3",
        [FileSpec("青山乡-茶园村.xlsx", "xlsx", [sheet, contacts, stats, empty])],
    )


# --- writing ----------------------------------------------------------------------------------------------
MADE_BY = {
    "xlsx": "openpyxl",
    "csv": "text written by make_corpus.py",
    "raw": "bytes written by make_corpus.py",
    "xlsm": "openpyxl → LibreOffice --convert-to 'xlsm:Calc MS Excel 2007 VBA XML'",
    "ods": "openpyxl → LibreOffice --convert-to 'ods:calc8'",
    "xls": "openpyxl → LibreOffice --convert-to 'xls:MS Excel 97'",
    "xls-as-xlsx": "openpyxl → LibreOffice --convert-to 'xls:MS Excel 97', then renamed .xlsx",
    "lo-xlsx": "openpyxl with formulas → LibreOffice --convert-to xlsx (formulas computed and stored)",
    "encrypted-xlsx": "openpyxl → ECMA-376 Standard Encryption (AES-128, password 1234) "
    "in an OLE compound file "
    "(corpus_lib.encrypted_xlsx)",
    "encrypted-xls": "openpyxl → LibreOffice UNO storeToURL('MS Excel 97', Password=1234)",
    "truncated": "openpyxl, then cut after 1500 bytes",
}


def write_file(folder: Path, fs: FileSpec, lo: LibreOffice, tmp: Path) -> None:
    from corpus_lib import csv_text, encrypted_xlsx, normalise_zip_bytes, save_deterministic, workbook

    dest = folder / fs.path
    dest.parent.mkdir(parents=True, exist_ok=True)
    if fs.copy_of:
        shutil.copyfile(folder / fs.copy_of, dest)
        return
    if fs.fmt == "raw":
        dest.write_bytes(fs.raw)
        return
    if fs.fmt == "csv":
        text = csv_text(fs.sheets[0])
        dest.write_bytes(text.encode(fs.encoding))
        return
    work = tmp / hashlib.sha1(str(dest).encode()).hexdigest()[:12]
    work.mkdir(parents=True, exist_ok=True)
    src = work / "book.xlsx"
    save_deterministic(workbook(fs), src)
    if fs.fmt == "xlsx":
        shutil.copyfile(src, dest)
    elif fs.fmt == "truncated":
        dest.write_bytes(src.read_bytes()[:1500])
    elif fs.fmt == "encrypted-xlsx":
        dest.write_bytes(encrypted_xlsx(src.read_bytes(), "1234"))
    elif fs.fmt == "encrypted-xls":
        lo.encrypt_xls(src, dest, "1234")
    else:
        ext, filt = {
            "xlsm": ("xlsm", "Calc MS Excel 2007 VBA XML"),
            "ods": ("ods", "calc8"),
            "xls": ("xls", "MS Excel 97"),
            "xls-as-xlsx": ("xls", "MS Excel 97"),
            "lo-xlsx": ("xlsx", "Calc MS Excel 2007 XML"),
        }[fs.fmt]
        out = lo.convert(src, ext, filt, work / "out")
        data = out.read_bytes()
        if ext in ("xlsx", "xlsm", "ods"):
            data = normalise_zip_bytes(data)
        dest.write_bytes(data)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--no-verify", action="store_true", help="skip reading every file back")
    args = parser.parse_args()
    all_scenarios = scenarios()
    names = [s.name for s in all_scenarios]
    assert len(names) == len(set(names))
    if OUT.exists():
        shutil.rmtree(OUT)
    OUT.mkdir(parents=True)
    (HERE / "places.yaml").write_text(PLACES_YAML, encoding="utf-8")
    lo = LibreOffice()
    tmp = Path(tempfile.mkdtemp(prefix="corpus-"))
    try:
        for s in all_scenarios:
            folder = OUT / s.name
            folder.mkdir(parents=True)
            for fs in s.files:
                if not fs.how:
                    fs.how = MADE_BY[fs.fmt] + (
                        " (laid out like the project's template)" if fs.template else ""
                    )
                write_file(folder, fs, lo, tmp)
        expected_io.write_expected(HERE / "expected.yaml", all_scenarios)
        if not args.no_verify:
            problems = verify.verify_all(OUT, all_scenarios, lo, HERE / "places.yaml")
            if problems:
                for p in problems:
                    print("VERIFY:", p, file=sys.stderr)
                return 1
    finally:
        lo.close()
        shutil.rmtree(tmp, ignore_errors=True)
    files = sum(1 for p in OUT.rglob("*") if p.is_file())
    print(
        f"{len(all_scenarios)} scenarios, {files} files written under {OUT}; "
        "expected.yaml and places.yaml written"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
