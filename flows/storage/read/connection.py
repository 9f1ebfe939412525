"""Connections for readers: which database, whether it holds anything yet, and its URL with the password masked."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Table, inspect
from sqlalchemy.engine import make_url

from flows.dataset import DatasetSpec
from flows.storage.engine import get_engine, mask_secrets, mask_url, normalize_url
from flows.storage.models import PipelineRun
from flows.storage.tables import dataset_tables

__all__ = ["connect", "database_missing", "mask_secrets", "mask_url", "raw_table", "schema_ready"]


@contextmanager
def connect(url: str) -> Iterator[Connection]:
    """A pooled connection to the database at `url` (one engine per URL and process)."""
    with get_engine(url).connect() as conn:
        yield conn


def raw_table(spec: DatasetSpec) -> Table:
    """The dataset's raw table: every value as received."""
    return dataset_tables(spec).raw


def database_missing(url: str) -> bool:
    """True for a SQLite URL whose file does not exist (connecting would create an empty one)."""
    parsed = make_url(normalize_url(url))
    name = parsed.database or ""
    return parsed.get_backend_name() == "sqlite" and name not in ("", ":memory:") and not Path(name).exists()


def schema_ready(conn: Connection) -> bool:
    """True when the pipeline's tables exist (migrations have run)."""
    return inspect(conn).has_table(PipelineRun.__tablename__)
