"""Command line for working through exceptions: export a run's open ones as a corrections template, apply a
filled template (runs the replay-exceptions flow), list a run's exceptions with their status.

    python -m flows.exceptions export --run RUN_ID --out FILE.csv
    python -m flows.exceptions apply FILE.csv --user NAME [--dataset NAME]
    python -m flows.exceptions list --run RUN_ID [--status open]

`apply` exits 0 when the batch was applied (even with refused lines, each printed with its reason) or had
already been applied, 2 when the file as a whole was refused, 1 when the replay failed (nothing landed).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd

from flows.constants import ExceptionStatus, RunStatus
from flows.dataset import DatasetSpec
from flows.storage.uow import SqlUnitOfWork

EXIT_APPLIED, EXIT_FAILED, EXIT_REFUSED = 0, 1, 2


@contextmanager
def _unit_of_work() -> Iterator[SqlUnitOfWork]:
    from flows.settings import get_settings
    from flows.storage.engine import get_engine

    with SqlUnitOfWork(get_engine(get_settings().database_url.get_secret_value())) as uow:
        yield uow


def _spec(dataset: str) -> DatasetSpec:
    from flows.dataset import load_dataset
    from flows.settings import get_settings

    return load_dataset(dataset, get_settings().expectations_dir)


def export(run_id: str, out: Path) -> int:
    """Write the run's open exceptions as a corrections template (values as received); return how many."""
    from flows.settings import get_settings
    from flows.storage.read import connect, corrections_template

    with _unit_of_work() as uow:
        run = uow.runs.get(run_id)
    if run is None:
        raise SystemExit(f"unknown run {run_id}")
    with connect(get_settings().database_url.get_secret_value()) as conn:
        template = corrections_template(conn, run_id, _spec(run["dataset"]).column_names)
    out.parent.mkdir(parents=True, exist_ok=True)
    template.to_csv(out, index=False)
    return len(template)


def list_exceptions(run_id: str, status: str | None) -> list[str]:
    """One line per exception of the run: id, record, status, headline category, the rules it failed."""
    with _unit_of_work() as uow:
        rows = uow.exceptions.of_run(run_id, status.upper() if status else None)
        lines = []
        for row in rows:
            rules = sorted({d["rule"] for d in json.loads(row["error_details"]) if d.get("severity") == "error"})
            events = uow.exceptions.events(row["id"])
            last = events[-1] if events else None
            latest = f"  last: {last['action']} by {last['user_name']}: {last['note']}" if last else ""
            if last and last["findings"]:
                latest += f" (still fails: {', '.join(sorted({f['rule'] for f in last['findings']}))})"
            line = (
                f"{row['id']:>8} record {row['original_record_id']:>8} {row['status']:<9} {row['error_category']:<24}"
            )
            lines.append(f"{line} {', '.join(rules)}{latest}")
    return lines


def _dataset_of(path: Path) -> str | None:
    """The one dataset the file's exception ids belong to, if they name exactly one."""
    try:
        ids = pd.read_csv(path, dtype=str, keep_default_na=False, usecols=["exception_id"])["exception_id"]
    except (ValueError, OSError):
        return None
    with _unit_of_work() as uow:
        found = uow.exceptions.find(int(i) for i in ids if i.strip().isdigit())
    datasets = {e["dataset"] for e in found.values()}
    return datasets.pop() if len(datasets) == 1 else None


def apply(path: Path, user: str, dataset: str | None) -> int:
    """Run the replay flow on a filled template and print what it did; the exit code tells the outcome."""
    from flows.replay import replay_exceptions
    from flows.tasks.common import masked_error

    if not path.is_file():
        print(f"REFUSED: no such file {path}", file=sys.stderr)
        return EXIT_REFUSED
    try:
        outcome = replay_exceptions(corrections=str(path), user=user, dataset=dataset or _dataset_of(path))
    except Exception as error:  # noqa: BLE001 - the CLI's job is a one-line reason, not a traceback
        message = masked_error(error)
        print(f"FAILED: {message.splitlines()[0] if message else type(error).__name__}", file=sys.stderr)
        return EXIT_FAILED
    print(f"replay {outcome.run_id}  {outcome.status}  {path.name}  suite version {outcome.suite_version}")
    if outcome.status == RunStatus.REJECTED:
        print(f"REFUSED: {outcome.reason}", file=sys.stderr)
        return EXIT_REFUSED
    if outcome.reason:
        print(f"  {outcome.reason}")
    print(
        f"applied {outcome.applied}: promoted {outcome.promoted}, still open {outcome.still_open}, "
        f"dismissed {outcome.dismissed}, reopened {outcome.reopened}; refused {len(outcome.refused)}"
    )
    for note in outcome.suite_notes:
        print(f"  note: {note}")
    for refusal in outcome.refused:
        print(f"  line {refusal.number} (exception {refusal.exception_id}): {refusal.reason}")
    return EXIT_APPLIED


def main(argv: list[str] | None = None) -> int:
    """Parse the command line and run one subcommand."""
    parser = argparse.ArgumentParser(prog="python -m flows.exceptions", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p_export = sub.add_parser("export", help="write a run's open exceptions as a corrections template")
    p_export.add_argument("--run", required=True)
    p_export.add_argument("--out", required=True, type=Path)
    p_apply = sub.add_parser("apply", help="apply a filled corrections file (runs the replay-exceptions flow)")
    p_apply.add_argument("file", type=Path)
    p_apply.add_argument("--user", required=True)
    p_apply.add_argument("--dataset", help="default: the dataset the file's exception ids belong to")
    p_list = sub.add_parser("list", help="list a run's exceptions and their status")
    p_list.add_argument("--run", required=True)
    p_list.add_argument("--status", choices=[s.lower() for s in ExceptionStatus])
    args = parser.parse_args(argv)
    from flows.startup import configure_process

    configure_process()
    if args.command == "export":
        print(f"wrote {export(args.run, args.out):,} open exceptions to {args.out}")
        return EXIT_APPLIED
    if args.command == "list":
        print("\n".join(list_exceptions(args.run, args.status)))
        return EXIT_APPLIED
    return apply(args.file, args.user, args.dataset)


if __name__ == "__main__":
    sys.exit(main())
