"""The read of steward resolutions after real replays, on SQLite and PostgreSQL, against an independent count:
statuses from the exceptions table, and how each row was promoted from its clean row's promotion event."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from flows.constants import RunStatus
from flows.exceptions import main
from flows.pipeline import run_pipeline
from flows.storage.engine import get_engine
from flows.storage.read import RESOLUTION_COLUMNS, connect, resolution_days, resolutions
from panel_app.reader import Reader
from tests.conftest import ROOT
from tests.factories import make_frame, write_csv
from tests.integration.helpers import read_table

pytestmark = pytest.mark.usefixtures("prefect_harness")
DEFECTS = [
    *({"revenue": r} for r in ("-10.00", "-20.00", "-30.00")),
    *({"region": r} for r in ("north", "south", "")),
    {"quantity": "0"},
]


def _apply(tmp_path: Path, name: str, template: pd.DataFrame, lines: dict[str, dict[str, str]]) -> None:
    """Apply a corrections file: per exception (named by its order id) the action, note and changed cells."""
    ids = template.set_index("order_id")["exception_id"]
    frame = pd.DataFrame([dict.fromkeys(template.columns, "") for _ in lines], columns=template.columns)
    for i, (order_id, cells) in enumerate(lines.items()):
        frame.loc[i, ["exception_id", *cells]] = [ids[order_id], *cells.values()]
    frame.to_csv(tmp_path / name, index=False)
    assert main(["apply", str(tmp_path / name), "--user", "asha"]) == 0


def _template(tmp_path: Path, run_id: str) -> pd.DataFrame:
    out = tmp_path / f"template-{run_id}.csv"
    assert main(["export", "--run", run_id, "--out", str(out)]) == 0
    return pd.read_csv(out, dtype=str, keep_default_na=False)


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
    first = run_pipeline(source=str(write_csv(tmp_path / "a.csv", make_frame(4, rows=DEFECTS)))).run_id
    run_pipeline(source=str(write_csv(tmp_path / "b.csv", make_frame(3))))  # no exceptions at all
    third = run_pipeline(source=str(write_csv(tmp_path / "c.csv", make_frame(2, rows=[{"revenue": "-5.00"}])))).run_id
    a, c = _template(tmp_path, first), _template(tmp_path, third)
    neg10, neg20, neg30, north, south, _, zero = (f"ORD-9{i:06d}" for i in range(len(DEFECTS)))
    _apply(
        tmp_path,
        "batch1.csv",
        a,
        {
            neg10: {"action": "waive", "note": "a refund"},
            neg20: {"action": "waive", "note": "a refund"},
            neg30: {"action": "correct", "note": "sign typo", "revenue": "30.00"},
            north: {"action": "correct", "note": "capital letter", "region": "North"},
            south: {"action": "dismiss", "note": "test order"},
            zero: {"action": "correct", "note": "still wrong", "quantity": "0.5"},
        },
    )
    _apply(tmp_path, "batch2.csv", c, {"ORD-9000000": {"action": "waive", "note": "a refund"}})
    _apply(tmp_path, "batch3.csv", a, {neg10: {"action": "reopen", "note": "not a refund after all"}})
    _apply(tmp_path, "batch4.csv", a, {neg10: {"action": "correct", "note": "sign typo", "revenue": "10.00"}})

    with connect(url) as conn:
        got = resolutions(conn, "sales")
    pd.testing.assert_frame_equal(got, _expected(url))
    mine = got.set_index("run_id").loc[first, list(RESOLUTION_COLUMNS[1:])].tolist()
    assert mine == [7, 2, 4, 1, 3, 1]  # open: the missing region and the quantity corrected to 0.5
    assert got.set_index("run_id").loc[third, "promoted_by_waiver"] == 1 and (got["exceptions"] == 0).sum() == 1
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
    assert days["events"].sum() == len(events) == 9 and set(days["action"]) == {"correct", "waive", "dismiss", "reopen"}
