"""Retention's cost on PostgreSQL (not collected by pytest): the purge as built on a year of runs, and whether monthly
declarative partitioning of raw_sales and validation_results would pay off, for the purge and the dashboard's reads.

    .venv/bin/python tests/bench_purge.py                      # 3M raw rows over 12 months (365 daily runs)
    .venv/bin/python tests/bench_purge.py --rows 500000        # a quick check

A throwaway database gets the real schema (migrations and the sales tables), then a year seeded by SQL: `--rows` raw
rows in 365 COMPLETED runs, one a day from 2025-12-01; 85% of the records clean, 15% exceptions (1 in 15 of them
OPEN, the rest DISMISSED), one validation finding per exception and a warning on another 5% of the records.
Timed, each on its own copy of the tables:
- the purge as built (flows.service.retention.purge) of the oldest month's 31 runs, raw rows and findings;
- one month's rows removed from a plain copy by DELETE (by run, as the purge does) and VACUUM, against DETACH and
  DROP of the month's partition of a copy partitioned by month (raw_sales on ingestion_timestamp; validation_results
  on a `run_month` column the copy adds: the table has no date of its own);
- three dashboard reads on the plain and the partitioned copies: the controls heatmap (findings per run and rule),
  one run's findings per rule, and a page of one run's exceptions joined to their raw rows. Median of 7, warm.
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DO_NOT_TRACK", "1")
RUNS, FIRST_DAY = 365, dt.date(2025, 12, 1)
MONTHS = [dt.date(2025 + (11 + i) // 12, (11 + i) % 12 + 1, 1) for i in range(13)]  # 2025-12 .. 2026-12

SEED = """
INSERT INTO pipeline_runs (run_id, dataset, source_name, status, started_at, ended_at, suite_name, suite_version,
                           raw_count, clean_count, exception_count, reconciled)
SELECT 'bench-' || lpad(r::text, 4, '0'), 'sales', 'day_' || r || '.csv', 'COMPLETED',
       %(first)s::timestamptz + r * interval '1 day',
       %(first)s::timestamptz + r * interval '1 day' + interval '5 minutes',
       'sales_orders', 'bench', %(per_run)s, 0, 0, true
FROM generate_series(0, %(runs)s - 1) r;
INSERT INTO raw_sales (id, run_id, dataset, source_name, source_row, ingestion_timestamp,
                       order_id, order_date, region, product, quantity, revenue)
SELECT g, 'bench-' || lpad((g / %(per_run)s)::text, 4, '0'), 'sales', 'day_' || (g / %(per_run)s) || '.csv',
       g %% %(per_run)s + 1, %(first)s::timestamptz + (g / %(per_run)s) * interval '1 day',
       'ORD-' || lpad(g::text, 9, '0'), to_char(%(first)s::date + (g / %(per_run)s)::int, 'YYYY-MM-DD'),
       (ARRAY['North','South','East','West','Central'])[1 + g %% 5], 'Snacks', (1 + g %% 20)::text, '120.50'
FROM generate_series(0::bigint, %(rows)s - 1) g;
INSERT INTO clean_sales (record_id, run_id, dataset, order_id, order_date, region, product, quantity, revenue,
                         revenue_per_unit)
SELECT id, run_id, 'sales', order_id, order_date::date, region, product, quantity::bigint, 120.50, 1.00
FROM raw_sales WHERE id %% 20 >= 3;
INSERT INTO exceptions (run_id, dataset, original_record_id, error_category, pipeline_stage, error_count,
                        error_details, raw_data, status)
SELECT run_id, 'sales', id, 'INVALID_VALUE', 'validate', 1, '[]', '{}',
       CASE WHEN id %% 300 = 0 THEN 'OPEN' ELSE 'DISMISSED' END
FROM raw_sales WHERE id %% 20 < 3;
INSERT INTO validation_results (run_id, dataset, record_id, rule_id, rule_name, expectation_type, column_name,
                                control_type, error_category, severity, observed_value, details)
SELECT run_id, 'sales', id, 'r' || id %% 4, 'rule_' || id %% 4, 'expect_column_values_to_be_in_set', 'region',
       'validity', 'INVALID_VALUE', CASE WHEN id %% 20 < 3 THEN 'error' ELSE 'warning' END, region, 'a finding'
FROM raw_sales WHERE id %% 20 < 4;
"""
COPIES = """
CREATE TABLE plain_raw AS SELECT * FROM raw_sales;
ALTER TABLE plain_raw ADD PRIMARY KEY (id); CREATE INDEX ON plain_raw (run_id);
CREATE TABLE plain_vr AS SELECT * FROM validation_results;
ALTER TABLE plain_vr ADD PRIMARY KEY (id); CREATE INDEX ON plain_vr (run_id); CREATE INDEX ON plain_vr (record_id);
CREATE TABLE part_raw (LIKE raw_sales) PARTITION BY RANGE (ingestion_timestamp);
CREATE TABLE part_vr (LIKE validation_results, run_month date NOT NULL) PARTITION BY RANGE (run_month);
"""
READS = {
    "controls heatmap (findings per run and rule)": "SELECT v.run_id, v.rule_name, count(DISTINCT v.record_id), "
    "count(*) FROM {vr} v JOIN pipeline_runs r ON r.run_id = v.run_id WHERE r.dataset = 'sales' "
    "AND r.status = 'COMPLETED' GROUP BY v.run_id, v.rule_name",
    "one run's findings per rule": "SELECT rule_name, count(*) FROM {vr} WHERE run_id = 'bench-0200' GROUP BY 1",
    "a page of one run's exceptions with raw rows": "SELECT e.id, r.source_row, r.order_id, r.region FROM "
    "exceptions e JOIN {raw} r ON r.id = e.original_record_id WHERE e.run_id = 'bench-0200' ORDER BY e.id LIMIT 100",
}


def timed(action: Callable[[], Any]) -> float:
    """Seconds `action` took."""
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def seed(conn: Any, rows: int) -> float:
    """A year of runs by SQL, the plain and partitioned copies, then VACUUM ANALYZE; seconds."""
    started = time.perf_counter()
    with conn.cursor() as cur:
        cur.execute("SET session_replication_role = replica")  # skip the foreign-key check of every clean row
        params = {"rows": rows, "runs": RUNS, "per_run": -(-rows // RUNS), "first": FIRST_DAY.isoformat()}
        cur.execute(SEED, params)
        cur.execute("SET session_replication_role = origin")
        cur.execute(COPIES)
        for start, end in itertools.pairwise(MONTHS):
            name = f"{start:%Y_%m}"
            cur.execute(f"CREATE TABLE part_raw_{name} PARTITION OF part_raw FOR VALUES FROM ('{start}') TO ('{end}')")
            cur.execute(f"CREATE TABLE part_vr_{name} PARTITION OF part_vr FOR VALUES FROM ('{start}') TO ('{end}')")
        cur.execute("INSERT INTO part_raw SELECT * FROM raw_sales")
        cur.execute(
            "INSERT INTO part_vr SELECT v.*, date_trunc('month', r.ended_at)::date FROM validation_results v "
            "JOIN pipeline_runs r USING (run_id)"
        )
        for ddl in (
            "ALTER TABLE part_raw ADD PRIMARY KEY (id, ingestion_timestamp)",  # a partitioned PK must hold the key
            "CREATE INDEX ON part_raw (run_id)",
            "ALTER TABLE part_vr ADD PRIMARY KEY (id, run_month)",
            "CREATE INDEX ON part_vr (run_id)",
            "CREATE INDEX ON part_vr (record_id)",
            "VACUUM (ANALYZE)",
            "CHECKPOINT",
        ):
            cur.execute(ddl)
    return time.perf_counter() - started


def month_runs(conn: Any) -> list[str]:
    """The oldest month's runs."""
    with conn.cursor() as cur:
        cur.execute("SELECT run_id FROM pipeline_runs WHERE ended_at < %s ORDER BY run_id", (MONTHS[1],))
        return [r[0] for r in cur.fetchall()]


def delete_month(conn: Any, table: str, runs: list[str]) -> tuple[int, float, float]:
    """DELETE the month's rows run by run (as the purge does), then VACUUM: rows, seconds for each."""
    with conn.cursor() as cur:
        started, removed = time.perf_counter(), 0
        for run in runs:
            cur.execute(f"DELETE FROM {table} WHERE run_id = %s", (run,))
            removed += cur.rowcount
        deleted = time.perf_counter() - started
        vacuumed = timed(lambda: cur.execute(f"VACUUM {table}"))
    return removed, deleted, vacuumed


def drop_month(conn: Any, table: str) -> float:
    """DETACH and DROP the oldest month's partition; seconds."""
    name = f"{table}_{MONTHS[0]:%Y_%m}"
    with conn.cursor() as cur:
        return timed(lambda: cur.execute(f"ALTER TABLE {table} DETACH PARTITION {name}; DROP TABLE {name}"))


def read_median(conn: Any, sql: str) -> float:
    """Median of 7 warm runs of a read, in milliseconds."""
    with conn.cursor() as cur:
        cur.execute(sql)
        cur.fetchall()
        times = []
        for _ in range(7):
            times.append(timed(lambda: (cur.execute(sql), cur.fetchall())))
    return statistics.median(times) * 1000


def purge_as_built(url: str) -> tuple[int, int, float]:
    """The real purge of runs that ended before 2026-01-01 (the oldest month): raw rows, findings, seconds."""
    from flows.dataset import load_dataset
    from flows.service.retention import RetentionPolicy, purge
    from flows.settings import get_settings
    from flows.storage.engine import get_engine
    from flows.storage.uow import SqlUnitOfWork

    spec = load_dataset("sales", get_settings().expectations_dir)
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=30)
    started = time.perf_counter()
    with SqlUnitOfWork(get_engine(url)) as uow:
        done = purge(uow, spec, RetentionPolicy(30, 30), now)
    seconds = time.perf_counter() - started
    return sum(r.raw_rows for r in done), sum(r.validation_results for r in done), seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=3_000_000)
    args = parser.parse_args()
    import psycopg2

    from flows.dataset import load_dataset
    from flows.storage.engine import get_engine
    from flows.storage.uow import SqlUnitOfWork
    from tests.conftest import POSTGRES_ADMIN_URL, throwaway_database

    os.environ["EXPECTATIONS_DIR"] = str(ROOT / "expectations")
    with throwaway_database(POSTGRES_ADMIN_URL, prefix="purge_bench") as url:
        with SqlUnitOfWork(get_engine(url)) as uow:
            uow.prepare(load_dataset("sales", ROOT / "expectations"))
        conn = psycopg2.connect(url)
        conn.autocommit = True
        seeded = seed(conn, args.rows)
        with conn.cursor() as cur:
            cur.execute("SELECT count(*) FROM validation_results")
            findings = cur.fetchone()[0]
        print(f"PostgreSQL, {platform.processor() or platform.machine()}, {os.cpu_count()} cores")
        print(f"seeded {args.rows:,} raw rows, {findings:,} findings in {RUNS} runs: {seeded:.1f} s (with copies)")
        reads = {
            name: (
                read_median(conn, sql.format(vr="plain_vr", raw="plain_raw")),
                read_median(conn, sql.format(vr="part_vr", raw="part_raw")),
            )
            for name, sql in READS.items()
        }
        raw, results, seconds = purge_as_built(url)
        print(f"\npurge as built, oldest month: {raw:,} raw rows, {results:,} findings removed in {seconds:.2f} s")
        runs = month_runs(conn)
        print("\n| one month (31 runs) | rows | DELETE by run | VACUUM | DETACH + DROP PARTITION |")
        print("|---|---|---|---|---|")
        for table in ("raw", "vr"):
            removed, deleted, vacuumed = delete_month(conn, f"plain_{table}", runs)
            dropped = drop_month(conn, f"part_{table}")
            label = {"raw": "raw_sales", "vr": "validation_results"}[table]
            print(f"| {label} | {removed:,} | {deleted:.2f} s | {vacuumed:.2f} s | {dropped * 1000:.0f} ms |")
        print("\n| dashboard read (median of 7, warm) | plain | partitioned by month |")
        print("|---|---|---|")
        for name, (plain, part) in reads.items():
            print(f"| {name} | {plain:.2f} ms | {part:.2f} ms |")
        conn.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
