"""Publish: write the pages, build them with mkdocs, and swap the result in only when all succeeded."""

from __future__ import annotations

import functools
import gzip
import hashlib
import json
import logging
import marshal
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote, unquote
from xml.sax.saxutils import escape

from generators.core.files import fill_folder, link_tree, make_public, remove_leftovers, staging_folder
from generators.core.memory import return_freed_memory
from generators.policy.model import PolicyModel
from generators.website.edition_pages import redirect_page

if TYPE_CHECKING:
    import jinja2

# A stem outweighs a two-character word that starts it, so that 留守儿童 is cut 留守儿 + 童, not 留守 + 儿童.
STEM_FREQ, WORD_FREQ = 1_000_000, 100_000


def search_dictionary(model: PolicyModel, places: Iterable[str] = ()) -> str:
    """A jieba user dictionary for the search index, built around how the theme searches Chinese.

    The theme cuts a query into the longest index tokens it finds, but never lets a token end at the
    query's last character: indexed whole, 镇社保所 is searched as 镇 (every page of every 镇) and 社保所
    only by luck. So every domain word of three or more characters is indexed as its stem plus its last
    character (镇社保 + 所; the whole word at frequency 0 so that jieba never keeps it), and a query for
    the word finds the stem. Two-character words stay whole: their one-character stem would match too much,
    and the theme searches a query that starts with no index token as a whole."""
    words: set[str] = set()
    for g in model.groups.values():
        words.update((g.name, g.short, *g.aliases))
    for u in model.units.values():
        words.update((u.name, u.short, *u.aliases))
        for names in u.localities.values():
            words.update(names)
    for d in model.documents:
        words.update((d.meta.locality, d.meta.short))
    words.update(("闲散", "留守", "困境", "双零", "帮教", "台账"))
    words.update(places)  # the county's townships and villages: a village's name finds its page
    clean = {w for w in words if w and " " not in w and len(w) >= 2}
    long = {w for w in clean if len(w) >= 3}
    lines = {w: WORD_FREQ for w in clean - long}
    lines.update({w[:-1]: STEM_FREQ for w in long})
    lines.update({w: 0 for w in long})  # a whole word is never kept, even where it is another's stem
    return "".join(f"{w} {freq}\n" for w, freq in sorted(lines.items()))


def _reset_jieba() -> None:
    """Start every build from jieba's plain dictionary: loading the user dictionary again in the same
    process adds its frequencies twice and changes the segmentation (and so the search index bytes). The
    plain dictionary is read once per process (about 0.7 s) and put back from a copy (a few ms) for each
    edition: what jieba's own reset (`initialized = False`, then reading it again) would give."""
    try:
        import jieba
    except ImportError:
        return
    words, total = _plain_jieba_dictionary()
    jieba.dt.FREQ, jieba.dt.total = dict(words), total  # the user words go into a copy
    jieba.dt.initialized = True


@functools.cache
def _plain_jieba_dictionary() -> tuple[dict[str, int], int]:
    import jieba

    # jieba reads its dictionary cache with `marshal.load` on the open file, which reads it a few bytes at a
    # time (0.8 s here); the same bytes read whole and parsed by `marshal.loads` take 0.2 s. jieba's own
    # logic (where the cache is, whether it is stale, building it when missing) runs as it is.
    jieba.marshal = _WholeFileMarshal()
    try:
        jieba.dt.initialized = False
        jieba.dt.initialize()
    finally:
        jieba.marshal = marshal
    return dict(jieba.dt.FREQ), jieba.dt.total


class _WholeFileMarshal:
    dump = staticmethod(marshal.dump)

    @staticmethod
    def load(file):
        return marshal.loads(file.read())


@dataclass(frozen=True)
class VersionBuild:
    """One edition's mkdocs build: its docs folder, navigation and search dictionary."""

    slug: str
    docs_dir: Path
    nav: list
    search_dict: Path
    not_in_nav: tuple[str, ...] = ()  # pages built but left out of `nav` (reached by links and search)


# Material's edition selector opens the same page in the other edition when that edition's sitemap lists it;
# mkdocs writes an empty sitemap without a `site_url`. The selector compares the sitemap's paths only
# (it replaces scheme and host with the reader's own), so a reserved host serves for any deployment.
SITEMAP_ORIGIN = "https://handbook.invalid/"


def edition_sitemap(folder: Path, slug: str, origin: str = SITEMAP_ORIGIN) -> str:
    """Every page of one edition's built folder, its own root first (the selector needs the root listed)."""
    base = f"{origin.rstrip('/')}/{quote(slug)}/"
    pages = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.html"))
    urls = [base, *(base + quote(page) for page in pages if page != "404.html")]
    body = "".join(f"  <url><loc>{escape(u)}</loc></url>\n" for u in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n' + body + "</urlset>\n"
    )


def write_sitemap(folder: Path, slug: str) -> None:
    text = edition_sitemap(folder, slug)
    (folder / "sitemap.xml").write_text(text, encoding="utf-8")
    (folder / "sitemap.xml.gz").write_bytes(gzip.compress(text.encode("utf-8"), mtime=0))


def alias_redirects(site: Path, slug: str, alias: str) -> dict[str, str]:
    """Redirect pages for `alias`, one per page of version `slug`, as mike writes an alias."""
    out = {}
    for page in sorted((site / slug).rglob("*.html")):
        rel_path = page.relative_to(site / slug).as_posix()
        depth = rel_path.count("/") + 1
        out[f"{alias}/{rel_path}"] = redirect_page("../" * depth + f"{slug}/{rel_path}")
    return out


@dataclass(frozen=True)
class EditionInputs:
    """What one edition's built folder depends on."""

    key: str  # all of it: the tools' versions, mkdocs.yml, theme overrides, navigation, pages and files
    shape: str  # the same without what the pages and files say (their names kept): see `build_changed`
    files: dict[str, str]  # each file of the docs folder → the hash of its bytes


def edition_inputs(
    config_file: Path, custom_dir: str | None, v: VersionBuild, build_date: int
) -> EditionInputs:
    """Everything one edition's built folder depends on: the tools' versions, mkdocs.yml, the theme
    overrides, its pages and files, navigation, search dictionary and build date."""
    from importlib.metadata import version

    def sha(path: Path) -> str:
        return hashlib.sha256(path.read_bytes()).hexdigest()

    shape = hashlib.sha256()
    for part in (
        "edition-2",
        version("mkdocs"),
        version("mkdocs-material"),
        version("jieba"),
        version("markdown"),
        v.slug,
        str(build_date),
        json.dumps([v.nav, list(v.not_in_nav)], ensure_ascii=False, sort_keys=True),
        sha(config_file),
        sha(v.search_dict),
    ):
        shape.update(part.encode() + b"\0")
    theme = Path(custom_dir) if custom_dir else None
    if theme is not None and theme.is_dir():
        for p in sorted(p for p in theme.rglob("*") if p.is_file()):
            shape.update(f"theme/{p.relative_to(theme).as_posix()}".encode() + b"\0" + sha(p).encode())
    files = {}
    if v.docs_dir.is_dir():
        files = {
            p.relative_to(v.docs_dir).as_posix(): sha(p) for p in sorted(v.docs_dir.rglob("*")) if p.is_file()
        }
    shape.update(json.dumps(sorted(files)).encode())
    key = hashlib.sha256(shape.hexdigest().encode() + json.dumps(files, sort_keys=True).encode())
    return EditionInputs(key.hexdigest(), shape.hexdigest(), files)


def _manifest(reuse: Path, key: str) -> Path:
    return reuse / f"{key}.json"


def keep_editions(reuse: Path, staging: Path, built: dict[str, EditionInputs], keys: list[str]) -> None:
    """Editions built (and checked) by this build kept for the next, each with what it was built from; the
    others' copies removed."""
    reuse.mkdir(parents=True, exist_ok=True)
    for slug, inputs in built.items():
        if not (reuse / inputs.key).exists():
            partial = reuse / f".{inputs.key}.partial"
            shutil.rmtree(partial, ignore_errors=True)
            link_tree(staging / slug, partial)  # nothing writes a built or kept edition's files in place
            manifest = {"slug": slug, "shape": inputs.shape, "files": inputs.files}
            _manifest(reuse, inputs.key).write_text(
                json.dumps(manifest, ensure_ascii=False), encoding="utf-8"
            )
            partial.rename(reuse / inputs.key)
    for old in reuse.iterdir():
        if old.name.removesuffix(".json") not in keys:
            if old.is_dir():
                shutil.rmtree(old, ignore_errors=True)
            else:
                old.unlink(missing_ok=True)


def keep_redirects(reuse: Path, staging: Path, aliases: dict[str, str], key: str) -> None:
    """The aliases' redirect pages, as checked, kept for the next build: a page for every page of the
    latest edition, the same unless its pages are named otherwise (written one by one, a tenth of the site
    thread's time in a monthly rebuild)."""
    partial = reuse / f".{key}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    for alias in aliases:
        if (staging / alias).is_dir():
            link_tree(staging / alias, partial / alias)
    partial.rename(reuse / key)


def last_build(reuse: Path, slug: str, inputs: EditionInputs) -> tuple[Path, set[str]] | None:
    """The edition's folder kept from the last build, and the files changed since, when nothing else did:
    the same tools, configuration, theme, navigation and file names; only what some files say."""
    if not reuse.is_dir():
        return None
    for manifest in sorted(reuse.glob("*.json")):
        try:
            kept = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        folder = reuse / manifest.name.removesuffix(".json")
        if kept.get("slug") == slug and kept.get("shape") == inputs.shape and folder.is_dir():
            if sorted(kept["files"]) == sorted(inputs.files):
                return folder, {f for f, h in inputs.files.items() if kept["files"][f] != h}
    return None


SEARCH_INDEX = "search/search_index.json"


class _DirtyWarning(logging.Filter):
    """mkdocs warns of every dirty build (made for previews, where pages may be stale); here the pages left
    as they were are those whose inputs are known to be unchanged, and a warning would fail `strict`."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("A 'dirty' build is being performed")


def build_changed(
    config, site: Path, docs: Path, files: Iterable[str], last: Path, changed: set[str]
) -> bool:
    """Build an edition from its last build when only some pages and files changed: copy that build, and
    have mkdocs render only the changed pages and copy only the changed files (its `dirty` build, which
    goes by modification times, so the unchanged sources are dated before everything built). What else a
    page shows comes from the configuration, theme and navigation, which are the same (`EditionInputs.
    shape`); tests/test_scale.py holds the result to a whole build's bytes. The search index gets the
    rebuilt pages' entries in place of their old ones. False (and nothing in `site`) where a rebuilt page
    has search entries and had none: where they go needs the whole build's order.

    One check is a whole build's only: links from a rebuilt page to anchors on a page left as it was
    are not looked up (mkdocs knows a page's anchors once it renders it)."""
    from mkdocs.commands.build import build
    from mkdocs.structure.files import File

    # What a dirty build leaves as it was (the pages and files of unchanged sources: most of an edition)
    # is linked, not copied; what it or this module writes is copied, since a write would go through a
    # link into the kept build and the published site: changed pages, theme templates, search, sitemaps.
    unchanged = {
        File(rel, str(docs), str(site), config.use_directory_urls).dest_uri
        for rel in files
        if rel not in changed
    }
    link_tree(last, site, unchanged.__contains__)
    previous = json.loads((site / SEARCH_INDEX).read_text(encoding="utf-8"))
    for rel in files:  # the docs folder's files, as `edition_inputs` found them
        os.utime(docs / rel, None if rel in changed else (1, 1))
    quiet = _DirtyWarning()
    logger = logging.getLogger("mkdocs.commands.build")
    logger.addFilter(quiet)
    try:
        build(config, dirty=True)
    finally:
        logger.removeFilter(quiet)
    index = site / SEARCH_INDEX
    fresh = json.loads(index.read_text(encoding="utf-8"))
    entries = merged_entries(previous["docs"], fresh["docs"], changed_pages(changed))
    if entries is None:
        shutil.rmtree(site)
        return False
    fresh["docs"] = entries
    # as the theme's search plugin writes it
    index.write_text(json.dumps(fresh, separators=(",", ":"), default=str), encoding="utf-8")
    return True


def changed_pages(changed: set[str]) -> set[str]:
    """The pages (as the search index locates them) of the changed Markdown files."""
    return {f.removesuffix(".md") + ".html" for f in changed if f.endswith(".md")}


def _page(location: str) -> str:
    return unquote(location.split("#", 1)[0])  # mkdocs quotes the page's path (not its file's)


def merged_entries(previous: list[dict], fresh: list[dict], rebuilt: set[str]) -> list[dict] | None:
    """The search entries of a full build: the previous ones, each rebuilt page's replaced by its new ones
    where its old ones were (pages are indexed in the order of their files, which are the same). None when
    a rebuilt page has entries and had none."""
    new: dict[str, list[dict]] = {}
    for entry in fresh:
        new.setdefault(_page(entry["location"]), []).append(entry)
    out: list[dict] = []
    placed: set[str] = set()
    for entry in previous:
        page = _page(entry["location"])
        if page not in rebuilt:
            out.append(entry)
        elif page not in placed:
            placed.add(page)
            out.extend(new.get(page, []))
    return None if set(new) - placed else out


def _compiled_templates(cache: jinja2.BytecodeCache):
    """A plugin object (not named in mkdocs.yml: it changes no page) that has the theme's templates compiled
    once and kept in `cache` (jinja2's, keyed by each template's source): mkdocs compiles them for every
    edition of every build otherwise, a seventh of a monthly rebuild's site."""
    from mkdocs.plugins import BasePlugin

    class CompiledTemplates(BasePlugin):
        def on_env(self, env, config, files):
            env.bytecode_cache = cache
            return env

    return CompiledTemplates()


def _pages_let_go():
    """A plugin object (not named in mkdocs.yml: it changes no page) that lets each page's Markdown go once
    it is converted, and its HTML once the page is written. mkdocs converts every page before it writes the
    first and holds them all to the end; a county's village pages then held memory in proportion to the
    county (measured: the 4 × W1 build's peak 431 → 412 MiB, W1's 334 → 327)."""
    from mkdocs.plugins import BasePlugin

    class PagesLetGo(BasePlugin):
        def on_page_content(self, html, page, config, files):
            # "", not None: a page whose Markdown is None has no title for mkdocs. The title is taken from the
            # front matter or the rendered heading by now, so it stays the same.
            page.markdown = ""
            return html

        def on_post_page(self, output, page, config):
            # Written by now; the search index took its text when the page's context was made.
            page.content = None
            return output

    return PagesLetGo()


def build_site(
    config_file: Path,
    versions: list[VersionBuild],
    site_dir: Path,
    build_date: int,
    extra_files: dict[str, str],
    aliases: dict[str, str],
    check=None,
    reuse: Path | None = None,
    compiled: jinja2.BytecodeCache | None = None,
) -> Path:
    """Run mkdocs for every version into a staging folder beside `site_dir`, add the versions file and
    alias pages, and run `check` on the result (it raises to stop the build). Returns the staging folder,
    world-readable, for the caller to swap in once everything else has succeeded.

    `reuse`: a folder of editions built before, with everything that went into them. An edition whose
    pages, downloads, navigation and theme are unchanged is copied, not built again; one where only some
    pages or files changed is built from its last build, rendering only those (`build_changed`). Only
    editions that passed `check` are kept there. `compiled`: where the theme's compiled templates are kept."""
    from mkdocs.commands.build import build
    from mkdocs.config import load_config

    remove_leftovers(site_dir)
    staging = staging_folder(site_dir)
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    # mkdocs dates the sitemap from SOURCE_DATE_EPOCH; fix it so that the same inputs give the same bytes.
    os.environ["SOURCE_DATE_EPOCH"] = str(build_date)
    built: dict[str, EditionInputs] = {}  # editions built here (kept for reuse once checked)
    keys: list[str] = []

    def configured(v: VersionBuild):
        config = load_config(
            config_file=str(config_file),
            docs_dir=str(v.docs_dir),
            site_dir=str(staging / v.slug),
            nav=v.nav,
            # Named, so that mkdocs knows they are meant to be out of the navigation.
            not_in_nav="\n".join("/" + p for p in v.not_in_nav),
        )
        for name, plugin in config.plugins.items():
            if name.endswith("search") and "jieba_dict_user" in plugin.config:
                plugin.config["jieba_dict_user"] = str(v.search_dict)
        if compiled is not None:
            config.plugins["handbook/compiled-templates"] = _compiled_templates(compiled)
        config.plugins["handbook/pages-let-go"] = _pages_let_go()
        logging.getLogger("jieba").setLevel(logging.WARNING)
        _reset_jieba()
        return config

    try:
        # The theme overrides' folder: one mkdocs.yml, the same for every edition. An edition taken whole
        # from the last build loads no configuration of its own.
        first = configured(versions[0]) if versions else None
        custom_dir = first["theme"].custom_dir if first is not None else None
        for index, v in enumerate(versions):
            inputs = edition_inputs(config_file, custom_dir, v, build_date)
            keys.append(inputs.key)
            if reuse is not None and (reuse / inputs.key).is_dir():
                link_tree(reuse / inputs.key, staging / v.slug)
                continue
            config = first if index == 0 else configured(v)
            built[v.slug] = inputs
            last = last_build(reuse, v.slug, inputs) if reuse is not None else None
            from_last = last is not None and build_changed(
                config, staging / v.slug, v.docs_dir, inputs.files, *last
            )
            if not from_last:
                build(configured(v))
            write_sitemap(staging / v.slug, v.slug)
        redirects: dict[str, str] = {}
        for alias, slug in aliases.items():
            redirects.update(alias_redirects(staging, slug, alias))
        redirects_key = (
            "redirects-" + hashlib.sha256(json.dumps(sorted(redirects.items())).encode()).hexdigest()
        )
        kept_redirects = reuse / redirects_key if reuse is not None else None
        if kept_redirects is not None and kept_redirects.is_dir():
            for alias in aliases:  # the same pages as the last build's: linked, not written again
                if (kept_redirects / alias).is_dir():
                    link_tree(kept_redirects / alias, staging / alias)
            redirects = {}
        fill_folder(staging, {**extra_files, **redirects})  # redirects: a page each, folders checked once
        if check is not None:
            return_freed_memory()  # mkdocs' pages of every edition, let go: before the check reads the site
            check(staging)
        if reuse is not None:
            keep_editions(reuse, staging, built, [*keys, redirects_key])
            if redirects:
                keep_redirects(reuse, staging, aliases, redirects_key)
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
