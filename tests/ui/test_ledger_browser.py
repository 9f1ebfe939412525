"""The ledger in a real browser: three generated daily files, `panel serve`, Debian's Chromium.

The page opens on all loaded data, whose revenue tile equals SQL over `current_clean_sales` (each order once:
the later files resend and change earlier ones, and those rows are quarantined, not added); "This file" shows
the latest file's own revenue, and "What this file changed" counts its resends.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from flows.generate import DefectRates, Overlap, generate_days, write_days
from panel_app.formatting import format_inr
from tests.conftest import ROOT
from tests.integration.helpers import read_table, scalar
from tests.ui.conftest import free_port, serve_dashboard
from tests.ui.test_dashboard_browser import WAIT_MS, kpi
from tests.ui.test_dashboard_datasets_browser import open_page, server_errors

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = pytest.mark.slow
ROWS, SEED = 400, 11


@dataclass(frozen=True)
class ThreeDays:
    """A SQLite database holding three daily files' runs, oldest first."""

    url: str
    run_ids: list[str]
    workdir: Path


@pytest.fixture(scope="module")
def days(browser: Browser, tmp_path_factory: pytest.TempPathFactory, prefect_harness: None) -> ThreeDays:
    """Three generated daily files (later ones resend and change earlier orders), each run by the pipeline."""
    from flows.pipeline import run_pipeline

    workdir = tmp_path_factory.mktemp("ledger-browser")
    url = f"sqlite:///{workdir / 'pipeline.db'}"
    paths = write_days(generate_days(3, ROWS, SEED), workdir, SEED, DefectRates(), Overlap())
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DATABASE_URL", url)
        env.setenv("DOCS_DIR", str(workdir / "docs"))
        env.setenv("EXPECTATIONS_DIR", str(ROOT / "expectations"))
        run_ids = [run_pipeline(source=str(path)).run_id for path in paths]
    return ThreeDays(url, run_ids, workdir)


@pytest.fixture(scope="module")
def served(days: ThreeDays) -> Iterator[tuple[str, Path]]:
    """`panel serve` on the three-day database."""
    env = {**os.environ, "DASHBOARD_DATABASE_URL": days.url, "DOCS_DIR": str(days.workdir / "docs")}
    log = days.workdir / "serve.log"
    with serve_dashboard(free_port(), env, log) as base:
        yield base, log


def test_all_loaded_data_counts_each_order_once_and_this_file_shows_the_files_own(
    browser: Browser, served: tuple[str, Path], days: ThreeDays
) -> None:
    """All loaded data: revenue = SQL over current_clean_sales; This file: the latest run's clean revenue."""
    from playwright.sync_api import expect

    base, log = served
    ledger = float(str(scalar(days.url, "SELECT SUM(revenue) FROM current_clean_sales")))
    latest = read_table(days.url, "clean_sales", days.run_ids[-1])["revenue"].astype(float).sum()
    resent = scalar(
        days.url,
        "SELECT COUNT(*) FROM validation_results WHERE run_id = :r AND details LIKE 'resent: %'",
        r=days.run_ids[-1],
    )
    assert int(str(resent)) > 0 and round(ledger, 2) != round(latest, 2)  # the last file resends earlier orders
    errors: list[str] = []
    page = open_page(browser, f"{base}/app", errors)
    try:
        expect(kpi(page, "revenue")).to_have_text(format_inr(round(ledger, 2)), timeout=WAIT_MS)
        expect(page.get_by_role("heading", name="What this file changed")).to_be_visible(timeout=WAIT_MS)
        expect(kpi(page, "Resent, quarantined")).to_have_text(str(resent), timeout=WAIT_MS)
        expect(page.get_by_role("heading", name="per month and quarter (all loaded data)")).to_be_visible(
            timeout=WAIT_MS
        )
        page.locator(".bk-btn", has_text="This file").first.click()
        expect(kpi(page, "revenue")).to_have_text(format_inr(round(latest, 2)), timeout=WAIT_MS)
        expect(page.get_by_role("heading", name="per month and quarter (this file)")).to_be_visible(timeout=WAIT_MS)
        page.locator(".bk-btn", has_text="All loaded data").first.click()
        expect(kpi(page, "revenue")).to_have_text(format_inr(round(ledger, 2)), timeout=WAIT_MS)
    finally:
        page.close()
    assert errors == []
    assert server_errors(log) == []
