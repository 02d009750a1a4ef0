"""Model: split a policy text into clauses with stable IDs from its outline path.

Chinese official documents number their outline 一、 / （一） / 1. or 1、 / （1） or 1） / ①, in full- or
half-width punctuation; rules (办法, 细则) number articles 第一条 …, which chapters 第一章 … may group. Paragraphs
may be broken across lines or page breaks (003 splits sentences with blank lines) and a fragment may start
below a heading it does not contain (002).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from generators.policy.model import Clause

CN_DIGITS = {"零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
CN_NUMERALS = "一二三四五六七八九十"

# (level, pattern); the number is group 1, the rest of the line follows the match.
HEADINGS = [
    (1, re.compile(rf"^第([{CN_NUMERALS}]+)[章节]\s*")),  # chapters
    (1, re.compile(rf"^第([{CN_NUMERALS}]+)条\s*")),  # articles: level 1, or 2 in a text with chapters
    (1, re.compile(rf"^([{CN_NUMERALS}]+)\s*[、，,]\s*")),
    (2, re.compile(rf"^[（(]\s*([{CN_NUMERALS}]+)\s*[）)]\s*")),
    (3, re.compile(r"^([0-9０-９]{1,2})\s*[.、．]\s*(?![0-9０-９])")),
    (4, re.compile(r"^[（(]\s*([0-9０-９]{1,2})\s*[）)]\s*")),
    (4, re.compile(r"^([0-9０-９]{1,2})\s*[）)]\s*")),  # 1） as (1)
    (5, re.compile(r"^([①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳])\s*")),
]

# Lines that end a numbered item and belong to the enclosing section (001, 002 put them after items):
# role lines such as 牵头单位：… / 配合部门：… / 责任单位（配合单位）：…, and a few section labels.
SECTION_LINES = re.compile(
    r"^(?:[^：:，。；、\s]{1,8}?(?:单位|部门|科室)(?:[（(][^）)]*[）)])?|工作内容|工作要求)\s*[：:]"
)
# A row of a table as Word/WPS text gives it: three cells or more, separated by tabs, runs of spaces or bars.
TABLE_CELLS = re.compile(r"\t+|[ \u3000]{2,}|\s*[|｜]\s*")
# 附件 / 附件1：… — an appendix starts; the numbered outline above it is closed.
APPENDIX = re.compile(r"^附件\s*[0-9０-９一二三四五六七八九十]*\s*[：:]?")

# A line ending in one of these is finished; any other long line with inner punctuation that ends in a
# Chinese character continues on the next non-blank line.
FINISHED = set("。；;！!？?：:”’」』）)】》")
INNER_PUNCT = set("，,、；;：:")
LIST_OPEN = set("、，,")  # a line ending so cannot end its paragraph
MIN_WRAPPED = 20


CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def cn_number(text: str) -> int:
    """一 → 1, 十二 → 12, 二十 → 20, ③ → 3; Arabic digits (also full-width) pass through."""
    if text in CIRCLED:
        return CIRCLED.index(text) + 1
    text = text.translate(str.maketrans("０１２３４５６７８９", "0123456789"))
    if text.isdigit():
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        return (CN_DIGITS[tens] if tens else 1) * 10 + (CN_DIGITS[ones] if ones else 0)
    return CN_DIGITS[text]


def cn_numeral(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else digits[tens]) + "十" + (digits[ones] if ones else "")


LABEL_FORMS = {1: "{cn}、", 2: "（{cn}）", 3: "{n}.", 4: "（{n}）", 5: "{n}"}


@dataclass
class Line:
    text: str
    number: int  # 1-based line in the body


def heading_of(text: str) -> tuple[int, int, str, str] | None:
    """(level, number, label, rest) when the line opens a numbered item (a table row never does)."""
    if is_table_row(text):
        return None
    for level, pattern in HEADINGS:
        m = pattern.match(text)
        if m:
            return level, cn_number(m.group(1)), text[: m.end()].strip(), text[m.end() :].strip()
    return None


def is_table_row(text: str) -> bool:
    return len([c for c in TABLE_CELLS.split(text.strip(" |｜")) if c.strip()]) >= 3


def _continues(prev: str, nxt: str) -> bool:
    """Whether a line was broken mid-paragraph (by wrapping or a page break) and goes on in `nxt`."""
    if not prev or prev[-1] in FINISHED:
        return False
    if prev[-1] in LIST_OPEN and not is_table_row(
        nxt
    ):  # 配合单位：镇司法所、 / 各村（居）委会: a list goes on
        return heading_of(nxt) is None and not SECTION_LINES.match(nxt)
    if len(prev) < MIN_WRAPPED or is_table_row(prev) or is_table_row(nxt) or SECTION_LINES.match(prev):
        return False
    if not any(ch in INNER_PUNCT for ch in prev):
        return False  # titles and signatures have no inner punctuation
    if heading_of(prev) and len(prev) < 40 and "。" not in prev:
        return False
    return heading_of(nxt) is None and not SECTION_LINES.match(nxt)


def logical_lines(body: str, first_line: int = 1) -> list[Line]:
    """Non-empty lines with wrapped paragraphs joined; form feeds count as blank lines."""
    raw = body.replace("\r\n", "\n").replace("\f", "\n").split("\n")
    out: list[Line] = []
    for i, text in enumerate(raw):
        text = text.strip(" \t\u3000\u00a0\ufeff")
        if not text:
            continue
        if out and _continues(out[-1].text, text):
            out[-1].text += text
        else:
            out.append(Line(text, first_line + i))
    return out


def is_article(label: str) -> bool:
    return label.startswith("第") and label.endswith("条")


def _articles(items: list[tuple[Line, tuple[int, int, str, str] | None]]) -> list:
    """Levels for a text of articles (第一条 …): an article is level 1, or 2 where chapters (第一章) hold them,
    and the items inside it (（一）, 1.) are one level deeper than elsewhere: items of the article, as 1. is
    an item of （一）."""
    chapters = any(h and h[2].startswith("第") and h[2][-1] in "章节" for _, h in items)
    out, inside = [], False
    for ln, head in items:
        if head and is_article(head[2]):
            head, inside = (2 if chapters else 1, *head[1:]), True
        elif head and head[2].startswith("第") and head[2][-1] in "章节":
            inside = False
        elif head and inside and head[0] >= 2:
            head = (min(head[0] + 1, 5), *head[1:])
        out.append((ln, head))
    return out


def parse_outline(body: str, first_line: int = 1) -> tuple[dict[str, Clause], list[str]]:
    """Clauses in document order, keyed by id, and the ids of the top-level clauses."""
    lines = logical_lines(body, first_line)
    items = _articles([(ln, heading_of(ln.text)) for ln in lines])
    clauses: dict[str, Clause] = {}
    roots: list[str] = []
    stack: list[Clause] = []  # open headings, outermost first
    path: dict[int, int] = {}  # level -> current number
    counters: dict[str | None, int] = {}  # paragraphs per parent

    def add(clause: Clause) -> None:
        if clause.id in clauses:  # a text that restarts its numbering: keep both, suffix the later
            n = 2
            while f"{clause.id}~{n}" in clauses:
                n += 1
            clause.id = f"{clause.id}~{n}"
        clauses[clause.id] = clause
        if clause.parent:
            clauses[clause.parent].children.append(clause.id)
        else:
            roots.append(clause.id)

    def open_heading(level: int, number: int, label: str, text: str, line: int, synthetic=False) -> None:
        while stack and stack[-1].level >= level:
            stack.pop()
        for deeper in [lv for lv in path if lv >= level]:
            del path[deeper]
        path[level] = number
        parts = [str(path.get(lv, 0)) for lv in range(1, level + 1)]
        clause = Clause(
            id="-".join(parts),
            level=level,
            label=label,
            text=text,
            line=line,
            parent=stack[-1].id if stack else None,
            synthetic=synthetic,
        )
        add(clause)
        stack.append(clause)

    for index, (ln, head) in enumerate(items):
        if head:
            level, number, label, rest = head
            # A fragment that starts below headings it lacks: infer each missing ancestor from the
            # next heading of that level (（六） follows, so the lost one was （五）).
            if not any(c.level for c in clauses.values()):
                for missing in range(1, level):
                    if missing in path:
                        continue
                    following = next((h for _, h in items[index + 1 :] if h and h[0] == missing), None)
                    if following and following[1] > 1:
                        n = following[1] - 1
                        open_heading(
                            missing,
                            n,
                            LABEL_FORMS[missing].format(cn=cn_numeral(n), n=n),
                            "（原文缺失此标题）",
                            ln.number,
                            synthetic=True,
                        )
            open_heading(level, number, label, rest, ln.number)
            continue
        if SECTION_LINES.match(ln.text):
            while stack and stack[-1].level >= 3:
                stack.pop()
        if APPENDIX.match(ln.text) and len(ln.text) < 40:
            stack.clear()
            path.clear()
        parent = stack[-1] if stack else None
        key = parent.id if parent else None
        counters[key] = counters.get(key, 0) + 1
        pid = f"{key}-p{counters[key]}" if key else f"p{counters[key]}"
        add(Clause(id=pid, level=0, label="", text=ln.text, line=ln.number, parent=key))
    return clauses, roots
