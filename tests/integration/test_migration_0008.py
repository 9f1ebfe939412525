"""Migration 0008 gives a filled 0007 database its alerts table, empty, and leaves the runs as they were."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import sqlalchemy as sa

from flows.storage.engine import normalize_url
from flows.storage.migrate import upgrade_to_head
from tests.integration.helpers import at_revision, read_table


def test_a_0007_database_gains_the_alerts_table(database_url: str) -> None:
    """It creates alerts (indexed on run_id), keeps the existing runs, and the table takes a finding with JSON."""
    at_revision(database_url, "0007").dispose()
    engine = sa.create_engine(normalize_url(database_url))
    try:
        with engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO pipeline_runs (run_id, dataset, source_name, status, started_at, suite_name, "
                    "suite_version) VALUES ('a', 'sales', 'f.csv', 'COMPLETED', CURRENT_TIMESTAMP, 'sales_orders', 'v')"
                )
            )
        upgrade_to_head(engine)
        inspector = sa.inspect(engine)
        columns = {c["name"] for c in inspector.get_columns("alerts")}
        assert columns == {
            "id", "run_id", "dataset", "kind", "metric", "value", "expected", "details", "created_at", "notified",
            "notify_error",
        }  # fmt: skip
        assert any(ix["column_names"] == ["run_id"] for ix in inspector.get_indexes("alerts"))
        alerts = sa.Table("alerts", sa.MetaData(), autoload_with=engine)
        with engine.begin() as conn:
            conn.execute(
                sa.insert(alerts).values(
                    run_id="a", dataset="sales", kind="anomaly", metric="rows_received", value=100.0,
                    expected="800 to 1,200", details={"compared_runs": ["x", "y"]}, created_at=dt.datetime.now(dt.UTC),
                )
            )  # fmt: skip
    finally:
        engine.dispose()
    assert read_table(database_url, "pipeline_runs")["run_id"].tolist() == ["a"]
    stored = read_table(database_url, "alerts").iloc[0]
    assert (stored["metric"], stored["expected"]) == ("rows_received", "800 to 1,200")
    assert pd.isna(stored["notified"])  # NULL until its event is tried
