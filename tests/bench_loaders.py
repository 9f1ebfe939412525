"""Benchmark: COPY through psycopg2 (the pipeline's path, before and now), psycopg 3 and ADBC, on the real tables.

    python tests/bench_loaders.py [--rows 250000] [--repeats 5]

A throwaway PostgreSQL database (admin URL from TEST_POSTGRES_URL) is migrated and filled by one real
pipeline run over a generated file of `--rows` rows in one chunk; every frame that run hands to
`DatasetRecords.write` is kept. Each loader then writes exactly those frames, in the pipeline's order,
into the same tables (keys, foreign keys, unique constraints and indexes as migrated), after a
TRUNCATE, in one transaction per repeat. Loaders take turns within each repeat (the order rotates),
and the median of the repeats is reported. Every loader's tables are checked to hold the same rows,
value for value, as the first (the psycopg2 path before issue 13) wrote. Results: data/bench/loaders.md.
The database is dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "data" / "bench"
ADMIN = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

Frames = list[tuple[str, Any]]  # (table, pandas DataFrame) in the order the pipeline wrote them


@contextmanager
def throwaway_database() -> Iterator[str]:
    """A fresh database on the admin URL's server, dropped (forcibly) on exit."""
    import psycopg2

    name = f"bench_loaders_{uuid.uuid4().hex[:8]}"
    admin = psycopg2.connect(ADMIN)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{ADMIN.rsplit('/', 1)[0]}/{name}"
    finally:
        from flows.storage.engine import get_engine

        for engine in _engines_to_dispose:
            engine.dispose()
        get_engine.cache_clear()
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


_engines_to_dispose: list[Any] = []


def pipeline_frames(url: str, rows: int, work: Path) -> Frames:
    """Run the real pipeline once on a generated file (one chunk) and keep every frame it wrote."""
    os.environ.update(
        DATABASE_URL=url,
        DOCS_DIR=str(work / "docs"),
        EXPECTATIONS_DIR=str(ROOT / "expectations"),
        TASK_RUNNER="serial",
        PREFECT_LOGGING_LEVEL="WARNING",
        DO_NOT_TRACK="1",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
    )
    from flows.generate import DefectRates, generate_sales, write_generated
    from flows.pipeline import run_pipeline
    from flows.storage.engine import get_engine
    from flows.storage.records import DatasetRecords

    source = work / "sales.csv"
    write_generated(generate_sales(rows, seed=13), source, 13, DefectRates())
    frames: Frames = []
    write = DatasetRecords.write

    def keeping(self: DatasetRecords, table: str, frame: Any) -> int:
        frames.append((table, frame.copy()))
        return write(self, table, frame)

    DatasetRecords.write = keeping  # type: ignore[method-assign]  # observe what the run writes
    try:
        summary = run_pipeline(source=str(source), chunk_rows=rows)
    finally:
        DatasetRecords.write = write  # type: ignore[method-assign]
    assert summary.status == "COMPLETED", summary
    _engines_to_dispose.append(get_engine(url))
    return [(table, frame) for table, frame in frames if len(frame)]


class Loader:
    """One way to write the frames: a connection of its own, one transaction per repeat."""

    name = ""

    def write(self, table: str, frame: Any) -> None:
        raise NotImplementedError

    def commit(self) -> None:
        raise NotImplementedError


class Psycopg2Copy(Loader):
    """The pipeline's storage path: `write_frame` on a SQLAlchemy psycopg2 connection (COPY ... CSV, streamed)."""

    name = "psycopg2 COPY csv (now)"

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine

        from flows.storage.engine import normalize_url

        engine = create_engine(normalize_url(url))
        _engines_to_dispose.append(engine)
        self._conn = engine.connect()
        self._conn.begin()

    def write(self, table: str, frame: Any) -> None:
        from flows.storage.bulk import write_frame

        write_frame(self._conn, table, frame)

    def commit(self) -> None:
        self._conn.commit()
        self._conn.begin()


class Psycopg2CopyBefore(Psycopg2Copy):
    """The storage path before issue 13: the whole frame as CSV first (Arrow formats zoned timestamps), then COPY."""

    name = "psycopg2 COPY csv (before)"

    def write(self, table: str, frame: Any) -> None:
        import io

        import pyarrow as pa
        import pyarrow.csv as pa_csv

        buffer = io.BytesIO()
        options = pa_csv.WriteOptions(include_header=False, quoting_style="needed")
        pa_csv.write_csv(pa.Table.from_pandas(frame, preserve_index=False), buffer, options)
        buffer.seek(0)
        columns = ", ".join(f'"{c}"' for c in frame.columns)
        cursor = self._conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv)", buffer)
        finally:
            cursor.close()


class TableTypes:
    """Column types of the tables as migrated, read from the database."""

    def __init__(self, url: str) -> None:
        import psycopg2

        conn = psycopg2.connect(url)
        with conn.cursor() as cur:
            cur.execute(
                "SELECT table_name, column_name, udt_name, numeric_precision, numeric_scale"
                " FROM information_schema.columns WHERE table_schema = 'public'"
            )
            self.columns = {(t, c): (udt, p, s) for t, c, udt, p, s in cur.fetchall()}
        conn.close()

    def arrow(self, table: str, frame: Any) -> Any:
        """The frame as an Arrow table whose types are the table's own (int4 as int32, numeric(p,s)...)."""
        import pyarrow as pa

        kinds = {"int8": pa.int64(), "int4": pa.int32(), "int2": pa.int16(), "text": pa.string()}
        kinds |= {"varchar": pa.string(), "timestamptz": pa.timestamp("us", tz="UTC"), "date": pa.date32()}
        data = pa.Table.from_pandas(frame, preserve_index=False)
        fields = []
        for name in data.column_names:
            udt, precision, scale = self.columns[(table, name)]
            fields.append(pa.field(name, pa.decimal128(precision, scale) if udt == "numeric" else kinds[udt]))
        return data.cast(pa.schema(fields))

    def names(self, table: str, columns: list[str]) -> list[str]:
        """PostgreSQL type names of the columns, for psycopg 3's binary dumpers."""
        return [self.columns[(table, c)][0] for c in columns]


class Psycopg3Copy(Loader):
    """psycopg 3 `cursor.copy()` in binary format, `write_row` per row (types set from the table)."""

    name = "psycopg 3 COPY binary"

    def __init__(self, url: str, types: TableTypes) -> None:
        import psycopg

        self._conn, self._types = psycopg.connect(url), types

    def write(self, table: str, frame: Any) -> None:
        data = self._types.arrow(table, frame)
        columns = ", ".join(f'"{c}"' for c in data.column_names)
        with self._conn.cursor() as cur, cur.copy(f"COPY {table} ({columns}) FROM STDIN (FORMAT BINARY)") as copy:
            copy.set_types(self._types.names(table, data.column_names))
            for row in zip(*(column.to_pylist() for column in data.columns), strict=True):
                copy.write_row(row)

    def commit(self) -> None:
        self._conn.commit()


class AdbcIngest(Loader):
    """ADBC `adbc_ingest` (append) of an Arrow table cast to the table's types (binary COPY in C)."""

    name = "ADBC adbc_ingest"

    def __init__(self, url: str, types: TableTypes) -> None:
        import adbc_driver_postgresql.dbapi as adbc

        self._conn, self._types = adbc.connect(url), types

    def write(self, table: str, frame: Any) -> None:
        with self._conn.cursor() as cur:
            cur.adbc_ingest(table, self._types.arrow(table, frame), mode="append")

    def commit(self) -> None:
        self._conn.commit()


def table_checksums(url: str, tables: list[str]) -> dict[str, tuple[int, str]]:
    """Row count and md5 of every row's text form (serial ids left out), per table."""
    import psycopg2

    conn = psycopg2.connect(url)
    sums = {}
    with conn.cursor() as cur:
        for table in tables:
            cur.execute(
                "SELECT column_name FROM information_schema.columns WHERE table_name = %s AND column_name <> 'id'"
                " ORDER BY ordinal_position",
                (table,),
            )
            row = ", ".join(f'"{c}"' for (c,) in cur.fetchall())
            text_rows = f"SELECT ROW({row})::text r FROM {table}"
            cur.execute(f"SELECT count(*), md5(string_agg(r, E'\\n' ORDER BY r)) FROM ({text_rows}) s")
            count, digest = cur.fetchone()
            sums[table] = (int(count), str(digest))
    conn.close()
    return sums


def truncate(url: str, tables: list[str]) -> None:
    """Empty the tables the frames go to (in one statement: clean_sales references raw_sales)."""
    import psycopg2

    conn = psycopg2.connect(url)
    with conn.cursor() as cur:
        cur.execute(f"TRUNCATE {', '.join(tables)}")
    conn.commit()
    conn.close()


def timed_load(loader: Loader, frames: Frames) -> dict[str, float]:
    """Seconds per table (summed over its frames) and for the commit, for one repeat."""
    seconds: dict[str, float] = {}
    for table, frame in frames:
        start = time.perf_counter()
        loader.write(table, frame)
        seconds[table] = seconds.get(table, 0.0) + time.perf_counter() - start
    start = time.perf_counter()
    loader.commit()
    seconds["commit"] = time.perf_counter() - start
    seconds["total"] = sum(seconds.values())
    return seconds


def report(frames: Frames, timings: dict[str, list[dict[str, float]]], repeats: int) -> str:
    """The markdown table: loader, table, rows, median and fastest seconds, rows/s, speed against psycopg2 before."""
    rows = {t: sum(len(f) for name, f in frames if name == t) for t, _ in frames}
    rows["total"] = sum(len(f) for _, f in frames)
    base = next(iter(timings))
    lines = [
        f"Median of {repeats} interleaved repeats; one transaction per repeat, tables truncated before each.",
        "",
        "| loader | table | rows | median s | min s | rows/s (median) | speed vs psycopg2 before (median) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for loader, runs in timings.items():
        for table in [*rows, "commit"]:
            if table == "total":
                continue
            lines.append(_line(loader, table, rows.get(table, 0), runs, timings[base]))
        lines.append(_line(loader, "**all**", rows["total"], runs, timings[base], key="total"))
    return "\n".join(lines) + "\n"


def _line(
    loader: str, table: str, rows: int, runs: list[dict[str, float]], base: list[dict[str, float]], key: str = ""
) -> str:
    key = key or table
    median, fastest = statistics.median(r[key] for r in runs), min(r[key] for r in runs)
    ratio = statistics.median(r[key] for r in base) / median if median else 0.0
    rate = f"{rows / median:,.0f}" if rows and median else ""
    return f"| {loader} | {table} | {rows:,} | {median:.3f} | {fastest:.3f} | {rate} | {ratio:.2f}x |"


def main() -> None:
    """Capture the frames, time each loader over interleaved repeats, check the tables, write the report."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, default=250_000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work, throwaway_database() as url:
        frames = pipeline_frames(url, args.rows, Path(work))
        tables = list(dict.fromkeys(t for t, _ in frames))
        types = TableTypes(url)
        makers: list[Callable[[], Loader]] = [
            lambda: Psycopg2CopyBefore(url),
            lambda: Psycopg2Copy(url),
            lambda: Psycopg3Copy(url, types),
            lambda: AdbcIngest(url, types),
        ]
        loaders = [make() for make in makers]
        timings: dict[str, list[dict[str, float]]] = {loader.name: [] for loader in loaders}
        expected: dict[str, tuple[int, str]] = {}
        for repeat in range(args.repeats):
            turn = repeat % len(loaders)
            for loader in loaders[turn:] + loaders[:turn]:
                truncate(url, tables)
                timings[loader.name].append(timed_load(loader, frames))
                if repeat == 0:  # the old path goes first: every loader must write the rows it wrote
                    sums = table_checksums(url, tables)
                    expected = expected or sums
                    assert sums == expected, f"{loader.name} wrote other rows than psycopg2: {sums} vs {expected}"
                print(f"repeat {repeat + 1}: {loader.name}: {timings[loader.name][-1]['total']:.2f} s", flush=True)
    table = report(frames, timings, args.repeats)
    header = f"# Bulk loaders on the real tables ({args.rows:,}-row chunk, {time.strftime('%Y-%m-%d')})\n\n"
    (OUT / "loaders.md").write_text(header + table)
    print(table)


if __name__ == "__main__":
    main()
