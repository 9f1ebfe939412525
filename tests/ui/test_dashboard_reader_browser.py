"""The dashboard as `dashboard_reader` (sql/roles.sql) on PostgreSQL: every tab draws with data, and no error.

A throwaway database gets the roles, one real run of a few hundred generated rows as `pipeline_writer`,
then `panel serve` reads it through DASHBOARD_DATABASE_URL as the read-only role.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from panel_app.formatting import format_inr
from tests.integration.helpers import as_role, read_table
from tests.ui.conftest import database_with_roles, free_port, serve_dashboard
from tests.ui.test_dashboard_browser import WAIT_MS, kpi, open_tab
from tests.ui.test_dashboard_datasets_browser import every_tab, open_page, server_errors

if TYPE_CHECKING:
    from playwright.sync_api import Browser

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
ROWS = 300
PASSWORD = "Reader-Pw-5e1c0d"  # the test server trusts local logins; the page and log must never show it


@dataclass(frozen=True)
class ReaderDatabase:
    """The database (admin URL), its one run and how many rows that run quarantined."""

    url: str
    run_id: str
    exceptions: int
    workdir: Path


@pytest.fixture(scope="module")
def reader_db(
    browser: Browser, postgres_server: str, tmp_path_factory: pytest.TempPathFactory, prefect_harness: None
) -> Iterator[ReaderDatabase]:
    """A throwaway database prepared by sql/roles.sql and filled by one run as pipeline_writer."""
    workdir = tmp_path_factory.mktemp("reader-role")
    with database_with_roles(postgres_server, "reader_test", workdir, ROWS, seed=31) as (url, summary):
        yield ReaderDatabase(url, summary.run_id, summary.exception_count, workdir)


@pytest.fixture(scope="module")
def served(reader_db: ReaderDatabase) -> Iterator[tuple[str, Path]]:
    """`panel serve` reading only through DASHBOARD_DATABASE_URL as dashboard_reader (DATABASE_URL leads nowhere)."""
    env = {
        **os.environ,
        "DASHBOARD_DATABASE_URL": as_role(reader_db.url, "dashboard_reader", PASSWORD),
        "DATABASE_URL": f"sqlite:///{reader_db.workdir / 'absent.db'}",
        "DOCS_DIR": str(reader_db.workdir / "docs"),
    }
    log = reader_db.workdir / "serve.log"
    with serve_dashboard(free_port(), env, log) as base:
        yield base, log


def test_every_tab_renders_with_data_as_the_read_only_role(
    browser: Browser, served: tuple[str, Path], reader_db: ReaderDatabase
) -> None:
    """It shows the run's revenue, draws every tab's charts, lists the quarantined rows; no error, no password."""
    from playwright.sync_api import expect

    base, log = served
    errors: list[str] = []
    page = open_page(browser, f"{base}/app", errors)
    try:
        clean = read_table(reader_db.url, "clean_sales", reader_db.run_id)
        revenue = format_inr(round(clean["revenue"].astype(float).sum(), 2))
        expect(kpi(page, "revenue")).to_have_text(revenue, timeout=WAIT_MS)
        every_tab(page, "reader_role")
        open_tab(page, "Exceptions")
        expect(page.get_by_text(re.compile(rf"rows 1–\d+ of {reader_db.exceptions}$"))).to_be_visible(timeout=WAIT_MS)
        shown = page.content()
    finally:
        page.close()
    assert errors == []
    assert server_errors(log) == []
    assert not re.search(r"permission denied|read-only transaction|Traceback", shown + log.read_text())
    assert PASSWORD not in shown + log.read_text()
