"""Bulk writes: COPY on PostgreSQL, one executemany on SQLite, behind one function."""

from __future__ import annotations

import io

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
from sqlalchemy import Connection, update

from flows.storage.models import IdBlock


def write_frame(conn: Connection, table: str, frame: pd.DataFrame) -> int:
    """Append every row of `frame` to `table` (columns by name) inside the caller's transaction."""
    if frame.empty:
        return 0
    columns = ", ".join(f'"{c}"' for c in frame.columns)
    if conn.dialect.name == "postgresql":
        _copy_into(conn, table, columns, frame)
    else:
        wire = _to_sqlite_text(frame)
        values = (column.to_numpy(dtype=object, na_value=None) for _, column in wire.items())  # type: ignore[call-overload]
        rows = zip(*values, strict=True)
        marks = ", ".join("?" for _ in wire.columns)
        conn.exec_driver_sql(f"INSERT INTO {table} ({columns}) VALUES ({marks})", list(rows))
    return len(frame)


def _copy_into(conn: Connection, table: str, columns: str, frame: pd.DataFrame) -> None:
    """COPY in PostgreSQL's CSV format, written by Arrow's C++ writer (7x pandas' to_csv).

    Arrow quotes every string, so an empty string arrives as "" and a null as an unquoted empty field,
    which is exactly how COPY ... CSV tells the two apart. Decimals are written exactly, never as floats.
    """
    buffer = io.BytesIO()
    table_data = pa.Table.from_pandas(frame, preserve_index=False)
    pa_csv.write_csv(table_data, buffer, pa_csv.WriteOptions(include_header=False, quoting_style="needed"))
    buffer.seek(0)
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)", buffer)
    finally:
        cursor.close()


def _to_sqlite_text(frame: pd.DataFrame) -> pd.DataFrame:
    """Render typed columns as the text SQLite and SQLAlchemy read back exactly (decimals never as floats)."""
    wire = {}
    for name, column in frame.items():
        dtype = str(column.dtype)
        if dtype.startswith(("decimal", "date32")):
            wire[name] = column.astype(str).where(column.notna(), None)
        elif dtype.startswith("datetime64"):
            wire[name] = column.dt.tz_convert("UTC").dt.strftime("%Y-%m-%d %H:%M:%S.%f")
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
