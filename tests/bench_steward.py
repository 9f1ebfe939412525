"""Working through exceptions, timed (not collected by pytest): steward actions from the dashboard, one at a time,
then a replay of every other planted defect's correction in one file, on SQLite and PostgreSQL.

    .venv/bin/python tests/bench_steward.py                  # 70,000 generated rows: about 10,000 corrections
    .venv/bin/python tests/bench_steward.py --rows 5000 --only sqlite

One real pipeline run loads the generated file. A dashboard action is what a click on Apply costs the
server: `flows.steward.Steward.act` (the replay service: GX suite, events, promotion, analytics of the run,
reconciliation, Data Docs) and the DataStore's re-read of the run list and results. The first action in a
process also builds the GX runner. The bulk replay is `Steward.apply_file` on the corrections that fix every
other planted defect (the steward's answer from the generator's undamaged values), as one transaction.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "ERROR")
SINGLE_ACTIONS = 10


def measure(url: str, rows: int, scratch: Path) -> dict[str, float]:
    """Load one generated file, then time single actions and the bulk replay on `url`."""
    import pandas as pd

    from flows.exceptions import export
    from flows.generate import generate_sales
    from flows.pipeline import run_pipeline
    from flows.steward import Steward
    from panel_app.data_store import DataStore
    from panel_app.reader import Reader
    from tests.integration.helpers import fix_every_defect, read_table

    os.environ.update(DATABASE_URL=url, EXPECTATIONS_DIR=str(ROOT / "expectations"), DOCS_DIR=str(scratch / "docs"))
    generated = generate_sales(rows, seed=20261201)
    source = scratch / "day.csv"
    generated.frame.to_csv(source, index=False)
    run_id = run_pipeline(source=str(source)).run_id
    export(run_id, scratch / "template.csv")
    template = pd.read_csv(scratch / "template.csv", dtype=str, keep_default_na=False)
    exceptions = read_table(url, "exceptions", run_id)
    raw = read_table(url, "raw_sales", run_id).set_index("id")
    source_rows = pd.Series(raw.loc[exceptions["original_record_id"], "source_row"].to_numpy(), index=exceptions["id"])
    filled = fix_every_defect(template, source_rows, generated)

    steward = Steward(url, ROOT / "expectations", scratch / "kept", scratch / "docs")
    store = DataStore(Reader(url, "sales", ROOT / "expectations"))
    singles = filled[filled["action"] == "correct"].head(SINGLE_ACTIONS)
    times = []
    for _, line in singles.iterrows():
        values = {c: line[c] for c in template.columns[3:]}
        started = time.perf_counter()
        steward.act("sales", "bench", int(line["exception_id"]), "correct", str(line["note"]), values)
        store.results_changed()
        times.append(time.perf_counter() - started)
    rest = filled[~filled["exception_id"].isin(singles["exception_id"])]
    rest.to_csv(scratch / "rest.csv", index=False)
    started = time.perf_counter()
    outcome = steward.apply_file(scratch / "rest.csv", "bench", "sales")
    bulk = time.perf_counter() - started
    return {
        "exceptions": float(len(exceptions)),
        "first_action_s": times[0],
        "warm_action_median_s": statistics.median(times[1:]),
        "warm_action_worst_s": max(times[1:]),
        "bulk_lines": float(len(rest[rest["action"] != ""])),
        "bulk_promoted": float(outcome.promoted),
        "bulk_s": bulk,
    }


def main() -> int:
    """Measure on SQLite and on PostgreSQL (TEST_POSTGRES_URL's server, database `steward_bench`)."""
    from prefect.testing.utilities import prefect_test_harness

    from tests.bench_dashboard import recreate

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=70_000)
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    args = parser.parse_args()
    admin = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
    with prefect_test_harness(server_startup_timeout=90):
        for name in ("sqlite", "postgres"):
            if args.only and name != args.only:
                continue
            with tempfile.TemporaryDirectory() as scratch:
                url = f"sqlite:///{scratch}/bench.db" if name == "sqlite" else recreate(admin, "steward_bench")
                os.environ["DATA_DIR"] = str(Path(scratch) / "data")
                figures = measure(url, args.rows, Path(scratch))
            print(f"{name}: " + ", ".join(f"{k} {v:,.2f}" for k, v in figures.items()), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
