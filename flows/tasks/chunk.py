"""The per-chunk task: one chunk's ingest, validation, routing, typing and partial analytics."""

from __future__ import annotations

from prefect import get_run_logger, task

from flows import service
from flows.records import ChunkRef, ChunkResult, FilePlan, RunContext
from flows.startup import configure_process
from flows.tasks.common import STORAGE_TASK, pause_point, unit_of_work
from flows.validation.runner import borrowed_runner


@task(name="Process chunk", task_run_name="Process chunk {chunk.number}", **STORAGE_TASK)
def process_chunk(run: RunContext, plan: FilePlan, chunk: ChunkRef, rejected: bool) -> ChunkResult:
    """Ingest, validate (GX), quarantine, type and aggregate one chunk, in one transaction of its own."""
    configure_process()  # this may be a worker process that never ran an entry point
    if rejected:  # a rejected file's rows are stored as received, never validated
        with unit_of_work() as uow:
            return service.process_chunk(uow, run, plan, chunk, None)
    with borrowed_runner(run.spec.suite) as runner, unit_of_work() as uow:
        result = service.process_chunk(uow, run, plan, chunk, runner)
        pause_point(f"chunk-{chunk.number}", uow)  # the chunk's rows written, not yet committed
    counts = (chunk.number, result.rows, result.clean, result.exceptions)
    get_run_logger().info("chunk %d: %d rows, %d clean, %d quarantined", *counts)
    return result
