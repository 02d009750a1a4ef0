"""Load + model: the 双零 pilot's self-assessment criteria (data/assessment/criteria.yaml) and the county's
pilot communities (data/assessment/pilots.yaml), checked against document 004 in the policy model.

Every criterion quotes its clause; a quote that the clause does not contain stops the build, so that the
forms can never drift from the text they cite.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

from generators.core.errors import InputError, Problem, display_path
from generators.core.yamlio import load_yaml
from generators.policy.citations import Citer
from generators.policy.model import ClauseRef, PolicyModel

ANSWERS = ("yes_no", "count", "date", "choice", "multi_choice", "text", "attachment")
YES, NO = "是", "否"
PHASES = ("申报", "试点和督导", "审核评估", "公布结果", "示范复核")
NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")  # also an XLSForm field name
REVIEW_YEARS = 3  # 三年内动态开展复核（五、4）


@dataclass(frozen=True)
class Score:
    gate: bool = False
    points: int = 0
    when_yes: bool = False
    min: int | None = None
    min_selected: int | None = None
    covers: str | None = None


@dataclass(frozen=True)
class Condition:
    """When a question is asked: an earlier yes/no item answered 是, or an earlier count above a number."""

    item: str
    yes: bool = False
    above: int | None = None

    def holds(self, value: object) -> bool:
        if self.yes:
            return value is True
        return isinstance(value, int) and not isinstance(value, bool) and value > (self.above or 0)


@dataclass(frozen=True)
class Criterion:
    id: str
    section: str
    number: int  # 1, 2, … across the whole form
    label: str
    quote: str
    source: ClauseRef
    answer: str
    required: bool
    score: Score | None = None
    choices: tuple[str, ...] = ()
    detail: str | None = None  # the follow-up question asked when the answer is 是 / above 0
    registry: str | None = None  # key_youth | deaths
    max_item: str | None = None
    in_pilot_year: bool = False
    ask_if: Condition | None = None  # asked only when an earlier answer says so (criteria.yaml ask_if)
    cite: str = ""  # the clause as printed: 双零试点方案 三（一）

    @property
    def detail_id(self) -> str:
        return f"{self.id}_detail"

    @property
    def detail_if(self) -> Condition:
        """When the follow-up description is asked: 是, or a count above 0."""
        return Condition(self.id, yes=True) if self.answer == "yes_no" else Condition(self.id, above=0)

    @property
    def is_gate(self) -> bool:
        return bool(self.score and self.score.gate)


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    goal: bool  # one of the three goals of 三、工作目标 (otherwise: 四、工作内容)
    source: ClauseRef
    note: str | None
    pass_mark: int | None
    items: tuple[Criterion, ...]
    cite: str = ""
    text: str = ""  # the clause's whole text

    @property
    def gated(self) -> bool:
        return any(c.is_gate for c in self.items)

    @property
    def max_points(self) -> int:
        return sum(c.score.points for c in self.items if c.score and not c.score.gate)


@dataclass(frozen=True)
class Criteria:
    document: str
    youth: str
    youth_source: ClauseRef
    sections: tuple[Section, ...]
    version: str  # a hash of the criteria: a form made from other criteria is a changed structure
    youth_cite: str = ""

    @property
    def items(self) -> list[Criterion]:
        return [c for s in self.sections for c in s.items]

    def item(self, item_id: str) -> Criterion:
        return next(c for c in self.items if c.id == item_id)


@dataclass(frozen=True)
class Pilot:
    county: str
    township: str
    community: str
    year: int
    phase: str
    designated: dt.date | None = None

    @property
    def key(self) -> str:
        return f"{self.year}-{self.township}-{self.community}"

    @property
    def form_id(self) -> str:
        digest = hashlib.sha256(self.key.encode("utf-8")).hexdigest()[:8]
        return f"shuangling_{self.year}_{digest}"

    def timeline(self) -> list[tuple[str, str, str]]:
        """(step, when, clause) from 申报 to the three years of 复核 (五、1–4)."""
        y = self.year
        steps = [
            ("申报", f"{y - 1}年底前", "5-0-1"),
            ("试点和督导", f"{y}年1月—{y}年12月（为期一年）", "5-0-2"),
            ("审核评估", f"{y + 1}年初（试点期满后）", "5-0-3"),
            ("公布结果", f"{y + 1}年", "5-0-4"),
        ]
        if self.designated and self.review_until:
            steps.append(
                (
                    "示范复核",
                    f"{self.designated.isoformat()} 至 {self.review_until.isoformat()}，动态复核",
                    "5-0-4",
                )
            )
        else:
            steps.append(("示范复核", "确定为示范社区（村）后三年内", "5-0-4"))
        return steps

    @property
    def review_until(self) -> dt.date | None:
        return self.designated.replace(year=self.designated.year + REVIEW_YEARS) if self.designated else None

    def review_due(self, year: int) -> bool:
        """A 示范 community is re-checked, dynamically, throughout its three years."""
        if self.designated is None or self.review_until is None:
            return False
        return self.designated.year <= year <= self.review_until.year


@dataclass(frozen=True)
class PilotList:
    county: str
    pilots: tuple[Pilot, ...] = field(default_factory=tuple)


def _clause(model: PolicyModel, doc: str, clause: str, where: str, file: str) -> ClauseRef:
    try:
        document = model.document(doc)
    except KeyError:
        raise InputError(Problem(file, f"{where}：找不到政策文件 {doc}")) from None
    if clause not in document.clauses:
        raise InputError(
            Problem(file, f"{where}：文件 {doc} 中没有条款 {clause}（条款编号见手册中该条的固定链接）")
        )
    return ClauseRef(doc, clause)


def _condition(raw: object, where: str, file: str, problems: list[Problem]) -> Condition | None:
    """`ask_if: {item: X, answer: 是}` or `ask_if: {item: X, above: 0}`."""
    if raw is None:
        return None
    if not isinstance(raw, dict) or not raw.get("item") or (("answer" in raw) == ("above" in raw)):
        problems.append(
            Problem(file, f"{where}：ask_if 应写成 {{item: 编号, answer: {YES}}} 或 {{item: 编号, above: 0}}")
        )
        return None
    if "answer" in raw and str(raw["answer"]) != YES:
        problems.append(Problem(file, f"{where}：ask_if 的 answer 只能是“{YES}”", value=str(raw["answer"])))
        return None
    if "above" in raw and not isinstance(raw["above"], int):
        problems.append(Problem(file, f"{where}：ask_if 的 above 应为整数", value=str(raw["above"])))
        return None
    if "answer" in raw:
        return Condition(str(raw["item"]), yes=True)
    return Condition(str(raw["item"]), above=int(raw["above"]))


def _check_references(sections: list[Section], file: str) -> list[Problem]:
    """Items named by max_item, covers and ask_if exist; a condition looks back at an answer of the right
    kind; no two questions of the form end up with the same field name."""
    problems = []
    items = {c.id: c for s in sections for c in s.items}
    for c in items.values():
        where = f"第 {c.number} 项 {c.id}"
        for ref in (c.max_item, c.score.covers if c.score else None):
            if ref and ref not in items:
                problems.append(Problem(file, f"{where}：引用了不存在的项目 {ref}"))
        if c.ask_if:
            gate = items.get(c.ask_if.item)
            if gate is None or gate.number >= c.number:
                problems.append(Problem(file, f"{where}：ask_if 应指向它前面的项目", value=c.ask_if.item))
            elif c.ask_if.yes and gate.answer != "yes_no":
                problems.append(Problem(file, f"{where}：ask_if 的 answer 只能用于是/否题（{gate.id}）"))
            elif not c.ask_if.yes and gate.answer != "count":
                problems.append(Problem(file, f"{where}：ask_if 的 above 只能用于人数/次数题（{gate.id}）"))
    names: Counter[str] = Counter()
    for c in items.values():
        names[c.id] += 1
        if c.detail:
            names[c.detail_id] += 1
        for i in range(1, len(c.choices) + 1):
            names[f"{c.id}_c{i}"] += 1
    problems += [
        Problem(file, f"表单字段名 {n} 重复（编号与自动生成的字段名相同）") for n, k in names.items() if k > 1
    ]
    return problems


def read_criteria(path: Path, model: PolicyModel) -> Criteria:
    """The criteria, each checked: known answer type, a unique field name, a quote found in its clause."""
    file = display_path(path)
    data = load_yaml(path)
    doc = str(data.get("document") or "")
    citer = Citer(model)
    problems: list[Problem] = []
    sections: list[Section] = []
    seen: Counter[str] = Counter()
    number = 0
    for s in data.get("sections") or []:
        section_source = _clause(model, doc, str(s.get("source")), f"部分 {s.get('id')}", file)
        items = []
        for raw in s.get("items") or []:
            number += 1
            where = f"第 {number} 项 {raw.get('id')}"
            item_id = str(raw.get("id") or "")
            seen[item_id] += 1
            if not NAME_RE.match(item_id):
                problems.append(Problem(file, f"{where}：编号只能用小写字母、数字和下划线，且以字母开头"))
            if raw.get("answer") not in ANSWERS:
                problems.append(
                    Problem(
                        file, f"{where}：答案类型应为 {' / '.join(ANSWERS)}", value=str(raw.get("answer"))
                    )
                )
            source = _clause(model, doc, str(raw.get("source") or s.get("source")), where, file)
            quote = str(raw.get("quote") or "")
            if not quote or quote not in model.document(doc).clauses[source.clause].text:
                problems.append(
                    Problem(file, f"{where}：引文不在条款 {source} 中，请从原文逐字摘录", value=quote)
                )
            score = Score(**raw["score"]) if raw.get("score") else None
            if raw.get("answer") in ("choice", "multi_choice") and not raw.get("choices"):
                problems.append(Problem(file, f"{where}：选择题需要 choices"))
            items.append(
                Criterion(
                    id=item_id,
                    section=s["id"],
                    number=number,
                    label=str(raw.get("label") or ""),
                    quote=quote,
                    source=source,
                    answer=str(raw.get("answer")),
                    required=bool(raw.get("required")),
                    score=score,
                    choices=tuple(str(c) for c in raw.get("choices") or ()),
                    detail=raw.get("detail_if_yes") or raw.get("detail_if_positive"),
                    registry=raw.get("registry"),
                    max_item=raw.get("max_item"),
                    in_pilot_year=bool(raw.get("in_pilot_year")),
                    ask_if=_condition(raw.get("ask_if"), where, file, problems),
                    cite=citer.cite(source),
                )
            )
        sections.append(
            Section(
                s["id"],
                s["title"],
                bool(s.get("goal")),
                section_source,
                s.get("note"),
                s.get("pass_mark"),
                tuple(items),
                citer.cite(section_source),
                model.document(doc).clauses[section_source.clause].text,
            )
        )
    problems += [Problem(file, f"编号 {i} 用了 {n} 次") for i, n in seen.items() if n > 1]
    problems += _check_references(sections, file)
    if problems:
        raise InputError(problems)
    youth_source = _clause(model, doc, str(data.get("youth_source")), "youth_source", file)
    version = hashlib.sha256(
        json.dumps([asdict(s) for s in sections], ensure_ascii=False, sort_keys=True, default=str).encode(
            "utf-8"
        )
    ).hexdigest()[:12]
    return Criteria(
        doc, str(data.get("youth") or ""), youth_source, tuple(sections), version, citer.cite(youth_source)
    )


def read_pilots(path: Path) -> PilotList:
    file = display_path(path)
    data = load_yaml(path)
    county = str(data.get("county") or "")
    pilots, problems = [], []
    for i, raw in enumerate(data.get("pilots") or [], 1):
        missing = [k for k in ("township", "community", "year", "phase") if not raw.get(k)]
        if missing:
            problems.append(Problem(file, f"第 {i} 个试点单位缺少：{'、'.join(missing)}"))
            continue
        if raw["phase"] not in PHASES:
            problems.append(
                Problem(file, f"第 {i} 个试点单位的阶段应为 {'、'.join(PHASES)}", value=str(raw["phase"]))
            )
        designated = raw.get("designated")
        if isinstance(designated, str):
            designated = dt.date.fromisoformat(designated)
        pilots.append(
            Pilot(
                county,
                str(raw["township"]),
                str(raw["community"]),
                int(raw["year"]),
                raw["phase"],
                designated,
            )
        )
    for year, n in Counter(p.year for p in pilots).items():
        if n > 3:
            problems.append(
                Problem(file, f"{year} 年有 {n} 个试点单位：每个县（区）每期不超过 3 个社区（村）（五、1）")
            )
    for key, n in Counter(p.key for p in pilots).items():
        if n > 1:
            problems.append(Problem(file, f"试点单位重复：{key}"))
    if problems:
        raise InputError(problems)
    return PilotList(county, tuple(sorted(pilots, key=lambda p: (p.year, p.township, p.community))))
