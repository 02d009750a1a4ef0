"""Where the policy inputs live inside a data folder (data/ or one edition's snapshot)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class DataPaths:
    root: Path

    @property
    def policies(self) -> Path:
        return self.root / "policies"

    @property
    def units(self) -> Path:
        return self.root / "units.yaml"

    @property
    def groups(self) -> Path:
        return self.root / "groups.yaml"

    @property
    def overrides(self) -> Path:
        return self.root / "overrides.yaml"

    @property
    def vocabulary(self) -> Path:
        return self.root / "vocabulary.yaml"

    @property
    def coverage(self) -> Path:
        return self.root / "coverage.yaml"
