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
        f"{len(model.assignments)} 条职责，{len(model.cadences)} 项周期性工作，{len(model.deadlines)} 项时限。"
    )
    for m in found["explained_units"]:
        unit = model.units[m["unit"]].short if m["unit"] else "（非本手册单位）"
        print(f"已说明的单位写法：{m['text']} → {unit}（{m['source']}）：{m['why']}")
    for w in found["warnings"]:
        print(f"警告：{w}")
    for m in found["unmatched_units"]:
        print(
            f"未识别的单位名称：{m['text']}（{m['source']}）—— 请在 data/units.yaml 中加别名，或在 explained 中说明"
        )
    unread = [u for u in found["unread_clauses"] if not u["why"]]
    for u in unread:
        what = "读出不全的条款" if u["partial"] else "未读出内容的条款"
        print(
            f"{what}：{u['source']}，其中有 {'、'.join(u['seen'])}"
            " —— 请补充 data/vocabulary.yaml，或在 data/coverage.yaml 中说明"
        )
    print(
        "\n各文件抽取结果（职责 / 任务单位 / 定义（含年龄界限）/ 周期性工作 / 时限 / 未识别名称 / 未读条款）："
    )
    for d in found["documents"]:
        print(
            f"  {d['id']}（{d['short']}）：职责 {d['roles']}，任务 {d['tasks']} 项、任务单位 {d['task_units']}，"
            f"定义 {d['definitions']}（年龄界限 {d['age_bounds']}），周期性工作 {d['cadences']}，"
            f"时限 {d['deadlines']}，未识别名称 {d['unmatched']}（已说明 {d['unmatched_explained']}），"
            f"未读条款 {d['unread']}（已说明 {d['unread_explained']}）"
        )
    problems = len(found["warnings"]) + len(found["unmatched_units"]) + len(unread)
    print("检查通过。" if not problems else f"有 {problems} 处需要处理。")
    return 1 if problems else 0
