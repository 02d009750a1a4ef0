"""`build`: policy texts and registry → model → pages → site and restricted outputs, with progress."""

from __future__ import annotations

from generators import pipeline
from generators.config.settings import Settings
from generators.core.errors import display_path
from generators.core.executor import Executor, make_executor
from generators.core.progress import Progress
from generators.printing.pdf import forget_writers


def run(settings: Settings, quiet: bool = False, executor: Executor | None = None) -> dict:
    progress = Progress(total=8, quiet=quiet)
    staged = pipeline.Staged()
    own = executor is None
    executor = executor or make_executor(
        settings.scheduler, settings.workers, settings.serial, cleanup=forget_writers
    )
    try:
        with progress.stage("读取政策文本并抽取职责（各版本）") as step:
            policies = pipeline.load_policies(settings)
            model = policies.model
            step.note = (
                f"版本 {'、'.join(e.number for e in policies.editions)}；当前 {len(model.documents)} 份文件，"
                f"{sum(len(d.clauses) for d in model.documents)} 个条款，{len(model.assignments)} 条职责"
            )
        with progress.stage("导入台账") as step:
            registry = pipeline.import_registries(settings, policies, executor, tick=step.tick)
            s = registry.summary
            step.note = (
                f"{s['files']} 个文件，个案接收 {s['cases_accepted']}/退回 {s['cases_rejected']}，"
                f"联系记录接收 {s['contacts_accepted']}/退回 {s['contacts_rejected']}；报表月份 {registry.month}"
            )
        with progress.stage("月度汇总与双零试点自评") as step:
            figures = pipeline.derive_month(settings, policies, registry, executor)
            step.note = (
                f"{len(figures.pilots.pilots)} 个试点单位，收到自评表 {figures.submitted} 份："
                + "、".join(
                    f"{p.community}{figures.assessments[p.key].result}" for p in figures.pilots.pilots
                )
            )
        with progress.stage("生成页面和表单") as step:
            pages = pipeline.render_site_pages(settings, policies, registry, figures)
            step.note = (
                f"{len(policies.editions)} 个版本共 {sum(len(p) for _, p in pages.versions.values())} 页，"
                f"{len(pages.downloads)} 个 Excel 表"
            )
        with progress.stage("准备打印字体，生成公开的 PDF（手册、单位职责、自评表、试点汇总）") as step:
            plan = pipeline.plan_print(settings, policies, registry, figures, pages)
            made = pipeline.print_public(settings, policies, pages, plan, executor, tick=step.tick)
            count = len(plan.public) + sum(len(j) for j in plan.editions.values())
            step.note = f"{count} 份 PDF（新生成 {made} 份，其余按内容取自缓存）；" + (
                f"首次从 Noto Sans CJK SC 裁出打印字体并缓存于 {display_path(settings.cache / 'fonts')}"
                if plan.fonts.made
                else "打印字体已缓存"
            )
        with progress.stage("生成简报和评估报告 PDF（个人信息，先放在受限目录旁）") as step:
            printed = pipeline.print_restricted(
                settings, registry, pages, plan, staged, executor, tick=step.tick
            )
            step.note = (
                f"{printed.sheets} 份村（社区）简报，{printed.packs} 份乡镇汇编（本次新生成 {printed.written} 份，"
                f"其余未变、沿用上次），{len(plan.report_jobs)} 份试点评估报告，"
                f"退回 {len(registry.imported.rejected)} 行；{executor.workers} 个进程（{executor.name}）"
            )
        with progress.stage("构建站点并检查隐私（mkdocs，各版本）"):
            pipeline.build_handbook_site(settings, policies, registry, pages, staged)
        with progress.stage("发布：替换站点和本月受限目录"):
            pipeline.publish(staged)
    finally:
        staged.discard()  # whatever was built aside and not published
        if own:
            executor.close()
    found = pages.report
    if plan.fonts.missing:
        found["warnings"].append(f"字体中没有这些字，PDF 中可能显示为方框：{''.join(plan.fonts.missing)}")
    report_messages(progress, settings, registry, figures, plan, found)
    restricted = pipeline.restricted_folder(settings, registry)
    progress.finish(f"站点已生成：{settings.site}；简报等个人信息输出（勿公开）：{restricted}")
    return {**found, "registry": registry.summary, "month": str(registry.month)}


def report_messages(
    progress: Progress,
    settings: Settings,
    registry: pipeline.Registry,
    figures: pipeline.MonthFigures,
    plan: pipeline.PrintPlan,
    found: dict,
) -> None:
    """What the build wants a person to look at, after the progress lines."""
    if plan.new_key:
        progress.say(
            f"  已生成化名密钥 {display_path(settings.key_file)}（git 不跟踪）：请备份，换密钥会改变全部化名编号"
        )
    for w in found["warnings"]:
        progress.say(f"  警告：{w}")
    for m in found["unmatched_units"]:
        progress.say(f"  未识别的单位名称：{m['text']}（{m['source']}）")
    for a in figures.assessments.values():
        for problem in a.problems:
            progress.say(f"  自评表问题：{problem}")
    imported = registry.imported
    for note in imported.notes:
        progress.say(f"  台账提示：{note}")
    for row in imported.rejected[:20]:
        progress.say(f"  台账退回：{'；'.join(str(p) for p in row.problems)}")
    if len(imported.rejected) > 20:
        progress.say(
            f"  ……另有 {len(imported.rejected) - 20} 行退回，详见 "
            f"{pipeline.restricted_folder(settings, registry) / '台账退回.xlsx'}"
        )
