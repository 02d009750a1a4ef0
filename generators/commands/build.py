"""`build`: policy texts and registry → model → pages → site and restricted outputs, with progress."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, wait
from pathlib import Path

from generators import pipeline
from generators.config.settings import Settings
from generators.core.errors import InputError, display_path
from generators.core.executor import Executor, make_executor
from generators.core.memory import return_freed_memory
from generators.core.progress import Progress, TickSum
from generators.printing.pdf import forget_writers
from generators.privacy.masking import TextMasker, masked_problem
from generators.registry.pii import place_words
from generators.registry.validate import RegistryImport


def run(settings: Settings, quiet: bool = False, executor: Executor | None = None) -> dict:
    progress = Progress(total=7, quiet=quiet)
    staged = pipeline.Staged()
    own = executor is None
    executor = executor or make_executor(
        settings.scheduler, settings.workers, settings.serial, cleanup=forget_writers
    )
    executor.start()  # its workers start while the policy texts are read
    masker: TextMasker | None = None  # once the registry is read: its personal values, masked on the console
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
            # What the build holds from here to its end (the model, the registry's rows: a county's millions
            # of objects, none in a cycle) is left out of the collector's scans, which a big registry slows.
            gc.freeze()
            masker = TextMasker(
                ((n.value, n.kind) for n in registry.personal),  # the personal values found here
                place_words(registry.places),
            )
            return_freed_memory()  # the files' cells and what finding the values took, dropped
            s = registry.summary
            step.note = (
                f"{s['files']} 个文件，个案接收 {s['cases_accepted']}/退回 {s['cases_rejected']}，"
                f"联系记录接收 {s['contacts_accepted']}/退回 {s['contacts_rejected']}；报表月份 {registry.month}"
                + (f"；{s['files_failed']} 个文件无法读取" if s["files_failed"] else "")
            )
        with progress.stage("月度汇总与双零试点自评") as step:
            figures = pipeline.derive_month(settings, policies, registry, executor)
            pipeline.forget_contacts(registry)
            return_freed_memory()
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
        with progress.stage("准备打印：各份 PDF 的页面和所需的字体") as step:
            plan = pipeline.plan_print(settings, policies, registry, figures, pages)
            step.note = (
                f"首次从 Noto Sans CJK SC 裁出打印字体并缓存于 {display_path(settings.cache / 'fonts')}"
                if plan.fonts.made
                else "打印字体已缓存"
            )
        with progress.stage("生成 PDF（公开的和个人信息的）并构建站点、检查隐私") as step:
            made, printed = _print_and_build_site(
                settings, policies, registry, pages, plan, staged, executor, step.tick
            )
            count = len(plan.public) + sum(len(j) for j in plan.editions.values())
            step.note = (
                f"公开 PDF {count} 份（新生成 {made} 份，其余按内容取自缓存）；"
                f"{printed.sheets} 份村（社区）简报，{printed.packs} 份乡镇汇编（本次新生成 {printed.written} 份，"
                f"其余未变、沿用上次），{len(plan.report_jobs)} 份试点评估报告，"
                f"退回 {len(registry.imported.rejected)} 行；{executor.workers} 个进程（{executor.name}）"
            )
        with progress.stage("发布：替换站点和本月受限目录"):
            pipeline.publish(staged)
    except InputError as exc:
        if masker is None:
            raise
        raise InputError([masked_problem(p, masker) for p in exc.problems]) from None
    finally:
        gc.unfreeze()  # this build's objects go with it
        staged.discard()  # whatever was built aside and not published
        if own:
            executor.close()
    found = pages.report
    if plan.fonts.missing:
        found["warnings"].append(f"字体中没有这些字，PDF 中可能显示为方框：{''.join(plan.fonts.missing)}")
    assert masker is not None  # set once the registry was read
    report_messages(progress, settings, registry, figures, plan, found, masker)
    restricted = pipeline.restricted_folder(settings, registry)
    progress.finish(f"站点已生成：{settings.site}；简报等个人信息输出（勿公开）：{restricted}")
    imported = registry.imported
    if imported.exit_code:  # said even with -q: automation and people must both notice
        names = "、".join(t + v for t, v in imported.unreadable) or "（无法确定所属村（社区）的文件）"
        if progress.quiet:  # the detailed lines were not printed
            for f in imported.failed_files:
                where = f"（{f.village[0]}{f.village[1]}）" if f.village else ""
                print(masker(f"  台账无法读取{where}：{f.problem}"), file=progress.stream)
        print(
            f"！！本月台账未能读取：{names}。其余村（社区）已正常生成；"
            f"原因见“台账无法读取”各条及 {restricted / '说明.txt'}（退出码 {imported.exit_code}）",
            file=progress.stream,
        )
    return {
        **found,
        "registry": registry.summary,
        "month": str(registry.month),
        "exit_code": imported.exit_code,
    }


def _print_and_build_site(
    settings: Settings,
    policies: pipeline.Policies,
    registry: pipeline.Registry,
    pages: pipeline.Pages,
    plan: pipeline.PrintPlan,
    staged: pipeline.Staged,
    executor: Executor,
    tick=None,
) -> tuple[int, pipeline.RestrictedPrint]:
    """The public PDFs, then the site (which publishes them), in a second thread of this process, while
    this thread has the restricted PDFs made: both feed the same workers, so that the sheets fill the
    cores the few long handbooks leave idle, and mkdocs runs on this process's otherwise idle time. Not
    with the serial executor: its PDFs are written in this process, and both set the date that mkdocs and
    WeasyPrint read. Returns how many public PDFs were made, and what the restricted stage printed."""

    # One bar for both: public PDFs laid out, townships printed (the public count is known once the cache
    # has been looked at).
    ticks = TickSum(tick, {"restricted": len(plan.packs)}) if tick else None
    public_tick = ticks.part("public") if ticks else None
    restricted_tick = ticks.part("restricted") if ticks else None

    # The townships wait until every public PDF is with the workers: the public ones then finish early, and
    # mkdocs and the privacy check (this process's work, a fifth of a county's build) run while the
    # workers print the townships, instead of after all of it with the workers idle.
    handed_over = threading.Event()

    def public_then_site() -> tuple[int, Path]:
        try:
            made = pipeline.print_public(settings, policies, pages, plan, executor, public_tick, handed_over)
        finally:
            handed_over.set()  # also when it failed: the townships' thread must not wait for ever
        return made, pipeline.build_handbook_site(settings, policies, registry, pages)

    if executor.name == "serial":
        made, site = public_then_site()
        staged.folders.append((site, settings.site))
        return made, pipeline.print_restricted(
            settings, registry, pages, plan, staged, executor, restricted_tick
        )
    with ThreadPoolExecutor(1, thread_name_prefix="public") as thread:
        public = thread.submit(public_then_site)
        try:
            handed_over.wait()
            printed = pipeline.print_restricted(
                settings, registry, pages, plan, staged, executor, restricted_tick
            )
        finally:
            wait([public])
            if public.exception() is None:  # staged, so that it is published or removed with the rest
                staged.folders.append((public.result()[1], settings.site))
        made = public.result()[0]  # the site's own failure (a leak the guard found) stops the build here
    return made, printed


def report_messages(
    progress: Progress,
    settings: Settings,
    registry: pipeline.Registry,
    figures: pipeline.MonthFigures,
    plan: pipeline.PrintPlan,
    found: dict,
    masker: TextMasker,
) -> None:
    """What the build wants a person to look at, after the progress lines. Nothing personal in full: known
    registry values and number patterns are masked, and every registry cell quoted is cut down."""

    def say(line: str) -> None:
        if not progress.quiet:  # masked only when shown: the masker is made at its first line
            progress.say(masker(line))

    if plan.new_key:
        progress.say(
            f"  已生成化名密钥 {display_path(settings.key_file)}（git 不跟踪）：请备份，换密钥会改变全部化名编号"
        )
    for w in found["warnings"]:
        say(f"  警告：{w}")
    for m in found["unmatched_units"]:
        say(f"  未识别的单位名称：{m['text']}（{m['source']}）")
    for u in found["unread_clauses"]:
        if not u["why"]:
            say(f"  未读出内容的条款：{u['source']}（{'、'.join(u['seen'])}），详见站点“抽取覆盖”页")
    for a in figures.assessments.values():
        for problem in a.problems:
            say(f"  自评表问题：{problem}")
    registry_messages(say, registry.imported, pipeline.restricted_folder(settings, registry))


def registry_messages(
    say: Callable[[str], None], imported: RegistryImport, restricted: Path, shown: int = 20
) -> None:
    """Files that could not be read first, then notices, values left out and rows refused, each list cut
    at `shown` lines with a pointer to the restricted workbook. Cells quoted are masked where the problem
    was made, and `say` masks whatever registry value is left."""
    for f in imported.failed_files:
        where = f"（{f.village[0]}{f.village[1]}）" if f.village else ""
        say(f"  台账无法读取{where}：{f.problem}")
    workbook = restricted / "台账退回.xlsx"
    for label, lines in (
        ("台账提示", [str(n) for n in imported.notes]),
        ("台账警告（该行已接收，此值略去）", [str(w.problem) for w in imported.warnings]),
        ("台账退回", ["；".join(str(p) for p in r.problems) for r in imported.rejected]),
    ):
        for line in lines[:shown]:
            say(f"  {label}：{line}")
        if len(lines) > shown:
            say(f"  ……另有 {len(lines) - shown} 条{label}，详见 {workbook}")
