"""Command line for retention: purge what the policy no longer keeps.

    python -m flows.purge [--dataset NAME] [--older-than-days N] [--dry-run]

From COMPLETED, REJECTED and FAILED runs that ended more than RAW_RETENTION_DAYS (VALIDATION_RETENTION_DAYS) ago,
or N days for both, it deletes the raw rows nothing references any more (no clean row, no exception) and the
row-level validation results (but those of OPEN exceptions), and writes a `purge` audit event per run touched.
Everything else is kept for good (README, "Retention and housekeeping"). With neither setting nor N, it removes
nothing. `--dry-run` counts and changes nothing. Exits 0 when done; 1 when a dataset's spec could not be loaded
(that dataset is skipped, the others purged); 2 on a wrong argument.
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys

from flows.dataset import SpecError
from flows.datasets_in_db import datasets_to_visit
from flows.service.retention import RetentionPolicy, policy_for, purge
from flows.settings import Settings, get_settings
from flows.storage.engine import get_engine
from flows.storage.uow import SqlUnitOfWork


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m flows.purge", description=__doc__.split("\n")[0])
    parser.add_argument("--dataset", help="default: every dataset with a run in the database")
    parser.add_argument("--older-than-days", type=int, help="for both kinds of row; default: the settings")
    parser.add_argument("--dry-run", action="store_true", help="count what would go; change nothing")
    args = parser.parse_args(argv)
    settings = get_settings()
    try:
        policy = policy_for(settings.raw_retention_days, settings.validation_retention_days, args.older_than_days)
    except ValueError as exc:
        parser.error(str(exc))
    if not policy.is_set:
        print("retention unset (RAW_RETENTION_DAYS, VALIDATION_RETENTION_DAYS, --older-than-days): nothing to purge")
        return 0
    return _purge(settings, policy, args.dataset, args.dry_run)


def _purge(settings: Settings, policy: RetentionPolicy, dataset: str | None, dry_run: bool) -> int:
    engine = get_engine(settings.database_url.get_secret_value())
    verb = "would remove" if dry_run else "removed"
    now, skipped = dt.datetime.now(dt.UTC), 0
    for name, spec in datasets_to_visit(engine, dataset, settings.expectations_dir):
        if isinstance(spec, SpecError):
            print(f"SKIPPED: {name}: {spec}")
            skipped += 1
            continue
        with SqlUnitOfWork(engine) as uow:
            uow.prepare(spec)
            done = purge(uow, spec, policy, now, dry_run=dry_run)
        for run in done:
            ended = f"{run.ended_at:%Y-%m-%d}"
            counts = f"raw rows {run.raw_rows:,}  validation results {run.validation_results:,}"
            print(f"{name}  run {run.run_id}  {run.status}  ended {ended}  {verb} {counts}")
        raw, results = sum(r.raw_rows for r in done), sum(r.validation_results for r in done)
        print(f"{name}: {verb} {raw:,} raw rows and {results:,} validation results of {len(done)} run(s)")
    print(f"policy: raw rows {_days(policy.raw_days)}, validation results {_days(policy.validation_days)}")
    return 0 if not skipped else 1


def _days(days: int | None) -> str:
    return "kept for good" if days is None else f"kept {days} days after their run ended"


if __name__ == "__main__":
    sys.exit(main())
