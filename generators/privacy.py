"""Privacy by construction: masked names, keyed pseudonyms, small-count suppression, and the guard that
fails a build whose published output contains anything personal from the registry."""
from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
from dataclasses import dataclass
from pathlib import Path

from generators.errors import InputError, Problem
from generators.model import Case

KEY_ENV = "HANDBOOK_PSEUDONYM_KEY"


def mask_name(name: str) -> str:
    """张小明 → 张*明, 李四 → 李*, 欧阳明月 → 欧**月."""
    name = name.strip()
    if len(name) <= 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def load_key(key_file: Path) -> bytes:
    """The pseudonym key: from the environment, else a local file that git ignores (made on first use).
    The same key gives the same pseudonyms every month."""
    if os.environ.get(KEY_ENV):
        return os.environ[KEY_ENV].encode("utf-8")
    if not key_file.exists():
        key_file.parent.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_hex(32) + "\n", encoding="ascii")
        key_file.chmod(0o600)
    return key_file.read_text(encoding="ascii").strip().encode("ascii")


@dataclass(frozen=True)
class Pseudonymizer:
    key: bytes

    def __call__(self, case_id: str) -> str:
        digest = hmac.new(self.key, case_id.encode("utf-8"), hashlib.sha256).digest()
        return "P-" + base64.b32encode(digest).decode("ascii")[:8]


# --- small counts ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SuppressedTable:
    """Counts with row and column totals; `hidden` marks what must not be shown ("<3" or "*")."""

    cells: list[list[int]]  # rows × columns, then each row's total last, then a totals row last
    hidden: list[list[str]]  # "" shown, "small" below the threshold, "complement" hidden to protect another

    def show(self, r: int, c: int) -> str:
        kind = self.hidden[r][c]
        return {"": str(self.cells[r][c]), "small": "<3", "complement": "*"}[kind]


def suppress(counts: list[list[int]], threshold: int = 3) -> SuppressedTable:
    """Primary suppression of counts 1..threshold-1, then complementary suppression until no row or column
    (totals included) has exactly one hidden entry, so that no hidden count can be worked out."""
    rows, cols = len(counts), len(counts[0]) if counts else 0
    grid = [list(r) + [sum(r)] for r in counts]
    grid.append([sum(grid[r][c] for r in range(rows)) for c in range(cols + 1)])
    hidden = [["small" if 0 < v < threshold else "" for v in row] for row in grid]
    lines = [[(r, c) for c in range(cols + 1)] for r in range(rows + 1)]
    lines += [[(r, c) for r in range(rows + 1)] for c in range(cols + 1)]
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(1 for r, c in line if hidden[r][c]) != 1:
                continue
            open_cells = [(r, c) for r, c in line if not hidden[r][c]]
            if not open_cells:
                continue
            # hide the smallest other entry: inner cells before totals, non-zero before zero
            r, c = min(open_cells, key=lambda rc: (rc[0] == rows or rc[1] == cols, grid[rc[0]][rc[1]] == 0,
                                                   grid[rc[0]][rc[1]], rc))
            hidden[r][c] = "complement"
            changed = True
    return SuppressedTable(grid, hidden)


# --- the guard ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Leak:
    file: str
    what: str  # 姓名 / 身份证号 / 电话 / 住址
    sample: str  # masked, so that the error message itself leaks nothing


def pii_needles(cases: list[Case], public_texts: list[str] = ()) -> dict[str, str]:
    """Every personal string of the registry → what it is. A string that the published policy texts
    themselves contain (a two-character name can be an ordinary word) cannot be told apart and is left out."""
    needles = {}
    for c in cases:
        for value, what in ((c.name, "姓名"), (c.guardian, "姓名"), (c.contact_person, "姓名"),
                            (c.id_number, "身份证号"), (c.phone, "电话"), (c.address, "住址")):
            if value and len(value) >= 2 and not any(value in t for t in public_texts):
                needles[value] = what
    return needles


# Images, fonts and the theme's own scripts and styles carry no registry data.
SKIPPED = {".png", ".jpg", ".jpeg", ".gif", ".ico", ".woff", ".woff2", ".ttf", ".otf", ".js", ".css", ".map"}


def _text_of(path: Path) -> str:
    if path.suffix.lower() == ".pdf":
        from pypdf import PdfReader
        return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    if path.suffix.lower() in (".xlsx", ".docx", ".zip"):  # a workbook dropped into the site: read its XML
        import zipfile
        with zipfile.ZipFile(path) as z:
            return "\n".join(z.read(n).decode("utf-8", errors="ignore") for n in z.namelist() if n.endswith(".xml"))
    data = path.read_bytes()
    if path.suffix.lower() == ".gz":
        import gzip
        data = gzip.decompress(data)
    text = data.decode("utf-8", errors="ignore")
    if path.suffix.lower() == ".json":  # the search index escapes non-ASCII as \uXXXX
        text += "\n" + text.encode("ascii", errors="ignore").decode("unicode_escape", errors="ignore")
    return text


def scan_for_pii(folder: Path, needles: dict[str, str], places: list[str] = (), clean: Path | None = None) -> list[Leak]:
    """Every published file's text, with the search index's zero-width spaces and all white space removed
    (so that 张\u200b小明 is still found), checked for every registry string. Public place names are taken
    out of the text first, so that a person called 杨柳 is still found, but 杨柳社区 is not taken for them."""
    if not needles:
        return []
    pattern = re.compile("|".join(re.escape(n) for n in sorted(needles, key=len, reverse=True)))
    needle_key = hashlib.sha256("\n".join(sorted(needles) + sorted(places)).encode("utf-8")).hexdigest()
    place_pattern = re.compile("|".join(re.escape(p) for p in sorted(
        (p for p in places if any(n in p for n in needles)), key=len, reverse=True)) or "(?!)")
    leaks = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if path.suffix.lower() in SKIPPED:
            continue
        verdict = None
        if clean is not None and path.suffix.lower() == ".pdf":
            # Reading a PDF's text is slow; a PDF already found clean against the same registry strings
            # is not read again. Only hashes are kept, never text.
            verdict = clean / hashlib.sha256(path.read_bytes() + needle_key.encode()).hexdigest()
            if verdict.exists():
                continue
        try:
            raw = _text_of(path)
        except Exception as exc:  # a file we cannot read is a file we cannot vouch for
            leaks.append(Leak(str(path.relative_to(folder)), "无法读取", exc.__class__.__name__))
            continue
        text = place_pattern.sub("|", re.sub(r"[\s\u200b\u200c\u200d\ufeff]+", "", raw))
        found = pattern.search(text)
        if found:
            value = found.group(0)
            leaks.append(Leak(str(path.relative_to(folder)), needles[value],
                              mask_name(value) if needles[value] == "姓名" else value[:3] + "…"))
        elif verdict is not None:
            verdict.parent.mkdir(parents=True, exist_ok=True)
            verdict.touch()
    return leaks


def guard(folder: Path, cases: list[Case], public_texts: list[str] = (), clean: Path | None = None) -> None:
    """Fail the build, naming each file, if published output contains registry PII."""
    places = sorted({c.township for c in cases} | {c.village for c in cases} | {c.township + c.village for c in cases})
    leaks = scan_for_pii(folder, pii_needles(cases, public_texts), places, clean)
    if leaks:
        raise InputError([Problem(leak.file, f"无法读取这个待发布文件（{leak.sample}），不能确认其中没有个人信息，已停止发布"
                                  if leak.what == "无法读取" else
                                  f"发布内容中含有台账个人信息（{leak.what}：{leak.sample}），已停止发布")
                          for leak in leaks])
