"""Load: policy files (metadata header + verbatim text) and the YAML catalogues beside them in data/."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from generators.core.errors import InputError, Problem, display_path
from generators.core.yamlio import load_yaml, parse_yaml, yaml_problem
from generators.policy.model import DocumentMeta, Group, Unit

LEVELS = ("国家", "省市", "区县", "街道", "乡镇")
REQUIRED_META = ("id", "title", "short", "level", "locality", "source_file")
OPTIONAL_META = ("issuer", "date", "doc_number", "region", "kind", "fragment", "note")
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class PolicyFile:
    meta: DocumentMeta
    body: str
    body_line: int  # line of the file where the body starts, for error messages


def read_policy_file(path: Path) -> PolicyFile:
    """One file of data/policies: `---` YAML header `---`, then the text exactly as published."""
    name = display_path(path)
    try:
        raw = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(Problem(name, f"不是 UTF-8 编码的文本（第 {exc.start} 字节处）")) from exc
    if raw.startswith("\ufeff"):
        raw = raw[1:]
    if not raw.startswith("---\n"):
        raise InputError(Problem(name, "缺少元数据头：文件第一行应为 “---”", line=1))
    end = raw.find("\n---\n", 3)
    if end < 0:
        raise InputError(Problem(name, "元数据头没有结束行 “---”", line=1))
    header, body = raw[4 : end + 1], raw[end + 5 :]
    body_line = header.count("\n") + 3
    try:
        data = parse_yaml(header) or {}
    except yaml.YAMLError as exc:
        raise InputError(yaml_problem(path, exc, offset=1)) from exc
    except ValueError as exc:  # e.g. a date such as 2024-13-01 that YAML reads as a date and rejects
        raise InputError(Problem(name, f"元数据中有无效的值（日期应为 YYYY-MM-DD）：{exc}", line=2)) from exc
    if not isinstance(data, dict):
        raise InputError(Problem(name, "元数据头应为“键: 值”形式", line=2))

    def line_of(key: str) -> int | None:
        for i, text in enumerate(header.splitlines(), start=2):
            if text.startswith(key + ":"):
                return i
        return None

    problems = []
    for key in REQUIRED_META:
        if not data.get(key):
            problems.append(Problem(name, f"元数据缺少必填项 “{key}”", line=2))
    for key in data:
        if key not in REQUIRED_META + OPTIONAL_META:
            problems.append(
                Problem(
                    name,
                    f"未知的元数据项 “{key}”（可用：{'、'.join(REQUIRED_META + OPTIONAL_META)}）",
                    line=line_of(key),
                )
            )
    if data.get("id") and not ID_RE.match(str(data["id"])):
        problems.append(
            Problem(name, "id 只能用小写英文字母、数字和连字符", value=str(data["id"]), line=line_of("id"))
        )
    if data.get("level") and data["level"] not in LEVELS:
        problems.append(
            Problem(
                name, f"level 应为 {'/'.join(LEVELS)} 之一", value=str(data["level"]), line=line_of("level")
            )
        )
    date = data.get("date")
    if isinstance(date, dt.date):
        date = date.isoformat()
    if date is not None:
        try:
            dt.date.fromisoformat(str(date))
        except ValueError:
            problems.append(
                Problem(
                    name,
                    "date 应为 YYYY-MM-DD 格式的日期，无日期时写 null",
                    value=str(date),
                    line=line_of("date"),
                )
            )
    if not body.strip():
        problems.append(Problem(name, "元数据头之后没有正文", line=body_line))
    if problems:
        raise InputError(problems)
    meta = DocumentMeta(
        id=str(data["id"]),
        title=str(data["title"]),
        short=str(data["short"]),
        level=data["level"],
        locality=str(data["locality"]),
        source_file=str(data["source_file"]),
        path=path.name,
        issuer=data.get("issuer"),
        date=str(date) if date else None,
        doc_number=data.get("doc_number"),
        region=data.get("region"),
        kind=data.get("kind"),
        fragment=bool(data.get("fragment", False)),
        note=data.get("note"),
    )
    return PolicyFile(meta, body, body_line)


def read_policies(folder: Path) -> list[PolicyFile]:
    """Every `*.txt` of the folder, in file-name order; ids must be unique."""
    files = [read_policy_file(p) for p in sorted(folder.glob("*.txt"))]
    if not files:
        raise InputError(Problem(display_path(folder), "没有找到政策文本（*.txt）"))
    seen: dict[str, str] = {}
    for f in files:
        if f.meta.id in seen:
            raise InputError(Problem(f.meta.path, f"id “{f.meta.id}” 与 {seen[f.meta.id]} 重复", line=2))
        seen[f.meta.id] = f.meta.path
    return files


def _entries(path: Path, data: dict, key: str, required: tuple[str, ...]) -> list[dict]:
    items = data.get(key)
    if not isinstance(items, list):
        raise InputError(Problem(display_path(path), f"缺少列表 “{key}”"))
    problems = []
    for i, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            problems.append(Problem(display_path(path), f"“{key}” 第 {i} 项应为映射"))
            continue
        for field_name in required:
            if not item.get(field_name):
                problems.append(
                    Problem(
                        display_path(path),
                        f"“{key}” 第 {i} 项缺少 “{field_name}”",
                        value=str(item.get("id", "")),
                    )
                )
    if problems:
        raise InputError(problems)
    return items


@dataclass(frozen=True)
class UnitCatalogue:
    units: dict[str, Unit]
    explained: dict[str, tuple[str | None, str]]  # text -> (unit id, or None for a known non-unit; why)


def read_units(path: Path) -> UnitCatalogue:
    data = load_yaml(path)
    units: dict[str, Unit] = {}
    for item in _entries(path, data, "units", ("id", "name", "short")):
        if item["id"] in units:
            raise InputError(Problem(display_path(path), "单位 id 重复", value=item["id"]))
        units[item["id"]] = Unit(
            id=item["id"],
            name=item["name"],
            short=item["short"],
            aliases=tuple(item.get("aliases") or ()),
            localities={k: tuple(v) for k, v in (item.get("localities") or {}).items()},
            note=item.get("note"),
            level=item.get("level"),
            suffixes=tuple(item.get("suffixes") or ()),
            levels={str(w): str(lv) for lv, ws in (item.get("levels") or {}).items() for w in ws},
        )
    explained: dict[str, tuple[str | None, str]] = {}
    for item in data.get("explained") or []:
        if item.get("unit") is not None and item.get("unit") not in units:
            raise InputError(
                Problem(display_path(path), "explained 条目指向不存在的单位", value=str(item.get("unit")))
            )
        if not item.get("text") or not item.get("why"):
            raise InputError(
                Problem(display_path(path), "explained 条目应写明原文写法 text 和理由 why", value=str(item))
            )
        explained[item["text"]] = (item.get("unit"), item["why"])
    return UnitCatalogue(units, explained)


def read_groups(path: Path) -> dict[str, Group]:
    data = load_yaml(path)
    groups: dict[str, Group] = {}
    for item in _entries(path, data, "groups", ("id", "name", "short", "kind")):
        groups[item["id"]] = Group(
            id=item["id"],
            name=item["name"],
            short=item["short"],
            kind=item["kind"],
            aliases=tuple(item.get("aliases") or ()),
            legal_max_age=item.get("legal_max_age"),
            cues=tuple(_cue(path, c) for c in item.get("cues") or ()),
        )
    return groups


def _cue(path: Path, cue) -> tuple[str, ...]:
    """A cue is a word or a list of words that must all occur."""
    words = [cue] if isinstance(cue, str) else cue
    if not isinstance(words, list) or not words or not all(isinstance(w, str) and w for w in words):
        raise InputError(Problem(display_path(path), "群体的 cues 应为词或词的列表", value=str(cue)))
    return tuple(words)


def read_clause_explanations(path: Path) -> dict[str, str]:
    """data/coverage.yaml: clauses (`doc#clause`) an editor has read and found to hold nothing more to
    extract, each with the reason. An entry for a heading covers the clauses below it."""
    if not path.exists():
        return {}
    return {
        str(e["clause"]): str(e["why"])
        for e in _entries(path, load_yaml(path), "explained", ("clause", "why"))
    }


def read_overrides(path: Path) -> list[dict]:
    """Curated corrections; each names the clause (`doc#clause`) it rests on and why."""
    if not path.exists():
        return []
    return _entries(path, load_yaml(path), "overrides", ("clause", "why"))
