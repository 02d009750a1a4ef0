"""File placement, attacked: names made from data may not write outside their output folder, and a bad name
fails the build before anything is written, leaving the live folder as it was."""

from __future__ import annotations

import pytest

from generators.core.errors import InputError
from generators.core.files import (
    checked_target,
    fill_folder,
    link_files,
    link_tree,
    make_public,
    sync_folder,
    write_tree,
)


@pytest.mark.parametrize(
    "name",
    [
        "../escape.html",
        "registry/../../escape.html",
        "/etc/passwd",
        "registry\\村.md",
        "a\x00b.md",
        "a\nb.md",
        "a\u202eb.md",  # right-to-left override: a file name that reads as something else
        "registry//x.md",
        "./x.md",
        "C:x.md",
        "x" * 300 + ".md",
        "",
    ],
)
def test_a_bad_name_is_refused_with_its_name(tmp_path, name):
    with pytest.raises(InputError, match="输出文件名不安全"):
        checked_target(tmp_path, name)


def test_a_symbolic_link_on_the_way_out_is_refused(tmp_path):
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "registry").symlink_to(elsewhere)
    with pytest.raises(InputError, match="符号链接"):
        checked_target(out, "registry/x.md")
    assert checked_target(out, "高峰镇/长岭村.md") == out / "高峰镇" / "长岭村.md"


def test_a_bad_name_leaves_the_live_folder_as_it_was(tmp_path):
    live = tmp_path / "site"
    write_tree({"index.html": "old"}, None, live)
    with pytest.raises(InputError):
        write_tree({"index.html": "new", "../../outside.html": "x"}, None, live)
    assert (live / "index.html").read_text() == "old"
    assert not (tmp_path / "outside.html").exists() and sorted(p.name for p in tmp_path.iterdir()) == ["site"]


def test_nothing_is_written_before_every_name_is_checked(tmp_path):
    with pytest.raises(InputError):
        fill_folder(tmp_path, {"a.html": "x", "b/../../c.html": "y"})
    assert list(tmp_path.iterdir()) == []


def test_a_public_folder_is_world_readable(tmp_path):
    import stat

    write_tree({"a/b.html": "x"}, None, tmp_path / "site")
    make_public(tmp_path / "site")
    modes = {
        p.name: stat.S_IMODE(p.stat().st_mode) for p in [tmp_path / "site", *(tmp_path / "site").rglob("*")]
    }
    assert modes == {"site": 0o755, "a": 0o755, "b.html": 0o644}


def test_a_linked_copy_is_replaced_not_written_through(tmp_path):
    """Kept site editions are copied as hard links; writing a file of the copy must leave the original."""
    kept = tmp_path / "kept"
    fill_folder(kept, {"index.html": "kept page", "sub/a.html": "a"})
    link_tree(kept, tmp_path / "site")
    assert (tmp_path / "site" / "sub" / "a.html").stat().st_ino == (kept / "sub" / "a.html").stat().st_ino
    fill_folder(tmp_path / "site", {"index.html": "new page"})
    assert (tmp_path / "site" / "index.html").read_text() == "new page"
    assert (kept / "index.html").read_text() == "kept page"


def test_a_synced_folder_holds_exactly_what_was_asked_and_only_changes_are_written(tmp_path):
    static = tmp_path / "static"
    fill_folder(static, {"css/site.css": "body {}", "index.md": "static index"})
    dest = tmp_path / "docs"
    assert sync_folder({"index.md": "首页", "a/b.md": "b", "old/x.md": "x"}, static, dest) == 4
    before = {p: p.stat().st_mtime_ns for p in dest.rglob("*") if p.is_file()}
    (dest / "stray.md").write_text("left from an older build")
    assert sync_folder({"index.md": "首页", "a/b.md": "b changed", "a/b/c.md": "c"}, static, dest) == 2
    files = {p.relative_to(dest).as_posix(): p.read_text() for p in dest.rglob("*") if p.is_file()}
    assert files == {"css/site.css": "body {}", "index.md": "首页", "a/b.md": "b changed", "a/b/c.md": "c"}
    assert not (dest / "old").exists()
    assert (dest / "index.md").stat().st_mtime_ns == before[dest / "index.md"]  # not written again
    with pytest.raises(InputError, match="输出文件名不安全"):
        sync_folder({"../escape.md": "x"}, None, dest)
    assert not (tmp_path / "escape.md").exists()


def test_cached_files_are_linked_in_never_written_through_a_link(tmp_path):
    """`link_files` puts a cache's files into an output folder as hard links (neither read nor written),
    checks every name first, and replaces a symbolic link planted at a target instead of writing
    through it."""
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / "a").write_bytes(b"sheet")
    (cache / "b").write_bytes(b"pack")
    out = tmp_path / "out"
    (out / "t").mkdir(parents=True)
    elsewhere = tmp_path / "elsewhere.pdf"
    elsewhere.write_bytes(b"not ours")
    (out / "t" / "p.pdf").symlink_to(elsewhere)
    link_files(out, {"t/s.pdf": cache / "a", "t/p.pdf": cache / "b"})
    assert (out / "t" / "s.pdf").read_bytes() == b"sheet" and (out / "t" / "s.pdf").stat().st_nlink == 2
    assert not (out / "t" / "p.pdf").is_symlink() and (out / "t" / "p.pdf").read_bytes() == b"pack"
    assert elsewhere.read_bytes() == b"not ours"
    with pytest.raises(InputError):
        link_files(out, {"../x.pdf": cache / "a"})
    assert not (tmp_path / "x.pdf").exists()
