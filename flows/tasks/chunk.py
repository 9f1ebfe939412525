"""The per-chunk stage tasks: each calls one stage function, persists its output and audits it."""

from __future__ import annotations

import time

import pandas as pd
from prefect import get_run_logger, task

from flows.records import FilePlan, RawBatch, RunContext, SchemaCheck, ValidationOutcome
from flows.stages.analytics import summarize
from flows.stages.ingest import to_raw_rows
from flows.stages.keys import with_file_wide_duplicates
from flows.stages.route import split_failures
from flows.stages.transform import type_clean_rows
from flows.stages.validate import row_findings, trim_for_docs, validation_view
from flows.storage import runs
from flows.storage.bulk import write_frame
from flows.tasks.common import COMPUTE_TASK, STORAGE_TASK, audit, engine


@task(name="Ingest raw rows", **STORAGE_TASK)
def ingest(run: RunContext, plan: FilePlan, chunk: pd.DataFrame) -> RawBatch:
    """Store a chunk of data rows, as received, in the raw table."""
    started, t0 = runs.utc_now(), time.perf_counter()
    position = int(chunk.index[0])  # the reader numbers rows across chunks
    first_id = plan.first_id + position
    raw = to_raw_rows(chunk, run.spec, first_id, run.run_id, run.source_name, run.started_at, position + 1)
    with engine().begin() as conn:
        write_frame(conn, run.spec.raw_table, raw)
        runs.record_audit(conn, audit(run, "ingest", started, t0, len(chunk), len(raw), first_row=position + 1))
    get_run_logger().info("ingest: %d rows stored in %s", len(raw), run.spec.raw_table)
    return RawBatch(text=chunk.set_axis(pd.Index(raw["id"].to_numpy(), name="record_id")), first_position=position)


@task(name="Validate with Great Expectations", **STORAGE_TASK)
def validate(run: RunContext, raw: RawBatch, schema: SchemaCheck, plan: FilePlan) -> ValidationOutcome:
    """Run the GX suite on the chunk, apply file-wide duplicate semantics, store one result per failed check."""
    started, t0 = runs.utc_now(), time.perf_counter()
    view = validation_view(raw.text, raw.text.index.to_series(), run.spec.missing_values)
    positions = raw.text.index.to_numpy() - plan.first_id
    findings = with_file_wide_duplicates(
        row_findings(schema.validator.validate(view)), plan.keys, positions, plan.first_id, run.spec.suite.rules
    )
    with engine().begin() as conn:
        write_frame(conn, "validation_results", findings.assign(run_id=run.run_id, dataset=run.spec.name))
        flagged = findings["record_id"].nunique()
        runs.record_audit(conn, audit(run, "validate", started, t0, len(raw.text), flagged, findings=len(findings)))
    get_run_logger().info("validate: %d findings on %d records", len(findings), flagged)
    return ValidationOutcome(findings=findings, gx_result=trim_for_docs(schema.validator.last_result))


@task(name="Route failures to exceptions", **STORAGE_TASK)
def route(run: RunContext, raw: RawBatch, validation: ValidationOutcome) -> pd.Index:
    """Quarantine every record that failed an error-severity rule, with all its reasons."""
    started, t0 = runs.utc_now(), time.perf_counter()
    outcome = split_failures(raw.text, validation.findings)
    n_clean, n_exc = len(outcome.clean_ids), len(outcome.exceptions)
    with engine().begin() as conn:
        write_frame(conn, "exceptions", outcome.exceptions.assign(run_id=run.run_id, dataset=run.spec.name))
        runs.record_audit(conn, audit(run, "route", started, t0, len(raw.text), n_clean, exceptions=n_exc))
    get_run_logger().info("route: %d clean, %d quarantined", n_clean, n_exc)
    return outcome.clean_ids


@task(name="Transform clean rows", **STORAGE_TASK)
def transform(run: RunContext, raw: RawBatch, clean_ids: pd.Index) -> pd.DataFrame:
    """Type the clean rows, add derived columns, and store them in the clean table."""
    started, t0 = runs.utc_now(), time.perf_counter()
    view = validation_view(raw.text.loc[clean_ids], clean_ids.to_series(), run.spec.missing_values)
    outcome = type_clean_rows(view, run.spec)
    clean = outcome.clean.reset_index().assign(run_id=run.run_id)
    rejected = len(outcome.rejects)
    with engine().begin() as conn:
        write_frame(conn, run.spec.clean_table, clean)
        write_frame(conn, "exceptions", outcome.rejects.assign(run_id=run.run_id, dataset=run.spec.name))
        runs.record_audit(conn, audit(run, "transform", started, t0, len(clean_ids), len(clean), rejected=rejected))
    get_run_logger().info("transform: %d rows typed, %d could not be typed", len(clean), rejected)
    return outcome.clean


@task(name="Compute analytics", **COMPUTE_TASK)
def analyze(run: RunContext, clean: pd.DataFrame, rows_done: int, rows_total: int) -> pd.DataFrame:
    """Aggregate a chunk's clean rows by every breakdown of the spec (finalize stores the sum of chunks)."""
    summary = summarize(clean, run.spec)
    elapsed = max((runs.utc_now() - run.started_at).total_seconds(), 1e-9)
    share = rows_done / rows_total if rows_total else 1.0
    bar = "#" * round(20 * share) + "." * (20 - round(20 * share))
    get_run_logger().info(
        "progress [%s] %3.0f%%  %s / %s rows  %s rows/s",
        bar,
        100 * share,
        f"{rows_done:,}",
        f"{rows_total:,}",
        f"{rows_done / elapsed:,.0f}",
    )
    return summary
