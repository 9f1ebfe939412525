"""Data Docs in a real browser (Debian's Chromium, driven by Playwright), opened from file:// with no network: the
site's index of two runs, and a run's own page (the one the dashboard links)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd
import pytest

from flows.dataset import load_dataset
from flows.stages.validate import validation_view
from flows.validation.runner import SuiteRunner
from tests.factories import EXPECTATIONS_DIR, make_frame
from tests.ui.conftest import ARTIFACTS

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Dialog, Page

pytestmark = pytest.mark.slow

FIRST_ID = 7001
SCRIPT = "<script>alert(1)</script>"
BAD_ROWS = [{"product": SCRIPT}, {"region": "Nort"}, {"quantity": ""}]
BAD_IDS = ("7004", "7005", "7006")
VALIDATION_ROW = "tr.clickable-row[data-href*='validations/']"  # bootstrap-table rows link by click handler
INDEX_LINK = "a.validation-link"  # the site index's link to a validation page
BOOTSTRAP_ALERT_SECONDARY = "rgb(226, 227, 229)"  # Bootstrap 4.3.1's .alert-secondary; unstyled it is transparent


@dataclass
class Visit:
    """A page opened in the browser, with everything it requested and every alert it raised."""

    page: Page
    requests: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def remote_requests(self) -> list[str]:
        """Requests that would have left the machine."""
        return [url for url in self.requests if url.startswith(("http://", "https://"))]


@pytest.fixture(scope="module")
def index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A run's page (its index.html) in a site of two runs: three good rows and three bad ones validated by the
    committed suite, then a later run of four good rows."""
    validator = SuiteRunner(load_dataset("sales", EXPECTATIONS_DIR).suite)
    frame = make_frame(3, BAD_ROWS)
    outcome = validator.validate(validation_view(frame, pd.Series(range(FIRST_ID, FIRST_ID + len(frame)))))
    root = tmp_path_factory.mktemp("docs")
    run_page = validator.build_docs([("sales: day<1>.csv, rows 1-5", outcome.docs_result)], root, "run-browser")
    later = validator.validate(validation_view(make_frame(4), pd.Series(range(1, 5))))
    validator.build_docs([("sales: day2.csv, rows 1-4", later.docs_result)], root, "run-browser-2")
    return run_page


@contextmanager
def opened(browser: Browser, url: str) -> Iterator[Visit]:
    """Open `url` in a fresh light-mode page, recording requests, failures and dialogs until the fonts are in."""
    page = browser.new_page(viewport={"width": 1400, "height": 1000}, color_scheme="light")
    visit = Visit(page=page)
    page.on("request", lambda request: visit.requests.append(request.url))
    page.on("requestfailed", lambda request: visit.failed.append(request.url))

    def record_dialog(dialog: Dialog) -> None:
        visit.dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", record_dialog)
    try:
        page.goto(url, wait_until="load")
        page.evaluate("document.fonts.ready.then(() => true)")
        yield visit
    finally:
        page.close()


def test_the_site_index_lists_both_runs_and_opens_a_page_with_no_network_request(browser: Browser, index: Path) -> None:
    """From file://, the site's index renders styled (Bootstrap, bootstrap-table, Font Awesome from static/), lists
    the later run first, and its link opens the earlier run's validation page (with vega), all without network."""
    ARTIFACTS.mkdir(exist_ok=True)
    with opened(browser, (index.parent.parent / "index.html").as_uri()) as visit:
        page = visit.page
        header = page.locator(".alert-secondary").first
        assert header.evaluate("e => getComputedStyle(e).backgroundColor") == BOOTSTRAP_ALERT_SECONDARY
        loaded_fonts = page.evaluate("[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)")
        assert any("Font Awesome" in family for family in loaded_fonts), loaded_fonts
        assert page.evaluate("typeof jQuery === 'function' && typeof jQuery.fn.bootstrapTable === 'function'")
        assert page.locator(".bootstrap-table").first.is_visible()
        assert page.locator(INDEX_LINK).all_inner_texts() == [
            "sales: day2.csv, rows 1-4",
            "sales: day<1>.csv, rows 1-5",
        ]
        page.screenshot(path=str(ARTIFACTS / "data_docs_site_index.png"))
        with page.expect_navigation(wait_until="load"):
            page.locator(INDEX_LINK).last.click()
        assert "/run-browser/validations/" in page.url
        page.evaluate("document.fonts.ready.then(() => true)")
        assert page.evaluate("typeof vega === 'object' && typeof vegaEmbed === 'function'")
        assert page.get_by_text(BAD_IDS[0], exact=True).first.is_visible()
        assert visit.requests and all(url.startswith("file://") for url in visit.requests), visit.requests
        assert visit.failed == [] and visit.dialogs == []


def test_the_run_page_renders_styled_with_no_network_request(browser: Browser, index: Path) -> None:
    """From file://, every request stays local and Bootstrap, bootstrap-table, font-awesome and jQuery all load
    from the site's shared static/ folder."""
    ARTIFACTS.mkdir(exist_ok=True)
    with opened(browser, index.as_uri()) as visit:
        page = visit.page
        assert visit.requests and all(url.startswith("file://") for url in visit.requests), visit.requests
        assert visit.remote_requests() == []
        assert visit.failed == []
        header = page.locator(".alert-secondary").first
        assert header.evaluate("e => getComputedStyle(e).backgroundColor") == BOOTSTRAP_ALERT_SECONDARY
        loaded_fonts = page.evaluate("[...document.fonts].filter(f => f.status === 'loaded').map(f => f.family)")
        assert any("Font Awesome" in family for family in loaded_fonts), loaded_fonts
        assert page.evaluate("typeof jQuery === 'function' && typeof jQuery.fn.bootstrapTable === 'function'")
        assert page.evaluate("typeof vega === 'object' && typeof vegaEmbed === 'function'")
        assert page.locator(".bootstrap-table").first.is_visible()  # the JS table plugin rebuilt the table
        assert page.locator(VALIDATION_ROW).first.is_visible()
        page.screenshot(path=str(ARTIFACTS / "data_docs.png"))


def test_the_validation_page_shows_failing_record_ids_and_escaped_values(browser: Browser, index: Path) -> None:
    """Clicking the run's row opens a page listing the bad rows' record ids and showing a script value as text."""
    ARTIFACTS.mkdir(exist_ok=True)
    with opened(browser, index.as_uri()) as visit:
        page = visit.page
        with page.expect_navigation(wait_until="load"):
            page.locator(VALIDATION_ROW).first.click()
        assert "/validations/" in page.url
        assert page.locator("th", has_text="record_id").first.is_visible()
        for record_id in BAD_IDS:
            assert page.get_by_text(record_id, exact=True).first.is_visible(), record_id
        script_cell = page.get_by_text(SCRIPT, exact=True)
        script_cell.scroll_into_view_if_needed()
        assert script_cell.is_visible()
        assert visit.dialogs == []
        assert visit.remote_requests() == []
        assert visit.failed == []
        page.screenshot(path=str(ARTIFACTS / "data_docs_validation.png"))
