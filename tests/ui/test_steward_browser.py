"""A steward works through an exception in the dashboard, in Chromium, on PostgreSQL with least-privilege roles.

A throwaway database gets sql/roles.sql and one real run as `pipeline_writer`. The dashboard reads as
`dashboard_reader` (DASHBOARD_DATABASE_URL); steward actions write through `steward_writer`
(STEWARD_DATABASE_URL), and only for a user signed in through `panel serve --basic-auth`.
"""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pytest

from panel_app.formatting import format_inr
from tests.integration.helpers import as_role, read_table
from tests.ui.conftest import ARTIFACTS, database_with_roles, free_port, serve_dashboard
from tests.ui.test_dashboard_browser import WAIT_MS, kpi, open_tab
from tests.ui.test_dashboard_datasets_browser import server_errors

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = [pytest.mark.postgres, pytest.mark.slow]
ROWS = 400
STEWARD, STEWARD_PASSWORD = "asha.rao", "Steward-Pw-77c1"
DAY_FIRST, SLASHED = re.compile(r"(\d{2})/(\d{2})/(\d{4})"), re.compile(r"(\d{4})/(\d{2})/(\d{2})")


@dataclass(frozen=True)
class StewardDatabase:
    """The database (admin URL), its one run, and where the test keeps its files."""

    url: str
    run_id: str
    workdir: Path


@pytest.fixture(scope="module")
def steward_db(
    browser: Browser, postgres_server: str, tmp_path_factory: pytest.TempPathFactory, prefect_harness: None
) -> Iterator[StewardDatabase]:
    """A throwaway database prepared by sql/roles.sql and filled by one run as pipeline_writer."""
    workdir = tmp_path_factory.mktemp("steward")
    with database_with_roles(postgres_server, "steward_test", workdir, ROWS, seed=47) as (url, summary):
        yield StewardDatabase(url, summary.run_id, workdir)


def dashboard_env(db: StewardDatabase, **extra: str) -> dict[str, str]:
    """The dashboard reading as dashboard_reader; DATABASE_URL leads nowhere, so nothing can write through it."""
    return {
        **os.environ,
        "DASHBOARD_DATABASE_URL": as_role(db.url, "dashboard_reader"),
        "DATABASE_URL": f"sqlite:///{db.workdir / 'absent.db'}",
        "DOCS_DIR": str(db.workdir / "docs"),
        "DATA_DIR": str(db.workdir / "data"),
        **extra,
    }


def day_first_exception(db: StewardDatabase) -> tuple[int, str, str]:
    """An exception failing only order-date rules, its date typed d/m/y or y/m/d: its id, order id and ISO date."""
    exceptions = read_table(db.url, "exceptions", db.run_id)
    for _, row in exceptions.sort_values("id").iterrows():
        raw = json.loads(row["raw_data"])
        errors = {f["rule"] for f in json.loads(row["error_details"]) if f["severity"] == "error"}
        typed = str(raw.get("order_date") or "")
        day_first, slashed = DAY_FIRST.fullmatch(typed), SLASHED.fullmatch(typed)
        if all(rule.startswith("order_date") for rule in errors) and (day_first or slashed):
            year, month, day = slashed.groups() if slashed else day_first.groups()[::-1]  # type: ignore[union-attr]
            return int(row["id"]), str(raw["order_id"]), f"{year}-{month}-{day}"
    raise AssertionError("the generated file has no slashed-date defect")


def sign_in(browser: Browser, base: str, errors: list[str]) -> Page:
    """Panel's login page, then the dashboard as the steward."""
    page = browser.new_page(viewport={"width": 1500, "height": 2300})
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{base}/app", wait_until="load")
    page.fill("input[name=username]", STEWARD)
    page.fill("input[name=password]", STEWARD_PASSWORD)
    page.click("button[type=submit], input[type=submit]")
    page.locator(".js-plotly-plot").first.wait_for(timeout=WAIT_MS)
    return page


def test_a_signed_in_steward_corrects_a_row_and_sees_it_promoted_with_their_name(
    browser: Browser, steward_db: StewardDatabase
) -> None:
    """Log in, find the row, correct its date: it is promoted, the history names the steward, revenue includes it."""
    from playwright.sync_api import expect

    db, (exception_id, order_id, iso_date) = steward_db, day_first_exception(steward_db)
    credentials = db.workdir / "stewards.json"
    credentials.write_text(json.dumps({STEWARD: STEWARD_PASSWORD}))
    writer = {"STEWARD_DATABASE_URL": as_role(db.url, "steward_writer")}
    writer["PANEL_COOKIE_SECRET"] = "steward-test-cookie-secret-0123456789"  # as `make dashboard-steward` expects it
    auth = ("--basic-auth", str(credentials))
    log, errors = db.workdir / "steward.log", list[str]()
    with serve_dashboard(free_port(), dashboard_env(db, **writer), log, auth) as base:
        page = sign_in(browser, base, errors)
        try:
            open_tab(page, "Exceptions")
            page.get_by_placeholder(re.compile("order id")).fill(order_id)
            page.keyboard.press("Enter")
            expect(page.get_by_text(re.compile(r"^rows 1–\d of \d$"))).to_be_visible(timeout=WAIT_MS)  # searched
            page.locator(".tabulator-row", has_text=order_id).first.click()
            card = page.locator(".card", has_text="One exception")
            expect(card.get_by_text(f"Exception {exception_id} ")).to_be_visible(timeout=WAIT_MS)
            expect(card.get_by_text(f"Acting as {STEWARD}")).to_be_visible()
            card.get_by_label("order_date").fill(iso_date)
            card.get_by_label("Note (required)").fill("date typed day first")
            started = time.perf_counter()
            card.get_by_role("button", name="Apply").click()
            expect(card.get_by_text("Done: promoted")).to_be_visible(timeout=WAIT_MS)
            latency = time.perf_counter() - started
            expect(card.get_by_text("status promoted")).to_be_visible(timeout=WAIT_MS)
            history = card.locator(".tabulator-row", has_text="correct")
            expect(history).to_contain_text(STEWARD)
            expect(history).to_contain_text(f"order_date = {iso_date}")
            card.get_by_label("Note (required)").fill("again")
            card.get_by_role("button", name="Apply").click()  # the exception is closed now: refused, and said so
            expect(card.get_by_text(re.compile("Refused: .*"))).to_be_visible(timeout=WAIT_MS)
            ARTIFACTS.mkdir(exist_ok=True)
            card.screenshot(path=str(ARTIFACTS / "steward_promoted.png"))
            open_tab(page, "Analytics")
            clean = read_table(db.url, "clean_sales", db.run_id)
            expect(kpi(page, "revenue")).to_have_text(format_inr(round(clean["revenue"].astype(float).sum(), 2)))
        finally:
            page.close()
    promoted = clean[clean["promoted_from_exception_id"] == exception_id]
    assert len(promoted) == 1 and str(promoted["order_date"].iloc[0])[:10] == iso_date
    events = read_table(db.url, "exception_events", db.run_id)
    assert events[["exception_id", "action", "user_name"]].values.tolist() == [[exception_id, "correct", STEWARD]]
    assert errors == [] and server_errors(log) == []
    print(f"dashboard action latency (click to promoted message, first action): {latency:.2f} s")


def test_without_sign_in_there_is_no_write_control(browser: Browser, steward_db: StewardDatabase) -> None:
    """Read-only without --basic-auth, even with a writer configured and a forged guest cookie (Panel would call
    that visitor "guest"): no action form, no upload; the template still downloads with the open exceptions."""
    from playwright.sync_api import expect

    db, errors = steward_db, list[str]()
    log = db.workdir / "read_only.log"
    writer = {"STEWARD_DATABASE_URL": as_role(db.url, "steward_writer"), "PANEL_COOKIE_SECRET": "x" * 32}
    with serve_dashboard(free_port(), dashboard_env(db, **writer), log) as base:
        context = browser.new_context(viewport={"width": 1500, "height": 2300})
        context.add_cookies([{"name": "is_guest", "value": "1", "url": base}])
        page = context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        page.goto(f"{base}/app", wait_until="load")
        page.locator(".js-plotly-plot").first.wait_for(timeout=WAIT_MS)
        try:
            open_tab(page, "Exceptions")
            card = page.locator(".card", has_text="One exception")
            expect(card.get_by_text("Read-only: nobody is signed in")).to_be_visible(timeout=WAIT_MS)
            assert page.get_by_role("button", name="Apply").count() == 0
            assert page.get_by_role("button", name="Apply uploaded file").count() == 0
            assert page.locator("input[type=file]").count() == 0
            with page.expect_download() as download:
                page.get_by_role("button", name=re.compile("corrections template")).click()
            template = pd.read_csv(download.value.path(), dtype=str, keep_default_na=False)
        finally:
            context.close()
    exceptions = read_table(db.url, "exceptions", db.run_id)
    still_open = exceptions[exceptions["status"] == "OPEN"]["id"].astype(str)
    assert list(template.columns[:3]) == ["exception_id", "action", "note"]
    assert sorted(template["exception_id"]) == sorted(still_open)
    assert errors == [] and server_errors(log) == []
