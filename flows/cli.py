"""Command line for one pipeline run: prints the run's summary; the exit code tells the outcome.

`python -m flows.pipeline` calls `main` with the flow it defines, so this module never imports the
flow module (which would load it a second time).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from flows.constants import RunStatus
from flows.records import RunSummary

EXIT_COMPLETED, EXIT_FAILED, EXIT_REJECTED = 0, 1, 2


def main(run_pipeline: Callable[..., RunSummary], argv: list[str] | None = None) -> int:
    """Run the flow once on --source; 0 completed, 2 rejected, 1 failed."""
    parser = argparse.ArgumentParser(prog="python -m flows.pipeline", description="Run the pipeline on one CSV file.")
    parser.add_argument("--source", required=True, help="path of the CSV file to process")
    parser.add_argument("--dataset", help="dataset spec in expectations/ (default: DEFAULT_DATASET, else sales)")
    parser.add_argument("--chunk-rows", type=int, help="rows per chunk (default: CHUNK_ROWS or 250,000)")
    parser.add_argument("--task-runner", choices=("threads", "dask", "serial"), help="where chunks run (TASK_RUNNER)")
    args = parser.parse_args(argv)
    from flows.startup import configure_process
    from flows.tasks.common import RunFailed, masked, masked_error

    configure_process()
    _prewarm(args.dataset)
    try:
        summary = run_pipeline(
            source=args.source, dataset=args.dataset, chunk_rows=args.chunk_rows, task_runner=args.task_runner
        )
    except Exception as error:  # noqa: BLE001 - the CLI's job is a one-line reason, not a traceback
        message = masked(str(error)) if isinstance(error, RunFailed) else masked_error(error)
        print(f"FAILED: {message.splitlines()[0] if message else type(error).__name__}", file=sys.stderr)
        return EXIT_FAILED
    print(format_summary(summary))
    if summary.status == RunStatus.REJECTED:
        print(f"REJECTED: {summary.reason}", file=sys.stderr)
        return EXIT_REJECTED
    return EXIT_COMPLETED


def _prewarm(dataset: str | None) -> None:
    """Set GX up for the dataset's suite in the background while Prefect's server starts (a cold start's two
    biggest costs, overlapped); an unknown dataset is left for the run to report."""
    from flows.tasks.common import load_spec
    from flows.validation.runner import prewarm

    try:
        spec = load_spec(dataset)
    except Exception:  # noqa: BLE001 - the flow run reports it, with the run recorded
        return
    prewarm(spec.suite)


def format_summary(summary: RunSummary) -> str:
    """The run summary as aligned text."""
    lines = [f"run {summary.run_id}  {summary.status}  {summary.source_name}"]
    if summary.reason:
        lines.append(f"  reason: {summary.reason}")
    lines.append("rows per table:")
    lines += [f"  {table:<20} {count:>10,}" for table, count in summary.counts.items()]
    lines.append(f"  {'(warnings)':<20} {summary.warnings:>10,}")
    if summary.exceptions_by_category:
        lines.append("exceptions by category:")
        lines += [f"  {c:<24} {n:>6,}" for c, n in sorted(summary.exceptions_by_category.items())]
    if summary.status == RunStatus.COMPLETED:
        lines.append("reconciliation: balanced (every raw record in exactly one of clean or exceptions; sums agree)")
    lines.append(f"duration: {summary.duration_s:.2f} s")
    return "\n".join(lines)
