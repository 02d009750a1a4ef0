"""Derive: the ages each group admits, from the documents' stated bounds (first listed document wins),
narrowed by law for groups named as minors. The registry is checked against these rules."""

from __future__ import annotations

from dataclasses import dataclass

from generators.policy.model import ClauseRef, PolicyModel


@dataclass(frozen=True)
class AgeRule:
    """Ages a group admits: min_age ≤ age < below. `source` is the clause, None where it is the law."""

    group: str
    min_age: int | None
    below: int | None
    text: str
    source: ClauseRef | None

    def admits(self, age: int) -> bool:
        return (self.min_age is None or age >= self.min_age) and (self.below is None or age < self.below)

    def describe(self) -> str:
        parts = []
        if self.min_age is not None:
            parts.append(f"{self.min_age}周岁以上")
        if self.below is not None:
            parts.append(f"不满{self.below}周岁")
        return "、".join(parts) or "不限"


def age_rules(model: PolicyModel, documents: list[str]) -> dict[str, AgeRule]:
    """For each group, the bound of the first listed document that states one, narrowed to under 18 for
    groups named as 未成年人/儿童."""
    rules = {}
    for gid, group in model.groups.items():
        rule = AgeRule(gid, None, None, "文件未规定", None)
        for doc in documents:
            found = [d for d in model.definitions if d.doc == doc and d.group == gid and d.age]
            if found:
                b = found[0].age
                assert b is not None
                rule = AgeRule(
                    gid,
                    None if b.min_age is None else b.min_age + (0 if b.min_inclusive else 1),
                    None if b.max_age is None else b.max_age + (1 if b.max_inclusive else 0),
                    b.describe(),
                    found[0].age_source,
                )
                break
        if group.legal_max_age and (rule.below is None or rule.below > group.legal_max_age):
            rule = AgeRule(gid, rule.min_age, group.legal_max_age, f"不满{group.legal_max_age}周岁", None)
        rules[gid] = rule
    return rules
