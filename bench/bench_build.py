"""Benchmark: where handbook build time goes, and how it scales with the corpus.

Run: .venv/bin/python bench/bench_build.py
Reports ratios, not absolute targets (machines differ):
- extraction+rendering time as a share of the mkdocs build (target: under 0.5 — our stages must stay
  cheap next to the site engine);
- time for a corpus 8× larger over the default one (target: under 10 — roughly linear).
"""

from __future__ import annotations

import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generators.config.paths import DataPaths
from generators.core.files import write_tree
from generators.policy.build import build_policy_model
from generators.policy.work_calendar import work_calendar
from generators.website.mkdocs_build import VersionBuild, build_site, search_dictionary
from generators.website.pages import handbook_pages, navigation, unit_pdf
from generators.website.render import (
    make_environment,
    render_pages,
)


def timed(fn, runs=3):
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def corpus(copies: int, dest: Path) -> Path:
    shutil.copytree(ROOT / "data", dest)
    for f in sorted((ROOT / "data" / "policies").glob("*.txt")):
        text = f.read_text(encoding="utf-8")
        for i in range(1, copies):
            (dest / "policies" / f"{f.stem}-copy{i}.txt").write_text(
                text.replace("\nid: ", f"\nid: c{i}-", 1), encoding="utf-8"
            )
    return dest


def stages(data: Path, work: Path):
    env = make_environment(ROOT / "templates")
    work.mkdir(parents=True)
    model = build_policy_model(DataPaths(data))
    tasks = handbook_pages(model, work_calendar(model))

    def ours():
        m = build_policy_model(DataPaths(data))
        render_pages(env, handbook_pages(m, work_calendar(m)))

    def engine():
        pages = render_pages(env, tasks)
        (work / "dict.txt").write_text(search_dictionary(model), encoding="utf-8")
        placeholders = {
            unit_pdf(t.path): b"" for t in tasks if t.path.startswith("units/") and t.path != "units/index.md"
        }
        write_tree({**pages, **placeholders}, ROOT / "docs", work / "docs")  # the PDFs are bench_pdf's
        build_site(
            ROOT / "mkdocs.yml",
            [VersionBuild("v", work / "docs", navigation(tasks), work / "dict.txt")],
            work / "site",
            0,
            {},
            {},
        )

    return timed(ours), timed(engine, runs=2), len(tasks)


def main():
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        ours1, engine1, pages1 = stages(ROOT / "data", tmp / "w1")
        ours8, engine8, pages8 = stages(corpus(8, tmp / "data8"), tmp / "w8")
    print(f"default corpus: {pages1} pages; ours {ours1:.2f} s, mkdocs {engine1:.2f} s")
    print(f"8x corpus:      {pages8} pages; ours {ours8:.2f} s, mkdocs {engine8:.2f} s")
    print(f"ratio ours/mkdocs (default):        {ours1 / engine1:.2f}  (target < 0.5)")
    print(f"ratio total 8x/1x:                  {(ours8 + engine8) / (ours1 + engine1):.2f}  (target < 10)")


if __name__ == "__main__":
    main()
