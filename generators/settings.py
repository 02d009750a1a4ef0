"""Settings: where inputs and outputs live, validated once and passed down (no global state)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from generators.errors import InputError, Problem
from generators.policy import DataPaths


@dataclass(frozen=True)
class Settings:
    root: Path  # the project: mkdocs.yml, docs/, templates/
    data: Path  # policies and catalogues (data/ by default)
    build: Path  # intermediate files: assembled docs, model JSON, reports
    site: Path  # the published site, replaced only by a build that fully succeeded

    @classmethod
    def from_args(cls, root: Path, data: Path | None = None, build: Path | None = None,
                  site: Path | None = None) -> "Settings":
        root = root.resolve()
        settings = cls(root, (data or root / "data").resolve(), (build or root / "build").resolve(),
                       (site or root / "site").resolve())
        settings.validate()
        return settings

    def validate(self) -> None:
        problems = [Problem(str(p), f"找不到{what}") for p, what in (
            (self.mkdocs_config, "站点配置 mkdocs.yml"), (self.templates, "模板目录 templates/"),
            (self.static_docs, "静态页面目录 docs/"), (self.data, "数据目录"),
        ) if not p.exists()]
        if self.site.resolve() in (self.root, self.data, self.static_docs) or self.site == self.build:
            problems.append(Problem(str(self.site), "输出目录不能与项目、数据或中间目录相同"))
        if problems:
            raise InputError(problems)

    @property
    def data_paths(self) -> DataPaths:
        return DataPaths(self.data)

    @property
    def mkdocs_config(self) -> Path:
        return self.root / "mkdocs.yml"

    @property
    def templates(self) -> Path:
        return self.root / "templates"

    @property
    def static_docs(self) -> Path:
        return self.root / "docs"

    @property
    def docs_out(self) -> Path:
        return self.build / "docs"
