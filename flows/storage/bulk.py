"""Bulk writes: COPY on PostgreSQL, one executemany on SQLite, behind one function."""

from __future__ import annotations

import csv
import io

import pandas as pd
from sqlalchemy import Connection, update

from flows.storage.models import IdBlock

_NULL = r"\N"


def write_frame(conn: Connection, table: str, frame: pd.DataFrame) -> int:
    """Append every row of `frame` to `table` (columns by name) inside the caller's transaction."""
    if frame.empty:
        return 0
    wire = _to_wire(frame, conn.dialect.name)
    columns = ", ".join(f'"{c}"' for c in wire.columns)
    if conn.dialect.name == "postgresql":
        buffer = io.StringIO()
        wire.to_csv(buffer, index=False, header=False, na_rep=_NULL, quoting=csv.QUOTE_MINIMAL)
        buffer.seek(0)
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, NULL '{_NULL}')", buffer)
        finally:
            cursor.close()
    else:
        marks = ", ".join("?" for _ in wire.columns)
        rows = wire.astype(object).where(wire.notna(), None).itertuples(index=False, name=None)
        conn.exec_driver_sql(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(rows))
    return len(frame)


def _to_wire(frame: pd.DataFrame, dialect: str) -> pd.DataFrame:
    """Render typed columns as the text both databases parse exactly (decimals never as floats)."""
    wire = {}
    for name, column in frame.items():
        dtype = str(column.dtype)
        if dtype.startswith("decimal"):
            wire[name] = column.astype(str).where(column.notna(), None)
        elif dtype.startswith("datetime64"):
            fmt = "%Y-%m-%d %H:%M:%S.%f" + ("+00:00" if dialect == "postgresql" else "")
            wire[name] = column.dt.strftime(fmt)
        elif dtype.startswith("date32"):
            wire[name] = column.astype(str).where(column.notna(), None)
        else:
            wire[name] = column
    return pd.DataFrame(wire, index=frame.index)


def reserve_ids(conn: Connection, table: str, count: int) -> int:
    """Reserve `count` consecutive ids for `table`; return the first. Safe under concurrency."""
    stmt = (
        update(IdBlock)
        .where(IdBlock.table_name == table)
        .values(next_id=IdBlock.next_id + count)
        .returning(IdBlock.next_id)
    )
    after = conn.execute(stmt).scalar_one_or_none()
    if after is None:
        raise LookupError(f"no id block for table {table}; the migrations seed one per bulk-loaded table")
    return int(after) - count
