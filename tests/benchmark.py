"""Benchmark: the real pipeline on 5k / 100k / 1M rows (10M with --huge) on PostgreSQL and SQLite, with each
task runner (threads, serial, and dask on PostgreSQL), against a seed-style baseline (simple pandas checks +
`to_sql(method="multi")`) on the same rows.

    make bench        # or: python tests/benchmark.py [--sizes 5000,100000] [--runners threads,serial] [--huge]

Each case runs in its own subprocess so peak RSS is that case's own. Pipeline time is the flow run
(open run -> finalize), with GX and pandas already imported and Prefect's server already up.
Results: data/bench/results.json and data/bench/results.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUT = ROOT / "data" / "bench"
ADMIN = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _fresh_database(kind: str, size: int) -> tuple[str, str | None]:
    if kind == "sqlite":
        path = OUT / f"bench_{size}.db"
        for leftover in OUT.glob(f"bench_{size}.db*"):
            leftover.unlink()
        return f"sqlite:///{path}", None
    import psycopg2

    name = f"bench_{size}_{uuid.uuid4().hex[:6]}"
    conn = psycopg2.connect(ADMIN)
    conn.autocommit = True
    conn.cursor().execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return f"{ADMIN.rsplit('/', 1)[0]}/{name}", name


def _drop_database(name: str | None) -> None:
    if name:
        import psycopg2

        conn = psycopg2.connect(ADMIN)
        conn.autocommit = True
        conn.cursor().execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.close()


WARM_MAX = 10_000  # sizes that also time a second flow run in the same process


def next_day(source: Path) -> Path:
    """The file of the warm run: the same rows as `source` under order ids after its (another day's orders)."""
    return source.with_name(f"{source.stem}_next_day.csv")


def run_case(kind: str, size: int, source: Path, baseline: bool, runner: str) -> dict:
    """Runs in a subprocess: the pipeline (and optionally the baseline) on one file and one database."""
    url, name = _fresh_database(kind, size)
    os.environ.update(DATABASE_URL=url, DOCS_DIR=str(OUT / "docs"), PREFECT_LOGGING_LEVEL="WARNING")
    os.environ.update(TASK_RUNNER=runner, WORK_DIR=str(OUT / "work"))
    import great_expectations  # noqa: F401 - imports are excluded from the pipeline time
    import pandas as pd
    from prefect.testing.utilities import prefect_test_harness

    from flows.pipeline import run_pipeline
    from flows.storage.engine import get_engine

    try:
        with prefect_test_harness(server_startup_timeout=120):
            started = time.perf_counter()
            summary = run_pipeline(source=str(source))
            seconds = time.perf_counter() - started
            warm = None
            if size <= WARM_MAX:  # a second run in the same process: Prefect and GX already set up
                started = time.perf_counter()
                run_pipeline(source=str(next_day(source)))  # not a resend of the first run's orders
                warm = round(time.perf_counter() - started, 2)
        with get_engine(url).connect() as conn:
            stages = (
                pd.read_sql(
                    "SELECT stage, SUM(duration_ms) / 1000.0 AS s FROM audit_log WHERE event = 'end' GROUP BY stage",
                    conn,
                )
                .set_index("stage")["s"]
                .round(2)
                .to_dict()
            )
        result = {
            "db": kind,
            "runner": runner,
            "rows": size,
            "status": summary.status,
            "pipeline_s": round(seconds, 2),
            "rows_per_s": round(size / seconds),
            "stages_s": stages,
            "warm_pipeline_s": warm,
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        }
        if baseline:
            result["baseline_s"] = round(seed_style_baseline(source, url), 2)
            result["speedup"] = round(result["baseline_s"] / seconds, 1)
        return result
    finally:
        _drop_database(name)


def seed_style_baseline(source: Path, url: str) -> float:
    """The design this product replaces: pandas reads with type inference, simple masks, to_sql(method='multi')."""
    import pandas as pd
    import sqlalchemy as sa

    from flows.storage.engine import normalize_url

    engine = sa.create_engine(normalize_url(url))
    started = time.perf_counter()
    frame = pd.read_csv(source)
    revenue = pd.to_numeric(frame["revenue"], errors="coerce")
    quantity = pd.to_numeric(frame["quantity"], errors="coerce")
    dates = pd.to_datetime(frame["order_date"], format="%Y-%m-%d", errors="coerce")
    bad = (
        frame[["order_id", "order_date", "region", "product"]].isna().any(axis=1)
        | revenue.isna()
        | (revenue < 0)
        | quantity.isna()
        | (quantity <= 0)
        | (quantity % 1 != 0)
        | dates.isna()
        | ~frame["region"].isin(["North", "South", "East", "West", "Central"])
        | ~frame["product"].isin(["Sauces", "Ready-to-Eat", "Dairy", "Snacks", "Beverages"])
        | frame["order_id"].duplicated(keep="first")
    )
    frame.to_sql("baseline_raw", engine, method="multi", chunksize=1000, index=False, if_exists="replace")
    frame[~bad].to_sql("baseline_clean", engine, method="multi", chunksize=1000, index=False, if_exists="replace")
    frame[bad].to_sql("baseline_exceptions", engine, method="multi", chunksize=1000, index=False, if_exists="replace")
    seconds = time.perf_counter() - started
    engine.dispose()
    return seconds


def cold_cli_seconds(source: Path, kind: str = "sqlite") -> float:
    """Wall time of `python -m flows.pipeline` from a cold start (process, imports, temporary Prefect server)."""
    url, name = _fresh_database(kind, 0)
    env = dict(os.environ, DATABASE_URL=url, DOCS_DIR=str(OUT / "docs"), PREFECT_LOGGING_LEVEL="WARNING")
    env.pop("PREFECT_API_URL", None)
    started = time.perf_counter()
    try:
        subprocess.run(
            [sys.executable, "-m", "flows.pipeline", "--source", str(source)],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
        return round(time.perf_counter() - started, 2)
    finally:
        _drop_database(name)


def markdown(results: list[dict], cold: dict[str, float], machine: str) -> str:
    """The results as the markdown table the README shows."""
    lines = [
        f"Measured {time.strftime('%Y-%m-%d')} on {machine}.",
        "",
        "| db | runner | rows | pipeline s | rows/s | peak RSS MB | baseline s | speed-up | slowest stages (s) |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        top = ", ".join(f"{k} {v}" for k, v in sorted(r["stages_s"].items(), key=lambda kv: -kv[1])[:4])
        lines.append(
            f"| {r['db']} | {r['runner']} | {r['rows']:,} | {r['pipeline_s']} | {r['rows_per_s']:,} | "
            f"{r['peak_rss_mb']:,} | "
            f"{r.get('baseline_s', '-')} | {r.get('speedup', '-')} | {top} |"
        )
    warm = [f"{r['db']} {r['runner']} {r['warm_pipeline_s']} s" for r in results if r.get("warm_pipeline_s")]
    lines.append("")
    for label, seconds in cold.items():
        lines.append(f"Cold command line (`python -m flows.pipeline`, default runner), {label}: {seconds} s wall.")
    if warm:
        lines.append(f"5,000 rows, second flow run in the same process (server up, GX loaded): {', '.join(warm)}.")
    return "\n".join(lines) + "\n"


def main() -> None:
    """Generate the files, run every case in its own process, write JSON and markdown."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="5000,100000,1000000")
    parser.add_argument("--huge", action="store_true", help="also 10,000,000 rows (PostgreSQL only, no baseline)")
    parser.add_argument("--baseline-max", type=int, default=1_000_000, help="largest size to run the baseline on")
    parser.add_argument("--runners", default="threads,serial,dask", help="task runners to measure (dask: PostgreSQL)")
    parser.add_argument("--case", nargs=4, metavar=("DB", "ROWS", "FILE", "RUNNER"), help=argparse.SUPPRESS)
    parser.add_argument("--no-baseline", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.case:
        kind, size, source, runner = args.case
        baseline = int(size) <= args.baseline_max and not args.no_baseline
        print(json.dumps(run_case(kind, int(size), Path(source), baseline, runner)))
        return
    from flows.generate import DefectRates, generate_sales, write_generated

    sizes = [int(s) for s in args.sizes.split(",")] + ([10_000_000] if args.huge else [])
    results = []
    for size in sizes:
        source = OUT / f"sales_{size}.csv"
        if not source.exists():
            write_generated(generate_sales(size, seed=size), source, size, DefectRates())
        if size <= WARM_MAX and not next_day(source).exists():
            later = generate_sales(size, seed=size, first_order=size + 1)
            write_generated(later, next_day(source), size, DefectRates())
        for kind in ("postgresql", "sqlite") if size < 10_000_000 else ("postgresql",):
            runners = [r for r in args.runners.split(",") if r != "dask" or kind == "postgresql"]
            for position, runner in enumerate(runners):
                command = [sys.executable, __file__, "--baseline-max", str(args.baseline_max)]
                command += ["--no-baseline"] if position else []  # the baseline once per database and size
                command += ["--case", kind, str(size), str(source), runner]
                done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
                results.append(json.loads(done.stdout.strip().splitlines()[-1]))
                print(json.dumps(results[-1]), flush=True)
    cold = {f"{sizes[0]:,} rows, SQLite": cold_cli_seconds(OUT / f"sales_{sizes[0]}.csv")}
    if 1_000_000 in sizes:
        cold["1,000,000 rows, PostgreSQL"] = cold_cli_seconds(OUT / "sales_1000000.csv", "postgresql")
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    (OUT / "results.json").write_text(json.dumps({"machine": machine, "cold_cli_s": cold, "cases": results}, indent=1))
    table = markdown(results, cold, machine)
    (OUT / "results.md").write_text(table)
    print(table)


if __name__ == "__main__":
    main()
