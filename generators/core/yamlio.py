"""YAML catalogues in data/: read with errors that name the file and line."""

from __future__ import annotations

from pathlib import Path

import yaml

from generators.core.errors import InputError, Problem, display_path


def yaml_problem(path: Path, exc: yaml.YAMLError, offset: int = 0) -> Problem:
    mark = getattr(exc, "problem_mark", None)
    line = mark.line + 1 + offset if mark is not None else None
    return Problem(display_path(path), f"YAML 格式错误：{getattr(exc, 'problem', exc)}", line=line)


# libyaml's parser (PyYAML's wheels include it) reads the same documents ten times faster than Python's.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str):
    """`yaml.safe_load`, with libyaml where PyYAML has it."""
    return yaml.load(text, Loader=_LOADER)


def load_yaml(path: Path) -> dict:
    """A YAML file whose top level is a mapping."""
    try:
        data = parse_yaml(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise InputError(Problem(display_path(path), "文件不存在")) from exc
    except yaml.YAMLError as exc:
        raise InputError(yaml_problem(path, exc)) from exc
    if not isinstance(data, dict):
        raise InputError(Problem(display_path(path), "顶层应为“键: 值”映射"))
    return data
