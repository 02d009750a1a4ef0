"""Publish: write the pages, build them with mkdocs, and swap the result in only when all succeeded."""
from __future__ import annotations

import ctypes
import errno
import logging
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import jinja2

from generators.edition_pages import redirect_page
from generators.model import PolicyModel
from generators.render import PageTask, render_page


def write_tree(files: dict[str, bytes | str], static: Path | None, dest: Path) -> None:
    """Replace folder `dest` with the static files plus `files`, built aside and swapped in whole so
    that no stale page survives and a failure leaves the old folder as it was."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dest.name}-", dir=dest.parent))
    try:
        if static and static.exists():
            shutil.copytree(static, staging, dirs_exist_ok=True)
        for rel_path, content in sorted(files.items()):
            target = staging / rel_path
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, str):
                content = content.encode("utf-8")
            target.write_bytes(content)
        swap_in(staging, dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


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


def render_pages(env: jinja2.Environment, tasks: list[PageTask]) -> dict[str, str]:
    """Every task on its own; the result does not depend on the order they run in."""
    return {task.path: render_page(env, task) for task in tasks}


def search_dictionary(model: PolicyModel) -> str:
    """A jieba user dictionary with the domain's words, so that 留守儿童 or 派出所 stay one token."""
    words = set()
    for g in model.groups.values():
        words.update((g.name, g.short, *g.aliases))
    for u in model.units.values():
        words.update((u.name, u.short, *u.aliases))
        for names in u.localities.values():
            words.update(names)
    words.update(("闲散", "留守", "困境", "双零", "帮教", "台账"))
    clean = sorted(w for w in words if w and " " not in w and len(w) >= 2)
    return "".join(f"{w} 100000\n" for w in clean)


def _reset_jieba() -> None:
    """Start every build from jieba's plain dictionary: loading the user dictionary again in the same
    process adds its frequencies twice and changes the segmentation (and so the search index bytes)."""
    try:
        import jieba
    except ImportError:
        return
    jieba.dt.initialized = False  # the next use re-reads the main dictionary, then the user words


@dataclass(frozen=True)
class VersionBuild:
    """One edition's mkdocs build: its docs folder, navigation and search dictionary."""

    slug: str
    docs_dir: Path
    nav: list
    search_dict: Path


def alias_redirects(site: Path, slug: str, alias: str) -> dict[str, str]:
    """Redirect pages for `alias`, one per page of version `slug`, as mike writes an alias."""
    out = {}
    for page in sorted((site / slug).rglob("*.html")):
        rel_path = page.relative_to(site / slug).as_posix()
        depth = rel_path.count("/") + 1
        out[f"{alias}/{rel_path}"] = redirect_page("../" * depth + f"{slug}/{rel_path}")
    return out


def build_site(config_file: Path, versions: list[VersionBuild], site_dir: Path, build_date: int,
               extra_files: dict[str, str], aliases: dict[str, str], check=None) -> None:
    """Run mkdocs for every version into a temporary folder beside `site_dir`, add the versions file and
    alias pages, run `check` on the result (it raises to stop the build), and only then swap it in."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    site_dir.parent.mkdir(parents=True, exist_ok=True)
    remove_leftovers(site_dir)
    staging = Path(tempfile.mkdtemp(prefix=f".{site_dir.name}-", dir=site_dir.parent))
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    # mkdocs dates the sitemap from SOURCE_DATE_EPOCH; fix it so that the same inputs give the same bytes.
    os.environ["SOURCE_DATE_EPOCH"] = str(build_date)
    try:
        for v in versions:
            config = load_config(config_file=str(config_file), docs_dir=str(v.docs_dir),
                                 site_dir=str(staging / v.slug), nav=v.nav)
            for name, plugin in config.plugins.items():
                if name.endswith("search") and "jieba_dict_user" in plugin.config:
                    plugin.config["jieba_dict_user"] = str(v.search_dict)
            logging.getLogger("jieba").setLevel(logging.WARNING)
            _reset_jieba()
            build(config)
        files = dict(extra_files)
        for alias, slug in aliases.items():
            files.update(alias_redirects(staging, slug, alias))
        for rel_path, text in sorted(files.items()):
            (staging / rel_path).parent.mkdir(parents=True, exist_ok=True)
            (staging / rel_path).write_text(text, encoding="utf-8")
        if check is not None:
            check(staging)
        swap_in(staging, site_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        if previous is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous
