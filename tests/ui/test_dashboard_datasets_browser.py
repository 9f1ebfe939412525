"""The dataset selector in a real browser: switch from sales to bike rentals and back, every tab of both.

`panel serve panel_app/app.py` runs against a SQLite database with real runs of both datasets
(tests/ui/bike_rentals.py), reading their specs from EXPECTATIONS_DIR.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from flows.constants import MISSING
from panel_app.formatting import format_inr
from tests.integration.helpers import read_table
from tests.ui.bike_rentals import DATASET, HOSTILE_BIKE, TITLE, TwoDatasets, fill_two_datasets
from tests.ui.conftest import ARTIFACTS, free_port, serve_dashboard
from tests.ui.test_dashboard_browser import WAIT_MS, kpi, open_tab

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.slow

PLOTS = {"Analytics": 5, "Data Quality": 5, "Exceptions": 3, "Audit Trail": 2, "Controls Summary": 1}


@pytest.fixture(scope="module")
def two(browser: Browser, tmp_path_factory: pytest.TempPathFactory, prefect_harness: None) -> TwoDatasets:
    """The SQLite database with sales and bike-rental runs (filled once per session)."""
    base = tmp_path_factory.getbasetemp() / "two-datasets-sqlite"
    return fill_two_datasets(f"sqlite:///{base / 'pipeline.db'}", base)


@pytest.fixture(scope="module")
def served(two: TwoDatasets, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """`panel serve panel_app/app.py` on a free port with the two datasets' specs; yields its URL and log."""
    port = free_port()
    env = {
        **os.environ,
        "DASHBOARD_DATABASE_URL": two.url,
        "DOCS_DIR": str(two.docs_dir),
        "EXPECTATIONS_DIR": str(two.expectations_dir),
    }
    log = tmp_path_factory.mktemp("panel-datasets") / "serve.log"
    with serve_dashboard(port, env, log) as base:
        yield base, log


def open_page(browser: Browser, url: str, errors: list[str]) -> Page:
    """A fresh page on the dashboard, its script errors collected, once its first chart is drawn."""
    page = browser.new_page(viewport={"width": 1500, "height": 2300})
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.goto(url, wait_until="load")
    page.locator(".js-plotly-plot").first.wait_for(timeout=WAIT_MS)
    return page


def every_tab(page: Page, name: str) -> None:
    """Open each tab, wait for its charts to draw, and save a screenshot."""
    from playwright.sync_api import expect

    ARTIFACTS.mkdir(exist_ok=True)
    for title, count in PLOTS.items():
        open_tab(page, title)
        plots = page.locator(".js-plotly-plot >> visible=true")
        expect(plots).to_have_count(count, timeout=WAIT_MS)
        for i in range(count):
            expect(plots.nth(i).locator(".main-svg").first).to_be_visible(timeout=WAIT_MS)
        page.wait_for_timeout(400)
        page.screenshot(path=str(ARTIFACTS / f"dataset_{name}_{title.lower().replace(' ', '_')}.png"))
    open_tab(page, "Analytics")


def server_errors(log: Path) -> list[str]:
    """Failed callbacks and tracebacks through the dashboard's code in the server log."""
    return [line for line in log.read_text().splitlines() if "ERROR" in line or "panel_app" in line]


def fare(two: TwoDatasets, station: str | None = None) -> str:
    """The latest bike run's clean fare (optionally one station), as the tile shows it."""
    clean = read_table(two.url, "clean_bike_rentals", two.bikes_second)
    if station:
        clean = clean[clean["station"] == station]
    return f"€{clean['fare'].astype(float).sum():,.2f}"


def test_switching_dataset_shows_its_kpis_filters_and_every_tab(
    browser: Browser, served: tuple[str, Path], two: TwoDatasets
) -> None:
    """Sales first; picking bike rentals shows fares in euros, station and bike-type filters; all tabs draw."""
    from playwright.sync_api import expect

    base, log = served
    errors: list[str] = []
    page = open_page(browser, f"{base}/app", errors)
    try:
        sales = read_table(two.url, "clean_sales", two.sales)["revenue"].astype(float).sum()
        expect(kpi(page, "revenue")).to_have_text(format_inr(round(sales, 2)), timeout=WAIT_MS)
        expect(page.get_by_text("Region (none = all)")).to_be_visible()
        every_tab(page, "sales")
        page.locator("select").first.select_option(label=TITLE)
        bikes = (two.bikes_first, two.bikes_second)
        both = sum(read_table(two.url, "clean_bike_rentals", r)["fare"].astype(float).sum() for r in bikes)
        expect(kpi(page, "fare")).to_have_text(f"€{both:,.2f}", timeout=WAIT_MS)  # two runs: all loaded data
        page.locator(".bk-btn", has_text="This file").first.click()
        expect(kpi(page, "fare")).to_have_text(fare(two), timeout=WAIT_MS)
        expect(page.get_by_text("Station (none = all)")).to_be_visible()
        expect(page.get_by_text("Bike type (none = all)")).to_be_visible()
        expect(page.get_by_text("Region (none = all)")).to_have_count(0)
        expect(page.get_by_text("By station (as received)")).to_have_count(1)
        assert f"dataset={DATASET}" in page.url
        box = page.locator(".choices").first
        box.click()
        box.locator(".choices__list--dropdown .choices__item--choice", has_text="Harbour").first.click()
        page.keyboard.press("Escape")
        expect(kpi(page, "fare")).to_have_text(fare(two, "Harbour"), timeout=WAIT_MS)
        every_tab(page, DATASET)
        page.get_by_role("button", name="Reset filters").click()
        page.locator("select").first.select_option(label="Indian food sales orders")
        expect(kpi(page, "revenue")).to_have_text(format_inr(round(sales, 2)), timeout=WAIT_MS)
    finally:
        page.close()
    assert errors == []
    assert server_errors(log) == []


def test_the_url_opens_a_dataset_whose_filter_values_stay_text(
    browser: Browser, served: tuple[str, Path], two: TwoDatasets
) -> None:
    """`?dataset=bike_rentals` opens on the bike runs; a hostile bike type is offered, and picked, as plain text."""
    from playwright.sync_api import expect

    base, log = served
    errors, dialogs = [], []
    page = open_page(browser, f"{base}/app?dataset={DATASET}", errors)
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    try:
        bikes = (two.bikes_first, two.bikes_second)
        both = sum(read_table(two.url, "clean_bike_rentals", r)["fare"].astype(float).sum() for r in bikes)
        expect(kpi(page, "fare")).to_have_text(f"€{both:,.2f}", timeout=WAIT_MS)  # two runs: all loaded data
        page.locator(".bk-btn", has_text="This file").first.click()
        expect(kpi(page, "fare")).to_have_text(fare(two), timeout=WAIT_MS)
        box = page.locator(".choices").nth(1)
        box.click()
        choices = box.locator(".choices__list--dropdown .choices__item--choice")
        expect(choices.filter(has_text=MISSING)).to_have_count(1)
        choices.filter(has_text=HOSTILE_BIKE).first.click()
        page.keyboard.press("Escape")
        expect(kpi(page, "fare")).to_have_text("€3.00", timeout=WAIT_MS)
        expect(page.get_by_text(HOSTILE_BIKE).first).to_be_visible()
        page.wait_for_timeout(500)
    finally:
        page.close()
    assert dialogs == [] and errors == []
    assert server_errors(log) == []
