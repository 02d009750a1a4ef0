"""Benchmark: importing a big registry workbook against reading it raw.

Run: .venv/bin/python bench/bench_import.py
Reports a ratio of CPU times (the least of five runs), not an absolute target (machines differ):
- import of a 20,000-row workbook (list the folder, read it with calamine plus the .xlsx facts calamine
  does not give, find the header, parse and check every row against the schema and the place list) over a
  raw calamine read of the same workbook (target: at most 3 — our reading and checks must stay cheap next
  to parsing the file).
"""

from __future__ import annotations

import datetime as dt
import random
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generators.config.paths import DataPaths
from generators.policy.build import build_policy_model
from generators.registry.local_rules import county_rules
from generators.registry.places import read_places
from generators.registry.schema import read_schema
from generators.registry.synthetic import unique_id
from generators.registry.template import registry_workbook
from generators.registry.validate import import_registry

ROWS = 20_000
AS_OF = dt.date(2026, 10, 31)
TARGET = 3.0


def timed(fn, runs=5) -> float:
    """The least CPU time of a few runs: on a shared machine the fastest run is the least disturbed."""
    times = []
    for _ in range(runs):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return min(times)


def big_workbook(path: Path, schema) -> None:
    """One township's combined registry as staff keep it: the template's layout, 20,000 people across
    the township's villages, phones and dates in the ways staff write them."""
    rng = random.Random(20261126)
    places = read_places(ROOT / "data" / "places.yaml")
    township = places.townships[0]
    used: set[str] = set()
    rows = []
    for n in range(ROWS):
        village = township.villages[n % len(township.villages)]
        birth = dt.date(2005, 1, 1) + dt.timedelta(days=rng.randint(0, 365 * 5))
        male = rng.random() < 0.5
        entry = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 600))
        rows.append(
            {
                "case_id": f"{n + 1:05d}",
                "township": township.name,
                "village": rng.choice((village.name, *village.aliases)),
                "group": "闲散青少年",
                "risk": rng.choice("高中低"),
                "name": "张" + rng.choice("伟芳娜敏静丽强磊军洋") + rng.choice("明华平杰"),
                "gender": "男" if male else "女",
                "birth_date": birth if n % 3 else birth.strftime("%Y.%m.%d"),
                "id_number": unique_id("341221", birth, n % 500, male, used),
                "phone": rng.choice(("138-1234-5678", "+86 13912345678", "(0710)1234567", "无")),
                "address": f"{village.name}{n % 12 + 1}组{n % 80 + 1}号",
                "status": "无业",
                "contact_person": "王平",
                "entry_date": entry if n % 2 else entry.strftime("%Y年%m月%d日"),
            }
        )
    path.write_bytes(registry_workbook(schema, rows, []))


def main() -> None:
    import python_calamine as pc

    schema = read_schema(ROOT / "data" / "registry" / "schema.yaml")
    places = read_places(ROOT / "data" / "places.yaml")
    model = build_policy_model(DataPaths(ROOT / "data"))
    rules = county_rules(model, places, 90)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "registry"
        folder.mkdir()
        path = folder / "高峰镇汇总.xlsx"
        big_workbook(path, schema)

        def raw() -> None:
            book = pc.CalamineWorkbook.from_path(str(path))
            for name in book.sheet_names:
                book.get_sheet_by_name(name).to_python(skip_empty_area=False)

        result = import_registry(folder, schema, places, model, rules, AS_OF)
        assert len(result.cases) + len(result.rejected) == ROWS, "rows lost"
        raw_s = timed(raw)
        import_s = timed(lambda: import_registry(folder, schema, places, model, rules, AS_OF))
    ratio = import_s / raw_s
    print(f"导入 {ROWS} 行的工作簿 {import_s:.2f} 秒；calamine 直接读取 {raw_s:.2f} 秒（CPU 时间）")
    verdict = "OK" if ratio <= TARGET else "OVER"
    print(f"import / raw calamine read = {ratio:.2f}  (target ≤ {TARGET:g})  {verdict}")


if __name__ == "__main__":
    main()
