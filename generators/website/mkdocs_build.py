"""Publish: write the pages, build them with mkdocs, and swap the result in only when all succeeded."""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from generators.core.files import make_public, remove_leftovers, staging_folder, write_file
from generators.policy.model import PolicyModel
from generators.website.edition_pages import redirect_page


def search_dictionary(model: PolicyModel) -> str:
    """A jieba user dictionary with the domain's words, so that 留守儿童 or 派出所 stay one token."""
    words: set[str] = set()
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


def build_site(
    config_file: Path,
    versions: list[VersionBuild],
    site_dir: Path,
    build_date: int,
    extra_files: dict[str, str],
    aliases: dict[str, str],
    check=None,
) -> Path:
    """Run mkdocs for every version into a staging folder beside `site_dir`, add the versions file and
    alias pages, and run `check` on the result (it raises to stop the build). Returns the staging folder,
    world-readable, for the caller to swap in once everything else has succeeded."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    remove_leftovers(site_dir)
    staging = staging_folder(site_dir)
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    # mkdocs dates the sitemap from SOURCE_DATE_EPOCH; fix it so that the same inputs give the same bytes.
    os.environ["SOURCE_DATE_EPOCH"] = str(build_date)
    try:
        for v in versions:
            config = load_config(
                config_file=str(config_file),
                docs_dir=str(v.docs_dir),
                site_dir=str(staging / v.slug),
                nav=v.nav,
            )
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
            write_file(staging, rel_path, text)
        if check is not None:
            check(staging)
        make_public(staging)  # the staging folder is private while it is built; the site is for everyone
        return staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        if previous is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous
