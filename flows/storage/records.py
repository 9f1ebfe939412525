"""Dataset records: bulk writes of a run's rows, id reservation, clean-up, and the read-backs reconciliation needs."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import Connection, Executable, Select, delete, func, select

from flows.dataset import DatasetSpec
from flows.stages.analytics import SUMMARY_COLUMNS, VALUE_TYPE
from flows.storage.bulk import reserve_ids, write_frame
from flows.storage.models import AnalyticsSummary, ExceptionRecord
from flows.storage.tables import RECORD_IDS, dataset_tables
from flows.storage.tables import table as named_table

RESULT_TABLES = ("analytics_summary", "exceptions", "validation_results")


class DatasetRecords:
    """A dataset's raw and clean tables and the shared result tables, inside the caller's transaction."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def write(self, table: str, frame: pd.DataFrame) -> int:
        """Append every row of `frame` to `table` (COPY on PostgreSQL)."""
        return write_frame(self._conn, table, frame)

    def reserve_ids(self, count: int) -> int:
        """Reserve `count` consecutive record ids (shared by every dataset); return the first."""
        return reserve_ids(self._conn, RECORD_IDS, count) if count else 1

    def delete_results(self, run_id: str, spec: DatasetSpec, keep: tuple[str, ...] = ()) -> None:
        """Remove a run's derived rows (raw rows stay: nothing received is ever deleted)."""
        for name in (n for n in (spec.clean_table, *RESULT_TABLES) if n not in keep):
            t = named_table(name)
            self._conn.execute(delete(t).where(t.c.run_id == run_id))

    def record_ids(self, run_id: str, spec: DatasetSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The run's record ids in the raw table, the clean table and exceptions, as read back."""
        tables = dataset_tables(spec)
        raw, clean, exceptions = (
            select(tables.raw.c.id).where(tables.raw.c.run_id == run_id),
            select(tables.clean.c.record_id).where(tables.clean.c.run_id == run_id),
            select(ExceptionRecord.original_record_id).where(ExceptionRecord.run_id == run_id),
        )
        return (
            read_int_column(self._conn, raw),
            read_int_column(self._conn, clean),
            read_int_column(self._conn, exceptions),
        )

    def clean_sums(self, run_id: str, spec: DatasetSpec) -> dict[str, Decimal]:
        """SUM of each measure over the run's clean rows, exactly as the database adds them."""
        t, measures = dataset_tables(spec).clean, list(spec.analytics.measures)
        stmt = select(*(func.coalesce(func.sum(t.c[m]), 0) for m in measures)).where(t.c.run_id == run_id)
        return {m: _decimal(v) for m, v in zip(measures, self._conn.execute(stmt).one(), strict=True)}

    def analytics_sums(self, run_id: str) -> dict[tuple[str, str], Decimal]:
        """SUM of each (breakdown, measure) over its keys for the run."""
        t = AnalyticsSummary
        stmt = select(t.breakdown, t.measure, func.sum(t.value)).where(t.run_id == run_id)
        return {(b, m): _decimal(v) for b, m, v in self._conn.execute(stmt.group_by(t.breakdown, t.measure))}


def read_summary(conn: Connection, query: Executable) -> pd.DataFrame:
    """Long analytics rows (SUMMARY_COLUMNS) as stored, values as exact decimals at the analytics scale."""
    frame = pd.DataFrame(conn.execute(query).all(), columns=SUMMARY_COLUMNS, dtype=object)
    quantum = Decimal(1).scaleb(-VALUE_TYPE.pyarrow_dtype.scale)
    values = pa.array([Decimal(str(v)).quantize(quantum) for v in frame["value"]], type=VALUE_TYPE.pyarrow_dtype)
    return frame.assign(value=pd.Series(values, index=frame.index, dtype=VALUE_TYPE))


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


def _decimal(value: Any) -> Decimal:
    """A database number as an exact Decimal (SQLite hands back floats; their repr is the stored value)."""
    return Decimal(str(value if value is not None else 0))
