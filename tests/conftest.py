"""Shared fixtures: the project's own data, small synthetic policy folders, one built site per session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from generators.assessment.criteria import read_criteria, read_pilots
from generators.assessment.definition import form_definition
from generators.config.paths import DataPaths
from generators.config.settings import Settings
from generators.policy.build import build_policy_model

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT.parent / "shared" / "seeds"

# Builds of copied projects share this checkout's font cache; pseudonyms use a test key, so that tests never
# write a key file into the checkout.
os.environ.setdefault("HANDBOOK_CACHE", str(ROOT / ".cache"))
os.environ.setdefault("HANDBOOK_PSEUDONYM_KEY", "test-key-not-secret-but-32-bytes-long")


SITE_FIXTURES = {"site_root", "built_site"}


def pytest_collection_modifyitems(items):
    """A test that reads the built site is a whole-site test: `slow`, whatever its own marks say."""
    for item in items:
        if SITE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def model():
    return build_policy_model(DataPaths(ROOT / "data"))


# The 双零 form of the sample pilot (杨柳社区), as the assessment tests share it.
@pytest.fixture(scope="session")
def criteria(model):
    return read_criteria(ROOT / "data" / "assessment" / "criteria.yaml", model)


@pytest.fixture(scope="session")
def pilots():
    return read_pilots(ROOT / "data" / "assessment" / "pilots.yaml")


@pytest.fixture(scope="session")
def pilot(pilots):
    return next(p for p in pilots.pilots if p.community == "杨柳社区")


@pytest.fixture(scope="session")
def definition(criteria, pilot):
    return form_definition(criteria, pilot)


@pytest.fixture
def data_copy(tmp_path) -> Path:
    """A writable copy of data/ to add or break files in."""
    dest = tmp_path / "data"
    shutil.copytree(ROOT / "data", dest)
    return dest


@pytest.fixture
def settings_for(tmp_path):
    def make(data: Path | None = None, name: str = "out") -> Settings:
        return Settings.from_args(
            ROOT,
            data=data,
            build=tmp_path / name / "build",
            site=tmp_path / name / "site",
            restricted=tmp_path / name / "restricted",
        )

    return make


def latest(site: Path) -> Path:
    """The folder of the edition that the `latest` alias points to."""
    import json

    entries = json.loads((site / "versions.json").read_text(encoding="utf-8"))
    return site / next(e["version"] for e in entries if "latest" in e["aliases"])


@pytest.fixture(scope="session")
def site_root(tmp_path_factory) -> Path:
    """The whole site (every edition) built once from the embedded default data."""
    from generators.commands import build

    out = tmp_path_factory.mktemp("site-build")
    settings = Settings.from_args(ROOT, build=out / "build", site=out / "site", restricted=out / "restricted")
    build.run(settings, quiet=True)
    return settings.site


@pytest.fixture(scope="session")
def built_site(site_root) -> Path:
    """The latest edition of the handbook."""
    return latest(site_root)
