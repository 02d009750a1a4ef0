"""Load: the registry folder → the files to read (subfolders included) and every other file, named.

Nothing in the folder is passed over in silence: lock files, hidden files and other types are each named
in a notice. The village a file belongs to can be told from its path (高峰镇/长岭村.xlsx,
高峰镇-长岭村（10月修改）.xlsx) when the path names a place on the county's list; that is used only to
name the village of a file that cannot be read.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from generators.core.errors import InputError, Problem, display_path
from generators.registry.places import PlaceList, place_key

READABLE = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")


@dataclass
class Listing:
    files: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, Problem]] = field(default_factory=list)


def _skip_reason(relative: Path) -> str | None:
    name = relative.name
    if name.startswith(("~$", ".~lock.", "~WRL")) or name.endswith(".tmp"):
        return "是 Excel/WPS/LibreOffice 打开文件时留下的临时文件，已跳过"
    if any(part.startswith(".") for part in relative.parts):
        return "是隐藏文件，已跳过"
    if relative.suffix.lower() not in READABLE:
        kind = relative.suffix.lower() or "（无扩展名）"
        return f"不支持的文件类型 {kind}，已跳过：台账请用 .xlsx、.xls、.ods 或 .csv"
    return None


def file_name(folder: Path, path: Path) -> str:
    """How messages name a registry file: its path inside the registry folder."""
    return path.relative_to(folder).as_posix()


def registry_files(folder: Path) -> Listing:
    """Every file under `folder`, in a stable order: those to read, and those skipped with the reason."""
    if not folder.is_dir():
        raise InputError(Problem(display_path(folder), "台账目录不存在或不是文件夹"))
    listing = Listing()
    for path in sorted(p for p in folder.rglob("*") if not p.is_dir()):
        why = _skip_reason(path.relative_to(folder))
        if why:
            listing.skipped.append((path, Problem(file_name(folder, path), why)))
        else:
            listing.files.append(path)
    return listing


def village_of_path(path: Path, places: PlaceList, folder: Path | None = None) -> tuple[str, str] | None:
    """The (township, village) that a file's name and folders name, when they name exactly one."""
    relative = path.relative_to(folder) if folder and path.is_relative_to(folder) else Path(path.name)
    texts = [place_key(p) for p in (*relative.parent.parts, relative.stem)]
    townships = set()
    for t in places.townships:
        for spelling in sorted((t.name, *t.aliases), key=len, reverse=True):
            key = place_key(spelling)
            if any(key in text for text in texts):
                townships.add(t.name)
                texts = [text.replace(key, "/") for text in texts]
    candidates = set()
    for t in places.townships:
        if townships and t.name not in townships:
            continue
        for v in t.villages:
            if any(place_key(s) in text for s in (v.name, *v.aliases) for text in texts):
                candidates.add((t.name, v.name))
    return candidates.pop() if len(candidates) == 1 else None
