"""Clause splitting: numbering styles, broken lines, fragments, stable ids."""

from __future__ import annotations

from generators.policy.outline import cn_number, heading_of, logical_lines, parse_outline


def test_chinese_numbers():
    assert [cn_number(x) for x in ("一", "九", "十", "十二", "二十", "二十三", "７", "12")] == [
        1,
        9,
        10,
        12,
        20,
        23,
        7,
        12,
    ]


def test_heading_styles_full_and_half_width():
    assert heading_of("三、工作内容")[:3] == (1, 3, "三、")
    assert heading_of("（二）加强闲散青少年的服务管理")[:2] == (2, 2)
    assert heading_of("(三) 总结提高阶段")[:2] == (2, 3)
    assert heading_of("4.建立未成年人社会观护体系")[:2] == (3, 4)
    assert heading_of("4. 协助开展")[:2] == (3, 4)
    assert heading_of("1、建立政府主导")[:2] == (3, 1)
    assert heading_of("（1）第一项")[:2] == (4, 1)
    assert heading_of("2021年7月8日") is None
    assert heading_of("一是重视一般在12岁") is None
    assert heading_of("6周岁以上") is None


def test_sentences_split_by_blank_lines_and_page_breaks_are_joined():
    body = (
        "一、机制\n\n2.积极发动群众，发现侵害未成年人权益事件的，主动报告信息。持续完善农村留守儿童和困境\n\n"
        "儿童关爱服务体系，加强发现报告义务。\n\f仙桃市场监管所：加强对未成年人食品、药品、玩具、用具\n\n和游戏游艺设备的安全监管。\n"
    )
    lines = [ln.text for ln in logical_lines(body)]
    assert lines[1].endswith("农村留守儿童和困境儿童关爱服务体系，加强发现报告义务。")
    assert lines[2] == "仙桃市场监管所：加强对未成年人食品、药品、玩具、用具和游戏游艺设备的安全监管。"


def test_titles_and_signatures_are_not_joined():
    lines = [
        ln.text
        for ln in logical_lines("重庆市渝北区人民政府仙桃街道办事处\n\n2021年7月8日\n\n一、指导思想\n")
    ]
    assert lines == ["重庆市渝北区人民政府仙桃街道办事处", "2021年7月8日", "一、指导思想"]


def test_ids_follow_the_outline_path():
    body = "通知正文。\n一、对象\n（一）闲散青少年\n牵头单位：镇团委\n1.第一项任务。（镇团委）\n2.第二项。\n责任单位：镇妇联\n二、要求\n1.直接编号。\n"
    clauses, roots = parse_outline(body)
    assert list(clauses) == ["p1", "1", "1-1", "1-1-p1", "1-1-1", "1-1-2", "1-1-p2", "2", "2-0-1"]
    assert roots == ["p1", "1", "2"]
    # a 责任单位 line after the items belongs to the section, not to the last item
    assert clauses["1-1-p2"].parent == "1-1"


def test_fragment_missing_headings_are_inferred():
    body = "1、第一条。\n2、第二条。\n牵头部门:镇社事办\n(六)下一节\n1、条目。\n六、工作要求\n"
    clauses, _ = parse_outline(body)
    assert clauses["5"].synthetic and clauses["5-5"].synthetic
    assert clauses["5-5-1"].parent == "5-5" and clauses["5-6"].parent == "5"
    assert not clauses["6"].synthetic


def test_restarted_numbering_keeps_both_clauses():
    clauses, _ = parse_outline("一、甲\n一、乙\n")
    assert [c.text for c in clauses.values()] == ["甲", "乙"]
    assert list(clauses) == ["1", "1~2"]


def test_line_numbers_point_into_the_file():
    clauses, _ = parse_outline("\n\n一、标题\n正文。\n", first_line=10)
    assert clauses["1"].line == 12 and clauses["1-p1"].line == 13


def test_articles_are_numbered_items_with_their_own_items_below():
    body = (
        "第一条　为规范管理，制定本办法。\n第二条 台账分为三级：\n（一）红色：每两周走访一次；\n（二）黄色：每月走访一次。\n"
        "第三条本办法自印发之日起施行。\n"
    )
    clauses, roots = parse_outline(body)
    assert roots == ["1", "2", "3"]
    assert [(c.id, c.level, c.label) for c in clauses.values()][1:4] == [
        ("2", 1, "第二条"),
        ("2-0-1", 3, "（一）"),
        ("2-0-2", 3, "（二）"),
    ]
    assert clauses["3"].text == "本办法自印发之日起施行。"


def test_chapters_hold_their_articles():
    body = "第一章　总则\n第一条　为规范管理，制定本办法。\n第二章 职责\n第二条 各单位职责如下：\n（一）镇民政所：负责核查。\n"
    clauses, roots = parse_outline(body)
    assert roots == ["1", "2"]
    assert clauses["2-2"].parent == "2" and clauses["2-2-1"].parent == "2-2"
    assert heading_of("第三方机构") is None
