"""Run-level tasks: open the run, index the file, check its schema, document, finalize, reject, fail, report."""

from __future__ import annotations

import time
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.runtime import flow_run

from flows.data_docs import build_run_docs
from flows.dataset import load_dataset
from flows.records import FilePlan, RunContext, RunSummary, SchemaCheck
from flows.report import failures_table, summary_markdown
from flows.settings import get_settings
from flows.stages.analytics import combine_summaries
from flows.stages.ingest import file_sha256, read_chunks, read_header
from flows.stages.keys import index_keys
from flows.stages.reconcile import ReconciliationInputs, reconcile
from flows.stages.screen import screen_file
from flows.stages.validate import SuiteValidator, schema_rejection, trim_for_docs
from flows.storage import runs
from flows.storage.bulk import reserve_ids, write_frame
from flows.storage.engine import mask_secrets
from flows.storage.locks import is_abandoned
from flows.storage.migrate import upgrade_to_head
from flows.storage.tables import RECORD_IDS, ensure_dataset_tables
from flows.tasks.common import STORAGE_TASK, audit, engine, event


@task(name="Open run", **STORAGE_TASK)
def open_run(source: str, dataset: str, chunk_rows: int | None = None, run_id: str | None = None) -> RunContext:
    """Migrate the database, clean up abandoned runs, load the dataset spec and suite, and record the run as RUNNING."""
    settings = get_settings()
    spec = load_dataset(dataset, settings.expectations_dir)
    path = Path(source)
    db = engine()
    upgrade_to_head(db)
    ensure_dataset_tables(db, spec)
    with db.begin() as conn:
        for stale in runs.running_run_ids(conn, spec.name):
            if stale != run_id and is_abandoned(conn, stale):
                _mark_abandoned(conn, stale, spec.clean_table)
    run = RunContext(
        run_id=run_id or str(uuid.uuid4()),
        spec=spec,
        source=path,
        source_name=path.name,
        source_sha256=file_sha256(path) if _readable(path, settings.max_file_bytes) else "",
        flow_run_id=str(flow_run.id) if flow_run.id else None,
        started_at=runs.utc_now(),
        chunk_rows=chunk_rows or settings.chunk_rows,
    )
    with db.begin() as conn:
        runs.create_run(
            conn,
            run_id=run.run_id,
            dataset=spec.name,
            flow_run_id=run.flow_run_id,
            source_name=run.source_name,
            source_sha256=run.source_sha256 or None,
            source_bytes=path.stat().st_size if path.is_file() else None,
            started_at=run.started_at,
            suite_name=spec.suite.name,
            suite_version=spec.suite.version,
        )
    get_run_logger().info(
        "run %s: %s (%s) with suite %s@%s", run.run_id, path, dataset, spec.suite.name, spec.suite.version
    )
    return run


@task(name="Index rows and keys", **STORAGE_TASK)
def index_rows(run: RunContext) -> FilePlan:
    """First pass over the file: count rows, find repeated business keys, reserve the run's record ids."""
    started, t0 = runs.utc_now(), time.perf_counter()
    settings = get_settings()
    screen_file(run.source, run.spec.source_names, settings.max_file_bytes, settings.max_file_rows)
    header = read_header(run.source, run.spec.renames)
    keys = index_keys(read_chunks(run.source, run.chunk_rows, run.spec.renames), run.spec)
    keys = keys if keys.header else type(keys)(keys.rows, header, keys.members)
    with engine().begin() as conn:
        first_id = reserve_ids(conn, RECORD_IDS, keys.rows) if keys.rows else 1
        runs.update_run(conn, run.run_id, raw_count=keys.rows)
        events = audit(run, "index", started, t0, keys.rows, len(keys.members), repeated_key_rows=len(keys.members))
        runs.record_audit(conn, events)
    get_run_logger().info("index: %d rows, %d rows share a business key", keys.rows, len(keys.members))
    return FilePlan(keys=keys, first_id=first_id)


@task(name="Check file-level rules", **STORAGE_TASK)
def check_schema(run: RunContext, header: tuple[str, ...]) -> SchemaCheck:
    """Load the suite into GX once for the run and check the header: a missing required column rejects the file."""
    validator = SuiteValidator(run.spec.suite)
    findings = validator.check_schema(header)
    rejection = schema_rejection(findings)
    with engine().begin() as conn:
        write_frame(conn, "validation_results", findings.assign(run_id=run.run_id, dataset=run.spec.name))
    if rejection:
        get_run_logger().warning("schema: %s", rejection)
    return SchemaCheck(validator=validator, result=trim_for_docs(validator.last_result), rejection=rejection)


@task(name="Build Data Docs", **STORAGE_TASK)
def build_docs(run: RunContext, schema: SchemaCheck, results: list[Any]) -> Path:
    """Build the run's offline GX Data Docs (suite and every validation) and record where they are."""
    index = build_run_docs(schema.validator.context, results, get_settings().docs_dir, run.run_id)
    with engine().begin() as conn:
        runs.update_run(conn, run.run_id, data_docs_path=str(index))
    get_run_logger().info("data docs: %s", index.as_uri())
    return index


@task(name="Finalize: analytics and reconciliation", **STORAGE_TASK)
def finalize(run: RunContext, partials: list[pd.DataFrame], record_count: int) -> RunSummary:
    """Store the analytics (sum of the chunks' partials), reconcile, and mark the run COMPLETED if it balances.

    Analytics and the COMPLETED status commit together: a run's results are visible all at once or not at all.
    """
    started, t0 = runs.utc_now(), time.perf_counter()
    spec = run.spec
    summary_rows = combine_summaries(partials)
    with engine().begin() as conn:
        write_frame(conn, "analytics_summary", summary_rows.assign(run_id=run.run_id, dataset=spec.name))
        clean_rows = int(summary_rows.query("breakdown == 'total' and measure == 'record_count'")["value"].sum())
        runs.record_audit(conn, audit(run, "analytics", started, t0, clean_rows, len(summary_rows)))
        raw_ids, clean_ids, exception_ids = runs.read_record_ids(conn, run.run_id, spec.raw_table, spec.clean_table)
        inputs = ReconciliationInputs(
            raw_ids=raw_ids,
            clean_ids=clean_ids,
            exception_ids=exception_ids,
            clean_sums=runs.read_clean_sums(conn, run.run_id, spec.clean_table, list(spec.analytics.measures)),
            analytics_sums=runs.read_analytics_sums(conn, run.run_id),
            raw_table=spec.raw_table,
            clean_table=spec.clean_table,
        )
        verdict = reconcile(inputs, record_count)
        if not verdict.balanced:
            raise ReconciliationFailed("; ".join(verdict.problems))
        summary = _summary(conn, run, "COMPLETED", None)
        runs.update_run(
            conn,
            run.run_id,
            status="COMPLETED",
            ended_at=runs.utc_now(),
            clean_count=summary.clean_count,
            exception_count=summary.exception_count,
            validation_result_count=summary.counts["validation_results"],
            warning_count=summary.warnings,
            analytics_count=summary.counts["analytics_summary"],
            reconciled=True,
        )
        runs.record_audit(conn, audit(run, "finalize", started, t0, len(raw_ids), len(clean_ids) + len(exception_ids)))
    get_run_logger().info(
        "finalize: reconciled %d = %d clean + %d exceptions", len(raw_ids), len(clean_ids), len(exception_ids)
    )
    return summary


@task(name="Reject file", **STORAGE_TASK)
def reject(run: RunContext, reason: str) -> RunSummary:
    """Record the run as REJECTED with its one-line reason; the raw rows (if any) stay stored."""
    with engine().begin() as conn:
        runs.delete_run_results(conn, run.run_id, run.spec.clean_table, keep=("validation_results",))
        runs.update_run(
            conn, run.run_id, status="REJECTED", status_reason=reason, ended_at=runs.utc_now(), reconciled=None
        )
        runs.record_audit(conn, [event(run, "reject", "end", details={"reason": reason})])
        summary = _summary(conn, run, "REJECTED", reason)
    get_run_logger().warning("rejected %s: %s", run.source_name, reason)
    return summary


@task(name="Mark run failed", **STORAGE_TASK)
def fail(run: RunContext, error: BaseException) -> None:
    """Mark the run FAILED and remove its partial results, so nothing half-written stays visible."""
    reason = mask_secrets(f"{type(error).__name__}: {error}", get_settings().database_url.get_secret_value())
    with engine().begin() as conn:
        runs.delete_run_results(conn, run.run_id, run.spec.clean_table)
        runs.update_run(conn, run.run_id, status="FAILED", status_reason=reason[:2000], ended_at=runs.utc_now())
        runs.record_audit(conn, [event(run, "run", "failed", details={"reason": reason})])
    get_run_logger().error("run %s failed: %s", run.run_id, reason)


@task(name="Publish run report", **STORAGE_TASK)
def publish_report(run: RunContext, summary: RunSummary) -> None:
    """Publish the run summary (markdown) and the failures per control (table) as Prefect artifacts."""
    with engine().connect() as conn:
        failures = runs.failures_by_rule(conn, run.run_id)
        docs = (runs.get_run(conn, run.run_id) or {}).get("data_docs_path")
    prefix = run.spec.name.lower().replace("_", "-")
    raw_count = summary.counts.get(run.spec.raw_table, 0)
    create_markdown_artifact(
        summary_markdown(summary, Path(docs).as_uri() if docs else None),
        key=f"{prefix}-run-summary",
        description=f"{run.source_name}: {summary.status}",
    )
    create_table_artifact(
        failures_table(failures, raw_count),
        key=f"{prefix}-failures-by-control",
        description=f"Failed checks per control for run {run.run_id}",
    )


def _mark_abandoned(conn: Any, run_id: str, clean_table: str) -> None:
    """Mark a dead process's RUNNING run FAILED and delete its partial results (its raw rows stay)."""
    reason = "abandoned: its process stopped (killed or disconnected) before the run finished"
    runs.delete_run_results(conn, run_id, clean_table)
    runs.update_run(conn, run_id, status="FAILED", status_reason=reason, ended_at=runs.utc_now())
    get_run_logger().warning("run %s %s; marked FAILED, partial results deleted", run_id, reason)


def _readable(path: Path, max_bytes: int) -> bool:
    """A file worth hashing: it exists and is within the size limit (an oversized file is refused unread)."""
    return path.is_file() and path.stat().st_size <= max_bytes


class ReconciliationFailed(RuntimeError):
    """The run's control totals do not balance."""


def _summary(conn: Any, run: RunContext, status: str, reason: str | None) -> RunSummary:
    tables = (run.spec.raw_table, run.spec.clean_table, "exceptions", "validation_results", "analytics_summary")
    counts = {t: runs.count_rows(conn, t, run.run_id) for t in tables}
    return RunSummary(
        run_id=run.run_id,
        dataset=run.spec.name,
        status=status,
        source_name=run.source_name,
        reason=reason,
        counts=counts,
        raw_count=counts[run.spec.raw_table],
        clean_count=counts[run.spec.clean_table],
        exception_count=counts["exceptions"],
        exceptions_by_category=runs.exceptions_by_category(conn, run.run_id),
        warnings=runs.count_warnings(conn, run.run_id),
        duration_s=(runs.utc_now() - run.started_at).total_seconds(),
        reconciled=status == "COMPLETED",
    )
