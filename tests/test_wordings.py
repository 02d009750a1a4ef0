"""Each kind of wording the extraction reads, on small texts written for the test: paraphrased group
headings, role labels and sentences, duty labels, definitions, tables as Word/WPS text gives them, and the
coverage report for time phrases nothing read."""

from __future__ import annotations

import pytest

from generators.policy.build import documents_of, extract_model
from generators.policy.corpus import read_groups, read_policy_file, read_units
from generators.policy.model import PolicyModel
from generators.policy.vocabulary import read_vocabulary
from tests.conftest import ROOT

DATA = ROOT / "data"


@pytest.fixture(scope="module")
def read(tmp_path_factory):
    catalogue = read_units(DATA / "units.yaml")
    groups = read_groups(DATA / "groups.yaml")
    vocabulary = read_vocabulary(DATA / "vocabulary.yaml")
    folder = tmp_path_factory.mktemp("texts")

    def run(body: str, locality: str = "新镇", level: str = "乡镇") -> PolicyModel:
        path = folder / "900-new.txt"
        header = f"---\nid: new\ntitle: 方案\nshort: 方案\nlevel: {level}\nlocality: {locality}\n"
        header += "source_file: f\n---\n"
        path.write_text(header + body, encoding="utf-8")
        return extract_model(documents_of([read_policy_file(path)]), catalogue, groups, vocabulary)

    return run


def roles(model: PolicyModel) -> set[tuple]:
    """(group or task clause or 'overall', unit, role, word) of every fact but units a task merely names."""
    return {
        (a.task or a.group or "overall", a.unit, a.role.value, a.word)
        for a in model.assignments
        if a.role.value not in ("named",)
    }


def test_a_heading_that_paraphrases_a_group_makes_its_section(read):
    model = read(
        "一、分类帮扶\n（一）关于有不良行为和严重不良行为的未成年人\n牵头单位：镇派出所\n"
        "（二）服刑人员和强制隔离戒毒人员未成年子女\n牵头单位：镇司法所\n"
        "（三）流浪乞讨和离家出走未成年人\n牵头单位：镇民政办\n"
        "（四）闲散未就业青少年服务\n牵头单位：镇团委\n"
        "（五）留守儿童和困境儿童\n牵头单位：镇妇联\n"
    )
    assert roles(model) == {
        ("misconduct", "police", "lead", "牵头单位"),
        ("prisoners-children", "judicial", "lead", "牵头单位"),
        ("street-children", "civil-affairs", "lead", "牵头单位"),
        ("idle", "youth-league", "lead", "牵头单位"),
        ("1-5", "womens-federation", "lead", "牵头单位"),  # two groups: a work area, its heading the task
    }


@pytest.mark.parametrize(
    "bracket, expected",
    [
        (
            "（主办：镇妇联　承办：镇关工委、镇图书馆）",
            {("womens-federation", "lead", "主办"), ("care-committee", "responsible", "承办")},
        ),
        (
            "（牵头单位：镇卫生院 协办单位：镇中心校）",
            {("health", "lead", "牵头单位"), ("schools", "responsible", "协办单位")},
        ),
        (
            "(牵头:镇司法所;配合:镇团委,镇妇联)",
            {
                ("judicial", "lead", "牵头"),
                ("youth-league", "responsible", "配合"),
                ("womens-federation", "responsible", "配合"),
            },
        ),
        (
            "【牵头单位：镇民政办；协作单位：各村】",
            {("civil-affairs", "lead", "牵头单位"), ("communities", "responsible", "协作单位")},
        ),
        (
            "（镇司法所牵头，镇团委、镇妇联配合）",
            {
                ("judicial", "lead", None),
                ("youth-league", "responsible", None),
                ("womens-federation", "responsible", None),
            },
        ),
        (
            "（镇民政办负责牵头，镇妇联配合）",
            {("civil-affairs", "lead", None), ("womens-federation", "responsible", None)},
        ),
        ("（镇派出所 镇民政办）", {("police", "task", None), ("civil-affairs", "task", None)}),
    ],
)
def test_a_task_bracket_in_any_spelling(read, bracket, expected):
    model = read(f"一、任务\n（一）开展关爱行动。每月走访一次。{bracket}\n")
    assert {(u, r, w) for _, u, r, w in roles(model)} == expected
    assert {m.text for m in model.unmatched} <= {"镇图书馆"}
    [cadence] = model.cadences
    assert set(cadence.units) == {u for u, _, _ in expected}


def test_labels_after_a_task_and_a_lead_marked_in_a_list(read):
    model = read(
        "一、任务\n（一）闲散青少年\n责任单位：镇派出所（牵头）、镇司法所\n"
        "1.建立信息台账，每季度更新一次。责任单位：镇民政办、各村。\n"
    )
    assert roles(model) == {
        ("idle", "police", "lead", "牵头"),
        ("idle", "judicial", "responsible", "责任单位"),
        ("1-1-1", "civil-affairs", "responsible", "责任单位"),
        ("1-1-1", "communities", "responsible", "责任单位"),
    }
    [cadence] = model.cadences
    assert cadence.units == ("civil-affairs", "communities")


@pytest.mark.parametrize(
    "sentence, expected",
    [
        (
            "创建工作在镇综治办统筹下，由镇团委牵头，镇派出所、镇司法所配合。",
            {
                ("public-safety", "lead"),
                ("youth-league", "lead"),
                ("police", "responsible"),
                ("judicial", "responsible"),
            },
        ),
        (
            "本方案各项工作由镇团委牵头抓总，镇综治中心、镇民政办协同推进，镇属各单位各负其责。",
            {("youth-league", "lead"), ("public-safety", "responsible"), ("civil-affairs", "responsible")},
        ),
        (
            "在县委统一领导下，县委政法委负责总体协调，团县委负责组织实施，各成员单位按职责分工推进。",
            {("public-safety", "lead"), ("youth-league", "responsible")},
        ),
        (
            "由镇综治办牵头抓总，镇团委、镇民政所具体负责日常工作。",
            {("public-safety", "lead"), ("youth-league", "responsible"), ("civil-affairs", "responsible")},
        ),
        (
            "县民政局为牵头单位，县公安局、县卫生健康局为责任单位。",
            {("civil-affairs", "lead"), ("police", "responsible"), ("health", "responsible")},
        ),
        (
            "此项工作由县民政局负责，县妇联配合。",
            {("civil-affairs", "lead"), ("womens-federation", "responsible")},
        ),
        ("由教管中心统筹安排，公安部门牵头开展的工作要落实。", set()),
    ],
)
def test_role_sentences_are_read_where_they_start_after_a_boundary(read, sentence, expected):
    model = read(f"一、组织领导\n{sentence}\n", locality="新县", level="区县")
    assert {(u, r) for g, u, r, _ in roles(model) if g == "overall"} == expected


def test_the_words_before_a_role_sentence_name_its_groups(read):
    model = read(
        "一、分工\n（二）分类负责。闲散青少年服务管理由镇团委牵头，镇人社所配合；"
        "农村留守儿童和困境儿童关爱保护由镇民政办牵头，镇妇联配合。\n"
        "二、职责分工\n1.服刑人员的未成年子女：由镇司法所牵头，镇民政办配合。\n"
    )
    assert roles(model) == {
        ("idle", "youth-league", "lead", None),
        ("idle", "social-security", "responsible", None),
        ("left-behind", "civil-affairs", "lead", None),
        ("left-behind", "womens-federation", "responsible", None),
        ("distressed", "civil-affairs", "lead", None),
        ("distressed", "womens-federation", "responsible", None),
        ("prisoners-children", "judicial", "lead", None),
        ("prisoners-children", "civil-affairs", "responsible", None),
    }


def test_an_item_that_defines_a_group_gives_it_roles_and_cadences(read):
    model = read(
        "一、分类帮扶\n1.闲散青少年。指不在学、无业的十四至二十五周岁青少年。由镇人社所牵头，镇团委配合，"
        "每两个月开展一次走访。\n"
    )
    assert roles(model) == {
        ("idle", "social-security", "lead", None),
        ("idle", "youth-league", "responsible", None),
    }
    [cadence] = model.cadences
    assert (cadence.kind, cadence.group, cadence.for_group, cadence.task) == ("bimonthly", "idle", True, None)
    [definition] = [d for d in model.definitions if d.definition]
    assert definition.age.key() == (14, True, 25, True)


@pytest.mark.parametrize(
    "paragraph, unit",
    [
        ("（一）镇民政办。负责困境儿童排查，每月汇总一次。", "civil-affairs"),
        ("1.【镇派出所】依法办理侵害未成年人案件，每月巡查一次。", "police"),
        ("2.镇综治中心——将留守儿童家庭纳入网格走访，每月上门一次。", "public-safety"),
        ("3.镇妇联 负责家庭教育指导，每月举办一次家长课堂。", "womens-federation"),
        ("4.镇卫生院负责健康档案，每月随访一次。", "health"),
        ("（五）镇团委职责：组织志愿者结对，每月开展一次活动。", "youth-league"),
    ],
)
def test_a_duty_paragraph_sets_its_unit_apart_in_any_way(read, paragraph, unit):
    model = read(f"三、部门职责\n{paragraph}\n")
    assert {(a.unit, a.role.value) for a in model.assignments} == {(unit, "duty")}
    [cadence] = model.cadences
    assert (cadence.units, cadence.duty) == ((unit,), True)


def test_an_unknown_duty_holder_is_reported(read):
    model = read(
        "三、部门职责\n（十二）新镇新时代文明实践所。负责组织志愿服务。\n（十三）新镇城管执法中队。负责校园周边整治。\n"
    )
    assert [m.text for m in model.unmatched] == ["新镇新时代文明实践所", "新镇城管执法中队"]


@pytest.mark.parametrize(
    "text, group, bound",
    [
        (
            "本镇户籍、已满十四周岁未满十八周岁、不在校且未就业的青少年（以下简称闲散青少年），是帮扶重点。",
            "idle",
            (14, True, 18, False),
        ),
        (
            "所称有不良行为和严重不良行为的未成年人，指六至十八周岁之间，有吸烟饮酒等不良行为的未成年人。",
            "misconduct",
            (6, True, 18, True),
        ),
        (
            "农村留守儿童一般指父母均外出务工，年龄为六周岁以上（含）不满十六周岁的农村户籍儿童。",
            "left-behind",
            (6, True, 16, False),
        ),
        (
            "（三）留守儿童——父母双方外出务工，年龄在六周岁以上十六周岁以下的儿童。",
            "left-behind",
            (6, True, 16, True),
        ),
        (
            "失管闲散未成年人，本方案中特指年满十六周岁、未满十八周岁，既未入学也未就业的未成年人。",
            "idle",
            (16, True, 18, False),
        ),
        (
            "父母一方或双方在监狱服刑、未满十八周岁的子女，统称服刑在押人员未成年子女。",
            "prisoners-children",
            (None, False, 18, False),
        ),
        ("重点群体包括：闲散青少年（指6至25周岁、不在学且未就业的青少年）。", "idle", (6, True, 25, True)),
        ("孤儿，即父母双方死亡的不满十八周岁的未成年人。", "orphans", (None, False, 18, False)),
        (
            "农村留守儿童指的是父母双方外出务工、不满16周岁的农村儿童。",
            "left-behind",
            (None, False, 16, False),
        ),
    ],
)
def test_definitions_name_their_group_before_or_after(read, text, group, bound):
    model = read(f"一、对象\n{text}\n")
    [found] = [d for d in model.definitions if d.definition]
    assert (found.group, found.age.key() if found.age else None, found.age_scope) == (group, bound, "group")
    assert model.document_ages == []


def test_a_document_wide_age_refers_to_the_text_and_defines_no_group(read):
    model = read(
        "一、保护对象\n本方案保护对象为辖区内不满十八周岁的未成年人，重点关注以下几类：\n"
        "（一）失管闲散未成年人，本方案中特指年满十六周岁、未满十八周岁，既未入学也未就业的未成年人。\n"
    )
    [document] = model.document_ages
    assert document.age.key() == (None, False, 18, False)
    [idle] = [d for d in model.definitions if d.group == "idle"]
    assert (idle.age.key(), idle.age_scope) == ((16, True, 18, False), "group")


def test_definitions_in_an_appendix_under_its_title(read):
    model = read(
        "一、工作\n各社区每月走访一次。\n附件\n名词解释\n1.留守儿童。父母双方外出务工、不满16周岁的儿童。\n"
        "2.孤儿。父母双方死亡的未成年人。\n"
    )
    assert {d.group for d in model.definitions if d.definition} == {"left-behind", "orphans"}


TABLE = "序号\t工作任务\t牵头单位\t配合单位\t完成时限\n"


@pytest.mark.parametrize(
    "rows, expected",
    [
        # a tab keeps an empty cell: the date is no unit
        (
            "1\t开展残疾儿童康复救助\t县残联\t\t2025年9月30日前\n",
            ({("disabled-federation", "lead")}, [(2025, 9, 30)]),
        ),
        # runs of spaces lose it: the date goes to the column it fits
        (
            "1    开展残疾儿童康复救助    县残联    2025年9月30日前\n",
            ({("disabled-federation", "lead")}, [(2025, 9, 30)]),
        ),
        # a task cell broken over two lines
        (
            "1\t建立困境儿童信息台账，每季度\n更新一次\t县民政局\t县教育局\t长期坚持\n",
            ({("civil-affairs", "lead"), ("schools", "responsible")}, []),
        ),
    ],
)
def test_table_rows_as_word_and_wps_give_them(read, rows, expected):
    model = read("附件\n任务分工表\n" + TABLE + rows, locality="新县", level="区县")
    assert {(a.unit, a.role.value) for a in model.assignments} == expected[0]
    assert [(d.year, d.month, d.day) for d in model.deadlines] == expected[1]
    assert model.unmatched == [] and len(model.tasks) == 1


def test_a_table_with_two_text_columns_and_roles_in_one_cell(read):
    model = read(
        "附件\n| 序号 | 重点工作 | 具体措施 | 责任单位 | 时间节点 |\n| --- | --- | --- | --- | --- |\n"
        "| 1 | 摸清底数 | 开展排查，每季度更新一次 | 团县委牵头，县公安局、县民政局配合 | 2025年6月底前 |\n"
        "| 2 | 就业帮扶 | 每年举办不少于2场招聘会 | 县人社局（牵头）、县总工会 | 每年10月底前 |\n",
        locality="新县",
        level="区县",
    )
    assert [t.title for t in model.tasks] == ["摸清底数", "就业帮扶"]
    assert {(a.unit, a.role.value, a.word) for a in model.assignments} == {
        ("youth-league", "lead", None),
        ("police", "responsible", None),
        ("civil-affairs", "responsible", None),
        ("social-security", "lead", "牵头"),
        ("trade-union", "responsible", "责任单位"),
    }
    assert [(c.kind, c.times, len(c.units)) for c in model.cadences] == [
        ("quarterly", None, 3),
        ("yearly", 2, 2),
    ]


def test_a_time_phrase_nothing_read_is_in_the_coverage_report(read):
    model = read("一、要求\n镇团委每旬调度一次，每月通报一次。\n")
    assert [c.kind for c in model.cadences] == ["monthly"]
    [unread] = model.unread
    assert (unread.seen, unread.partial) == (("时间：每旬",), True)


def test_a_duty_table_gives_each_unit_its_duties(read):
    model = read(
        "三、部门职责\n序号\t责任单位\t主要职责\n1\t街道民政办\t负责困境儿童分类保障，每月更新一次台账\n"
        "2\t街道派出所、街道司法所\t对有不良行为的未成年人开展训诫教育\n3\t街道青少年活动中心\t提供免费兴趣课程\n",
        locality="新街道",
        level="街道",
    )
    assert {(a.unit, a.role.value, a.group) for a in model.assignments} == {
        ("civil-affairs", "duty", "distressed"),
        ("police", "duty", "misconduct"),
        ("judicial", "duty", "misconduct"),
    }
    assert [m.text for m in model.unmatched] == ["街道青少年活动中心"]
    [cadence] = model.cadences
    assert (cadence.units, cadence.duty) == (("civil-affairs",), True)


def test_a_task_table_whose_unit_column_has_no_role_word(read):
    model = read(
        "附件\n序号  工作任务  实施单位  完成时限\n1  开展法治宣传  县司法局、团县委  每年6月底前\n",
        "新县",
        "区县",
    )
    assert {(a.unit, a.role.value, a.word) for a in model.assignments} == {
        ("judicial", "responsible", "实施单位"),
        ("youth-league", "responsible", "实施单位"),
    }


def test_a_time_beside_the_units_of_a_task_is_its_deadline(read):
    model = read(
        "一、任务\n（一）开展排查。（牵头单位：县民政局；完成时限：2025年6月底前）\n"
        "（二）建立台账。（县妇联、2025年9月30日前）\n",
        "新县",
        "区县",
    )
    assert {(a.task, a.unit, a.role.value) for a in model.assignments} == {
        ("1-1", "civil-affairs", "lead"),
        ("1-2", "womens-federation", "task"),
    }
    assert [(d.task, d.year, d.month, d.day, d.units) for d in model.deadlines] == [
        ("1-1", 2025, 6, None, ("civil-affairs",)),
        ("1-2", 2025, 9, 30, ("womens-federation",)),
    ]
    assert model.unmatched == []


def test_cadences_in_a_table_time_column_and_minimum_counts(read):
    model = read(
        "附件\n序号  工作任务  牵头单位  完成时限\n1  召开联席会议  县民政局  每季度\n"
        "2  开展普法宣传，每年开展2次以上  县司法局  长期坚持\n",
        "新县",
        "区县",
    )
    assert [(c.kind, c.times, c.units) for c in model.cadences] == [
        ("quarterly", None, ("civil-affairs",)),
        ("yearly", 2, ("judicial",)),
    ]


def test_cues_name_a_group_only_in_a_heading_about_people(read):
    model = read(
        "一、任务\n（一）加强困境帮扶工作\n牵头单位：镇民政办\n（二）困境家庭儿童\n牵头单位：镇妇联\n"
    )
    assert {(a.task or a.group, a.unit) for a in model.assignments} == {
        ("1-1", "civil-affairs"),
        ("distressed", "womens-federation"),
    }


def test_a_purpose_clause_before_a_role_sentence_is_not_its_topic(read):
    model = read("一、组织领导\n为做好留守儿童关爱工作，由镇民政办牵头，各村配合。\n")
    assert {(a.group, a.unit, a.role.value) for a in model.assignments} == {
        (None, "civil-affairs", "lead"),
        (None, "communities", "responsible"),
    }


def test_a_sentence_about_one_group_states_no_document_wide_age(read):
    model = read("一、对象\n本方案重点关注十六周岁以上的闲散青少年。\n")
    assert model.document_ages == []


def test_items_numbered_1_bracket_or_circled_carry_their_roles(read):
    model = read(
        "一、分类帮扶\n（一）闲散青少年\n1）每月走访一次闲散青少年（镇团委、各村）\n"
        "（二）农村留守儿童\n① 每季度开展一次家访（镇妇联）\n② 镇民政办每月汇总一次信息。\n"
    )
    assert {(a.task, a.unit, a.role.value) for a in model.assignments if a.role.value != "named"} == {
        ("1-1-0-1", "youth-league", "task"),
        ("1-1-0-1", "communities", "task"),
        ("1-2-0-0-1", "womens-federation", "task"),
    }
    assert [(c.kind, c.task, c.units) for c in model.cadences] == [
        ("monthly", "1-1-0-1", ("youth-league", "communities")),
        ("quarterly", "1-2-0-0-1", ("womens-federation",)),
        ("monthly", "1-2-0-0-2", ("civil-affairs",)),
    ]


def test_units_in_a_bracket_no_role_came_from_are_in_the_coverage_report(read):
    model = read("一、任务\n（一）开展排查，每月一次。（督办单位：县民政局）\n", "新县", "区县")
    assert [c.kind for c in model.cadences] == ["monthly"]
    [unread] = model.unread
    assert (unread.seen, unread.partial) == (("单位：县民政局（括号中）",), True)


def test_an_age_a_definition_gave_no_bound_for_is_in_the_coverage_report(read):
    model = read("一、对象\n（一）闲散青少年，是指年龄在十六至二十五周岁左右、不在学的青少年。\n")
    [definition] = [d for d in model.definitions if d.definition]
    assert definition.age is not None  # 十六至二十五周岁 is read
    model = read("一、对象\n（一）闲散青少年，是指年龄满十六周岁、不在学的青少年。\n")
    [definition] = [d for d in model.definitions if d.definition]
    assert definition.age is not None
    model = read("一、对象\n（一）闲散青少年，是指年龄在十六周岁左右、不在学的青少年。\n")
    [unread] = model.unread
    assert (unread.seen, unread.partial) == (("年龄：十六周岁",), True)


def test_a_unit_heading_in_a_duty_section_owns_the_paragraphs_below_it(read):
    model = read(
        "三、部门职责\n（一）镇民政办\n负责困境儿童排查，每月汇总一次。\n（二）镇派出所\n依法处置侵害未成年人案件。\n"
    )
    assert {(a.source.clause, a.unit, a.role.value) for a in model.assignments} == {
        ("3-1-p1", "civil-affairs", "duty"),
        ("3-2-p1", "police", "duty"),
    }
    [cadence] = model.cadences
    assert (cadence.units, cadence.duty) == (("civil-affairs",), True)
    assert model.unread == []


def test_a_definition_below_a_heading_that_is_its_term(read):
    model = read("一、工作对象\n（一）闲散青少年\n指年满十六周岁不满二十五周岁、不在学且未就业的青少年。\n")
    [found] = [d for d in model.definitions if d.definition]
    assert (found.group, found.age.key()) == ("idle", (16, True, 25, False))


@pytest.mark.parametrize(
    "bracket, expected",
    [
        (
            "（主要责任单位：镇民政办；配合单位：镇妇联）",
            {
                ("civil-affairs", "responsible", "主要责任单位"),
                ("womens-federation", "responsible", "配合单位"),
            },
        ),
        (
            "（镇民政办主责，镇妇联协助）",
            {("civil-affairs", "lead", None), ("womens-federation", "responsible", None)},
        ),
        (
            "（镇妇联主办，镇关工委协办）",
            {("womens-federation", "lead", None), ("care-committee", "responsible", None)},
        ),
    ],
)
def test_labels_with_a_qualifier_and_role_words_as_verbs(read, bracket, expected):
    model = read(f"一、任务\n（一）开展关爱行动。{bracket}\n")
    assert {(a.unit, a.role.value, a.word) for a in model.assignments} == expected


def test_a_topic_label_in_a_duty_section_is_no_unit(read):
    model = read("三、责任分工\n（一）工作原则：坚持属地管理。\n（二）镇民政办：负责困境儿童排查。\n")
    assert [(a.unit, a.role.value) for a in model.assignments] == [("civil-affairs", "duty")]
    assert model.unmatched == []


def test_items_with_their_own_roles_under_a_unit_heading_stay_tasks(read):
    model = read("三、责任分工\n（一）镇民政办\n负责困境儿童排查。\n1.建立信息台账（镇民政办、各村）\n")
    assert {(a.source.clause, a.unit, a.role.value) for a in model.assignments} == {
        ("3-1-p1", "civil-affairs", "duty"),
        ("3-1-1", "civil-affairs", "task"),
        ("3-1-1", "communities", "task"),
    }


def test_a_numbered_item_is_the_task_of_its_cadences_and_deadlines_but_no_matrix_row(read):
    from generators.policy.matrices import task_unit_matrix

    model = read(
        "一、工作要求\n（一）加强督导。镇平安办每半年督查一次，督查结果在全镇通报。\n"
        "（二）各社区配齐儿童主任，街道每年组织不少于2次业务培训。\n"
        "（三）信息报送。各村每月报送一次动态情况；发现重大隐患的，应当在24小时内报告镇派出所。\n"
        "二、步骤\n1.镇团委于2026年4月15日前完成信息采集。\n镇民政办接到报告后，应当在3日内核实。\n"
    )
    facts = [(c.kind, c.task, c.units) for c in model.cadences] + [
        (d.kind, d.task, d.units) for d in model.deadlines
    ]
    assert facts == [
        ("half-yearly", "1-1", ("public-safety",)),
        ("yearly", "1-2", ()),  # the office itself (街道) acts, not 各社区 of the part before
        ("monthly", "1-3", ("communities",)),
        ("relative", "1-3", ("communities",)),  # who opened the item's sentence before the condition
        ("dated", "2-0-1", ("youth-league",)),
        ("relative", "2-0-1-p1", ("civil-affairs",)),  # a paragraph inside a numbered item
    ]
    assert {t.kind for t in model.tasks} == {"clause"}
    assert task_unit_matrix(model, "new").rows == []


def test_a_paragraph_outside_any_numbered_item_gives_no_task(read):
    model = read("各村每月报送一次动态情况。\n一、要求\n")
    assert [(c.kind, c.task, c.units) for c in model.cadences] == [("monthly", None, ("communities",))]


def test_a_role_line_in_brackets_of_its_own_under_a_group_heading(read):
    model = read("二、服刑在押人员未成年子女群体\n（主办：镇司法所；承办：镇民政办、镇妇联）\n")
    assert roles(model) == {
        ("prisoners-children", "judicial", "lead", "主办"),
        ("prisoners-children", "civil-affairs", "responsible", "承办"),
        ("prisoners-children", "womens-federation", "responsible", "承办"),
    }


def test_a_label_after_wei_keeps_the_documents_word(read):
    model = read("五、有不良行为的学生群体\n以上工作，镇中心小学为牵头单位，镇派出所、镇司法所为配合单位。\n")
    assert roles(model) == {
        ("misconduct", "schools", "lead", "牵头单位"),
        ("misconduct", "police", "responsible", "配合单位"),
        ("misconduct", "judicial", "responsible", "配合单位"),
    }


def test_a_role_sentence_in_a_division_of_work_section_gives_roles_not_duties(read):
    model = read(
        "三、工作对象及责任分工\n（五）农村留守儿童\n镇妇联负责牵头，镇民政办、镇新时代文明实践所参与。\n"
        "（六）其他\n镇民政办负责困境儿童的排查。\n"
    )
    assert roles(model) == {
        ("left-behind", "womens-federation", "lead", None),
        ("left-behind", "civil-affairs", "responsible", None),
        ("distressed", "civil-affairs", "duty", None),  # a duty paragraph stays one
    }
    assert [m.text for m in model.unmatched] == ["镇新时代文明实践所"]


def test_the_group_the_title_names_is_the_documents_subject(read, tmp_path):
    body = "三、组织实施\n新乡农村留守儿童关爱保护工作由乡社会事务办牵头，乡妇联配合。\n"
    model = read(body)
    assert ("left-behind", "civil-affairs", "lead", None) in roles(model)  # title 方案 names no group
    path = tmp_path / "901.txt"
    path.write_text(
        "---\nid: t\ntitle: 新乡农村留守儿童关爱保护工作方案\nshort: t\nlevel: 乡镇\nlocality: 新乡\nsource_file: f\n---\n"
        + body,
        encoding="utf-8",
    )
    titled = extract_model(
        documents_of([read_policy_file(path)]),
        read_units(DATA / "units.yaml"),
        read_groups(DATA / "groups.yaml"),
        read_vocabulary(DATA / "vocabulary.yaml"),
    )
    assert roles(titled) == {
        ("overall", "civil-affairs", "lead", None),
        ("overall", "womens-federation", "responsible", None),
    }


def test_a_term_with_a_colon_before_a_description_of_people_is_a_definition(read):
    model = read(
        "六、农村留守儿童群体\n农村留守儿童：父母双方外出务工或者一方外出务工另一方无监护能力、不满十六周岁的未成年人。\n"
        "困境儿童：由镇民政办负责排查。\n"
    )
    [d] = [d for d in model.definitions if d.definition]
    assert (d.group, d.age.key()) == ("left-behind", (None, False, 16, False))


def test_village_committees_county_offices_and_responsible_bodies(read):
    model = read(
        "附件\n编号    工作内容                  时限要求        责任主体\n"
        "1       建设青少年之家，每年开展活动不少于4次      2026年6月底前   上坝村村委会、县文明办、村“两委”\n",
        locality="禾丰镇",
    )
    assert {(a.unit, a.role.value, a.word, a.level) for a in model.assignments} == {
        ("communities", "responsible", "责任主体", "村"),
        ("publicity", "responsible", "责任主体", "区县"),
    }
    assert [(c.kind, c.times) for c in model.cadences] == [("yearly", 4)]
    assert [(d.month, set(d.units)) for d in model.deadlines] == [(6, {"communities", "publicity"})]


def test_a_time_limit_said_twice_is_one_and_a_second_date_shares_the_first_ones_year(read):
    model = read(
        "一、关于摸底排查。各村要在2026年5月31日前完成摸底，此后每季度更新一次。（责任单位：镇民政办；完成时限：2026年5月31日前）\n"
        "二、各村每半年更新一次信息，于每年6月30日前和12月31日前报镇民政办。\n"
    )
    assert [(d.kind, d.year, d.month, d.day) for d in model.deadlines] == [
        ("dated", 2026, 5, 31),
        ("dated-yearly", None, 6, 30),
        ("dated-yearly", None, 12, 31),
    ]


def test_a_role_line_may_open_with_a_label_that_names_a_person(read):
    model = read(
        "一、闲散青少年帮扶\n责任领导：分管副乡长　　责任单位：乡人社所　　配合单位：乡团委、各村\n", "竹乡"
    )
    assert roles(model) == {
        ("idle", "social-security", "responsible", "责任单位"),
        ("idle", "youth-league", "responsible", "配合单位"),
        ("idle", "communities", "responsible", "配合单位"),
    }


def test_a_definition_after_a_lead_in_and_a_school_acting_in_running_text(read):
    model = read(
        "一、关于教育关爱。镇中心学校要建立成长档案，每学期组织一次家访。\n"
        "会议认为，困境儿童是指因家庭贫困等原因生活存在困难的未满十八周岁的儿童。\n"
    )
    assert [(c.kind, c.units) for c in model.cadences] == [("per-term", ("schools",))]
    [d] = [d for d in model.definitions if d.definition]
    assert (d.group, d.age.key()) == ("distressed", (None, False, 18, False))


def test_the_document_may_call_itself_a_rule_or_a_list(read):
    model = read("第二条　本制度所称青少年，是指十四周岁以上不满二十五周岁的人员。\n")
    assert [a.age.key() for a in model.document_ages] == [(14, True, 25, False)]


def test_a_table_with_a_unit_column_beside_a_role_column_reads_both(read):
    model = read(
        "附件\n| 序号 | 工作任务 | 负责单位 | 协助单位 | 时间节点 |\n|---|---|---|---|---|\n"
        "| 1 | 建立信息台账 | 县民政局 | 县教体局、县公安局 | 2026年7月 |\n",
        locality="松县",
        level="区县",
    )
    assert {(a.unit, a.role.value, a.word) for a in model.assignments} == {
        ("civil-affairs", "responsible", "负责单位"),
        ("schools", "responsible", "协助单位"),
        ("police", "responsible", "协助单位"),
    }
    assert [(d.year, d.month, d.day) for d in model.deadlines] == [(2026, 7, None)]


def test_a_village_named_by_itself_and_a_limit_in_minutes(read):
    model = read(
        "一、措施\n（一）摸清底数。每月更新一次台账。（石门村、镇民政办）\n"
        "（二）发现报告。网格员发现险情的，应当在30分钟内报告；桥东派出所接报后立即出警，镇民政办会同各村在2小时内到场。\n"
    )
    assert {(a.unit, a.level) for a in model.assignments if a.role.value == "task"} == {
        ("communities", "村"),
        ("civil-affairs", "乡镇"),
    }
    assert [(d.amount, d.unit, d.units) for d in model.deadlines] == [
        (30, "minutes", ()),
        (2, "hours", ("civil-affairs", "communities")),
    ]


@pytest.mark.parametrize(
    "line",
    [
        "牵头单位为镇民政办，配合单位为镇妇联、镇团委。",
        "【牵头单位】镇民政办　【配合单位】镇妇联、镇团委",
    ],
)
def test_role_labels_in_brackets_or_before_wei(read, line):
    model = read(f"一、留守儿童\n{line}\n")
    assert roles(model) == {
        ("left-behind", "civil-affairs", "lead", "牵头单位"),
        ("left-behind", "womens-federation", "responsible", "配合单位"),
        ("left-behind", "youth-league", "responsible", "配合单位"),
    }


def test_a_group_heading_with_its_roles_in_brackets_gives_the_group_its_roles(read):
    model = read(
        "一、分类帮扶\n（一）农村留守儿童关爱（牵头单位：镇民政办；配合单位：镇妇联）\n1.建立台账，每季度更新一次。\n"
        "（二）困境儿童探访。对困境儿童每月探访一次。（镇民政办）\n"
    )
    assert roles(model) == {
        ("left-behind", "civil-affairs", "lead", "牵头单位"),
        ("left-behind", "womens-federation", "responsible", "配合单位"),
        ("1-2", "civil-affairs", "task", None),  # a heading with a sentence after its title is a task
    }


def test_other_column_words_and_unit_wordings(read):
    model = read(
        "附件\n序号\t重点工作\t推进举措\t牵头单位\t配合单位\t完成节点\n1\t摸底排查\t建立台账，每季度更新\t镇教育办\t镇卫健办\t2026年6月底前\n"
    )
    assert {(a.unit, a.role.value) for a in model.assignments} == {
        ("schools", "lead"),
        ("health", "responsible"),
    }
    assert [c.kind for c in model.cadences] == ["quarterly"] and [d.month for d in model.deadlines] == [6]


def test_each_unit_of_a_duty_paragraph_and_a_title_that_repeats_its_cadence(read):
    model = read(
        "二、职责分工\n区委政法委负责统筹协调和督导考核，团区委负责专项组办公室日常工作。\n"
        "三、工作要求\n（一）按月报送。各街道每月向专项组办公室报送一次工作情况。\n"
        "（二）开展排查，每周巡查不少于两次（镇应急办牵头，镇派出所、各村（社区）落实）。\n",
        locality="新区",
        level="区县",
    )
    assert {(a.unit, a.role.value) for a in model.assignments if a.role.value != "named"} == {
        ("public-safety", "duty"),
        ("youth-league", "duty"),
        ("emergency", "lead"),
        ("police", "responsible"),
        ("communities", "responsible"),
    }
    assert [(c.kind, c.task) for c in model.cadences] == [("monthly", "3-1"), ("weekly", "3-2")]
    assert [u.source.clause for u in model.unread if u.partial] == []


def test_an_article_shows_as_its_number_and_body_not_as_a_title(read):
    from generators.website.pages import document_blocks

    model = read("第一条　为加强未成年人保护工作。制定本制度。\n第二条　镇综治中心牵头负责重点青少年排查。\n")
    [doc] = model.documents
    heads = [b for b in document_blocks(doc) if b["kind"] == "heading" and b["label"].startswith("第")]
    assert [(b["label"], b["text"]) for b in heads] == [("第一条", ""), ("第二条", "")]
    assert heads[1]["rest"] == "镇综治中心牵头负责重点青少年排查。"
