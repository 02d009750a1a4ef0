"""Load + model: numbered handbook editions, each a recorded, immutable snapshot of the policy inputs.

`data/editions/<number>/` holds one published edition: `edition.yaml` (number, date, title, notes), the
policy inputs as they were (`policies/`, `units.yaml`, `groups.yaml`, `overrides.yaml`, and from 2025 on
`vocabulary.yaml`, `coverage.yaml`; older editions are read with the current vocabulary) and
`manifest.sha256`. A published edition whose files no longer match its manifest stops the build. The
working `data/` is shown as a draft only when it differs from the newest edition.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from generators.core.errors import InputError, Problem, display_path
from generators.core.yamlio import load_yaml

SNAPSHOT = ("policies", "units.yaml", "groups.yaml", "overrides.yaml", "vocabulary.yaml", "coverage.yaml")
MANIFEST = "manifest.sha256"
NUMBER_RE = re.compile(r"^\d{4}\.\d{1,2}$")
DRAFT = "draft"


@dataclass(frozen=True)
class Edition:
    number: str  # 2024.2; "draft" for the working data
    date: dt.date | None
    title: str
    notes: str
    data: Path  # a folder with the DataPaths layout
    published: bool = True

    @property
    def key(self) -> tuple[int, int]:
        year, n = self.number.split(".")
        return int(year), int(n)

    @property
    def label(self) -> str:
        if not self.published:
            return "草稿（未发布）"
        return f"{self.number}（{self.date.isoformat()}）" if self.date else self.number


def manifest(folder: Path) -> dict[str, str]:
    """Relative path → sha256 of every snapshot file under `folder`."""
    files = {}
    for name in SNAPSHOT:
        path = folder / name
        for f in sorted([path] if path.is_file() else path.rglob("*") if path.is_dir() else []):
            if f.is_file():
                files[f.relative_to(folder).as_posix()] = hashlib.sha256(f.read_bytes()).hexdigest()
    return files


def _manifest_text(files: dict[str, str]) -> str:
    return "".join(f"{digest}  {path}\n" for path, digest in sorted(files.items()))


def read_edition(folder: Path) -> Edition:
    meta = load_yaml(folder / "edition.yaml")
    file = display_path(folder / "edition.yaml")
    number = str(meta.get("number") or "")
    if not NUMBER_RE.match(number) or number != folder.name:
        raise InputError(
            Problem(file, f"版本号应写成 年.序号（如 2024.1），并与目录名 {folder.name} 相同", value=number)
        )
    recorded = {}
    manifest_file = folder / MANIFEST
    if not manifest_file.exists():
        raise InputError(
            Problem(display_path(manifest_file), "已发布的版本缺少文件清单：请用 `edition cut` 发布版本")
        )
    for line in manifest_file.read_text(encoding="utf-8").splitlines():
        digest, _, path = line.partition("  ")
        recorded[path] = digest
    actual = manifest(folder)
    changed = sorted(p for p in set(recorded) | set(actual) if recorded.get(p) != actual.get(p))
    if changed:
        raise InputError(
            Problem(
                display_path(folder),
                f"已发布的版本 {number} 被改动：{'、'.join(changed)}。"
                "已发布的版本不能修改；请改 data/ 并发布新版本",
            )
        )
    date = meta.get("date")
    if isinstance(date, str):
        date = dt.date.fromisoformat(date)
    return Edition(number, date, str(meta.get("title") or ""), str(meta.get("notes") or ""), folder)


def read_editions(data: Path) -> list[Edition]:
    """The published editions, oldest first, then a draft of `data/` when it differs from the newest."""
    root = data / "editions"
    editions = (
        sorted((read_edition(f) for f in root.iterdir() if f.is_dir()), key=lambda e: e.key)
        if root.is_dir()
        else []
    )
    if not editions or manifest(data) != manifest(editions[-1].data):
        editions.append(Edition(DRAFT, None, "工作草稿", "数据目录中尚未发布的修改", data, published=False))
    return editions


def cut_edition(data: Path, number: str, date: dt.date, title: str, notes: str = "") -> Edition:
    """Publish the working data as edition `number`: copy it aside with a manifest, then never touch it."""
    problems = []
    if not NUMBER_RE.match(number):
        problems.append(Problem("--number", "版本号应写成 年.序号，如 2025.1", value=number))
    published = [e for e in read_editions(data) if e.published]
    dest = data / "editions" / number
    if dest.exists():
        problems.append(Problem(display_path(dest), f"版本 {number} 已经发布，不能覆盖"))
    elif published and NUMBER_RE.match(number) and tuple(map(int, number.split("."))) <= published[-1].key:
        problems.append(Problem("--number", f"新版本号应大于最新的 {published[-1].number}", value=number))
    elif published and manifest(data) == manifest(published[-1].data):
        problems.append(
            Problem("data/", f"与最新版本 {published[-1].number} 相比没有任何改动，无需发布新版本")
        )
    if problems:
        raise InputError(problems)
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{number}-", dir=dest.parent))
    for name in SNAPSHOT:
        src = data / name
        if src.is_dir():
            shutil.copytree(src, staging / name)
        elif src.is_file():
            shutil.copy2(src, staging / name)
    (staging / "edition.yaml").write_text(
        yaml.safe_dump(
            {"number": number, "date": date.isoformat(), "title": title, "notes": notes},
            allow_unicode=True,
            sort_keys=False,
        ),
        encoding="utf-8",
    )
    (staging / MANIFEST).write_text(_manifest_text(manifest(staging)), encoding="utf-8")
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging.replace(dest)  # appears whole or not at all
    return read_edition(dest)
