"""The served dashboard in a real browser (Debian's Chromium, driven by Playwright), fully offline.

`panel serve panel_app/app.py` runs as a subprocess on a free port against a SQLite database filled
by real pipeline runs; screenshots of every tab go to test-artifacts/.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlparse

import pytest

from panel_app.formatting import format_inr
from tests.integration.helpers import read_table
from tests.ui.conftest import ARTIFACTS, free_port, serve_dashboard
from tests.ui.test_dashboard_components import FORMULA_REGION, HOSTILE_PRODUCT, FilledDatabase, fill_database

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Dialog, Locator, Page

pytestmark = pytest.mark.slow

TABS = {"Analytics": 5, "Data Quality": 5, "Exceptions": 3, "Audit Trail": 2, "Controls Summary": 1}
WAIT_MS = 20_000


@dataclass
class Visit:
    """An open dashboard page, with every URL it requested and every alert it raised."""

    page: Page
    urls: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def off_machine(self) -> list[str]:
        """Requests (HTTP or websocket) to any host other than 127.0.0.1."""
        return [
            u for u in self.urls if urlparse(u).scheme not in ("blob", "data") and urlparse(u).hostname != "127.0.0.1"
        ]


@pytest.fixture(scope="module")
def db(browser: Browser, tmp_path_factory: pytest.TempPathFactory, prefect_harness: None) -> FilledDatabase:
    """The SQLite database the component tests use (filled once per session by real runs)."""
    base = tmp_path_factory.getbasetemp() / "dashboard-sqlite"
    return fill_database(f"sqlite:///{base / 'pipeline.db'}", base)


@pytest.fixture(scope="module")
def server(db: FilledDatabase, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`panel serve panel_app/app.py` as `make dashboard` runs it, on a free port; yields its base URL."""
    port = free_port()
    env = {
        **os.environ,
        "DASHBOARD_DATABASE_URL": db.url,
        "DOCS_DIR": str(db.docs_dir),
        "PREFECT_UI_URL": "http://127.0.0.1:4200",
    }
    log = tmp_path_factory.mktemp("panel") / "serve.log"
    with serve_dashboard(port, env, log, ("--static-dirs", f"docs={db.docs_dir}")) as base:
        yield base


@contextmanager
def opened(browser: Browser, base: str, query: str = "") -> Iterator[Visit]:
    """Open the dashboard (`query`: e.g. `?dataset=sales&run=...`) in a fresh page and wait for its first chart."""
    page = browser.new_page(viewport={"width": 1500, "height": 2300}, accept_downloads=True)
    visit = Visit(page=page)
    page.on("request", lambda request: visit.urls.append(request.url))
    page.on("websocket", lambda ws: visit.urls.append(ws.url))

    def record_dialog(dialog: Dialog) -> None:
        visit.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record_dialog)
    try:
        page.goto(f"{base}/app{query}", wait_until="load")
        page.locator(".js-plotly-plot").first.wait_for(timeout=WAIT_MS)
        yield visit
    finally:
        page.close()


def open_tab(page: Page, title: str) -> None:
    """Click a tab and wait for its content."""
    page.locator(".bk-tab", has_text=title).first.click()
    page.wait_for_timeout(300)


def pick(page: Page, region: str) -> None:
    """Choose one region in the sidebar's Regions box (the first multi-choice)."""
    box = page.locator(".choices").first
    box.click()
    option = box.locator(".choices__list--dropdown .choices__item--choice", has_text=re.compile(f"^{region}$"))
    option.first.click()
    page.keyboard.press("Escape")


def kpi(page: Page, label: str) -> Locator:
    """The value of a KPI tile."""
    return page.locator(".kpi", has=page.locator(".label", has_text=label)).first.locator(".value")


def expected_revenue(db: FilledDatabase, run_id: str, region: str | None = None) -> str:
    """The run's clean revenue (optionally one region) from clean_sales, as the tile shows it."""
    clean = read_table(db.url, "clean_sales", run_id)
    if region:
        clean = clean[clean["region"] == region]
    return format_inr(round(clean["revenue"].astype(float).sum(), 2))


def test_every_tab_renders_its_charts_with_no_request_leaving_the_machine(
    browser: Browser, server: str, db: FilledDatabase
) -> None:
    """Each tab draws its Plotly charts; every request goes to 127.0.0.1; screenshots are saved."""
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    with opened(browser, server) as visit:
        page = visit.page
        for title, charts in TABS.items():
            open_tab(page, title)
            plots = page.locator(".js-plotly-plot >> visible=true")
            expect(plots).to_have_count(charts, timeout=WAIT_MS)
            for i in range(charts):
                expect(plots.nth(i).locator(".main-svg").first).to_be_visible(timeout=WAIT_MS)
            page.wait_for_timeout(600)  # let Plotly finish its transitions before the screenshot
            page.screenshot(path=str(ARTIFACTS / f"dashboard_{title.lower().replace(' ', '_')}.png"))
            if title == "Audit Trail":
                docs = page.locator("a", has_text="open the GX validation report")
                assert docs.get_attribute("href") == f"/docs/{db.second}/index.html"
                assert page.request.get(f"{server}/docs/{db.second}/index.html").status == 200
        assert visit.off_machine() == []
        assert visit.dialogs == []


def test_changing_run_and_region_shows_the_database_numbers(browser: Browser, server: str, db: FilledDatabase) -> None:
    """The revenue tile equals clean_sales for the latest run, then for North, then for the other run."""
    from playwright.sync_api import expect

    with opened(browser, server) as visit:
        page = visit.page
        page.locator(".bk-btn", has_text="This file").first.click()  # two runs: the page opens on all loaded data
        revenue = kpi(page, "revenue")
        expect(revenue).to_have_text(expected_revenue(db, db.second), timeout=WAIT_MS)
        pick(page, "North")
        expect(revenue).to_have_text(expected_revenue(db, db.second, "North"), timeout=WAIT_MS)
        runs = page.locator("select", has=page.locator("option", has_text="sales_first.csv")).first  # not the dataset
        runs.select_option(value=runs.locator("option", has_text="sales_first.csv").get_attribute("value"))
        expect(revenue).to_have_text(expected_revenue(db, db.first, "North"), timeout=WAIT_MS)
        orders = read_table(db.url, "clean_sales", db.first).query("region == 'North'").shape[0]
        expect(kpi(page, "records")).to_have_text(f"{orders:,}" if orders < 100_000 else str(orders), timeout=WAIT_MS)
        assert visit.off_machine() == []


def test_exceptions_search_shows_values_as_text_and_downloads_a_safe_csv(
    browser: Browser, server: str, tmp_path: Path
) -> None:
    """Searching finds the hostile rows, shown as text (no script runs); their CSV neutralises the formula."""
    from playwright.sync_api import expect

    with opened(browser, server) as visit:
        page = visit.page
        open_tab(page, "Exceptions")
        search = page.get_by_placeholder("order id, value or rule name")
        search.fill("onerror")
        search.press("Enter")
        expect(page.get_by_text(HOSTILE_PRODUCT, exact=True)).to_be_visible(timeout=WAIT_MS)
        search.fill("hyperlink")
        search.press("Enter")
        expect(page.get_by_text("rows 1–1 of 1")).to_be_visible(timeout=WAIT_MS)
        expect(page.get_by_text(FORMULA_REGION, exact=True)).to_be_visible(timeout=WAIT_MS)
        with page.expect_download(timeout=WAIT_MS) as download:
            page.get_by_role("button", name="Download CSV").first.click()
        saved = tmp_path / download.value.suggested_filename
        download.value.save_as(saved)
        rows = list(csv.DictReader(saved.open(encoding="utf-8")))
        assert saved.name.startswith("exceptions_") and len(rows) == 1
        assert rows[0]["region"] == "'" + FORMULA_REGION and rows[0]["order_id"] == "'=1+2"
        assert "region_in_reference_set" in rows[0]["reasons"]
        assert visit.dialogs == []
        assert visit.off_machine() == []


def test_an_alerts_link_opens_its_run_with_the_banner_and_the_alerts_list(
    browser: Browser, server: str, db: FilledDatabase
) -> None:
    """The REJECTED run recorded a run_rejected finding: the link its notification carries (`?dataset=&run=`) opens
    that run, with the alert banner, and the Data Quality tab lists the finding first, marked as the selected
    run's (its hostile file name shown as text)."""
    from playwright.sync_api import expect

    with opened(browser, server, f"?dataset=sales&run={db.rejected}") as visit:
        page = visit.page
        runs = page.locator("select", has=page.locator("option", has_text="sales_first.csv")).first
        expect(runs.locator("option:checked")).to_contain_text("REJECTED")
        banner = page.locator(".notice.danger", has_text="alert on this run")
        expect(banner).to_contain_text("1 alert on this run: run rejected: run_status (expected COMPLETED)")
        open_tab(page, "Data Quality")
        card = page.locator(".card", has_text="Alerts: thresholds crossed and anomalies").first
        first = card.locator(".tabulator-row").first
        expect(first).to_contain_text("◀ this run", timeout=WAIT_MS)
        expect(first).to_contain_text("run_rejected")
        expect(first).to_contain_text("no revenue.csv")
        expect(card).to_contain_text("1 on the selected run")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard_alerts.png"), full_page=True)
        assert visit.dialogs == []
        assert visit.off_machine() == []
