"""Masks, pseudonym keys and the publish guard, attacked: registry values hidden in published files every
way a careless or hostile hand could write them must still be found, and a finding must name the registry
row, the file and a masked context once."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import os
import stat
import urllib.parse
import zipfile
from array import array
from pathlib import Path

import pytest

from generators.core.errors import InputError
from generators.privacy.guard import AllowEntry, Matcher, Needle, guard, read_allowlist, scan_for_pii
from generators.privacy.masking import TextMasker, mask_name, mask_patterns, mask_value
from generators.privacy.pseudonyms import KEY_ENV, Pseudonymizer, load_key

NAME, ID, PHONE, ADDRESS = "张小明", "34122120050301123X", "13800138000", "示范县高峰镇双河村3组12号"
NEEDLES = [
    Needle(NAME, "姓名", "文件 v.xlsx，第 5 行，列 “姓名”"),
    Needle(ID, "身份证号", "文件 v.xlsx，第 5 行，列 “公民身份号码”"),
    Needle(PHONE, "电话", "文件 v.xlsx，第 5 行，列 “联系电话”"),
    Needle(ADDRESS, "住址", "文件 v.xlsx，第 5 行，列 “住址”"),
    Needle("杨柳", "姓名", "文件 w.xlsx，第 2 行，列 “监护人”"),
]
PLACES = ["高峰镇", "杨柳社区", "示范县高峰镇双河村"]


def test_masks():
    assert [mask_name(n) for n in ("张小明", "李四", "欧阳明月", "王")] == ["张*明", "李*", "欧**月", "*"]
    assert mask_value("身份证号", ID) == "3412**********123X"
    assert mask_value("电话", PHONE) == "138****8000"
    assert mask_value("住址", ADDRESS) == "示范县***"
    assert mask_patterns(f"身份证 {ID}，电话 138-0013-8000") == "身份证 3412**********123X，电话 138****8000"
    masker = TextMasker([(NAME, "姓名"), (ADDRESS, "住址")])
    assert masker(f"（值：'{NAME}'）住 {ADDRESS}") == "（值：'张*明'）住 示范县***"
    kinds = TextMasker(
        [(NAME, "姓名"), ("杨柳", "监护人"), ("9527", "备注")], ["杨柳社区"]
    )  # each its own way
    assert kinds(f"杨柳社区：杨柳、{NAME}，编号9527") == "杨柳社区：（已隐去）、张*明，编号（已隐去）"


def test_pseudonyms_are_keyed_and_stable():
    a, b = Pseudonymizer(b"k" * 32), Pseudonymizer(b"j" * 32)
    assert a("T1V01-0001") == a("T1V01-0001") != a("T1V01-0002")
    assert a("T1V01-0001") != b("T1V01-0001")
    assert a("T1V01-0001").startswith("P-") and len(a("T1V01-0001")) == 10


def test_key_file_is_made_private_and_short_keys_are_refused(tmp_path, monkeypatch):
    monkeypatch.delenv(KEY_ENV, raising=False)
    key_file = tmp_path / ".secrets" / "pseudonym.key"
    key = load_key(key_file)
    assert len(key) >= 32 and load_key(key_file) == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(key_file.parent.stat().st_mode) == 0o700
    assert [p.name for p in key_file.parent.iterdir()] == ["pseudonym.key"]  # no temporary file left
    key_file.write_text("short\n")
    with pytest.raises(InputError, match="至少需要 32 字节"):
        load_key(key_file)
    monkeypatch.setenv(KEY_ENV, "too-short-a-key")
    with pytest.raises(InputError, match=KEY_ENV):
        load_key(key_file)


# --- the guard: every way of writing a registry value is still the value ----------------------------------
def pct(text: str) -> str:
    return urllib.parse.quote(text)


DISGUISES = {
    "traditional": "本月表揚：張小明同學",
    "zero-width": "张\u200b小\u200c明",
    "soft hyphen and word joiner": "张\u00ad小\u2060明",
    "middle dots": "张·小・明",
    "bullet and spaces": "张 • 小 明",
    "full-width and compatibility": "张小明（Ｘ）",
    "character references": "&#24352;&#x5c0f;&#26126;",
    "split by tags": "<p>张<b>小</b><span class='x'>明</span></p>",
    "in an attribute": '<a title="张小明">x</a>',
    "percent-encoded": pct("张小明"),
    "percent-encoded twice": pct(pct("张小明")),
    "JavaScript escapes": 'var s = "\\u5f20\\u5c0f\\u660e";',
    "ID spaced": "身份证 3412 2120 0503 0112 3x",
    "ID full-width": "３４１２２１２００５０３０１１２３Ｘ",
    "ID dashed in markup": "<td>341221</td>-<td>20050301</td>-<td>123X</td>",
    "phone with country code": "电话：+86 138-0013-8000",
    "phone dotted": "138.0013.8000",
    "phone split by zero-width": "138\u200b0013\u200b8000",
    "address with separators": "示范县 高峰镇·双河村 3 组 12 号",
    "CSS escapes": "<style>.x::after { content: '\\5f20\\5c0f \\660e'; }</style>",
    "phone in Chinese numerals": "联系：一三八〇〇一三八〇〇〇",
    "ID in capital numerals": "叁肆壹贰贰壹贰〇〇伍〇叁〇壹壹贰叁X",
}


@pytest.mark.parametrize("name", DISGUISES)
def test_a_disguised_value_is_still_found(tmp_path, name):
    (tmp_path / "page.html").write_text(f"<html><body>{DISGUISES[name]}</body></html>", encoding="utf-8")
    leaks = scan_for_pii(tmp_path, Matcher(NEEDLES, PLACES))
    assert [leak.files for leak in leaks] == [("page.html",)], name


def pdf_with(text: str, title: str = "") -> bytes:
    from weasyprint import HTML

    from generators.printing.fonts import prepare_print_fonts

    fonts = prepare_print_fonts(Path(os.environ["HANDBOOK_CACHE"]) / "fonts", [text])
    css = f"@font-face {{ font-family: F; src: url('{fonts.regular.as_uri()}'); }} body {{ font-family: F; }}"
    return HTML(string=f"<title>{title}</title><style>{css}</style><p>{text}</p>").write_pdf()


def test_every_kind_of_published_file_is_read(tmp_path):
    site = tmp_path / "site"
    (site / "assets").mkdir(parents=True)
    (site / "assets" / "app.js").write_text('const who = "张小明";', encoding="utf-8")
    (site / "search_index.json").write_text('{"docs": [{"text": "\\u5f20\\u5c0f\\u660e"}]}', encoding="utf-8")
    (site / "sitemap.xml.gz").write_bytes(gzip.compress(b"<loc>13800138000</loc>"))
    (site / "chart.svg").write_text("<svg><text>34122120050301123X</text></svg>", encoding="utf-8")
    book = io.BytesIO()
    with zipfile.ZipFile(book, "w") as z:
        z.writestr("xl/sharedStrings.xml", f"<sst><si><t>{ADDRESS}</t></si></sst>")
    (site / "form.xlsx").write_bytes(book.getvalue())
    (site / "report.pdf").write_bytes(pdf_with("本月名单：张小明"))
    (site / "meta.pdf").write_bytes(pdf_with("无", title="张小明的情况"))
    (site / "张小明.html").write_text("无", encoding="utf-8")
    (site / pct("杨柳")).mkdir()  # a folder named after a person: found in the path
    (site / pct("杨柳") / "x.html").write_text("无", encoding="utf-8")
    (site / "broken.pdf").write_bytes(b"%PDF-1.4 garbage")
    found = {f for leak in scan_for_pii(site, Matcher(NEEDLES, PLACES)) for f in leak.files}
    assert found == {
        "assets/app.js",
        "search_index.json",
        "sitemap.xml.gz",
        "chart.svg",
        "form.xlsx",
        "report.pdf",
        "meta.pdf",
        "张小明.html",
        f"{pct('杨柳')}/x.html",
        "broken.pdf",  # unreadable: it cannot pass unchecked
    }


def pdf_hiding(where: str, value: str) -> bytes:
    """A one-page PDF with nothing on its page and `value` only in one place of the file's structure."""
    import pikepdf

    pdf = pikepdf.new()
    pdf.add_blank_page()
    text = pikepdf.String(value)
    if where == "bookmark":
        with pdf.open_outline() as outline:
            outline.root.append(pikepdf.OutlineItem(value, 0))
    elif where == "field":
        field = pdf.make_indirect(pikepdf.Dictionary(FT=pikepdf.Name.Tx, T=pikepdf.String("f1"), V=text))
        pdf.Root.AcroForm = pikepdf.Dictionary(Fields=[field])
    elif where == "nested field":  # the value in a kid of a field, the kid a direct object
        kid = pikepdf.Dictionary(T=pikepdf.String("kid"), TU=text)
        pdf.Root.AcroForm = pikepdf.Dictionary(Fields=[pdf.make_indirect(pikepdf.Dictionary(Kids=[kid]))])
    elif where == "annotation":
        note = pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Text, Contents=text)
        note.Rect = [0, 0, 10, 10]
        pdf.pages[0].Annots = pdf.make_indirect(pikepdf.Array([note]))
    elif where == "information":
        pdf.docinfo["/Author"] = text
    elif where == "xmp":
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["dc:creator"] = [value]
    elif where == "name":
        pdf.pages[0].Tag = pikepdf.Name("/" + value)
    elif where == "key":
        pdf.pages[0]["/" + value] = 1
    out = io.BytesIO()
    pdf.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    "where", ["bookmark", "field", "nested field", "annotation", "information", "xmp", "name", "key"]
)
def test_a_value_anywhere_in_a_pdf_is_found(tmp_path, where):
    (tmp_path / "a.pdf").write_bytes(pdf_hiding(where, NAME))
    (tmp_path / "b.pdf").write_bytes(pdf_hiding(where, "示范县"))  # the same place, nothing personal
    leaks = scan_for_pii(tmp_path, Matcher(NEEDLES, PLACES))
    assert [(leak.needle.value, leak.files) for leak in leaks if leak.needle] == [(NAME, ("a.pdf",))]
    assert not [leak for leak in leaks if leak.needle is None]  # both files read


def test_place_names_from_the_list_are_public_words_but_nothing_else_is(tmp_path):
    """杨柳社区 is a place; 杨柳 alone is a guardian's name. A policy text that happens to contain a name
    exempts nothing."""
    (tmp_path / "ok.html").write_text("杨柳社区、高峰镇双河村（示范县高峰镇双河村）", encoding="utf-8")
    (tmp_path / "policy.html").write_text("……杨柳同志负责……", encoding="utf-8")
    leaks = scan_for_pii(tmp_path, Matcher(NEEDLES, PLACES))
    assert [(leak.needle.value, leak.files) for leak in leaks] == [("杨柳", ("policy.html",))]


def test_a_finding_names_row_field_file_and_context_once_and_says_how_to_allowlist(tmp_path):
    for i in range(5):
        (tmp_path / f"p{i}.html").write_text(f"<p>本月表扬：{NAME}同学，电话 {PHONE}</p>", encoding="utf-8")
    with pytest.raises(InputError) as err:
        guard(tmp_path, NEEDLES, PLACES, [], "data/privacy-allowlist.yaml")
    problems = err.value.problems
    assert len(problems) == 2  # one per registry value, not one per file
    text = "\n".join(str(p) for p in problems)
    assert NAME not in text and PHONE not in text and "张*明" in text and "138****8000" in text
    assert "第 5 行，列 “姓名”" in text and "p0.html、p1.html、p2.html 等 5 个文件" in text
    assert "本月表扬" in text and "data/privacy-allowlist.yaml" in text and "reviewer" in text


def test_a_value_in_many_rows_is_one_needle_that_counts_them(tmp_path):
    """A visiting staff member's name stands in thousands of contact rows: one needle, the first row named,
    the others counted in the finding."""
    from generators.registry.model import Contact, ContactLog, RowRef
    from generators.registry.pii import personal_values
    from generators.registry.validate import RegistryImport
    from tests.registry_fixtures import SCHEMA

    contacts = [
        Contact(
            case_id="V01-0001",
            date=dt.date(2026, 10, 1),
            method="入户走访",
            by="王建华",
            note=None,
            township="高峰镇",
            village="长岭村",
            source=RowRef("v.xlsx", "联系记录", row),
        )
        for row in range(2, 302)
    ]
    needles = personal_values(RegistryImport([], ContactLog.of(contacts), [], [], {}), SCHEMA)
    assert [(n.value, n.rows) for n in needles] == [("王建华", 300)]
    assert "第 2 行" in str(needles[0].source)
    (tmp_path / "p.html").write_text("<p>王建华</p>", encoding="utf-8")
    with pytest.raises(InputError) as err:
        guard(tmp_path, needles, PLACES, [], "data/privacy-allowlist.yaml")
    assert "另有 299 行相同" in str(err.value.problems[0])


def test_personal_values_are_held_as_one_text_and_give_back_each_needle():
    """A county's values outlive its cases: held as one text and arrays (no object per value, none of the
    import's strings or rows kept), each needle as it was made, whatever characters it holds."""
    import gc

    from generators.registry.model import RowRef
    from generators.registry.pii import CellPlace, PersonalValues

    rows = [
        ("王建华", "姓名", RowRef("v.xlsx", "个案", 2), "姓名", 1),
        ("𠮷田 A\x00b", "姓名", RowRef("v.xlsx", "个案", 3), "监护人", 3),  # astral, NUL
        ("110101200001011234", "身份证号", RowRef("w.csv", None, 7), "公民身份号码", 1),
        ("3", "备注", RowRef("w.csv", None, 8), "备注", 12),
    ]
    values = PersonalValues(iter(rows))
    expected = [Needle(v, k, CellPlace(ref, header), n) for v, k, ref, header, n in rows]
    assert list(values) == expected and values == expected and len(values) == 4
    assert values[1] == expected[1] and values[-1] == expected[-1] and values[1:3] == expected[1:3]
    assert list(values.pairs()) == [(v, k) for v, k, *_ in rows]
    assert str(values[2].source) == "文件 w.csv，第 7 行，列 “公民身份号码”"
    with pytest.raises(IndexError):
        values[4]
    held = [r for r in gc.get_referents(values) if not isinstance(r, type)]
    held += [item for r in held if isinstance(r, list) for item in r]
    assert len(held) < 20 and not any(isinstance(r, (RowRef, Needle, CellPlace)) for r in held)
    assert not any(r is v for r in held for v, *_ in rows)  # not the strings read: one text of them
    assert all(a.itemsize <= 4 for a in held if isinstance(a, array))  # four bytes a number at most
    assert len(PersonalValues()) == 0 and list(PersonalValues()) == []


def test_the_guard_holds_no_object_per_value_until_it_finds_one():
    """A county's hundreds of thousands of values, each as a needle with its form, were most of the build's
    peak of memory while the site was checked: a matcher holds its automaton and the numbers' set, and
    makes needles only to name a value it found."""
    import gc

    from generators.registry.model import RowRef
    from generators.registry.pii import PersonalValues

    rows = [
        (f"王{chr(0x4E00 + i)}华", "姓名", RowRef("v.xlsx", "个案", i + 2), "姓名", 1) for i in range(2000)
    ]
    rows += [(f"1380013{i:04d}", "电话", RowRef("v.xlsx", "个案", i + 2), "电话", 1) for i in range(2000)]

    def needles() -> int:
        gc.collect()
        return sum(isinstance(o, Needle) for o in gc.get_objects())

    values = PersonalValues(iter(rows))
    before = needles()
    matcher = Matcher(values, PLACES)
    assert needles() - before < 10 and not matcher.find("杨柳社区的公开热线 12355")
    assert needles() - before < 10
    found = matcher.find(f"来访：王{chr(0x4E00 + 7)}华，电话 13800130007")
    assert [form for form, _ in found] == [("w", f"王{chr(0x4E00 + 7)}华"), ("n", "13800130007")]
    assert matcher.needle(found[0][0]).source == values[7].source


def test_allowlist_entries_need_a_reason_and_a_reviewer(tmp_path):
    (tmp_path / "hotline.html").write_text("青少年服务热线 12355；咨询 13800138000", encoding="utf-8")
    allow = tmp_path / "privacy-allowlist.yaml"
    allow.write_text("allow:\n  - {field: 电话, value: '138 0013 8000'}\n", encoding="utf-8")
    with pytest.raises(InputError, match="reason、reviewer"):
        read_allowlist([allow])
    allow.write_text("allow:\n  - {field: 电话, pattern: '.*', reason: x, reviewer: y}\n", encoding="utf-8")
    with pytest.raises(InputError, match="空字符串"):
        read_allowlist([allow])
    allow.write_text(
        "allow:\n  - {field: 电话, value: '138 0013 8000', reason: 街道办公开电话, reviewer: 李四 2026-11-20}\n",
        encoding="utf-8",
    )
    entries = read_allowlist([allow, tmp_path / "missing.yaml"])
    assert entries == [
        AllowEntry("电话", "138 0013 8000", None, "街道办公开电话", "李四 2026-11-20", entries[0].where)
    ]
    assert scan_for_pii(tmp_path, Matcher(NEEDLES[2:3], PLACES, entries)) == []
    assert scan_for_pii(tmp_path, Matcher(NEEDLES[2:3], PLACES)) != []


def test_the_age_change_list_gives_the_month_not_the_birthday(model):
    """A birthday in the next three months with the group and village names the person; the sheet says in
    which month the change falls, never the day."""
    from generators.policy.work_calendar import work_calendar
    from generators.printing.jobs import briefing_jobs
    from generators.registry.briefings import briefing_packs
    from generators.registry.local_rules import county_rules
    from generators.registry.monthly import month_tasks, monthly_areas
    from generators.registry.places import read_places
    from generators.website.render import make_environment
    from tests.conftest import ROOT
    from tests.test_briefings import CASES, CONTACTS, NOV

    rules = county_rules(model, read_places(ROOT / "data" / "places.yaml"), 90)
    county = monthly_areas(CASES, CONTACTS, NOV, rules)
    packs = briefing_packs(
        county,
        model,
        Pseudonymizer(b"k" * 32),
        month_tasks(work_calendar(model), model, NOV),
        rules,
    )
    sheet = packs[0].sheets[0]
    assert [r.cells[0] for r in sheet.transitions] == ["2026年12月", "2026年12月"]
    html = "".join(j.html for j in briefing_jobs(make_environment(ROOT / "templates"), packs))
    for case in CASES:
        born = case.birth_date
        assert born.isoformat() not in html and f"{born.month:02d}-{born.day:02d}" not in html


def test_a_file_found_clean_is_not_read_again_until_it_or_the_registry_changes(tmp_path, monkeypatch):
    from generators.privacy import guard as guard_module

    site, clean = tmp_path / "site", tmp_path / "clean"
    site.mkdir()
    for i in range(3):
        (site / f"p{i}.html").write_text(f"<p>第 {i} 页</p>", encoding="utf-8")
    read: list[str] = []
    texts = guard_module.published_texts
    monkeypatch.setattr(guard_module, "published_texts", lambda p, d=None: read.append(p.name) or texts(p, d))
    matcher = Matcher(NEEDLES, PLACES)
    assert scan_for_pii(site, matcher, clean) == [] and sorted(read) == ["p0.html", "p1.html", "p2.html"]
    read.clear()
    (site / "p1.html").write_text(f"<p>{NAME}</p>", encoding="utf-8")  # changed, and now with a name
    (site / "p2.html").unlink()
    assert [leak.needle.value for leak in scan_for_pii(site, matcher, clean)] == [NAME]
    assert read == ["p1.html"]
    verdicts = [p for p in clean.iterdir() if not p.name.startswith("names-")]
    assert len(verdicts) == 1  # p0's verdict; p2's is gone, p1 was never found clean
    read.clear()
    assert [leak.needle.value for leak in scan_for_pii(site, matcher, clean)] == [NAME]  # read again
    assert read == ["p1.html"]
    read.clear()
    other = Matcher([*NEEDLES, Needle("欧阳明轩", "姓名", "文件 w.xlsx，第 3 行，列 “姓名”")], PLACES)
    scan_for_pii(site, other, clean)  # other registry strings: everything is read again
    assert sorted(read) == ["p0.html", "p1.html"]


def test_a_files_name_found_clean_is_not_looked_at_again_but_a_name_with_a_value_always_is(
    tmp_path, monkeypatch
):
    site, clean = tmp_path / "site", tmp_path / "clean"
    site.mkdir()
    for name in ("欧阳明轩.html", f"{NAME}.html"):
        (site / name).write_text("<p>第 0 页</p>", encoding="utf-8")
    matcher = Matcher(NEEDLES, PLACES)
    read: list[str] = []
    find = Matcher.find
    monkeypatch.setattr(Matcher, "find", lambda self, text: read.append(text) or find(self, text))
    for _ in range(2):
        leaks = scan_for_pii(site, matcher, clean)
        assert [(leak.needle.value, leak.files) for leak in leaks] == [(NAME, (f"{NAME}.html",))]
    assert read.count("欧阳明轩.html") == 1 and read.count(f"{NAME}.html") == 2
    other = Matcher([*NEEDLES, Needle("欧阳明轩", "姓名", "文件 w.xlsx，第 3 行，列 “姓名”")], PLACES)
    assert sorted(leak.needle.value for leak in scan_for_pii(site, other, clean)) == sorted(
        [NAME, "欧阳明轩"]
    )


def test_a_changed_search_index_is_read_for_its_changed_entries_only(tmp_path, monkeypatch):
    """A rebuild changes a few pages, so a few entries of the (big) search index: only those are read again,
    and a name in one of them is still found."""
    import json

    site, clean = tmp_path / "site", tmp_path / "clean"
    (site / "search").mkdir(parents=True)
    index = site / "search" / "search_index.json"

    def write(texts: list[str]) -> None:
        docs = [{"location": f"p{i}.html", "title": f"第 {i} 页", "text": t} for i, t in enumerate(texts)]
        index.write_text(json.dumps({"config": {"lang": ["zh"]}, "docs": docs}, ensure_ascii=False))

    matcher = Matcher(NEEDLES, PLACES)
    read: list[str] = []
    find = Matcher.find
    monkeypatch.setattr(Matcher, "find", lambda self, text: read.append(text) or find(self, text))
    write([f"第 {i} 个村的月度数字" for i in range(50)])
    assert scan_for_pii(site, matcher, clean) == []
    assert len(read) == 2 and read[1].count("月度数字") == 50  # the path; every entry, read in one pass
    read.clear()
    write([f"第 {i} 个村的月度数字" for i in range(49)] + [f"新的一页：{NAME}"])
    assert [leak.needle.value for leak in scan_for_pii(site, matcher, clean)] == [NAME]
    assert [t for t in read if "search" not in t] == [
        f"location\np49.html\ntitle\n第 49 页\ntext\n新的一页：{NAME}"
    ]


def test_numbers_written_with_cjk_digits_are_found_as_if_turned_into_digits_first():
    """The guard finds a page's numbers before turning CJK digits into digits (only the runs are turned):
    the runs must be those the whole page turned first would give, for any mix of digits and separators."""
    import random
    import re

    from generators.privacy.guard import CJK_DIGITS, NOT_DIGIT, _base, number_runs

    whole = re.compile(r"[0-9](?:[^\w,;:，；：、|=]*[0-9])*(?:[^\w,;:，；：、|=]*[Xx](?![A-Za-z]))?")

    def turned_first(text: str) -> list[str]:
        return [NOT_DIGIT.sub("", m).upper() for m in whole.findall(_base(text).translate(CJK_DIGITS))]

    alphabet = list(
        "0123456789〇零一二三四五六七八九壹贰叁肆伍陆柒捌玖Xx -.()（）,;:，；：、|=_aZ张村\u200b·"
    )
    rng = random.Random(7)
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 24)))
        assert number_runs(text) == turned_first(text), text
    assert number_runs("电话：一三八〇〇一三八〇〇〇", shortest=7) == ["13800138000"]
    assert number_runs("第一条、第二款", shortest=7) == []


def test_numbers_are_found_wherever_a_run_of_digits_holds_them():
    """Every occurrence of every number needle, of any length, inside longer runs and overlapping each
    other, as a plain search finds."""
    import random

    rng = random.Random(7)
    values = {"".join(rng.choice("0123") for _ in range(rng.choice((11, 12, 18)))) for _ in range(60)}
    needles = [
        Needle(v, "电话" if len(v) < 18 else "身份证号", "文件 v.xlsx，第 2 行") for v in sorted(values)
    ]
    matcher = Matcher(needles)
    for _ in range(300):
        run = "".join(rng.choice("0123") for _ in range(rng.randint(5, 60)))
        if rng.random() < 0.5:
            at = rng.randint(0, len(run))
            run = run[:at] + rng.choice(sorted(values)) + run[at:]
        text = f"编号 {run} 。"
        expected = sorted((v, i) for v in values for i in range(len(run)) if run.startswith(v, i))
        found = sorted(form for (side, form), _ in matcher.find(text) if side == "n")
        assert found == [v for v, _ in expected], run


def test_a_finding_counts_the_rows_of_every_needle_of_its_form_but_not_the_allowed():
    needles = [
        Needle("王建华", "姓名", "文件 a.xlsx，第 2 行", rows=3),
        Needle("王 建华", "姓名", "文件 b.xlsx，第 4 行", rows=2),  # the same form
        Needle("13800138000", "电话", "文件 a.xlsx，第 2 行"),
        Needle("138-0013-8000", "电话", "文件 c.xlsx，第 9 行"),  # allowed below: not counted
    ]
    allow = [AllowEntry("电话", "138-0013-8000", None, "测试", "审核人", "allow.yaml")]
    matcher = Matcher(needles, (), allow)
    assert (
        matcher.rows(("w", "王建华")) == 5
        and matcher.needle(("w", "王建华")).source == "文件 a.xlsx，第 2 行"
    )
    assert matcher.rows(("n", "13800138000")) == 0 and len(matcher.allowed) == 2


def test_the_guards_automata_are_kept_signed_and_reused_only_for_the_same_values(tmp_path, monkeypatch):
    """A monthly rebuild whose personal values are the last build's loads the automata kept in the
    restricted output instead of making them again; other values, another allowlist or an entry that the
    key did not sign make them anew, and every matcher finds what a fresh one finds."""
    from generators.core.cache import SignedFiles
    from generators.privacy import guard as guard_module

    def kept(secret: bytes = b"k" * 32) -> SignedFiles:
        return SignedFiles(tmp_path / "restricted" / ".guard-cache", secret, b"privacy guard automata", True)

    # the word needles looked at to make the automaton (a matcher from the store looks at none; numbers
    # are a set, made every time)
    made = []
    looked_for = guard_module._looked_for
    digits = guard_module.DIGIT_KINDS
    monkeypatch.setattr(
        guard_module, "_looked_for", lambda n: (n.kind in digits or made.append(n), looked_for(n))[1]
    )
    words = sum(1 for n in NEEDLES if n.kind not in digits)
    assert 0 < words < len(NEEDLES)
    text = f"通知：{NAME}（{PHONE}），杨柳社区；{ID[:6]} {ID[6:]}"
    fresh_matcher = Matcher(NEEDLES, PLACES)
    assert len(made) == words  # each once, and none held (a found value's needle is looked up again)
    fresh = fresh_matcher.find(text)
    assert fresh
    made.clear()
    first = Matcher(NEEDLES, PLACES, [], kept())
    assert len(made) == words and first.find(text) == fresh
    made.clear()
    again = Matcher(list(NEEDLES), PLACES, [], kept())
    assert not made and again and again.key == first.key
    assert again.find(text) == fresh
    assert again.needle(fresh[0][0]).source == NEEDLES[0].source  # found: the row is still named
    folder = tmp_path / "restricted" / ".guard-cache"
    assert {p.stat().st_mode & 0o777 for p in folder.rglob("*")} == {0o700, 0o600}
    # another value, another allowlist, another signing key: made again
    other = [*NEEDLES[:-1], Needle("欧阳明轩", "姓名", "文件 w.xlsx，第 3 行，列 “姓名”")]
    made.clear()
    changed = Matcher(other, PLACES, [], kept())
    assert len(made) == words and changed.find("欧阳明轩来过")
    made.clear()
    allow = [AllowEntry("电话", PHONE, None, "公开热线", "审核人", "allow.yaml")]
    allowed = Matcher(NEEDLES, PLACES, allow, kept())
    assert len(made) == words and [f for (_, f), _ in allowed.find(text)] == [
        f for (_, f), _ in fresh if f != PHONE
    ]
    made.clear()
    assert Matcher(NEEDLES, PLACES, [], kept(b"x" * 32)) and len(made) == words
    # a kept automaton changed by someone: not loaded (what it would find is not what the values say)
    for automaton in (p for p in folder.rglob("*") if p.is_file() and p.stat().st_size > 200):
        automaton.write_bytes(automaton.read_bytes()[:-1] + b"\0")
    made.clear()
    tampered = Matcher(NEEDLES, PLACES, [], kept(b"x" * 32))
    assert len(made) == words and tampered.find(text) == fresh


def test_the_guard_keeps_only_this_builds_automata(tmp_path):
    from generators.core.cache import SignedFiles

    (tmp_path / "site").mkdir()
    (tmp_path / "site" / "p.html").write_text("<p>月度数字</p>", encoding="utf-8")
    for needles in (NEEDLES, NEEDLES[:2]):  # two builds, each with its own view of the store
        store = SignedFiles(tmp_path / ".guard-cache", b"k" * 32, b"privacy guard automata", True)
        guard(tmp_path / "site", needles, PLACES, [], "allow.yaml", None, store)
    assert len([p for p in (tmp_path / ".guard-cache").rglob("*") if p.is_file()]) == 4  # 2 files, signed
