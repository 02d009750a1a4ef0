"""双零 self-assessment: criteria from 004, one form definition, forms in four channels, ingest, gates and
scores, reports. (LibreOffice and the browser form: tests/test_assessment_channels.py.)"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import unquote

import openpyxl
import pytest
from pypdf import PdfReader

from generators.assessment.criteria import read_criteria, read_pilots
from generators.assessment.definition import MAX_PER_SCREEN, form_definition
from generators.assessment.forms import assessment_workbook, xlsform_rows, xlsform_workbook
from generators.assessment.ingest import read_form_csv, read_form_pdf, read_form_xlsx, read_submissions
from generators.assessment.layout import (
    ANSWER_COL,
    FORM_SHEET,
    HEADER_ROW,
    INFO_SHEET,
    PDF_IDENTITY,
    sheet_rows,
)
from generators.assessment.scoring import INCOMPLETE, MET, NOT_ASKED, NOT_MET, assess, registry_facts
from generators.core.errors import InputError
from generators.registry.model import Case, RowRef
from tests.assessment_fixtures import fill_pdf, kobo_csv, met_answers
from tests.conftest import ROOT

DATA = ROOT / "data" / "assessment"
MM = 72 / 25.4


FACTS = {"key_youth": 9, "deaths": 0, "as_of": dt.date(2026, 10, 31)}


@pytest.fixture
def fill(tmp_path, definition):
    def run(**changes):
        answers = {**met_answers(9), **changes}
        path = tmp_path / "form.xlsx"
        path.write_bytes(assessment_workbook(definition, answers))
        return path

    return run


def score(path, criteria, pilots, facts=FACTS):
    return assess(criteria, read_form_xlsx(path, criteria, pilots), facts)


def row_of(definition, name):
    return next(
        r.row for r in sheet_rows(definition) if r.question and r.question.name == name and not r.choice
    )


# --- criteria and the form definition ----------------------------------------------------------------------
def test_criteria_cover_the_goals_of_004(criteria):
    ids = [c.id for c in criteria.items]
    harms = [c for c in criteria.items if c.section == "zero_harm"]
    assert len(harms) == 8 and all(c.is_gate and c.answer == "yes_no" and c.detail for c in harms)
    assert {"zc_convicted", "zc_under_age", "mech_files", "wc_education", "wc_judicial"} <= set(ids)
    assert str(criteria.item("zc_convicted").source) == "shuangling-2017#3-1-p1"
    assert "不满25周岁" in criteria.youth and str(criteria.youth_source) == "shuangling-2017#3-3-p2"
    assert all(c.quote for c in criteria.items)
    assert (
        criteria.item("mech_linkage_evidence").ask_if.item == "mech_linkage"
    )  # the 制度文件 needs a mechanism


def test_a_quote_not_in_its_clause_stops_the_build(tmp_path, model):
    text = (
        (DATA / "criteria.yaml")
        .read_text(encoding="utf-8")
        .replace("社区(村)内无被审判机关判处有罪的青少年", "社区(村)内无被法院判刑的青少年")
    )
    (tmp_path / "criteria.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as e:
        read_criteria(tmp_path / "criteria.yaml", model)
    assert "引文不在条款 shuangling-2017#3-1-p1 中" in str(e.value) and "zc_convicted" in str(e.value)


@pytest.mark.parametrize(
    "old,new,message",
    [
        (
            "ask_if: {item: mech_linkage, answer: 是}",
            "ask_if: {item: mech_info_system, answer: 是}",
            "ask_if 应指向它前面的项目",
        ),
        (
            "ask_if: {item: mech_linkage, answer: 是}",
            "ask_if: {item: mech_social_workers, answer: 是}",
            "只能用于是/否题",
        ),
        (
            "ask_if: {item: mech_key_youth, above: 0}",
            "ask_if: {item: mech_linkage, above: 0}",
            "只能用于人数/次数题",
        ),
        (
            "ask_if: {item: mech_linkage, answer: 是}",
            "ask_if: {item: mech_linkage, answer: 有}",
            "只能是“是”",
        ),
        ("ask_if: {item: mech_linkage, answer: 是}", "ask_if: mech_linkage", "ask_if 应写成"),
        ("id: mech_key_youth\n", "id: zh_other_detail\n", "表单字段名 zh_other_detail 重复"),
    ],
    ids=["forward", "not yes/no", "not a count", "answer", "shape", "name clash"],
)
def test_conditions_are_data_and_are_checked(tmp_path, model, old, new, message):
    text = (DATA / "criteria.yaml").read_text(encoding="utf-8")
    assert old in text
    (tmp_path / "criteria.yaml").write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(InputError, match=message):
        read_criteria(tmp_path / "criteria.yaml", model)


def test_more_than_three_pilots_a_year_is_refused(tmp_path):
    text = (DATA / "pilots.yaml").read_text(encoding="utf-8")
    text += "  - {township: 团结街道, community: 石桥社区, year: 2026, phase: 申报}\n"
    (tmp_path / "pilots.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="每个县（区）每期不超过 3 个社区（村）"):
        read_pilots(tmp_path / "pilots.yaml")


def test_one_definition_for_every_channel(definition, criteria):
    questions = definition.questions
    names = [q.name for q in questions]
    assert len(names) == len(set(names)) and len({q.number for q in questions}) == len(questions)
    assert [q.item.id for q in questions if not q.is_detail] == [c.id for c in criteria.items]
    for section in definition.sections:
        for screen in section.screens:
            assert 1 <= len(screen.questions) <= MAX_PER_SCREEN, screen.name
            for q in screen.questions:  # a follow-up is on its gate's screen, after it
                if q.ask_if:
                    gate = names.index(q.ask_if.item)
                    assert q.ask_if.item in [x.name for x in screen.questions] and gate < names.index(q.name)
    detail = definition.question("zh_trafficking_detail")
    assert detail.kind == "detail" and detail.required and detail.ask_if.yes
    assert definition.when(detail) == "第 6 项答“是”时填写"
    assert definition.when(definition.question("mech_files")) == "第 18 项大于 0 时填写"
    assert definition.version != criteria.version  # the form's layout revision is part of its version


# --- round trip through the Excel form ----------------------------------------------------------------------
def test_met_form_scores_full_marks(fill, criteria, pilots):
    a = score(fill(), criteria, pilots)
    assert a.result == MET and not a.problems and not a.disagreements
    assert [(s.section.id, s.points, s.met) for s in a.sections] == [
        ("zero_crime", 0, True),
        ("zero_harm", 0, True),
        ("mechanism", 11, True),
        ("content", 7, True),
    ]


def test_one_case_fails_its_goal_whatever_else_scores(fill, criteria, pilots):
    a = score(
        fill(zh_trafficking="是", zh_trafficking_detail="2026年5月发生一起，已移交公安"), criteria, pilots
    )
    assert a.result == NOT_MET
    assert [s.met for s in a.sections] == [True, False, True, True]
    a = score(fill(zc_under_age=1, zc_under_age_detail="已送专门学校", mech_files=None), criteria, pilots)
    assert a.result == NOT_MET  # not "incomplete": a case is a case


def test_a_case_without_its_description_is_a_problem(fill, criteria, pilots, definition):
    a = score(fill(zh_other="是"), criteria, pilots)
    assert a.result == NOT_MET
    row = row_of(definition, "zh_other_detail")
    assert any(
        "第 11a 项（zh_other_detail）未填写：第 11 项答“是”或大于 0，须说明情况" in p
        and f"第 {row} 行" in p
        and "C（答案）" in p
        for p in a.problems
    )


def test_points_below_the_pass_mark(fill, criteria, pilots):
    a = score(
        fill(mech_linkage="否", mech_linkage_evidence=None, mech_venues="青年之家", mech_social_workers=0),
        criteria,
        pilots,
    )
    mech = a.sections[2]
    assert (mech.points, mech.met, a.result) == (6, False, NOT_MET)
    assert "稳定的工作机制、队伍和阵地得分 6，低于 8 分" in a.fixes


def test_a_follow_up_that_is_not_asked_is_neither_missing_nor_scored(fill, criteria, pilots):
    a = score(fill(mech_linkage="否", mech_linkage_evidence=None), criteria, pilots)
    items = {i.criterion.id: i for s in a.sections for i in s.items}
    evidence = items["mech_linkage_evidence"]
    assert (evidence.answer, evidence.missing, evidence.failed) == (NOT_ASKED, False, False)
    assert a.result == MET and not a.problems and a.sections[2].points == 9
    a = score(fill(mech_key_youth=0, mech_files=None), criteria, pilots, {**FACTS, "key_youth": 0})
    files = next(i for s in a.sections for i in s.items if i.criterion.id == "mech_files")
    assert (files.answer, files.points, files.missing) == (NOT_ASKED, None, False)
    assert not any("第 19 项" in f for f in a.fixes)


def test_an_answer_to_a_question_not_asked_is_shown_not_used(fill, criteria, pilots):
    sub = read_form_xlsx(fill(mech_linkage="否"), criteria, pilots)  # the 制度文件 is still filled in
    (problem,) = sub.problems
    assert "第 17 项（mech_linkage_evidence）不需要填写（第 16 项答“是”时填写）" in problem.message
    assert "mech_linkage_evidence" not in sub.answers and not sub.invalid
    assert assess(criteria, sub, FACTS).result == MET


def test_missing_answers_are_never_scored_as_zero_or_met(fill, criteria, pilots):
    a = score(fill(mech_info_system=None, wc_evidence=None), criteria, pilots)
    assert a.result == INCOMPLETE
    assert [s.status for s in a.sections] == ["达成", "达成", "不能判定", "不能判定"]
    assert "补填第 20 项：是否借助综治信息系统等平台掌握辖区青少年基本状况、实行动态监测和动态管理" in a.fixes


@pytest.mark.parametrize(
    "change,name,number,message",
    [
        (dict(zc_convicted=-1), "zc_convicted", "1", "应为 0 或以上的整数"),
        (dict(mech_volunteers="十几个"), "mech_volunteers", "14", "应为 0 或以上的整数"),
        (dict(mech_files=12), "mech_files", "19", "不能大于第 18 项"),
        (dict(mech_started=dt.datetime(2025, 12, 1)), "mech_started", "21", "应在试点年度 2026 年内"),
        (dict(zh_neglect="没有"), "zh_neglect", "8", "应为“是”或“否”"),
        (dict(wc_evidence=None), "wc_evidence", "26", "是必填项，未填写"),
    ],
    ids=["negative", "not a number", "above its total", "outside the year", "yes/no", "required"],
)
def test_bad_answers_name_item_and_cell(fill, criteria, pilots, definition, change, name, number, message):
    sub = read_form_xlsx(fill(**change), criteria, pilots)
    problem = next(p for p in sub.problems if message in p.message)
    assert (problem.sheet, problem.row, problem.column) == (FORM_SHEET, row_of(definition, name), "C（答案）")
    assert f"第 {number} 项" in problem.message and problem.file.endswith("form.xlsx")
    assert assess(criteria, sub, FACTS).result in (INCOMPLETE, NOT_MET)


def test_a_multiple_choice_option_that_is_neither_yes_nor_no(fill, criteria, pilots, definition):
    path = fill()
    wb = openpyxl.load_workbook(path)
    option = next(r for r in sheet_rows(definition) if r.choice and r.choice.label == "四点半课堂")
    wb[FORM_SHEET].cell(option.row, ANSWER_COL).value = "有"
    wb.save(path)
    sub = read_form_xlsx(path, criteria, pilots)
    (problem,) = sub.problems
    assert "第 15 项（mech_venues）的选项“四点半课堂”应填“是”或“否”" in problem.message
    assert problem.row == option.row


def test_a_multiple_choice_answered_none_of_them(fill, criteria, pilots, definition):
    sub = read_form_xlsx(fill(mech_forces=()), criteria, pilots)  # every option 否
    (problem,) = sub.problems
    assert "第 12 项（mech_forces）没有选中任何一项：至少一个选项填“是”" in problem.message
    assert assess(criteria, sub, FACTS).result == INCOMPLETE


def form_error(path, criteria, pilots, reader=read_form_xlsx):
    with pytest.raises(InputError) as e:
        reader(path, criteria, pilots)
    return str(e.value)


def test_form_for_another_community_or_year_stops(fill, criteria, pilots):
    path = fill()
    wb = openpyxl.load_workbook(path)
    wb[INFO_SHEET]["B5"] = "石桥社区"
    wb.save(path)
    assert "“石桥社区” 2026 年度的，不在试点名单中" in form_error(path, criteria, pilots)
    path = fill()
    wb = openpyxl.load_workbook(path)
    wb[INFO_SHEET]["B6"] = 2024
    wb.save(path)
    assert "社区或年度不对" in form_error(path, criteria, pilots)
    path = fill()
    wb = openpyxl.load_workbook(path)
    wb[FORM_SHEET].cell(4, ANSWER_COL).value = "凤凰村"  # the header says another community
    wb.save(path)
    assert "社区或年度被改过" in form_error(path, criteria, pilots)


def test_changed_structure_stops(fill, criteria, pilots, definition):
    path = fill()
    wb = openpyxl.load_workbook(path)
    row = row_of(definition, "zh_domestic_violence")
    wb[FORM_SHEET].delete_rows(row)
    wb.save(path)
    text = form_error(path, criteria, pilots)
    assert "表格结构被改动" in text and f"第 {row} 行应为第 4 项" in text
    path = fill()
    wb = openpyxl.load_workbook(path)
    wb[INFO_SHEET]["B2"] = "000000000000"
    wb.save(path)
    assert "与现行自评表" in form_error(path, criteria, pilots)


def test_a_workbook_that_is_not_the_form_stops(tmp_path, criteria, pilots):
    openpyxl.Workbook().save(tmp_path / "x.xlsx")
    assert "不是本手册生成的自评表" in form_error(tmp_path / "x.xlsx", criteria, pilots)


def visibly_coloured(rgb: str) -> bool:
    """Not white, nor a tint that washes out on screen or paper: WCAG luminance and one channel well down."""
    channels = [int(rgb[-6:][i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    luminance = 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    return luminance < 0.85 and min(channels) < 0.7


def test_excel_form_fills_and_prints_well(fill, definition):
    wb = openpyxl.load_workbook(fill())
    ws = wb[FORM_SHEET]
    assert ws.protection.sheet and wb.security.lockStructure
    assert wb[INFO_SHEET].sheet_state == "veryHidden" and wb.active.title == FORM_SHEET
    # printing: A4 portrait, one page wide, the header row on every page
    setup = ws.page_setup
    assert (setup.paperSize, setup.orientation, setup.fitToWidth, setup.fitToHeight) == (9, "portrait", 1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_rows == f"${HEADER_ROW}:${HEADER_ROW}"
    validations = {}
    for dv in ws.data_validations.dataValidation:
        for cell_range in dv.sqref.ranges:
            validations[cell_range.coord] = dv
    shown = " ".join(
        str(c.value)
        for sheet in (wb[FORM_SHEET], wb["说明"])
        for row in sheet.iter_rows()
        for c in row
        if c.value
    )
    for r in sheet_rows(definition):
        if r.question is None:
            continue
        assert r.question.name not in shown  # internal field names stay out of sight
        height = ws.row_dimensions[r.row].height
        assert height and height >= 20, r.number
        if not r.has_answer:
            continue
        cell = ws.cell(r.row, ANSWER_COL)
        assert not cell.protection.locked and visibly_coloured(cell.fill.fgColor.rgb), r.number
        if r.choice is not None or r.question.kind == "yes_no":
            dv = validations[cell.coordinate]
            assert (dv.type, dv.formula1) == ("list", '"是,否"')  # one validated 是/否 per option
    long_hint = row_of(definition, "zh_neglect")  # a label that wraps over three lines in column B
    assert ws.row_dimensions[long_hint].height >= 3 * 15
    greyed = {str(r.sqref) for r in ws.conditional_formatting}
    assert ws.cell(row_of(definition, "mech_linkage_evidence"), ANSWER_COL).coordinate in greyed
    assert ws.cell(row_of(definition, "zh_other_detail"), ANSWER_COL).coordinate in greyed


def test_prefilled_text_is_never_a_formula(tmp_path, criteria, pilot, pilots):
    odd = dataclasses.replace(pilot, community='=HYPERLINK("http://x","点此")', township="+团结街道")
    definition = form_definition(criteria, odd)
    path = tmp_path / "odd.xlsx"
    path.write_bytes(assessment_workbook(definition, {"zh_other_detail": "=1+1", **met_answers(9)}))
    wb = openpyxl.load_workbook(path)
    cells = [c for sheet in wb for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert cells and all(c.data_type == "s" for c in cells if c.value.startswith(("=", "+")))
    path.write_bytes(xlsform_workbook(definition))
    xls = openpyxl.load_workbook(path)
    assert all(c.data_type != "f" for sheet in xls for row in sheet.iter_rows() for c in row)


# --- ODK / Kobo CSV exports ---------------------------------------------------------------------------------
def test_kobo_export_round_trip(tmp_path, criteria, pilots, pilot):
    answers = {**met_answers(9), "zh_fatal_accident": "是", "zh_fatal_accident_detail": "7月溺水"}
    path = tmp_path / "kobo.csv"
    path.write_text(kobo_csv(criteria, pilot, answers), encoding="utf-8")
    sub = read_form_csv(path, criteria, pilots)
    assert sub.pilot == pilot and not sub.problems
    assert sub.answers["mech_venues"] == ("青年之家", "四点半课堂", "家长学校")
    assert sub.answers["mech_started"] == dt.date(2026, 1, 15)
    assert assess(criteria, sub, FACTS).result == NOT_MET


def test_kobo_export_with_semicolons_and_labels(tmp_path, criteria, pilots, pilot):
    """KoboToolbox exports with ";" by default, and can write labels instead of choice names."""
    import csv

    rows = list(csv.reader(io.StringIO(kobo_csv(criteria, pilot, met_answers(9)))))
    header, values = rows
    labels = {"yes": "是", "no": "否"}
    values = [labels.get(v, v) for v in values]
    venues = next(i for i, h in enumerate(header) if h.endswith("/mech_venues"))
    values[venues] = "青年之家 四点半课堂 家长学校"
    out = io.StringIO()
    csv.writer(out, delimiter=";").writerows([header, values])
    path = tmp_path / "kobo.csv"
    path.write_text(out.getvalue(), encoding="utf-8-sig")
    sub = read_form_csv(path, criteria, pilots)
    assert not sub.problems and sub.answers["mech_venues"] == ("青年之家", "四点半课堂", "家长学校")
    assert assess(criteria, sub, FACTS).result == MET


def test_kobo_export_errors(tmp_path, criteria, pilots, pilot, definition):
    text = kobo_csv(criteria, pilot, met_answers(9))
    path = tmp_path / "kobo.csv"
    column = definition.column(definition.question("mech_files"))
    path.write_text(text.replace(f"{column},", column.replace("mech_files", "files,")), encoding="utf-8")
    assert "缺少字段：mech_files" in form_error(path, criteria, pilots, read_form_csv)
    path.write_text(text + text.splitlines()[1] + "\n", encoding="utf-8")
    assert "应有 1 条提交记录，实际有 2 条" in form_error(path, criteria, pilots, read_form_csv)
    path.write_text(text.replace(",杨柳社区,", ",石桥社区,"), encoding="utf-8")
    assert "不在试点名单中" in form_error(path, criteria, pilots, read_form_csv)
    path.write_text(kobo_csv(criteria, pilot, met_answers(9), version="0123456789ab"), encoding="utf-8")
    assert "表的版本（0123456789ab）与现行自评表" in form_error(path, criteria, pilots, read_form_csv)
    path.write_text(text.replace("form_version", "version"), encoding="utf-8")
    assert "缺少字段：form_version" in form_error(path, criteria, pilots, read_form_csv)


def test_two_forms_for_one_community_stop(tmp_path, fill, criteria, pilots, pilot):
    shutil.copy(fill(), tmp_path / "a.xlsx")
    (tmp_path / "b.csv").write_text(kobo_csv(criteria, pilot, met_answers(9)), encoding="utf-8")
    with pytest.raises(InputError, match="同一社区同一年度的自评表"):
        read_submissions(tmp_path, criteria, pilots)


def test_an_unknown_file_in_the_submissions_folder_is_named(tmp_path, criteria, pilots):
    (tmp_path / "自评表.docx").write_bytes(b"PK")
    with pytest.raises(InputError, match="不支持的文件类型 .docx"):
        read_submissions(tmp_path, criteria, pilots)


# --- the registry cross-check -------------------------------------------------------------------------------
def test_registry_disagreements_are_flagged(fill, criteria, pilots, pilot):
    ref = RowRef("v.xlsx", "个案台账", 2)

    def case(cid, exit_reason=None, exit_date=None):
        return Case(
            cid,
            pilot.township,
            pilot.community,
            "left-behind",
            "中",
            "张小明",
            "男",
            dt.date(2015, 1, 1),
            "341221201501010011",
            "在校",
            "王平",
            dt.date(2025, 1, 1),
            ref,
            exit_date=exit_date,
            exit_reason=exit_reason,
        )

    cases = [case("A"), case("B"), case("C", "死亡", dt.date(2026, 7, 2))]
    facts = registry_facts(cases, pilot, dt.date(2026, 10, 31))
    assert facts["key_youth"] == 2 and facts["deaths"] == 1
    a = score(fill(mech_key_youth=9), criteria, pilots, facts)
    text = " ".join(a.disagreements)
    assert "自评填 9 人，台账截至 2026-10-31 在册 2 人" in text
    assert "第 9 项“是否有青少年因溺水" in text and "以“死亡”退出" in text


# --- XLSForm ------------------------------------------------------------------------------------------------
def test_xlsform_converts_with_pyxform(tmp_path, definition, pilot):
    from pyxform.xls2xform import convert

    path = tmp_path / "form.xlsx"
    path.write_bytes(xlsform_workbook(definition))
    warnings: list[str] = []
    xform = convert(xlsform=str(path), validate=False, warnings=warnings).xform
    assert warnings == []
    xform = xform.replace("&apos;", "'")
    trafficking = definition.column(definition.question("zh_trafficking_detail"))
    assert (
        f'nodeset="/data/{trafficking}" type="string" required="true()" jr:requiredMsg="本题必填" '
        "relevant=\" /data/zero_harm/zero_harm_2/zh_trafficking  = 'yes'\""
    ) in xform  # skip logic: a harm asks for details
    assert f'id="{pilot.form_id}"' in xform and f'version="{definition.version}"' in xform
    assert 'required="true()"' in xform and ". &gt;= 0" in xform
    assert "date('2026-01-01')" in xform
    assert 'form="guidance"' in xform  # the policy quotations as guidance hints


def test_xlsform_screens_conditions_and_photos(definition):
    rows = xlsform_rows(definition)
    head, *survey = rows["survey"]
    col = {name: head.index(name) for name in head}
    by_name = {r[col["name"]]: r for r in survey}
    for q in definition.questions:
        row = by_name[q.name]
        if q.ask_if:  # every follow-up is asked only when its gate is answered so
            assert row[col["relevant"]].startswith(f"${{{q.ask_if.item}}}"), q.name
        else:
            assert row[col["relevant"]] == "", q.name
        assert row[col["guidance_hint"]].startswith("原文：")  # the policy text out of the way
        assert "原文" not in row[col["hint"]]
    assert by_name["mech_linkage_evidence"][col["relevant"]] == "${mech_linkage} = 'yes'"
    assert by_name["mech_files"][col["relevant"]] == "${mech_key_youth} > 0"
    assert by_name["mech_linkage_evidence"][col["type"]] == "image"  # a phone takes the picture
    assert by_name["wc_evidence"][col["type"]] == "image"
    for key in ("community", "pilot_year", "form_version"):
        assert by_name[key][col["type"]] == "calculate"
    depth, on_screen = 0, []  # questions per field-list group
    for r in survey:
        kind = r[col["type"]]
        if kind == "begin_group" and r[col["appearance"]] == "field-list":
            depth, on_screen = 1, []
        elif kind == "end_group" and depth:
            assert 1 <= len(on_screen) <= MAX_PER_SCREEN, on_screen
            depth = 0
        elif depth and kind not in ("note", "calculate"):
            on_screen.append(r[col["name"]])


# --- the fillable PDF ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def blank_pdf(model, criteria, pilots, pilot):
    from generators.assessment.scoring import not_submitted
    from generators.printing.fonts import prepare_print_fonts
    from generators.printing.jobs import assessment_public_jobs, assessment_report_jobs
    from generators.printing.pdf import PdfWriter
    from generators.website.render import make_environment

    env = make_environment(ROOT / "templates")
    assessments = {p.key: not_submitted(criteria, p) for p in pilots.pilots}
    public = assessment_public_jobs(env, criteria, pilots, assessments, 2026)
    restricted = assessment_report_jobs(env, pilots, assessments, model)
    assert restricted == []  # no submissions, no reports
    job = next(j for j in public if pilot.key in j.path)
    writer = PdfWriter(env, prepare_print_fonts(Path(os.environ["HANDBOOK_CACHE"]) / "fonts", [job.html]))
    return writer.render(job, forms=True)


def widgets(data: bytes):
    reader = PdfReader(io.BytesIO(data))
    for index, page in enumerate(reader.pages):
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if annot.get("/Subtype") == "/Widget":
                yield index, annot


def test_fillable_pdf_has_a_field_per_question(blank_pdf, definition):
    reader = PdfReader(io.BytesIO(blank_pdf))
    names = set(reader.get_fields())
    expected = set(PDF_IDENTITY.values())
    for q in definition.questions:
        if q.kind == "multi_choice":
            expected |= {f"{q.name}_{c.name}" for c in q.choices}
        else:
            expected.add(q.name)
    assert names == expected
    assert (round(float(reader.pages[0].mediabox.width)), round(float(reader.pages[0].mediabox.height))) == (
        595,
        842,
    )
    form = reader.trailer["/Root"]["/AcroForm"]
    assert form["/NeedAppearances"].value is False  # every field has its appearance; viewers draw ours
    font = form["/DR"]["/Font"]["/CJK"].get_object()
    cid = font["/DescendantFonts"][0].get_object()
    assert (font["/Encoding"], cid["/CIDSystemInfo"]["/Ordering"]) == ("/Identity-H", "GB1")
    assert "/FontFile2" not in cid["/FontDescriptor"] and "/FontFile3" not in cid["/FontDescriptor"]
    fields = reader.get_fields()
    assert fields["_community"]["/V"] == "杨柳社区" and fields["_form_version"]["/V"] == definition.version
    assert len(blank_pdf) < 400_000  # no whole font embedded for the fields


def test_every_box_is_tall_enough_to_write_in(blank_pdf):
    seen = 0
    for _, w in widgets(blank_pdf):
        if int(w.get("/F", 0)) & 2:  # the hidden identity fields
            continue
        x0, y0, x1, y1 = (float(v) for v in w["/Rect"])
        assert abs(y1 - y0) >= 8 * MM - 0.01 and abs(x1 - x0) >= 8 * MM - 0.01, w.get("/T")
        if w.get("/FT") == "/Btn" or "/Parent" in w:
            states = set(w["/AP"]["/N"].keys())
            assert "/Off" in states and len(states) == 2  # both appearances written
            assert w["/MK"]["/CA"] == "4"
        seen += 1
    assert seen > 50


def filled_answers():
    answers = met_answers(9)
    answers.update(
        zh_other="是",
        zh_other_detail="龍䶮㛃：2026年3月发生一起，已处置",
        mech_venues="青年之家",
        mech_linkage="否",
        mech_linkage_evidence=None,
    )
    return answers


def test_a_filled_pdf_is_ingested(tmp_path, blank_pdf, definition, criteria, pilots):
    for regenerate in (True, False):
        path = tmp_path / f"filled-{regenerate}.pdf"
        path.write_bytes(fill_pdf(blank_pdf, definition, met_answers(9), regenerate))
        a = assess(criteria, read_form_pdf(path, criteria, pilots), FACTS)
        assert a.result == MET and not a.problems
        assert [s.points for s in a.sections] == [0, 0, 11, 7]
    path.write_bytes(fill_pdf(blank_pdf, definition, filled_answers()))
    sub = read_form_pdf(path, criteria, pilots)
    a = assess(criteria, sub, FACTS)
    assert sub.answers["zh_other_detail"] == "龍䶮㛃：2026年3月发生一起，已处置"
    assert a.result == NOT_MET and [s.met for s in a.sections] == [True, False, False, True]
    assert a.sections[2].points == 7  # no linkage (2), one venue only (2)
    answers = filled_answers()
    answers.pop("zh_other_detail")
    answers["mech_volunteers"] = "十几个"
    path.write_bytes(fill_pdf(blank_pdf, definition, answers))
    problems = [str(p) for p in read_form_pdf(path, criteria, pilots).problems]
    assert any("第 11a 项（表单域 zh_other_detail）未填写" in p for p in problems)
    assert any("第 14 项（表单域 mech_volunteers）的答案无效" in p for p in problems)


def test_a_pdf_of_another_form_stops(tmp_path, blank_pdf, criteria, pilots):
    from pypdf import PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(blank_pdf)))
    writer.update_page_form_field_values(None, {"_form_version": "0123456789ab"}, auto_regenerate=False)
    path = tmp_path / "old.pdf"
    writer.write(path)
    assert "与现行自评表" in form_error(path, criteria, pilots, read_form_pdf)
    plain = PdfWriter()
    plain.add_blank_page(595, 842)
    plain.write(tmp_path / "plain.pdf")
    assert "不是本手册生成的可填写自评表" in form_error(
        tmp_path / "plain.pdf", criteria, pilots, read_form_pdf
    )


def ink(pdf: Path, page: int, rect, resolution: int = 72) -> float:
    """The share of dark pixels poppler (pdftoppm) draws inside a rectangle of a page (PDF points)."""
    height = float(PdfReader(pdf).pages[page].mediabox.height)
    x0, y0, x1, y1 = rect
    scale = resolution / 72
    out = subprocess.run(
        [
            "pdftoppm", "-gray", "-r", str(resolution), "-f", str(page + 1), "-l", str(page + 1),
            "-x", str(int(x0 * scale) + 2), "-y", str(int((height - y1) * scale) + 2),
            "-W", str(int((x1 - x0) * scale) - 4), "-H", str(int((y1 - y0) * scale) - 4), str(pdf),
        ],
        check=True,
        capture_output=True,
    ).stdout  # fmt: skip
    header_end = out.index(b"255\n") + 4  # binary PGM: P5 width height 255
    pixels = out[header_end:]
    return sum(1 for p in pixels if p < 128) / max(len(pixels), 1)


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="poppler-utils (bash bootstrap.sh test installs it)")
def test_ticks_and_typed_text_show_in_poppler(tmp_path, blank_pdf, definition):
    answers = filled_answers()
    for regenerate in (False, True):  # our appearances; and poppler drawing its own (NeedAppearances)
        path = tmp_path / f"f{regenerate}.pdf"
        path.write_bytes(fill_pdf(blank_pdf, definition, answers, regenerate))
        boxes = {}
        for index, w in widgets(path.read_bytes()):
            parent = w.get("/Parent")
            name = parent.get_object()["/T"] if parent else w.get("/T")
            states = w["/AP"]["/N"] if w.get("/FT") == "/Btn" or parent else {}
            state = next((s for s in states if s != "/Off"), None)
            boxes[(name, state)] = (index, [float(v) for v in w["/Rect"]])
        for key, ticked in [
            (("zh_other", "/yes"), True),
            (("zh_other", "/no"), False),
            (("zh_trafficking", "/no"), True),
            (("mech_venues_c1", "/Yes"), True),
            (("mech_venues_c2", "/Yes"), False),
            (("mech_linkage", "/no"), True),
        ]:
            page, rect = boxes[key]
            share = ink(path, page, rect)
            assert (share > 0.05) == ticked, (regenerate, key, share)
        # Chinese text, traditional and rare characters included, as pypdf or poppler writes it
        page, rect = boxes[("zh_other_detail", None)]
        assert ink(path, page, rect, 144) > 0.01


def test_text_fields_encode_any_character_of_the_collection(caplog, blank_pdf, definition):
    """pypdf writes a field's appearance from the /DR font's ToUnicode: no character of GB 18030 (BMP)
    is refused — simplified, traditional, CJK extension A."""
    answers = {**met_answers(9), "zh_other": "是", "zh_other_detail": "龍䶮㛃鬱龘靐齉爨，繁體字與生僻字"}
    with caplog.at_level("WARNING", logger="pypdf"):
        data = fill_pdf(blank_pdf, definition, answers, regenerate=False)
    assert not [r for r in caplog.records if "not supported by font encoding" in r.getMessage()]
    reader = PdfReader(io.BytesIO(data))
    assert reader.get_fields()["zh_other_detail"]["/V"] == answers["zh_other_detail"]


# --- the samples and the built site -------------------------------------------------------------------------
def test_shipped_samples_score_as_intended(criteria, pilots):
    results = {}
    for sub in read_submissions(DATA / "submissions", criteria, pilots):
        results[sub.pilot.community] = assess(criteria, sub, None).result
    assert results == {"杨柳社区": MET, "长岭村": NOT_MET, "凤凰村": INCOMPLETE}


def test_site_pages_and_downloads(built_site):
    html = (built_site / "assessment" / "index.html").read_text(encoding="utf-8")
    for text in (
        "杨柳社区",
        "达标",
        "未达标",
        "资料不全",
        "未提交",
        "复核期内，至 2029-03-20",
        "最常未达标或未填的项目",
    ):
        assert text in html, text
    assert "溺亡" not in html and "盗窃" not in html  # free-text details stay in restricted reports
    page = unquote((built_site / "assessment" / "2026-团结街道-杨柳社区.html").read_text(encoding="utf-8"))
    assert "示范复核" in page and "自评表.xlsx" in page and "xlsform.xlsx" in page
    assert 'id="sl-form"' in page and "../assets/forms/assessment-form.js" in page  # the browser form
    assert (built_site / "assets" / "forms" / "assessment-form.js").exists()
    downloads = built_site / "downloads" / "assessment"
    assert len(list(downloads.glob("*-自评表.pdf"))) == 4 and (downloads / "示范县-双零试点汇总.pdf").exists()
    reports = built_site.parent.parent / "restricted" / "2026-11" / "assessments"
    assert sorted(p.name for p in reports.iterdir()) == [
        "2026-团结街道-杨柳社区-评估报告.pdf",
        "2026-高峰镇-凤凰村-评估报告.pdf",
        "2026-高峰镇-长岭村-评估报告.pdf",
    ]
    text = "".join(p.extract_text() for p in PdfReader(reports / "2026-高峰镇-长岭村-评估报告.pdf").pages)
    assert "结果：未达标" in text and "与台账不一致" in text and "溺亡" in text


def test_a_form_workbook_is_made_again_only_when_its_definition_changes(definition, tmp_path):
    from generators.core.cache import KeyedFiles
    from generators.pipeline import made_once

    made: list[str] = []

    def workbook(d):
        made.append(d.pilot.community)
        return assessment_workbook(d)

    first = made_once(KeyedFiles(tmp_path), workbook, definition)
    assert made_once(KeyedFiles(tmp_path), workbook, definition) == first == assessment_workbook(definition)
    assert len(made) == 1
    other = dataclasses.replace(definition, version="another")
    assert made_once(KeyedFiles(tmp_path), workbook, other) == assessment_workbook(other)
    assert len(made) == 2
