"""The per-chunk task: one chunk's ingest, validation, routing, typing and partial analytics."""

from __future__ import annotations

from prefect import get_run_logger, task

from flows import service
from flows.records import ChunkRef, ChunkResult, FilePlan, RunContext
from flows.service.audit import utc_now
from flows.startup import configure_process
from flows.tasks.common import STORAGE_TASK, pause_point, unit_of_work
from flows.validation.runner import runner_for


@task(name="Process chunk", task_run_name="Process chunk {chunk.number}", **STORAGE_TASK)
def process_chunk(run: RunContext, plan: FilePlan, chunk: ChunkRef, rejected: bool) -> ChunkResult:
    """Ingest, validate (GX), quarantine, type and aggregate one chunk, in one transaction; log progress."""
    configure_process()  # this may be a worker process that never ran an entry point
    runner = None if rejected else runner_for(run.spec.suite)
    with unit_of_work() as uow:
        result = service.process_chunk(uow, run, plan, chunk, runner)
        pause_point(f"chunk-{chunk.number}", uow)  # the chunk's rows written, not yet committed
    log, share = get_run_logger(), result.last_row / plan.rows if plan.rows else 1.0
    elapsed = max((utc_now() - run.started_at).total_seconds(), 1e-9)
    log.info("chunk %d: %d rows, %d clean, %d quarantined", chunk.number, result.rows, result.clean, result.exceptions)
    log.info(
        "progress [%s] %3.0f%%  %s / %s rows  %s rows/s",
        "#" * round(20 * share) + "." * (20 - round(20 * share)),
        100 * share,
        f"{result.last_row:,}",
        f"{plan.rows:,}",
        f"{result.last_row / elapsed:,.0f}",
    )
    return result
