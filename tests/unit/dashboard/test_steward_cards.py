"""Working through exceptions in the dashboard, over the fake reader: the status filter, one exception in full
with its history, the corrections template, and no write control unless a signed-in user has a writer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import panel as pn

from flows.settings import Settings
from panel_app.access import READ_ONLY, StewardAccess
from panel_app.data_store import DataStore
from panel_app.views import corrections, exceptions, history
from tests.unit.dashboard.conftest import TEA
from tests.unit.dashboard.fakes import FakeDatabase


def _buttons(view: object) -> list[str]:
    """The labels of every button a card shows."""
    shown = pn.panel(view)
    return [b.label for b in shown.select(pn.widgets.Button)]


def _mark(db: FakeDatabase, statuses: dict[int, str]) -> None:
    """Give some of the selected run's exceptions (by record id) another status."""
    rows = db.datasets[TEA].exceptions["tea-2"]
    rows["status"] = rows["record_id"].map(statuses).fillna("OPEN")


def test_the_status_filter_lists_only_exceptions_in_that_status(db: FakeDatabase, store: DataStore) -> None:
    """Promoted rows leave the open list; the status column and the `open for` age say where each stands."""
    first_ids = exceptions.ExceptionTable(store=store).rows()["record_id"].tolist()[:3]
    _mark(db, {first_ids[0]: "PROMOTED", first_ids[1]: "DISMISSED"})
    table = exceptions.ExceptionTable(store=store)
    store.status = "promoted"
    assert table.rows()["record_id"].tolist() == [first_ids[0]] and table.rows()["open for"].tolist() == [""]
    store.status = "open"
    assert (
        first_ids[0] not in table.rows()["record_id"].tolist()
        and table.total() == len(db.datasets[TEA].exceptions["tea-2"]) - 2
    )
    assert set(table.rows()["status"]) == {"open"}


def test_a_picked_exception_shows_its_reasons_and_history(db: FakeDatabase, store: DataStore) -> None:
    """Clicking a row picks it; the card names its status and lists its events with the steward's name."""
    table = exceptions.ExceptionTable(store=store)
    picked = int(table.rows()["exception"].iloc[1])
    db.datasets[TEA].history[picked] = pd.DataFrame(
        {
            "event_id": [1],
            "created_at": [pd.Timestamp(dt.datetime(2026, 12, 1, 9, 30), tz="UTC")],
            "action": ["correct"],
            "status_after": ["OPEN"],
            "user_name": ["asha"],
            "note": ["tried the region"],
            "corrected_values": [{"region": "Mars"}],
            "findings": [[{"rule": "region_in_set"}]],
        }
    )
    card = history.ExceptionHistory(store=store)
    assert "Click a quarantined row" in card.summary()
    table.data.table.selection = [1]
    assert store.picked == picked and f"Exception <b>{picked}</b>" in card.summary()
    events = card.history()
    assert events[["user_name", "corrected values", "still fails"]].values.tolist() == [
        ["asha", "region = Mars", "region_in_set"]
    ]
    store.picked = 999_999
    assert "not one of this run" in card.summary() and card.history().empty


def test_without_a_signed_in_steward_there_is_no_write_control(store: DataStore) -> None:
    """Read-only: no Apply, no upload; it says why. A signed-in user without a writer is read-only too."""
    for access in (READ_ONLY, StewardAccess.of(Settings(steward_database_url=None), "asha")):
        assert not access.can_write
        assert "Apply" not in _buttons(history.ExceptionHistory(store=store, access=access))
        files = pn.panel(corrections.CorrectionsFiles(store=store, access=access))
        assert not files.select(pn.widgets.FileInput) and "Apply uploaded file" not in _buttons(files)
    assert "nobody is signed in" in READ_ONLY.read_only_reason()
    assert "STEWARD_DATABASE_URL" in StewardAccess.of(Settings(steward_database_url=None), "asha").read_only_reason()


def test_the_template_holds_the_run_s_open_exceptions(db: FakeDatabase, store: DataStore) -> None:
    """exception_id, action, note, then the source fields; closed exceptions are left out."""
    first = int(exceptions.ExceptionTable(store=store).rows()["record_id"].iloc[0])
    _mark(db, {first: "PROMOTED"})
    template = pd.read_csv(corrections.CorrectionsFiles(store=store).template(), dtype=str, keep_default_na=False)
    assert list(template.columns[:3]) == ["exception_id", "action", "note"]
    assert str(first) not in set(template["exception_id"])
    assert len(template) == len(db.datasets[TEA].exceptions["tea-2"]) - 1
    assert corrections.template_name("abcdef1234") == "corrections_abcdef12.csv"


def test_outcome_messages_say_what_an_action_led_to() -> None:
    """Promoted, still open (a warning), or refused with its reason."""
    from flows.service import ReplayOutcome
    from flows.stages.corrections import Refusal

    promoted = ReplayOutcome("r1234567x", "APPLIED", applied=1, promoted=1)
    assert history.outcome_message(promoted, 1.25) == ("Done: promoted (1.2 s, replay r1234567)", "info")
    still = ReplayOutcome("r1234567x", "APPLIED", applied=1, still_open=1)
    assert history.outcome_message(still, 1.0)[1] == "warning"
    other_suite = ReplayOutcome("r1", "APPLIED", applied=1, promoted=1, suite_notes=("run r0 was loaded with v1",))
    assert history.outcome_message(other_suite, 1.0)[0].endswith("Note: run r0 was loaded with v1")
    refused = ReplayOutcome("r1", "APPLIED", refused=(Refusal(2, "7", "exception 7 is PROMOTED, not open"),))
    assert history.outcome_message(refused, 0.5)[0].startswith("Refused: exception 7 is PROMOTED")
    said, kind = corrections.upload_summary(
        ReplayOutcome("r1", "APPLIED", applied=2, promoted=2, refused=refused.refused), 2.0
    )
    assert "promoted 2" in said and "line 2 (exception 7)" in said and kind == "warning"


def test_only_a_cookie_panel_signed_names_a_user(tmp_path: Path) -> None:
    """The signed `user` cookie names the steward; a guest cookie, a forged or foreign signature, no cookie secret,
    or a shared password instead of a credentials file name nobody."""
    from tornado.web import create_signed_value

    from panel_app.access import signed_in_user

    secret, stewards = "s3cret-cookie-key", tmp_path / "stewards.json"
    stewards.write_text('{"asha": "pw"}')
    signed = create_signed_value(secret, "user", "asha").decode()
    assert signed_in_user({"user": signed}, secret, str(stewards)) == "asha"
    assert signed_in_user({"user": signed}, secret, None) == "asha"  # OAuth: no credentials file
    assert signed_in_user({"user": signed, "is_guest": "1"}, secret, str(stewards)) is None
    assert signed_in_user({"is_guest": "1"}, secret, str(stewards)) is None
    assert signed_in_user({"user": "asha"}, secret, str(stewards)) is None  # not signed
    assert signed_in_user({"user": create_signed_value("other", "user", "asha").decode()}, secret, None) is None
    assert signed_in_user({"user": signed}, None, str(stewards)) is None
    assert signed_in_user({"user": signed}, secret, "one-shared-password") is None
