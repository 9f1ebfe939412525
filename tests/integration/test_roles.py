"""Least privilege: sql/roles.sql gives the pipeline a writer role and the dashboard a reader that cannot write."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import ProgrammingError

from flows.pipeline import run_pipeline
from flows.storage import read as queries
from tests.conftest import ROOT
from tests.factories import make_frame, write_csv

pytestmark = [pytest.mark.postgres, pytest.mark.usefixtures("prefect_harness")]
WRITES = {
    "insert": "INSERT INTO pipeline_runs (run_id, dataset, source_name, status, started_at, suite_name, suite_version)"
    " VALUES ('x', 'sales', 'x', 'RUNNING', now(), 's', '1')",
    "update": "UPDATE pipeline_runs SET status = 'FAILED'",
    "delete": "DELETE FROM raw_sales",
    "truncate": "TRUNCATE exceptions",
    "create": "CREATE TABLE sneaky (id int)",
    "drop": "DROP TABLE clean_sales",
    "alter": "ALTER TABLE raw_sales ADD COLUMN sneaky int",
}


def _as(url: str, role: str) -> str:
    """The same database, logged in as `role` (the test server trusts local logins)."""
    return url.replace("postgresql://", "postgresql+psycopg2://").replace("://postgres@", f"://{role}@")


def _apply_roles(url: str) -> None:
    """Run sql/roles.sql as the administrator, as psql would (one script, no bound parameters)."""
    import psycopg2

    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute((ROOT / "sql" / "roles.sql").read_text())
    conn.close()


def test_writer_runs_the_pipeline_and_reader_cannot_write(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """It lets pipeline_writer migrate and load a file, and refuses every write and DDL to dashboard_reader."""
    _apply_roles(postgres_url)
    monkeypatch.setenv("DATABASE_URL", _as(postgres_url, "pipeline_writer"))
    monkeypatch.setenv("DOCS_DIR", str(tmp_path / "docs"))
    summary = run_pipeline(source=str(write_csv(tmp_path / "day.csv", make_frame(4, rows=[{"region": "Mars"}]))))
    assert (summary.status, summary.clean_count, summary.exception_count) == ("COMPLETED", 4, 1)
    _apply_roles(postgres_url)  # idempotent, also once the tables exist

    # The role defaults to read-only transactions; switch that off to prove the privileges are the boundary.
    options = {"options": "-c default_transaction_read_only=off"}
    reader = sa.create_engine(_as(postgres_url, "dashboard_reader"), connect_args=options)
    with reader.connect() as conn:
        assert queries.list_runs(conn, "sales")["status"].tolist() == ["COMPLETED"]
    refusals = {}
    for name, statement in WRITES.items():
        with reader.connect() as conn:
            try:
                conn.exec_driver_sql(statement)
                refusals[name] = "ALLOWED"
            except ProgrammingError as error:
                refusals[name] = "refused" if re.search(r"permission denied|must be owner", str(error)) else str(error)
    reader.dispose()
    assert refusals == dict.fromkeys(WRITES, "refused")
