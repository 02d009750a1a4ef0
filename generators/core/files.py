"""Writing output folders: built aside, checked, and swapped in whole, so that a failure or a kill leaves
the old folder as it was."""

from __future__ import annotations

import ctypes
import errno
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path


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


def fill_folder(folder: Path, files: Mapping[str, bytes | str], static: Path | None = None) -> None:
    """Copy `static` into `folder`, then write `files` (relative path → content) over it."""
    if static and static.exists():
        shutil.copytree(static, folder, dirs_exist_ok=True)
    for rel_path, content in sorted(files.items()):
        target = folder / rel_path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)


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
