"""The stewardship cards and notes without a browser, on a database where real replays promoted rows.

Expected numbers come from the stored rows (clean_sales lineage, exception_events) with pandas.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from flows.exceptions import main
from flows.settings import Settings
from panel_app.app import TABS, App
from panel_app.data_store import DataStore
from panel_app.reader import Reader
from panel_app.selection import THIS_FILE
from panel_app.views.analytics import AnalyticsKpis
from tests.conftest import ROOT
from tests.integration.helpers import read_table
from tests.integration.stewarding import EVENTS, steward_runs

pytestmark = pytest.mark.usefixtures("prefect_harness")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_run_with_promoted_rows_says_so_on_both_tabs_and_leads_to_the_exceptions(
    pipeline_env: str, tmp_path: Path
) -> None:
    """The KPIs count the promoted rows in, say how many and how, and the button opens the Exceptions tab; the
    Data Quality cards show the run's outcomes and every steward event."""
    runs = steward_runs(tmp_path)
    clean = read_table(pipeline_env, "clean_sales", runs.first)
    promoted = clean.dropna(subset=["promotion_event_id"])
    actions = read_table(pipeline_env, "exception_events").set_index("id").loc[promoted["promotion_event_id"], "action"]
    corrected, waived = int((actions == "correct").sum()), int((actions == "waive").sum())
    settings = Settings(docs_dir=tmp_path / "docs", prefect_ui_url="http://127.0.0.1:4200")
    store = DataStore(Reader(pipeline_env, "sales"), expectations_dir=ROOT / "expectations", scope=THIS_FILE)
    app = App(store=store, settings=settings)
    app.ds.run_id = runs.first

    kpis = app.views["kpis"]
    assert isinstance(kpis, AnalyticsKpis)
    assert kpis.values()["record_count"] == len(clean)  # the analytics count the promoted rows in
    note = f"includes {len(promoted)} rows promoted by stewards ({corrected} corrected, {waived} waived)"
    assert (corrected, waived) == (3, 1) and note in kpis.note.markup() and kpis.note.button.visible
    assert f"incl. {len(promoted)} promoted by stewards" in app.views["quality"].markup()
    kpis.note.button.clicks += 1
    titles = [title for title, *_ in TABS]
    assert app.tabs.active == titles.index("Exceptions")

    app.tabs.active = titles.index("Data Quality")
    table = app.views["resolved_per_run"].frame().set_index("run_id")
    exceptions = read_table(pipeline_env, "exceptions", runs.first)["status"].value_counts()
    expected = [exceptions.sum(), exceptions["OPEN"], exceptions["DISMISSED"]]
    assert table.loc[runs.first, ["quarantined", "open", "dismissed"]].tolist() == expected
    assert table.loc[runs.first, ["promoted_by_correction", "promoted_by_waiver"]].tolist() == [corrected, waived]
    bars = app.views["resolutions_over_time"].figure().data
    assert sum(sum(trace.y) for trace in bars) == EVENTS
    raw = len(read_table(pipeline_env, "raw_sales", runs.first))
    pie = app.views["split"].figure().data[0]
    assert list(pie.values) == [len(clean) - len(promoted), len(promoted), exceptions.sum() - len(promoted)]
    assert sum(pie.values) == raw
    clean_bars, quarantined_bars, *_ = app.views["quality_trend"].figure().data  # and alert markers: tiny files
    assert clean_bars.y[0] + quarantined_bars.y[0] == raw  # the first run is the oldest
    app.tabs.active = titles.index("Controls Summary")
    reconciled = app.views["reconciliation"].frame().set_index("run_id")
    assert reconciled.loc[runs.first, ["promoted", "unaccounted"]].tolist() == [len(promoted), 0]

    app.ds.run_id = runs.clean  # nothing promoted there: no note
    assert kpis.note.markup() == "" and not kpis.note.layout.visible
    assert pd.isna(app.views["resolved_per_run"].frame().set_index("run_id").loc[runs.clean, "resolved_pct"])


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_replay_after_the_analytics_were_read_shows_once_the_run_list_is_re_read(
    pipeline_env: str, tmp_path: Path
) -> None:
    """The reader caches a run's analytics per replay: reopening a promoted row shows fewer records after a refresh."""
    runs = steward_runs(tmp_path)
    reader = Reader(pipeline_env, "sales", ROOT / "expectations")
    before = reader.grain(runs.first)["record_count"].sum()
    clean = read_table(pipeline_env, "clean_sales", runs.first).set_index("order_id")
    reopen = pd.DataFrame(
        {"exception_id": [int(clean.loc["ORD-9000000", "promoted_from_exception_id"])], "action": ["reopen"]}
    ).assign(note="not a refund after all, again")
    reopen.to_csv(tmp_path / "reopen.csv", index=False)
    assert main(["apply", str(tmp_path / "reopen.csv"), "--user", "asha"]) == 0
    assert reader.grain(runs.first)["record_count"].sum() == before  # the run list is still the cached one
    reader.refresh()
    assert reader.grain(runs.first)["record_count"].sum() == before - 1 == len(clean) - 1
