"""双零 self-assessment: criteria from 004, forms in three formats, ingest, gates and scores, reports."""

from __future__ import annotations

import datetime as dt
import io
import shutil
from urllib.parse import unquote

import openpyxl
import pytest
from pypdf import PdfReader

from generators.assessment.criteria import read_criteria, read_pilots
from generators.assessment.forms import assessment_workbook, xlsform_workbook
from generators.assessment.ingest import read_form_csv, read_form_xlsx, read_submissions
from generators.assessment.layout import FIRST_ROW, INFO_SHEET
from generators.assessment.scoring import INCOMPLETE, MET, NOT_MET, assess, registry_facts
from generators.core.errors import InputError
from generators.registry.model import Case, RowRef
from tests.assessment_fixtures import kobo_csv, met_answers
from tests.conftest import ROOT

DATA = ROOT / "data" / "assessment"


@pytest.fixture(scope="module")
def criteria(model):
    return read_criteria(DATA / "criteria.yaml", model)


@pytest.fixture(scope="module")
def pilots():
    return read_pilots(DATA / "pilots.yaml")


@pytest.fixture(scope="module")
def pilot(pilots):
    return next(p for p in pilots.pilots if p.community == "杨柳社区")


FACTS = {"key_youth": 9, "deaths": 0, "as_of": dt.date(2026, 10, 31)}


@pytest.fixture
def fill(tmp_path, criteria, pilot, model, pilots):
    def run(**changes):
        answers = {**met_answers(9), **changes}
        path = tmp_path / "form.xlsx"
        path.write_bytes(assessment_workbook(criteria, pilot, model, answers))
        return path

    return run


def score(path, criteria, pilots, facts=FACTS):
    return assess(criteria, read_form_xlsx(path, criteria, pilots), facts)


# --- criteria -----------------------------------------------------------------------------------------------
def test_criteria_cover_the_goals_of_004(criteria):
    ids = [c.id for c in criteria.items]
    harms = [c for c in criteria.items if c.section == "zero_harm"]
    assert len(harms) == 8 and all(c.is_gate and c.answer == "yes_no" and c.detail for c in harms)
    assert {"zc_convicted", "zc_under_age", "mech_files", "wc_education", "wc_judicial"} <= set(ids)
    assert str(criteria.item("zc_convicted").source) == "shuangling-2017#3-1-p1"
    assert "不满25周岁" in criteria.youth and str(criteria.youth_source) == "shuangling-2017#3-3-p2"
    assert all(c.quote for c in criteria.items)


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


def test_more_than_three_pilots_a_year_is_refused(tmp_path):
    text = (DATA / "pilots.yaml").read_text(encoding="utf-8")
    text += "  - {township: 团结街道, community: 石桥社区, year: 2026, phase: 申报}\n"
    (tmp_path / "pilots.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match="每个县（区）每期不超过 3 个社区（村）"):
        read_pilots(tmp_path / "pilots.yaml")


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


def test_a_case_without_its_description_is_a_problem(fill, criteria, pilots):
    a = score(fill(zh_other="是"), criteria, pilots)
    assert a.result == NOT_MET
    assert any(
        "第 11 项（zh_other）答“是”或大于 0，须说明情况" in p and "G（情况说明）" in p for p in a.problems
    )


def test_points_below_the_pass_mark(fill, criteria, pilots):
    a = score(fill(mech_linkage="否", mech_venues="青年之家", mech_social_workers=0), criteria, pilots)
    mech = a.sections[2]
    assert (mech.points, mech.met, a.result) == (6, False, NOT_MET)
    assert "稳定的工作机制、队伍和阵地得分 6，低于 8 分" in a.fixes


def test_missing_answers_are_never_scored_as_zero_or_met(fill, criteria, pilots):
    a = score(fill(mech_info_system=None, wc_evidence=None), criteria, pilots)
    assert a.result == INCOMPLETE
    assert [s.status for s in a.sections] == ["达成", "达成", "不能判定", "不能判定"]
    assert "补填第 20 项：是否借助综治信息系统等平台掌握辖区青少年基本状况、实行动态监测和动态管理" in a.fixes


@pytest.mark.parametrize(
    "change,row,message",
    [
        (dict(zc_convicted=-1), 1, "应为 0 或以上的整数"),
        (dict(mech_volunteers="十几个"), 14, "应为 0 或以上的整数"),
        (dict(mech_files=12), 19, "不能大于第 18 项"),
        (dict(mech_started=dt.datetime(2025, 12, 1)), 21, "应在试点年度 2026 年内"),
        (dict(mech_venues="青年之家、网吧"), 15, "“网吧”不是可选的值"),
        (dict(zh_neglect="没有"), 8, "应为“是”或“否”"),
        (dict(wc_evidence=None), 26, "是必填项，未填写"),
    ],
    ids=[
        "negative",
        "not a number",
        "above its total",
        "outside the year",
        "unknown choice",
        "yes/no",
        "required",
    ],
)
def test_bad_answers_name_item_and_cell(fill, criteria, pilots, change, row, message):
    sub = read_form_xlsx(fill(**change), criteria, pilots)
    problem = next(p for p in sub.problems if message in p.message)
    assert (problem.sheet, problem.row, problem.column) == ("自评表", FIRST_ROW + row - 1, "F（答案）")
    assert f"第 {row} 项" in problem.message and problem.file.endswith("form.xlsx")
    assert assess(criteria, sub, FACTS).result in (INCOMPLETE, NOT_MET)


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


def test_changed_structure_stops(fill, criteria, pilots):
    path = fill()
    wb = openpyxl.load_workbook(path)
    wb["自评表"].delete_rows(FIRST_ROW + 3)
    wb.save(path)
    text = form_error(path, criteria, pilots)
    assert "表格结构被改动" in text and f"第 {FIRST_ROW + 3} 行" in text and "zh_domestic_violence" in text
    path = fill()
    wb = openpyxl.load_workbook(path)
    wb[INFO_SHEET]["B2"] = "000000000000"
    wb.save(path)
    assert "与现行自评标准" in form_error(path, criteria, pilots)


def test_a_workbook_that_is_not_the_form_stops(tmp_path, criteria, pilots):
    openpyxl.Workbook().save(tmp_path / "x.xlsx")
    assert "不是本手册生成的自评表" in form_error(tmp_path / "x.xlsx", criteria, pilots)


def test_form_locks_questions_and_validates_answers(fill):
    wb = openpyxl.load_workbook(fill())
    ws = wb["自评表"]
    assert ws.protection.sheet and ws.cell(FIRST_ROW, 4).protection.locked
    assert not ws.cell(FIRST_ROW, 6).protection.locked and not ws.cell(FIRST_ROW, 7).protection.locked
    kinds = {dv.type for dv in ws.data_validations.dataValidation}
    assert {"list", "whole", "date"} <= kinds
    assert ws["B3"].value == "杨柳社区" and ws["B4"].value == 2026
    assert wb[INFO_SHEET].sheet_state == "veryHidden"


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


def test_kobo_export_errors(tmp_path, criteria, pilots, pilot):
    text = kobo_csv(criteria, pilot, met_answers(9))
    path = tmp_path / "kobo.csv"
    path.write_text(text.replace("mechanism/mech_files,", "mechanism/files,"), encoding="utf-8")
    assert "缺少字段：mech_files" in form_error(path, criteria, pilots, read_form_csv)
    path.write_text(text + text.splitlines()[1] + "\n", encoding="utf-8")
    assert "应有 1 条提交记录，实际有 2 条" in form_error(path, criteria, pilots, read_form_csv)
    path.write_text(text.replace(",杨柳社区,", ",石桥社区,"), encoding="utf-8")
    assert "不在试点名单中" in form_error(path, criteria, pilots, read_form_csv)


def test_two_forms_for_one_community_stop(tmp_path, fill, criteria, pilots, pilot):
    shutil.copy(fill(), tmp_path / "a.xlsx")
    (tmp_path / "b.csv").write_text(kobo_csv(criteria, pilot, met_answers(9)), encoding="utf-8")
    with pytest.raises(InputError, match="同一社区同一年度的自评表"):
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


# --- the other two formats ----------------------------------------------------------------------------------
def test_xlsform_converts_with_pyxform(tmp_path, criteria, pilot, model):
    from pyxform.xls2xform import convert

    path = tmp_path / "form.xlsx"
    path.write_bytes(xlsform_workbook(criteria, pilot, model))
    warnings: list[str] = []
    xform = convert(xlsform=str(path), validate=False, warnings=warnings).xform
    assert warnings == []
    xform = xform.replace("&apos;", "'")
    assert (
        'nodeset="/data/zero_harm/zh_trafficking_detail" type="string" required="true()" '
        "relevant=\" /data/zero_harm/zh_trafficking  = 'yes'\""
    ) in xform  # skip logic: a harm asks for details
    assert f'id="{pilot.form_id}"' in xform
    assert 'required="true()"' in xform and ". &gt;= 0" in xform
    assert "date('2026-01-01')" in xform


def test_fillable_pdf_has_the_fields(model, criteria, pilots, pilot):
    from generators.assessment.scoring import not_submitted
    from generators.printing.fonts import prepare_print_fonts
    from generators.printing.jobs import assessment_print_jobs
    from generators.printing.pdf import PdfWriter
    from generators.website.render import make_environment

    env = make_environment(ROOT / "templates")
    assessments = {p.key: not_submitted(criteria, p) for p in pilots.pilots}
    public, restricted = assessment_print_jobs(env, criteria, pilots, assessments, model, 2026)
    job = next(j for j in public if pilot.key in j.path)
    writer = PdfWriter(env, prepare_print_fonts(ROOT / ".cache" / "fonts", [job.html]))
    reader = PdfReader(io.BytesIO(writer.render(job, forms=True)))
    names = set(reader.get_fields())
    assert {c.id for c in criteria.items if c.answer not in ("multi_choice",)} <= names
    assert {c.detail_id for c in criteria.items if c.detail} <= names
    assert {"mech_forces_c1", "mech_venues_c6"} <= names
    assert restricted == []  # no submissions, no reports
    assert (round(float(reader.pages[0].mediabox.width)), round(float(reader.pages[0].mediabox.height))) == (
        595,
        842,
    )


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
