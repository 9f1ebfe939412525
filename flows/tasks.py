"""Thin Prefect tasks: open storage, call the stage function, persist, audit, log counts."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path
from typing import Any

import pandas as pd
from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.runtime import flow_run
from sqlalchemy import Engine

from flows.data_docs import build_run_docs
from flows.dataset import load_dataset
from flows.records import RawBatch, RunContext, RunSummary, ValidationOutcome
from flows.report import failures_table, summary_markdown
from flows.settings import get_settings
from flows.stages.analytics import summarize
from flows.stages.duplicates import resolve_duplicates
from flows.stages.ingest import file_sha256, read_source, to_raw_rows
from flows.stages.reconcile import ReconciliationInputs, reconcile
from flows.stages.route import split_failures
from flows.stages.transform import type_clean_rows
from flows.stages.validate import SuiteValidator, schema_rejection, validation_view
from flows.storage import runs
from flows.storage.bulk import reserve_ids, write_frame
from flows.storage.engine import get_engine, is_transient_error, mask_secrets
from flows.storage.migrate import upgrade_to_head

STORAGE_TASK: dict[str, Any] = {
    "cache_policy": NO_CACHE,
    "retries": 2,
    "retry_delay_seconds": 2,
    "retry_condition_fn": lambda _task, _run, state: _is_transient(state),
}
COMPUTE_TASK: dict[str, Any] = {"cache_policy": NO_CACHE}


def _is_transient(state: Any) -> bool:
    try:
        state.result()
    except Exception as exc:  # noqa: BLE001 - classify whatever the task raised
        return is_transient_error(exc)
    return False


def _engine() -> Engine:
    return get_engine(get_settings().database_url.get_secret_value())


def _audit(run: RunContext, stage: str, started: Any, t0: float, n_in: int, n_out: int, **details: Any) -> list[dict]:
    """A stage's start and end events; the end carries counts, duration and stage details."""
    duration_ms = round((time.perf_counter() - t0) * 1000)
    return [
        _event(run, stage, "start", logged_at=started),
        _event(run, stage, "end", records_in=n_in, records_out=n_out, duration_ms=duration_ms, details=details),
    ]


def _event(
    run: RunContext,
    stage: str,
    event: str,
    logged_at: Any = None,
    records_in: int | None = None,
    records_out: int | None = None,
    duration_ms: int | None = None,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One audit_log row; every event has every key (a bulk insert takes its columns from the first)."""
    return {
        "run_id": run.run_id,
        "dataset": run.spec.name,
        "flow_run_id": run.flow_run_id,
        "stage": stage,
        "event": event,
        "logged_at": logged_at or runs.utc_now(),
        "records_in": records_in,
        "records_out": records_out,
        "duration_ms": duration_ms,
        "suite_name": run.spec.suite.name,
        "suite_version": run.spec.suite.version,
        "details": json.dumps(details) if details is not None else None,
    }


@task(name="Open run", **STORAGE_TASK)
def open_run(source: str, dataset: str) -> RunContext:
    """Migrate the database, load the dataset spec and suite, and record the run as RUNNING."""
    settings = get_settings()
    spec = load_dataset(dataset, settings.expectations_dir)
    path = Path(source)
    engine = _engine()
    upgrade_to_head(engine)
    run = RunContext(
        run_id=str(uuid.uuid4()),
        spec=spec,
        source=path,
        source_name=path.name,
        source_sha256=file_sha256(path) if path.is_file() else "",
        flow_run_id=str(flow_run.id) if flow_run.id else None,
        started_at=runs.utc_now(),
    )
    with engine.begin() as conn:
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


@task(name="Ingest raw rows", **STORAGE_TASK)
def ingest(run: RunContext) -> RawBatch:
    """Read the file as text and store every data row, as received, in the raw table."""
    started, t0 = runs.utc_now(), time.perf_counter()
    source = read_source(run.source)
    n = len(source.frame)
    with _engine().begin() as conn:
        first_id = reserve_ids(conn, run.spec.raw_table, n) if n else 1
        raw = to_raw_rows(source, run.spec, first_id, run.run_id, run.source_name, started)
        write_frame(conn, run.spec.raw_table, raw)
        runs.update_run(conn, run.run_id, raw_count=n)
        runs.record_audit(conn, _audit(run, "ingest", started, t0, n, n, columns=list(source.header)))
    get_run_logger().info("ingest: %d rows stored in %s", n, run.spec.raw_table)
    text = source.frame.set_axis(pd.Index(raw["id"].to_numpy(), name="record_id"))
    return RawBatch(text=text, header=source.header)


@task(name="Validate with Great Expectations", **STORAGE_TASK)
def validate(run: RunContext, raw: RawBatch) -> ValidationOutcome:
    """Run the GX suite (file-level rules first) and store one validation result per failed check."""
    started, t0 = runs.utc_now(), time.perf_counter()
    validator = SuiteValidator(run.spec.suite)
    findings = validator.check_schema(raw.header)
    results = [validator.last_result]
    rejection = schema_rejection(findings)
    if rejection is None:
        view = validation_view(raw.text, raw.text.index.to_series())
        findings = resolve_duplicates(view, validator.validate(view), run.spec)
        results.append(validator.last_result)
    docs_index = build_run_docs(validator.context, results, get_settings().docs_dir, run.run_id)
    with _engine().begin() as conn:
        runs.update_run(conn, run.run_id, data_docs_path=str(docs_index))
        write_frame(conn, "validation_results", findings.assign(run_id=run.run_id, dataset=run.spec.name))
        flagged = findings["record_id"].nunique()
        runs.record_audit(conn, _audit(run, "validate", started, t0, len(raw.text), flagged, findings=len(findings)))
    get_run_logger().info(
        "validate: %d findings on %d records%s",
        len(findings),
        flagged,
        f"; file rejected: {rejection}" if rejection else "",
    )
    return ValidationOutcome(findings=findings, rejection=rejection)


@task(name="Route failures to exceptions", **STORAGE_TASK)
def route(run: RunContext, raw: RawBatch, validation: ValidationOutcome) -> pd.Index:
    """Quarantine every record that failed an error-severity rule, with all its reasons."""
    started, t0 = runs.utc_now(), time.perf_counter()
    outcome = split_failures(raw.text, validation.findings)
    with _engine().begin() as conn:
        write_frame(conn, "exceptions", outcome.exceptions.assign(run_id=run.run_id, dataset=run.spec.name))
        n_exc = len(outcome.exceptions)
        runs.record_audit(
            conn, _audit(run, "route", started, t0, len(raw.text), len(outcome.clean_ids), exceptions=n_exc)
        )
    get_run_logger().info("route: %d clean, %d quarantined", len(outcome.clean_ids), n_exc)
    return outcome.clean_ids


@task(name="Transform clean rows", **STORAGE_TASK)
def transform(run: RunContext, raw: RawBatch, clean_ids: pd.Index) -> pd.DataFrame:
    """Type the clean rows, add derived columns, and store them in the clean table."""
    started, t0 = runs.utc_now(), time.perf_counter()
    view = validation_view(raw.text.loc[clean_ids], clean_ids.to_series())
    outcome = type_clean_rows(view, run.spec)
    clean = outcome.clean.reset_index().assign(run_id=run.run_id)
    with _engine().begin() as conn:
        write_frame(conn, run.spec.clean_table, clean)
        write_frame(conn, "exceptions", outcome.rejects.assign(run_id=run.run_id, dataset=run.spec.name))
        rejected = len(outcome.rejects)
        runs.record_audit(conn, _audit(run, "transform", started, t0, len(clean_ids), len(clean), rejected=rejected))
    get_run_logger().info(
        "transform: %d rows typed into %s, %d could not be typed", len(clean), run.spec.clean_table, rejected
    )
    return outcome.clean


@task(name="Compute analytics", **STORAGE_TASK)
def analyze(run: RunContext, clean: pd.DataFrame) -> int:
    """Aggregate the clean rows by every breakdown of the spec into analytics_summary."""
    started, t0 = runs.utc_now(), time.perf_counter()
    summary = summarize(clean, run.spec)
    with _engine().begin() as conn:
        write_frame(conn, "analytics_summary", summary.assign(run_id=run.run_id, dataset=run.spec.name))
        runs.record_audit(conn, _audit(run, "analytics", started, t0, len(clean), len(summary)))
    get_run_logger().info("analytics: %d aggregates over %d clean rows", len(summary), len(clean))
    return len(summary)


@task(name="Finalize and reconcile", **STORAGE_TASK)
def finalize(run: RunContext, record_count: int) -> RunSummary:
    """Reconcile what the database holds for the run; mark it COMPLETED only if it balances."""
    started, t0 = runs.utc_now(), time.perf_counter()
    spec = run.spec
    with _engine().begin() as conn:
        raw_ids, clean_ids, exception_ids = runs.read_record_ids(conn, run.run_id, spec.raw_table, spec.clean_table)
        inputs = ReconciliationInputs(
            raw_ids=raw_ids,
            clean_ids=clean_ids,
            exception_ids=exception_ids,
            clean_sums=runs.read_clean_sums(conn, run.run_id, spec.clean_table, list(spec.analytics.measures)),
            analytics_sums=runs.read_analytics_sums(conn, run.run_id),
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
        runs.record_audit(conn, _audit(run, "finalize", started, t0, len(raw_ids), len(clean_ids) + len(exception_ids)))
    get_run_logger().info(
        "finalize: reconciled %d = %d clean + %d exceptions", len(raw_ids), len(clean_ids), len(exception_ids)
    )
    return summary


@task(name="Reject file", **STORAGE_TASK)
def reject(run: RunContext, reason: str) -> RunSummary:
    """Record the run as REJECTED with its one-line reason; the raw rows (if any) stay stored."""
    with _engine().begin() as conn:
        runs.delete_run_results(conn, run.run_id, run.spec.clean_table, keep=("validation_results",))
        runs.update_run(
            conn, run.run_id, status="REJECTED", status_reason=reason, ended_at=runs.utc_now(), reconciled=None
        )
        runs.record_audit(conn, [_event(run, "reject", "end", details={"reason": reason})])
        summary = _summary(conn, run, "REJECTED", reason)
    get_run_logger().warning("rejected %s: %s", run.source_name, reason)
    return summary


@task(name="Mark run failed", **STORAGE_TASK)
def fail(run: RunContext, error: BaseException) -> None:
    """Mark the run FAILED and remove its partial results, so nothing half-written stays visible."""
    reason = mask_secrets(f"{type(error).__name__}: {error}", get_settings().database_url.get_secret_value())
    with _engine().begin() as conn:
        runs.delete_run_results(conn, run.run_id, run.spec.clean_table)
        runs.update_run(conn, run.run_id, status="FAILED", status_reason=reason[:2000], ended_at=runs.utc_now())
        runs.record_audit(conn, [_event(run, "run", "failed", details={"reason": reason})])
    get_run_logger().error("run %s failed: %s", run.run_id, reason)


@task(name="Publish run report", **STORAGE_TASK)
def publish_report(run: RunContext, summary: RunSummary) -> None:
    """Publish the run summary (markdown) and the failures per control (table) as Prefect artifacts."""
    with _engine().connect() as conn:
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


class ReconciliationFailed(RuntimeError):
    """The run's control totals do not balance."""


def _summary(conn: Any, run: RunContext, status: str, reason: str | None) -> RunSummary:
    tables = (run.spec.raw_table, run.spec.clean_table, "exceptions", "validation_results", "analytics_summary")
    counts = {t: runs.count_rows(conn, t, run.run_id) for t in tables}
    return RunSummary(
        run_id=run.run_id,
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
