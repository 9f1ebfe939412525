"""The PostgreSQL bulk path: COPY streamed in batches on the unit of work's own connection."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pandas as pd
import psycopg2.errors
import pyarrow as pa
import pytest
import sqlalchemy as sa

from flows.storage.bulk import COPY_BATCH_ROWS, write_frame
from flows.storage.engine import get_engine
from flows.storage.uow import SqlUnitOfWork

pytestmark = pytest.mark.postgres
ROWS = 2 * COPY_BATCH_ROWS + 7  # three batches, the last one short


def _frame(rows: int) -> pd.DataFrame:
    """Every kind of value the pipeline writes: zoned timestamps, exact decimals, dates, text with nulls and ''."""
    ids = pd.Series(range(1, rows + 1), dtype="int64")
    texts = ["plain", "", None, 'quote " and, comma', "line\nbreak"]
    return pd.DataFrame(
        {
            "id": ids,
            "at": pd.Series(pd.to_datetime(["2024-03-31 23:30:00.123456+02:00"] * rows, utc=False)).where(
                ids % 11 != 0
            ),
            "amount": pd.Series(
                [Decimal(i) / 100 if i % 13 else None for i in range(rows)],
                dtype=pd.ArrowDtype(pa.decimal128(12, 2)),
            ),
            "day": pd.Series([dt.date(2024, 2, 29)] * rows, dtype=pd.ArrowDtype(pa.date32())),
            "note": pd.Series([texts[i % len(texts)] for i in range(rows)], dtype="str"),
        }
    )


def _create(url: str) -> sa.Engine:
    engine = get_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql(
            "CREATE TABLE bulk_probe"
            " (id bigint PRIMARY KEY, at timestamptz, amount numeric(12, 2), day date, note text)"
        )
    return engine


def test_copy_writes_every_value_exactly_across_batches(postgres_url: str) -> None:
    """It stores zoned timestamps as the same instant, decimals exactly, nulls as NULL and '' as '', in every batch."""
    engine, frame = _create(postgres_url), _frame(ROWS)
    with engine.begin() as conn:
        conn.exec_driver_sql("SET LOCAL TIME ZONE 'Asia/Kolkata'")  # text without an offset would be read as +05:30
        assert write_frame(conn, "bulk_probe", frame) == ROWS
    with engine.connect() as conn:
        back = pd.read_sql(sa.text("SELECT * FROM bulk_probe ORDER BY id"), conn)
    assert back["id"].tolist() == frame["id"].tolist()
    columns = {"at": _instant, "amount": _exact, "day": str, "note": str}
    for name, canonical in columns.items():
        stored, sent = ([None if pd.isna(v) else canonical(v) for v in f[name]] for f in (back, frame))
        differ = [(i, a, b) for i, (a, b) in enumerate(zip(stored, sent, strict=True)) if a != b]
        assert not differ, f"{name}: {len(differ)} rows differ, first {differ[:3]}"


def _instant(value: object) -> object:
    return pd.Timestamp(value).tz_convert("UTC")  # type: ignore[arg-type]


def _exact(value: object) -> object:
    return Decimal(str(value))


def test_copy_rolls_back_with_the_unit_of_work(postgres_url: str) -> None:
    """It leaves no row behind when the unit of work that wrote them fails afterwards."""
    engine = _create(postgres_url)
    with pytest.raises(RuntimeError, match="after the copy"), SqlUnitOfWork(engine) as uow:
        uow.records.write("bulk_probe", _frame(ROWS))
        raise RuntimeError("failed after the copy")
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM bulk_probe").scalar_one() == 0


def test_a_bad_row_fails_the_copy_and_nothing_is_written(postgres_url: str) -> None:
    """It raises on a duplicate key in the last batch, and the earlier batches are not kept."""
    engine, frame = _create(postgres_url), _frame(ROWS)
    frame.loc[ROWS - 1, "id"] = 1
    with pytest.raises(psycopg2.errors.UniqueViolation), engine.begin() as conn:
        write_frame(conn, "bulk_probe", frame)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM bulk_probe").scalar_one() == 0


def test_an_empty_arrow_chunk_does_not_end_the_copy_early(postgres_url: str) -> None:
    """It writes every row of a frame concatenated from an empty one (Arrow keeps the empty chunk first)."""
    engine, frame = _create(postgres_url), _frame(10)
    joined = pd.concat([frame.iloc[:0], frame], ignore_index=True)
    assert pa.Table.from_pandas(joined).to_batches()[0].num_rows == 0, "the case needs a leading empty chunk"
    with engine.begin() as conn:
        assert write_frame(conn, "bulk_probe", joined) == 10
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM bulk_probe").scalar_one() == 10
