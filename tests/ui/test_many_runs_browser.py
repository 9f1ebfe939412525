"""The served dashboard at a year of runs, in Chromium: the run search, the month selector, and the across-runs
charts drawn by week with a range slider.

The 365 runs are seeded in bulk into a migrated SQLite database (tests/many_runs.py: run rows, totals, failed
checks, alerts; no pipeline run), one a day from 2025-12-01 to 2026-11-30.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from tests.conftest import ROOT
from tests.many_runs import add_year
from tests.ui.conftest import ARTIFACTS, free_port, serve_dashboard
from tests.ui.test_dashboard_browser import WAIT_MS, open_tab, opened

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Locator, Page

pytestmark = pytest.mark.slow

DAYS, LAST_DAY = 365, dt.date(2026, 11, 30)
FIGURE = "gd => ({x: gd.data[0].x.length, names: gd.data.map(t => t.name), slider: gd.layout.xaxis.rangeslider})"


@pytest.fixture(scope="module")
def server(browser: Browser, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`panel serve panel_app/app.py` over a SQLite database with a year of seeded runs; yields its base URL."""
    base = tmp_path_factory.mktemp("year")
    url = f"sqlite:///{base / 'pipeline.db'}"
    add_year(url, "sales", ROOT / "expectations", DAYS, LAST_DAY, migrate=True)
    env = {**os.environ, "DASHBOARD_DATABASE_URL": url, "DOCS_DIR": str(base / "docs")}
    with serve_dashboard(free_port(), env, base / "serve.log") as started:
        yield started


def run_select(page: Page) -> Locator:
    """The sidebar's run selector (its options are one month's runs)."""
    return page.locator("select", has=page.locator("option", has_text="sales_2026-")).first


def find(page: Page, typed: str, pick: str) -> None:
    """Type into the run search and click the completion that contains `pick`."""
    search = page.get_by_placeholder("a date (2026-03-14) or a file name")
    search.click()
    search.press_sequentially(typed, delay=30)
    page.locator(".bk-menu div", has_text=pick).first.click()


def chart_with(page: Page, hover: str) -> Locator:
    """The Plotly chart whose first trace's hover template contains `hover` (waiting for the tab to draw it)."""
    plots = page.locator(".js-plotly-plot")
    for _ in range(WAIT_MS // 500):
        for i in range(plots.count()):
            if hover in plots.nth(i).evaluate("gd => (gd.data && gd.data.length && gd.data[0].hovertemplate) || ''"):
                return plots.nth(i)
        page.wait_for_timeout(500)
    raise AssertionError(f"no chart with {hover!r} in its hover")


def test_a_year_of_runs_is_searchable_grouped_by_month_and_charted_by_week(browser: Browser, server: str) -> None:
    """The page opens on the latest run, its month's 30 runs listed; a search by date and one by file name open
    those runs (and their months); Quality across runs has 53 weekly bars, a range slider and zoom buttons; no
    dialog, no request leaving the machine."""
    from playwright.sync_api import expect

    with opened(browser, server) as visit:
        page = visit.page
        runs = run_select(page)
        expect(runs.locator("option:checked")).to_contain_text("sales_2026-11-30.csv", timeout=WAIT_MS)
        expect(runs.locator("option")).to_have_count(30)
        find(page, "2026-03-14", "sales_2026-03-14.csv")
        expect(runs.locator("option:checked")).to_contain_text("sales_2026-03-14.csv", timeout=WAIT_MS)
        expect(runs.locator("option")).to_have_count(31)
        month = page.locator("select", has=page.locator("option", has_text="runs")).first
        expect(month.locator("option:checked")).to_contain_text("2026-03 · 31 runs")
        page.get_by_placeholder("a date (2026-03-14) or a file name").fill("")
        find(page, "ales_2026-02-0", "sales_2026-02-07.csv")
        expect(runs.locator("option:checked")).to_contain_text("sales_2026-02-07.csv", timeout=WAIT_MS)
        expect(page).to_have_url(re.compile(r"run="))

        open_tab(page, "Data Quality")
        quality = chart_with(page, "clean<extra>")
        drawn = quality.evaluate(FIGURE)
        assert drawn["x"] == 53 and drawn["slider"]["visible"]  # 365 days touch 53 weeks (Monday to Sunday)
        quality.locator(".rangeselector .button", has_text="3 m").first.click()
        page.wait_for_timeout(500)
        shown = quality.evaluate("gd => gd.layout.xaxis.range")
        days = (dt.date.fromisoformat(shown[1][:10]) - dt.date.fromisoformat(shown[0][:10])).days
        assert 85 <= days <= 95

        open_tab(page, "Controls Summary")
        heatmap = chart_with(page, "of records failed")
        assert heatmap.evaluate("gd => gd.data[0].x.length") == 53
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard_365_runs.png"), full_page=True)
        assert not visit.dialogs
        assert not visit.off_machine()
