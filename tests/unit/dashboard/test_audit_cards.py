"""Audit Trail cards over the fake reader: the run record, its stages, and every run."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from panel_app.data_store import DataStore
from panel_app.views import audit, status
from tests.unit.dashboard.results import HOSTILE_NAME, tea


def test_the_run_record_writes_counts_with_the_datasets_grouping_and_links_prefect(store: DataStore) -> None:
    """It writes tea counts and size the Indian way, the file name escaped, a Prefect link and no Data Docs."""
    markup = audit.RunDetails(
        store=store, docs_dir=Path("no-docs-here"), prefect_ui_url="http://127.0.0.1:4200"
    ).markup()
    assert "12,34,567 received = 12,34,535 clean + 32 quarantined · 1,500 warnings" in markup
    assert "23,45,678 bytes" in markup and "<img" not in markup and "&lt;img src=x" in markup
    assert 'href="http://127.0.0.1:4200/runs/flow-run/flow-tea-2"' in markup and "not available" in markup


def test_the_run_record_of_a_euro_dataset_groups_in_threes(lab_store: DataStore) -> None:
    """It groups the lab run's counts and size in threes."""
    markup = audit.RunDetails(store=lab_store).markup()
    assert "1,234,567 received = 1,234,566 clean + 1 quarantined" in markup and "2,345,678 bytes" in markup


def test_a_rejected_run_shows_its_reason_and_no_counts(store: DataStore) -> None:
    """It says why in the banner and the record, and still lists the stages."""
    store.run_id = "tea-3"
    assert "missing required columns: revenue" in status.RunBanner(store=store).markup()
    markup = audit.RunDetails(store=store).markup()
    assert "<dt>Records</dt><dd>–</dd>" in markup and "not reconciled (REJECTED)" in markup
    assert audit.StageEvents(store=store).frame()["stage"].tolist() == ["ingest"]


def test_the_stages_are_drawn_and_listed_with_their_counts(store: DataStore, lab_store: DataStore) -> None:
    """It lists and draws each stage's records in and out and duration, labelled with the dataset's grouping."""
    events = tea().audit["tea-2"]
    ends = events[events["event"] == "end"].set_index("stage")
    table = audit.StageEvents(store=store).frame().set_index("stage")
    assert table["records_out"].to_dict() == ends["records_out"].to_dict()
    assert table.loc["ingest", "started_utc"] == "2024-03-08 09:00:00.000"
    bars = audit.StageTimeline(store=store).figure().data[0]
    assert list(bars.y) == ["ingest", "validate", "load"] and bars.text[1] == "12,34,567 → 12,34,567 rows · 12,345 ms"
    assert audit.StageTimeline(store=lab_store).figure().data[0].text[0] == "1,234,567 → 1,234,567 rows · 1,500 ms"


def test_the_history_lists_every_run_and_the_stage_time_of_each(store: DataStore) -> None:
    """It lists all four runs newest first and draws each finished run's stage durations."""
    history = audit.RunHistory(store=store)
    assert history.runs()["run_id"].tolist() == ["tea-3", "tea-2", "tea-1", "tea-0"]
    figure = history.figure()
    ends = pd.concat(e[e["event"] == "end"] for e in tea().audit.values())
    assert {trace.name for trace in figure.data} == set(ends["stage"])
    assert len(figure.data[0].y) == len(tea().audit)


def test_the_selection_line_names_the_dataset_run_and_filters(store: DataStore) -> None:
    """It names the dataset, the run (escaped), its comparison and each dimension's filter."""
    store.set_filter("region", ["North"])
    markup = status.Selection(store=store).markup()
    assert "<b>Tea orders</b>" in markup and "<b>region</b> North" in markup and "<b>product</b> all" in markup
    assert HOSTILE_NAME not in markup and "tea-1.csv" in markup
