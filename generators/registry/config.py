"""Load: how the registry is read and checked (data/registry.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from generators.core.errors import InputError, Problem, display_path
from generators.core.yamlio import parse_yaml


@dataclass(frozen=True)
class RegistryConfig:
    source: str  # "synthetic" or a folder
    synthetic: dict
    periodic_contact_days: int
    suppress_below: int


def read_registry_config(path: Path) -> RegistryConfig:
    name = display_path(path)
    try:
        data = (parse_yaml(path.read_text(encoding="utf-8")) or {}).get("registry") or {}
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(Problem(name, f"无法读取台账配置：{exc}")) from exc
    missing = [k for k in ("source", "periodic_contact_days", "suppress_below") if k not in data]
    if missing:
        raise InputError(Problem(name, f"台账配置缺少：{'、'.join(missing)}"))
    return RegistryConfig(
        str(data["source"]),
        data.get("synthetic") or {},
        int(data["periodic_contact_days"]),
        int(data["suppress_below"]),
    )
