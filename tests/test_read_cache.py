"""The registry files' reads kept from the last build (restricted output only, signed): a rebuild reads
again only the files that changed, gives the same import, and never unpickles an entry it did not sign."""

from __future__ import annotations

import datetime as dt
import pickle
import shutil
import stat
from pathlib import Path
from types import SimpleNamespace

import pytest

from generators import pipeline
from generators.privacy.pseudonyms import KEY_ENV
from generators.registry import validate
from generators.registry.folder import registry_files
from generators.registry.local_rules import county_rules
from generators.registry.places import read_places
from generators.registry.read_cache import ReadCache
from generators.registry.rejected import rejected_workbook
from generators.registry.validate import import_reads, read_folder
from tests.conftest import ROOT
from tests.registry_fixtures import SCHEMA
from tests.test_scale import MIXED

CORPUS = ROOT / "tests" / "corpus" / "registry"
SECRET = b"a-pseudonym-key-of-at-least-32-bytes"


class _Harmful:
    """What a hostile entry would hold: unpickling it writes a file."""

    def __init__(self, marker: Path):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


@pytest.fixture
def county(tmp_path):
    folder = tmp_path / "registry"
    for name in MIXED:  # corrupt, encrypted, ragged CSV, GBK, duplicates: every kind of read
        shutil.copytree(CORPUS / "scenarios" / name, folder / name)
    return folder


@pytest.fixture
def read_files(monkeypatch) -> list[str]:
    """The names of the files read from disk (not taken from the cache)."""
    names: list[str] = []
    real = validate._read_file

    def counted(schema, item):
        names.append(item[1])
        return real(schema, item)

    monkeypatch.setattr(validate, "_read_file", counted)
    return names


def _imported(folder: Path, model, cache: ReadCache | None) -> tuple[str, bytes]:
    places = read_places(CORPUS / "places.yaml")
    listing, reads = read_folder(folder, SCHEMA, None, None, cache)
    result = import_reads(
        folder, listing, reads, places, model, county_rules(model, places, 90), dt.date(2026, 10, 31)
    )
    book = rejected_workbook(SCHEMA, result.rejected, result.warnings, result.files, result.notes)
    return repr(result), book  # repr: content only, not object identity


def test_a_rebuild_reads_again_only_the_changed_file_and_imports_the_same(
    tmp_path, county, model, read_files
):
    where = tmp_path / "restricted" / ".read-cache"
    files = registry_files(county).files  # the registry files among them
    first = _imported(county, model, ReadCache(where, SECRET, "code"))
    assert len(read_files) == len(files)
    read_files.clear()
    again = _imported(county, model, ReadCache(where, SECRET, "code"))
    assert read_files == [] and again == first
    changed = county / "13-corrupt-file-among-good" / "高峰镇-石桥村.csv"  # the village's only file
    changed.write_bytes(changed.read_bytes().rstrip(b"\r\n").rsplit(b"\n", 1)[0] + b"\n")  # a row less
    after = _imported(county, model, ReadCache(where, SECRET, "code"))
    assert read_files == [changed.relative_to(county).as_posix()]
    assert after != first and after == _imported(county, model, None)  # what reading every file gives
    read_files.clear()
    _imported(county, model, ReadCache(where, SECRET, "other reader code"))
    assert len(read_files) == len(files)  # another version of the readers reads everything again


def test_the_cache_is_private_and_keeps_only_what_the_last_build_used(tmp_path, county, model):
    where = tmp_path / "restricted" / ".read-cache"
    _imported(county, model, ReadCache(where, SECRET, "code"))
    entries = [p for p in where.rglob("*") if p.is_file()]
    assert entries and all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in entries)
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o700 for p in [where, *where.iterdir()])
    gone = next(p for p in registry_files(county).files if p.suffix == ".xlsx")
    gone.unlink()
    cache = ReadCache(where, SECRET, "code")
    _imported(county, model, cache)
    cache.prune()
    assert len([p for p in where.rglob("*") if p.is_file()]) == len(entries) - 1


@pytest.mark.parametrize("forged_with", [b"someone-else's-key-also-32-bytes-long", None])
def test_an_entry_this_build_did_not_sign_is_never_unpickled(
    tmp_path, county, model, read_files, forged_with
):
    """An entry written or changed by someone without the key (a forged signature, or none) is not
    loaded: the file is read again and its entry replaced; the pickle never runs."""
    import hashlib
    import hmac

    where = tmp_path / "restricted" / ".read-cache"
    first = _imported(county, model, ReadCache(where, SECRET, "code"))
    marker = tmp_path / "the-pickle-ran"
    hostile = pickle.dumps(_Harmful(marker))
    for entry in (p for p in where.rglob("*") if p.is_file()):
        mac = hmac.new(forged_with, hostile, hashlib.sha256).digest() if forged_with else b""
        entry.write_bytes(mac + hostile)
    read_files.clear()
    assert _imported(county, model, ReadCache(where, SECRET, "code")) == first
    assert not marker.exists() and len(read_files) == len(list(where.rglob("*.read")))
    read_files.clear()
    _imported(county, model, ReadCache(where, SECRET, "code"))
    assert read_files == []  # the entries were replaced by signed ones


def test_an_entry_of_ours_moved_to_another_files_key_is_not_that_files(tmp_path, county, model, read_files):
    """Entries are signed with their key: swapping two signed entries (one village's read given as
    another's) makes both files be read again."""
    where = tmp_path / "restricted" / ".read-cache"
    first = _imported(county, model, ReadCache(where, SECRET, "code"))
    entries = sorted(p for p in where.rglob("*.read"))
    a, b = entries[0].read_bytes(), entries[1].read_bytes()
    entries[0].write_bytes(b)
    entries[1].write_bytes(a)
    read_files.clear()
    assert _imported(county, model, ReadCache(where, SECRET, "code")) == first
    assert len(read_files) == 2


def test_no_cache_before_there_is_a_pseudonym_key(tmp_path, monkeypatch):
    settings = SimpleNamespace(  # what read_cache looks at
        key_file=tmp_path / ".secrets" / "pseudonym.key",
        restricted=tmp_path / "restricted",
        registry_schema=ROOT / "data" / "registry" / "schema.yaml",
    )
    monkeypatch.delenv(KEY_ENV, raising=False)
    assert not settings.key_file.exists()
    assert pipeline.read_cache(settings) is None
    assert not settings.key_file.exists() and not (tmp_path / "restricted").exists()  # nothing made
    monkeypatch.setenv(KEY_ENV, SECRET.decode())
    cache = pipeline.read_cache(settings)
    assert cache is not None and cache.folder == tmp_path / "restricted" / ".read-cache"
    assert stat.S_IMODE((tmp_path / "restricted").stat().st_mode) == 0o700


def test_entries_do_not_depend_on_where_the_registry_folder_lies(tmp_path, county, model, read_files):
    """The same files give the same entries wherever the folder is (the restricted output is the same
    for the same inputs), and a moved folder's reads come from the cache with their new paths."""
    moved = tmp_path / "elsewhere" / "deeper" / "registry"
    shutil.copytree(county, moved)
    caches = [tmp_path / "a" / ".read-cache", tmp_path / "b" / ".read-cache"]
    _imported(county, model, ReadCache(caches[0], SECRET, "code"))
    _imported(moved, model, ReadCache(caches[1], SECRET, "code"))
    entries = [{p.relative_to(c): p.read_bytes() for p in c.rglob("*") if p.is_file()} for c in caches]
    assert entries[0] == entries[1]
    read_files.clear()
    listing, reads = read_folder(moved, SCHEMA, None, None, ReadCache(caches[0], SECRET, "code"))
    assert read_files == [] and [r.path for r in reads] == listing.files
    assert _imported(moved, model, ReadCache(caches[0], SECRET, "code")) == _imported(moved, model, None)
