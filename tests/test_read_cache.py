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
from generators.registry.validate import FileContext, import_reads, read_folder
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


def _import(folder: Path, model, cache: ReadCache | None, alone: bool, places_file: Path):
    places = read_places(places_file)
    rules, as_of = county_rules(model, places, 90), dt.date(2026, 10, 31)
    context = FileContext.of(places, model, rules, as_of, folder) if alone else None
    listing, reads = read_folder(folder, SCHEMA, None, None, cache, context)
    return import_reads(folder, listing, reads, places, model, rules, as_of)


def _imported(
    folder: Path,
    model,
    cache: ReadCache | None,
    alone: bool = True,
    places_file: Path = CORPUS / "places.yaml",
) -> tuple[str, bytes]:
    """The import's repr (content only, not object identity) and its rejected-rows workbook; `alone`: each
    file's rows validated where it is read (as builds do), or all together after reading."""
    result = _import(folder, model, cache, alone, places_file)
    book = rejected_workbook(SCHEMA, result.rejected, result.warnings, result.files, result.notes)
    return repr(result), book


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
    assert after == _imported(county, model, None, alone=False)  # and validating them all together
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
    assert (
        len([p for p in where.rglob("*") if p.is_file()]) == len(entries) - 2
    )  # its read, its rows validated


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
    assert not marker.exists() and len(read_files) == len(registry_files(county).files)
    read_files.clear()
    _imported(county, model, ReadCache(where, SECRET, "code"))
    assert read_files == []  # the entries were replaced by signed ones


def test_an_entry_of_ours_moved_to_another_files_key_is_not_that_files(tmp_path, county, model, read_files):
    """Entries are signed with their key: swapping two signed entries (one village's read given as
    another's) makes both files be read again."""
    where = tmp_path / "restricted" / ".read-cache"
    first = _imported(county, model, ReadCache(where, SECRET, "code"))
    cache = ReadCache(where, SECRET, "code")
    entries = sorted(p for p in where.rglob("*.read") if cache.load(p.stem) is not None)  # reads, not rows
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


# --- each file validated where it is read ------------------------------------------------------------
@pytest.fixture
def merged(monkeypatch) -> list[int]:
    """How many files each import took as validated on their own (a call of validate._merged)."""
    calls: list[int] = []
    real = validate._merged

    def counted(fragments):
        calls.append(len(fragments))
        return real(fragments)

    monkeypatch.setattr(validate, "_merged", counted)
    return calls


@pytest.mark.parametrize("scenario", sorted(p.name for p in (CORPUS / "scenarios").iterdir()))
def test_files_validated_on_their_own_give_what_validating_them_together_gives(
    tmp_path, model, merged, scenario
):
    """Every scenario of the registry corpus (hand-kept columns, bad cells, hidden rows, a village sent
    twice, contacts of another file, one sheet per month...): the import and its rejected-rows workbook
    are the same, byte for byte, whether each file's rows were validated where it was read or all of
    them together."""
    from generators.registry.pii import personal_values

    folder = CORPUS / "scenarios" / scenario
    alone = _imported(folder, model, None)
    assert alone == _imported(folder, model, None, alone=False)
    places = CORPUS / "places.yaml"
    needles = personal_values(_import(folder, model, None, True, places), SCHEMA)  # gathered per file
    assert needles == personal_values(_import(folder, model, None, False, places), SCHEMA)
    cached = ReadCache(tmp_path / ".read-cache", SECRET, "code")
    assert _imported(folder, model, cached) == alone == _imported(folder, model, cached)  # kept, then taken


def test_most_of_the_corpus_is_merged_and_a_mixed_county_too(tmp_path, county, model, merged):
    for scenario in sorted((CORPUS / "scenarios").iterdir()):
        _imported(scenario, model, None)
    assert len(merged) >= 40  # the rest share a village or an ID number between files
    merged.clear()
    assert _imported(county, model, None) == _imported(county, model, None, alone=False)
    assert merged


def test_files_that_share_an_id_number_or_a_village_are_validated_together(tmp_path, model, merged):
    """Two villages' files with the same ID number (the second row is refused, naming the first), and a
    file of contacts only whose name gives a village whose cases another file holds: each file alone
    would say otherwise, so these are validated all together, as before."""
    from tests.registry_fixtures import case, contact, ident, workbook

    twice = tmp_path / "twice"
    twice.mkdir()
    same = ident(dt.date(2005, 3, 1), 7)
    workbook(twice / "高峰镇-长岭村.xlsx", [case(1), case(2, id_number=same)], [contact("V01-0001")])
    workbook(twice / "高峰镇-双河村.xlsx", [case(1, village="双河村", id_number=same)])
    places = ROOT / "data" / "places.yaml"
    together = _imported(twice, model, None, alone=False, places_file=places)
    assert _imported(twice, model, None, places_file=places) == together and merged == []
    assert "身份证号与" in together[0] and "重复" in together[0]

    cache = ReadCache(tmp_path / ".read-cache", SECRET, "code")  # rows let go, taken again from the cache
    assert _imported(twice, model, cache, places_file=places) == together
    assert _imported(twice, model, cache, places_file=places) == together and merged == []

    contacts_only = tmp_path / "contacts"
    contacts_only.mkdir()
    workbook(contacts_only / "高峰镇-长岭村.xlsx", [case(1), case(2)])
    workbook(contacts_only / "高峰镇-长岭村-联系记录.xlsx", [], [contact("V01-0002")])
    together = _imported(contacts_only, model, None, alone=False, places_file=places)
    assert _imported(contacts_only, model, None, places_file=places) == together and merged == []
    assert "ContactLog(dates={('高峰镇', '长岭村', 'V01-0002')" in together[0]  # found in the other file


def _read_here_then_from_the_cache(tmp_path, county, model):
    """The folder's reads, each file validated where read (a context) and kept (a cache): read here, then
    taken from the cache."""
    places = read_places(CORPUS / "places.yaml")
    rules, as_of = county_rules(model, places, 90), dt.date(2026, 10, 31)
    context = FileContext.of(places, model, rules, as_of, county)
    cache = ReadCache(tmp_path / ".read-cache", SECRET, "code")
    for _ in ("read here", "taken from the cache"):
        yield read_folder(county, SCHEMA, None, None, cache, context)[1]


def test_rows_validated_where_read_are_let_go_and_come_back_from_the_cache(tmp_path, county, model):
    """With a cache, a file's rows validated where it was read are not held by the build (the import's
    peak of memory): its tables keep only what choosing the month's files looks at, and their rows come
    back from the cache when the files must be validated together. Such a table is never pickled."""
    import pickle

    for reads in _read_here_then_from_the_cache(tmp_path, county, model):
        tables = [t for r in reads if r.fragment is not None for t in r.tables if t.distinct]
        assert tables and all(t.packed is None and t.reload is not None for t in tables)
        with pytest.raises(pickle.PicklingError):
            pickle.dumps(tables[0])
        for t in tables:
            t.unpack()
        assert all(t.reload is None for t in tables) and sum(len(t) for t in tables) > 100


def test_reads_waiting_for_the_month_hold_no_copies_of_what_they_share(tmp_path, county, model):
    """A county's reads wait together until its month is chosen: unpickled from a worker or the cache, each
    held a copy of the sheet schemas and of the dates every file holds (most of a big import's memory).
    They point at the registry's own schemas and share equal distinct values (of the same type)."""
    for reads in _read_here_then_from_the_cache(tmp_path, county, model):
        tables = [t for r in reads for t in r.tables]
        assert tables and all(
            t.schema is (SCHEMA.cases, SCHEMA.contacts)[t.schema.kind == "contacts"] for t in tables
        )
        seen: dict[tuple[type, object], set[int]] = {}
        for t in tables:
            for values in t.distinct.values():
                assert isinstance(values, tuple) and len(set(values)) == len(values)
                for value in values:
                    seen.setdefault((value.__class__, value), set()).add(id(value))
        assert len(seen) > 50 and all(len(ids) == 1 for ids in seen.values())
        assert any(isinstance(value, dt.date) for _, value in seen)
