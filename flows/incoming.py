"""Incoming-folder processing: one pipeline run per CSV file, oldest first, then file the file away.

    python -m flows.incoming [--incoming data/incoming] [--dataset sales] [--force]

- COMPLETED -> the file moves to `processed/`;
- REJECTED  -> the file moves to `rejected/`, with `<file>.reason.txt` beside it;
- already processed successfully (same sha256 and dataset) -> skipped, recorded as a SKIPPED run,
  and moved to `processed/`; `--force` processes it again. On PostgreSQL an advisory lock on the
  sha256 makes a concurrent pickup of the same bytes wait, then skip;
- FAILED    -> the file stays in `incoming/` for the next run, and the flow run ends Failed;
- modified in the last INCOMING_SETTLE_SECONDS (default 5; it may still be being written) -> left
  in `incoming/`, untouched, for the next pickup.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows.dataset import load_dataset
from flows.pipeline import run_pipeline
from flows.settings import get_settings
from flows.stages.ingest import file_sha256
from flows.storage import runs
from flows.storage.engine import get_engine
from flows.storage.locks import source_lock
from flows.storage.migrate import upgrade_to_head

FILE_TASK: dict[str, Any] = {"cache_policy": NO_CACHE, "retries": 2, "retry_delay_seconds": 2}


@task(name="List incoming files", **FILE_TASK)
def list_incoming(incoming: Path) -> list[Path]:
    """The settled CSV files waiting in the incoming folder, oldest first; files still being written wait."""
    incoming.mkdir(parents=True, exist_ok=True)
    files = [p for p in incoming.iterdir() if p.is_file() and p.suffix.lower() == ".csv"]
    settle = get_settings().incoming_settle_seconds
    waiting = [p for p in files if not is_settled(p, settle)]
    for path in waiting:
        get_run_logger().info("%s was modified in the last %g s: left for the next pickup", path.name, settle)
    ready = [p for p in files if p not in waiting]
    return sorted(ready, key=lambda p: (p.stat().st_mtime, p.name))


def is_settled(path: Path, settle_seconds: float) -> bool:
    """True when the file was not modified within `settle_seconds` of now (a growing file keeps a fresh mtime)."""
    # abs(): an mtime far in the future (clock skew, copied timestamps) is not a sign of writing.
    return abs(time.time() - path.stat().st_mtime) >= settle_seconds


@task(name="Migrate database", **FILE_TASK)
def migrate() -> None:
    """Bring the database schema to the newest migration before looking up earlier runs."""
    upgrade_to_head(get_engine(get_settings().database_url.get_secret_value()))


@task(name="Check for an earlier run", **FILE_TASK)
def earlier_run(path: Path, dataset: str) -> str | None:
    """The run that already processed this exact file (by sha256), if any."""
    with get_engine(get_settings().database_url.get_secret_value()).connect() as conn:
        return runs.find_completed_run(conn, file_sha256(path), dataset)


@task(name="Record skipped file", **FILE_TASK)
def record_skip(path: Path, dataset: str, earlier: str) -> str:
    """Record a SKIPPED run for a file already processed, so every arrival is auditable."""
    import uuid

    settings = get_settings()
    spec = load_dataset(dataset, settings.expectations_dir)
    run_id, now = str(uuid.uuid4()), runs.utc_now()
    with get_engine(settings.database_url.get_secret_value()).begin() as conn:
        runs.create_run(
            conn,
            run_id=run_id,
            dataset=dataset,
            source_name=path.name,
            source_sha256=file_sha256(path),
            source_bytes=path.stat().st_size,
            started_at=now,
            suite_name=spec.suite.name,
            suite_version=spec.suite.version,
        )
        reason = f"already processed successfully by run {earlier}"
        runs.update_run(conn, run_id, status="SKIPPED", status_reason=reason, ended_at=now)
    get_run_logger().info("skipped %s: %s", path.name, reason)
    return run_id


@task(name="File away", **FILE_TASK)
def file_away(path: Path, folder: Path, run_id: str, reason: str | None = None) -> Path:
    """Move a processed file into `folder` (never overwriting), with its rejection reason beside it."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    if target.exists():
        target = folder / f"{path.stem}-{run_id[:8]}{path.suffix}"
    shutil.move(str(path), target)
    if reason:
        target.with_name(target.name + ".reason.txt").write_text(f"run {run_id}: {reason}\n", encoding="utf-8")
    get_run_logger().info("moved %s to %s", path.name, target)
    return target


@flow(name="process-incoming")
def process_incoming(incoming: str = "data/incoming", dataset: str = "sales", force: bool = False) -> dict[str, str]:
    """Run the pipeline once per CSV in the incoming folder, oldest first, and file each file away."""
    folder = Path(incoming)
    outcomes: dict[str, str] = {}
    migrate()
    for path in list_incoming(folder):
        status = _process_file(path, folder, dataset, force)
        if status:
            outcomes[path.name] = status
    failed = sorted(name for name, status in outcomes.items() if status == "FAILED")
    if failed:
        raise RuntimeError(f"{len(failed)} file(s) failed and stay in {folder}: {', '.join(failed)}")
    return outcomes


def _process_file(path: Path, folder: Path, dataset: str, force: bool) -> str | None:
    """Process one file under its sha256 lock, so a concurrent pickup of the same bytes waits, then skips it."""
    try:
        sha256 = file_sha256(path)
    except FileNotFoundError:
        return None  # another pickup took it after this one listed it
    with source_lock(get_settings().database_url.get_secret_value(), sha256):
        if not path.is_file():
            return None
        earlier = None if force else earlier_run(path, dataset)
        if earlier:
            file_away(path, folder.parent / "processed", record_skip(path, dataset, earlier))
            return "SKIPPED"
        try:
            summary = run_pipeline(source=str(path), dataset=dataset)
        except Exception as error:  # noqa: BLE001 - one bad run must not stop the other files
            get_run_logger().error("%s failed and stays in %s: %s", path.name, folder, type(error).__name__)
            return "FAILED"
        rejected = summary.status == "REJECTED"
        target = folder.parent / ("rejected" if rejected else "processed")
        file_away(path, target, summary.run_id, summary.reason if rejected else None)
        return summary.status


def main(argv: list[str] | None = None) -> int:
    """Command line: process the incoming folder once."""
    parser = argparse.ArgumentParser(prog="python -m flows.incoming", description=__doc__.splitlines()[0])
    parser.add_argument("--incoming", default="data/incoming")
    parser.add_argument("--dataset", default="sales")
    parser.add_argument("--force", action="store_true", help="process files even if already processed")
    args = parser.parse_args(argv)
    try:
        outcomes = process_incoming(incoming=args.incoming, dataset=args.dataset, force=args.force)
    except RuntimeError as error:
        print(f"FAILED: {error}", file=sys.stderr)
        return 1
    for name, status in outcomes.items():
        print(f"{status:<10} {name}")
    print(f"{len(outcomes)} file(s) processed from {args.incoming}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
