"""`build`: policy texts and registry → model → pages → site and restricted outputs, with progress."""

from __future__ import annotations

import gc
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from pathlib import Path
from typing import TypeVar

from generators import pipeline
from generators.assessment.scoring import Assessment
from generators.config.settings import Settings
from generators.core.errors import InputError, display_path
from generators.core.executor import Executor, make_executor
from generators.core.memory import return_freed_memory
from generators.core.progress import Progress, TickSum
from generators.printing.pdf import forget_writers
from generators.privacy.guard import value_pairs
from generators.privacy.masking import TextMasker, masked_problem
from generators.registry.pii import place_words
from generators.registry.validate import RegistryImport

R = TypeVar("R")


def run(settings: Settings, quiet: bool = False, executor: Executor | None = None) -> dict:
    progress = Progress(total=8, quiet=quiet)
    staged = pipeline.Staged()
    own = executor is None
    executor = executor or make_executor(
        settings.scheduler, settings.workers, settings.serial, cleanup=forget_writers
    )
    executor.start()  # its workers start while the policy texts are read
    masker: TextMasker | None = None  # once the registry is read: its personal values, masked on the console
    public_site: PublicSite | None = None  # once the public PDFs are planned
    try:
        with progress.stage("读取政策文本并抽取职责（各版本），读取试点自评表") as step:
            policies = pipeline.load_policies(settings)
            model = policies.model
            forms = pipeline.load_forms(settings, policies)  # the pilots' self-assessments
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
                PersonalPairs(registry),  # the personal values found here (taken in at the first line)
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
            figures = pipeline.derive_month(settings, policies, registry, executor, forms)
            # The figures and the townships' packs hold what the pages and PDFs show: the county's
            # cases and contacts are let go before any of those is made.
            pipeline.forget_contacts(registry)
            pipeline.forget_cases(registry, figures)
            return_freed_memory()
            step.note = (
                f"{len(figures.pilots.pilots)} 个试点单位，收到自评表 {figures.submitted} 份："
                + "、".join(
                    f"{p.community}{figures.assessments[p.key].result}" for p in figures.pilots.pilots
                )
            )
        with progress.stage("手册页面和公开 PDF（随即交给各进程打印）") as step:
            handbook = pipeline.render_handbook_pages(settings, policies)
            public = pipeline.plan_public_print(settings, policies, handbook, figures, registry.month)
            ticks = TickSum(None, {})
            public_site = PublicSite(settings, policies, registry, public, executor, ticks.part("public"))
            step.note = f"{len(policies.editions)} 个版本，公开 PDF {len(public.all_jobs())} 份" + (
                f"；首次从 Noto Sans CJK SC 裁出打印字体并缓存于 {display_path(settings.cache / 'fonts')}"
                if public.fonts.made
                else ""
            )
        with progress.stage("生成台账和试点页面、表单") as step:
            pages = pipeline.render_site_pages(settings, policies, registry, figures, handbook)
            step.note = (
                f"{len(policies.editions)} 个版本共 {sum(len(p) for _, p in pages.versions.values())} 页，"
                f"{len(pages.downloads)} 个 Excel 表"
            )
        with progress.stage("准备打印简报：各乡镇的页面和所需的字体") as step:
            plan = pipeline.plan_print(settings, policies, registry, figures, pages, public)
            step.note = f"{len(plan.packs)} 个乡镇（街道）" + (
                "；裁出本月台账所需的生僻字字体" if set(plan.fonts.made) - set(public.fonts.made) else ""
            )
            assessments = figures.assessments
        with progress.stage("生成 PDF（公开的和个人信息的）并构建站点、检查隐私") as step:
            ticks.show(step.tick)
            restricted_tick = ticks.part("restricted", plan.township_documents)
            made, printed = public_site.finish(
                pages,
                staged,
                lambda: pipeline.print_restricted(
                    settings, registry, pages, plan, staged, executor, restricted_tick
                ),
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
        if public_site is not None:  # (a build that failed meanwhile: it hands over no more, and ends)
            public_site.stop()
            public_site.join()
        staged.discard()  # whatever was built aside and not published
        if own:
            executor.close()
    found = pages.report
    if plan.fonts.missing:
        found["warnings"].append(f"字体中没有这些字，PDF 中可能显示为方框：{''.join(plan.fonts.missing)}")
    assert masker is not None  # set once the registry was read
    report_messages(progress, settings, registry, assessments, plan, found, masker)
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


class PersonalPairs:
    """The registry's personal values as (value, kind), read when iterated: from the values the registry
    holds then (`forget_cases` makes them again), not those it held when this was made."""

    def __init__(self, registry: pipeline.Registry):
        self._registry = registry

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return value_pairs(self._registry.personal)


class PublicSite:
    """The public PDFs, then the site (which publishes them), in a second thread of this process. It starts
    as soon as the public PDFs are planned, so that the workers lay out the handbooks while this process
    renders the registry's pages and plans the sheets; the site waits for those pages (`finish`). The
    townships wait until every public PDF is with the workers: the public ones then finish early, and
    mkdocs and the privacy check (this process's work, a fifth of a county's build) run while the workers
    print the townships, instead of after all of it with the workers idle.

    Not with the serial executor: its PDFs are written in this process, and both set the date that mkdocs
    and WeasyPrint read; then everything runs in `finish`, one after the other."""

    def __init__(
        self,
        settings: Settings,
        policies: pipeline.Policies,
        registry: pipeline.Registry,
        public: pipeline.PublicPrint,
        executor: Executor,
        tick=None,
    ):
        self._inputs = (settings, policies, registry, public, executor, tick)
        self.handed_over = threading.Event()  # every public PDF is with the workers (or printing failed)
        self._pages: Future[pipeline.Pages] = Future()
        self._stop = threading.Event()
        self._thread: ThreadPoolExecutor | None = None
        self._result: Future[tuple[int, Path]] | None = None
        if executor.name != "serial":
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="public")
            self._result = self._thread.submit(self._run)

    def _run(self) -> tuple[int, Path]:
        settings, policies, registry, public, executor, tick = self._inputs
        try:
            pdfs, made = pipeline.print_public_pdfs(
                settings, public, executor, tick, self.handed_over, self._stop
            )
        finally:
            self.handed_over.set()  # also when it failed: the townships' thread must not wait for ever
        pages = self._pages.result()  # the registry's pages, once rendered (or why the build stopped)
        pipeline.write_public(settings, policies, pages, public, pdfs)
        del pdfs  # written for mkdocs, which reads them there (and the rendered pages, next)
        pages.forget_rendered()
        return made, pipeline.build_handbook_site(settings, policies, registry, pages)

    def finish(
        self, pages: pipeline.Pages, staged: pipeline.Staged, restricted: Callable[[], R]
    ) -> tuple[int, R]:
        """The site, with `pages`, and `restricted()` once the public PDFs are handed over; how many public
        PDFs were made, and what `restricted` returned. The site is staged, to be published or removed
        with the rest; its own failure (a leak the guard found) stops the build here."""
        site_folder = self._inputs[0].site
        self._pages.set_result(pages)
        if self._result is None:
            made, site = self._run()
            staged.folders.append((site, site_folder))
            return made, restricted()
        try:
            self.handed_over.wait()
            printed = restricted()
        finally:
            wait([self._result])
            if self._result.exception() is None:
                staged.folders.append((self._result.result()[1], site_folder))
        return self._result.result()[0], printed

    def stop(self) -> None:
        """The build stopped before `finish`: the thread hands over no more PDFs (those with the workers
        are finished) and is told that no pages will come."""
        self._stop.set()
        if not self._pages.done():
            self._pages.set_exception(RuntimeError("the build stopped before its pages were made"))

    def join(self) -> None:
        if self._thread is not None:
            self._thread.shutdown(wait=True)


def report_messages(
    progress: Progress,
    settings: Settings,
    registry: pipeline.Registry,
    assessments: dict[str, Assessment],
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
    for a in assessments.values():
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
