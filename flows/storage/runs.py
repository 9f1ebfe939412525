"""Run lifecycle, audit events and the reads that finalize's controls need."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Select, delete, func, insert, select, update

from flows.storage.models import (
    AnalyticsSummary,
    AuditLog,
    ExceptionRecord,
    PipelineRun,
    ValidationResult,
)
from flows.storage.tables import table as named_table

RESULT_TABLES = ("analytics_summary", "exceptions", "validation_results")


def create_run(conn: Connection, **values: Any) -> None:
    """Insert a run in status RUNNING."""
    conn.execute(insert(PipelineRun).values(status="RUNNING", **values))


def update_run(conn: Connection, run_id: str, **values: Any) -> None:
    """Set fields of a run (status, counts, end time...)."""
    conn.execute(update(PipelineRun).where(PipelineRun.run_id == run_id).values(**values))


def get_run(conn: Connection, run_id: str) -> dict[str, Any] | None:
    """One run as a dict, or None."""
    row = conn.execute(select(PipelineRun.__table__).where(PipelineRun.run_id == run_id)).mappings().first()
    return dict(row) if row else None


def record_audit(conn: Connection, events: list[dict[str, Any]]) -> None:
    """Append audit events."""
    if events:
        conn.execute(insert(AuditLog), events)


def delete_run_results(conn: Connection, run_id: str, clean_table: str, keep: tuple[str, ...] = ()) -> None:
    """Remove a run's derived rows (raw rows stay: nothing received is ever deleted)."""
    for name in (n for n in (clean_table, *RESULT_TABLES) if n not in keep):
        table = named_table(name)
        conn.execute(delete(table).where(table.c.run_id == run_id))


def running_run_ids(conn: Connection, dataset: str) -> list[str]:
    """The ids of the dataset's runs still marked RUNNING."""
    t = PipelineRun
    return list(conn.execute(select(t.run_id).where(t.dataset == dataset, t.status == "RUNNING")).scalars())


def read_record_ids(conn: Connection, run_id: str, raw_table: str, clean_table: str) -> tuple[np.ndarray, ...]:
    """The run's record ids in raw, clean and exceptions, as read back from the database."""
    raw, clean = named_table(raw_table), named_table(clean_table)
    queries = (
        select(raw.c.id).where(raw.c.run_id == run_id),
        select(clean.c.record_id).where(clean.c.run_id == run_id),
        select(ExceptionRecord.original_record_id).where(ExceptionRecord.run_id == run_id),
    )
    return tuple(read_int_column(conn, q) for q in queries)


def read_int_column(conn: Connection, query: Select[Any]) -> np.ndarray:
    """One integer column as a numpy array; on PostgreSQL via COPY TO (5x faster than fetching rows)."""
    if conn.dialect.name != "postgresql":
        return np.fromiter(conn.execute(query).scalars(), dtype=np.int64)
    sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
    buffer = io.StringIO()
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.copy_expert(f"COPY ({sql}) TO STDOUT", buffer)
    finally:
        cursor.close()
    buffer.seek(0)
    if not buffer.getvalue():
        return np.empty(0, dtype=np.int64)
    return pd.read_csv(buffer, header=None, dtype=np.int64, engine="c")[0].to_numpy()  # C parser: no str objects


def read_clean_sums(conn: Connection, run_id: str, clean_table: str, measures: list[str]) -> dict[str, Decimal]:
    """SUM of each measure column over the run's clean rows, to 2 decimals."""
    table = named_table(clean_table)
    row = conn.execute(
        select(*(func.coalesce(func.sum(table.c[m]), 0) for m in measures)).where(table.c.run_id == run_id)
    ).one()
    return {m: _cents(v) for m, v in zip(measures, row, strict=True)}


def read_analytics_sums(conn: Connection, run_id: str) -> dict[tuple[str, str], Decimal]:
    """SUM of each (breakdown, measure) over its keys for the run."""
    t = AnalyticsSummary
    rows = conn.execute(
        select(t.breakdown, t.measure, func.sum(t.value)).where(t.run_id == run_id).group_by(t.breakdown, t.measure)
    )
    return {(b, m): _cents(v) for b, m, v in rows}


def count_rows(conn: Connection, table_name: str, run_id: str) -> int:
    """How many rows of a table belong to the run."""
    table = named_table(table_name)
    return int(conn.execute(select(func.count()).select_from(table).where(table.c.run_id == run_id)).scalar_one())


def count_warnings(conn: Connection, run_id: str) -> int:
    """How many warning-severity findings the run recorded."""
    t = ValidationResult
    stmt = select(func.count()).where(t.run_id == run_id, t.severity == "warning")
    return int(conn.execute(stmt).scalar_one())


def exceptions_by_category(conn: Connection, run_id: str) -> dict[str, int]:
    """Quarantined records per headline category."""
    t = ExceptionRecord
    rows = conn.execute(select(t.error_category, func.count()).where(t.run_id == run_id).group_by(t.error_category))
    return {c: int(n) for c, n in rows}


def _cents(value: Any) -> Decimal:
    return Decimal(str(value if value is not None else 0)).quantize(Decimal("0.01"))


def utc_now() -> dt.datetime:
    """The current time in UTC, timezone-aware."""
    return dt.datetime.now(dt.UTC)


def failures_by_rule(conn: Connection, run_id: str) -> list[dict[str, Any]]:
    """Failed checks per rule for the run (file-level rules count once)."""
    t = ValidationResult
    rows = conn.execute(
        select(t.rule_name, t.control_type, t.error_category, t.severity, func.count())
        .where(t.run_id == run_id)
        .group_by(t.rule_name, t.control_type, t.error_category, t.severity)
        .order_by(func.count().desc(), t.rule_name)
    )
    keys = ("rule", "control_type", "error_category", "severity", "failed")
    return [dict(zip(keys, row, strict=True)) for row in rows]


def find_completed_run(conn: Connection, sha256: str, dataset: str) -> str | None:
    """The run that already processed a file with this checksum successfully, if any."""
    t = PipelineRun
    stmt = (
        select(t.run_id)
        .where(t.source_sha256 == sha256, t.dataset == dataset, t.status == "COMPLETED")
        .order_by(t.started_at)
        .limit(1)
    )
    return conn.execute(stmt).scalar_one_or_none()
