"""Registry import: every validation rule, and a corpus of broken workbooks as villages send them."""

from __future__ import annotations

import datetime as dt

import openpyxl
import pytest

from generators.registry.local_rules import county_rules
from generators.registry.places import read_places
from generators.registry.readers import read_registry_file
from generators.registry.rejected import rejected_workbook
from generators.registry.validate import import_registry
from tests.conftest import ROOT, latest
from tests.registry_fixtures import AS_OF, SCHEMA, case, contact, edit, ident, workbook

PLACES = read_places(ROOT / "data" / "places.yaml")


@pytest.fixture(scope="module")
def rules(model):
    return county_rules(model, read_places(ROOT / "data" / "places.yaml"), 90)


@pytest.fixture
def load(model, rules):
    def run(*files, as_of=AS_OF):
        folder = files[0].parent
        assert {f.name for f in files} == {f.name for f in folder.iterdir()}
        result = import_registry(folder, SCHEMA, PLACES, model, rules, as_of)
        for (file, sheet, kind), n in result.read.items():  # the promise, checked in every test
            assert n == result.accepted_count(file, sheet, kind) + result.rejected_count(file, sheet, kind)
        return result

    return run


def only_problem(result):
    assert len(result.rejected) == 1, [str(p) for r in result.rejected for p in r.problems]
    problems = result.rejected[0].problems
    assert len(problems) == 1, [str(p) for p in problems]
    return problems[0]


def test_valid_rows_are_accepted(tmp_path, load):
    result = load(
        workbook(tmp_path / "v.xlsx", [case(1), case(2, name="李四")], [contact(), contact("V01-0002")])
    )
    assert [c.case_id for c in result.cases] == ["V01-0001", "V01-0002"]
    assert len(result.contacts) == 2 and not result.rejected
    assert result.cases[0].group == "idle" and result.cases[0].birth_date == dt.date(2005, 3, 1)


# --- each validation rule: the row is rejected, the problem names file, sheet, row, column, value ----------
RULES = [
    ("required", dict(name=None), "姓名（G 列）", "必填项为空"),
    (
        "check character",
        dict(id_number=ident(dt.date(2005, 3, 1))[:-1] + "0"),
        "公民身份号码（J 列）",
        "校验码不对",
    ),
    ("id length", dict(id_number="34122120050301001"), "公民身份号码（J 列）", "应为 18 位"),
    (
        "birth date vs id",
        dict(birth_date=dt.date(2005, 3, 2), id_number=ident(dt.date(2005, 3, 1))),
        "出生日期（I 列）",
        "与身份证号中的出生日期不一致",
    ),
    (
        "age bound of the group",
        dict(
            group="农村留守儿童",
            birth_date=dt.date(2008, 1, 5),
            id_number=ident(dt.date(2008, 1, 5)),
            status="在校",
        ),
        "出生日期（I 列）",
        "不在“农村留守儿童”的年龄界限内：不满16周岁（依据 dunji-2023#3-5-p1）",
    ),
    ("enum", dict(risk="很高"), "风险等级（F 列）", "不是可选的值，应为：高、中、低"),
    ("future date", dict(entry_date=dt.date(2026, 11, 3)), "纳入日期（Q 列）", "晚于统计截止日 2026-10-31"),
    (
        "exit before entry",
        dict(exit_date=dt.date(2024, 12, 1), exit_reason="情况好转"),
        "退出日期（R 列）",
        "退出日期早于纳入日期",
    ),
    ("exit without reason", dict(exit_date=dt.date(2026, 2, 1)), "退出原因（S 列）", "退出原因必填"),
    ("unparseable date", dict(entry_date="上个月"), "纳入日期（Q 列）", "不是可识别的日期"),
    ("impossible date", dict(entry_date="2025-02-30"), "纳入日期（Q 列）", "日期不存在"),
]


@pytest.mark.parametrize("change,column,message", [r[1:] for r in RULES], ids=[r[0] for r in RULES])
def test_each_rule_rejects_the_row_and_says_where(tmp_path, load, change, column, message):
    path = workbook(tmp_path / "v.xlsx", [case(1, **change)])
    problem = only_problem(load(path))
    assert (problem.sheet, problem.row, problem.column) == ("个案台账", 2, column)
    assert message in problem.message
    assert problem.file.endswith("v.xlsx")
    text = str(problem)
    assert "v.xlsx" in text and "个案台账" in text and "第 2 行" in text and column in text


def test_case_numbers_are_per_village_and_id_numbers_per_county(tmp_path, load):
    a = workbook(tmp_path / "a.xlsx", [case(1), case(2, id_number=ident(dt.date(2005, 3, 1), 7))])
    same_id = ident(dt.date(2005, 3, 1), 1)
    b = workbook(
        tmp_path / "b.xlsx",
        [
            case(1, village="双河村", id_number=ident(dt.date(2005, 3, 1), 3)),
            case(2, village="双河村", id_number=same_id),
        ],
        [contact("V01-0001"), contact("V01-0001")],
    )
    result = load(a, b)
    assert sorted(c.key for c in result.cases) == [
        ("高峰镇", "双河村", "V01-0001"),
        ("高峰镇", "长岭村", "V01-0001"),
        ("高峰镇", "长岭村", "V01-0002"),
    ]
    [problem] = [p for r in result.rejected for p in r.problems]
    assert problem.message.startswith("身份证号与") and "a.xlsx 第 2 行（长岭村）重复" in problem.message
    assert problem.file == "b.xlsx" and problem.row == 3
    # b's contacts are b's village's: never credited to 长岭村's V01-0001
    assert set(result.contacts.dates) == {("高峰镇", "双河村", "V01-0001")}


def test_the_same_case_number_twice_in_a_village_is_rejected(tmp_path, load):
    path = workbook(tmp_path / "v.xlsx", [case(1), case(1, id_number=ident(dt.date(2005, 3, 1), 9))])
    problem = only_problem(load(path))
    assert problem.row == 3 and "个案编号与 v.xlsx 第 2 行重复" in problem.message


def test_contacts_for_unknown_or_rejected_cases_are_rejected(tmp_path, load):
    path = workbook(
        tmp_path / "v.xlsx",
        [case(1), case(2, risk="?")],
        [contact("V01-0009"), contact("V01-0002"), contact(day=dt.date(2026, 11, 2))],
    )
    result = load(path)
    contacts = [r for r in result.rejected if r.kind == "contacts"]
    assert [r.ref.row for r in contacts] == [2, 3, 4]
    assert "没有这个个案编号" in contacts[0].problems[0].message
    assert "晚于统计截止日" in contacts[2].problems[0].message


def test_rejected_rows_go_to_a_workbook_with_reasons(tmp_path, load):
    result = load(workbook(tmp_path / "v.xlsx", [case(1), case(2, risk="很高"), case(3, name=None)]))
    out = tmp_path / "退回.xlsx"
    out.write_bytes(rejected_workbook(SCHEMA, result.rejected))
    wb = openpyxl.load_workbook(out)
    rows = [
        r
        for ws in wb.worksheets
        if ws.title not in ("说明", "选项")
        for r in ws.iter_rows(min_row=2, values_only=True)
        if any(v is not None for v in r)
    ]
    assert len(rows) == 2 == len(result.rejected)
    text = " ".join(str(v) for r in rows for v in r if v)
    assert "风险等级" in text and "很高" in text and "必填项为空" in text


# --- the broken-workbook corpus -----------------------------------------------------------------------------
def stops(path, *expected):
    """The file cannot be read: it is named with the reason, and nothing of it is taken."""
    read = read_registry_file(path, SCHEMA)
    assert read.error is not None and not read.tables
    text = str(read.error)
    assert path.name in text and "无法读取" in text, text
    for part in expected:
        assert part in text, text


def test_a_missing_header_is_a_file_error(tmp_path):
    path = edit(workbook(tmp_path / "v.xlsx", [case()]), lambda wb: wb["个案台账"].cell(1, 7, "名字"))
    stops(path, "个案台账", "缺少必填列：姓名")


def test_a_missing_column_is_a_file_error(tmp_path):
    path = edit(workbook(tmp_path / "v.xlsx", [case()]), lambda wb: wb["个案台账"].delete_cols(10))
    stops(path, "缺少必填列：公民身份号码")


def test_headers_with_stray_spaces_stars_and_a_title_row_are_found(tmp_path, load):
    def change(wb):
        ws = wb["个案台账"]
        ws.cell(1, 7, " 姓 名 *")
        ws.cell(1, 6, "风险等级(高/中/低)".replace("(高/中/低)", ""))
        ws.insert_rows(1)
        ws.cell(1, 1, "长岭村重点青少年台账")

    result = load(edit(workbook(tmp_path / "v.xlsx", [case()]), change))
    assert len(result.cases) == 1 and result.cases[0].source.row == 3


def test_merged_cells_reject_the_rows_they_cover(tmp_path, load):
    path = edit(
        workbook(tmp_path / "v.xlsx", [case(1), case(2), case(3)]),
        lambda wb: wb["个案台账"].merge_cells("B3:B4"),
    )
    result = load(path)
    assert [r.ref.row for r in result.rejected] == [3, 4]
    assert all("合并单元格" in r.problems[0].message for r in result.rejected)


def test_excel_date_serials_are_read_as_dates(tmp_path, load):
    def change(wb):
        cell = wb["个案台账"].cell(2, 17)
        cell.value, cell.number_format = 45667, "General"  # 2025-01-10 without its date format

    result = load(edit(workbook(tmp_path / "v.xlsx", [case()]), change))
    assert result.cases[0].entry_date == dt.date(2025, 1, 10)


@pytest.mark.parametrize(
    "text", ["2025/1/10", "2025年1月10日", "20250110", "2025.01.10", "2025-1-10 ", "２０２５－０１－１０"]
)
def test_text_dates_in_several_formats(tmp_path, load, text):
    result = load(workbook(tmp_path / "v.xlsx", [case(entry_date=text)]))
    assert result.cases[0].entry_date == dt.date(2025, 1, 10)


def test_full_width_digits_and_stray_spaces_in_values(tmp_path, load):
    full = ident(dt.date(2005, 3, 1)).translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    result = load(workbook(tmp_path / "v.xlsx", [case(id_number=f" {full} ", name=" 张小明 ", risk="中 ")]))
    assert result.cases[0].id_number == ident(dt.date(2005, 3, 1)) and result.cases[0].name == "张小明"


def test_id_number_stored_as_a_number(tmp_path, load):
    path = edit(
        workbook(tmp_path / "v.xlsx", [case()]),
        lambda wb: wb["个案台账"].cell(2, 10, float(ident(dt.date(2005, 3, 1))[:15] + "000")),
    )
    assert "存成了数字" in only_problem(load(path)).message


def test_formula_without_cached_value(tmp_path, load):
    path = edit(
        workbook(tmp_path / "v.xlsx", [case()]), lambda wb: wb["个案台账"].cell(2, 17, "=DATE(2025,1,10)")
    )
    problem = only_problem(load(path))
    assert "是公式（=DATE(2025,1,10)）" in problem.message and problem.column == "纳入日期（Q 列）"


def test_empty_extra_sheet_is_ignored_but_an_all_empty_file_is_an_error(tmp_path, load):
    path = edit(workbook(tmp_path / "v.xlsx", [case()]), lambda wb: wb.create_sheet("Sheet3"))
    assert len(load(path).cases) == 1
    empty = openpyxl.Workbook()
    empty.save(tmp_path / "empty.xlsx")
    stops(tmp_path / "empty.xlsx", "没有数据")


def test_hidden_rows_are_read_and_noted(tmp_path, load):
    path = edit(
        workbook(tmp_path / "v.xlsx", [case(1), case(2)]),
        lambda wb: setattr(wb["个案台账"].row_dimensions[3], "hidden", True),
    )
    result = load(path)
    assert len(result.cases) == 2
    assert [(n.row, "隐藏" in n.message) for n in result.notes] == [(3, True)]


def test_damaged_old_xls_and_password_protected_files_are_errors(tmp_path):
    ole = bytes.fromhex("D0CF11E0A1B11AE1") + bytes(504)  # the OLE2 container both are stored in
    (tmp_path / "old.xls").write_bytes(ole)
    stops(tmp_path / "old.xls", "损坏", "另存为 .xlsx")
    (tmp_path / "locked.xlsx").write_bytes(ole + "EncryptionInfo".encode("utf-16-le") + bytes(64))
    stops(tmp_path / "locked.xlsx", "加密", "取消密码")


def test_corrupt_file_stops(tmp_path):
    good = workbook(tmp_path / "v.xlsx", [case()]).read_bytes()
    (tmp_path / "broken.xlsx").write_bytes(good[: len(good) // 2])
    stops(tmp_path / "broken.xlsx", "损坏")


def csv_text(rows: list[dict]) -> str:
    headers = [c.header for c in SCHEMA.cases.columns]
    lines = [",".join(headers)]
    for r in rows:
        lines.append(",".join("" if r.get(c.key) is None else str(r[c.key]) for c in SCHEMA.cases.columns))
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("encoding", ["gbk", "utf-8-sig", "utf-8"])
def test_csv_in_gbk_or_utf8(tmp_path, load, encoding):
    path = tmp_path / "v.csv"
    path.write_bytes(csv_text([case(name="张晓燕")]).encode(encoding))
    result = load(path)
    assert result.cases[0].name == "张晓燕" and result.cases[0].source.sheet is None


def test_csv_in_another_encoding_is_an_error(tmp_path):
    path = tmp_path / "v.csv"
    path.write_bytes(csv_text([case()]).encode("utf-16"))
    stops(path, "无法识别文件编码")


def test_other_files_are_named_and_skipped(tmp_path, load):
    path = workbook(tmp_path / "v.xlsx", [case()])
    (tmp_path / "说明.docx").write_bytes(b"PK")
    (tmp_path / "~$v.xlsx").write_bytes(b"lock")
    result = load(path, tmp_path / "说明.docx", tmp_path / "~$v.xlsx")
    assert {(f.file, f.outcome) for f in result.files} == {
        ("v.xlsx", "read"),
        ("说明.docx", "skipped"),
        ("~$v.xlsx", "skipped"),
    }
    assert any("不支持的文件类型 .docx" in n.message for n in result.notes)
    assert any("临时文件" in n.message for n in result.notes) and result.exit_code == 0


def test_a_file_without_a_registry_header_is_an_error(tmp_path):
    wb = openpyxl.Workbook()
    wb.active.append(["甲", "乙", "丙"])
    wb.active.append([1, 2, 3])
    wb.save(tmp_path / "v.xlsx")
    stops(tmp_path / "v.xlsx", "没有找到台账表头")


# --- through the build -----------------------------------------------------------------------------------
def build_args(tmp_path, registry):
    return [
        "build",
        "--registry",
        str(registry),
        "--month",
        "2026-11",
        "--build-dir",
        str(tmp_path / "build"),
        "--site",
        str(tmp_path / "site"),
        "--restricted",
        str(tmp_path / "restricted"),
        "-q",
    ]


@pytest.mark.slow  # builds the whole site
def test_build_with_rejected_rows_publishes_and_writes_them_out(tmp_path, capsys):
    from generators.cli import main

    folder = tmp_path / "registry"
    folder.mkdir()
    workbook(
        folder / "高峰镇-长岭村.xlsx",
        [case(1), case(2, risk="很高"), case(3, name="李四")],
        [contact(), contact("V01-0002"), contact("V01-0003")],
    )
    assert main(build_args(tmp_path, folder)) == 0
    month = tmp_path / "restricted" / "2026-11"
    wb = openpyxl.load_workbook(month / "台账退回.xlsx")

    def filled(ws):
        return [r for r in ws.iter_rows(min_row=2, values_only=True) if any(v is not None for v in r)]

    assert len(filled(wb["个案台账"])) == 1 and len(filled(wb["联系记录"])) == 1  # one rejected row on each
    assert (month / "briefings" / "高峰镇" / "长岭村.pdf").exists()
    assert (month / "briefings" / "高峰镇-简报汇编.pdf").exists()
    page = (latest(tmp_path / "site") / "registry" / "index.html").read_text(encoding="utf-8")
    assert "个案 3 行（接收 2，退回 1）" in page and "联系记录 3 行（接收 2，退回 1）" in page
    assert "张小明" not in page and "李四" not in page


@pytest.mark.slow  # builds the whole site
def test_unreadable_workbook_stops_the_build_and_keeps_the_site(tmp_path, capsys):
    from generators.cli import main

    folder = tmp_path / "registry"
    folder.mkdir()
    workbook(folder / "a.xlsx", [case(1)])
    assert main(build_args(tmp_path, folder)) == 0
    site = {p: p.read_bytes() for p in (tmp_path / "site").rglob("*") if p.is_file()}
    edit(folder / "a.xlsx", lambda wb: wb["个案台账"].delete_cols(7))
    capsys.readouterr()
    assert main(build_args(tmp_path, folder)) == 2
    err = capsys.readouterr().err
    assert "a.xlsx" in err and "个案台账" in err and "缺少必填列：姓名" in err and "原有站点保持不变" in err
    assert {p: p.read_bytes() for p in (tmp_path / "site").rglob("*") if p.is_file()} == site


@pytest.mark.slow  # builds the whole site
def test_an_unreadable_village_is_named_and_the_rest_is_published(tmp_path, capsys):
    from generators.cli import main

    folder = tmp_path / "registry"
    (folder / "高峰镇").mkdir(parents=True)
    workbook(
        folder / "高峰镇" / "长岭村.xlsx",
        [
            case(1),
            case(2, name="李_x0007_四", id_number=ident(dt.date(2005, 3, 1), 2)),  # a control character
            case(3, village="李建国", id_number=ident(dt.date(2005, 3, 1), 3)),  # a name in the wrong column
            case(4, address="+1+1", phone="13812345678 13987654321", id_number=ident(dt.date(2005, 3, 1), 4)),
        ],
        [contact(), contact("V01-0004")],
    )
    good = (folder / "高峰镇" / "长岭村.xlsx").read_bytes()
    (folder / "高峰镇-凤凰村.xlsx").write_bytes(good[:1500])  # a download cut short
    (folder / "~$长岭村.xlsx").write_bytes(b"lock")
    assert main(build_args(tmp_path, folder)) == 3
    out = capsys.readouterr()
    console = out.out + out.err
    assert "高峰镇-凤凰村.xlsx" in console and "本月台账未能读取：高峰镇凤凰村" in console
    assert "李建国" not in console and "13987654321" not in console
    month = tmp_path / "restricted" / "2026-11"
    assert "高峰镇凤凰村" in (month / "说明.txt").read_text(encoding="utf-8")
    wb = openpyxl.load_workbook(month / "台账退回.xlsx")
    rejected = [r for r in wb["个案台账"].iter_rows(min_row=2, values_only=True) if any(r)]
    assert len(rejected) == 2 and any("李建国" in r for r in rejected)  # in full, restricted only
    assert (month / "briefings" / "高峰镇" / "长岭村.pdf").exists()
    site = latest(tmp_path / "site")
    index = (site / "registry" / "index.html").read_text(encoding="utf-8")
    assert "本月台账未能读取" in index and "高峰镇凤凰村" in index
    assert "本月台账未能读取" in (site / "registry" / "高峰镇" / "凤凰村.html").read_text(encoding="utf-8")


def test_console_lines_mask_personal_values(tmp_path, load):
    import io
    from pathlib import Path

    from generators.commands.build import registry_messages
    from generators.core.progress import Progress

    number = ident(dt.date(2005, 3, 1), 2)
    path = workbook(
        tmp_path / "v.xlsx",
        [
            case(1, village="李建国"),
            case(2, name="王_x001b_五", id_number=number[:-1] + ("0" if number[-1] != "0" else "1")),
            case(3, phone="1391234567", guardian="赵六六", id_number=ident(dt.date(2005, 3, 1), 3)),
        ],
    )
    result = load(path)
    stream = io.StringIO()
    registry_messages(Progress(total=1, stream=stream).say, result, Path("restricted"))
    console = stream.getvalue()
    assert "李*国" in console and "台账退回" in console and "台账警告" in console
    for personal in ("李建国", "王\x1b五", number[:-1], "1391234567"):
        assert personal not in console, personal


def test_accepted_contacts_are_kept_as_what_later_stages_read(tmp_path, load):
    """The import keeps the contacts as a ContactLog (dates per case, rows per sheet, the newest date, the
    visitor and note values with their first row), not as a row object each: the same figures and the same
    personal values as from the rows, a contact's visitor counted with the case's contact person."""
    from generators.registry.pii import personal_values

    contacts = [
        contact(),
        contact(day=dt.date(2026, 9, 1), note="已联系家长"),
        contact("V01-0002", by="李红", note="已联系家长"),
    ]
    result = load(workbook(tmp_path / "v.xlsx", [case(1), case(2, name="李四")], contacts))
    log = result.contacts
    assert len(log) == 3 and log.newest == dt.date(2026, 10, 5)
    assert {key: log.days_of(key) for key in log.dates} == {
        ("高峰镇", "长岭村", "V01-0001"): [dt.date(2026, 10, 5), dt.date(2026, 9, 1)],
        ("高峰镇", "长岭村", "V01-0002"): [dt.date(2026, 10, 5)],
    }
    assert [(k, v[1]) for k, v in log.values.items()] == [
        (("by", "王平"), 2),
        (("note", "已联系家长"), 2),
        (("by", "李红"), 1),
    ]
    needles = {(n.value, n.kind): n for n in personal_values(result, SCHEMA)}
    visitor = needles[("王平", "姓名")]  # two cases' contact person, and two contacts' visitor
    assert visitor.rows == 4 and "个案" in str(visitor.source)  # named by the first row: a case's
    assert needles[("已联系家长", "备注")].rows == 2
