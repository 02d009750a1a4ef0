"""Scale: synthetic counties of any size, the three executors giving the same bytes, incremental rebuilds,
content-keyed caches, quiet progress in logs."""

from __future__ import annotations

import io
import os
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from generators import pipeline
from generators.config.settings import Settings
from generators.core.executor import LATER, DaskExecutor, PoolExecutor, SerialExecutor, make_executor
from generators.core.progress import Progress
from generators.registry import validate
from generators.registry.places import read_places
from generators.registry.synthetic import SyntheticSettings, place_list_yaml, synthetic_places
from generators.website.pages import unit_pdf
from tests.conftest import ROOT

LISTED = read_places(ROOT / "data" / "places.yaml")


def size(**over) -> SyntheticSettings:
    from generators.registry.config import read_registry_config

    return SyntheticSettings.from_config(
        read_registry_config(ROOT / "data" / "registry.yaml").synthetic, **over
    )


def test_default_size_keeps_the_county_list_exactly():
    assert synthetic_places(size(), LISTED) == LISTED


@pytest.mark.parametrize("townships,villages", [(20, 20), (3, 9), (1, 2), (90, 40)])
def test_any_size_gets_unique_plausible_names(tmp_path, townships, villages):
    places = synthetic_places(size(townships=townships, villages_per_township=villages), LISTED)
    assert len(places.townships) == townships
    assert all(len(t.villages) == villages for t in places.townships)
    names = [t.name for t in places.townships] + [v.name for t in places.townships for v in t.villages]
    assert len(names) == len(set(names))
    bases = [n.removesuffix("镇").removesuffix("街道").removesuffix("村").removesuffix("社区") for n in names]
    assert len(bases) == len(set(bases))  # no 青山镇 beside a 青山村: a name says which place it is
    for t in places.townships:
        village_suffix = "社区" if t.name.endswith("街道") else "村"
        assert t.name.endswith(("镇", "街道")) and all(v.name.endswith(village_suffix) for v in t.villages)
    # the listed places come first, as listed; the generated list reads back as the same list
    assert places.townships[0].name == "高峰镇" and places.townships[0].aliases == ("高峰乡",)
    (tmp_path / "places.yaml").write_text(place_list_yaml(places), encoding="utf-8")
    assert read_places(tmp_path / "places.yaml") == places
    # the same size gives the same names, every time
    assert synthetic_places(size(townships=townships, villages_per_township=villages), LISTED) == places


def _square(shared, item):
    if item == "boom":
        raise ValueError("task failed")
    return shared * item


def test_a_pool_started_in_the_background_runs_tasks_and_a_closed_one_stays_closed(monkeypatch):
    from types import SimpleNamespace

    from generators.core import executor

    pool = PoolExecutor(2)
    pool.start()  # its workers start while this thread goes on
    try:
        assert dict(pool.run(_square, range(3), 2)) == {0: 0, 1: 2, 2: 4}
    finally:
        pool.close()
    waiting: list = []  # the starting thread, held back until the executor was closed

    def held(target, args=(), **_):
        return SimpleNamespace(start=lambda: waiting.append((target, args)))

    monkeypatch.setattr(executor.threading, "Thread", held)
    closed = PoolExecutor(2)
    closed.start()
    closed.close()  # a build that failed before the thread ran
    target, args = waiting[0]
    target(*args)
    try:
        assert closed._pool is None  # the late thread made no pool that nobody would close
    finally:
        closed.close()


def _imported(shared, item):
    return [name for name in shared if name not in sys.modules]


def test_pool_workers_have_weasyprint_loaded_before_their_first_task():
    """A monthly rebuild's pool prints one sheet and one pack: loading WeasyPrint there (most of a second)
    would stand on its critical path, so the fork server loads it once for every worker."""
    pool = PoolExecutor(2)
    try:
        missing = dict(pool.run(_imported, range(2), ["weasyprint", "pikepdf", "generators.printing.packs"]))
    finally:
        pool.close()
    assert missing == {0: [], 1: []}


def _collector(_shared, _item):
    import gc

    return gc.get_threshold(), gc.get_freeze_count()


def test_pool_workers_leave_what_they_start_with_out_of_garbage_collection():
    """WeasyPrint's millions of small objects set the collector off often; each full collection would walk
    every module a worker imported too (8–9 % of a worker's layout and write time)."""
    import gc

    from generators.core.executor import WORKER_GC_THRESHOLD

    pool = PoolExecutor(2)
    try:
        seen = dict(pool.run(_collector, range(2)))
    finally:
        pool.close()
    for threshold, frozen in seen.values():
        assert threshold == WORKER_GC_THRESHOLD and frozen > 10_000  # WeasyPrint and its kin, frozen
    assert gc.get_threshold() != WORKER_GC_THRESHOLD  # the build's own process is left as it is


def test_pool_and_serial_run_the_same_tasks():
    pool = PoolExecutor(2)
    try:
        for executor in (SerialExecutor(), pool):
            ticks: list[tuple[int, int]] = []
            got = dict(executor.run(_square, range(7), 3, tick=lambda d, t, seen=ticks: seen.append((d, t))))
            assert got == {i: 3 * i for i in range(7)} and ticks[-1] == (7, 7)
            with pytest.raises(ValueError, match="task failed"):
                dict(executor.run(_square, [1, "boom", 2], 1))
    finally:
        pool.close()
    assert make_executor(serial=True).name == "serial" and make_executor(workers=3).workers == 3


def _items_after_their_inputs(results: dict[int, int]):
    """Ten items, then one for each pair of their results: that one waits (LATER) until both are in."""
    yield from range(10)
    for a in range(0, 10, 2):
        while a not in results or a + 1 not in results:
            yield LATER
        yield 100 + results[a] + results[a + 1]


def test_an_item_that_waits_for_results_is_asked_for_again_when_a_task_has_finished():
    """A township's pack goes once its sheets are printed: the items may depend on the results before,
    which the caller has had before the next item is asked for; `LATER` says the next one waits."""
    pool = PoolExecutor(2)
    try:
        for executor in (SerialExecutor(), pool):
            results: dict[int, int] = {}
            for index, value in executor.run(_square, _items_after_their_inputs(results), 2):
                results[index] = value
            assert results == {
                **{i: 2 * i for i in range(10)},
                **{10 + k: 2 * (100 + 2 * (2 * k) + 2 * (2 * k + 1)) for k in range(5)},
            }, executor.name
            with pytest.raises(RuntimeError, match="no task is running"):  # waiting for nothing: an error
                list(executor.run(_square, iter([LATER]), 1))
    finally:
        pool.close()


def test_progress_bar_only_on_a_terminal():
    log = io.StringIO()  # not a terminal: CI logs get the stage lines only
    progress = Progress(1, stream=log)
    with progress.stage("生成 PDF") as step:
        for i in range(1, 4):
            step.tick(i, 3)
    assert log.getvalue().startswith("[1/1] 生成 PDF … 完成") and "3/3" not in log.getvalue()

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    tty = Terminal()
    with Progress(1, stream=tty).stage("生成 PDF") as step:
        for i in range(1, 4):
            step.tick(i, 3)
    assert "/3（已用" in tty.getvalue() and "约剩" in tty.getvalue()  # counts and time left
    quiet = Terminal()
    with Progress(1, stream=quiet, quiet=True).stage("生成 PDF") as step:
        step.tick(1, 3)
    assert quiet.getvalue() == ""


def test_two_streams_of_work_at_once_count_on_one_bar():
    """Public PDFs (in a thread of their own) and the briefings run together: one bar counts both."""
    import threading

    from generators.core.progress import TickSum

    seen: list[tuple[int, int]] = []
    ticks = TickSum(lambda done, total: seen.append((done, total)), {"restricted": 20})
    public, restricted = ticks.part("public"), ticks.part("restricted")
    runs = [
        threading.Thread(target=lambda: [public(i, 50) for i in range(1, 51)]),
        threading.Thread(target=lambda: [restricted(i, 20) for i in range(1, 21)]),
    ]
    for t in runs:
        t.start()
    for t in runs:
        t.join()
    assert seen[-1] == (70, 70) and len(seen) == 70
    assert all(total in (20, 70) for _, total in seen)  # the public count joins once it is known


def test_work_that_starts_before_its_stage_counts_from_its_start():
    """The public PDFs are handed to the workers stages before the bar that counts them is shown."""
    from generators.core.progress import TickSum

    seen: list[tuple[int, int]] = []
    ticks = TickSum(None, {})
    public = ticks.part("public")
    for i in range(1, 31):
        public(i, 50)  # nothing shown yet
    ticks.show(lambda done, total: seen.append((done, total)))
    restricted = ticks.part("restricted", 20)
    restricted(1, 20)
    public(31, 50)
    assert seen == [(30, 50), (31, 70), (32, 70)]


def test_public_pdf_keys_do_not_depend_on_where_the_checkout_lives(tmp_path):
    from generators.printing.fonts import PrintFonts, prepare_print_fonts
    from generators.printing.pdf import document_key, print_setup
    from generators.website.render import make_environment

    env = make_environment(ROOT / "templates")
    fonts = prepare_print_fonts(ROOT / ".cache" / "fonts")
    keys = []
    for place in ("a", "b/deeper"):
        folder = tmp_path / place
        folder.mkdir(parents=True)
        copied = PrintFonts(
            Path(shutil.copy(fonts.regular, folder)), Path(shutil.copy(fonts.bold, folder)), None
        )
        setup = print_setup(env, copied)
        assert str(folder) in setup.css  # the stylesheet does name the files where they are …
        keys.append(document_key(setup, "<p>同一页</p>"))
    assert keys[0] == keys[1]  # … but the key holds their content only
    other = PrintFonts(fonts.bold, fonts.regular, None)  # other bytes behind the same roles
    assert document_key(print_setup(env, other), "<p>同一页</p>") != keys[0]


# --- whole stages on a small county -----------------------------------------------------------------------
SMALL = {"townships": 2, "villages_per_township": 3, "cases_per_village": 6, "months": 4}


def _settings(
    tmp_path: Path, name: str, registry: Path | None = None, synthetic: dict | None = None
) -> Settings:
    return Settings.from_args(
        ROOT,
        build=tmp_path / name / "build",
        site=tmp_path / name / "site",
        restricted=tmp_path / name / "restricted",
        registry=registry,
        month="2026-11",
        synthetic_size=None if registry is not None else synthetic or SMALL,
    )


def _restricted(settings, policies, executor) -> tuple[dict[str, bytes], pipeline.RestrictedPrint]:
    """Import, derive and print the restricted output with one executor; the files it would publish."""
    registry = pipeline.import_registries(settings, policies, executor)
    figures = pipeline.derive_month(settings, policies, registry, executor)
    pages = pipeline.render_site_pages(settings, policies, registry, figures)
    plan = pipeline.plan_print(settings, policies, registry, figures, pages)
    staged = pipeline.Staged()
    printed = pipeline.print_restricted(settings, registry, pages, plan, staged, executor)
    pipeline.publish(staged)
    folder = pipeline.restricted_folder(settings, registry)
    return {
        str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }, printed


@pytest.fixture(scope="module")
def policies():
    return pipeline.load_policies(_settings(Path("/nonexistent"), "x"))


def _change_a_village(folder: Path) -> Path:
    """The last village's workbook, with one active youth's risk level changed (its counts change)."""
    import openpyxl

    changed = sorted(folder.glob("*.xlsx"))[-1]
    book = openpyxl.load_workbook(changed)
    sheet = book["个案台账"]
    column = {str(c.value): c.column for c in sheet[1]}
    row = next(r for r in range(2, sheet.max_row + 1) if not sheet.cell(r, column["退出日期"]).value)
    risk = sheet.cell(row, column["风险等级"])
    risk.value = "高" if risk.value != "高" else "低"
    book.save(changed)
    return changed


@pytest.mark.slow
def test_serial_pool_and_dask_give_the_same_bytes(tmp_path, policies, monkeypatch):
    from distributed import Client, LocalCluster

    # Two sheets a task: each township's three sheets in two tasks, its pack once both are in.
    monkeypatch.setattr(pipeline, "SHEETS_PER_TASK", 2)
    serial, _ = _restricted(_settings(tmp_path, "serial"), policies, SerialExecutor())
    pool_executor = PoolExecutor(2)
    try:
        pool, _ = _restricted(_settings(tmp_path, "pool"), policies, pool_executor)
    finally:
        pool_executor.close()
    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        from generators.printing.pdf import forget_writers

        executor = DaskExecutor(client=client, cleanup=forget_writers)
        dask, _ = _restricted(_settings(tmp_path, "dask"), policies, executor)
        executor.close()  # each worker forgets the writers and fonts the build sent
    assert len(serial) == 3 * 2 + 2 + 2 + 3  # sheets, packs, rejected rows, readme, assessment reports
    assert sorted(serial) == sorted(pool) == sorted(dask)
    assert [p for p in serial if serial[p] != pool[p]] == []
    assert [p for p in serial if serial[p] != dask[p]] == []
    from pypdf import PdfReader

    for pack in [p for p in serial if p.endswith("-简报汇编.pdf")]:  # every sheet of its township, in order
        township = pack.removeprefix("briefings/").removesuffix("-简报汇编.pdf")
        villages = [Path(p).stem for p in serial if p.startswith(f"briefings/{township}/")]
        titles = [i.title for i in PdfReader(io.BytesIO(serial[pack])).outline if not isinstance(i, list)]
        assert len(villages) == 3 and [t.split()[0] for t in titles[2:]] == villages


@pytest.mark.slow
def test_rebuild_after_one_village_changed_remakes_only_its_sheet_and_pack(tmp_path, policies, monkeypatch):

    from generators.printing.pdf import PdfWriter

    laid_out: list[str] = []  # the village sheets laid out (serial executor: in this process)
    layout = PdfWriter.layout

    def counted(self, html, *args, **kwargs):
        if "重点青少年群体工作简报</title>" in html:
            laid_out.append(html)
        return layout(self, html, *args, **kwargs)

    monkeypatch.setattr(PdfWriter, "layout", counted)
    monkeypatch.setattr(pipeline, "SHEETS_PER_TASK", 2)  # a township's sheets in two tasks, then its pack
    rejected = pipeline.rejected_workbook
    rendered: list[str] = []  # the townships whose sheets' HTML is made (to be printed, or for their keys)
    sheet_jobs = pipeline.sheet_jobs
    monkeypatch.setattr(
        pipeline, "sheet_jobs", lambda env, pack: rendered.append(pack.township) or sheet_jobs(env, pack)
    )
    read: list[str] = []  # the registry files read from disk (the others come from the read cache)
    read_file = validate._read_file
    monkeypatch.setattr(
        validate, "_read_file", lambda schema, item: read.append(item[1]) or read_file(schema, item)
    )

    first = _settings(tmp_path, "generate")
    executor = SerialExecutor()
    pipeline.import_registries(first, policies, executor)  # writes the small county's workbooks
    folder = tmp_path / "registry"
    shutil.copytree(first.build / "registry-default", folder)
    settings = _settings(tmp_path, "monthly", registry=folder)
    read.clear()
    before, printed = _restricted(settings, policies, executor)
    assert len(read) == 3 * 2
    assert printed.written == 3 * 2 + 2 and printed.townships == 2  # the first build makes everything
    assert len(laid_out) == 3 * 2  # each sheet once: the packs take the sheets' PDFs

    laid_out.clear()
    made = []  # the rejected rows' workbook, made again only when what it lists changed
    monkeypatch.setattr(pipeline, "rejected_workbook", lambda *a: made.append(1) or rejected(*a))
    again, printed = _restricted(settings, policies, executor)
    assert printed.written == printed.townships == 0 and again == before and not laid_out  # same bytes
    assert not made and (settings.restricted / ".workbook-cache").stat().st_mode & 0o777 == 0o700
    assert len(rendered) == 2  # the first build's; this one made none (known by what they are made from)
    assert len(read) == 3 * 2  # none read again

    changed = _change_a_village(folder)
    laid_out.clear()
    after, printed = _restricted(settings, policies, executor)
    # that village's sheet and its township's pack are made, the pack with the township's other sheets as
    # they were cached (not laid out again); no other township is touched
    assert printed.written == 2 and printed.townships == 1 and read[3 * 2 :] == [changed.name]
    assert len(laid_out) == 1 and changed.stem.split("-", 1)[1] in laid_out[0]
    township, village = changed.stem.split("-", 1)
    assert rendered[2:] == [township]
    differ = sorted(p for p in before if before[p] != after[p])
    assert differ == sorted([f"briefings/{township}/{village}.pdf", f"briefings/{township}-简报汇编.pdf"])
    cache = settings.restricted / ".pdf-cache"
    assert cache.is_relative_to(settings.restricted) and len(list(cache.rglob("*.pdf"))) == 3 * 2 + 2 + 3
    assert {p.stat().st_mode & 0o777 for p in cache.rglob("*")} == {0o700, 0o600}  # the owner's only
    # The unchanged PDFs are the cache's files, linked (neither read nor written again); made ones are new.
    month = next(p for p in settings.restricted.iterdir() if p.name[:1].isdigit())
    linked = {p.relative_to(month).as_posix() for p in month.rglob("*.pdf") if p.stat().st_nlink > 1}
    assert linked == {p for p in before if p.endswith(".pdf")} - set(differ) - {
        p
        for p in before
        if p.startswith("assessment")  # reports: written from the cache's bytes
    }

    # Another version of what joins the packs: the packs are joined again, from the cached sheets.
    monkeypatch.setattr(pipeline, "joiner", lambda: "pikepdf 0")
    laid_out.clear()
    _, printed = _restricted(settings, policies, executor)
    assert printed.written == 2 and printed.townships == 2 and not laid_out


@pytest.mark.slow
def test_cases_and_contacts_are_let_go_after_the_month_is_derived_and_still_counted(tmp_path, policies):
    from generators.commands.build import PersonalPairs
    from generators.registry.briefings import KeptPacks

    settings = _settings(tmp_path, "forget")
    registry = pipeline.import_registries(settings, policies, SerialExecutor())
    figures = pipeline.derive_month(settings, policies, registry, SerialExecutor())
    accepted = len(registry.imported.contacts)
    cases = len(registry.imported.cases)
    written = {value for _, value in registry.imported.contacts.values}  # staff names, notes
    names = {c.name for c in registry.imported.cases}
    pipeline.forget_contacts(registry)
    before, masked = registry.personal, PersonalPairs(registry)  # as the build's console masker takes them
    counted = figures.county
    pipeline.forget_cases(registry, figures)
    # (made anew, apart from where the cases lay; the masker reads the values the registry holds now)
    assert registry.personal is not before and registry.personal == before
    assert figures.county is not counted and figures.county == counted
    assert list(masked) == list(registry.personal.pairs())
    assert accepted and registry.imported.contacts.dates == {} == registry.imported.contacts.values
    assert cases and registry.imported.cases == []
    assert registry.summary["contacts_accepted"] == accepted  # counted before
    assert registry.summary["cases_accepted"] == cases
    assert written and written <= {n.value for n in registry.personal}  # still looked for when publishing
    assert names <= {n.value for n in registry.personal}
    # The stages after derivation need no case and no contact: the figures are counts, the packs kept.
    pages = pipeline.render_site_pages(settings, policies, registry, figures)
    assert pages.report
    plan = pipeline.plan_print(settings, policies, registry, figures, pages)
    assert isinstance(plan.packs, KeptPacks) and len(plan.packs) == SMALL["townships"]
    villages = SMALL["townships"] * SMALL["villages_per_township"]
    assert plan.township_documents == villages + SMALL["townships"]
    assert sum(p.totals[0] for p in plan.packs) == figures.county.total > 0
    assert [t.total for t in figures.county.villages] == [p.totals[0] for p in plan.packs]


@pytest.mark.slow
def test_a_build_reads_the_forms_before_the_registry_and_lets_the_cases_go_before_any_page(
    tmp_path, monkeypatch
):
    """Nothing the build keeps is made while the county's cases are held, but what is made of them: the
    forms (whose reading imports pandas) are read first, and the cases go before any page is made."""
    from generators.commands import build

    seen: list[object] = []
    forms, registry, handbook = (
        pipeline.load_forms,
        pipeline.import_registries,
        pipeline.render_handbook_pages,
    )
    imported: list[pipeline.Registry] = []

    def importing(*args, **kwargs):
        seen.append("registry")
        imported.append(registry(*args, **kwargs))
        return imported[-1]

    def pages(*args):
        seen.append(("pages", len(imported[-1].imported.cases)))
        return handbook(*args)

    monkeypatch.setattr(pipeline, "load_forms", lambda *args: seen.append("forms") or forms(*args))
    monkeypatch.setattr(pipeline, "import_registries", importing)
    monkeypatch.setattr(pipeline, "render_handbook_pages", pages)
    build.run(_settings(tmp_path, "order"), quiet=True, executor=SerialExecutor())
    assert seen == ["forms", "registry", ("pages", 0)]
    assert imported[-1].summary["cases_accepted"] > 0


@pytest.mark.slow
def test_an_editions_print_html_is_made_again_only_when_what_it_is_made_from_changed(
    tmp_path, policies, monkeypatch
):
    from dataclasses import replace

    shared = _settings(tmp_path, "print-html")
    settings = replace(shared, cache=tmp_path / "cache")  # the cut fonts only: no edition's HTML yet
    shutil.copytree(shared.cache / "fonts", settings.cache / "fonts")
    executor = SerialExecutor()
    registry = pipeline.import_registries(settings, policies, executor)
    figures = pipeline.derive_month(settings, policies, registry, executor)
    pages = pipeline.render_site_pages(settings, policies, registry, figures)
    made: list[str] = []
    real = pipeline.handbook_jobs
    monkeypatch.setattr(
        pipeline, "handbook_jobs", lambda env, e, *a: made.append(e["number"]) or real(env, e, *a)
    )
    first = pipeline.plan_print(settings, policies, registry, figures, pages)
    assert made == [e.number for e in policies.editions]
    made.clear()
    again = pipeline.plan_print(settings, policies, registry, figures, pages)
    assert made == [] and again.editions == first.editions  # every edition from the cache
    number = policies.editions[0].number
    tasks, rendered = pages.versions[number]
    page = next(t.path for t in tasks if t.path.startswith("units/") and t.path != "units/index.md")
    rendered[page] += "\n\n一段新加的说明。\n"
    changed = pipeline.plan_print(settings, policies, registry, figures, pages)
    assert made == [number]
    assert [j.path for j in changed.editions[number]] == [j.path for j in first.editions[number]]
    assert [j.path for j in changed.editions[number] if "一段新加的说明" in j.html] == [
        pipeline.handbook_pdf_path(policies.editions[0]),
        unit_pdf(page),
    ]


@pytest.mark.slow
def test_a_monthly_rebuild_of_the_site_is_byte_for_byte_a_whole_build(tmp_path, policies, monkeypatch):
    """The real pages: one village's workbook changes, the site is built from the last build (only the
    changed pages rendered) and comes out as a whole build of the same inputs."""
    import dataclasses

    import mkdocs.commands.build

    first = _settings(tmp_path, "generate")
    executor = PoolExecutor(2)
    try:
        pipeline.import_registries(first, policies, executor)  # writes the small county's workbooks
        folder = tmp_path / "registry"
        shutil.copytree(first.build / "registry-default", folder)
        shared = Path(first.cache)  # the cut fonts and public PDFs; each build below its own site cache

        def site(name: str, reuse: str) -> dict[str, bytes]:
            cache = tmp_path / reuse
            for part in ("fonts", "pdf"):
                if not (cache / part).exists() and (shared / part).exists():
                    cache.mkdir(exist_ok=True)
                    (cache / part).symlink_to(shared / part)
            settings = dataclasses.replace(_settings(tmp_path, name, registry=folder), cache=cache)
            registry = pipeline.import_registries(settings, policies, executor)
            figures = pipeline.derive_month(settings, policies, registry, executor)
            pages = pipeline.render_site_pages(settings, policies, registry, figures)
            plan = pipeline.plan_print(settings, policies, registry, figures, pages)
            pipeline.print_public(settings, policies, pages, plan, executor)
            staging = pipeline.build_handbook_site(settings, policies, registry, pages)
            out = _tree(staging)
            shutil.rmtree(staging)
            return out

        from generators.website import render

        rendered: list[str] = []  # the live pages rendered (the others taken from build/page-cache)
        render_page = render.render_page
        monkeypatch.setattr(
            render, "render_page", lambda env, t: rendered.append(t.path) or render_page(env, t)
        )
        before = site("monthly", "cache-a")
        every = sum(p.startswith("registry/") for p in rendered)
        township, village = _change_a_village(folder).stem.split("-", 1)
        dirty: list[bool] = []
        real = mkdocs.commands.build.build
        monkeypatch.setattr(
            mkdocs.commands.build, "build", lambda c, **k: dirty.append(k.get("dirty", False)) or real(c, **k)
        )
        rendered.clear()
        after = site("monthly", "cache-a")
        assert dirty == [True]  # the latest edition only, from its last build
        # its village, township and county, and those whose hidden figures it changed (never all of them)
        again = [p for p in rendered if p.startswith("registry/")]
        assert f"registry/{township}/{village}.md" in again and len(again) < every
        dirty.clear()
        whole = site("whole", "cache-b")
        assert dirty == [False, False, False]  # every edition built whole
    finally:
        executor.close()
    assert after != before and sorted(after) == sorted(whole)
    assert [p for p in whole if whole[p] != after[p]] == []


def test_documents_that_share_a_path_keep_their_own_bytes(tmp_path):
    """Every edition has a downloads/units/police.pdf: each must get its own edition's PDF."""
    from generators.printing.fonts import prepare_print_fonts
    from generators.printing.jobs import PrintJob
    from generators.printing.pdf import PdfCache, print_setup
    from generators.website.render import make_environment

    setup = print_setup(make_environment(ROOT / "templates"), prepare_print_fonts(ROOT / ".cache" / "fonts"))
    jobs = [
        (PrintJob("units/police.pdf", f"<p>{text}</p>"), False) for text in ("第一版", "第二版", "第一版")
    ]
    cache = PdfCache(tmp_path / "pdf")
    first = pipeline.render_cached(SerialExecutor(), setup, jobs, cache)
    assert first[0] != first[1] and first[0] == first[2] and cache.hits == 0
    again = pipeline.render_cached(SerialExecutor(), setup, jobs, PdfCache(tmp_path / "pdf"))
    assert again == first


@dataclass(frozen=True)
class _Stamp:
    """Form fields that mark the PDF with their word."""

    word: str

    def __call__(self, pdf: bytes, boxes) -> bytes:
        return pdf + f"%{self.word}\n".encode()

    @property
    def key(self) -> str:
        return self.word


def test_pdfs_are_cached_by_their_form_fields_and_our_pdf_code(tmp_path, monkeypatch):
    """A fillable form is taken from the cache when its HTML and what its fields are made from are the
    same; a PDF cached by another version of our PDF code is made again."""
    from dataclasses import replace

    from generators.printing.fonts import prepare_print_fonts
    from generators.printing.jobs import PrintJob
    from generators.printing.pdf import PdfCache, print_setup
    from generators.website.render import make_environment

    setup = print_setup(make_environment(ROOT / "templates"), prepare_print_fonts(ROOT / ".cache" / "fonts"))
    made: list[str] = []
    real = pipeline.render_document
    monkeypatch.setattr(pipeline, "render_document", lambda s, item: made.append(item[0]) or real(s, item))
    jobs = [(PrintJob("form.pdf", "<p>自评表</p>", _Stamp(word)), True) for word in ("甲", "乙")]

    first = pipeline.render_cached(SerialExecutor(), setup, jobs, PdfCache(tmp_path / "pdf"))
    assert len(made) == 2 and first[0].endswith("%甲\n".encode()) and first[1].endswith("%乙\n".encode())
    again = pipeline.render_cached(SerialExecutor(), setup, jobs, PdfCache(tmp_path / "pdf"))
    assert again == first and len(made) == 2  # both from the cache
    upgraded = replace(setup, code="another version of the writer")
    pipeline.render_cached(SerialExecutor(), upgraded, jobs, PdfCache(tmp_path / "pdf"))
    assert len(made) == 4


def test_a_worker_elsewhere_gets_the_fonts_and_keeps_nothing(tmp_path):
    """A Dask worker on another machine has no font files at the build's paths: the setup carries their
    bytes, the worker writes them to a private temporary folder, and forgets them after the run."""
    from dataclasses import replace

    from generators.printing import pdf
    from generators.printing.fonts import prepare_print_fonts
    from generators.website.render import make_environment

    pdf.forget_writers()  # a writer of this process for the same content would be used as it is
    env = make_environment(ROOT / "templates")
    fonts = prepare_print_fonts(ROOT / ".cache" / "fonts")
    here = pdf.print_setup(env, fonts)
    moved = {f.uri: f.uri.replace(str(fonts.regular.parent), str(tmp_path / "elsewhere")) for f in here.fonts}
    css = here.css
    for old, new in moved.items():
        css = css.replace(old, new)
    remote = replace(
        here.portable(), css=css, fonts=tuple(replace(f, uri=moved[f.uri]) for f in here.portable().fonts)
    )
    assert remote.key == here.key  # the same content, wherever the files are
    data = pdf.render_document(remote, ("<p>第一页</p>", False, None))
    assert data.startswith(b"%PDF") and data == pdf.render_document(here, ("<p>第一页</p>", False, None))
    sent = list(pdf._FONT_DIR)
    assert sent and all(p.exists() for p in sent)
    pdf.forget_writers()
    assert not any(p.exists() for p in sent) and not pdf._WRITERS


# Registry folders as villages send them: subfolders, .xls/.ods/.csv, lock files, a corrupt or encrypted
# file among good ones, a village sent twice, rows rejected and warned about.
MIXED = (
    "02-ods-file",
    "04-real-xls",
    "06-township-subfolders",
    "07-lock-and-other-files",
    "11-village-sent-twice-newer",
    "13-corrupt-file-among-good",
    "15-encrypted-xlsx",
    "30-csv-ragged-rows",
    "32-csv-gbk-title-rows",
    "45-duplicates-in-village",
)


def test_import_one_task_per_file_gives_the_same_bytes_serial_and_pooled(tmp_path, model):
    """Each file read by its own task (#15's read_registry_file) in a pool of two, results put back in the
    listing's order: the import, its rejected-rows workbook and its notices are those of a serial read."""
    import datetime as dt

    from generators.registry.folder import registry_files
    from generators.registry.local_rules import county_rules
    from generators.registry.rejected import rejected_workbook
    from generators.registry.validate import FileContext, import_reads, import_registry, read_folder
    from tests.registry_fixtures import SCHEMA

    corpus = ROOT / "tests" / "corpus" / "registry"
    folder = tmp_path / "registry"
    for name in MIXED:
        shutil.copytree(corpus / "scenarios" / name, folder / name)
    places = read_places(corpus / "places.yaml")
    rules = county_rules(model, places, 90)
    as_of = dt.date(2026, 10, 31)
    listing = registry_files(folder)
    assert len(listing.files) > len(MIXED)  # several files per folder

    def imported(executor, context=None) -> tuple[bytes, bytes]:
        listed, reads = read_folder(folder, SCHEMA, executor.run, None, None, context)
        assert (
            listed == listing and [r.path for r in reads] == listing.files
        )  # the listing's order, whatever finished first
        result = import_reads(folder, listing, reads, places, model, rules, as_of)
        book = rejected_workbook(SCHEMA, result.rejected, result.warnings, result.files, result.notes)
        return repr(result).encode(), book  # repr: content only, not object identity

    pool = PoolExecutor(2)
    try:
        pooled = imported(pool)
        alone = imported(pool, FileContext.of(places, model, rules, as_of, folder))  # validated in the tasks
    finally:
        pool.close()
    serial = imported(SerialExecutor())
    assert pooled == serial == alone
    direct = import_registry(folder, SCHEMA, places, model, rules, as_of)  # read in this process
    assert repr(direct).encode() == serial[0]
    assert direct.rejected and direct.unreadable and direct.cases  # the folder is varied enough


# --- made-up names and the privacy guard -----------------------------------------------------------
def _county(policies, **over):
    from generators.registry.config import read_registry_config

    settings = _settings(Path("/nonexistent"), "x")
    synthetic = size(**over)
    sized, places, printed = pipeline.synthetic_county(settings, policies, synthetic, LISTED)
    config = read_registry_config(ROOT / "data" / "registry.yaml")
    return settings, synthetic, sized, places, printed, config


def test_a_place_name_inside_another_is_not_printed_alone_but_a_name_across_two_is():
    from generators.registry.synthetic import PrintedWords

    printed = PrintedWords.of(["杨湾社区、青山社区；成文日期"], ["杨湾社区", "青山社区"])
    assert "成文" in printed and "区青" in printed and "成文日期" in printed
    assert "杨湾" not in printed and "青山" not in printed  # the guard counts them as the place's own


@pytest.mark.parametrize("townships,villages", [(20, 20), (40, 10), (80, 20)])
def test_made_up_places_are_no_words_the_site_prints(policies, townships, villages):
    from generators.privacy.guard import letters_form

    settings, _, sized, places, _, _ = _county(policies, townships=townships, villages_per_township=villages)
    text = "\n".join(letters_form(t) for t in pipeline.site_texts(settings, policies))
    listed = set(LISTED.names())
    made = [n for t in sized.townships for n in (t.name, *(v.name for v in t.villages)) if n not in listed]
    assert len(made) > townships * villages * 0.9
    bases = [re.sub("(镇|街道|村|社区)$", "", n) for n in made]
    assert [b for b in bases if b in text] == []


def test_a_big_made_up_county_gives_the_guard_nothing_to_find_in_what_the_site_prints(policies):
    """40 townships × 10 villages of made-up people: no name, guardian or visiting staff member is a word
    of the policy texts, the vocabularies, the templates, the theme or the place list as pages print it."""
    from generators.privacy.guard import Matcher, Needle
    from generators.registry.local_rules import county_rules
    from generators.registry.pii import place_words
    from generators.registry.synthetic import generate

    settings, synthetic, sized, places, printed, config = _county(
        policies, townships=40, villages_per_township=10, cases_per_village=30, months=2
    )
    rules = county_rules(policies.model, places, config.periodic_contact_days).narrowest_ages()
    people = generate(synthetic, rules, sized, printed)
    names = {
        row[key]
        for cases, _ in people.values()
        for row in cases
        for key in ("name", "guardian", "contact_person")
    }
    assert len(names) > 5000
    matcher = Matcher([Needle(n, "姓名", "") for n in sorted(names)], place_words(places))
    found = {
        form
        for text in pipeline.site_texts(settings, policies) + pipeline.place_texts(places)
        for (_, form), _ in matcher.find(text)
    }
    assert found == set()
    # nor across the edge of a printed stretch and a place name (a table's 合计 header, then 宁滩村)
    ends = {
        m[-1] for t in pipeline.site_texts(settings, policies) for m in re.findall(r"[\u4e00-\u9fff]+", t)
    }
    starts = {v.name[0] for t in places.townships for v in t.villages}
    assert [n for n in names if len(n) == 2 and n[0] in ends and n[1] in starts] == []
    # without the care, such a county's names are found (the guard would stop its build)
    careless = generate(synthetic, rules, sized)
    names = {row["name"] for cases, _ in careless.values() for row in cases}
    matcher = Matcher([Needle(n, "姓名", "") for n in sorted(names)], place_words(places))
    assert any(matcher.find(text) for text in pipeline.site_texts(settings, policies))


def test_a_synthetic_county_is_drawn_one_village_at_a_time_as_its_workbooks_are_written(tmp_path, policies):
    """The executor is handed the villages as they are drawn (a province's people are never all held in
    the build process at once), and the workbooks are those the serial path writes, byte for byte."""
    from generators.registry.local_rules import county_rules
    from generators.registry.schema import read_schema
    from generators.registry.synthetic import write_synthetic_registry

    _, synthetic, sized, places, printed, config = _county(
        policies, townships=3, villages_per_township=4, cases_per_village=5, months=2
    )
    rules = county_rules(policies.model, places, config.periodic_contact_days).narrowest_ages()
    schema = read_schema(ROOT / "data" / "registry" / "schema.yaml")
    ahead: list[int] = []

    def run(fn, items, shared, total):
        assert not hasattr(items, "__len__") and total == 12
        source = iter(items)
        for index, item in enumerate(source):
            ahead.append(sum(1 for p in tmp_path.joinpath("pooled").iterdir()) - index)
            yield index, fn(shared, item)

    (tmp_path / "pooled").mkdir()
    (tmp_path / "serial").mkdir()
    pooled = write_synthetic_registry(synthetic, rules, schema, tmp_path / "pooled", sized, run, printed)
    serial = write_synthetic_registry(synthetic, rules, schema, tmp_path / "serial", sized, None, printed)
    assert ahead == [0] * 12  # each village drawn when the one before it was written, not before
    assert [p.name for p in pooled] == [p.name for p in serial] and len(serial) == 12
    assert all(a.read_bytes() == b.read_bytes() for a, b in zip(pooled, serial, strict=True))


def test_a_county_within_the_list_with_more_people_gives_the_guard_nothing_to_find(tmp_path, policies):
    """Three villages of 300: the default list's places, other people than the default county's. Drawn
    without care, two of them were 张明 (the guide's example 张*明 reads so) and 段成 (a clause's label 第1段
    then 成立…), and the guard stopped the build."""
    from generators.privacy.guard import Matcher
    from generators.registry.pii import place_words

    settings = _settings(
        tmp_path,
        "county",
        synthetic={"townships": 1, "villages_per_township": 3, "cases_per_village": 300, "months": 12},
    )
    registry = pipeline.import_registries(settings, policies, SerialExecutor())
    assert len(registry.imported.cases) > 850 and registry.places.names() == LISTED.names()
    matcher = Matcher(registry.personal, place_words(registry.places))
    texts = pipeline.site_texts(settings, policies) + pipeline.place_texts(registry.places)
    assert [form for text in texts for (_, form), _ in matcher.find(text)] == []


def test_a_bigger_synthetic_countys_public_place_words_come_from_its_place_list(tmp_path, policies):
    """The guard's public words are the county's place list (data/places.yaml) with the places made up for
    a bigger synthetic county, as the generator made them; never the place cells of the registry."""
    from generators.registry.pii import place_words

    settings = _settings(
        tmp_path,
        "county",
        synthetic={"townships": 3, "villages_per_township": 2, "cases_per_village": 4, "months": 2},
    )
    registry = pipeline.import_registries(settings, policies, SerialExecutor())
    synthetic = size(townships=3, villages_per_township=2, cases_per_village=4, months=2)
    _, places, _ = pipeline.synthetic_county(settings, policies, synthetic, LISTED)
    assert registry.places == places and len(places.townships) == 3
    assert read_places(settings.build / "registry-default-places.yaml") == places
    made = places.townships[2]
    assert made.name not in LISTED.names() and {c.township for c in registry.imported.cases} >= {made.name}
    words = set(place_words(registry.places))
    assert {made.name, *(v.name for v in made.villages)} <= words
    assert set(LISTED.names()) <= words  # listed villages without a registry this time stay public words


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_an_unchanged_edition_is_copied_not_built_again(tmp_path, monkeypatch):
    """mkdocs has no incremental build: an edition whose inputs are all unchanged is copied from the last
    build that passed the check; a changed one is built; a failed check keeps nothing."""
    import mkdocs.commands.build

    from generators.website.mkdocs_build import VersionBuild, build_site

    built: list[str] = []
    real = mkdocs.commands.build.build
    monkeypatch.setattr(
        mkdocs.commands.build, "build", lambda c, **k: built.append(c.site_dir) or real(c, **k)
    )
    words = tmp_path / "dict.txt"
    words.write_text("", encoding="utf-8")
    editions = []
    for slug in ("a", "b"):
        docs = tmp_path / "docs" / slug
        docs.mkdir(parents=True)
        (docs / "index.md").write_text(f"# 版本 {slug}\n\n正文。\n", encoding="utf-8")
        editions.append(VersionBuild(slug, docs, ["index.md"], words))
    reuse, site = tmp_path / "reuse", tmp_path / "site"

    def build(check=None) -> dict[str, bytes]:
        built.clear()
        staging = build_site(ROOT / "mkdocs.yml", editions, site, 86400, {}, {}, check, reuse=reuse)
        out = _tree(staging)
        shutil.rmtree(staging)
        return out

    first = build()
    assert len(built) == 2 and len([p for p in reuse.iterdir() if p.is_dir()]) == 2
    assert build() == first and built == []  # both copied, byte for byte
    (tmp_path / "docs" / "b" / "index.md").write_text("# 版本 b\n\n改过的正文。\n", encoding="utf-8")
    changed = build()
    assert len(built) == 1 and Path(built[0]).name == "b" and changed != first
    assert (
        len([p for p in reuse.iterdir() if p.is_dir()]) == 2 and len(list(reuse.iterdir())) == 4
    )  # old b gone
    (tmp_path / "docs" / "a" / "index.md").write_text("# 版本 a\n\n又改了。\n", encoding="utf-8")

    def refuse(folder):
        raise RuntimeError("guard")

    with pytest.raises(RuntimeError):
        build(refuse)
    assert build() is not None and [Path(s).name for s in built] == ["a"]  # a was not kept by the failed one


def test_the_aliases_redirect_pages_are_kept_until_the_pages_are_named_otherwise(tmp_path):
    """The latest alias has a redirect page for every page of its edition: written once, then linked from
    the last build that passed the check while the edition's pages keep their names."""
    from generators.website.mkdocs_build import VersionBuild, build_site

    words = tmp_path / "dict.txt"
    words.write_text("", encoding="utf-8")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# 首页\n\n正文。\n", encoding="utf-8")
    (docs / "guide.md").write_text("# 使用说明\n\n正文。\n", encoding="utf-8")
    reuse, site = tmp_path / "reuse", tmp_path / "site"

    def build(nav: list[str]) -> tuple[dict[str, bytes], set[int]]:
        edition = VersionBuild("2024.2", docs, nav, words)
        staging = build_site(
            ROOT / "mkdocs.yml", [edition], site, 86400, {}, {"latest": "2024.2"}, reuse=reuse
        )
        out = _tree(staging)
        inodes = {p.stat().st_ino for p in (staging / "latest").rglob("*.html")}
        shutil.rmtree(staging)
        return out, inodes

    def kept() -> set[int]:
        return {p.stat().st_ino for p in reuse.glob("redirects-*/latest/**/*.html")}

    first, written = build(["index.md", "guide.md"])
    assert "latest/guide.html" in first and written and written == kept()
    (docs / "guide.md").write_text("# 使用说明\n\n改过的正文。\n", encoding="utf-8")
    again, linked = build(["index.md", "guide.md"])
    assert linked == written  # the kept pages themselves
    assert {p: v for p, v in again.items() if p.startswith("latest/")} == {
        p: v for p, v in first.items() if p.startswith("latest/")
    }
    (docs / "help.md").write_text("# 帮助\n\n正文。\n", encoding="utf-8")
    more, fresh = build(["index.md", "guide.md", "help.md"])
    assert "latest/help.html" in more and not fresh & written and fresh == kept()


def test_the_themes_templates_are_compiled_once_and_give_the_same_pages(tmp_path, monkeypatch):
    """mkdocs compiles the theme's templates for every edition of every build: they are kept compiled
    (jinja2's bytecode cache, where our own templates are kept), and the site is the same bytes."""
    import jinja2

    from generators.website.mkdocs_build import VersionBuild, build_site

    compiled: list[str] = []
    real = jinja2.Environment.compile
    monkeypatch.setattr(
        jinja2.Environment, "compile", lambda env, *a, **k: compiled.append(a[1]) or real(env, *a, **k)
    )
    words = tmp_path / "dict.txt"
    words.write_text("", encoding="utf-8")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# 首页\n\n正文。\n", encoding="utf-8")
    edition = [VersionBuild("a", docs, ["index.md"], words)]

    def build(kept: Path | None) -> dict[str, bytes]:
        compiled.clear()
        cache = jinja2.FileSystemBytecodeCache(str(kept)) if kept else None
        staging = build_site(ROOT / "mkdocs.yml", edition, tmp_path / "site", 86400, {}, {}, compiled=cache)
        out = _tree(staging)
        shutil.rmtree(staging)
        return out

    plain = build(None)
    assert "main.html" in compiled
    (tmp_path / "templates").mkdir()
    first = build(tmp_path / "templates")
    assert first == plain and any((tmp_path / "templates").iterdir())
    assert build(tmp_path / "templates") == plain and "main.html" not in compiled


def test_mkdocs_lets_each_page_go_once_it_is_written_and_the_site_is_the_same_bytes(tmp_path, monkeypatch):
    """mkdocs converts every page before it writes one and holds them all to the end: a county's village
    pages held memory in proportion to the county. Each page's Markdown goes once converted, its HTML once
    written; titles (in the navigation of pages written later) and every byte stay the same."""
    import mkdocs.commands.build as mkdocs_build_command

    from generators.website import mkdocs_build
    from generators.website.mkdocs_build import VersionBuild, build_site

    words = tmp_path / "dict.txt"
    words.write_text("", encoding="utf-8")
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "index.md").write_text("# 首页\n\n正文，见[乙村](b.md)。\n", encoding="utf-8")
    (docs / "a.md").write_text(
        '---\ntitle: "甲村"\n---\n# 甲村：汇总\n\n| 群体 | 人数 |\n|---|---|\n| 闲散 | 5 |\n'
    )
    (docs / "b.md").write_text("# 乙村\n\n正文。\n", encoding="utf-8")
    edition = [VersionBuild("a", docs, ["index.md", "a.md", "b.md"], words)]
    held: list[tuple[str, object, object]] = []
    populate, write = mkdocs_build_command._populate_page, mkdocs_build_command._build_page

    def populated(page, *a, **k):
        populate(page, *a, **k)
        held.append(("converted", page.file.src_uri, page.markdown))

    def written(page, *a, **k):
        write(page, *a, **k)
        held.append(("written", page.file.src_uri, page.content))

    monkeypatch.setattr(mkdocs_build_command, "_populate_page", populated)
    monkeypatch.setattr(mkdocs_build_command, "_build_page", written)

    def build() -> dict[str, bytes]:
        held.clear()
        staging = build_site(ROOT / "mkdocs.yml", edition, tmp_path / "site", 86400, {}, {})
        out = _tree(staging)
        shutil.rmtree(staging)
        return out

    let_go = build()
    assert sorted(held) == sorted(
        [
            (step, page, "" if step == "converted" else None)
            for step in ("converted", "written")
            for page in ("index.md", "a.md", "b.md")
        ]
    )
    from mkdocs.plugins import BasePlugin

    monkeypatch.setattr(mkdocs_build, "_pages_let_go", BasePlugin)
    kept = build()
    assert all(value for _, _, value in held)  # without it, every page is held to the end
    navigation = let_go["a/b.html"].decode()  # written last: the others' titles in its navigation
    assert let_go == kept and all(title in navigation for title in ("首页", "甲村", "乙村"))


def test_an_edition_where_only_some_pages_changed_builds_them_alone_and_the_same_bytes(tmp_path, monkeypatch):
    """A monthly rebuild changes a few registry pages: mkdocs renders those pages only (its dirty build
    over the last build), and the edition comes out byte for byte as a whole build of the same pages."""
    import mkdocs.commands.build

    from generators.website.mkdocs_build import VersionBuild, build_site

    rendered: list[str] = []  # the pages mkdocs renders (a dirty build skips the pages it leaves as they are)
    real = mkdocs.commands.build._build_page

    def build_page(page, config, doc_files, nav, env, dirty=False, **kwargs):
        if not dirty or page.file.is_modified():
            rendered.append(page.file.src_uri)
        return real(page, config, doc_files, nav, env, dirty, **kwargs)

    monkeypatch.setattr(mkdocs.commands.build, "_build_page", build_page)
    words = tmp_path / "dict.txt"
    words.write_text("上口社区 100000\n", encoding="utf-8")
    docs = tmp_path / "docs"

    def write(rel: str, text: str) -> None:
        (docs / rel).parent.mkdir(parents=True, exist_ok=True)
        (docs / rel).write_text(text, encoding="utf-8")

    def county(high: int) -> None:
        write("index.md", "# 手册\n\n见[台账汇总](registry/index.md)。\n")
        write("guide.md", "# 使用说明\n\n## 隐去规则 {#suppression}\n\n少于 3 人不显示。\n")
        write(
            "registry/index.md",
            f"# 全县台账汇总\n\n| 乡镇 | 高风险 |\n|:--|--:|\n| [沙铺街道](沙铺街道/index.md) | {high} |\n",
        )
        write("registry/沙铺街道/index.md", f"# 沙铺街道\n\n[上口社区](上口社区.md) 高风险 {high} 人。\n")
        write(
            "registry/沙铺街道/上口社区.md",
            f'---\ntitle: "上口社区"\n---\n# 上口社区：台账汇总\n\n'
            f"[← 沙铺街道](index.md)\n\n## 风险等级\n\n| 风险等级 | 人数 |\n|:--|--:|\n| 高风险 | {high} |\n\n"
            f"见[规则](../../guide.md#suppression)。\n\n![图](chart.svg)\n",
        )
        write("registry/沙铺街道/东山社区.md", "# 东山社区：台账汇总\n\n## 风险等级\n\n高风险 \\* 人。\n")
        write("registry/高峰镇/index.md", "# 高峰镇\n\n本月无变化。\n")  # unchanged, the changed page's next
        write(
            "registry/沙铺街道/chart.svg",
            f'<svg xmlns="http://www.w3.org/2000/svg"><text>{high}</text></svg>',
        )

    nav = [
        {"手册": "index.md"},
        {"使用说明": "guide.md"},
        {
            "台账汇总": [
                "registry/index.md",
                {"沙铺街道": ["registry/沙铺街道/index.md"]},
                {"高峰镇": ["registry/高峰镇/index.md"]},
            ]
        },
    ]
    hidden = (
        "registry/沙铺街道/上口社区.md",
        "registry/沙铺街道/东山社区.md",
        "registry/沙铺街道/西台社区.md",
    )
    edition = VersionBuild("2024.2", docs, nav, words, hidden)

    def build(reuse: Path) -> dict[str, bytes]:
        rendered.clear()
        staging = build_site(ROOT / "mkdocs.yml", [edition], tmp_path / "site", 86400, {}, {}, reuse=reuse)
        out = _tree(staging)
        shutil.rmtree(staging)
        return out

    county(8)
    first = build(tmp_path / "reuse")
    assert len(rendered) == 7
    # Unchanged files are links into the kept build (as the published site is): one more link to each
    # keeps an eye on it. Nothing of it may change, though its folder goes once a newer build is kept.
    kept = next(p for p in (tmp_path / "reuse").iterdir() if p.is_dir())
    shutil.copytree(kept, tmp_path / "witness", copy_function=os.link)
    county(7)  # one village's risk counts, its township's and the county's pages and its chart
    again = build(tmp_path / "reuse")
    edition_files = {k.removeprefix("2024.2/"): v for k, v in first.items() if k.startswith("2024.2/")}
    assert _tree(tmp_path / "witness") == edition_files
    linked = {p.relative_to(tmp_path / "witness").as_posix() for p in (tmp_path / "witness").rglob("*")}
    assert "registry/沙铺街道/东山社区.html" in {
        p for p in linked if os.stat(tmp_path / "witness" / p).st_nlink > 1
    }
    assert sorted(rendered) == [
        "registry/index.md",
        "registry/沙铺街道/index.md",
        "registry/沙铺街道/上口社区.md",
    ]
    whole = build(tmp_path / "fresh")
    assert len(rendered) == 7 and again != first
    assert [p for p in whole if whole[p] != again.get(p)] == [] and sorted(again) == sorted(whole)
    write("registry/沙铺街道/西台社区.md", "# 西台社区：台账汇总\n")  # a new page: other files, a whole build
    build(tmp_path / "reuse")
    assert len(rendered) == 8


def test_search_entries_of_rebuilt_pages_take_the_place_of_their_old_ones():
    from generators.website.mkdocs_build import merged_entries

    def entries(*locations: str) -> list[dict]:
        return [{"location": loc, "title": loc, "text": ""} for loc in locations]

    previous = entries("index.html", "a/%E4%B8%8A.html", "a/%E4%B8%8A.html#x", "b.html")
    fresh = [{"location": "a/%E4%B8%8A.html#y", "title": "new", "text": ""}]
    merged = merged_entries(previous, fresh, {"a/上.html"})
    assert [e["location"] for e in merged] == ["index.html", "a/%E4%B8%8A.html#y", "b.html"]
    assert merged_entries(previous, [], {"a/上.html"}) == entries("index.html", "b.html")
    # a rebuilt page that had no entries: where its entries go only a whole build knows
    assert merged_entries(previous, entries("c.html"), {"c.html"}) is None


def test_public_pdfs_go_to_the_workers_longest_first_and_say_when_all_are_handed_over(tmp_path):
    """The whole handbooks start first; the townships' printing waits until every public PDF is with the
    workers, so that mkdocs and the privacy check run while the workers print the townships."""
    import threading

    from generators.printing.fonts import prepare_print_fonts
    from generators.printing.jobs import PrintJob
    from generators.printing.pdf import PdfCache, print_setup
    from generators.website.render import make_environment

    handed_over = threading.Event()
    seen: list[tuple[int, bool]] = []

    class Recording:
        name, workers = "pool", 2

        def run(self, fn, items, shared=None, total=None, tick=None):
            for index, item in enumerate(items):
                seen.append((len(item[0]), handed_over.is_set()))
                yield index, item[0].encode()

    setup = print_setup(make_environment(ROOT / "templates"), prepare_print_fonts(ROOT / ".cache" / "fonts"))
    jobs = [(PrintJob(f"{n}.pdf", "<p>" + "字" * n + "</p>"), False) for n in (5, 300, 40, 300)]
    pdfs = pipeline.render_cached(Recording(), setup, jobs, PdfCache(tmp_path), handed_over=handed_over)
    assert pdfs == [job.html.encode() for job, _ in jobs]  # in the jobs' order, whatever ran first
    assert [n for n, _ in seen] == [307, 47, 12]  # each distinct document once, longest first
    assert handed_over.is_set() and not any(done for _, done in seen)


def test_the_public_pdfs_start_before_the_pages_and_the_townships_wait_for_them(tmp_path, monkeypatch):
    """The public PDFs go to the workers as soon as they are planned, without waiting for the registry's
    pages; written out with those pages once they are there; the townships start once every public PDF
    is with the workers. A failure on either side is reported, and nothing waits for ever."""
    import threading
    import time
    from types import SimpleNamespace

    from generators.commands import build

    said: list[str] = []
    printing = threading.Event()

    def public_pdfs(settings, public, executor, tick, handed_over, stop):
        printing.set()
        time.sleep(0.2)
        said.append("public PDFs handed over")
        handed_over.set()
        return [], 0

    monkeypatch.setattr(pipeline, "print_public_pdfs", public_pdfs)
    monkeypatch.setattr(pipeline, "write_public", lambda *a: said.append(f"public PDFs written with {a[2]}"))
    monkeypatch.setattr(pipeline, "build_handbook_site", lambda *a: said.append("site") or tmp_path)
    pool = SimpleNamespace(name="pool")
    staged = pipeline.Staged()
    public = build.PublicSite(SimpleNamespace(site=tmp_path), None, None, None, pool)
    assert printing.wait(10)  # started with no pages yet
    said.append("pages rendered")

    class Pages(str):
        def forget_rendered(self) -> None:
            said.append("rendered pages let go")

    pages: Any = Pages("the pages")
    made, _ = public.finish(pages, staged, lambda: said.append("townships"))
    public.join()
    assert made == 0 and staged.folders == [(tmp_path, tmp_path)]
    order = ["pages rendered", "public PDFs written with the pages", "rendered pages let go", "site"]
    assert sorted(order, key=said.index) == order
    assert said.index("public PDFs handed over") < said.index("townships")

    def failing(*args):
        raise RuntimeError("a public PDF failed")

    monkeypatch.setattr(pipeline, "print_public_pdfs", failing)
    public = build.PublicSite(SimpleNamespace(site=tmp_path), None, None, None, pool)
    with pytest.raises(RuntimeError, match="a public PDF failed"):
        public.finish("the pages", staged, lambda: "townships")
    public.join()

    # The build stops before its pages are made: the thread is told, and ends.
    monkeypatch.setattr(pipeline, "print_public_pdfs", public_pdfs)
    public = build.PublicSite(SimpleNamespace(site=tmp_path), None, None, None, pool)
    public.stop()
    public.join()
    assert said.count("site") == 1


def test_a_stopped_build_hands_over_no_more_public_pdfs():
    import threading

    handed_over, stop = threading.Event(), threading.Event()
    items = pipeline._then_set(["handbook", "units", "forms"], handed_over, stop)
    assert next(items) == "handbook" and not handed_over.is_set()
    stop.set()
    assert list(items) == [] and handed_over.is_set()  # the townships' side does not wait for ever


def test_freed_memory_is_handed_back_where_the_c_library_can():
    import platform

    from generators.core.memory import _trim, return_freed_memory

    return_freed_memory()  # never fails, whatever the C library
    if platform.system() == "Linux" and platform.libc_ver()[0] == "glibc":
        assert _trim() is not None  # this machine kind: glibc's malloc_trim is found and used


def test_a_townships_listed_keys_are_used_only_when_well_formed_and_all_cached(tmp_path):
    """What `.pack-keys` lists is taken only as this build writes it: hexadecimal keys of PDFs that are
    all in the cache, as many as the township has documents; anything else is found again by rendering."""
    import json

    from generators.printing.pdf import PdfCache

    cache = PdfCache(tmp_path / ".pdf-cache", private=True)
    key = "a" * 64
    cache.put(key, b"%PDF-1.7\n")
    listed = json.dumps([["briefings/高峰镇-简报汇编.pdf", key]]).encode()
    assert pipeline._known_files(listed, cache, 1) == {"briefings/高峰镇-简报汇编.pdf": cache.file(key)}
    for wrong in (
        b"not json",
        b"{}",
        b"[1]",
        b'"ab"',
        json.dumps([["briefings/x.pdf", "../../../../etc/passwd"]]).encode(),
        json.dumps([["briefings/x.pdf", "b" * 64]]).encode(),  # not cached
        None,
    ):
        assert pipeline._known_files(wrong, cache, 1) is None
    assert pipeline._known_files(listed, cache, 2) is None  # a village more this month


def test_the_other_workers_make_their_writers_while_the_first_sheets_are_laid_out():
    """A monthly rebuild prints one sheet, then its pack on the worker that has waited longest: after the
    first task, each other worker gets one that only makes its writer (no sheet, no pack), so the pack's
    worker has it ready. Those finishing lets no pack go; the sheet's finishing does."""
    from generators.printing.packs import SheetPrint, TownshipPrint

    item = TownshipPrint("高峰镇", (SheetPrint("村.pdf", "<p>村</p>"),), "镇.pdf", "<p>镇</p>")
    keys = {"村.pdf": "k1", "镇.pdf": "k2"}
    tasks = pipeline.TownshipTasks(iter([(item, keys)]), lambda path: b"%PDF-" + path.encode(), workers=3)
    items = iter(tasks)
    first, *warm = next(items), next(items), next(items)
    assert [s.path for s in first.sheets] == ["村.pdf"] and first.pack_path is None
    assert all(w.sheets == () and w.pack_path is None for w in warm)
    assert next(items) is LATER  # the pack waits for its sheet
    assert tasks.finished(1) == {} and tasks.finished(2) == {}
    assert next(items) is LATER
    assert tasks.finished(0) == keys
    pack = next(items)
    assert pack.pack_path == "镇.pdf" and pack.sheets == (SheetPrint("村.pdf", "", "%PDF-村.pdf".encode()),)
    assert list(items) == [] and tasks.townships == 1
    alone = iter(pipeline.TownshipTasks(iter([(item, keys)]), lambda path: b"", workers=1))
    assert next(alone).sheets and next(alone) is LATER  # one worker: nothing to warm


def test_rendered_pages_are_let_go_once_written_for_mkdocs():
    """mkdocs reads the pages from the docs folder and holds them as it builds: the build's own copies (a
    county's village pages) go once written, and the site is made from the page tasks alone."""
    from types import SimpleNamespace

    tasks = [SimpleNamespace(path="registry/镇/村.md")]
    versions = {"2024.2": (tasks, {"registry/镇/村.md": "# 村"})}
    pages = pipeline.Pages(None, versions, set(), {}, {})  # type: ignore[arg-type]
    pages.forget_rendered()
    assert pages.versions == {"2024.2": (tasks, {})}
