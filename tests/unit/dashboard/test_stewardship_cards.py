"""Stewardship cards over the fake reader: exceptions resolved per run, steward actions per day, and the notes that
a run's clean figures include promoted rows (with the way to their events)."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from panel_app.app import TABS, App
from panel_app.data_store import DataStore
from panel_app.metrics.stewardship import PromotedRows, daily_outcomes
from panel_app.views import analytics, controls, quality, stewardship
from tests.unit.dashboard.conftest import LAB, TEA
from tests.unit.dashboard.fakes import FakeDatabase, FakeReader
from tests.unit.dashboard.results import lab, stewarded_tea
from tests.unit.dashboard.test_app import SETTINGS


@pytest.fixture
def store() -> DataStore:
    """A DataStore on the tea orders after stewards promoted 9 of tea-2's exceptions."""
    return DataStore(FakeReader(FakeDatabase({TEA: stewarded_tea(), LAB: lab()}), TEA))


def test_the_table_has_each_completed_run_newest_first_with_the_share_resolved(store: DataStore) -> None:
    """It lists tea-2 then tea-1 with their outcomes as stored, and (promoted + dismissed) / quarantined."""
    frame = stewardship.ResolutionsPerRun(store=store).frame()
    assert frame["run_id"].tolist() == ["tea-2", "tea-1"]
    stored = stewarded_tea().resolutions.set_index("run_id").loc["tea-2"]
    latest = frame.iloc[0]
    assert [latest[c] for c in ("quarantined", "open", "dismissed")] == [32, 20, 3]
    assert latest["promoted_by_correction"] == stored["promoted_by_correction"] == 6
    assert latest["promoted_by_waiver"] == 3
    assert latest["resolved_pct"] == pytest.approx(round(100 * (9 + 3) / 32, 1))
    assert frame.iloc[1]["resolved_pct"] == 0.0


def test_the_bars_stack_outcomes_per_run_oldest_first_and_outline_the_selected_run(store: DataStore) -> None:
    """It stacks corrected, waived, dismissed and open records per run, with the share resolved as a line."""
    figure = stewardship.ResolutionsPerRun(store=store).figure()
    bars, line = figure.data[:4], figure.data[4]
    assert [b.name for b in bars] == ["corrected → promoted", "waived → promoted", "dismissed", "still open"]
    assert [list(b.y) for b in bars] == [[0, 6], [0, 3], [0, 3], [10, 20]]
    assert list(line.y) == [0.0, 37.5] and list(bars[0].marker.line.width) == [0, 3]


def test_a_dataset_without_steward_actions_has_zeros_and_an_empty_chart(lab_store: DataStore) -> None:
    """It gives every completed lab run a row of zeros (no share resolved without quarantined records)."""
    frame = stewardship.ResolutionsPerRun(store=lab_store).frame()
    assert frame["run_id"].tolist() == ["lab-2", "lab-1"] and frame["quarantined"].tolist() == [0, 0]
    assert all(math.isnan(v) for v in frame["resolved_pct"])
    figure = stewardship.ResolutionsOverTime(store=lab_store).figure()
    assert figure.layout.annotations[0].text == "No steward action yet"
    assert stewardship.PromotedNote(store=lab_store).markup() == ""


def test_actions_per_day_are_stacked_by_what_they_led_to(store: DataStore) -> None:
    """It draws each day's events per outcome, a correction still failing apart from one promoted."""
    figure = stewardship.ResolutionsOverTime(store=store).figure()
    drawn = {trace.name: list(trace.y) for trace in figure.data}
    assert drawn == {
        "corrected → promoted": [5, 0, 1],
        "waived → promoted": [4, 0, 0],
        "dismissed": [0, 3, 0],
        "corrected, still failing": [2, 0, 0],
        "reopened": [0, 0, 1],
    }
    assert [pd.Timestamp(x).date().isoformat() for x in figure.data[0].x] == ["2024-03-09", "2024-03-10", "2024-03-11"]


def test_an_unknown_pair_of_action_and_status_is_still_drawn() -> None:
    """It names an (action, status after) it does not know by both, rather than dropping the events."""
    days = pd.DataFrame([("2024-01-01", "waive", "OPEN", 2)], columns=["day", "action", "status_after", "events"])
    assert daily_outcomes(days).to_dict("list") == {"waive → open": [2]}


def test_the_analytics_kpis_say_they_include_promoted_rows_and_lead_to_their_events(store: DataStore) -> None:
    """It writes how many of the run's clean rows stewards promoted and how; the button calls the hook."""
    opened: list[str] = []
    card = analytics.AnalyticsKpis(store=store, show_events=lambda: opened.append("events"))
    note = card.note
    assert "includes 9 rows promoted by stewards (6 corrected, 3 waived)" in note.markup()
    assert note.layout.visible and note.button.visible
    note.button.clicks += 1
    assert opened == ["events"]
    store.run_id = "tea-1"  # nothing of tea-1 was promoted
    assert note.markup() == "" and not note.layout.visible


def test_without_a_hook_the_note_has_no_button(store: DataStore) -> None:
    """It still writes the note but offers no button when nothing can show the events."""
    note = stewardship.PromotedNote(store=store)
    assert note.layout.visible and not note.button.visible


def test_one_promoted_row_is_written_in_the_singular() -> None:
    """It says `1 row`, with the numbers written as asked."""
    assert PromotedRows(1, 0, 1).note() == "includes 1 row promoted by stewards (0 corrected, 1 waived)"
    assert "12,345 rows" in PromotedRows(12345, 12345, 0).note(lambda n: f"{n:,}")


def test_the_quality_tiles_say_the_clean_count_includes_promoted_rows(store: DataStore) -> None:
    """It writes the promoted rows under the clean and quarantined counts of tea-2 and how they reconcile, and
    nothing of the kind for tea-1."""
    markup = quality.QualityKpis(store=store).markup()
    assert "12,34,544" in markup and "incl. 9 promoted by stewards" in markup
    assert "9 since promoted to clean" in markup and "raw = clean + quarantined − promoted" in markup
    store.run_id = "tea-1"
    markup = quality.QualityKpis(store=store).markup()
    assert "promoted" not in markup and "raw = clean + quarantined" in markup


def test_the_donut_draws_promoted_rows_once_as_their_own_slice(store: DataStore) -> None:
    """It splits tea-2's records received into clean as loaded, promoted and still quarantined."""
    pie = quality.CleanSplit(store=store).figure().data[0]
    assert list(pie.labels) == ["Clean", "Promoted by stewards", "Quarantined"]
    assert list(pie.values) == [1_234_535, 9, 23] and sum(pie.values) == 1_234_567


def test_quality_across_runs_counts_promoted_rows_as_clean_only(store: DataStore) -> None:
    """It stacks tea-2's clean count (with the promoted rows) on its still quarantined ones: the records received."""
    clean, quarantined, _ = quality.QualityTrend(store=store).figure().data
    assert list(clean.y) == [1990, 1_234_544] and list(quarantined.y) == [10, 23]


def test_the_app_builds_the_stewardship_cards_and_the_note_opens_the_exceptions_tab(store: DataStore) -> None:
    """It builds both cards with the Data Quality tab, and the KPI note's button opens the Exceptions tab."""
    app = App(store=store, settings=SETTINGS)
    titles = [title for title, *_ in TABS]
    app.tabs.active = titles.index("Data Quality")
    assert {"resolved_per_run", "resolutions_over_time", "quality_trend"} <= set(app.views)
    app.tabs.active = titles.index("Analytics")
    kpis = app.views["kpis"]
    assert isinstance(kpis, analytics.AnalyticsKpis)
    kpis.note.button.clicks += 1
    assert app.tabs.active == titles.index("Exceptions")


def test_reconciliation_counts_promoted_rows_once(store: DataStore) -> None:
    """It adds tea-2's promoted rows as their own column and leaves nothing unaccounted."""
    table = controls.Reconciliation(store=store).frame().set_index("run_id")
    columns = ["raw", "clean", "quarantined", "promoted", "unaccounted"]
    assert table.loc["tea-2", columns].tolist() == [1_234_567, 1_234_544, 32, 9, 0]
    assert table.loc["tea-1", ["promoted", "unaccounted"]].tolist() == [0, 0]
    assert pd.isna(table.loc["tea-3", "unaccounted"]) and table.loc["tea-3", "promoted"] == 0
