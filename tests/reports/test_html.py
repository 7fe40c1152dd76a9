"""The HTML report, opened in a real headless Chromium: no console errors, every chart there."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest

from clientvoice.reports import build_report, to_html, to_text, write_html

from .conftest import SINCE, UNTIL

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CLIENTVOICE_CHROMIUM", "/usr/bin/chromium")
CHARTS = (
    "Listening health",
    "Volume by channel",
    "Volume by kind",
    "Volume by week",
    "NPS trend",
    "CSAT trend",
    "CES trend",
    "Sentiment trend",
    "Top themes",
    "Service levels",
)


def report_of(listener):
    return build_report(listener.store, SINCE, UNTIL, "Europe/Madrid", listener.clock.now())


def chromium_or_skip():
    required = os.environ.get("CLIENTVOICE_REQUIRE_CHROMIUM") == "1"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if required:
            pytest.fail("CLIENTVOICE_REQUIRE_CHROMIUM=1 but playwright is not installed")
        pytest.skip("playwright is not installed")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        if required:
            pytest.fail(f"CLIENTVOICE_REQUIRE_CHROMIUM=1 but there is no Chromium at {CHROMIUM}")
        pytest.skip(f"no Chromium at {CHROMIUM}")
    return sync_playwright


def launch(playwright):
    """Debian's headless Chromium, quiet: no sandbox (CI runs as root), no background traffic."""
    return playwright.chromium.launch(
        executable_path=CHROMIUM,
        headless=True,
        args=[
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    )


def test_the_page_is_self_contained_and_every_chart_is_labelled(worked):
    page = to_html(report_of(worked))
    assert page.startswith("<!DOCTYPE html>")
    assert "<script" not in page
    assert not re.search(r"""(?:src|href)=["']https?:""", page)  # nothing from the network
    labels = re.findall(r'<svg role="img" aria-label="([^"]+)"', page)
    assert len(labels) == len(CHARTS)
    assert page.count("<title id=") == len(CHARTS)
    assert page.count("<table>") >= len(CHARTS)  # the numbers beside each chart
    assert "#0072B2" in page or "#0072b2" in page  # the colour-blind-safe palette
    ids = re.findall(r'\sid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "ids of different charts must not collide"
    assert "Lucía" not in page and "lucia@example.com" not in page


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_the_report_renders_in_chromium_without_errors(worked):
    sync_playwright = chromium_or_skip()
    target = write_html(report_of(worked), ARTIFACTS / "report.html")
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.on(
                "request", lambda r: None if r.url.startswith("file:") else problems.append(r.url)
            )
            page.goto(target.as_uri())
            assert page.title().startswith("Customer listening report")
            assert page.locator("svg[role=img]").count() == len(CHARTS)
            labels = page.locator("svg[role=img]").evaluate_all(
                "svgs => svgs.map(s => s.getAttribute('aria-label'))"
            )
            assert all(labels) and len(set(labels)) == len(CHARTS)
            headings = page.locator("section h2").all_inner_texts()
            assert set(CHARTS) <= set(headings)
            box = page.locator("svg[role=img]").first.bounding_box()
            assert box is not None and box["width"] > 200 and box["height"] > 100
            screenshot = ARTIFACTS / "report.png"
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    assert not problems, problems
    assert screenshot.stat().st_size > 10_000
    print(f"screenshot: {screenshot}")


def test_terminal_text_has_every_section(worked):
    text = to_text(report_of(worked), width=120)
    for title in ("Listening health", "Service levels", "Closing the loop", "Ideas backlog"):
        assert title in text
    assert "50.0% (1/2)" in text
    assert "\x1b[" not in text  # no colour codes unless asked


def test_masked_quotes_survive_rich_markup(worked):
    # "[redacted]" looks like a rich markup tag: the terminal must print it, not swallow it.
    text = to_text(report_of(worked), width=200)
    assert "[redacted]" in text


def test_an_empty_period_renders_without_charts_in_every_format():
    from clientvoice import MemoryStore
    from clientvoice.reports import to_json, to_markdown

    empty = build_report(MemoryStore(), SINCE, UNTIL, now=UNTIL)
    page = to_html(empty)
    assert "<svg" not in page and page.count("Nothing in this period.") >= 5
    assert "Nothing in this period." in to_markdown(empty)
    assert '"feedback": 0' in to_json(empty)
    assert "nothing in this period" in to_text(empty)


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
@pytest.mark.filterwarnings("ignore::ResourceWarning")
def test_the_demo_report_shows_every_chart_in_chromium(tmp_path):
    """What ``make demo`` writes, at a smaller scale: every chart drawn, saved as a screenshot."""
    from clientvoice.demo import run

    sync_playwright = chromium_or_skip()
    result = run(tmp_path, records=1_500, seed=3, days=30, echo=lambda line: None)
    assert result.html is not None
    problems: list[str] = []
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda error: problems.append(str(error)))
            page.goto(result.html.as_uri())
            charts = page.locator("svg[role=img]")
            assert charts.count() == len(CHARTS)
            for index in range(charts.count()):  # each chart is drawn, not an empty frame
                box = charts.nth(index).bounding_box()
                assert box is not None and box["width"] > 200 and box["height"] > 100
                assert charts.nth(index).locator("path, rect").count() > 5
            text = page.locator("body").inner_text()
            assert "NPS" in text and "±" in text  # trends carry their margins of error
            screenshot = ARTIFACTS / "demo-report.png"
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(screenshot), full_page=True)
        finally:
            browser.close()
    assert not problems, problems
    assert screenshot.stat().st_size > 50_000
    print(f"screenshot: {screenshot}")
