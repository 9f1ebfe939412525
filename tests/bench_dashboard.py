"""Dashboard speed on PostgreSQL with 50 runs of 5,000 rows (not collected by pytest).

    .venv/bin/python tests/bench_dashboard.py                 # fills database `dashboard_bench`, then measures
    .venv/bin/python tests/bench_dashboard.py --reuse         # measure again without refilling
    .venv/bin/python tests/bench_dashboard.py --runs 730 --real 3 --database dashboard_bench_730   # a 2-year history
    .venv/bin/python tests/bench_dashboard.py --reuse --against dashboard_bench_730 --rounds 3     # side by side

The runs are real pipeline runs (`flows.pipeline.run_pipeline` under Prefect's test harness), one
generated file each; with `--real N` below `--runs`, only the last N are, and the earlier ones (one a day before
them) are seeded in bulk by `tests/many_runs.py`: run rows, totals, failed checks and alerts, no raw rows.
Times are server-side: building the DataStore and the views and the Bokeh
document a browser session gets (what `panel serve` does per page load), then the model updates a
filter change triggers. Python's imports (paid once per server process) are not included.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "ERROR")


def fill(url: str, runs: int, rows: int) -> float:
    """Run the pipeline `runs` times on fresh generated files; return the seconds it took."""
    from prefect.testing.utilities import prefect_test_harness

    from flows.generate import DefectRates, generate_sales, write_generated
    from flows.pipeline import run_pipeline

    os.environ.update(DATABASE_URL=url, EXPECTATIONS_DIR=str(ROOT / "expectations"))
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch, prefect_test_harness(server_startup_timeout=90):
        os.environ["DOCS_DIR"] = str(Path(scratch) / "docs")
        for seed in range(runs):
            path = Path(scratch) / f"bench_{seed:02d}.csv"
            # Each run is another day's file, with its own order ids. They count down, so that the latest run (the
            # one the dashboard opens on and the exceptions search is timed on) keeps ORD-0000001 upward.
            first_order = (runs - 1 - seed) * rows + 1
            generated = generate_sales(rows, seed=1000 + seed, first_order=first_order)
            write_generated(generated, path, seed, DefectRates())
            status = run_pipeline(source=str(path)).status
            print(f"run {seed + 1}/{runs}: {status}", file=sys.stderr)
    return time.perf_counter() - started


def seed_earlier(url: str, runs: int) -> float:
    """Add `runs` seeded COMPLETED runs, one a day up to the day before the first real run; return the seconds."""
    import datetime as dt

    from tests.many_runs import add_year

    started = time.perf_counter()
    add_year(url, "sales", ROOT / "expectations", runs, dt.date.today() - dt.timedelta(days=1))
    return time.perf_counter() - started


def recreate(admin_url: str, name: str) -> str:
    """Drop and create the benchmark database; return its URL."""
    import psycopg2

    from flows.storage.engine import normalize_url

    conn = psycopg2.connect(normalize_url(admin_url).replace("postgresql+psycopg2://", "postgresql://"))
    conn.autocommit = True
    with conn.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        cur.execute(f'CREATE DATABASE "{name}"')
    conn.close()
    return f"{admin_url.rsplit('/', 1)[0]}/{name}"


def timed(action: Callable[[], object], repeat: int) -> tuple[float, float]:
    """Median and worst wall time of `action` in milliseconds."""
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), max(times)


def measure(url: str, repeat: int) -> list[tuple[str, float, float]]:
    """Time first render (cold and warm cache), every tab, and the interactions."""
    import panel as pn
    from bokeh.document import Document

    from flows.settings import Settings
    from panel_app.app import App
    from panel_app.data_store import DataStore
    from panel_app.metrics.runs import run_labels
    from panel_app.reader import Reader
    from panel_app.views.run_picker import RunPicker

    pn.extension("plotly", "tabulator")
    settings = Settings(database_url=url)
    shared = Reader(url, "sales")

    def render(reader: Reader) -> App:
        app = App(store=DataStore(reader, expectations_dir=ROOT / "expectations"), settings=settings)
        app.template().server_doc(Document())
        return app

    app = render(shared)
    store = app.ds
    picker = RunPicker(store=store)
    other_run = store.compare_run_id
    labels = dict(zip(store.runs["run_id"], run_labels(store.runs), strict=True))
    regions = list(store.options["region"])
    results = [
        ("first render, cold cache (new process-wide cache)", *timed(lambda: render(Reader(url, "sales")), repeat)),
        ("first render, warm cache (another browser session)", *timed(lambda: render(shared), repeat)),
    ]

    def every_tab() -> None:
        tabs = render(Reader(url, "sales")).tabs
        for i in range(1, len(tabs)):
            tabs.active = i

    results.append(("first render, then open the other four tabs, cold cache", *timed(every_tab, repeat)))
    flips = iter(range(10**6))
    full, latest = store.date_range, store.run_id
    assert full is not None and latest is not None and other_run

    def filter_change() -> None:
        i = next(flips) % len(regions)
        store.set_filter("region", regions[i : i + 2])

    def date_change() -> None:
        spring = (full[0].replace(month=3, day=1), full[1].replace(month=9, day=30))
        store.date_range = spring if next(flips) % 2 else full

    def run_change() -> None:
        store.run_id = other_run if next(flips) % 2 else latest

    results.append(("region filter change (Analytics tab)", *timed(filter_change, repeat * 2)))
    results.append(("date range change (Analytics tab)", *timed(date_change, repeat * 2)))
    results.append(("run change (Analytics tab)", *timed(run_change, repeat * 2)))

    def run_found() -> None:  # the sidebar's search: the comparison run's label, then the latest run's
        picker.search.value = labels[other_run if next(flips) % 2 else latest]

    results.append(("run found by search (sidebar)", *timed(run_found, repeat * 2)))
    app.tabs.active = 1
    results.append(("run change (Data Quality tab)", *timed(run_change, repeat * 2)))
    app.tabs.active = 4
    results.append(("run change (Controls Summary tab)", *timed(run_change, repeat * 2)))
    app.tabs.active = 2
    results.append(
        (
            "exceptions search (Exceptions tab)",
            *timed(lambda: setattr(store, "search", f"ORD-00{next(flips) % 90:02d}"), repeat * 2),
        )
    )
    results.append(
        ("exceptions next page (Exceptions tab)", *timed(lambda: setattr(store, "page", store.page + 1), repeat * 2))
    )
    return results


def side_by_side(admin_url: str, databases: list[str], rounds: int, repeat: int) -> None:
    """Measure filled databases in turn, `rounds` times (a shared machine's load then weighs on each alike); print
    each step's median over the rounds (of the per-round medians) per database."""
    medians: dict[str, list[list[float]]] = {name: [] for name in databases}
    steps: list[str] = []
    for _ in range(rounds):
        for name in databases:
            results = measure(f"{admin_url.rsplit('/', 1)[0]}/{name}", repeat)
            steps = [step for step, _, _ in results]
            medians[name].append([median for _, median, _ in results])
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    print(f"\n{rounds} rounds, PostgreSQL; {machine}; load {os.getloadavg()[0]:.1f}; {time.strftime('%Y-%m-%d')}\n")
    print("| step | " + " | ".join(databases) + " |\n|---|" + "---:|" * len(databases))
    for i, step in enumerate(steps):
        cells = [f"{statistics.median(r[i] for r in medians[name]):.0f}" for name in databases]
        print(f"| {step} | " + " | ".join(cells) + " |")


def main() -> None:
    """Fill (unless --reuse) and measure; print a markdown table."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--admin-url", default=os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    )
    parser.add_argument("--database", default="dashboard_bench")
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--real", type=int, default=None, help="real pipeline runs (default: all); the rest seeded")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="keep the filled database")
    parser.add_argument("--against", help="with --reuse: another filled database, measured in turn with the first")
    parser.add_argument("--rounds", type=int, default=1, help="with --against: rounds of both (median of rounds)")
    args = parser.parse_args()
    if args.reuse and args.against:
        side_by_side(args.admin_url, [args.database, args.against], args.rounds, args.repeat)
        return
    url = f"{args.admin_url.rsplit('/', 1)[0]}/{args.database}"
    if not args.reuse:
        url = recreate(args.admin_url, args.database)
        real = min(args.runs, args.real if args.real is not None else args.runs)
        print(f"filled {real} runs x {args.rows:,} rows in {fill(url, real, args.rows):.0f} s", file=sys.stderr)
        if args.runs > real:
            print(
                f"seeded {args.runs - real} earlier runs in {seed_earlier(url, args.runs - real):.1f} s",
                file=sys.stderr,
            )
    results = measure(url, args.repeat)
    machine = f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}"
    real = f"{args.runs} runs ({args.real or args.runs} real) of {args.rows:,} rows"
    print(f"\n{real}, PostgreSQL; {machine}; {time.strftime('%Y-%m-%d')}\n")
    print("| step | median ms | worst ms |\n|---|---:|---:|")
    for step, median, worst in results:
        print(f"| {step} | {median:.0f} | {worst:.0f} |")


if __name__ == "__main__":
    main()
