"""The editions' policy models kept from the last build (signed with the pseudonym key): a rebuild with
the same texts takes them, a changed text or a changed entry is built again, nothing unsigned is
unpickled."""

from __future__ import annotations

import dataclasses
import pickle
from pathlib import Path

import pytest

from generators import pipeline
from generators.privacy.pseudonyms import KEY_ENV
from tests.test_read_cache import _Harmful

KEY = "a-pseudonym-key-of-at-least-32-bytes-for-tests"


@pytest.fixture
def settings(settings_for, data_copy, tmp_path, monkeypatch):
    monkeypatch.setenv(KEY_ENV, KEY)
    return dataclasses.replace(settings_for(data_copy), cache=tmp_path / "cache")


@pytest.fixture
def built(monkeypatch) -> list[str]:
    """The data folders whose model was built (not taken from the cache)."""
    folders: list[str] = []
    real = pipeline.build_policy_model

    def counted(paths):
        folders.append(paths.root.name)
        return real(paths)

    monkeypatch.setattr(pipeline, "build_policy_model", counted)
    return folders


def _entries(settings) -> list[Path]:
    return sorted((settings.cache / "policy-models").rglob("*.pickle"))


def test_a_rebuild_takes_the_models_kept(settings, built):
    first = pipeline.load_policies(settings)
    assert built and len(_entries(settings)) == 1
    built.clear()
    again = pipeline.load_policies(settings)
    assert built == []
    assert again.editions == first.editions
    for number, model in first.models.items():
        assert again.models[number].to_json() == model.to_json()
    assert pickle.dumps(again.calendars) == pickle.dumps(first.calendars)


def test_a_changed_text_is_read_again(settings, built, data_copy):
    pipeline.load_policies(settings)
    text = sorted((data_copy / "policies").glob("*.txt"))[0]
    text.write_text(text.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    built.clear()
    pipeline.load_policies(settings)
    assert "data" in built  # the working data (now a draft) is extracted again
    assert len(_entries(settings)) == 1  # the old entry was let go


def test_no_key_keeps_nothing(settings, built, monkeypatch, tmp_path):
    monkeypatch.delenv(KEY_ENV)
    settings = dataclasses.replace(settings, root=tmp_path / "checkout")  # no key file there
    pipeline.load_policies(settings)
    assert not settings.key_file.exists()  # not made here
    assert _entries(settings) == []


def test_an_entry_not_signed_with_the_key_is_never_unpickled(settings, built, tmp_path):
    pipeline.load_policies(settings)
    [entry] = _entries(settings)
    marker = tmp_path / "ran"
    entry.write_bytes(b"\0" * 32 + pickle.dumps(_Harmful(marker)))
    built.clear()
    policies = pipeline.load_policies(settings)
    assert not marker.exists() and built  # built again, and the entry replaced
    assert policies.model.documents
    built.clear()
    pipeline.load_policies(settings)
    assert built == []
