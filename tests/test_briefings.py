"""Monthly derivations on a small hand-checked village, and the printed sheets made from them."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from pypdf import PdfReader

from generators.core.months import Month
from generators.policy.work_calendar import work_calendar
from generators.printing.jobs import briefing_jobs
from generators.privacy.pseudonyms import Pseudonymizer
from generators.registry.briefings import briefing_packs
from generators.registry.local_rules import county_rules
from generators.registry.model import Case, Contact, RowRef
from generators.registry.monthly import default_report_month, month_tasks, monthly_areas
from generators.registry.places import PlaceList, Township
from generators.website.render import make_environment
from tests.conftest import ROOT

NOV = Month(2026, 11)
REF = RowRef("v.xlsx", "个案台账", 2)


def person(cid, group, born, entered=dt.date(2025, 1, 10), name="张小明", **over) -> Case:
    return Case(
        case_id=cid,
        township="高峰镇",
        village="长岭村",
        group=group,
        risk="中",
        name=name,
        gender="男",
        birth_date=born,
        id_number="341221" + born.strftime("%Y%m%d") + "0011",
        status="在校",
        contact_person="王平",
        entry_date=entered,
        source=REF,
        **over,
    )


# Hand-checked for November 2026 (data as of 2026-10-31):
CASES = [
    person("A", "idle", dt.date(2005, 3, 1)),  # contacted 10-05: due in November (monthly), not overdue
    person("B", "idle", dt.date(2004, 6, 1)),  # last contact 09-20, none in October: overdue, 41 days
    person(
        "C", "left-behind", dt.date(2010, 12, 15), name="李小䶮"
    ),  # turns 16 on 12-15; contact 08-10 + 90 = 11-08
    person(
        "D", "left-behind", dt.date(2011, 3, 1)
    ),  # 16 only in March 2027; contact 07-01 + 90 = 09-29: overdue
    person(
        "E", "misconduct", dt.date(2009, 5, 5), entered=dt.date(2026, 10, 12)
    ),  # new; entry + 90 = January
    person("F", "idle", dt.date(2003, 1, 1), exit_date=dt.date(2026, 10, 20), exit_reason="情况好转"),
    person("G", "distressed", dt.date(2012, 2, 2), exit_date=dt.date(2026, 10, 3), exit_reason="迁出"),
    person("H", "prisoners-children", dt.date(2008, 12, 20)),  # comes of age 12-20; contact 10-15: not due
    person("I", "idle", dt.date(2001, 1, 5)),  # turns 26 on 2027-01-05; contacted 10-30: due in November
]
CONTACTS = [
    Contact(cid, day, "走访", "王平", REF, "高峰镇", "长岭村")
    for cid, day in [
        ("A", dt.date(2026, 10, 5)),
        ("B", dt.date(2026, 8, 1)),
        ("B", dt.date(2026, 9, 20)),
        ("C", dt.date(2026, 8, 10)),
        ("D", dt.date(2026, 7, 1)),
        ("H", dt.date(2026, 10, 15)),
        ("I", dt.date(2026, 10, 30)),
        ("A", dt.date(2026, 11, 2)),  # after the cut-off: not counted in November
    ]
]


# 高峰镇 follows 墩集镇方案 first, then 大安街道方案 (its age bounds for the groups 墩集镇 leaves open).
PLACES = PlaceList("示范县", (Township("高峰镇", follows=("dunji-2023", "dazan-2022")),))


@pytest.fixture(scope="module")
def rules(model):
    return county_rules(model, PLACES, 90)


@pytest.fixture(scope="module")
def county(rules):
    return monthly_areas(CASES, CONTACTS, NOV, rules)


def test_township_tasks_give_back_the_callers_own_cases(county, rules):
    """Run as in another process (item and shared copied there and back), each township's areas are
    those made in this process, and hold the cases given, not copies of them."""
    import pickle

    def elsewhere(fn, items, shared):
        for index, item in enumerate(items):
            yield index, fn(pickle.loads(pickle.dumps(shared)), pickle.loads(pickle.dumps(item)))

    areas = monthly_areas(CASES, CONTACTS, NOV, rules, run=elsewhere)
    assert repr(areas) == repr(county)
    mine = {id(c) for c in CASES}
    held = [
        c
        for t in areas.villages
        for a in [t, *t.villages]
        for c in [*a.active, *a.entered, *a.exited, *a.moved, *(d.case for d in a.due)]
        + [x.case for x in a.transitions]
    ]
    assert held and all(id(c) in mine for c in held)


def test_counts_and_changes(county):
    village = county.villages[0].villages[0]
    assert village.name == "长岭村" and village.township == "高峰镇"
    assert [c.case_id for c in village.active] == list("ABCDEHI")
    assert village.previous_total == 8
    assert [c.case_id for c in village.entered] == ["E"]
    assert [c.case_id for c in village.exited] == ["F"]
    assert [c.case_id for c in village.moved] == ["G"]
    assert village.by_group == {"idle": 3, "left-behind": 2, "misconduct": 1, "prisoners-children": 1}
    assert county.total == village.total == 7


def test_who_is_due_and_who_is_overdue(county):
    village = county.villages[0].villages[0]
    overdue = {d.case.case_id: d for d in village.overdue}
    assert sorted(overdue) == ["B", "D"]
    assert overdue["B"].days_since == 41 and overdue["B"].last_contact == dt.date(2026, 9, 20)
    assert overdue["D"].due == dt.date(2026, 9, 29)
    due = {d.case.case_id: d for d in village.due if not d.overdue}
    assert sorted(due) == ["A", "C", "I"]
    assert due["C"].due == dt.date(2026, 11, 8) and due["C"].days_since == 82
    assert due["A"].rule.days is None and due["A"].rule.source is not None  # monthly, from the clause


def test_who_turns_16_and_other_transitions(county):
    village = county.villages[0].villages[0]
    got = [(t.case.case_id, t.on, t.age) for t in village.transitions]
    assert got == [
        ("C", dt.date(2026, 12, 15), 16),
        ("H", dt.date(2026, 12, 20), 18),
        ("I", dt.date(2027, 1, 5), 26),
    ]
    c = village.transitions[0]
    assert str(c.source) == "dunji-2023#3-5-p1" and "不满16周岁" in c.what
    assert village.transitions[1].source is None  # adulthood is the law, not a clause


def test_month_tasks_follow_the_work_calendar(model):
    calendar = work_calendar(model)
    november = " ".join(t.what for t in month_tasks(calendar, model, NOV))
    december = " ".join(t.what for t in month_tasks(calendar, model, Month(2026, 12)))
    assert "每月调度一次风险隐患排查情况" in november and "每季度" not in november
    assert "每季度调度一次工作进展情况" in december


def test_default_month_is_the_one_after_the_newest_data():
    assert default_report_month(CONTACTS[:-1], CASES) == NOV


@pytest.fixture(scope="module")
def packs(model, county, rules):
    calendar = work_calendar(model)
    return briefing_packs(county, model, Pseudonymizer(b"test-key"), month_tasks(calendar, model, NOV), rules)


def test_sheet_shows_masked_names_and_pseudonyms_only(packs):
    sheet = packs[0].sheets[0]
    rows = sheet.overdue + sheet.due + sheet.transitions + sheet.changes
    assert {r.name for r in rows} <= {"张*明", "李*䶮"}
    assert all(r.pseudonym.startswith("P-") and len(r.pseudonym) == 10 for r in rows)
    assert Pseudonymizer(b"test-key")("高峰镇/长岭村/B") in [r.pseudonym for r in sheet.overdue]
    html = "".join(j.html for j in briefing_jobs(make_environment(ROOT / "templates"), packs))
    for case in CASES:
        assert case.name not in html and case.id_number not in html and f">{case.case_id}<" not in html


@pytest.fixture(scope="module")
def pdfs(packs, tmp_path_factory):
    from generators.printing.fonts import prepare_print_fonts
    from generators.printing.packs import print_township, township_print
    from generators.printing.pdf import print_setup

    env = make_environment(ROOT / "templates")
    jobs = briefing_jobs(env, packs)
    fonts = prepare_print_fonts(ROOT / ".cache" / "fonts", [j.html for j in jobs])
    setup = print_setup(env, fonts)
    files = {}
    for pack in packs:
        files.update(print_township(setup, township_print(env, pack)))
    return files, fonts


def test_public_pdfs_do_not_depend_on_the_registrys_rare_characters():
    """A youth named with a character outside GB 2312 gets it from the extra cut in the restricted PDFs;
    the public PDFs' fonts (and so their setup and cache keys) are those of their own text only."""
    from generators.printing.fonts import fonts_for, printed_chars
    from generators.printing.pdf import print_setup
    from generators.website.render import make_environment

    env = make_environment(ROOT / "templates")
    cache = ROOT / ".cache" / "fonts"

    def public_and_all_fonts(public: list[str], restricted: list[str]):
        """As the pipeline cuts them: `plan_public_print`, then `plan_print`."""
        used = printed_chars(public)
        return fonts_for(cache, used), fonts_for(cache, used | printed_chars(restricted))

    handbook = ["<p>未成年人保护工作手册</p>"]
    public, everything = public_and_all_fonts(handbook, ["<td>李*䶮</td>"])
    assert public.extra is None and everything.extra is not None
    plain_public, plain = public_and_all_fonts(handbook, ["<td>张*明</td>"])
    assert plain_public == public and plain.extra is None
    assert print_setup(env, public).key == print_setup(env, plain).key != print_setup(env, everything).key
    rare_public, _ = public_and_all_fonts(["<p>䶮</p>"], [])
    assert rare_public.extra is not None  # a public text's own rare character is printed as well


def test_a_faces_characters_are_read_once_then_kept(tmp_path, monkeypatch):
    """Which characters the installed face has is read from it once and kept beside the cuts; a kept list
    that is damaged is read from the face again."""
    from generators.printing import fonts

    source, index = fonts.find_face("Regular")
    first = fonts.covered(tmp_path, source, index)
    assert ord("中") in first and ord("䶮") in first and 0xE000 not in first

    def unread(*_args, **_kwargs):
        raise AssertionError("the face was read again")

    with monkeypatch.context() as patched:
        patched.setattr(fonts, "TTFont", unread)
        assert fonts.covered(tmp_path, source, index) == first
    (kept,) = (tmp_path / "charsets").rglob("*.bin")
    kept.write_bytes(b"abc")
    assert fonts.covered(tmp_path, source, index) == first
    assert kept.stat().st_size == 4 * len(first)


def test_village_sheet_pdf_is_a4_with_embedded_fonts_and_the_rare_character(pdfs):
    files, fonts = pdfs
    assert sorted(files) == ["briefings/高峰镇-简报汇编.pdf", "briefings/高峰镇/长岭村.pdf"]
    reader = PdfReader(io.BytesIO(files["briefings/高峰镇/长岭村.pdf"]))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4 in points
    text = "".join(p.extract_text() for p in reader.pages)
    assert "长岭村 2026年11月重点青少年群体工作简报" in text and "李*䶮" in text and "张*明" in text
    assert fonts.extra is not None and not fonts.missing  # 䶮 is outside GB 2312: printed from the extra cut
    embedded = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font["/DescendantFonts"][0].get_object()
            assert "/FontFile2" in descendant["/FontDescriptor"]  # TrueType, embedded
            embedded.add(str(font["/BaseFont"]).split("+")[-1])
    assert {"HB-Sans", "HB-Extra"} <= {name.replace(" ", "-") for name in embedded}, embedded


def test_pdf_streams_are_compressed_at_our_level_not_pydyfs_slowest(pdfs):
    """pydyf compresses at zlib level 9 unless told otherwise (a third slower to write, for 1 % fewer
    bytes): every stream WeasyPrint wrote is level 6's compression of its data."""
    import re
    import zlib

    from generators.printing.pdf import COMPRESSION_LEVEL

    files, _ = pdfs
    data = files["briefings/高峰镇/长岭村.pdf"]
    streams = re.findall(rb"/FlateDecode.*?>>\s*stream\r?\n(.*?)\r?\nendstream", data, re.DOTALL)
    assert len(streams) > 3 and sum(map(len, streams)) > 10_000  # fonts and pages, not just a header
    assert COMPRESSION_LEVEL == 6
    for raw in streams:
        assert zlib.compress(zlib.decompress(raw), COMPRESSION_LEVEL) == raw


def test_township_pack_has_cover_toc_bookmarks_and_page_numbers(pdfs):
    reader = PdfReader(io.BytesIO(pdfs[0]["briefings/高峰镇-简报汇编.pdf"]))
    titles = [item.title for item in reader.outline if not isinstance(item, list)]
    assert titles[:3] == ["目录", "高峰镇 2026年11月汇总", "长岭村 2026年11月重点青少年群体工作简报"]
    first = reader.pages[0].extract_text()
    assert "高峰镇" in first and "简报汇编" in first and "第 1 页" not in first  # the cover has no number
    toc = reader.pages[1].extract_text()
    assert "长岭村" in toc and "第 4 页" in toc
    # the leader's dots are drawn four to a text run (one run a dot made the contents page slow to write)
    shows = reader.pages[1].get_contents().get_data().count(b" TJ")
    entries = toc.count("第 ") - 1  # the page's own footer is one
    assert entries >= 2 and shows < 70 * entries, (shows, entries)
    assert f"第 2 页 / 共 {len(reader.pages)} 页" in toc
    # the sheet keeps its own page numbers, and carries the pack's beside them
    sheet = reader.pages[3].extract_text()
    assert "长岭村 2026年11月重点青少年群体工作简报" in sheet
    assert "第 1 页 / 共 1 页" in sheet and f"汇编第 4 页 / 共 {len(reader.pages)} 页" in sheet
    links = [a.get_object() for a in reader.pages[1]["/Annots"]]
    to_sheet = [a["/Dest"][0] for a in links if isinstance(a.get("/Dest"), list)]
    assert to_sheet and {reader.get_page_number(p.get_object()) for p in to_sheet} == {3}
    # the sheet's bookmarks (its sections nested under its title) and its named destination come along,
    # pointed at the sheet's page in the pack, not at the sheet's own file
    outline = reader.outline
    title = next(n for n, item in enumerate(outline) if not isinstance(item, list) and "长岭村" in item.title)
    sheet_marks = outline[title + 1]
    assert isinstance(sheet_marks, list) and sheet_marks[0].title.startswith("一、")
    assert {reader.get_destination_page_number(i) for i in sheet_marks} == {3}
    assert reader.get_page_number(reader.named_destinations["sheet-长岭村"].page) == 3


def test_packs_that_differ_in_a_sheet_only_have_other_identifiers(packs):
    from generators.printing.fonts import prepare_print_fonts
    from generators.printing.packs import township_print, write_pack
    from generators.printing.pdf import PdfWriter

    env = make_environment(ROOT / "templates")
    item = township_print(env, packs[0])
    writer = PdfWriter(env, prepare_print_fonts(ROOT / ".cache" / "fonts", [s.html for s in item.sheets]))
    sheet = writer.write(writer.layout(item.sheets[0].html))
    other = writer.write(writer.layout(item.sheets[0].html.replace("长岭村", "长岭")))
    first, again, changed = (write_pack(writer, item, [s]) for s in (sheet, sheet, other))
    assert first == again  # the same inputs, the same bytes

    def identifier(pdf: bytes) -> bytes:
        first = PdfReader(io.BytesIO(pdf)).trailer["/ID"][0]
        return first.original_bytes if hasattr(first, "original_bytes") else bytes(first)

    assert identifier(first) != identifier(changed)


def twenty_youths() -> tuple[list[Case], list[Contact]]:
    """A village of twenty, every one of them due this month (monthly contact, none since September),
    with some of them about to leave their group and some changes last month."""
    cases = [
        person(f"T{n:02d}", "idle", dt.date(2001 + n % 8, 1 + n % 12, 3), name="欧阳小明") for n in range(20)
    ]
    cases[0] = person("T00", "idle", dt.date(2000, 12, 1), name="欧阳小明")  # leaves at 26 in December
    cases[1] = person("T01", "idle", dt.date(2004, 1, 1), entered=dt.date(2026, 10, 2))  # entered in October
    contacts = [
        Contact(c.case_id, dt.date(2026, 9, 5), "走访", "王平", REF, c.township, c.village) for c in cases
    ]
    return cases, contacts


def test_a_village_of_twenty_prints_on_one_page_with_room_to_write(model, rules):
    from weasyprint import HTML

    from generators.printing.fonts import prepare_print_fonts
    from generators.printing.pdf import PdfWriter

    cases, contacts = twenty_youths()
    county = monthly_areas(cases, contacts, NOV, rules)
    assert len(county.villages[0].villages[0].due) == 20
    calendar = work_calendar(model)
    packs = briefing_packs(county, model, Pseudonymizer(b"k"), month_tasks(calendar, model, NOV), rules)
    env = make_environment(ROOT / "templates")
    job = next(j for j in briefing_jobs(env, packs) if j.path.endswith("长岭村.pdf"))
    writer = PdfWriter(env, prepare_print_fonts(ROOT / ".cache" / "fonts", [job.html]))
    document = HTML(string=job.html).render(stylesheets=[writer.stylesheet], font_config=writer.font_config)
    assert len(document.pages) == 1

    def boxes(box):
        yield box
        for child in getattr(box, "children", ()):
            yield from boxes(child)

    px_per_mm = 96 / 25.4
    cells = [
        b
        for b in boxes(document.pages[0]._page_box)
        if getattr(b, "element_tag", None) == "td" and b.element.get("class") == "write"
    ]
    assert len(cells) == 20
    for cell in cells:  # the write-in cell, border box: wide and tall enough for a date and a signature
        assert cell.border_width() / px_per_mm >= 25 and cell.border_height() / px_per_mm >= 8


def test_township_tasks_hold_no_personal_values(county, rules):
    """What the derivation's workers get (perhaps on a cluster) holds no name, ID number, phone or address."""
    import pickle

    sent: list[bytes] = []

    def elsewhere(fn, items, shared):
        for index, item in enumerate(items):
            sent.append(pickle.dumps(item))
            yield index, fn(shared, pickle.loads(sent[-1]))

    assert repr(monthly_areas(CASES, CONTACTS, NOV, rules, run=elsewhere)) == repr(county)
    values = [v for c in CASES for v in (c.name, c.id_number, c.phone, c.address, c.guardian) if v]
    assert sent and values
    assert not [v for v in values if any(v.encode() in data for data in sent)]


def test_a_rebuild_derives_only_the_townships_whose_cases_changed(rules, tmp_path):
    import dataclasses

    from generators.core.cache import SignedPickles

    cases = CASES + [dataclasses.replace(c, township="双河镇") for c in CASES]  # two townships
    whole = monthly_areas(cases, CONTACTS, NOV, rules)
    derived: list[str] = []

    def counted(fn, items, shared):
        for index, item in enumerate(items):
            derived.append(item[0])
            yield index, fn(shared, item)

    def kept() -> SignedPickles:
        return SignedPickles(tmp_path / "kept", b"k" * 32, b"township figures", private=True)

    first = monthly_areas(cases, CONTACTS, NOV, rules, run=counted, kept=kept())
    assert repr(first) == repr(whole) and sorted(derived) == ["双河镇", "高峰镇"]
    derived.clear()
    again = monthly_areas(cases, CONTACTS, NOV, rules, run=counted, kept=kept())
    assert derived == [] and repr(again) == repr(whole)
    mine = {id(c) for c in cases}  # the figures taken from the cache hold the cases given
    assert all(id(c) in mine for t in again.villages for c in t.active)
    changed = [dataclasses.replace(cases[-1], risk="高" if cases[-1].risk != "高" else "低"), *cases[:-1]]
    after = monthly_areas(changed, CONTACTS, NOV, rules, run=counted, kept=kept())
    assert derived == ["双河镇"]
    assert repr(after) == repr(monthly_areas(changed, CONTACTS, NOV, rules))


def test_kept_packs_give_back_each_pack_as_made_and_count_its_sheets(packs):
    from generators.registry.briefings import KeptPacks, sheet_count

    made = packs
    kept = KeptPacks(made)
    assert len(kept) == len(made) and list(kept) == made and kept[-1] == made[-1] and kept[:1] == made[:1]
    assert repr(list(kept)) == repr(made)  # what a township's PDF keys are made from
    assert sheet_count(kept) == sheet_count(made) == sum(len(p.sheets) for p in made) > 0
    assert "*" not in repr(kept) and "P-" not in repr(kept)  # counts only, no row of a sheet


def test_an_areas_tally_counts_what_its_month_lists_and_outlives_its_cases(county):
    """What the public figures read of an area, without its cases: made anew (as the build does once the
    cases go), the same counts."""
    from types import SimpleNamespace

    from generators.core.memory import made_anew
    from generators.registry.model import Case
    from generators.registry.monthly import AreaTally

    tally = AreaTally.of(county)
    holder = SimpleNamespace(tally=tally)
    made_anew((holder, "tally"))
    assert holder.tally == tally and holder.tally is not tally and AreaTally.of(tally) is tally
    for area, counted in [(county, tally), *zip(county.villages, tally.villages, strict=True)]:
        lists = (area.entered, area.exited, area.moved, area.due, area.overdue)
        assert (counted.total, counted.previous_total, counted.trend) == (
            area.total,
            area.previous_total,
            area.trend,
        )
        assert (counted.entered, counted.exited, counted.moved, counted.due, counted.overdue) == tuple(
            map(len, lists)
        )
        assert counted.by_group == area.by_group and counted.by_risk == area.by_risk
    assert "Case(" not in repr(tally) and not any(isinstance(x, Case) for x in vars(tally).values())
