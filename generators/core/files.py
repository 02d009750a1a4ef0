"""Writing output folders: built aside, checked, and swapped in whole, so that a failure or a kill leaves
the old folder as it was."""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import stat
import tempfile
import unicodedata
from collections.abc import Callable, Mapping
from pathlib import Path

from generators.core.errors import InputError, Problem

MAX_SEGMENT_BYTES = 255  # what Linux and macOS file systems allow per name


def write_tree(files: dict[str, bytes | str], static: Path | None, dest: Path) -> None:
    """Replace folder `dest` with the static files plus `files`, built aside and swapped in whole so
    that no stale page survives and a failure leaves the old folder as it was."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}-", dir=dest.parent))
    try:
        fill_folder(staging, files, static)
        swap_in(staging, dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def sync_folder(files: Mapping[str, bytes | str], static: Path | None, dest: Path) -> int:
    """Make folder `dest` hold exactly the static files plus `files`, writing only the files whose content
    differs and removing the others; returns how many were written. For a build's own working folders (a
    monthly rebuild changes a few pages of one edition): unlike `write_tree` it is not swapped in whole, so
    a build stopped midway leaves it part old, part new, and the next build puts it right. Every path is
    checked before anything is written."""
    wanted: dict[str, bytes] = {}
    if static and static.exists():
        _refuse_links(static)
        wanted = {p.relative_to(static).as_posix(): p.read_bytes() for p in static.rglob("*") if p.is_file()}
    wanted.update({k: v.encode("utf-8") if isinstance(v, str) else v for k, v in files.items()})
    checked = _Targets(dest)
    for rel_path in wanted:
        checked(rel_path)
    dest.mkdir(parents=True, exist_ok=True)
    for path in sorted(dest.rglob("*"), reverse=True):  # files before the folders that hold them
        rel = path.relative_to(dest).as_posix()
        if path.is_symlink() or (path.is_file() and rel not in wanted):
            path.unlink()
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    written = 0
    for rel_path, content in sorted(wanted.items()):
        target = dest / rel_path
        if target.is_file() and target.stat().st_size == len(content) and target.read_bytes() == content:
            continue
        if target.is_dir():
            shutil.rmtree(target)
        write_file(dest, rel_path, content)
        written += 1
    return written


def path_problem(rel_path: str) -> str | None:
    """Why `rel_path` may not be written below an output folder (in Chinese), or None when it may."""
    if not isinstance(rel_path, str) or not rel_path:
        return "文件名为空"
    if any(unicodedata.category(ch).startswith("C") for ch in rel_path):
        return "含有控制字符或不可见字符"
    if "\\" in rel_path or ":" in rel_path:
        return "含有“\\”或“:”"
    if rel_path.startswith("/"):
        return "是绝对路径"
    parts = rel_path.split("/")
    if any(p in ("", ".", "..") for p in parts):
        return "含有空的路径段、“.”或“..”"
    if any(len(p.encode("utf-8")) > MAX_SEGMENT_BYTES for p in parts):
        return f"某一段超过 {MAX_SEGMENT_BYTES} 字节"
    return None


def checked_target(folder: Path, rel_path: str) -> Path:
    """Where `rel_path` goes inside `folder`, checked before anything is written: a name made from bad data
    (a path separator, "..", a control character) or a symbolic link on the way out of the folder stops the
    build with the name, instead of writing elsewhere."""
    return _Targets(folder)(rel_path)


class _Targets:
    """`checked_target` for many paths below one folder: the folder, and each folder on the way, resolved
    once (a township's hundreds of files share a few)."""

    def __init__(self, folder: Path, targets: bool = True):
        self.folder = folder
        self.base = folder.resolve()
        self.inside: dict[Path, bool] = {}
        self.targets = targets  # False: the caller never writes through a link at the target itself

    def __call__(self, rel_path: str) -> Path:
        why = path_problem(rel_path)
        target = self.folder / rel_path if why is None else self.folder
        if why is None:
            parent = target.parent
            inside = self.inside.get(parent)
            if inside is None:
                inside = self.inside[parent] = parent.resolve().is_relative_to(self.base)
            if not inside or (self.targets and target.is_symlink()):
                why = "会写到输出目录之外（经过符号链接）"
        if why is not None:
            raise InputError(
                Problem(repr(rel_path)[1:-1], f"输出文件名不安全：{why}；已停止，原有输出保持不变")
            )
        return target


def write_file(folder: Path, rel_path: str, content: bytes | str) -> None:
    """Write one file below `folder`, after checking where it lands."""
    _write(checked_target(folder, rel_path), content)


def _write(target: Path, content: bytes | str, made: set[Path] | None = None) -> None:
    if made is None or target.parent not in made:
        target.parent.mkdir(parents=True, exist_ok=True)
        if made is not None:
            made.add(target.parent)
    target.unlink(missing_ok=True)  # replaced, never written in place: it may be a hard link (`link_tree`)
    target.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)


def copy_static(static: Path, folder: Path) -> None:
    """Copy the hand-written static files; a symbolic link among them could publish whatever it points to."""
    _refuse_links(static)
    shutil.copytree(static, folder, dirs_exist_ok=True)


def _refuse_links(static: Path) -> None:
    links = sorted(str(p.relative_to(static)) for p in static.rglob("*") if p.is_symlink())
    if links:
        raise InputError(
            [
                Problem(str(static / link), "静态文件目录中不能有符号链接（它可能指向不应发布的文件）")
                for link in links
            ]
        )


def _link_or_copy(src: str, dst: str) -> None:
    try:
        os.link(src, dst)
    except OSError:  # another file system, or one without hard links
        shutil.copy2(src, dst)


def link_tree(src: Path, dst: Path, linked: Callable[[str], bool] | None = None) -> None:
    """Copy a folder as hard links where the file system allows (a copy otherwise): only for files that
    nothing writes in place afterwards (a link shares its content with the original). With `linked`,
    only the files it names (by path relative to `src`, with /) are links; the others are copies."""
    if linked is None:
        shutil.copytree(src, dst, copy_function=_link_or_copy)
        return
    start = len(str(src)) + 1

    def place(source: str, target: str) -> None:
        if linked(source[start:].replace(os.sep, "/")):
            _link_or_copy(source, target)
        else:
            shutil.copy2(source, target)

    shutil.copytree(src, dst, copy_function=place)


def fill_folder(folder: Path, files: Mapping[str, bytes | str], static: Path | None = None) -> None:
    """Copy `static` into `folder`, then write `files` (relative path → content) over it. Every path is
    checked first, so that a bad one stops the build before anything is written."""
    checked = _Targets(folder)
    for rel_path in files:
        checked(rel_path)
    if static and static.exists():
        copy_static(static, folder)
        checked = _Targets(folder)  # (what the copy made is looked at again)
    made: set[Path] = set()  # folders made or found: one call less a file (each lets the other thread run)
    for rel_path, content in sorted(files.items()):
        _write(checked(rel_path), content, made)


def link_files(folder: Path, files: Mapping[str, Path]) -> None:
    """Put existing files (relative path → the file) into `folder` as hard links where the file system
    allows (a copy otherwise): a build's unchanged PDFs, taken from a cache, are neither read nor
    written again. Every path is checked first, as `fill_folder` does. (One system call a file where it
    can: each lets the build's other thread take the interpreter, and getting it back waits.)"""
    checked = _Targets(folder, targets=False)
    targets = {rel_path: checked(rel_path) for rel_path in files}
    made: set[Path] = set()
    for rel_path, source in sorted(files.items()):
        target = targets[rel_path]
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        try:
            os.link(source, target)  # never through a link at `target`: an existing name fails
        except FileExistsError:
            target.unlink()
            _link_or_copy(str(source), str(target))
        except OSError:  # another file system, or one without hard links
            shutil.copy2(source, target)


def set_modes(folder: Path, dirs: int, files: int) -> None:
    """Set the permission bits of a folder and everything below it (symbolic links left alone)."""
    os.chmod(folder, dirs)
    for top, subdirs, names in os.walk(folder):
        for d in subdirs:
            path = os.path.join(top, d)
            if not os.path.islink(path):
                os.chmod(path, dirs)
        for n in names:
            path = os.path.join(top, n)
            if not stat.S_ISLNK(os.lstat(path).st_mode):
                os.chmod(path, files)


def make_public(folder: Path) -> None:
    """A folder for a web server: readable by everyone (0755 folders, 0644 files), writable by us only."""
    set_modes(folder, 0o755, 0o644)


def make_private(folder: Path) -> None:
    """A folder of person-level output: only its owner may list or read it (0700 folders, 0600 files)."""
    set_modes(folder, 0o700, 0o600)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one atomic step (Linux renameat2 with RENAME_EXCHANGE); False where the
    system or file system cannot."""
    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def swap_in(new: Path, dest: Path) -> None:
    """Put folder `new` at `dest`. Where the system allows, the two are exchanged in one step, so that a
    build killed at any moment leaves either the old folder or the new one at `dest`, never neither."""
    if dest.exists() and _exchange(new, dest):
        shutil.rmtree(new, ignore_errors=True)  # `new` now holds the old content
        return
    old = None
    if dest.exists():
        old = dest.with_name(f".{dest.name}-old-{os.getpid()}")
        shutil.rmtree(old, ignore_errors=True)
        os.replace(dest, old)
    try:
        os.replace(new, dest)
    except BaseException:
        if old is not None:
            os.replace(old, dest)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def remove_leftovers(dest: Path) -> None:
    """Staging folders of builds that were killed (one build at a time writes a given folder)."""
    for p in dest.parent.glob(f".{dest.name}-*"):
        if p.is_dir():
            shutil.rmtree(p, ignore_errors=True)


def staging_folder(dest: Path) -> Path:
    """A new empty folder beside `dest` to build its next content in."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{dest.name}-", dir=dest.parent))
