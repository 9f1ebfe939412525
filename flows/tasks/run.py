"""Run-level tasks: open the run, index the file, check its header, document, finalize, reject, fail, report."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.runtime import flow_run

from flows import service
from flows.records import ChunkResult, FilePlan, RunContext, RunSummary, SchemaCheck
from flows.report import failures_table, summary_markdown
from flows.settings import get_settings
from flows.tasks.common import STORAGE_TASK, load_spec, masked_error, pause_point, unit_of_work
from flows.validation.runner import borrowed_runner


@task(name="Open run", **STORAGE_TASK)
def open_run(source: str, dataset: str | None, chunk_rows: int | None, run_id: str) -> RunContext:
    """Migrate the database, clean up abandoned runs, load the dataset spec and suite, record the run as RUNNING."""
    settings, spec, log = get_settings(), load_spec(dataset), get_run_logger()
    with unit_of_work() as uow:
        opened = service.open_run(
            uow,
            spec,
            Path(source),
            run_id,
            flow_run_id=str(flow_run.id) if flow_run.id else None,
            chunk_rows=chunk_rows or settings.chunk_rows,
            max_file_bytes=settings.max_file_bytes,
            work_root=settings.work_dir.resolve(),  # absolute: workers may have another working folder
        )
    pause_point("opened")
    for stale in opened.abandoned:
        log.warning("run %s abandoned (its process stopped); marked FAILED, partial results deleted", stale)
    log.info("run %s: %s (%s) with suite %s@%s", run_id, source, spec.name, spec.suite.name, spec.suite.version)
    return opened.run


@task(name="Index rows and keys", **STORAGE_TASK)
def index_file(run: RunContext) -> FilePlan:
    """Screen the file, count its rows, find repeated business keys, spill the chunks, reserve record ids."""
    settings = get_settings()
    with unit_of_work() as uow:
        plan = service.plan_file(uow, run, settings.max_file_bytes, settings.max_file_rows)
    pause_point("indexed")
    get_run_logger().info(
        "index: %d rows in %d chunks, %d rows share a business key", plan.rows, len(plan.chunks), len(plan.keys.members)
    )
    return plan


@task(name="Check file-level rules", **STORAGE_TASK)
def check_schema(run: RunContext, plan: FilePlan) -> SchemaCheck:
    """Check the header with the suite's file-level rules: a missing required column rejects the file."""
    with borrowed_runner(run.spec.suite) as runner, unit_of_work() as uow:
        schema = service.check_schema(uow, run, plan, runner)
    if schema.rejection:
        get_run_logger().warning("schema: %s", schema.rejection)
    return schema


@task(name="Build Data Docs", **STORAGE_TASK)
def build_docs(run: RunContext, schema: SchemaCheck, chunks: Sequence[ChunkResult]) -> Path:
    """Add the run's offline GX Data Docs to the site (every validation), record its page, apply retention."""
    named = [(f"{run.dataset}: {run.source_name}, header", schema.docs_result)]
    for c in chunks:
        if c.docs_result is not None:
            named.append(
                (f"{run.dataset}: {run.source_name}, rows {c.last_row - c.rows + 1:,}-{c.last_row:,}", c.docs_result)
            )
    with borrowed_runner(run.spec.suite) as runner, unit_of_work() as uow:
        settings = get_settings()
        index = service.build_docs(uow, run, runner, named, settings.docs_dir, settings.docs_retention_days)
    get_run_logger().info("data docs: %s", index.as_uri())
    return index


@task(name="Finalize: analytics and reconciliation", **STORAGE_TASK)
def finalize_run(run: RunContext, plan: FilePlan, chunks: Sequence[ChunkResult]) -> RunSummary:
    """Store the analytics, reconcile, and mark the run COMPLETED if it balances (all in one transaction)."""
    with unit_of_work() as uow:
        summary = service.finalize_run(uow, run, plan, chunks)
        pause_point("finalize", uow)  # analytics and COMPLETED written, not yet committed
    get_run_logger().info(
        "finalize: reconciled %d = %d clean + %d exceptions",
        summary.raw_count,
        summary.clean_count,
        summary.exception_count,
    )
    return summary


@task(name="Reject file", **STORAGE_TASK)
def reject_run(run: RunContext, reason: str) -> RunSummary:
    """Record the run as REJECTED with its one-line reason; the raw rows (if any) stay stored."""
    with unit_of_work() as uow:
        summary = service.reject_run(uow, run, reason)
    get_run_logger().warning("rejected %s: %s", run.source_name, reason)
    return summary


@task(name="Mark run failed", **STORAGE_TASK)
def fail_run(run: RunContext, error: BaseException) -> None:
    """Mark the run FAILED and remove its partial results, so nothing half-written stays visible."""
    reason = masked_error(error)
    with unit_of_work() as uow:
        service.fail_run(uow, run, reason)
    get_run_logger().error("run %s failed: %s", run.run_id, reason)


@task(name="Publish run report", **STORAGE_TASK)
def publish_report(run: RunContext, summary: RunSummary) -> None:
    """Publish the run summary (markdown, with the run's alerts) and the failures per control (table) as artifacts."""
    with unit_of_work() as uow:
        failures, docs = uow.runs.failures_by_rule(run.run_id), (uow.runs.get(run.run_id) or {}).get("data_docs_path")
        alerts = uow.alerts.of_run(run.run_id)
    prefix = run.dataset.lower().replace("_", "-")
    markdown = summary_markdown(summary, Path(docs).as_uri() if docs else None, alerts)
    create_markdown_artifact(markdown, key=f"{prefix}-run-summary", description=f"{run.source_name}: {summary.status}")
    create_table_artifact(
        failures_table(failures, summary.raw_count),
        key=f"{prefix}-failures-by-control",
        description=f"Failed checks per control for run {run.run_id}",
    )
