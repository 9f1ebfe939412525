"""Migration 0006 adds exception status, the append-only event table and lineage columns to a filled database."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from flows.pipeline import run_pipeline
from flows.storage.engine import normalize_url
from flows.storage.migrate import upgrade_to_head
from tests.factories import make_frame, write_csv
from tests.integration.helpers import at_revision, scalar

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_a_0005_database_gains_status_events_and_lineage_and_keeps_its_rows(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """It keeps every exception (now OPEN) and clean row, adds NULL lineage, new runs still load, and the
    database refuses to update or delete an event."""
    at_revision(database_url, "0005").dispose()
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("DOCS_DIR", str(tmp_path / "docs"))
    frame = make_frame(6)
    frame.loc[0, "revenue"] = "-5.00"
    source = write_csv(tmp_path / "one.csv", frame)
    engine = sa.create_engine(normalize_url(database_url))
    try:
        # a 0005 database with rows: create the sales tables as 0005 knew them, with one exception and clean rows
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE clean_sales (record_id BIGINT PRIMARY KEY, run_id VARCHAR(36))"))
            conn.execute(sa.text("INSERT INTO clean_sales VALUES (1, 'r')"))
            conn.execute(
                sa.text(
                    "INSERT INTO exceptions (run_id, dataset, original_record_id, error_category, pipeline_stage,"
                    " error_count, error_details, raw_data) VALUES ('r', 'sales', 2, 'X', 'validate', 1, '[]', '{}')"
                )
            )
        upgrade_to_head(engine)
        columns = {c["name"] for c in sa.inspect(engine).get_columns("clean_sales")}
        assert {"promoted_from_exception_id", "promotion_event_id"} <= columns
        assert scalar(database_url, "SELECT status FROM exceptions") == "OPEN"
        assert scalar(database_url, "SELECT COUNT(*) FROM clean_sales WHERE promotion_event_id IS NULL") == 1
        assert scalar(database_url, "SELECT COUNT(*) FROM exception_events") == 0
        with engine.begin() as conn:  # the hand-made table is not what the spec builds: drop it for a real run
            conn.execute(sa.text("DROP TABLE clean_sales"))
    finally:
        engine.dispose()
    summary = run_pipeline(source=str(source))
    assert summary.status == "COMPLETED"
    engine = sa.create_engine(normalize_url(database_url))
    try:
        with engine.begin() as conn:
            exception_id = conn.execute(sa.text("SELECT MIN(id) FROM exceptions")).scalar()
            conn.execute(
                sa.text(
                    "INSERT INTO exception_events (exception_id, run_id, dataset, action, status_after, user_name,"
                    " note, suite_name, suite_version, replay_run_id, created_at) VALUES (:e, 'r', 'sales',"
                    " 'dismiss', 'DISMISSED', 'u', 'n', 's', 'v', 'x', CURRENT_TIMESTAMP)"
                ),
                {"e": exception_id},
            )
        for statement in ("UPDATE exception_events SET note = 'rewritten'", "DELETE FROM exception_events"):
            with pytest.raises(sa.exc.DatabaseError, match="append-only"), engine.begin() as conn:
                conn.execute(sa.text(statement))
    finally:
        engine.dispose()
    assert scalar(database_url, "SELECT note FROM exception_events") == "n"
    assert scalar(database_url, "SELECT COUNT(*) FROM exceptions WHERE status = 'OPEN'") == 2
    assert scalar(database_url, "SELECT COUNT(*) FROM clean_sales WHERE promoted_from_exception_id IS NULL") == 5
