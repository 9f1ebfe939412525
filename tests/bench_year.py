"""A year of nightly files through the real incoming flow, then what it cost (not collected by pytest).

    make year DAYS=365                                   # SQLite under data/year/ (YEAR_ARGS for more)
    .venv/bin/python tests/bench_year.py --days 365 --rows 2000 --out data/year [--database-url URL]

One sales file per day (2025-01-01 on): about `--rows` rows, fewer at weekends, more in the October-November
festival season, day-to-day noise, the generator's usual defects, and each day resending a few of the week's
orders. A few bad days: collapsed files (a tenth of the rows), defect-ridden files, one file without its
revenue column (REJECTED) and one earlier file dropped again under another name (SKIPPED: the same bytes).
The files go through `python -m flows.incoming` a month at a time (one process per month, like nights that
each pick up their file); after each month the database, the Data Docs and the processed files are measured.
At the end the dashboard's server-side timings are taken (tests/bench_dashboard.py's `measure`), and the report
says what grew faster than the data. It writes `<out>/report.json` and prints a markdown table.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
FIRST_DAY = dt.date(2025, 1, 1)


def daily_sizes(days: int, rows: int, rng: np.random.Generator) -> np.ndarray:
    """Rows per day: weekends smaller, the festival season larger, lognormal day-to-day noise."""
    dates = [FIRST_DAY + dt.timedelta(days=d) for d in range(days)]
    weekday = np.array([{5: 0.8, 6: 0.6}.get(d.weekday(), 1.0) for d in dates])
    season = np.array([1.3 if d.month in (10, 11) else 1.0 for d in dates])
    return np.maximum(50, (rows * weekday * season * rng.lognormal(0, 0.1, days)).round()).astype(int)


def write_year(days: int, rows: int, seed: int, folder: Path) -> dict[str, list[int]]:
    """Write the year's files into `folder` (sales_YYYY-MM-DD.csv); return the bad days by kind (0-based)."""
    import pandas as pd

    from flows.generate import DefectRates, generate_sales

    rng = np.random.default_rng(seed)
    sizes = daily_sizes(days, rows, rng)
    bad = rng.choice(np.arange(14, days), size=min(days - 14, 8), replace=False).tolist() if days > 20 else []
    kinds = {"collapsed": bad[0:3], "defective": bad[3:6], "rejected": bad[6:7], "resent_file": bad[7:8]}
    folder.mkdir(parents=True, exist_ok=True)
    frames: list[pd.DataFrame] = []
    next_order = 1
    for day in range(days):
        date = FIRST_DAY + dt.timedelta(days=day)
        path = folder / f"sales_{date.isoformat()}.csv"
        if day in kinds["resent_file"]:  # an earlier day's file, dropped again under this day's name
            frames[day - 7].to_csv(path, index=False)
            frames.append(frames[day - 7])
            continue
        n = int(sizes[day] // 10 if day in kinds["collapsed"] else sizes[day])
        base = DefectRates()
        rates = (
            DefectRates(missing_order_date=0.2, malformed_order_date=0.1, negative_revenue=0.1)
            if day in kinds["defective"]
            else base
        )
        generated = generate_sales(n, int(rng.integers(2**32)), rates, first_order=next_order)
        frame = generated.frame.copy()
        bad_dates = set(
            generated.answer_key.get("missing_order_date", []) + generated.answer_key.get("malformed_order_date", [])
        )
        valid = np.array([p + 1 not in bad_dates for p in range(len(frame))])
        frame.loc[valid, "order_date"] = date.isoformat()
        ids = frame["order_id"][frame["order_id"].str.startswith("ORD-")]
        next_order = max(next_order, *(int(i[4:]) + 1 for i in ids))
        if frames:  # a few of the last week's orders sent again
            recent = pd.concat(frames[-7:])
            frame = pd.concat([frame, recent.sample(n=min(len(recent), max(1, n // 100)), random_state=day)])
        if day in kinds["rejected"]:
            frame = frame.drop(columns=["revenue"])
        frame.to_csv(path, index=False)
        frames.append(frame)
    return kinds


def folder_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) if path.exists() else 0


def database_bytes(url: str) -> int:
    """The database's size on disk (SQLite: the file and its WAL; PostgreSQL: pg_database_size)."""
    if url.startswith("sqlite"):
        path = Path(url.split("///", 1)[1])
        return sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    from sqlalchemy import text

    from flows.storage.engine import get_engine

    with get_engine(url).connect() as conn:
        return int(conn.execute(text("SELECT pg_database_size(current_database())")).scalar_one())


def run_month(files: list[Path], incoming: Path, env: dict[str, str]) -> float:
    """Drop a month's files (settled, oldest first) and run the incoming flow once; return its seconds."""
    incoming.mkdir(parents=True, exist_ok=True)
    for i, path in enumerate(files):
        target = incoming / path.name
        path.rename(target)
        os.utime(target, (1_000_000_000 + i, 1_000_000_000 + i))
    started = time.perf_counter()
    command = [sys.executable, "-m", "flows.incoming", "--incoming", str(incoming)]
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    if result.returncode not in (0, 1):  # 1: some file failed and stays (reported), the month goes on
        raise RuntimeError(result.stderr[-2000:])
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--out", type=Path, default=ROOT / "data" / "year")
    parser.add_argument("--database-url", help="default: SQLite in --out")
    parser.add_argument("--no-dashboard", action="store_true", help="skip the dashboard timings")
    args = parser.parse_args()
    out = args.out.resolve()
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"{out} is not empty: remove it or give another --out")
    url = args.database_url or f"sqlite:///{out / 'pipeline.db'}"
    env = dict(os.environ, DATABASE_URL=url, DOCS_DIR=str(out / "docs"), WORK_DIR=str(out / "work"))
    env.update(PREFECT_LOGGING_LEVEL="WARNING", EXPECTATIONS_DIR=str(ROOT / "expectations"), DO_NOT_TRACK="1")
    started = time.perf_counter()
    kinds = write_year(args.days, args.rows, args.seed, out / "files")
    print(f"wrote {args.days} daily files in {time.perf_counter() - started:.0f} s; bad days: {kinds}", flush=True)
    by_month: dict[str, list[Path]] = {}
    for path in sorted((out / "files").glob("sales_*.csv")):
        by_month.setdefault(path.stem[6:13], []).append(path)
    months = []
    for month, files in by_month.items():
        seconds = run_month(files, out / "incoming", env)
        raw = sum(f.stat().st_size for f in (out / "processed").glob(f"sales_{month}-*.csv"))
        sizes = {
            "database": database_bytes(url),
            "docs": folder_bytes(out / "docs"),
            "processed": folder_bytes(out / "processed"),
        }
        months.append({"month": month, "files": len(files), "seconds": round(seconds, 1), "input_bytes": raw, **sizes})
        print(json.dumps(months[-1]), flush=True)
    report = {"days": args.days, "rows": args.rows, "database_url": url.split("@")[-1], "bad_days": kinds}
    report |= {"months": months, "runs": _runs(url), "growth": _growth(months)}
    if not args.no_dashboard:
        from tests.bench_dashboard import measure

        report["dashboard"] = [{"what": w, "median_ms": m, "max_ms": x} for w, m, x in measure(url, 3)]
    (out / "report.json").write_text(json.dumps(report, indent=2, default=str))
    print(markdown(report))


def _runs(url: str) -> dict[str, int]:
    import pandas as pd
    from sqlalchemy import text

    from flows.storage.engine import get_engine

    with get_engine(url).connect() as conn:
        runs = pd.read_sql(text("SELECT status, count(*) AS n FROM pipeline_runs GROUP BY status"), conn)
    return dict(zip(runs["status"], runs["n"].astype(int), strict=True))


def _growth(months: list[dict[str, object]]) -> dict[str, object]:
    """Bytes per file added in the first and the last month, per store: what grew faster than the data."""
    if len(months) < 3:
        return {}
    first, second, last, before = months[0], months[1], months[-1], months[-2]
    grew = {}
    for store in ("database", "docs", "processed"):
        early = (int(second[store]) - int(first[store])) / max(1, int(second["input_bytes"]))  # type: ignore[call-overload]
        late = (int(last[store]) - int(before[store])) / max(1, int(last["input_bytes"]))  # type: ignore[call-overload]
        grew[store] = {
            "bytes_per_input_byte_early": round(early, 2),
            "late": round(late, 2),
            "faster": late > 1.25 * early,
        }
    return grew


def markdown(report: dict[str, object]) -> str:
    months: list[dict[str, object]] = report["months"]  # type: ignore[assignment]
    lines = ["| month | files | flow s | database MB | Data Docs MB | processed MB |", "|---|---:|---:|---:|---:|---:|"]
    lines += [
        f"| {m['month']} | {m['files']} | {m['seconds']} | {int(m['database']) / 1e6:,.1f} | "  # type: ignore[call-overload]
        f"{int(m['docs']) / 1e6:,.1f} | {int(m['processed']) / 1e6:,.1f} |"  # type: ignore[call-overload]
        for m in months
    ]
    lines += ["", f"runs: {report['runs']}", f"growth: {json.dumps(report['growth'])}"]
    for row in report.get("dashboard", []):  # type: ignore[attr-defined]
        lines.append(f"- {row['what']}: median {row['median_ms']:,.0f} ms, max {row['max_ms']:,.0f} ms")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
