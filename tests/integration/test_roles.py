"""Least privilege: sql/roles.sql gives the pipeline a writer role and the dashboard a reader that cannot write."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import InternalError, ProgrammingError

from flows.pipeline import run_pipeline
from flows.storage import read as queries
from tests.factories import make_frame, write_csv
from tests.integration.helpers import apply_roles, as_role

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


def test_writer_runs_the_pipeline_and_reader_cannot_write(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """It lets pipeline_writer migrate and load a file, and refuses every write and DDL to dashboard_reader."""
    apply_roles(postgres_url)
    monkeypatch.setenv("DATABASE_URL", as_role(postgres_url, "pipeline_writer"))
    monkeypatch.setenv("DOCS_DIR", str(tmp_path / "docs"))
    summary = run_pipeline(source=str(write_csv(tmp_path / "day.csv", make_frame(4, rows=[{"region": "Mars"}]))))
    assert (summary.status, summary.clean_count, summary.exception_count) == ("COMPLETED", 4, 1)
    apply_roles(postgres_url)  # idempotent, also once the tables exist

    # The role defaults to read-only transactions; switch that off to prove the privileges are the boundary.
    options = {"options": "-c default_transaction_read_only=off"}
    reader = sa.create_engine(as_role(postgres_url, "dashboard_reader"), connect_args=options)
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


def test_reader_sessions_are_read_only_by_default(postgres_url: str) -> None:
    """It gives dashboard_reader read-only transactions by default, so even a granted write would be refused."""
    apply_roles(postgres_url)
    reader = sa.create_engine(as_role(postgres_url, "dashboard_reader"))
    try:
        with reader.connect() as conn:
            assert conn.exec_driver_sql("SHOW default_transaction_read_only").scalar() == "on"
            with pytest.raises(InternalError, match="cannot execute CREATE TABLE in a read-only transaction"):
                conn.exec_driver_sql("CREATE TEMPORARY TABLE scratch (id int)")
    finally:
        reader.dispose()


OUTSIDE = {
    "create database": "CREATE DATABASE sneaky_db",
    "create role": "CREATE ROLE sneaky_role",
    "become superuser": "ALTER ROLE pipeline_writer SUPERUSER",
    "create schema": "CREATE SCHEMA sneaky",
    "read another schema": "SELECT * FROM outside.secrets",
    "create in another schema": "CREATE TABLE outside.sneaky (id int)",
    "read an ungranted table": "SELECT * FROM public.admin_notes",
    "write an ungranted table": "INSERT INTO public.admin_notes VALUES (1)",
    "drop an ungranted table": "DROP TABLE public.admin_notes",
}


def test_writer_is_confined_to_its_schema_and_tables(postgres_url: str) -> None:
    """It refuses pipeline_writer anything outside its schema and own tables; the reader may read what it creates."""
    apply_roles(postgres_url)
    admin = sa.create_engine(as_role(postgres_url, "postgres"))
    with admin.begin() as conn:
        conn.exec_driver_sql("CREATE SCHEMA outside; CREATE TABLE outside.secrets (id int)")
        conn.exec_driver_sql("CREATE TABLE public.admin_notes (id int)")
    admin.dispose()
    writer = sa.create_engine(as_role(postgres_url, "pipeline_writer"), isolation_level="AUTOCOMMIT")
    refusals = {}
    with writer.connect() as conn:
        for name, statement in OUTSIDE.items():
            try:
                conn.exec_driver_sql(statement)
                refusals[name] = "ALLOWED"
            except ProgrammingError as error:
                refused = re.search(r"permission denied|must be owner|must be superuser", str(error))
                refusals[name] = "refused" if refused else str(error)
        conn.exec_driver_sql("CREATE TABLE public.created_later (id int); INSERT INTO public.created_later VALUES (7)")
    writer.dispose()
    assert refusals == dict.fromkeys(OUTSIDE, "refused")
    reader = sa.create_engine(as_role(postgres_url, "dashboard_reader"))
    with reader.connect() as conn:  # the default privileges: a table the writer creates later is readable
        assert conn.exec_driver_sql("SELECT id FROM public.created_later").scalar() == 7
    reader.dispose()


STEWARD_REFUSED = {
    "load raw rows": "INSERT INTO raw_sales (id, run_id, source_row) VALUES (999999, 'x', 1)",
    "delete raw rows": "DELETE FROM raw_sales",
    "rewrite a clean row": "UPDATE clean_sales SET revenue = 0",
    "rewrite an exception's values": "UPDATE exceptions SET raw_data = '{}'",
    "erase the events": "DELETE FROM exception_events",
    "erase findings": "DELETE FROM validation_results",
    "truncate": "TRUNCATE exceptions",
    "create": "CREATE TABLE sneaky (id int)",
    "alter": "ALTER TABLE clean_sales ADD COLUMN sneaky int",
}


def test_steward_writer_applies_actions_and_nothing_else(postgres_url: str, tmp_path: Path) -> None:
    """steward_writer promotes a corrected row (events, status, clean row, analytics); it cannot load, rewrite
    received values, erase events or change the schema."""
    from flows.steward import Steward
    from tests.conftest import ROOT
    from tests.integration.helpers import read_table

    apply_roles(postgres_url)
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DATABASE_URL", as_role(postgres_url, "pipeline_writer"))
        env.setenv("DOCS_DIR", str(tmp_path / "docs"))
        frame = make_frame(3, rows=[{"region": "north", "revenue": "40.00"}])
        run_id = run_pipeline(source=str(write_csv(tmp_path / "day.csv", frame))).run_id
    apply_roles(postgres_url)  # as the README says: again after the pipeline made the dataset's tables
    exception_id = int(read_table(postgres_url, "exceptions", run_id)["id"].iloc[0])
    steward_url = as_role(postgres_url, "steward_writer")
    steward = Steward(steward_url, ROOT / "expectations", tmp_path / "kept", tmp_path / "docs")
    outcome = steward.act("sales", "asha", exception_id, "correct", "capital N", {"region": "North"})
    assert (outcome.status, outcome.promoted) == ("APPLIED", 1)
    refusals = {}
    engine = sa.create_engine(steward_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        for name, statement in STEWARD_REFUSED.items():
            try:
                conn.exec_driver_sql(statement)
                refusals[name] = "ALLOWED"
            except (ProgrammingError, InternalError) as error:
                refused = re.search(r"permission denied|must be owner|append-only", str(error))
                refusals[name] = "refused" if refused else str(error)
    engine.dispose()
    assert refusals == dict.fromkeys(STEWARD_REFUSED, "refused")
    assert len(read_table(postgres_url, "exception_events")) == 1
