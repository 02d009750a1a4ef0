"""Publish: the guard that fails a build whose published output contains anything personal from the
registry (the strings to look for come from the registry side, as `needles`)."""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from generators.core.errors import InputError, Problem
from generators.privacy.masking import mask_name


@dataclass(frozen=True)
class Leak:
    file: str
    what: str  # 姓名 / 身份证号 / 电话 / 住址
    sample: str  # masked, so that the error message itself leaks nothing


# Images, fonts and the theme's own scripts and styles carry no registry data.
SKIPPED = {".png", ".jpg", ".jpeg", ".gif", ".ico", ".woff", ".woff2", ".ttf", ".otf", ".js", ".css", ".map"}


def _text_of(path: Path) -> str:
    if path.suffix.lower() == ".pdf":
        from pypdf import PdfReader

        return "\n".join(page.extract_text() or "" for page in PdfReader(path).pages)
    if path.suffix.lower() in (".xlsx", ".docx", ".zip"):  # a workbook dropped into the site: read its XML
        import zipfile

        with zipfile.ZipFile(path) as z:
            return "\n".join(
                z.read(n).decode("utf-8", errors="ignore") for n in z.namelist() if n.endswith(".xml")
            )
    data = path.read_bytes()
    if path.suffix.lower() == ".gz":
        import gzip

        data = gzip.decompress(data)
    text = data.decode("utf-8", errors="ignore")
    if path.suffix.lower() == ".json":  # the search index escapes non-ASCII as \uXXXX
        text += "\n" + text.encode("ascii", errors="ignore").decode("unicode_escape", errors="ignore")
    return text


def scan_for_pii(
    folder: Path, needles: dict[str, str], places: list[str] | tuple[str, ...] = (), clean: Path | None = None
) -> list[Leak]:
    """Every published file's text, with the search index's zero-width spaces and all white space removed
    (so that 张\u200b小明 is still found), checked for every registry string. Public place names are taken
    out of the text first, so that a person called 杨柳 is still found, but 杨柳社区 is not taken for them."""
    if not needles:
        return []
    pattern = re.compile("|".join(re.escape(n) for n in sorted(needles, key=len, reverse=True)))
    needle_key = hashlib.sha256("\n".join(sorted(needles) + sorted(places)).encode("utf-8")).hexdigest()
    place_pattern = re.compile(
        "|".join(
            re.escape(p)
            for p in sorted((p for p in places if any(n in p for n in needles)), key=len, reverse=True)
        )
        or "(?!)"
    )
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
            leaks.append(
                Leak(
                    str(path.relative_to(folder)),
                    needles[value],
                    mask_name(value) if needles[value] == "姓名" else value[:3] + "…",
                )
            )
        elif verdict is not None:
            verdict.parent.mkdir(parents=True, exist_ok=True)
            verdict.touch()
    return leaks


def guard(folder: Path, needles: dict[str, str], places: list[str], clean: Path | None = None) -> None:
    """Fail the build, naming each file, if published output contains registry PII."""
    leaks = scan_for_pii(folder, needles, places, clean)
    if leaks:
        raise InputError(
            [
                Problem(
                    leak.file,
                    f"无法读取这个待发布文件（{leak.sample}），不能确认其中没有个人信息，已停止发布"
                    if leak.what == "无法读取"
                    else f"发布内容中含有台账个人信息（{leak.what}：{leak.sample}），已停止发布",
                )
                for leak in leaks
            ]
        )
