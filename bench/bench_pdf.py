"""Benchmark: where briefing-PDF time goes (the measurements behind it: README “PDF 排版的速度 / PDF speed”).

Run: .venv/bin/python bench/bench_pdf.py
Reports ratios, not absolute targets (machines differ), over the default synthetic county's sheets:
- write_pdf time over layout time (target: under 1 — with the cut TrueType fonts, embedding must cost
  less than laying out; with the stock CFF font it is ~40);
- a township's sheets and pack over its sheets alone (target: under 1.5 — the pack reuses the sheets'
  laid-out pages and is one write);
- the synthetic county 5× larger over the default (target: under 7 — roughly linear);
- the whole-handbook print edition from the content cache over laying it out (target: under 0.05 — an
  unchanged edition must cost nothing on the next build).
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generators.config.paths import DataPaths
from generators.policy.build import build_policy_model
from generators.policy.work_calendar import work_calendar
from generators.printing.fonts import prepare_print_fonts
from generators.printing.jobs import briefing_jobs
from generators.printing.pdf import PdfWriter
from generators.privacy.pseudonyms import Pseudonymizer
from generators.registry.briefings import briefing_packs
from generators.registry.config import read_registry_config
from generators.registry.local_rules import county_rules
from generators.registry.model import Case, Contact, RowRef
from generators.registry.monthly import default_report_month, month_tasks, monthly_areas
from generators.registry.places import read_places
from generators.registry.synthetic import SyntheticSettings, generate
from generators.website.render import make_environment


def county_packs(model, **size):
    config = read_registry_config(ROOT / "data" / "registry.yaml")
    rules = county_rules(model, read_places(ROOT / "data" / "places.yaml"), config.periodic_contact_days)
    ref = RowRef("bench", None, 0)
    cases, contacts = [], []
    for rows, contact_rows in generate(
        SyntheticSettings.from_config(config.synthetic, **size), rules.narrowest_ages()
    ).values():
        for r in rows:
            group = {g.name: g.id for g in model.groups.values()}[r["group"]]
            cases.append(Case(**{k: v for k, v in r.items() if k != "group"}, group=group, source=ref))
        contacts += [Contact(**c, source=ref) for c in contact_rows]
    month = default_report_month(contacts, cases)
    county = monthly_areas(cases, contacts, month, rules)
    packs = briefing_packs(
        county, model, Pseudonymizer(b"bench"), month_tasks(work_calendar(model), model, month), rules
    )
    return packs


def county_jobs(model, env, **size):
    return briefing_jobs(env, county_packs(model, **size))


def main() -> None:
    from weasyprint import HTML

    model = build_policy_model(DataPaths(ROOT / "data"))
    env = make_environment(ROOT / "templates")
    jobs = county_jobs(model, env)
    fonts = prepare_print_fonts(ROOT / ".cache" / "fonts", [j.html for j in jobs])
    writer = PdfWriter(env, fonts)
    layout = write = 0.0
    for job in jobs:
        t0 = time.perf_counter()
        doc = HTML(string=job.html).render(stylesheets=[writer.stylesheet], font_config=writer.font_config)
        t1 = time.perf_counter()
        doc.write_pdf(pdf_identifier=True)
        layout, write = layout + t1 - t0, write + time.perf_counter() - t1

    def seconds(selected):
        runs = []
        for _ in range(3):
            t0 = time.perf_counter()
            writer.render_all(selected)
            runs.append(time.perf_counter() - t0)
        return statistics.median(runs)

    township = jobs[0].path.split("/")[1]
    villages = [j for j in jobs if j.path.startswith(f"briefings/{township}/")]
    from generators.printing.packs import print_township, township_print

    item = township_print(env, county_packs(model)[0])

    def with_pack():
        runs = []
        for _ in range(3):
            t0 = time.perf_counter()
            print_township(writer.setup, item)
            runs.append(time.perf_counter() - t0)
        return statistics.median(runs)

    t_default = seconds(jobs)
    big = county_jobs(model, env, villages_per_township=30)
    t_big = seconds(big)
    print(f"{len(jobs)} PDFs: layout {layout:.2f} s, write {write:.2f} s")
    print(f"write / layout                       {write / layout:.2f}  (target < 1)")
    print(f"sheets + pack / sheets alone         {with_pack() / seconds(villages):.2f}  (target < 1.5)")
    print(f"5x county ({len(big)} PDFs) / default     {t_big / t_default:.2f}  (target < 7)")

    import tempfile

    from generators.policy.work_calendar import work_calendar as calendar_of
    from generators.printing.handbook import handbook_jobs
    from generators.website.pages import handbook_pages, unit_pdf
    from generators.website.render import render_pages

    tasks = handbook_pages(model, calendar_of(model))
    edition = {"number": "bench", "label": "bench", "title": "", "notes": "", "date": "2024-01-01"}
    book = handbook_jobs(env, edition, tasks, render_pages(env, tasks), "book.pdf", unit_pdf)[0]
    from generators.core.executor import SerialExecutor
    from generators.pipeline import render_cached
    from generators.printing.pdf import PdfCache

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        render_cached(SerialExecutor(), writer.setup, [(book, False)], PdfCache(Path(tmp)))
        cold = time.perf_counter() - t0
        t0 = time.perf_counter()
        render_cached(SerialExecutor(), writer.setup, [(book, False)], PdfCache(Path(tmp)))
        warm = time.perf_counter() - t0
    print(f"handbook PDF cached / laid out ({cold:.1f} s)  {warm / cold:.3f}  (target < 0.05)")


if __name__ == "__main__":
    main()
