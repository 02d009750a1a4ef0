"""The built handbook: pages, traced matrix cells, Chinese search index, determinism."""

from __future__ import annotations

import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
from conftest import ROOT

from generators.commands import build
from generators.config.settings import Settings


def read(site: Path, page: str) -> str:
    return (site / page).read_text(encoding="utf-8")


def test_pages_exist(built_site):
    for page in [
        "index.html",
        "documents/index.html",
        "documents/dunji-2023.html",
        "matrices/index.html",
        "matrices/dunji-2023.html",
        "units/index.html",
        "units/police.html",
        "units/youth-league.html",
        "groups/left-behind.html",
        "calendar.html",
        "guide.html",
    ]:
        assert (built_site / page).is_file(), page


def test_every_matrix_cell_links_to_an_existing_clause(built_site):
    checked = 0
    for page in sorted((built_site / "matrices").glob("*.html")):
        html = page.read_text(encoding="utf-8")
        for href in re.findall(r'<a class="role role--\w+" href="([^"]+)"', html):
            target, _, anchor = href.partition("#")
            doc = (page.parent / target).resolve()
            assert f'id="{anchor}"' in doc.read_text(encoding="utf-8"), (page.name, href)
            checked += 1
    assert checked > 150


def test_lead_and_responsible_are_shown_differently(built_site):
    html = read(built_site, "matrices/dunji-2023.html")
    assert (
        'class="role role--lead" href="dunji-2023.html#c-3-2-p2"'.replace(
            "dunji-2023.html", "../documents/dunji-2023.html"
        )
        in html
    )
    assert "role--responsible" in html and "牵头" in html and "责任" in html  # legend


def test_every_clause_has_a_permalink(built_site, model):
    for doc in model.documents:
        html = read(built_site, f"documents/{doc.id}.html")
        for clause in doc.clauses.values():
            assert f'id="{clause.anchor}"' in html, (doc.id, clause.id)


def test_group_page_compares_age_bounds(built_site):
    html = read(built_site, "groups/left-behind.html")
    assert "各文件的年龄界限不同" in html
    for text in ("6周岁以上（含），25周岁以下（含）", "不满16周岁", "不满25周岁"):
        assert text in html


def test_unit_page_gathers_duties_across_documents(built_site):
    html = read(built_site, "units/police.html")
    for doc in ("墩集镇方案", "仙桃街道方案", "金元镇片段"):
        assert doc in html
    assert "仙桃派出所" in html and "镇派出所" in html


def test_calendar_has_monthly_and_quarterly_duties(built_site):
    html = read(built_site, "calendar.html")
    assert "每个月至少接触一次" in html and "每季度调度一次工作进展情况" in html
    assert "2021-11 至 2021-12" in html and "为期一年" in html


def test_search_index_is_segmented_chinese(built_site):
    index = json.loads(read(built_site, "search/search_index.json"))
    assert index["config"]["lang"] == ["zh"]
    text = " ".join(d["text"] for d in index["docs"])
    # domain words are indexed as stem + last character, which the theme's query segmenter can find
    for word in ("留守儿童", "派出所", "镇社保所"):
        assert f"{word[:-1]}\u200b{word[-1]}" in text and f"\u200b{word}\u200b" not in text, word
    assert "\u200b闲散\u200b" in text  # two characters: whole


def test_same_inputs_give_identical_bytes(site_root, tmp_path):
    """Site and restricted output (PDFs and workbooks included), byte for byte."""
    settings = Settings.from_args(
        ROOT, build=tmp_path / "build", site=tmp_path / "site", restricted=tmp_path / "restricted"
    )
    build.run(settings, quiet=True)
    for first_root, second_root in (
        (site_root, settings.site),
        (site_root.parent / "restricted", settings.restricted),
    ):
        first = {p.relative_to(first_root): p.read_bytes() for p in first_root.rglob("*") if p.is_file()}
        second = {p.relative_to(second_root): p.read_bytes() for p in second_root.rglob("*") if p.is_file()}
        assert first.keys() == second.keys()
        # The guard's kept automata are as the automaton library writes them, with its nodes' memory
        # addresses: the same entries (named by everything they are made from), other bytes; they are
        # never published, and the next build uses them only to find the same values.
        kept = Path(".guard-cache")
        assert [k for k in first if first[k] != second[k] and kept not in k.parents] == []
    assert any(p.suffix == ".pdf" for p in first)


@pytest.mark.slow  # builds the whole site
def test_a_killed_build_leaves_the_last_site_as_it_was(tmp_path):
    """Kill a build at several moments (SIGKILL: no cleanup runs); the site is the old one every time."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from tests.conftest import ROOT as root

    args = [
        sys.executable,
        "-m",
        "generators",
        "build",
        "-q",
        "--build-dir",
        str(tmp_path / "build"),
        "--site",
        str(tmp_path / "site"),
        "--restricted",
        str(tmp_path / "restricted"),
    ]
    env = {**os.environ, "PYTHONPATH": str(root)}
    subprocess.run(args, cwd=root, env=env, check=True)
    site = tmp_path / "site"
    before = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
    for delay in (0.5, 2.0, 4.0, 6.0):
        proc = subprocess.Popen(args, cwd=root, env=env, start_new_session=True)
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        after = {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}
        assert after == before, delay
    subprocess.run(args, cwd=root, env=env, check=True)  # and the next build cleans up and succeeds
    assert not list(tmp_path.glob(".site-*"))


INTERNAL = re.compile(
    r"\d{3}_[0-9a-f]{8,}\.txt|\d{3} ?号文件|data/|README|restricted/|\.yaml|（片段）（片段）"
)


def visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"<[^>]+>", " ", html)


def test_user_pages_name_no_internal_files_and_no_english_chrome(site_root):
    for page in site_root.rglob("*.html"):
        text = visible_text(page.read_text(encoding="utf-8"))
        # The editors' coverage page tells editors which data files to extend; it is their page.
        if page.name != "coverage.html":
            assert not INTERNAL.search(text), (page, INTERNAL.search(text))
        assert "Made with" not in text and "Not found" not in text and "Redirecting" not in text, page
    for index in site_root.rglob("search_index.json"):
        assert not INTERNAL.search(index.read_text(encoding="utf-8")), index
    not_found = visible_text((site_root / "2024.2" / "404.html").read_text(encoding="utf-8"))
    assert "找不到这一页" in not_found
    home = (site_root / "2024.2" / "index.html").read_text(encoding="utf-8")
    assert "金元镇专项行动方案（片段）" in home


def test_each_edition_has_a_sitemap_the_edition_selector_can_use(site_root):
    for edition in ("2024.1", "2024.2"):
        xml = (site_root / edition / "sitemap.xml").read_text(encoding="utf-8")
        locs = re.findall(r"<loc>([^<]+)</loc>", xml)
        root = f"https://handbook.invalid/{edition}/"
        assert locs[0] == root and f"{root}units/police.html" in locs and f"{root}index.html" in locs
        pages = {p.relative_to(site_root / edition).as_posix() for p in (site_root / edition).rglob("*.html")}
        assert {unquote(loc.removeprefix(root)) for loc in locs[1:]} == pages - {"404.html"}


def test_search_ranks_unit_group_and_document_pages_up(built_site):
    index = json.loads(read(built_site, "search/search_index.json"))
    boost = {d["location"].split("#")[0]: d.get("boost") for d in index["docs"]}
    assert boost["units/social-security.html"] == 3 and boost["groups/idle.html"] == 3
    assert boost["documents/dunji-2023.html"] == 2 and boost.get("assessment/index.html") is None


def test_township_and_village_pages_are_found_by_name_not_by_their_figures(built_site):
    """A county has hundreds of these pages, each with the same tables, charts and wording: in the index
    they would bury the handbook (留守儿童 would list every village's 各群体人数 first) and double its size.
    Search finds such a page by its name, ranked below the handbook's pages; the county's page keeps all."""
    docs = json.loads(read(built_site, "search/search_index.json"))["docs"]
    by_depth: dict[int, list[dict]] = {}
    for d in docs:
        path = unquote(d["location"].split("#")[0])
        if path.startswith("registry/") and not path.startswith("registry/schema"):
            by_depth.setdefault(path.count("/"), []).append(d)
    county, local = by_depth[1], by_depth[2]  # registry/index.html; registry/<township>/<page>.html
    assert all(d.get("boost") == 0.5 for d in local)
    assert not any(w in d["text"] for d in local for w in ("统计口径", "留守", "高风险"))
    titles = " ".join(d["title"].replace("\u200b", "") for d in local)
    assert all(p.stem in titles for p in (built_site / "registry").glob("*/*.html") if p.stem != "index")
    county_text = " ".join(d["text"] for d in county)
    assert (
        "统计\u200b口径" in county_text and "高风险" in county_text and all("boost" not in d for d in county)
    )


def test_village_pages_are_reached_from_their_township_not_from_every_page(built_site):
    """Every page carries the navigation: a county's hundreds of village pages in it would make every
    page large (and the site's build quadratic); a village page is linked from its township's page. The
    navigation is pruned to the open section (the other sections' first pages stand for them)."""
    townships = [p.parent for p in sorted((built_site / "registry").glob("*/index.html"))]
    assert townships

    def links(page: Path) -> set[str]:
        return {unquote(h) for h in re.findall(r'href="([^"]+)"', page.read_text(encoding="utf-8"))}

    # The navigation shows the open section's pages and the others' first pages (navigation.prune): the
    # home page reaches the registry section, whose pages list the townships.
    home_links = links(built_site / "index.html")
    section_links = links(built_site / "registry" / "index.html")
    assert "registry/index.html" in home_links
    for township in townships:
        villages = sorted(p.name for p in township.glob("*.html") if p.name != "index.html")
        assert villages, township
        assert set(villages) <= links(township / "index.html"), township.name  # its table links each one
        assert f"{township.name}/index.html" in section_links  # the township is in the navigation
        for v in villages:
            assert f"registry/{township.name}/{v}" not in home_links, v
            assert f"{township.name}/{v}" not in section_links, v
            up = {unquote(h) for h in re.findall(r'href="([^"]+)"', read(township, v))}
            assert "index.html" in up, v  # and it links back up to its township
            # Nor does a village page carry every other section's pages: rendering them into each of a
            # county's village pages was half of mkdocs' time.
            assert not any(h.endswith("units/police.html") for h in up), v
