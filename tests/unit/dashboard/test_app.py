"""The assembled dashboard over the fake reader: tabs built when opened, notes in the dataset's words, state pages."""

from __future__ import annotations

from pathlib import Path

import panel as pn

from flows.settings import Settings
from panel_app.app import TABS, App, date_label, scope_note
from panel_app.data_store import DataStore
from panel_app.ports import DatabaseState
from panel_app.views import status
from tests.unit.dashboard.conftest import TEA
from tests.unit.dashboard.fakes import FakeDatabase, FakeReader

SETTINGS = Settings(docs_dir=Path("no-docs-here"), prefect_ui_url="http://127.0.0.1:4200")


def test_only_the_first_tab_is_built_until_another_is_opened(store: DataStore) -> None:
    """It builds the Analytics cards at once and the Controls cards only when their tab is opened."""
    app = App(store=store, settings=SETTINGS)
    assert "kpis" in app.views and "controls" not in app.views
    app.tabs.active = len(TABS) - 1
    assert {"controls", "failure_trend", "reconciliation"} <= set(app.views)
    body = app.body()
    assert isinstance(body, pn.Column) and app.tabs in body.objects


def test_notes_and_labels_use_the_datasets_words(store: DataStore) -> None:
    """It names the date, region and product filters and revenue in the note, and the date box after its field."""
    note = scope_note(TABS[0][1], store.presentation)
    assert "date, region and product filters" in note and "revenue per run" in note
    assert date_label(store.presentation) == "Order dates"


def test_an_unreachable_database_gets_a_page_with_the_masked_address(db: FakeDatabase) -> None:
    """It shows why instead of tabs, the password masked, and finds the database again on a reload."""
    db.state = DatabaseState("unreachable", "OperationalError: connection refused")
    store = DataStore(FakeReader(db, TEA))
    page = status.state_page(store.state, store.reader.masked_url, pn.widgets.Button(label="Check again"))
    assert isinstance(page, pn.Card) and page.title == "Database unreachable"
    assert "fake://dashboard:***@memory" in page.objects[0].object and "connection refused" in page.objects[0].object
    db.state = DatabaseState("ok")
    store.reload()
    assert store.state.kind == "ok" and store.run_id == "tea-2"


def test_an_empty_database_gets_a_page_explaining_make_demo() -> None:
    """It explains how to fill a database that has no run at all."""
    store = DataStore(FakeReader(FakeDatabase({}), TEA))
    page = status.state_page(store.state, store.reader.masked_url, pn.widgets.Button(label="Check again"))
    assert isinstance(page, pn.Card) and page.title == "No pipeline runs yet" and "make demo" in page.objects[0].object
