"""Reading back what a run wrote, straight from the database (independent of the storage layer)."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa

from flows.storage.engine import normalize_url


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
