"""The 双零 forms in the clients people fill them in: LibreOffice (Calc, headless) for the workbooks, Debian's
chromium for the browser form on a pilot's page; and one set of answers through all four channels."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader

from generators.assessment.forms import assessment_workbook
from generators.assessment.ingest import read_form_csv, read_form_pdf, read_form_xlsx
from generators.assessment.layout import ANSWER_COL, FORM_SHEET, INFO_SHEET, sheet_rows
from generators.assessment.scoring import NOT_ASKED, NOT_MET, assess
from generators.registry.schema import read_schema
from generators.registry.template import column_width, registry_workbook
from tests.assessment_fixtures import fill_pdf, labels_of, met_answers, xlsform_value
from tests.conftest import ROOT, latest

DATA = ROOT / "data" / "assessment"
SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FACTS = {"key_youth": 9, "deaths": 0, "as_of": dt.date(2026, 10, 31)}

# One community's answers, given the same way in every channel: a harm that happened (with its description
# in traditional and rare characters), a mechanism without its 制度文件 (so that item is not asked), and
# some scores below their rules.
ANSWERS: dict[str, object] = {
    **met_answers(9),
    "zh_other": "是",
    "zh_other_detail": "2026年3月發生一起，涉事人䶮某已移交公安處置",
    "mech_forces": "居(村)委会、综治、教育、公安、民政、学校",
    "mech_volunteers": 3,
    "mech_venues": "青年之家、家长学校",
    "mech_linkage": "否",
    "mech_linkage_evidence": None,
    "mech_files": 7,
    "wc_environment": 3,
    "wc_judicial": 0,
}
EXPECTED = (
    NOT_MET,
    [("zero_crime", 0, True), ("zero_harm", 0, False), ("mechanism", 6, False), ("content", 4, False)],
)


def outcome(a):
    """What a channel's submission comes to: result, each section's points and status, each item's answer."""
    items = {i.criterion.id: (i.answer, i.points, i.missing) for s in a.sections for i in s.items}
    return a.result, [(s.section.id, s.points, s.met) for s in a.sections], items


# --- LibreOffice --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def soffice(tmp_path_factory):
    """Convert a file with LibreOffice, headless, in a profile of its own (other runs may use theirs)."""
    if not SOFFICE:
        pytest.fail(
            "找不到 LibreOffice：请用 `bash bootstrap.sh test` 运行测试（会安装 libreoffice-calc-nogui）"
        )
    profile = tmp_path_factory.mktemp("lo-profile")

    def convert(path: Path, to: str, outdir: Path) -> Path:
        subprocess.run(
            [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore"]
            + ["--convert-to", to, "--outdir", str(outdir), str(path)],
            check=True,
            capture_output=True,
            timeout=180,
        )
        return outdir / f"{path.stem}.{to.split(':')[0]}"

    return convert


def in_order(text: str, page: str) -> bool:
    """Every character of `text` on the page, in order (columns side by side may interleave lines)."""
    rest = iter(page)
    return all(ch in rest for ch in "".join(text.split()))


def page_texts(pdf: Path) -> list[str]:
    return [
        subprocess.run(
            ["pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        for n in range(1, len(PdfReader(pdf).pages) + 1)
    ]


@pytest.mark.slow
def test_libreoffice_prints_the_excel_form(tmp_path, soffice, definition):
    path = tmp_path / "form.xlsx"
    path.write_bytes(assessment_workbook(definition, ANSWERS))
    pdf = soffice(path, "pdf", tmp_path)
    reader = PdfReader(pdf)
    assert all(
        (round(float(p.mediabox.width)), round(float(p.mediabox.height))) == (595, 842) for p in reader.pages
    )
    pages = page_texts(pdf)
    assert "填写方法" in pages[0] and len(pages) == 4  # the guide on one page, the form on three
    flat = ["".join(t.split()) for t in pages]
    for n, text in enumerate(flat[1:], 2):
        assert all(head in text for head in ("序号", "项目", "答案", "依据（政策原文）")), (
            n
        )  # header on every page
    rows = sheet_rows(definition)
    for r in rows:  # each question's label and its answer on one page: nothing cut off at the edge
        if r.question is None or r.choice is not None:
            continue
        assert any(in_order(r.question.label, t) for t in flat[1:]), r.number
    answer_page = next(i for i, t in enumerate(flat) if in_order("涉事人䶮某已移交公安處置", t))
    assert in_order(definition.question("zh_other_detail").label, flat[answer_page])


@pytest.mark.slow
def test_libreoffice_round_trip_keeps_validations(tmp_path, soffice, definition, criteria, pilots):
    path = tmp_path / "form.xlsx"
    path.write_bytes(assessment_workbook(definition, ANSWERS))
    out = tmp_path / "out"
    out.mkdir()
    saved = soffice(path, "xlsx:Calc MS Excel 2007 XML", out)

    def validations(file):
        ws = openpyxl.load_workbook(file)[FORM_SHEET]
        cells = set()
        for dv in ws.data_validations.dataValidation:
            for cell_range in dv.sqref.ranges:
                top = None if dv.type == "list" else str(dv.formula2)  # LibreOffice writes 0 for a list's
                cells |= {(dv.type, str(dv.formula1), top, rc) for rc in cell_range.cells}
        return cells, ws.protection.sheet

    before, after = validations(path), validations(saved)
    assert {v[0] for v in before[0]} == {"list", "whole", "date"} and after == before  # every cell's check
    # LibreOffice has no "very hidden" and writes an empty <workbookProtection/> (no lockStructure): the
    # identity sheet stays hidden, and the ingest does not depend on either
    assert openpyxl.load_workbook(saved)[INFO_SHEET].sheet_state == "hidden"
    original = outcome(assess(criteria, read_form_xlsx(path, criteria, pilots), FACTS))
    assert outcome(assess(criteria, read_form_xlsx(saved, criteria, pilots), FACTS)) == original


@pytest.mark.slow
def test_libreoffice_keeps_the_registry_templates_checks(tmp_path, soffice):
    schema = read_schema(ROOT / "data" / "registry" / "schema.yaml")
    path = tmp_path / "template.xlsx"
    path.write_bytes(registry_workbook(schema))
    out = tmp_path / "out"
    out.mkdir()
    saved = soffice(path, "xlsx:Calc MS Excel 2007 XML", out)
    for file in (path, saved):
        ws = openpyxl.load_workbook(file)[schema.sheets[0].title]
        kinds = {dv.type for dv in ws.data_validations.dataValidation}
        assert {"list", "date", "textLength"} <= kinds, file
    pdf = soffice(path, "pdf", tmp_path)
    assert len(PdfReader(pdf).pages) >= 1


def test_registry_template_fits_its_longest_choice_and_checks_id_numbers():
    schema = read_schema(ROOT / "data" / "registry" / "schema.yaml")
    wb = openpyxl.load_workbook(__import__("io").BytesIO(registry_workbook(schema)))
    sheet = schema.sheets[0]
    ws = wb[sheet.title]
    for i, col in enumerate(sheet.columns, 1):
        width = ws.column_dimensions[openpyxl.utils.get_column_letter(i)].width
        assert width == column_width(col)
        for value in col.values:  # the dropdown shows every choice whole (CJK characters count two)
            assert width >= 2 * len(value) + 2, (col.header, value)
    id_column = next(i for i, c in enumerate(sheet.columns, 1) if c.type == "id_number")
    letter = openpyxl.utils.get_column_letter(id_column)
    (check,) = [dv for dv in ws.data_validations.dataValidation if dv.type == "textLength"]
    assert (check.operator, check.formula1) == ("equal", "18") and str(check.sqref).startswith(f"{letter}2:")
    assert ws.column_dimensions[letter].width >= 20


# --- the browser form ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM:
        pytest.fail("找不到 chromium：请用 `bash bootstrap.sh test` 运行测试（会安装 Debian 的 chromium）")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--headless",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


def pilot_page(site_root: Path, pilot) -> str:
    """The page as a USB copy opens it: a file:// address, no server."""
    return (latest(site_root) / "assessment" / f"{pilot.key}.html").as_uri()


def answer_in_browser(page, definition, answers, names) -> None:
    for q in definition.questions:
        if q.name not in names or answers.get(q.name) is None:
            continue
        value = answers[q.name]
        if q.kind == "yes_no":
            page.check(f'#q-{q.name} input[value="{"yes" if value == "是" else "no"}"]')
        elif q.kind == "multi_choice":
            for c in q.choices:
                if c.label in labels_of(value):
                    page.check(f'#q-{q.name} input[value="{c.name}"]')
        elif isinstance(value, dt.date):
            page.fill(f"#in-{q.name}", value.strftime("%Y-%m-%d"))
        else:
            page.fill(f"#in-{q.name}", str(value))


def browser_export(browser, site_root, definition, answers, tmp_path, viewport=(390, 844)) -> Path:
    """Fill the form on the page, reload half way, finish, export; the exported file."""
    context = browser.new_context(
        viewport={"width": viewport[0], "height": viewport[1]}, accept_downloads=True
    )
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.goto(pilot_page(site_root, definition.pilot))
    names = [q.name for q in definition.questions]
    half = names.index("mech_forces")
    answer_in_browser(page, definition, answers, names[:half])
    page.reload()
    assert page.input_value("#in-zh_other_detail") == answers["zh_other_detail"]  # kept in the browser
    assert page.is_checked('#q-zh_other input[value="yes"]')
    assert "已恢复" in page.inner_text("#sl-status")
    page.click("#sl-export")  # not finished: the form says what is missing, and nothing is saved
    assert page.is_visible("#sl-summary") and "项需要填写或改正" in page.inner_text("#sl-summary")
    assert page.is_visible("#q-mech_forces-error")
    answer_in_browser(page, definition, answers, names[half:])
    assert page.is_hidden("#q-mech_linkage_evidence")  # no mechanism: its 制度文件 is not asked
    with page.expect_download() as download:
        page.click("#sl-export")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    assert path.name == f"{definition.pilot.key}-网页填写.csv"
    outside = [u for u in requests if not u.startswith(("file:", "data:", "blob:"))]
    assert outside == []  # nothing leaves the device
    context.close()
    return path


@pytest.mark.browser
def test_browser_form_fills_reloads_exports_and_is_ingested(
    browser, site_root, definition, criteria, pilots, tmp_path
):
    path = browser_export(browser, site_root, definition, ANSWERS, tmp_path)
    sub = read_form_csv(path, criteria, pilots)
    assert sub.pilot == definition.pilot and not sub.problems
    a = assess(criteria, sub, FACTS)
    assert outcome(a)[:2] == EXPECTED
    assert sub.answers["zh_other_detail"] == ANSWERS["zh_other_detail"]


@pytest.mark.browser
def test_browser_form_on_a_phone(browser, site_root, pilot):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(pilot_page(site_root, pilot) + "#web-form")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing runs off the side of a phone
    for selector in ("#q-zh_other .sl-choice", "#in-zc_convicted", "#sl-export"):
        box = page.locator(selector).first.bounding_box()
        assert box["height"] >= 40 and box["x"] >= 0 and box["x"] + box["width"] <= 390, selector
    assert page.is_hidden("#q-zh_other_detail")
    page.check('#q-zh_other input[value="yes"]')
    assert page.is_visible("#q-zh_other_detail")  # a harm answered 是 asks for its description
    page.fill("#in-mech_key_youth", "0")
    assert page.is_hidden("#q-mech_files")
    page.fill("#in-mech_key_youth", "5")
    page.fill("#in-mech_files", "6")
    page.locator("#in-mech_files").dispatch_event("change")
    assert "不能大于第 18 项的 5" in page.inner_text("#q-mech_files-error")
    page.close()


# --- all four channels --------------------------------------------------------------------------------------
def kobo_export(xlsform: Path, definition, answers) -> str:
    """What KoboToolbox exports for this XLSForm (as published on the site): one column per field, named by
    its groups, select answers by choice name, a question not asked left empty."""
    import csv
    import io

    survey = openpyxl.load_workbook(xlsform)["survey"]
    head, *rows = [list(r) for r in survey.iter_rows(values_only=True)]
    kind, name = head.index("type"), head.index("name")
    headers, values, groups, given = (
        ["start", "end"],
        ["2026-11-20T09:12:00+08:00", "2026-11-20T09:40:00+08:00"],
        [],
        {},
    )
    calculated = definition.identity
    for row in rows:
        if row[kind] == "begin_group":
            groups.append(row[name])
        elif row[kind] == "end_group":
            groups.pop()
        elif row[kind] == "calculate":
            headers.append(row[name])
            values.append(calculated[row[name]])
        elif row[kind] != "note":
            q = definition.question(row[name])
            value = answers.get(q.name)
            headers.append("/".join(groups + [q.name]))
            asked = q.asked(given)
            if asked and value is not None:
                given[q.name] = (
                    {"是": True, "否": False}.get(value, value) if isinstance(value, str) else value
                )
            values.append(xlsform_value(definition, q.name, value) if asked else "")
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows([headers + ["_id"], values + ["7"]])
    return out.getvalue()


@pytest.mark.browser
def test_one_set_of_answers_through_all_four_channels(
    browser, site_root, definition, criteria, pilots, tmp_path
):
    downloads = latest(site_root) / "downloads" / "assessment"
    key = definition.pilot.key
    results = {}

    # Excel: the published workbook, filled in cell by cell as a person does
    path = tmp_path / "excel.xlsx"
    wb = openpyxl.load_workbook(downloads / f"{key}-自评表.xlsx")
    ws = wb[FORM_SHEET]
    for r in sheet_rows(definition):
        if not r.has_answer or ANSWERS.get(r.question.name) is None:
            continue
        value = ANSWERS[r.question.name]
        if r.choice is not None:
            value = "是" if r.choice.label in labels_of(value) else "否"
        ws.cell(r.row, ANSWER_COL).value = value
    wb.save(path)
    results["Excel"] = assess(criteria, read_form_xlsx(path, criteria, pilots), FACTS)

    # PDF: the published fillable form, filled in with pypdf
    path = tmp_path / "form.pdf"
    path.write_bytes(fill_pdf((downloads / f"{key}-自评表.pdf").read_bytes(), definition, ANSWERS))
    results["PDF"] = assess(criteria, read_form_pdf(path, criteria, pilots), FACTS)

    # XLSForm: a KoboToolbox export of the published XLSForm
    path = tmp_path / "kobo.csv"
    path.write_text(kobo_export(downloads / f"{key}-xlsform.xlsx", definition, ANSWERS), encoding="utf-8")
    results["XLSForm"] = assess(criteria, read_form_csv(path, criteria, pilots), FACTS)

    # the browser form on the pilot's page, exported
    path = browser_export(browser, site_root, definition, ANSWERS, tmp_path)
    results["browser"] = assess(criteria, read_form_csv(path, criteria, pilots), FACTS)

    first = outcome(results["Excel"])
    assert first[:2] == EXPECTED
    assert first[2]["mech_linkage_evidence"][0] == NOT_ASKED
    for channel, a in results.items():
        assert not a.problems, (channel, a.problems)
        assert outcome(a) == first, channel
