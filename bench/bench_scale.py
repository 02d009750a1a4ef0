"""Benchmark: a county of 400 villages (W1 = 20 townships × 20 villages × 60 cases × 12 months) built
against the floor, in one run, every figure a ratio beside its target (machines differ; ratios less so).

Run: .venv/bin/python bench/bench_scale.py [--skip-memory | --memory-only] [--workers 2]

- full W1 build on 2 cores / (sum of the layout time of all its PDFs ÷ cores)        ≤ 1.5
- W1 import (read, one task per file, + validation) / a raw calamine read of the files ≤ 2
- rebuild after one village's workbook changed / full W1 build                       ≤ 0.05
- restricted PDF stage on 2 workers / on 1 (speed-up)                                ≥ 1.7
- one township pack / the write time of its village sheets                           ≤ 1.1
- privacy scan of the W1 site / full W1 build                                        ≤ 0.1
- peak memory of 4 × W1 / W1 (largest process of a whole build, `build` in a child)  ≤ 1.3

The full build starts from an empty PDF cache (the cut fonts are reused), so that every PDF it publishes
is laid out in it, as the floor counts them. On a machine shared with other work the times are noisy:
the floor is therefore also taken from the build itself (each layout's CPU time, clocked in the workers by
bench/pdf_clock.py), and the build's CPU time is shown by where it went (layout, write, this process, the
workers' other work, idle).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import io
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import pdf_clock  # imported by each pool worker too: this script is its main module

from generators import pipeline
from generators.commands import build
from generators.config.settings import Settings
from generators.core.executor import WORKER_GC_THRESHOLD, PoolExecutor
from generators.printing.jobs import pack_job, sheet_jobs
from generators.printing.packs import township_print, write_pack
from generators.printing.pdf import PdfWriter, writer_for
from generators.privacy.guard import Matcher, read_allowlist, scan_for_pii
from generators.registry.config import read_registry_config
from generators.registry.local_rules import county_rules
from generators.registry.pii import personal_values, place_words
from generators.registry.places import read_places
from generators.registry.schema import read_schema
from generators.registry.synthetic import SyntheticSettings, place_list_yaml, write_synthetic_registry

W1 = {"townships": 20, "villages_per_township": 20, "cases_per_village": 60, "months": 12}
STAGE = re.compile(r"\[(\d+)/\d+\] (.+?) … 完成，([\d.]+) 秒")


def county(work: Path, size: dict[str, int]) -> tuple[Path, Path]:
    """A data folder whose place list is the county's at this size, and its registry workbooks."""
    data, registry = work / "data", work / "registry"
    shutil.copytree(ROOT / "data", data)
    config = read_registry_config(data / "registry.yaml")
    synthetic = SyntheticSettings.from_config(config.synthetic, **size)
    # A cache of its own: the full build measured after this reads the policy texts itself, as a first build.
    settings = replace(settings_for(work, data, None), cache=work / "county-cache")
    policies = pipeline.load_policies(settings)
    sized, places, printed = pipeline.synthetic_county(
        settings, policies, synthetic, read_places(data / "places.yaml")
    )
    (data / "places.yaml").write_text(place_list_yaml(places), encoding="utf-8")
    rules = county_rules(policies.model, places, config.periodic_contact_days)
    registry.mkdir()
    schema = read_schema(data / "registry" / "schema.yaml")
    write_synthetic_registry(synthetic, rules.narrowest_ages(), schema, registry, sized, printed=printed)
    return data, registry


def settings_for(work: Path, data: Path, registry: Path | None, workers: int = 2) -> Settings:
    return Settings.from_args(
        ROOT,
        data=data,
        build=work / "build",
        site=work / "site",
        restricted=work / "restricted",
        registry=registry,
        month="2026-11",
        workers=workers,
    )


def timed_build(settings: Settings) -> tuple[float, dict[str, float]]:
    """A whole build as `python -m generators build` runs it; its time and each stage's."""
    log = io.StringIO()
    t0 = time.perf_counter()
    with contextlib.redirect_stderr(log):
        build.run(settings)
    total = time.perf_counter() - t0
    return total, {m.group(2): float(m.group(3)) for m in STAGE.finditer(log.getvalue())}


@dataclass
class Prepared:
    """The W1 build's stages up to its print plan (imported once, for the measurements after the builds)."""

    policies: pipeline.Policies
    registry: pipeline.Registry
    figures: pipeline.MonthFigures
    pages: pipeline.Pages
    plan: pipeline.PrintPlan
    import_seconds: float


def warm(_shared, _item) -> None:
    time.sleep(0.5)  # holds this worker, so that the next task starts another


def prepare(settings: Settings, workers: int) -> Prepared:
    """The stages before printing; the import (one task per file on `workers`, then validation) timed,
    reading every file (an empty read cache: the builds before kept theirs in the restricted folder)."""
    policies = pipeline.load_policies(settings)
    executor = PoolExecutor(workers)
    cold = replace(settings, restricted=Path(tempfile.mkdtemp(prefix="restricted-", dir=settings.build)))
    try:
        list(executor.run(warm, range(workers), None))  # the pool's processes started before timing
        t0 = time.perf_counter()
        registry = pipeline.import_registries(cold, policies, executor)
        seconds = time.perf_counter() - t0
        figures = pipeline.derive_month(settings, policies, registry, executor)
    finally:
        executor.close()
    pages = pipeline.render_site_pages(settings, policies, registry, figures)
    plan = pipeline.plan_print(settings, policies, registry, figures, pages)
    return Prepared(policies, registry, figures, pages, plan, seconds)


@contextlib.contextmanager
def collector_as_in_a_worker():
    """The garbage collector as a pool worker has it (`WORKER_GC_THRESHOLD`, what it started with frozen),
    while a measurement runs in this process: what this process holds (the W1 county, prepared) is left out
    of the collector's scans. Otherwise each full collection walks those objects too, and what is measured
    here runs slower than the same work in a build's workers (12 % for the layout floor)."""
    threshold = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(*WORKER_GC_THRESHOLD)
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        gc.unfreeze()


def layout_floor(w1: Prepared) -> tuple[float, int]:
    """Seconds to lay out every PDF of the build once, one after the other, in one process; how many."""
    plan, env = w1.plan, w1.pages.env
    writer = PdfWriter.for_setup(plan.setup)
    htmls = [(j.html, True) for j in plan.public] + [(j.html, False) for j in plan.report_jobs]
    htmls += [(j.html, False) for e in plan.editions.values() for j in e]
    for pack in plan.packs:
        htmls += [(j.html, False) for j in sheet_jobs(env, pack)]
        front = pack_job(env, pack).html
        htmls.append((re.sub("\ue000[^\ue001]*\ue001", "10", front), False))  # the pack's own pages
    with collector_as_in_a_worker():
        t0 = time.perf_counter()
        for html, forms in htmls:
            writer.layout(html, forms)
        return time.perf_counter() - t0, len(htmls)


def raw_read(files: list[Path]) -> float:
    """Every sheet of every file read with python-calamine into Python values, nothing else."""
    from python_calamine import CalamineWorkbook

    with collector_as_in_a_worker():
        t0 = time.perf_counter()
        for f in files:
            book = CalamineWorkbook.from_path(str(f))
            for name in book.sheet_names:
                book.get_sheet_by_name(name).to_python()
        return time.perf_counter() - t0


def restricted_stage(settings: Settings, w1: Prepared, workers: int, townships: int) -> float:
    """The restricted PDF stage for the sheets and packs of the first `townships`, nothing cached."""
    plan = replace(w1.plan, packs=w1.plan.packs[:townships], report_jobs=[])
    executor = PoolExecutor(workers)
    try:
        list(executor.run(warm, range(workers), None))
        shutil.rmtree(settings.restricted / ".pdf-cache", ignore_errors=True)
        staged = pipeline.Staged()
        t0 = time.perf_counter()
        pipeline.print_restricted(settings, w1.registry, w1.pages, plan, staged, executor)
        took = time.perf_counter() - t0
        staged.discard()
        return took
    finally:
        executor.close()


def pack_over_sheets(w1: Prepared, rounds: int = 3) -> tuple[float, float]:
    """One township, its sheets laid out once: the pack's own time (`write_pack`, as `print_township` calls
    it: its front pages laid out, numbered and written, then joined with the sheets' PDFs) and the time to
    write its village sheets. Each the best of `rounds` after a first round that warms the caches (fonts,
    styles) alike for both, so that neither side pays for the other's first use."""
    writer = writer_for(w1.plan.setup)
    item = township_print(w1.pages.env, w1.plan.packs[0])
    documents = [writer.layout(s.html) for s in item.sheets]
    packs, sheets = [], []
    with collector_as_in_a_worker():
        for _ in range(rounds + 1):
            t0 = time.perf_counter()
            pdfs = [writer.write(d) for d in documents]
            sheets.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            write_pack(writer, item, pdfs)
            packs.append(time.perf_counter() - t0)
    return min(packs[1:]), min(sheets[1:])


def peak_memory(work: Path, size: dict[str, int], fonts: Path | None = None) -> int:
    """Peak resident set (KiB) of the build process of a whole build of this size, run in a child (its
    pool workers hold one township at a time), from a cache of its own that holds only the cut `fonts`:
    both sizes built alike, nothing taken from the other's or an earlier build's PDFs and site."""
    cache = work / "cache"
    if fonts is not None and fonts.exists():
        shutil.copytree(fonts, cache / "fonts")
    argv = ["build", "-q", "--month", "2026-11", "--build-dir", str(work / "build")]
    argv += ["--site", str(work / "site"), "--restricted", str(work / "restricted")]
    for key, value in size.items():
        argv += [f"--{key.replace('_', '-')}", str(value)]
    code = (
        "import resource, sys\n"
        "from generators.cli import main\n"
        f"code = main({argv!r})\n"
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
        "sys.exit(code)\n"
    )
    environment = {**os.environ, "HANDBOOK_CACHE": str(cache)}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, check=True, capture_output=True, text=True
    )
    return int(out.stdout.strip().splitlines()[-1])


def memory(work: Path, size: dict[str, int]) -> None:
    fonts = work / "cache" / "fonts"
    small = peak_memory(work / "mem1", size, fonts)
    big = peak_memory(work / "mem4", {**size, "townships": size["townships"] * 4}, fonts)
    print(f"peak memory of the build process: W1 {small / 1024:.0f} MiB, 4 × W1 {big / 1024:.0f} MiB")
    line("peak memory 4 × W1 / W1", big / small, "≤ 1.3", big / small <= 1.3)


def spin(_shared, n: int) -> int:
    total = 0
    for i in range(n):
        total += i * i
    return total


def cpu_ticks() -> tuple[int, int, int]:
    """(all, stolen, idle) CPU ticks of the machine so far (/proc/stat; zeros where there is none): the
    share stolen by other virtual machines over a stretch tells how much of the cores this benchmark had."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0, 0
    fields += [0] * (8 - len(fields))
    return sum(fields[:8]), fields[7], fields[3] + fields[4]


def stolen(start: tuple[int, int, int]) -> float:
    """The share of CPU time stolen since `start` (a `cpu_ticks()`)."""
    now = cpu_ticks()
    total = now[0] - start[0]
    return (now[1] - start[1]) / total if total else 0.0


def busy_and_idle(start: tuple[int, int, int]) -> tuple[float, float]:
    """CPU seconds the machine's cores were busy, and idle, since `start` (a `cpu_ticks()`)."""
    now, tick = cpu_ticks(), os.sysconf("SC_CLK_TCK")
    idle = now[2] - start[2]
    return (now[0] - start[0] - (now[1] - start[1]) - idle) / tick, idle / tick


def own_cpu() -> float:
    """CPU seconds this process (all its threads) has used so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def machine_speedup(workers: int) -> float:
    """What this machine gives: plain arithmetic in `workers` processes over one (2 on two free cores;
    less where the cores are shared or are one core's two hyperthreads). The PDF speed-up can't beat it."""
    times = []
    for n in (1, workers):
        executor = PoolExecutor(n)
        try:
            list(executor.run(warm, range(n), None))
            t0 = time.perf_counter()
            list(executor.run(spin, [3_000_000] * 4 * workers, None))
            times.append(time.perf_counter() - t0)
        finally:
            executor.close()
    return times[0] / times[1]


def change_one_village(registry: Path) -> Path:
    import openpyxl

    changed = sorted(registry.glob("*.xlsx"))[len(list(registry.glob("*.xlsx"))) // 2]
    book = openpyxl.load_workbook(changed)
    sheet = book["个案台账"]
    column = {str(c.value): c.column for c in sheet[1]}
    row = next(r for r in range(2, sheet.max_row + 1) if not sheet.cell(r, column["退出日期"]).value)
    risk = sheet.cell(row, column["风险等级"])
    risk.value = "高" if risk.value != "高" else "低"
    book.save(changed)
    return changed


def line(what: str, value: float, target: str, ok: bool) -> None:
    print(f"{what:<62} {value:7.3f}   (target {target}) {'ok' if ok else 'MISSED'}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skip-memory", action="store_true", help="leave out the 4 × W1 memory build")
    parser.add_argument("--memory-only", action="store_true", help="only the memory ratio (two builds)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--pdf-townships", type=int, default=4, help="townships in the 1-vs-2 worker run")
    parser.add_argument(
        "--size", type=int, nargs=4, metavar="N", help="another county than W1 (a quick check)"
    )
    args = parser.parse_args()
    size = dict(zip(W1, args.size, strict=True)) if args.size else W1
    cores = args.workers
    work = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    cache = work / "cache"
    shared = Path(os.environ.get("HANDBOOK_CACHE") or ROOT / ".cache")
    if (shared / "fonts").exists():
        shutil.copytree(shared / "fonts", cache / "fonts")  # the cut fonts; no PDF is cached
    os.environ["HANDBOOK_CACHE"] = str(cache)
    os.environ.setdefault("HANDBOOK_PSEUDONYM_KEY", "bench-" + "0123456789abcdef" * 4)  # 32+ bytes
    try:
        if args.memory_only:
            memory(work, size)
            return
        t0 = time.perf_counter()
        data, registry = county(work, size)
        print(f"W1: {len(list(registry.glob('*.xlsx')))} workbooks made in {time.perf_counter() - t0:.0f} s")
        settings = settings_for(work, data, registry, cores)

        clock = work / "pdf-clock"
        clock.mkdir()
        # The pool's fork server starts in this build, with this environment: its workers clock their PDFs.
        os.environ[pdf_clock.CLOCK_ENV] = str(clock)
        ticks, cpu = cpu_ticks(), own_cpu()
        full, stages = timed_build(settings)
        stolen_in_build = stolen(ticks)
        busy, idle = busy_and_idle(ticks)
        cpu = own_cpu() - cpu
        os.environ.pop(pdf_clock.CLOCK_ENV)
        clocked = pdf_clock.read(clock)
        shutil.rmtree(clock)  # the workers of the builds after this one record nothing
        (in_build, laid_out), (written, writes) = clocked[pdf_clock.LAYOUT], clocked[pdf_clock.WRITE]
        assert laid_out, "the build's workers clocked no layout (their fork server started before it)"
        print(f"full W1 build on {cores} workers: {full:.1f} s")
        print(f"  where the {cores} cores' {cores * full:.0f} s went (CPU seconds):")
        print(f"  {in_build:7.1f} s  laying out its {laid_out} PDFs (WeasyPrint, in the workers)")
        print(f"  {written:7.1f} s  writing {writes} PDFs (WeasyPrint, in the workers)")
        print(f"  {cpu:7.1f} s  this process: site (mkdocs), privacy check, pages, plans, import's checks")
        rest = busy - in_build - written - cpu
        print(
            f"  {rest:7.1f} s  the workers' other work (reading workbooks, joining packs, sending PDFs back)"
        )
        print(f"  {idle:7.1f} s  idle")
        for name, seconds in stages.items():
            print(f"  {seconds:7.1f} s  {name}")

        changed = change_one_village(registry)
        rebuild, stages = timed_build(settings)
        print(f"rebuild after {changed.name} changed: {rebuild:.1f} s")
        for name, seconds in stages.items():
            print(f"  {seconds:7.1f} s  {name}")

        w1 = prepare(settings, cores)
        with collector_as_in_a_worker():
            t0 = time.perf_counter()  # as the build's guard does it, without its clean-file cache: all read
            matcher = Matcher(
                personal_values(w1.registry.imported, w1.registry.schema),
                tuple(place_words(w1.registry.places)),
                read_allowlist(settings.privacy_allowlists),
            )
            leaks = scan_for_pii(settings.site, matcher)
            scan = time.perf_counter() - t0
        assert not leaks

        raw = raw_read(sorted(registry.glob("*.xlsx")))
        pack, sheets = pack_over_sheets(w1)
        one = restricted_stage(settings, w1, 1, args.pdf_townships)
        two = restricted_stage(settings, w1, cores, args.pdf_townships)
        ticks = cpu_ticks()
        floor, count = layout_floor(w1)
        stolen_in_floor = stolen(ticks)
        machine = machine_speedup(cores)
        print(f"layout floor: {count} PDFs, {floor:.1f} s of layout in one process, minutes after the build")
        print(f"import {w1.import_seconds:.1f} s, raw calamine read {raw:.1f} s; privacy scan {scan:.1f} s")
        print(
            f"PDF stage ({args.pdf_townships} townships): 1 worker {one:.1f} s, {cores} workers {two:.1f} s"
        )
        print(f"one township: pack {pack:.2f} s, writing its sheets {sheets:.2f} s")
        print(f"this machine: plain arithmetic on {cores} processes runs {machine:.2f}× as fast as on 1")
        # On a shared virtual machine other guests take CPU time ("steal"); the build and the floor are
        # minutes apart, so their ratio holds only when both had the machine alike.
        print(
            f"CPU time stolen by other virtual machines: {stolen_in_build:.0%} during the full build, "
            f"{stolen_in_floor:.0%} during the layout floor"
        )
        print()
        ratio = full / (floor / cores)
        line(f"W1 full build / (layout of its PDFs ÷ {cores} cores)", ratio, "≤ 1.5", ratio <= 1.5)
        ratio = full / (in_build / cores)
        line("  the same, over its layouts as clocked in the build itself", ratio, "≤ 1.5", ratio <= 1.5)
        line("W1 import / raw calamine read", w1.import_seconds / raw, "≤ 2", w1.import_seconds / raw <= 2)
        line(
            "rebuild after one village changed / full build", rebuild / full, "≤ 0.05", rebuild / full <= 0.05
        )
        line(f"PDF stage speed-up, {cores} workers over 1", one / two, "≥ 1.7", one / two >= 1.7)
        line(
            f"  the same, over this machine's own {cores}-process speed-up", one / two / machine, "≈ 1", True
        )
        line("township pack / write time of its village sheets", pack / sheets, "≤ 1.1", pack / sheets <= 1.1)
        line("privacy scan of the W1 site / full build", scan / full, "≤ 0.1", scan / full <= 0.1)
        if not args.skip_memory:
            memory(work, size)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
