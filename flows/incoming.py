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
import sys
from pathlib import Path

from prefect import flow, get_run_logger

from flows.constants import RunStatus
from flows.pipeline import run_pipeline
from flows.sources.files import file_sha256
from flows.startup import configure_process
from flows.tasks import file_lock
from flows.tasks.common import RunFailed
from flows.tasks.incoming import earlier_run, file_away, list_incoming, prepare_database, record_skip


@flow(name="process-incoming")
def process_incoming(
    incoming: str = "data/incoming", dataset: str | None = None, force: bool = False, task_runner: str | None = None
) -> dict[str, str]:
    """Run the pipeline once per CSV in the incoming folder, oldest first, and file each file away."""
    configure_process()
    folder = Path(incoming)
    outcomes: dict[str, str] = {}
    prepare_database(dataset)
    for path in list_incoming(folder):
        status = _process_file(path, folder, dataset, force, task_runner)
        if status:
            outcomes[path.name] = status
    failed = sorted(name for name, status in outcomes.items() if status == RunStatus.FAILED)
    if failed:
        raise RuntimeError(f"{len(failed)} file(s) failed and stay in {folder}: {', '.join(failed)}")
    return outcomes


def _process_file(path: Path, folder: Path, dataset: str | None, force: bool, task_runner: str | None) -> str | None:
    """Process one file under its sha256 lock, so a concurrent pickup of the same bytes waits, then skips it."""
    try:
        sha256 = file_sha256(path)
    except FileNotFoundError:
        return None  # another pickup took it after this one listed it
    with file_lock(sha256):
        if not path.is_file():
            return None
        earlier = None if force else earlier_run(path, dataset)
        if earlier:
            file_away(path, folder.parent / "processed", record_skip(path, dataset, earlier))
            return RunStatus.SKIPPED
        try:
            summary = run_pipeline(source=str(path), dataset=dataset, task_runner=task_runner)
        except Exception as error:  # noqa: BLE001 - one bad run must not stop the other files
            reason = str(error).splitlines()[0] if isinstance(error, RunFailed) and str(error) else type(error).__name__
            get_run_logger().error("%s failed and stays in %s: %s", path.name, folder, reason)  # masked
            return RunStatus.FAILED
        rejected = summary.status == RunStatus.REJECTED
        target = folder.parent / ("rejected" if rejected else "processed")
        file_away(path, target, summary.run_id, summary.reason if rejected else None)
        return summary.status


def main(argv: list[str] | None = None) -> int:
    """Command line: process the incoming folder once."""
    parser = argparse.ArgumentParser(prog="python -m flows.incoming", description=__doc__.splitlines()[0])
    parser.add_argument("--incoming", default="data/incoming")
    parser.add_argument("--dataset", help="dataset spec in expectations/ (default: DEFAULT_DATASET, else sales)")
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
