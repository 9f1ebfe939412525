"""The ledger's cost, timed on PostgreSQL (not collected by pytest): the pipeline on one generated file against an
empty ledger and against a ledger of many rows, and the ledger reads the dashboard's "All loaded data" scope makes.

    .venv/bin/python tests/bench_ledger.py                                        # 10M-row ledger, 1M-row file
    .venv/bin/python tests/bench_ledger.py --ledger-rows 1000000 --file-rows 100000   # a quick check

Each case gets a fresh database (created and dropped). A small warm-up file runs first through the real pipeline,
so the schema, tables, views and indexes exist and GX is loaded. The big ledger is then seeded by SQL, not by the
pipeline: `--runs` COMPLETED runs (one a day) of raw and clean rows from generate_series, order ids ORD-B000000000
on, record ids reserved from id_blocks, and ledger_summary recomputed by one GROUP BY per breakdown (the same SQL
is first checked against the warm-up run's stored aggregates). The file is `generate_sales` with its order ids
(ORD-0000001 on) disjoint from the ledger's, except `--resend-share` of its rows, which take ledger keys: half
exact resends of the ledger row, half conflicts. Pipeline time is `run_pipeline`'s wall time; the stage times come
from audit_log (the ledger check runs inside `validate`; `ledger` is add_run at finalize).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "ERROR")
PRODUCT_ORDER = ("Sauces", "Ready-to-Eat", "Dairy", "Snacks", "Beverages")
WARM_UP_ROWS = 2_000
RUN_ID = "ledger-bench-"


def ledger_rows(g: np.ndarray, per_run: int) -> pd.DataFrame:
    """The seeded ledger's rows `g` as text, as `SEED_RAW` writes them (one formula, in numpy and in SQL)."""
    from flows.generate import PRODUCT_PRICES, REGIONS

    day = np.datetime64("2024-01-01") + (g // per_run).astype("timedelta64[D]")
    product = np.array(PRODUCT_ORDER)[(g // 5) % 5]
    quantity = 1 + (g // 25) % 20
    paise = np.array([int(PRODUCT_PRICES[p]) for p in product]) * quantity * (85 + (g * 7) % 31)
    return pd.DataFrame(
        {
            "order_id": [f"ORD-B{n:09d}" for n in g],
            "order_date": day.astype(str),
            "region": np.array(REGIONS)[g % 5],
            "product": product,
            "quantity": quantity.astype(str),
            "revenue": [f"{p // 100}.{p % 100:02d}" for p in paise],
        }
    )


SEED_RUNS = """
INSERT INTO pipeline_runs (run_id, dataset, source_name, status, started_at, ended_at, suite_name, suite_version,
                           raw_count, clean_count, exception_count, reconciled)
SELECT %(prefix)s || lpad(r::text, 4, '0'), 'sales', 'ledger_day_' || lpad(r::text, 4, '0') || '.csv', 'COMPLETED',
       now(), now(), w.suite_name, w.suite_version, %(per_run)s, %(per_run)s, 0, true
FROM generate_series(0, %(runs)s - 1) r, (SELECT suite_name, suite_version FROM pipeline_runs LIMIT 1) w
"""
SEED_RAW = """
INSERT INTO raw_sales (id, run_id, dataset, source_name, source_row, ingestion_timestamp,
                       order_id, order_date, region, product, quantity, revenue)
SELECT %(start)s + g, %(prefix)s || lpad((g / %(per_run)s)::text, 4, '0'), 'sales',
       'ledger_day_' || lpad((g / %(per_run)s)::text, 4, '0') || '.csv', g %% %(per_run)s + 1, now(),
       'ORD-B' || lpad(g::text, 9, '0'), to_char(date '2024-01-01' + (g / %(per_run)s)::int, 'YYYY-MM-DD'),
       (%(regions)s::text[])[1 + g %% 5], p.product, q.quantity::text,
       ((p.price * q.quantity * (85 + (g * 7) %% 31))::numeric / 100)::numeric(12, 2)::text
FROM generate_series(0::bigint, %(rows)s - 1) g
CROSS JOIN LATERAL (
    SELECT (%(products)s::text[])[1 + (g / 5) %% 5] AS product, (%(prices)s::int[])[1 + (g / 5) %% 5] AS price
) p
CROSS JOIN LATERAL (SELECT 1 + (g / 25) %% 20 AS quantity) q
"""
SEED_CLEAN = """
INSERT INTO clean_sales (record_id, run_id, dataset, order_id, order_date, region, product, quantity, revenue,
                         revenue_per_unit)
SELECT id, run_id, 'sales', order_id, order_date::date, region, product, quantity::bigint, revenue::numeric(12, 2),
       round(revenue::numeric / quantity::bigint, 2)
FROM raw_sales WHERE id >= %(start)s
"""


def summary_sql(spec: Any) -> str:
    """ledger_summary's rows for the spec, from the current view by SQL: one GROUP BY per breakdown."""
    from flows.constants import RECORD_COUNT, TOTAL, breakdown_name, current_view

    measures = list(spec.analytics.measures)
    values = ", ".join([*(f"('{m}', s.m_{m}::numeric)" for m in measures), f"('{RECORD_COUNT}', s.n::numeric)"])
    parts = []
    for columns in [(), *spec.analytics.breakdowns]:
        keys = [f"s.{c}::text" for c in columns] + ["NULL::text"] * (3 - len(columns))
        inner = ", ".join([*columns, *(f"SUM({m}) AS m_{m}" for m in measures), "COUNT(*) AS n"])
        group = f" GROUP BY {', '.join(columns)}" if columns else ""
        parts.append(
            f"SELECT '{breakdown_name(columns) if columns else TOTAL}' AS breakdown, "
            + ", ".join(f"{k} AS key_{i + 1}" for i, k in enumerate(keys))
            + f", v.measure, v.value FROM (SELECT {inner} FROM {current_view(spec.clean_table)}{group}) s "
            f"CROSS JOIN LATERAL (VALUES {values}) v(measure, value)"
        )
    return " UNION ALL ".join(parts)


def seed(url: str, spec: Any, rows: int, runs: int) -> float:
    """Add `rows` current ledger rows in `runs` COMPLETED runs by SQL, recompute ledger_summary; seconds."""
    import psycopg2

    from flows.generate import PRODUCT_PRICES, REGIONS
    from flows.storage.engine import normalize_url
    from flows.storage.tables import RECORD_IDS

    started = time.perf_counter()
    conn = psycopg2.connect(normalize_url(url).replace("postgresql+psycopg2://", "postgresql://"))
    with conn, conn.cursor() as cur:
        cur.execute("SET LOCAL work_mem = '256MB'")
        by_sql = f"SELECT * FROM ({summary_sql(spec)}) s"
        stored = "SELECT breakdown, key_1, key_2, key_3, measure, value FROM ledger_summary WHERE dataset = %s"
        cur.execute(
            f"SELECT (SELECT count(*) FROM ({stored} EXCEPT {by_sql}) a) + (SELECT count(*) FROM "
            f"({by_sql} EXCEPT {stored}) b)",
            (spec.name, spec.name),
        )
        if cur.fetchone()[0]:
            raise RuntimeError("the summary SQL disagrees with the warm-up run's ledger_summary")
        sql = "UPDATE id_blocks SET next_id = next_id + %s WHERE table_name = %s RETURNING next_id"
        cur.execute(sql, (rows, RECORD_IDS))
        start = cur.fetchone()[0] - rows
        params = {
            "prefix": RUN_ID,
            "runs": runs,
            "per_run": -(-rows // runs),
            "rows": rows,
            "start": start,
            "regions": list(REGIONS),
            "products": list(PRODUCT_ORDER),
            "prices": [int(PRODUCT_PRICES[p]) for p in PRODUCT_ORDER],
        }
        for step in (SEED_RUNS, SEED_RAW):
            cur.execute(step, params)
        cur.execute("SET LOCAL session_replication_role = replica")  # the foreign-key check of every row: skip
        cur.execute(SEED_CLEAN, params)
        cur.execute("SET LOCAL session_replication_role = origin")
        cur.execute("DELETE FROM ledger_summary WHERE dataset = %s", (spec.name,))
        cur.execute(
            f"INSERT INTO ledger_summary (dataset, breakdown, key_1, key_2, key_3, measure, value) "
            f"SELECT %s, * FROM ({by_sql}) t",
            (spec.name,),
        )
    conn.close()
    return time.perf_counter() - started


def settle(url: str) -> None:
    """VACUUM, ANALYZE and CHECKPOINT: what autovacuum and the checkpointer would otherwise do in the timed run."""
    import psycopg2

    from flows.storage.engine import normalize_url

    conn = psycopg2.connect(normalize_url(url).replace("postgresql+psycopg2://", "postgresql://"))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute("VACUUM (ANALYZE)")
        cur.execute("CHECKPOINT")
    conn.close()


def make_file(rows: int, seed_: int, ledger: int, runs: int, share: float, path: Path) -> None:
    """A generated file whose order ids miss the ledger's, but `share` of its rows: half resends, half conflicts."""
    from flows.generate import COLUMNS, generate_sales

    frame = generate_sales(rows, seed=seed_).frame
    rng = np.random.default_rng(seed_)
    take = rng.choice(rows, min(round(rows * share), ledger), replace=False)
    copies = ledger_rows(np.sort(rng.choice(ledger, len(take), replace=False)), -(-ledger // runs))
    exact = len(take) // 2
    frame.loc[take[:exact], list(COLUMNS)] = copies.iloc[:exact].to_numpy()
    frame.loc[take[exact:], "order_id"] = copies["order_id"].iloc[exact:].to_numpy()
    frame.to_csv(path, index=False)


@contextmanager
def fresh_database(admin_url: str, name: str) -> Iterator[str]:
    """A new, empty database for one case, dropped (forcibly) afterwards."""
    import psycopg2

    from flows.storage.engine import get_engine, normalize_url
    from tests.bench_dashboard import recreate

    url = recreate(admin_url, name)
    try:
        yield url
    finally:
        get_engine(url).dispose()
        get_engine.cache_clear()
        conn = psycopg2.connect(normalize_url(admin_url).replace("postgresql+psycopg2://", "postgresql://"))
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()


def timed(action: Any) -> tuple[float, Any]:
    """Seconds `action()` took, and what it returned."""
    started = time.perf_counter()
    result = action()
    return time.perf_counter() - started, result


def ledger_reads(url: str, spec: Any, keys: list[str]) -> dict[str, float]:
    """One chunk's `LedgerRecords.matches` (twice: cold, then cached pages), and the dashboard's ledger reads."""
    from sqlalchemy import text

    from flows.storage.engine import get_engine
    from flows.storage.ledger import LedgerRecords

    grain = (
        "SELECT key_1, key_2, key_3, measure, SUM(value) FROM ledger_summary WHERE dataset = :d "
        "AND breakdown = :b GROUP BY key_1, key_2, key_3, measure"
    )
    finest = "+".join(spec.analytics.breakdowns[-1])
    with get_engine(url).connect() as conn:
        ledger = LedgerRecords(conn)
        first, found = timed(lambda: ledger.matches(spec, keys))
        second, _ = timed(lambda: ledger.matches(spec, keys))
        summary, rows = timed(lambda: ledger.summary(spec.name))
        grain_s, _ = timed(lambda: conn.execute(text(grain), {"d": spec.name, "b": finest}).all())
    render = dashboard_first_render(url)
    return {
        "matches_s": first,
        "matches_again_s": second,
        "matched": float(len(found)),
        "summary_s": summary,
        "summary_rows": float(len(rows)),
        "grain_s": grain_s,
        "render_s": float("nan") if render is None else render,
    }


def dashboard_first_render(url: str) -> float | None:
    """The dashboard's first render server side, cold cache, as tests/bench_dashboard.py times it: a new Reader
    (process-wide cache empty for it), the App over it on "All loaded data" (its default with several runs), and
    the template rendered into a Bokeh document. The median of three; None with a single run (then it opens on
    "This file", which bench_dashboard.py times)."""
    import statistics

    import panel as pn
    from bokeh.document import Document

    from flows.settings import Settings
    from panel_app.app import App
    from panel_app.data_store import DataStore
    from panel_app.reader import Reader
    from panel_app.selection import ALL_DATA

    pn.extension("plotly", "tabulator")
    times = []
    for _ in range(3):
        started = time.perf_counter()
        store = DataStore(Reader(url, "sales"), expectations_dir=ROOT / "expectations")
        App(store=store, settings=Settings(database_url=url)).template().server_doc(Document())
        times.append(time.perf_counter() - started)
        if store.scope != ALL_DATA:  # one run so far (the empty-ledger case): the dashboard opens on this file
            return None
    return statistics.median(times)


def audit_stages(url: str, run_id: str) -> dict[str, float]:
    """Seconds per stage of the run (summed over chunks) from audit_log's end events."""
    from sqlalchemy import text

    from flows.storage.engine import get_engine

    sql = "SELECT stage, SUM(duration_ms) FROM audit_log WHERE run_id = :r AND event = 'end' GROUP BY stage"
    with get_engine(url).connect() as conn:
        return {stage: ms / 1000 for stage, ms in conn.execute(text(sql), {"r": run_id})}


def measure(admin_url: str, name: str, args: argparse.Namespace, scratch: Path, rows: int) -> dict[str, Any]:
    """One case in its own database: warm-up run, `rows` seeded ledger rows, then the timed file."""
    from flows.dataset import load_dataset
    from flows.pipeline import run_pipeline
    from flows.settings import Settings

    spec = load_dataset("sales", ROOT / "expectations")
    keys = pd.read_csv(scratch / "file.csv", usecols=["order_id"], dtype=str, nrows=Settings().chunk_rows)
    keys_list = keys["order_id"].dropna().unique().tolist()
    with fresh_database(admin_url, name) as url:
        os.environ["DATABASE_URL"] = url
        run_pipeline(source=str(scratch / "warm_up.csv"))
        seeded = seed(url, spec, rows, args.runs) if rows else 0.0
        settle(url)
        reads = ledger_reads(url, spec, keys_list)
        wall, result = timed(lambda: run_pipeline(source=str(scratch / "file.csv")))
        stages = audit_stages(url, result.run_id)
    print(f"{name}: {result.status} in {wall:.1f} s, seeded in {seeded:.0f} s; {stages}", file=sys.stderr)
    return {"ledger_rows": rows, "seed_s": seeded, "pipeline_s": wall, "status": str(result.status), **stages, **reads}


def report(args: argparse.Namespace, empty: dict[str, Any], full: dict[str, Any]) -> None:
    """Print the two cases as a markdown table, then the overhead."""
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    print(f"\n{args.file_rows:,}-row file, PostgreSQL; {machine}; {time.strftime('%Y-%m-%d')}\n")
    rows = [
        ("status", "status", "{}"),
        ("pipeline (run_pipeline wall) s", "pipeline_s", "{:.2f}"),
        ("validate s (chunks summed; includes the ledger check)", "validate", "{:.2f}"),
        ("ledger s (add_run at finalize)", "ledger", "{:.2f}"),
        ("finalize s", "finalize", "{:.2f}"),
        ("LedgerRecords.matches, one chunk's keys, s (cold / again)", "matches", "{}"),
        ("keys matched in that chunk", "matched", "{:,.0f}"),
        ("LedgerRecords.summary s (rows)", "summary", "{}"),
        ("grain read of ledger_summary s", "grain_s", "{:.3f}"),
        ("dashboard first render s (hook)", "render_s", "{:.2f}"),
        ("seeding by SQL s", "seed_s", "{:.0f}"),
    ]
    for case in (empty, full):
        case["matches"] = f"{case['matches_s']:.2f} / {case['matches_again_s']:.2f}"
        case["summary"] = f"{case['summary_s']:.3f} ({case['summary_rows']:,.0f})"
    print(f"| | empty ledger | {full['ledger_rows']:,}-row ledger |\n|---|---:|---:|")
    for label, key, form in rows:
        print(f"| {label} | {form.format(empty.get(key, 0.0))} | {form.format(full.get(key, 0.0))} |")
    extra = full["pipeline_s"] - empty["pipeline_s"]
    print(f"\nledger overhead: {extra:+.2f} s, {100 * extra / empty['pipeline_s']:+.1f} % (target: at most +20 %)")


def main() -> int:
    """Generate the files, measure both cases under one Prefect test server, print the table."""
    from prefect.testing.utilities import prefect_test_harness

    from flows.generate import generate_sales

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--admin-url", default=os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--ledger-rows", type=int, default=10_000_000)
    parser.add_argument("--file-rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=365, help="COMPLETED runs the ledger is seeded as (one a day)")
    parser.add_argument("--resend-share", type=float, default=0.01, help="share of the file's rows with ledger keys")
    parser.add_argument("--seed", type=int, default=20261201)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch_dir, prefect_test_harness(server_startup_timeout=90):
        scratch = Path(scratch_dir)
        os.environ.update(
            EXPECTATIONS_DIR=str(ROOT / "expectations"), DOCS_DIR=str(scratch / "docs"), DATA_DIR=str(scratch / "data")
        )
        warm_up = generate_sales(WARM_UP_ROWS, seed=args.seed + 1).frame
        warm_up["order_id"] = warm_up["order_id"].str.replace("ORD-", "ORD-W", regex=False)
        warm_up.to_csv(scratch / "warm_up.csv", index=False)
        make_file(args.file_rows, args.seed, args.ledger_rows, args.runs, args.resend_share, scratch / "file.csv")
        empty = measure(args.admin_url, "ledger_bench_empty", args, scratch, 0)
        full = measure(args.admin_url, "ledger_bench_full", args, scratch, args.ledger_rows)
    report(args, empty, full)
    return 0


if __name__ == "__main__":
    sys.exit(main())
