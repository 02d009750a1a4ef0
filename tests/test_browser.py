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
        assert word in page.locator(".md-search-result").inner_text()
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
