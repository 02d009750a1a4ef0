"""The vocabulary lives in data/: a word added there is read without touching code; unit levels; phrases;
nothing unread goes unreported."""

from __future__ import annotations

import pytest

from generators import cli
from generators.config.paths import DataPaths
from generators.policy.build import build_policy_model
from generators.policy.corpus import read_units
from generators.policy.model import Role
from generators.policy.phrases import age_bound, cadences_in, deadlines_in
from generators.policy.units import UnitResolver
from generators.policy.vocabulary import read_vocabulary
from tests.conftest import ROOT

HEADER = "---\nid: new\ntitle: 新镇方案\nshort: 新镇\nlevel: 乡镇\nlocality: 新镇\nsource_file: f\n---\n"


def write_policy(data, body: str) -> None:
    for old in (data / "policies").glob("*.txt"):
        old.unlink()
    (data / "policies" / "900-new.txt").write_text(HEADER + body, encoding="utf-8")
    (data / "overrides.yaml").write_text("overrides: []\n", encoding="utf-8")  # they rest on the seeds
    (data / "coverage.yaml").write_text("explained: []\n", encoding="utf-8")


@pytest.fixture(scope="module")
def vocabulary():
    return read_vocabulary(ROOT / "data" / "vocabulary.yaml")


def test_a_role_word_added_to_the_vocabulary_is_read(data_copy):
    body = "一、分工\n（一）加强法治宣传\n督办单位：镇司法所\n"
    write_policy(data_copy, body)
    before = build_policy_model(DataPaths(data_copy))
    assert not [a for a in before.assignments if a.unit == "judicial"]
    vocab = data_copy / "vocabulary.yaml"
    text = vocab.read_text(encoding="utf-8")
    vocab.write_text(text.replace("role_words:\n", "role_words:\n  督办: lead\n"), encoding="utf-8")
    after = build_policy_model(DataPaths(data_copy))
    [a] = [a for a in after.assignments if a.unit == "judicial"]
    assert (a.role, a.word, a.level) == (Role.LEAD, "督办单位", "乡镇")
    assert [t.title for t in after.tasks] == ["加强法治宣传"]  # a work area: its heading is the task


def test_a_cadence_word_added_to_the_vocabulary_is_read(data_copy):
    write_policy(data_copy, "一、要求\n镇团委每旬调度一次工作进展。\n")
    assert build_policy_model(DataPaths(data_copy)).cadences == []
    vocab = data_copy / "vocabulary.yaml"
    text = vocab.read_text(encoding="utf-8")
    vocab.write_text(text.replace("cadences:\n", "cadences:\n  - {kind: weekly, words: [每旬]}\n"), "utf-8")
    [c] = build_policy_model(DataPaths(data_copy)).cadences
    assert (c.kind, c.units) == ("weekly", ("youth-league",))


@pytest.mark.parametrize(
    "text, unit, level",
    [
        ("县民政局", "civil-affairs", "区县"),
        ("镇民政办", "civil-affairs", "乡镇"),
        ("乡社会事务办", "civil-affairs", "乡镇"),
        ("街道民政办", "civil-affairs", "街道"),
        ("民政办（未成年人保护工作站）", "civil-affairs", None),
        ("区公安分局", "police", "区县"),
        ("新镇派出所", "police", "乡镇"),
        ("城关镇派出所", "police", "乡镇"),
        ("团县委", "youth-league", "区县"),
        ("县委政法委", "public-safety", "区县"),
        ("县科协", "science", "区县"),
        ("县人民检察院", "procuratorate", "区县"),
        ("县人民法院", "court", "区县"),
        ("县人力资源和社会保障局", "social-security", "区县"),
        ("某某县第一中学", "schools", "学校"),
        ("乡中心学校", "schools", "学校"),
        ("县教育局", "schools", "区县"),
        ("各村（居）委会", "communities", "村"),
        ("社区卫生服务中心", "health", None),
        ("县融媒体中心", None, None),
        ("各镇（街道）", None, None),
    ],
)
def test_units_resolve_with_the_level_their_wording_names(vocabulary, text, unit, level):
    resolver = UnitResolver(read_units(ROOT / "data" / "units.yaml"), vocabulary, "新镇")
    res = resolver.resolve(text)
    assert (res.unit, res.level) == (unit, level)


@pytest.mark.parametrize(
    "text, bound",
    [
        ("8周岁以上（含）不满16周岁", (8, True, 16, False)),
        ("年满十四周岁不满十八周岁", (14, True, 18, False)),
        ("12至18周岁", (12, True, 18, True)),
        ("14周岁以上（含）28周岁以下（含）", (14, True, 28, True)),
        ("十六周岁以上二十五周岁以下", (16, True, 25, True)),  # 以上/以下 include the number
        ("年龄在十六周岁以下", (None, False, 16, True)),
        ("未满十八周岁", (None, False, 18, False)),
        ("14周岁以上（不含）", (14, False, None, False)),
        ("6周岁（含）至16周岁（不含）", (6, True, 16, False)),
        ("6周岁至不满16周岁", (6, True, 16, False)),
        ("年龄在十四周岁至十八周岁之间", (14, True, 18, True)),
        ("不超过二十五周岁", (None, False, 25, True)),
        ("年满十四周岁、不超过二十五周岁", (14, True, 25, True)),
    ],
)
def test_age_bounds_keep_inclusive_and_exclusive(text, bound):
    assert age_bound(text).key() == bound


def test_cadences_and_deadlines(vocabulary):
    kinds = lambda t: [(c.kind, c.times) for c in cadences_in(t, vocabulary)]  # noqa: E731
    assert kinds("每两周开展一次") == [("biweekly", None)]
    assert kinds("每两个月走访一次") == [("bimonthly", None)]
    assert kinds("每年至少开展三次法治宣传") == [("yearly", 3)]
    assert kinds("每年不少于2次") == [("yearly", 2)]
    assert kinds("每学期开展一次") == [("per-term", None)]
    assert kinds("每年4月底前完成核查") == []  # a deadline
    assert kinds("每年寒暑假是溺水事故易发期") == []  # a statement
    found = [
        (d.kind, d.year, d.month, d.day, d.amount, d.unit)
        for d in deadlines_in(
            "2026年9月底前建成，每年11月20日前报送，24小时内报告，5个工作日内办结，7日内回访", vocabulary
        )
    ]
    assert found == [
        ("dated", 2026, 9, None, None, None),
        ("dated-yearly", None, 11, 20, None, None),
        ("relative", None, None, None, 24, "hours"),
        ("relative", None, None, None, 5, "workdays"),
        ("relative", None, None, None, 7, "days"),
    ]
    assert deadlines_in("长期坚持，立即报告，当日告知，（2025年4月—5月）", vocabulary) == []


def test_a_bracket_of_unknown_units_keeps_them_as_unmatched(data_copy):
    write_policy(data_copy, "一、任务\n（一）闲散青少年\n1.开展技能培训（镇农技站、镇水利站）\n")
    model = build_policy_model(DataPaths(data_copy))
    assert [t.title for t in model.tasks] == ["开展技能培训"]
    assert [(m.text, m.source.clause) for m in model.unmatched] == [
        ("镇农技站", "1-1-1"),
        ("镇水利站", "1-1-1"),
    ]


def test_check_fails_on_unread_clauses_until_explained(data_copy, tmp_path, capsys):
    write_policy(data_copy, "一、要求\n困境儿童和留守儿童的情况要及时掌握。\n")
    args = ["check", "--data", str(data_copy), "--build-dir", str(tmp_path / "b")]
    assert cli.main(args) == 1
    out = capsys.readouterr().out
    assert "未读出内容的条款：new#1-p1" in out and "群体：困境儿童" in out and "未读条款 1" in out
    (data_copy / "coverage.yaml").write_text(
        "explained:\n  - clause: new#1\n    why: 原则性要求，没有单位。\n", encoding="utf-8"
    )
    assert cli.main(args) == 0
    assert "未读条款 0（已说明 1）" in capsys.readouterr().out


def test_the_seeds_pass_check_on_the_default_data(capsys):
    assert cli.main(["check"]) == 0
    assert "检查通过" in capsys.readouterr().out


def test_calendar_and_coverage_pages_show_deadlines_and_unread_clauses():
    from generators.policy.work_calendar import work_calendar
    from generators.website.pages import SiteCiter, calendar_page, coverage_page
    from generators.website.render import make_environment, render_pages
    from tests.policy_corpus_report import measure

    _, _, model = measure(ROOT / "tests" / "corpus" / "policies")
    citer = SiteCiter(model)
    pages = [calendar_page(model, work_calendar(model), citer), coverage_page(model, citer)]
    calendar, coverage = render_pages(make_environment(ROOT / "templates"), pages).values()
    assert "## 完成时限（按月）" in calendar and "每年4月底前" in calendar and "2026年9月底前" in calendar
    assert "## 响应时限" in calendar and "24小时内" in calendar
    assert "县融媒体中心" in coverage and "未读出内容的条款" in coverage and "**未说明**" in coverage
