"""Upgrading a database that already holds sales results to the many-datasets schema (0004) loses nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from flows.storage.migrate import upgrade_to_head
from tests.integration.helpers import at_revision


def test_upgrade_keeps_sales_rows_and_frees_findings_from_raw_sales(database_url: str) -> None:
    """Rows written under 0003 survive; raw_sales says 'sales'; ids continue; findings may name other raw tables."""
    engine = at_revision(database_url, "0003")
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE id_blocks SET next_id = 41 WHERE table_name = 'raw_sales'"))
        conn.execute(
            sa.text(
                "INSERT INTO raw_sales (id, run_id, source_name, source_row, ingestion_timestamp, order_id) "
                "VALUES (40, 'r1', 'old.csv', 1, :now, 'ORD-1')"
            ),
            {"now": now},
        )
        conn.execute(
            sa.text(
                "INSERT INTO exceptions (run_id, dataset, original_record_id, error_category, pipeline_stage, "
                "error_count, error_details, raw_data) VALUES ('r1', 'sales', 40, 'X', 'validate', 1, '[]', '{}')"
            )
        )
        conn.execute(
            sa.text(
                "INSERT INTO validation_results (run_id, dataset, record_id, rule_id, rule_name, expectation_type, "
                "control_type, error_category, severity) VALUES ('r1', 'sales', 40, 'x', 'x', 'x', 'x', 'x', 'error')"
            )
        )

    upgrade_to_head(engine)

    with engine.begin() as conn:
        assert conn.execute(sa.text("SELECT dataset, order_id FROM raw_sales")).all() == [("sales", "ORD-1")]
        assert conn.execute(sa.text("SELECT original_record_id FROM exceptions")).scalars().all() == [40]
        assert conn.execute(sa.text("SELECT record_id FROM validation_results")).scalars().all() == [40]
        blocks = conn.execute(sa.text("SELECT table_name, next_id FROM id_blocks")).all()
        assert blocks == [("records", 41)]
        # a record of another dataset's raw table (id 41 is not in raw_sales) can now be quarantined
        conn.execute(
            sa.text(
                "INSERT INTO exceptions (run_id, dataset, original_record_id, error_category, pipeline_stage, "
                "error_count, error_details, raw_data) VALUES ('r2', 'cafe', 41, 'X', 'validate', 1, '[]', '{}')"
            )
        )
        with pytest.raises(sa.exc.IntegrityError), conn.begin_nested():  # still quarantined at most once
            conn.execute(
                sa.text(
                    "INSERT INTO exceptions (run_id, dataset, original_record_id, error_category, "
                    "pipeline_stage, error_count, error_details, raw_data) "
                    "VALUES ('r3', 'cafe', 41, 'X', 'validate', 1, '[]', '{}')"
                )
            )
    indexes = {i["name"] for i in sa.inspect(engine).get_indexes("exceptions")}
    assert "ix_exceptions_run_id" in indexes
    engine.dispose()
