"""Command line for backups: copy the SQLite database while the pipeline runs, and verify a (restored) database.

    python -m flows.backup sqlite --to PATH     # an online copy of DATABASE_URL's SQLite file
    python -m flows.backup verify [--dataset NAME]

`verify` reconciles every COMPLETED run of every dataset in the database (or of NAME) from its stored rows: raw =
clean + open or dismissed exceptions by record id, promoted rows matching PROMOTED exceptions, analytics summing to
the clean rows, and the counts in pipeline_runs. It only reads. Exits 0 when everything balances, 1 when something
does not (each problem printed). PostgreSQL is backed up with pg_dump -Fc (README, "Backup and restore").
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from flows.dataset import SpecError
from flows.datasets_in_db import datasets_to_visit
from flows.service.reconciliation import reconcile_runs
from flows.settings import Settings, get_settings
from flows.storage.backup import BackupError, backup_sqlite
from flows.storage.engine import get_engine
from flows.storage.uow import SqlUnitOfWork


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flows.backup", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    sqlite = commands.add_parser("sqlite", help="copy the SQLite database with SQLite's online backup API")
    sqlite.add_argument("--to", required=True, type=Path, help="the backup file to write (replaced if it exists)")
    verify = commands.add_parser("verify", help="reconcile every COMPLETED run from what the database holds")
    verify.add_argument("--dataset", help="default: every dataset with a run in the database")
    args = parser.parse_args(argv)
    settings = get_settings()
    if args.command == "sqlite":
        return _backup(settings, args.to)
    return _verify(settings, args.dataset)


def _backup(settings: Settings, target: Path) -> int:
    started = time.perf_counter()
    try:
        done = backup_sqlite(settings.database_url.get_secret_value(), target)
    except BackupError as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
        return 1
    elapsed = time.perf_counter() - started
    print(f"backed up {done.source} to {done.target} ({done.size_bytes:,} bytes, {elapsed:.2f} s)")
    return 0


def _verify(settings: Settings, dataset: str | None) -> int:
    engine = get_engine(settings.database_url.get_secret_value())
    problems = 0
    for name, spec in datasets_to_visit(engine, dataset, settings.expectations_dir):
        if isinstance(spec, SpecError):
            print(f"UNCHECKED: {name}: {spec}")
            problems += 1
            continue
        with SqlUnitOfWork(engine) as uow:
            balances = reconcile_runs(uow, spec)
        for run in balances:
            verdict = "balanced" if not run.problems else "UNBALANCED: " + "; ".join(run.problems)
            counts = f"raw {run.raw_count:,}  clean {run.clean_count:,}  exceptions {run.exception_count:,}"
            print(f"{name}  run {run.run_id}  {counts}  {verdict}")
        problems += sum(1 for run in balances if run.problems)
        print(f"{name}: {len(balances)} COMPLETED run(s), {sum(1 for r in balances if r.problems)} unbalanced")
    print("runs: balanced" if not problems else f"runs: {problems} problem(s)")
    return 0 if not problems else 1


if __name__ == "__main__":
    sys.exit(main())
