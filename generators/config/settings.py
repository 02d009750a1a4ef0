"""Settings: where inputs and outputs live, validated once and passed down (no global state)."""

from __future__ import annotations

import fnmatch
import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from generators.config.paths import DataPaths
from generators.core.errors import InputError, Problem
from generators.core.months import Month

CACHE_ENV = "HANDBOOK_CACHE"


def git_ignores(root: Path, path: Path) -> bool:
    """Whether git ignores `path` in the project at `root`. A project that is not a git checkout has no
    repository to leak into; where git cannot be asked, the project's .gitignore is read for the folder."""
    if path == root:
        return False
    if not (root / ".git").exists():
        return True
    try:
        done = subprocess.run(
            # The trailing slash asks about a folder: a pattern such as /restricted/ matches folders
            # only, and a folder that does not exist yet (a fresh clone) would otherwise not match.
            ["git", "-C", str(root), "check-ignore", "-q", f"{path}/"],
            capture_output=True,
            timeout=30,
        )
        if done.returncode in (0, 1):
            return done.returncode == 0
    except (OSError, subprocess.SubprocessError):
        pass
    top = path.relative_to(root).parts[0]
    ignore = root / ".gitignore"
    lines = ignore.read_text(encoding="utf-8").splitlines() if ignore.exists() else []
    return any(fnmatch.fnmatch(top, line.strip().strip("/")) for line in lines if line.strip())


@dataclass(frozen=True)
class Settings:
    root: Path  # the project: mkdocs.yml, docs/, templates/
    data: Path  # policies and catalogues (data/ by default)
    build: Path  # intermediate files: assembled docs, model JSON, reports
    site: Path  # the published site, replaced only by a build that fully succeeded
    restricted: Path  # person-level output (briefing lists, rejected rows): never published
    registry: Path | None = None  # a folder of registry workbooks; None: as data/registry.yaml says
    month: Month | None = None  # the report month; None: the month after the newest registry data
    # Prepared files that are slow to make and safe to delete (the cut print fonts): <root>/.cache, which
    # git ignores, or $HANDBOOK_CACHE to share one cache between checkouts.
    cache: Path = Path(".cache")
    # Sizes of the synthetic default county that override data/registry.yaml, e.g. {"townships": 10}.
    synthetic_size: tuple[tuple[str, int], ...] = ()
    # Where the parallel work runs: a Dask scheduler's address, else a local pool of `workers` processes
    # (default: one per core), or everything in this process when `serial` (for debugging).
    scheduler: str | None = None
    workers: int | None = None
    serial: bool = False

    @classmethod
    def from_args(
        cls,
        root: Path,
        data: Path | None = None,
        build: Path | None = None,
        site: Path | None = None,
        restricted: Path | None = None,
        registry: Path | None = None,
        month: str | None = None,
        synthetic_size: dict[str, int | None] | None = None,
        scheduler: str | None = None,
        workers: int | None = None,
        serial: bool = False,
    ) -> Settings:
        root = root.resolve()
        build = (build or root / "build").resolve()
        report_month = None
        if month is not None:
            try:
                report_month = Month.parse(month)
            except ValueError:
                raise InputError(
                    Problem("--month", "月份应写成 YYYY-MM，例如 2026-11", value=month)
                ) from None
        cache = Path(os.environ.get(CACHE_ENV) or root / ".cache").resolve()
        settings = cls(
            root,
            (data or root / "data").resolve(),
            build,
            (site or root / "site").resolve(),
            (restricted or root / "restricted").resolve(),
            registry.resolve() if registry else None,
            report_month,
            cache,
            tuple(sorted((k, v) for k, v in (synthetic_size or {}).items() if v is not None)),
            scheduler,
            workers,
            serial,
        )
        settings.validate()
        return settings

    def validate(self) -> None:
        problems = [
            Problem(str(p), f"找不到{what}")
            for p, what in (
                (self.mkdocs_config, "站点配置 mkdocs.yml"),
                (self.templates, "模板目录 templates/"),
                (self.static_docs, "静态页面目录 docs/"),
                (self.data, "数据目录"),
            )
            if not p.exists()
        ]
        if self.site.resolve() in (self.root, self.data, self.static_docs) or self.site == self.build:
            problems.append(Problem(str(self.site), "输出目录不能与项目、数据或中间目录相同"))
        problems += self.restricted_problems()
        if self.registry is not None and not self.registry.is_dir():
            problems.append(Problem(str(self.registry), "找不到台账目录"))
        elif self.registry is not None:
            for folder, what in (
                (self.site, "发布站点"),
                (self.static_docs, "docs/"),
                (self.templates, "templates/"),
            ):
                if self.registry.resolve().is_relative_to(folder.resolve()):
                    problems.append(
                        Problem(str(self.registry), f"台账（含个人信息）不能放在{what}之内，它会被发布")
                    )
        for key, value in self.synthetic_size:
            if value < 1:
                problems.append(Problem(f"--{key.replace('_', '-')}", "应为正整数", value=str(value)))
        if self.workers is not None and self.workers < 1:
            problems.append(Problem("--workers", "应为正整数", value=str(self.workers)))
        if self.scheduler is not None and "://" not in self.scheduler:
            problems.append(
                Problem("--scheduler", "应为 Dask 调度器地址，如 tcp://10.0.0.5:8786", value=self.scheduler)
            )
        if problems:
            raise InputError(problems)

    def restricted_problems(self) -> list[Problem]:
        """Person-level output must not land where the build reads or publishes, nor where git would pick
        it up: not inside (nor around) the site, the data, docs, templates or build folders, and inside the
        project only in a folder that git ignores."""
        restricted = self.restricted.resolve()
        problems = []
        for folder, what in (
            (self.site, "发布站点"),
            (self.data, "数据目录"),
            (self.static_docs, "静态页面目录 docs/"),
            (self.templates, "模板目录 templates/"),
            (self.build, "中间文件目录"),
        ):
            folder = folder.resolve()
            if restricted.is_relative_to(folder) or folder.is_relative_to(restricted):
                problems.append(
                    Problem(
                        str(self.restricted),
                        f"受限目录（含个人信息）不能位于{what}（{folder}）之内，也不能包含它；请另选一个目录",
                    )
                )
        if not problems and restricted.is_relative_to(self.root) and not git_ignores(self.root, restricted):
            problems.append(
                Problem(
                    str(self.restricted),
                    "受限目录位于项目仓库之内，但没有被 git 忽略，个人信息可能被提交；"
                    "请把它放到仓库之外，或加入 .gitignore",
                )
            )
        return problems

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

    @property
    def registry_config(self) -> Path:
        return self.data / "registry.yaml"

    @property
    def places(self) -> Path:
        """The county's place list: townships, villages, accepted spellings, documents followed."""
        return self.data / "places.yaml"

    @property
    def registry_schema(self) -> Path:
        return self.data / "registry" / "schema.yaml"

    @property
    def assessment(self) -> Path:
        """The 双零 pilot: criteria.yaml, pilots.yaml and submissions/ of completed forms."""
        return self.data / "assessment"

    @property
    def privacy_allowlists(self) -> tuple[Path, Path]:
        """Reviewed exemptions from the publish guard: public ones in data/, personal ones (a value that is
        someone's name) beside the restricted output."""
        return (self.data / "privacy-allowlist.yaml", self.restricted / "privacy-allowlist.yaml")

    @property
    def key_file(self) -> Path:
        """The pseudonym key when HANDBOOK_PSEUDONYM_KEY is not set; git ignores it."""
        return self.root / ".secrets" / "pseudonym.key"
