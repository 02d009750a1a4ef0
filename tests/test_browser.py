"""The built site in real headless Chromium (Debian's package, driven by Playwright)."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading

import pytest

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def server(site_root):
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(site_root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/latest"  # old links keep working through the alias
    httpd.shutdown()


@pytest.fixture(scope="module")
def page(server):
    if not CHROMIUM:
        pytest.fail("找不到 chromium：请用 `bash bootstrap.sh test` 运行测试（会安装 Debian 的 chromium）")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser.new_page(viewport={"width": 1280, "height": 900})
        browser.close()


def test_search_finds_chinese_words(page, server):
    page.goto(f"{server}/index.html", wait_until="networkidle")  # the search worker has its index
    for word in ("留守儿童", "派出所", "闲散"):
        page.click("label.md-search__icon, .md-search__input")
        # Material reads the query on key events; fill() sends only `input`, so end with a key as a person
        # (or an IME committing a word) does.
        page.fill("input.md-search__input", word)
        page.keyboard.press("End")
        results = page.locator(".md-search-result__item")
        results.first.wait_for(timeout=15000)
        assert results.count() > 0, word
        # words are indexed as stem + last character; the two show with a zero-width space between them
        assert word in page.locator(".md-search-result").inner_text().replace("\u200b", "")
        page.keyboard.press("Escape")


def test_matrix_cell_lands_on_its_clause(page, server):
    page.goto(f"{server}/matrices/dunji-2023.html")
    cell = page.locator('a.role--lead[href$="dunji-2023.html#c-3-2-p2"]').first
    cell.click()
    page.wait_for_url("**/documents/dunji-2023.html#c-3-2-p2")
    clause = page.locator("#c-3-2-p2")
    assert "牵头单位：墩集中学、墩集中心校、镇社保所" in clause.inner_text()
    assert clause.is_visible()
    box = clause.bounding_box()
    assert 0 <= box["y"] < 900  # scrolled into view


def test_registry_page_draws_its_charts(page, server):
    page.goto(f"{server}/registry/index.html")
    charts = page.locator("svg.chart")
    assert charts.count() >= 2
    box = charts.first.bounding_box()
    assert box["width"] > 200 and box["height"] > 50
    assert "合计" in page.locator("table").first.inner_text()
    page.locator("a", has_text="台账填写说明").first.click()
    page.wait_for_url("**/registry/schema.html")
    assert page.locator('a[href$="registry-template.xlsx"]').count() == 1


def test_version_selector_lists_the_editions(page, server):
    page.goto(f"{server}/index.html", wait_until="networkidle")
    assert "/2024.2/index.html" in page.url  # the latest alias redirects to the newest edition
    current = page.locator(".md-version__current")
    current.wait_for(timeout=15000)
    assert "2024.2" in current.inner_text()
    page.hover(".md-version")
    page.locator(".md-version__link", has_text="2024.1").first.click()
    page.wait_for_url("**/2024.1/**")
    assert "2024.1" in page.locator(".md-version__current").inner_text()


@pytest.fixture(scope="module")
def phone(page):
    """A phone-sized page (390 × 844, touch) in the same browser."""
    context = page.context.browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )
    yield context.new_page()
    context.close()


def test_matrix_first_column_stays_visible_after_a_sideways_scroll_on_a_phone(phone, server):
    phone.goto(f"{server}/matrices/dunji-2023.html", wait_until="networkidle")
    box = phone.locator("#task-matrix")
    phone.evaluate(
        "window.scrollBy(0, document.querySelector('#task-matrix').getBoundingClientRect().top - 150)"
    )
    assert box.evaluate("b => b.scrollWidth > b.clientWidth + 100")  # wider than the phone
    hint = phone.locator("#task-matrix").locator("xpath=preceding-sibling::p[1]")
    assert "左右滑动" in hint.inner_text() and hint.is_visible()
    first = box.locator("tbody tr").first.locator("td").first
    third = box.locator("tbody tr").first.locator("td").nth(2)
    before_first, before_third = first.bounding_box(), third.bounding_box()
    box.evaluate("b => b.scrollBy(300, 0)")
    phone.wait_for_timeout(200)
    after_first, after_third = first.bounding_box(), third.bounding_box()
    assert abs(after_third["x"] - (before_third["x"] - 300)) < 2  # the rest moved
    assert abs(after_first["x"] - before_first["x"]) < 1 and after_first["x"] >= 0  # the first column stayed
    # and it is what the reader sees there: the cell on top at its place is the first column's
    x, y = after_first["x"] + 5, after_first["y"] + after_first["height"] / 2
    on_top = phone.evaluate(f"document.elementFromPoint({x}, {y}).closest('td').cellIndex")
    assert on_top == 0


def test_combined_matrix_shows_group_cards_on_a_phone_and_the_table_on_a_desk(phone, page, server):
    phone.goto(f"{server}/matrices/index.html", wait_until="networkidle")
    cards = phone.locator(".matrix-card")
    assert cards.count() >= 6 and cards.first.is_visible()
    assert not phone.locator("#matrix").is_visible()
    assert "牵头" in phone.locator(".matrix-card", has_text="闲散青少年").inner_text()
    phone.locator(".matrix-switch a").click()  # one tap to the table
    assert phone.locator("#matrix").is_visible() and not cards.first.is_visible()
    page.goto(f"{server}/matrices/index.html", wait_until="networkidle")
    assert page.locator("#matrix").is_visible() and not page.locator(".matrix-card").first.is_visible()
    width = page.evaluate("document.querySelector('#matrix').getBoundingClientRect().width")
    assert width > 1000  # the content column is the page's width: no blank strip beside a clipped table


def test_edition_selector_keeps_the_page_on_a_phone(phone, server):
    phone.goto(f"{server}/units/police.html#_3", wait_until="networkidle")
    assert "/2024.2/units/police.html" in phone.url
    current = phone.locator(".md-version__current")
    current.wait_for(timeout=15000)
    current.tap()
    phone.locator(".md-version__link", has_text="2024.1").first.tap()
    phone.wait_for_url("**/2024.1/**")
    assert phone.url.endswith("/2024.1/units/police.html#_3")
    banner = phone.locator(".outdated")
    assert "旧版本" in banner.inner_text()
    assert banner.locator("a").get_attribute("href") == "../../2024.2/units/police.html"
    # a page the other edition does not have: its home
    phone.goto(f"{server}/registry/index.html", wait_until="networkidle")
    phone.locator(".md-version__current").tap()
    phone.locator(".md-version__link", has_text="2024.1").first.tap()
    phone.wait_for_url("**/2024.1/")
    assert phone.url.endswith("/2024.1/")


def test_phone_header_shows_the_short_title(phone, server):
    phone.goto(f"{server}/index.html", wait_until="networkidle")
    topic = phone.locator(".md-header__topic").first
    shown = topic.evaluate("t => getComputedStyle(t, '::before').content")
    assert "重点青少年工作手册" in shown
    box = topic.bounding_box()
    assert box["x"] + box["width"] <= 390


def test_a_local_unit_or_a_village_name_finds_its_page_first(page, server):
    """A village page is out of the navigation: search is one way to it (place names are search words)."""
    from urllib.parse import unquote

    page.goto(f"{server}/index.html", wait_until="networkidle")
    for query, found in (
        ("镇社保所", "units/social-security.html"),
        ("镇派出所", "units/police.html"),
        ("街道民社办", "units/civil-affairs.html"),
        ("双河村", "registry/高峰镇/双河村.html"),
    ):
        page.click("label.md-search__icon, .md-search__input")
        page.fill("input.md-search__input", query)
        page.keyboard.press("End")
        # the results of the previous query stay until the new ones are in: wait for this query's highlight
        page.wait_for_function(
            """q => { const a = document.querySelector('.md-search-result__item > .md-search-result__link');
                      return a && decodeURIComponent(a.href).includes('h=' + q.slice(0, 2)); }""",
            arg=query,
            timeout=15000,
        )
        first = page.locator(".md-search-result__item > .md-search-result__link").first
        assert found in unquote(first.get_attribute("href")), query
        page.keyboard.press("Escape")


def test_chart_text_is_at_least_11_px_on_a_phone(phone, server):
    phone.goto(f"{server}/registry/index.html", wait_until="networkidle")
    sizes = phone.evaluate(
        """() => [...document.querySelectorAll('svg.chart text')].map(t => {
            const r = t.getBoundingClientRect(), b = t.getBBox();
            return parseFloat(getComputedStyle(t).fontSize) * r.height / b.height;
        })"""
    )
    assert sizes and min(sizes) >= 10.9, min(sizes)
