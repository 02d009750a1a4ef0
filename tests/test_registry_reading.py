"""Reading registries as staff write them: cell values, headers, the folder, which tables count this
month, the rejected-rows workbook and what the console may show. Small inputs made here, of other
shapes than the corpus's."""

from __future__ import annotations

import datetime as dt
import io
import random
import zipfile

import openpyxl
import pytest
from stdnum.cn import ric

from generators.core.errors import Problem
from generators.registry.cells import CellError, id_check_digit, parse_date, parse_id_number, parse_phone
from generators.registry.folder import registry_files, village_of_path
from generators.registry.headers import SheetGrid, build_table, find_header
from generators.registry.model import RowRef
from generators.registry.places import read_places
from generators.registry.readers import read_registry_file
from generators.registry.rejected import rejected_workbook
from generators.registry.submissions import sheet_month
from generators.registry.validate import RejectedRow, RowWarning, shown
from tests.conftest import ROOT
from tests.registry_fixtures import SCHEMA, case, ident, workbook

PLACES = read_places(ROOT / "tests" / "corpus" / "registry" / "places.yaml")
AS_OF = dt.date(2026, 10, 31)


# --- cell values -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "written, meant",
    [
        ("138-1234-5678", "13812345678"),
        ("138 1234 5678", "13812345678"),
        ("+86 13812345678", "13812345678"),
        ("+86-138-1234-5678", "13812345678"),
        ("8613812345678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        (13812345678, "13812345678"),
        (13812345678.0, "13812345678"),
        ("(0710)1234567", "0710-1234567"),
        ("（0710）1234567", "0710-1234567"),
        ("0710 1234567", "0710-1234567"),
        ("0710-1234567", "0710-1234567"),
        ("010-12345678", "010-12345678"),
        ("02112345678", "021-12345678"),
        ("+86 710 1234567", "0710-1234567"),
    ],
)
def test_phones_are_read_as_meant(written, meant):
    assert parse_phone(written) == meant


@pytest.mark.parametrize(
    "written, why",
    [
        ("无", "不是有效的电话号码"),
        ("/", "不是有效的电话号码"),
        ("1381234567", "不是有效的电话号码"),
        ("13812345678/13987654321", "多个号码"),
        ("13812345678 0710-1234567", "多个号码"),
        ("13812345678；13987654321", "多个号码"),
        ("1.38123E+10", "科学计数法"),
        (1.5, "小数"),
    ],
)
def test_phones_that_cannot_be_read_say_why(written, why):
    with pytest.raises(CellError, match=why):
        parse_phone(written)


@pytest.mark.parametrize(
    "written",
    [
        dt.date(2024, 3, 5),
        dt.datetime(2024, 3, 5, 14, 30),
        "2024.3.5",
        "2024/03/05",
        "2024-3-5",
        "2024年3月5日",
        "2024 年 3 月 5 日",
        "20240305",
        20240305,
        45356,
        45356.75,
        "２０２４－０３－０５",
        "2024-03-05 10:30:00",
    ],
)
def test_dates_are_read_as_meant(written):
    assert parse_date(written) == dt.date(2024, 3, 5)


@pytest.mark.parametrize(
    "written, why",
    [
        (2024.02, "只有年月"),
        (2024.1, "只有年月"),
        ("2024.02", "只有年月"),
        ("2024年2月", "只有年月"),
        ("2024-02", "只有年月"),
        (2024, "只有年份"),
        ("2024.13.05", "日期不存在"),
        ("2025-02-29", "日期不存在"),
        ("去年三月", "不是可识别的日期"),
        ("3/5/2024", "不是可识别的日期"),
        (-3, "不是可识别的日期"),
    ],
)
def test_dates_that_cannot_be_read_say_why(written, why):
    with pytest.raises(CellError, match=why):
        parse_date(written)


def test_id_numbers_are_read_as_meant():
    number = ident(dt.date(2013, 6, 18), 4, male=False)
    spaced = f"{number[:6]} {number[6:14]} {number[14:]}"
    assert parse_id_number(spaced) == number
    assert parse_id_number(f"{number[:6]}-{number[6:14]}-{number[14:]}") == number
    assert parse_id_number("\t" + number) == number
    wide = number.translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    assert parse_id_number(wide) == number
    x = next(ident(dt.date(2010, 1, 1), s) for s in range(1, 60) if ident(dt.date(2010, 1, 1), s)[-1] == "X")
    assert parse_id_number(x.lower()) == x


@pytest.mark.parametrize(
    "written, why",
    [
        (341221200503010058.0, "存成了数字"),
        ("3.41221E+17", "科学计数法"),
        ("341221050301005", "18 位"),
        ("34122120050301005", "18 位"),
        ("34122120050301005A", "校验码"),
        ("3412212005A301005X", "前 17 位"),
        ("341221200502300058", "校验码"),
    ],
)
def test_id_numbers_that_cannot_be_read_say_why(written, why):
    with pytest.raises(CellError, match=why):
        parse_id_number(written)


def test_id_checks_agree_with_python_stdnum():
    rng = random.Random(7)
    for _ in range(500):
        body = "".join(rng.choice("0123456789") for _ in range(17))
        assert id_check_digit(body) == ric.calc_check_digit(body + "0")
    born = "341221" + "20050230" + "001"  # 30 February
    with pytest.raises(CellError, match="出生日期无效"):
        parse_id_number(born + id_check_digit(born))
    nowhere = "000000" + "20050301" + "001"
    with pytest.raises(CellError, match="地区码"):
        parse_id_number(nowhere + id_check_digit(nowhere))


@pytest.mark.parametrize(
    "key, written, meant",
    [
        ("gender", "M", "男"),
        ("gender", "f", "女"),
        ("gender", 2.0, "女"),
        ("gender", " 男 ", "男"),
        ("gender", "女性", "女"),
        ("group", "留守儿童", "农村留守儿童"),
        ("group", "闲散", "闲散青少年"),
        ("group", "服刑人员子女", "服刑人员未成年子女"),
        ("risk", "高风险", "高"),
        ("risk", "中 ", "中"),
    ],
)
def test_values_written_another_accepted_way(key, written, meant):
    from generators.registry.cells import parse_cell

    assert parse_cell(SCHEMA.cases.column(key), written) == meant


# --- headers -----------------------------------------------------------------------------------------------
def headers_of(grid):
    header = find_header(SCHEMA, grid)
    assert header is not None
    return header


def test_a_two_row_header_under_title_rows_is_read_as_one():
    grid = [
        ["长岭村重点青少年台账", None, None, None, None, None, None, None, None, None],
        ["填报单位：长岭村", None, None, None, None, None, None, None, None, None],
        ["个案编号", "所在地", None, "基本信息", None, None, None, "群体类别", "风险等级", "纳入时间"],
        [None, "乡镇", "村居", "姓 名", "性别", "出生年月日", "身份证号码", None, None, None],
        ["0001", "高峰镇", "长岭村", "张三", "男", "2005.3.1", "x", "闲散", "中", "2025.1.1"],
    ]
    header = headers_of(grid)
    assert (header.first, header.last, header.sheet.kind) == (2, 3, "cases")
    assert header.keys >= {"case_id", "township", "village", "name", "id_number", "entry_date"}
    table = build_table("v.xlsx", SheetGrid("Sheet1", grid), header)
    assert [r.ref.row for r in table.rows] == [5]
    assert table.headers["id_number"] == "公民身份号码（表头“身份证号码”，G 列）"


def test_a_data_row_holding_a_header_word_is_not_taken_for_a_header():
    grid = [["个案编号", "联系日期", "方式", "联系人"], ["0001", "2026-10-01", "电话", "王平"]]
    header = headers_of(grid)
    assert (header.sheet.kind, header.first, header.last) == ("contacts", 0, 0)


def test_unknown_twice_written_and_headerless_columns_are_named():
    grid = [
        ["序号", "个案编号", "乡镇", "村", "群体类别", "风险等级（高/中/低）", "姓名", "出生日期"]
        + ["公民身份号码", "纳入日期", "电话", "手机", "所在学校", None],
        [1, "0001", "高峰镇", "长岭村", "闲散", "中", "张三", "2005-03-01", "x", "2025-01-01"]
        + ["13800000000", "13900000000", "一中", "备注写在这里"],
    ]
    table = build_table("v.xlsx", SheetGrid("Sheet1", grid), headers_of(grid))
    notes = [n.message for n in table.notices]
    assert any("序号" in n and "不是个案编号" in n for n in notes)
    assert any("手机" in n and "与“联系电话”列重复" in n for n in notes)
    assert any("所在学校" in n and "未识别" in n for n in notes)
    assert any("N 列没有表头" in n for n in notes)
    assert table.headers["risk"].startswith("风险等级（")


def test_rows_of_blanks_or_only_a_serial_number_are_not_rows():
    grid = [
        ["序号", "个案编号", "联系日期", "方式", "联系人"],
        [1, "0001", "2026-10-01", "走访", "王平"],
        [2, " ", None, "", "  "],
        [3, None, None, None, None],
        [None, "合计", None, None, None],
    ]
    table = build_table("v.xlsx", SheetGrid("联系记录", grid), headers_of(grid))
    assert [r.ref.row for r in table.rows] == [2, 5]


def test_each_cell_is_read_as_itself_when_a_column_repeats_equal_values_of_other_kinds():
    """A column is read once per distinct value; TRUE equals 1 and 1.0 as a key, but is another cell."""
    from generators.registry.validate import parse_table

    grid = [
        ["个案编号", "联系日期", "方式", "联系人", "备注"],
        ["0001", "2026-10-01", "走访", "王平", 1],
        ["0002", dt.date(2026, 10, 1), "走访", "王平", True],
        ["0003", "2026.10.1", "走访", "王平", 1.0],
        ["0004", "2026-10-01", "走访", "王平", "1"],
        ["0005", "2026-13-01", "走访", "王平", False],
    ]
    table = build_table("v.xlsx", SheetGrid("联系记录", grid), headers_of(grid))
    parsed = parse_table(table)
    at = {k: i for i, k in enumerate(parsed.keys)}
    assert [v[at["note"]] for v in parsed.values] == ["1", "True", "1", "1", "False"]
    assert [v[at["date"]] for v in parsed.values[:4]] == [dt.date(2026, 10, 1)] * 4
    assert list(parsed.rejects) == [4]  # no 13th month
    assert parsed.rejects[4][0].row == 6 and parsed.rejects[4][0].column.startswith("联系日期")


# --- files and the folder ----------------------------------------------------------------------------------
def test_files_in_subfolders_are_read_and_every_other_file_is_named(tmp_path):
    (tmp_path / "高峰镇" / "10月").mkdir(parents=True)
    (tmp_path / "高峰镇" / "10月" / "长岭村.xlsm").write_bytes(b"x")
    (tmp_path / "高峰镇" / "凤凰村.ODS").write_bytes(b"x")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_bytes(b"x")
    (tmp_path / "~$凤凰村.xlsx").write_bytes(b"x")
    (tmp_path / "照片.jpg").write_bytes(b"x")
    (tmp_path / "README").write_bytes(b"x")
    listing = registry_files(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in listing.files] == [
        "高峰镇/10月/长岭村.xlsm",
        "高峰镇/凤凰村.ODS",
    ]
    why = {p.file: p.message for _, p in listing.skipped}
    assert "隐藏文件" in why[".git/config"] and "临时文件" in why["~$凤凰村.xlsx"]
    assert "不支持的文件类型 .jpg" in why["照片.jpg"] and "无扩展名" in why["README"]


@pytest.mark.parametrize(
    "path, village",
    [
        ("高峰镇-长岭村（10月修改）.xlsx", ("高峰镇", "长岭村")),
        ("高峰镇/长岭村.xlsx", ("高峰镇", "长岭村")),
        ("高峰乡 长岭 台账.xls", ("高峰镇", "长岭村")),
        ("青山乡/白果村.csv", ("青山乡", "白果村")),
        ("凤凰村.xlsx", ("高峰镇", "凤凰村")),
        ("白果村.xlsx", None),  # a village of two townships
        ("新建 XLSX 工作表.xlsx", None),
        ("高峰镇汇总.xlsx", None),
    ],
)
def test_the_village_a_path_names(tmp_path, path, village):
    assert village_of_path(tmp_path / path, PLACES, tmp_path) == village


@pytest.mark.parametrize(
    "title, month",
    [
        ("2026年10月", (2026, 10)),
        ("2026.09", (2026, 9)),
        ("2026-9", (2026, 9)),
        ("10月", (2026, 10)),
        ("10月台账", (2026, 10)),
        ("12月", (2025, 12)),  # a month after the cut-off's month, without a year: last year's
        ("个案台账", None),
        ("Sheet1", None),
        ("13月", None),
    ],
)
def test_the_month_a_sheet_name_stands_for(title, month):
    assert sheet_month(title, AS_OF) == month


def test_a_damaged_sheet_names_the_file_and_the_sheet(tmp_path):
    good = workbook(tmp_path / "v.xlsx", [case()])
    broken = io.BytesIO()
    with zipfile.ZipFile(good) as src, zipfile.ZipFile(broken, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet2.xml":
                data = data[: len(data) // 2]
            dst.writestr(item, data)
    good.write_bytes(broken.getvalue())
    read = read_registry_file(good, SCHEMA)
    assert read.error is not None and "无法读取" in read.error.message
    assert "个案台账" in read.error.message or "损坏" in read.error.message


def test_a_text_file_named_xls_and_an_html_export(tmp_path):
    (tmp_path / "a.xls").write_text("个案编号\t姓名\n0001\t张三\n", encoding="utf-8")
    assert "不是 Excel 文件" in read_registry_file(tmp_path / "a.xls", SCHEMA).error.message
    (tmp_path / "b.xls").write_text(
        "<html><table><tr><td>个案编号</td></tr></table></html>", encoding="utf-8"
    )
    assert "网页" in read_registry_file(tmp_path / "b.xls", SCHEMA).error.message


# --- the rejected-rows workbook and the console ------------------------------------------------------------
def test_the_rejected_rows_workbook_keeps_any_text_as_text(tmp_path):
    ref = RowRef("v.xlsx", "个案台账", 2)
    problem = Problem("v.xlsx", "含有控制字符", sheet="个案台账", row=2, column="姓名（G 列）")
    values = {
        "case_id": "=1+1",
        "name": "张\x07三\x00",
        "address": "\x1b[31m红色",
        "guardian": "+1+1",
        "phone": "-2+3",
        "status": "@SUM(A1)",
        "contact_person": "\t=cmd|' /C calc'!A0",
        "township": "x" * 40_000,
    }
    data = rejected_workbook(
        SCHEMA,
        [RejectedRow(ref, "cases", values, (problem,))],
        [RowWarning(Problem("v.xlsx", "已略去", row=3), '=HYPERLINK("http://x")')],
    )
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        sheets = [zf.read(n) for n in zf.namelist() if n.startswith("xl/worksheets/")]
    assert not any(b"<f>" in xml or b"<f " in xml for xml in sheets)  # no formula anywhere
    wb = openpyxl.load_workbook(io.BytesIO(data))
    row = [c.value for c in wb["个案台账"][2]]
    assert "=1+1" in row and "+1+1" in row and "-2+3" in row and "@SUM(A1)" in row
    assert "张<U+0007>三<U+0000>" in row and "<U+001B>[31m红色" in row
    assert all(c.data_type == "s" for c in wb["个案台账"][2] if isinstance(c.value, str))


def test_console_values_never_show_a_personal_value_in_full():
    name, phone = SCHEMA.cases.column("name"), SCHEMA.cases.column("phone")
    idn, village = SCHEMA.cases.column("id_number"), SCHEMA.cases.column("village")
    risk = SCHEMA.cases.column("risk")
    assert shown(name, "张小明") == "张*明" and shown(name, "欧阳\x1b[31m") != "欧阳\x1b[31m"
    assert shown(phone, "13812345678") == "138******78" and shown(phone, "无") == "无"
    number = ident(dt.date(2005, 3, 1))
    assert number not in shown(idn, number) and shown(idn, number).startswith("341")
    assert shown(village, "李建国") == "李*国"  # an unknown place may be a name in the wrong column
    assert shown(risk, "很高") == "很高"


def test_merged_cells_and_hidden_rows_of_an_ods_file():
    """Saved by LibreOffice from a workbook with 帮教联系人 merged over rows 3–4 and rows hidden."""
    read = read_registry_file(ROOT / "tests" / "fixtures" / "registry" / "合并单元格与隐藏行.ods", SCHEMA)
    cases, contacts = read.tables
    merged = {r.ref.row: [k for k, why in r.problems if "合并单元格" in why] for r in cases.rows}
    assert merged == {2: [], 3: ["contact_person"], 4: ["contact_person"], 5: []}
    assert [r.ref.row for r in cases.rows if r.hidden] == [5]
    assert [r.ref.row for r in contacts.rows if r.hidden] == [3]


def test_a_read_file_comes_back_from_a_worker_as_it_was():
    """Tables travel from the reading processes as columns, parsed there: problems, hidden rows, row
    numbers, the parse and its findings must all survive the trip."""
    import pickle

    from generators.registry.validate import _read_file

    path = ROOT / "tests" / "fixtures" / "registry" / "合并单元格与隐藏行.ods"
    read = _read_file(SCHEMA, (path, path.name))
    back = pickle.loads(pickle.dumps(read))
    assert back == read
    # A contacts sheet travels packed, as one bytes object, until it is validated.
    assert [t.packed is not None for t in back.tables] == [t.schema.kind == "contacts" for t in back.tables]
    for table in back.tables:
        table.unpack()
    assert any(t.problems for t in back.tables) and any(t.hidden for t in back.tables)
    assert all(t.parsed is not None for t in back.tables)
    assert any(t.parsed.rejects for t in back.tables)  # the merged cells' rows  # type: ignore[union-attr]
    for table in back.tables:
        assert [r.ref.row for r in table.rows] == table.numbers


def test_a_column_that_repeats_its_texts_keeps_one_of_each():
    """What a sheet repeats (places, staff, dates) is held once per value once parsed: less to send from
    the reading process and to keep; a column of different values is left as read."""
    from generators.registry.validate import parse_table

    grid = [["个案编号", "联系日期", "方式", "联系人", "备注"]]
    # a new object in every cell, as a reader gives them
    grid += [
        [f"{i:04d}", dt.date(2026, 10, 1), "走访", "".join(["王", "平"]), f"第{i}次"] for i in range(1, 7)
    ]
    table = build_table("v.xlsx", SheetGrid("联系记录", grid), headers_of(grid))
    assert len({id(v) for v in table.data["by"]}) == 6
    parse_table(table)
    assert len({id(v) for v in table.data["by"]}) == 1
    assert len({id(v) for v in table.data["date"]}) == 1
    assert table.data["note"] == [f"第{i}次" for i in range(1, 7)]
