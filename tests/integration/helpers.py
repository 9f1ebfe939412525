"""Reading back what a run wrote, straight from the database (independent of the storage layer)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from flows.generate import GeneratedFile
from flows.storage.engine import normalize_url
from tests.conftest import ROOT
from tests.factories import EXPECTATIONS_DIR


def read_table(url: str, table: str, run_id: str | None = None) -> pd.DataFrame:
    """All rows of a table (optionally of one run) as a DataFrame."""
    engine = sa.create_engine(normalize_url(url))
    query = f"SELECT * FROM {table}" + (" WHERE run_id = :run_id" if run_id else "")
    try:
        with engine.connect() as conn:
            return pd.read_sql(sa.text(query), conn, params={"run_id": run_id} if run_id else None)
    finally:
        engine.dispose()


def scalar(url: str, sql: str, **params: object) -> object:
    """One value from a query."""
    engine = sa.create_engine(normalize_url(url))
    try:
        with engine.connect() as conn:
            return conn.execute(sa.text(sql), params).scalar()
    finally:
        engine.dispose()


def at_revision(url: str, revision: str) -> sa.Engine:
    """An engine on `url` whose schema has been migrated to `revision` (not head)."""
    from alembic import command
    from alembic.config import Config

    from flows.storage.migrate import MIGRATIONS

    engine = sa.create_engine(normalize_url(url))
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, revision)
    return engine


def normalised_tables(url: str, run_id: str) -> dict[str, pd.DataFrame]:
    """Every table of a run with record ids made relative to the run's first id (ids differ between runs)."""
    raw = read_table(url, "raw_sales", run_id)
    base = int(raw["id"].min())

    def relative(text: pd.Series) -> pd.Series:
        shift = lambda s: re.sub(r"record (\d+)", lambda m: f"record {int(m[1]) - base}", s)  # noqa: E731
        return text.map(lambda s: shift(s) if isinstance(s, str) else s)

    def by(frame: pd.DataFrame, column: str, drop: tuple[str, ...] = ()) -> pd.DataFrame:
        frame = frame.assign(**{column: frame[column] - base})
        frame = frame.drop(columns=["run_id", *drop], errors="ignore")
        return frame.sort_values(list(frame.columns)).reset_index(drop=True)

    findings = read_table(url, "validation_results", run_id).assign(record_id=lambda f: f["record_id"].fillna(base))
    findings["details"] = relative(findings["details"])
    exceptions = read_table(url, "exceptions", run_id)
    exceptions["error_details"] = relative(exceptions["error_details"])
    return {
        "raw_sales": by(raw, "id", drop=("ingestion_timestamp",)),
        "clean_sales": by(read_table(url, "clean_sales", run_id), "record_id"),
        "exceptions": by(exceptions, "original_record_id", drop=("id",)),
        "validation_results": by(findings, "record_id", drop=("id",)),
        "analytics_summary": read_table(url, "analytics_summary", run_id)
        .drop(columns=["id", "run_id"])
        .sort_values(["breakdown", "key_1", "key_2", "key_3", "measure"])
        .reset_index(drop=True),
    }


def as_role(url: str, role: str, password: str | None = None) -> str:
    """The same PostgreSQL database, logged in as `role` (the test server trusts local logins)."""
    login = f"{role}:{password}" if password else role
    return url.replace("postgresql://", "postgresql+psycopg2://").replace("://postgres@", f"://{login}@")


def apply_roles(url: str) -> None:
    """Run sql/roles.sql as the administrator, as psql would (one script, no bound parameters)."""
    import psycopg2

    with psycopg2.connect(url) as conn, conn.cursor() as cursor:
        cursor.execute((ROOT / "sql" / "roles.sql").read_text())
    conn.close()


COPIES = ("exact_duplicate", "conflicting_duplicate")  # planted copies: dismissed, or a pair's first waived


def fix_every_defect(template: pd.DataFrame, rows: pd.Series, generated: GeneratedFile) -> pd.DataFrame:
    """A steward's answer to every planted defect: correct values from the undamaged file, dismiss later
    copies, waive the first member of a conflicting pair (its values are right) and dismiss the others."""
    assert generated.undamaged is not None
    defects = {p: name for name, where in generated.answer_key.items() for p in where}
    filled = template.copy()
    for i, exception_id in enumerate(template["exception_id"]):
        row = int(rows[int(exception_id)])
        undamaged, received = generated.undamaged.iloc[row - 1], generated.frame.iloc[row - 1]
        if defects[row] not in COPIES:
            action, note = "correct", "values checked against the source system"
            for column, value in undamaged.items():
                filled.loc[i, column] = value
        elif defects[row] == "conflicting_duplicate" and received.equals(undamaged):
            action, note = "waive", "the original order of a conflicting pair; its copy is dismissed"
        else:
            action, note = "dismiss", "a copy of another order"
        filled.loc[i, ["action", "note"]] = [action, note]
    return filled


def without_ledger_rule(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The repo's specs with the sales suite's ledger rule taken out, as EXPECTATIONS_DIR: for tests that load one
    file twice into one database to compare the two runs' tables (with the rule, the second run is all resends)."""
    shutil.copytree(EXPECTATIONS_DIR, folder)
    suite = folder / "sales_orders.json"
    document = json.loads(suite.read_text(encoding="utf-8"))
    document["expectations"] = [e for e in document["expectations"] if not e["meta"].get("ledger")]
    suite.write_text(json.dumps(document, indent=2), encoding="utf-8")
    monkeypatch.setenv("EXPECTATIONS_DIR", str(folder))
    return folder
