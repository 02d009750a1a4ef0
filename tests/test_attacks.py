"""Whole builds under attack: a crafted registry (formula cells, a rare child, one entry in a month, a small
village, rejected rows full of personal data), a hostile policy file (markup and `javascript:` in its
metadata and text), hostile place names, a registry row pasted into a policy text, a restricted folder in
the wrong place. Each build either refuses with a named error and leaves the live site as it was, or
publishes output that provably holds nothing of the attack."""

from __future__ import annotations

import datetime as dt
import gzip
import html
import re
import shutil
import stat
import urllib.parse
from html.parser import HTMLParser
from pathlib import Path

import openpyxl
import pytest

from generators.cli import main
from tests.conftest import ROOT, latest
from tests.registry_fixtures import case, contact, ident, workbook

pytestmark = pytest.mark.slow

FORMULAS = [
    '=HYPERLINK("http://evil.example","点我")',
    "+1+2",
    "-3+4",
    "@SUM(A1)",
    "\t=1",
    "=cmd|' /C calc'!A0",
]
EVIL_DOC = """---
id: evil-2024
title: <img src=x onerror=window.__pwned=1>关于<script>window.__pwned=2</script>加强联系的方案
short: <b onmouseover=window.__pwned=3>恶意</b>方案
issuer: "[点我](javascript:window.__pwned=4)"
date: 2024-05-01
doc_number: "`x`</code><svg onload=window.__pwned=5>"
level: 乡镇
locality: 高峰镇
source_file: "a`b<img src=x onerror=window.__pwned=6>.txt"
note: "\\n---\\ntitle: 注入\\n"
---
一、总体要求
（一）<a href="javascript:window.__pwned=7">点这里</a> [链接](javascript:window.__pwned=8)
各村要加强联系，每月走访一次。{: onclick=window.__pwned=9 }
"""
EVIL_VILLAGE = "<img src=x onerror=alert(1)>村"


def project(dest: Path, data: Path | None = None) -> Path:
    """A copy of the project to build and break (its own data/, templates/, docs/)."""
    dest.mkdir(parents=True)
    for name in ("mkdocs.yml", "templates", "docs"):
        src = ROOT / name
        (shutil.copytree if src.is_dir() else shutil.copy)(src, dest / name)
    shutil.copytree(data or ROOT / "data", dest / "data", ignore=shutil.ignore_patterns("editions"))
    shutil.copytree(ROOT / "data" / "editions", dest / "data" / "editions")
    return dest


def build(root: Path, registry: Path | None = None, restricted: Path | None = None, quiet=True) -> list[str]:
    args = ["build", "--root", str(root), "--month", "2026-11"] + (["-q"] if quiet else [])
    if registry is not None:
        args += ["--registry", str(registry)]
    args += ["--restricted", str(restricted or root.parent / f"{root.name}-restricted")]
    return args


def crafted_registry(folder: Path) -> dict:
    """Villages as a careless or hostile hand fills them; returns the personal values written."""
    folder.mkdir(parents=True)
    oct12 = dt.date(2026, 10, 12)
    born_child = dt.date(2013, 5, 2)
    changling = [case(i, name="张" + "一二三四五六七八九十甲乙"[i - 1] + "明") for i in range(1, 13)]
    changling[0].update(name=FORMULAS[0], address=FORMULAS[1], guardian=FORMULAS[3], phone="13800138000")
    changling[1].update(address="示范县高峰镇长岭村3组12号", contact_person=FORMULAS[2])
    changling.append(
        case(13, group="流浪乞讨未成年人", birth_date=born_child, id_number=ident(born_child, 13))
    )
    changling.append(case(14, entry_date=oct12, name="欧阳明月"))
    rejected = [
        case(15, risk="13912345678", name="李秀英"),  # a phone in the risk column: refused, never printed
        case(16, id_number="341221200503011239", name="王建国"),  # a bad check digit
    ]
    workbook(folder / "高峰镇-长岭村.xlsx", changling + rejected, [contact("V01-0001"), contact("V01-0014")])
    shuanghe = [case(100 + i, village="双河村") for i in range(9)]
    workbook(folder / "高峰镇-双河村.xlsx", shuanghe)
    yangliu = [case(200 + i, village="杨柳社区", township="团结街道") for i in range(2)]
    workbook(folder / "团结街道-杨柳社区.xlsx", yangliu)
    everyone = changling + rejected + shuanghe + yangliu
    return {
        "names": [r["name"] for r in everyone if not r["name"].startswith(tuple("=+-@\t"))],
        "ids": [r["id_number"] for r in everyone],
        "phones": ["13800138000", "13912345678"],
        "addresses": ["示范县高峰镇长岭村3组12号"],
    }


@pytest.fixture(scope="module")
def attacked(tmp_path_factory):
    """One build of a project with a hostile policy file and the crafted registry."""
    import contextlib
    import io

    tmp = tmp_path_factory.mktemp("attacked")
    root = project(tmp / "project")
    (root / "data" / "policies" / "005-evil.txt").write_text(EVIL_DOC, encoding="utf-8")
    values = crafted_registry(tmp / "registry")
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(err):
        code = main(build(root, tmp / "registry", tmp / "restricted", quiet=False))
    assert code == 0, err.getvalue()
    return {
        "root": root,
        "site": root / "site",
        "restricted": tmp / "restricted",
        "out": err.getvalue(),
        **values,
    }


def site_files(site: Path):
    return [p for p in sorted(site.rglob("*")) if p.is_file()]


def decoded(path: Path) -> str:
    data = path.read_bytes()
    if path.suffix == ".gz":
        data = gzip.decompress(data)
    text = data.decode("utf-8", errors="ignore")
    return urllib.parse.unquote(html.unescape(text)) + "\n" + urllib.parse.unquote(path.as_posix())


# --- the registry -----------------------------------------------------------------------------------------
def test_the_console_shows_no_full_personal_value(attacked):
    out = attacked["out"]
    assert "台账退回" in out  # the rejected rows are reported ...
    for value in attacked["names"] + attacked["ids"] + attacked["phones"] + attacked["addresses"]:
        assert value not in out, value  # ... without a full name, ID number, phone or address


def test_the_full_rows_are_only_in_the_restricted_workbook(attacked):
    month = attacked["restricted"] / "2026-11"
    wb = openpyxl.load_workbook(month / "台账退回.xlsx")
    cells = {str(c.value) for ws in wb for row in ws.iter_rows() for c in row if c.value is not None}
    assert {"李秀英", "王建国", "13912345678"} <= cells


def test_no_workbook_the_build_writes_holds_a_formula(attacked):
    books = [p for p in site_files(attacked["site"]) if p.suffix == ".xlsx"]
    books += sorted(attacked["restricted"].rglob("*.xlsx"))
    books += sorted((attacked["root"] / "build" / "registry-default").glob("*.xlsx"))
    assert len(books) >= 4
    for book in books:
        wb = openpyxl.load_workbook(book)
        for ws in wb:
            for row in ws.iter_rows():
                for c in row:
                    assert c.data_type != "f", (book.name, ws.title, c.coordinate, c.value)
                    if isinstance(c.value, str) and c.value.startswith(("=", "+", "-", "@", "\t", "\r")):
                        assert c.quotePrefix, (book.name, ws.title, c.coordinate)


def test_the_site_is_world_readable_and_the_restricted_folder_is_not(attacked):
    for p in [attacked["site"], *attacked["site"].rglob("*")]:
        mode = stat.S_IMODE(p.lstat().st_mode)
        assert mode == (0o755 if p.is_dir() else 0o644), (p, oct(mode))
    month = attacked["restricted"] / "2026-11"
    for p in [month, *month.rglob("*")]:
        assert stat.S_IMODE(p.lstat().st_mode) & 0o077 == 0, p


def test_nothing_personal_reaches_the_site_in_any_form(attacked):
    values = attacked["names"] + attacked["ids"] + attacked["phones"] + attacked["addresses"]
    for path in site_files(attacked["site"]):
        text = decoded(path)
        squeezed = re.sub(r"\s+", "", text)
        for value in values:
            assert value not in squeezed, (path, value[:1])


def test_the_hostile_policy_file_is_shown_as_text(attacked):
    pages = [p for p in site_files(attacked["site"]) if p.name == "evil-2024.html" and "documents" in p.parts]
    assert pages, "the hostile document is published (as text)"
    for page in pages:
        parser = Elements()
        parser.feed(page.read_text(encoding="utf-8"))
        assert parser.bad == [], parser.bad[:3]
        assert "window.__pwned" in html.unescape(page.read_text(encoding="utf-8"))  # shown, as text


class Elements(HTMLParser):
    """Event handlers and non-http(s) links in a page (the theme's own are http(s) or relative)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.bad: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name.startswith("on") and "__pwned" in (value or ""):
                self.bad.append(f"<{tag} {name}>")
            if (
                name in ("href", "src")
                and value
                and value.strip().lower().startswith(("javascript:", "data:"))
            ):
                self.bad.append(f"<{tag} {name}={value}>")
        self.in_script = tag == "script"

    def handle_data(self, data):
        if self.in_script and "__pwned" in data:
            self.bad.append("<script> from data")


# --- small counts, read off the published pages -----------------------------------------------------------
class RegistryPage(HTMLParser):
    """The tables (by section) and the trend chart's labels of one published registry page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.section, self.tables, self.svg_texts = "", {}, []
        self.cell, self.row, self.in_h2, self.in_svg_text, self.svg = None, None, False, False, 0

    def handle_starttag(self, tag, attrs):
        if tag == "h2":
            self.in_h2, self.section = True, ""
        elif tag == "table":
            self.tables[self.section] = []
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th"):
            self.cell = ""
        elif tag == "svg":
            self.svg += 1
        elif tag == "text":
            self.in_svg_text = True
            self.svg_texts.append([self.section, dict(attrs), ""])

    def handle_endtag(self, tag):
        if tag == "h2":
            self.in_h2 = False
        elif tag in ("td", "th") and self.row is not None:
            self.row.append(self.cell.strip())
            self.cell = None
        elif tag == "tr" and self.row is not None:
            self.tables[self.section].append(self.row)
            self.row = None
        elif tag == "text":
            self.in_svg_text = False

    def handle_data(self, data):
        if self.in_h2:
            self.section += data.replace("¶", "").strip()
        elif self.cell is not None:
            self.cell += data
        elif self.in_svg_text:
            self.svg_texts[-1][2] += data


COLUMNS = {"月初在册": "start", "纳入": "entered", "退出": "exited", "迁出": "moved", "月末在册": "total"}
COLUMNS.update({"本月到期": "due", "已逾期": "overdue"})


def read_registry_site(edition: Path) -> tuple[dict[str, int | None], dict[str, list[str]]]:
    """Every published registry figure, keyed "area|measure", as a reader gathers them from the pages."""
    figures: dict[str, int | None] = {}
    children: dict[str, list[str]] = {}

    def put(area: str, measure: str, text: str) -> None:
        value = None if text == "*" else int(text)
        key = f"{area}|{measure}"
        assert figures.get(key, value) == value, f"{key} printed as {figures[key]} and {value}"
        figures[key] = value

    for page in sorted((edition / "registry").rglob("*.html")):
        if page.name == "schema.html":
            continue
        rel = urllib.parse.unquote(page.relative_to(edition / "registry").as_posix())
        area = "" if rel == "index.html" else rel.removesuffix("/index.html").removesuffix(".html")
        parsed = RegistryPage()
        parsed.feed(page.read_text(encoding="utf-8"))
        for section, rows in parsed.tables.items():
            header, *body = rows
            kind = {"各群体人数": "g:", "风险等级": "r:", "上月变化": "", "走访联系": ""}[section]
            for row in body:
                label = row[0].replace("*", "").strip()
                if header[1:] == ["人数"]:  # a village: one line per group or risk level
                    put(area, "total" if label == "合计" else kind + label, row[1])
                    continue
                who = area if label in ("合计", area.rsplit("/", 1)[-1]) else f"{area}/{label}".strip("/")
                if who != area:
                    children.setdefault(area, [])
                    if who not in children[area]:
                        children[area].append(who)
                for col, text in zip(header[1:], row[1:]):
                    if section == "走访联系" and col == "合计":
                        put(who, "contacts", text)
                    else:
                        put(who, "total" if col == "合计" else COLUMNS.get(col, kind + col), text)
        trend = [(float(a["x"]), t) for s, a, t in parsed.svg_texts if s == "近几个月在册人数"]
        months = {x: t for x, t in trend if "年" in t}
        values = {x: t for x, t in trend if "年" not in t}
        for x, month in months.items():
            put(area, f"t:{month}", values[x])
        bars = [t for s, a, t in parsed.svg_texts if s == "各群体人数"]
        for label, value in zip(bars[::2], bars[1::2]):
            put(area, f"g:{label}", value)  # a bar shows exactly what the table shows
    return figures, children


def test_a_reader_of_the_published_pages_cannot_narrow_a_hidden_count(attacked):
    import numpy as np
    from scipy.optimize import Bounds, LinearConstraint, milp

    edition = latest(attacked["site"])
    figures, children = read_registry_site(edition)
    assert figures["高峰镇/长岭村|g:流浪乞讨未成年人"] is None  # the rare child
    assert figures["高峰镇/长岭村|entered"] is None  # one entry in October
    assert figures["团结街道/杨柳社区|total"] is None  # a village of two
    areas = sorted({k.split("|")[0] for k in figures})
    names = sorted(figures)
    at = {f: i for i, f in enumerate(names)}
    months = sorted(
        {k.split("|t:")[1] for k in figures if "|t:" in k},
        key=lambda m: [int(n) for n in re.findall(r"\d+", m)],
    )

    relations = []
    for a in areas:

        def m(measure, a=a):
            return f"{a}|{measure}"

        def parts(prefix, a=a):
            return [f for f in names if f.startswith(f"{a}|{prefix}")]

        relations.append(({**{f: 1 for f in parts("g:")}, m("total"): -1}, True))
        relations.append(({**{f: 1 for f in parts("r:")}, m("total"): -1}, True))
        relations.append(
            ({m("total"): 1, m("start"): -1, m("entered"): -1, m("exited"): 1, m("moved"): 1}, True)
        )
        relations.append(({m("contacts"): 1, m("due"): -1, m("overdue"): -1}, True))
        relations.append(({m("contacts"): 1, m("total"): -1}, False))
        relations.append(({m(f"t:{months[-1]}"): 1, m("total"): -1}, True))
        relations.append(({m(f"t:{months[-2]}"): 1, m("start"): -1}, True))
        for kid_measure in {k.split("|")[1] for k in figures if k.startswith(f"{a}|")}:
            kids = children.get(a, [])
            if kids:
                relations.append(({**{f"{c}|{kid_measure}": 1 for c in kids}, m(kid_measure): -1}, True))
    # figures a reader knows exist without seeing them (a chart left out): unknowns, but not asked about
    names = sorted(set(names) | {f for terms, _ in relations for f in terms})
    at = {f: i for i, f in enumerate(names)}
    rows, lo = [], []
    for terms, equal in relations:
        row = np.zeros(len(names))
        for f, c in terms.items():
            row[at[f]] += c
        rows.append(row)
        lo.append(0 if equal else -np.inf)
    shown = [figures.get(f) for f in names]
    bounds = Bounds([v or 0 for v in shown], [np.inf if v is None else v for v in shown])
    constraint = LinearConstraint(np.array(rows), lo, np.zeros(len(rows)))
    narrow = {}
    for f in names:
        if f not in figures or figures[f] is not None:
            continue
        c = np.zeros(len(names))
        c[at[f]] = 1
        low = milp(c, constraints=constraint, bounds=bounds, integrality=np.ones(len(names)))
        high = milp(-c, constraints=constraint, bounds=bounds, integrality=np.ones(len(names)))
        assert low.status != 2, "the published figures contradict each other"
        if high.fun is not None and -high.fun - low.fun < 3:
            narrow[f] = (low.fun, -high.fun)
    assert narrow == {}


# --- refused builds ---------------------------------------------------------------------------------------
def live_site(root: Path) -> dict:
    site = root / "site"
    site.mkdir(parents=True, exist_ok=True)
    (site / "index.html").write_text("the live site", encoding="utf-8")
    return {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}


def test_a_village_named_as_markup_is_refused_or_leaves_no_trace(tmp_path, capsys):
    root = project(tmp_path / "project")
    folder = tmp_path / "registry"
    folder.mkdir()
    workbook(folder / "v.xlsx", [case(1), case(2, village=EVIL_VILLAGE), *[case(i) for i in range(3, 9)]])
    before = live_site(root)
    code = main(build(root, folder))
    err = capsys.readouterr().err
    if code != 0:  # refused: by the place list, naming file, row and column; the live site untouched
        assert code == 2 and "v.xlsx" in err and "村（社区）" in err and "地名表" in err, err
        assert "onerror" not in err  # the console does not echo it either
        assert {p: p.read_bytes() for p in (root / "site").rglob("*") if p.is_file()} == before
        return
    for path in site_files(root / "site"):  # accepted with the row rejected: nothing of it published
        text = decoded(path).lower()
        assert "<img src=x" not in text, path
        if "/assets/javascripts/" not in path.as_posix():  # the theme's own scripts handle onerror events
            assert "onerror" not in text, path


def test_a_place_list_with_markup_stops_the_build(tmp_path, capsys):
    root = project(tmp_path / "project")
    places = root / "data" / "places.yaml"
    places.write_text(places.read_text(encoding="utf-8").replace("双河村", EVIL_VILLAGE, 1), encoding="utf-8")
    before = live_site(root)
    assert main(build(root)) == 2
    err = capsys.readouterr().err
    assert "places.yaml" in err and "含有地名中不应出现的字符" in err
    assert {p: p.read_bytes() for p in (root / "site").rglob("*") if p.is_file()} == before


def test_a_registry_row_pasted_into_a_policy_text_stops_the_build(tmp_path, capsys):
    """The row as copied from Excel, disguised (traditional characters, spaces in the numbers)."""
    from generators.registry.readers import read_registry_file
    from tests.registry_fixtures import SCHEMA

    root = project(tmp_path / "project")
    assert main(build(root)) == 0
    before = {p: p.read_bytes() for p in (root / "site").rglob("*") if p.is_file()}
    synthetic = sorted((root / "build" / "registry-default").glob("*.xlsx"))[0]
    read = read_registry_file(synthetic, SCHEMA)
    row = next(t for t in read.tables if t.schema.kind == "cases").rows[0].values
    import opencc

    name = opencc.OpenCC("s2t").convert(str(row["name"]))
    spaced_id = " ".join(str(row["id_number"])[i : i + 4] for i in range(0, 18, 4))
    pasted = f"{name}\t{spaced_id}\t{row['phone']}\t{row['address']}"
    policy = root / "data" / "policies" / "001-dunji-2023.txt"
    policy.write_text(policy.read_text(encoding="utf-8") + f"\n附：{pasted}\n", encoding="utf-8")
    capsys.readouterr()
    assert main(build(root)) == 2
    err = capsys.readouterr().err
    assert "发布内容中含有台账个人信息" in err and synthetic.name in err and "列 “姓名”" in err
    assert "列 “公民身份号码”" in err and "列 “联系电话”" in err and "列 “住址”" in err
    assert str(row["name"]) not in err and str(row["id_number"]) not in err and str(row["phone"]) not in err
    assert "privacy-allowlist.yaml" in err
    assert {p: p.read_bytes() for p in (root / "site").rglob("*") if p.is_file()} == before


@pytest.mark.parametrize(
    "where",
    ["site/private", "data/private", "docs/private", "templates/private", "build/private", "notignored", "."],
)
def test_the_restricted_folder_may_not_sit_where_it_would_be_read_or_published(tmp_path, capsys, where):
    import subprocess

    root = project(tmp_path / "project")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".gitignore").write_text("/site/\n/build/\n/restricted/\n", encoding="utf-8")
    args = build(root, restricted=(root / where).resolve())
    assert main(args) == 2
    err = capsys.readouterr().err
    assert "受限目录" in err


def test_an_ignored_restricted_folder_that_does_not_exist_yet_is_accepted(tmp_path):
    """A fresh clone has no restricted/ yet; a folder-only pattern (/restricted/) must still count."""
    import subprocess

    from generators.config.settings import git_ignores

    root = tmp_path / "clone"
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    (root / ".gitignore").write_text("/restricted/\n", encoding="utf-8")
    assert not (root / "restricted").exists()
    assert git_ignores(root, root / "restricted")
    assert not git_ignores(root, root / "elsewhere")


def test_a_symbolic_link_in_the_static_files_stops_the_build(tmp_path, capsys):
    root = project(tmp_path / "project")
    (root / "docs" / "leak").symlink_to(tmp_path)
    before = live_site(root)
    assert main(build(root)) == 2
    assert "符号链接" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in (root / "site").rglob("*") if p.is_file()} == before


# --- in a browser -----------------------------------------------------------------------------------------
@pytest.mark.browser
def test_in_chromium_nothing_executes_and_markup_shows_as_text(attacked, tmp_path):
    """The hostile policy file's pages, their navigation, the search, and the registry pages, in Debian's
    chromium; then a build whose registry names a village `<img src=x onerror=alert(1)>村`, and the live
    site's navigation once more."""
    from tests.test_browser import CHROMIUM

    if not CHROMIUM:
        pytest.fail("找不到 chromium：请用 `bash bootstrap.sh test` 运行测试（会安装 Debian 的 chromium）")
    from playwright.sync_api import sync_playwright

    root = tmp_path / "project"
    shutil.copytree(attacked["root"], root, symlinks=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        try:
            with serve(root / "site") as url:
                draft = next(
                    e
                    for e in ("draft", "2024.2")
                    if (root / "site" / e / "documents" / "evil-2024.html").exists()
                )
                for width in (390, 1280):
                    page = browser.new_page(viewport={"width": width, "height": 900})
                    dialogs: list[str] = []
                    page.on("dialog", lambda d, seen=dialogs: (seen.append(d.message), d.dismiss()))
                    for path in (
                        f"{draft}/documents/evil-2024.html",
                        f"{draft}/index.html",
                        "latest/registry/index.html",
                    ):
                        page.goto(f"{url}/{path}", wait_until="networkidle")
                        assert_inert(page, dialogs)
                    page.goto(f"{url}/{draft}/documents/evil-2024.html", wait_until="networkidle")
                    nav = page.locator("nav.md-nav--primary").first
                    text = nav.evaluate("n => n.textContent")
                    assert "<img src=x onerror=window.__pwned=1>关于<script>window.__pwned=2</script>" in text
                    assert (
                        "<b onmouseover=window.__pwned=3>恶意</b>方案" in page.title()
                        or "恶意" in page.title()
                    )
                    if width == 1280:
                        page.click("label.md-search__icon, .md-search__input")
                        page.fill("input.md-search__input", "恶意")
                        page.keyboard.press("End")
                        page.locator(".md-search-result__item").first.wait_for(timeout=15000)
                        assert_inert(page, dialogs)
                    page.close()

            # a registry whose village is markup: refused, or the row rejected — either way the live site
            # (served again) has nothing of it and runs nothing
            registry = root.parent / "registry"
            shutil.copytree(attacked["root"].parent / "registry", registry)
            workbook(registry / "evil.xlsx", [case(300, village=EVIL_VILLAGE)])
            code = main(build(root, registry, root.parent / "restricted"))
            assert code in (0, 2)
            with serve(root / "site") as url:
                page = browser.new_page(viewport={"width": 1280, "height": 900})
                dialogs = []
                page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
                page.goto(f"{url}/latest/registry/index.html", wait_until="networkidle")
                assert_inert(page, dialogs)
                nav = page.locator("nav.md-nav--primary").first.evaluate("n => n.outerHTML")
                assert "onerror" not in nav and "<img" not in nav
                page.close()
        finally:
            browser.close()


def assert_inert(page, dialogs: list[str]) -> None:
    assert dialogs == []
    assert page.evaluate("window.__pwned") is None
    assert (
        page.locator('img[src="x"], a[href^="javascript:" i], [onerror], [onmouseover], [onload]').count()
        == 0
    )


class serve:
    """The site over HTTP on a free local port, as a web server would publish it."""

    def __init__(self, site: Path):
        self.site = site

    def __enter__(self) -> str:
        import functools
        import http.server
        import threading

        class Quiet(http.server.SimpleHTTPRequestHandler):
            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(
            ("127.0.0.1", 0), functools.partial(Quiet, directory=str(self.site))
        )
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
