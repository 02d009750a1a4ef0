"""Small registry fixtures: valid rows to start from, and workbooks written the way villages write them."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl

from generators.registry.schema import read_schema
from generators.registry.synthetic import id_number
from generators.registry.template import registry_workbook

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = read_schema(ROOT / "data" / "registry" / "schema.yaml")
AS_OF = dt.date(2026, 10, 31)


def ident(birth: dt.date, seq: int = 1, male: bool = True) -> str:
    return id_number("341221", birth, seq, male)


def case(n: int = 1, village: str = "长岭村", **over) -> dict:
    """A valid case: an idle youth born 2005, entered January 2025."""
    birth = over.pop("birth_date", dt.date(2005, 3, 1))
    row = {
        "case_id": f"V01-{n:04d}",
        "township": "高峰镇",
        "village": village,
        "group": "闲散青少年",
        "risk": "中",
        "name": "张小明",
        "gender": "男",
        "birth_date": birth,
        "id_number": ident(birth, n),
        "status": "无业",
        "contact_person": "王平",
        "entry_date": dt.date(2025, 1, 10),
    }
    row.update(over)
    return row


def contact(case_id: str = "V01-0001", day: dt.date = dt.date(2026, 10, 5), **over) -> dict:
    return {"case_id": case_id, "date": day, "method": "走访", "by": "王平", **over}


def workbook(path: Path, cases: list[dict], contacts: list[dict] = ()) -> Path:
    path.write_bytes(registry_workbook(SCHEMA, cases, contacts))
    return path


def edit(path: Path, change) -> Path:
    """Open a workbook, let `change(wb)` break it, save it back."""
    wb = openpyxl.load_workbook(path)
    change(wb)
    wb.save(path)
    return path
