"""Migration 0007 gives a filled 0006 database its ledger: lineage columns on every clean table, and a
ledger_summary that starts as the sum of the COMPLETED runs' analytics."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from flows.storage.engine import normalize_url
from flows.storage.migrate import upgrade_to_head
from tests.integration.helpers import at_revision, read_table


def test_a_0006_database_gains_the_ledger(database_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    at_revision(database_url, "0006").dispose()
    engine = sa.create_engine(normalize_url(database_url))
    insert_run = (
        "INSERT INTO pipeline_runs (run_id, dataset, source_name, status, started_at, suite_name, suite_version) "
        "VALUES (:r, 'sales', 'f.csv', :s, CURRENT_TIMESTAMP, 'sales_orders', 'v')"
    )
    insert_value = (
        "INSERT INTO analytics_summary (run_id, dataset, breakdown, key_1, measure, value) "
        "VALUES (:r, 'sales', 'region', 'North', 'revenue', :v)"
    )
    try:
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE clean_sales (record_id BIGINT PRIMARY KEY, run_id VARCHAR(36))"))
            for run, status, value in (("a", "COMPLETED", "10.50"), ("b", "COMPLETED", "2.25"), ("c", "FAILED", "99")):
                conn.execute(sa.text(insert_run), {"r": run, "s": status})
                conn.execute(sa.text(insert_value), {"r": run, "v": value})
        upgrade_to_head(engine)
        columns = {c["name"] for c in sa.inspect(engine).get_columns("clean_sales")}
        assert {"supersedes_record_id", "superseded_by_record_id", "superseded_in_run_id"} <= columns
    finally:
        engine.dispose()
    ledger = read_table(database_url, "ledger_summary")
    assert ledger[["dataset", "breakdown", "key_1", "measure"]].values.tolist() == [
        ["sales", "region", "North", "revenue"]
    ]
    assert Decimal(str(ledger["value"].iloc[0])).quantize(Decimal("0.01")) == Decimal("12.75")  # the FAILED run: not
