"""`check`: read and extract without building; list what needs a look; exit non-zero if anything does."""

from __future__ import annotations

from generators.config.settings import Settings
from generators.policy.build import build_policy_model
from generators.policy.review import review_report


def run(settings: Settings) -> int:
    model = build_policy_model(settings.data_paths)
    found = review_report(model)
    print(
        f"{len(model.documents)} 份文件，{sum(len(d.clauses) for d in model.documents)} 个条款，"
        f"{len(model.assignments)} 条职责，{len(model.cadences)} 项周期性工作。"
    )
    for m in found["explained_units"]:
        print(f"已说明的单位写法：{m['text']} → {m['unit']}（{m['source']}）")
    for w in found["warnings"]:
        print(f"警告：{w}")
    for m in found["unmatched_units"]:
        print(f"未识别的单位名称：{m['text']}（{m['source']}）—— 请在 data/units.yaml 中加别名或说明")
    problems = len(found["warnings"]) + len(found["unmatched_units"])
    print("检查通过。" if not problems else f"有 {problems} 处需要处理。")
    return 1 if problems else 0
