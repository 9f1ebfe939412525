"""The read of steward resolutions after real replays, on SQLite and PostgreSQL, against an independent count:
statuses from the exceptions table, and how each row was promoted from its clean row's promotion event."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from flows.constants import RunStatus
from flows.storage.engine import get_engine
from flows.storage.read import RESOLUTION_COLUMNS, connect, resolution_days, resolutions
from panel_app.reader import Reader
from tests.conftest import ROOT
from tests.integration.helpers import read_table
from tests.integration.stewarding import EVENTS, steward_runs

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _expected(url: str) -> pd.DataFrame:
    """The resolutions counted with pandas: statuses per run, and corrected/waived from the clean rows' lineage."""
    runs = read_table(url, "pipeline_runs")
    done = runs[runs["status"] == RunStatus.COMPLETED]
    done = done.assign(started_at=pd.to_datetime(done["started_at"], utc=True)).sort_values("started_at")
    exceptions, events = read_table(url, "exceptions"), read_table(url, "exception_events").set_index("id")
    clean = read_table(url, "clean_sales").dropna(subset=["promotion_event_id"])
    how = events.loc[clean["promotion_event_id"].astype(int), "action"].to_numpy()
    rows = []
    for run_id in done["run_id"]:
        status = exceptions.loc[exceptions["run_id"] == run_id, "status"].value_counts()
        actions = pd.Series(how[(clean["run_id"] == run_id).to_numpy()]).value_counts()
        counts = [status.get(s, 0) for s in ("OPEN", "PROMOTED", "DISMISSED")]
        rows.append([run_id, sum(counts), *counts, actions.get("correct", 0), actions.get("waive", 0)])
    return pd.DataFrame(rows, columns=list(RESOLUTION_COLUMNS)).astype({c: "int64" for c in RESOLUTION_COLUMNS[1:]})


def test_resolutions_per_run_and_per_day_match_an_independent_count(pipeline_env: str, tmp_path: Path) -> None:
    """It counts each run's exceptions by status and a promotion by its latest promoting event (a waiver reopened
    and then corrected counts as corrected), gives a run without exceptions zeros, and buckets events by UTC day."""
    url = pipeline_env
    runs = steward_runs(tmp_path)

    with connect(url) as conn:
        got = resolutions(conn, "sales")
    pd.testing.assert_frame_equal(got, _expected(url))
    mine = got.set_index("run_id").loc[runs.first, list(RESOLUTION_COLUMNS[1:])].tolist()
    assert mine == [7, 2, 4, 1, 3, 1]  # open: the missing region and the quantity corrected to 0.5
    assert got.set_index("run_id").loc[runs.third, "promoted_by_waiver"] == 1
    assert got.set_index("run_id").loc[runs.clean].tolist() == [0] * 6  # a run without exceptions has zeros
    pd.testing.assert_frame_equal(Reader(url, "sales", ROOT / "expectations").resolutions(), got)

    events = read_table(url, "exception_events")
    events["day"] = pd.to_datetime(events["created_at"], utc=True).dt.strftime("%Y-%m-%d")
    expected = events.groupby(["day", "action", "status_after"]).size().rename("events").reset_index()
    engine = get_engine(url)
    if engine.dialect.name == "postgresql":  # a session time zone putting events on another day
        zone = "Etc/GMT+12" if pd.to_datetime(events["created_at"], utc=True).dt.hour.min() < 12 else "Etc/GMT-14"
        with engine.begin() as conn:
            conn.exec_driver_sql(f"ALTER DATABASE \"{engine.url.database}\" SET timezone TO '{zone}'")
        engine.dispose()
        with engine.connect() as conn:
            local = {str(d) for d in conn.exec_driver_sql("SELECT created_at::date FROM exception_events").scalars()}
        assert local != set(events["day"])  # what date() would have said
    with connect(url) as conn:
        days = resolution_days(conn, "sales")
    pd.testing.assert_frame_equal(days, expected.astype({"events": "int64"}))
    assert days["events"].sum() == len(events) == EVENTS
    assert set(days["action"]) == {"correct", "waive", "dismiss", "reopen"}
