"""Reads about runs: datasets, the run list, per-run totals and rule failures, audit events and stage times."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from sqlalchemy import Connection, func, select

from flows.constants import TOTAL, RunStatus
from flows.storage.models import AnalyticsSummary, AuditLog, ExceptionEvent, PipelineRun, ValidationResult
from flows.storage.read.analytics import wide_measures
from flows.storage.read.common import frame_of


def list_datasets(conn: Connection) -> list[str]:
    """The datasets that have at least one run, by name."""
    t = PipelineRun
    return [str(d) for d in conn.execute(select(t.dataset).distinct().order_by(t.dataset)).scalars()]


def list_runs(conn: Connection, dataset: str) -> pd.DataFrame:
    """Every run of the dataset, newest first, whatever its status; `revision` is the newest steward event on the
    run's exceptions (0 for none): a replay changes a COMPLETED run's results, and with them its revision."""
    t, ev = PipelineRun, ExceptionEvent
    newest = select(func.coalesce(func.max(ev.id), 0)).where(ev.run_id == t.run_id).scalar_subquery()
    stmt = select(t.__table__, newest.label("revision")).where(t.dataset == dataset)
    return frame_of(conn, stmt.order_by(t.started_at.desc()))


def run_totals(conn: Connection, dataset: str, measures: Sequence[str]) -> pd.DataFrame:
    """Each measure's sum and the record count of every COMPLETED run (the `total` breakdown)."""
    t, r = AnalyticsSummary, PipelineRun
    stmt = (
        select(t.run_id, *wide_measures(measures))
        .join(r, r.run_id == t.run_id)
        .where(r.dataset == dataset, r.status == RunStatus.COMPLETED, t.breakdown == TOTAL)
        .group_by(t.run_id)
    )
    return frame_of(conn, stmt)


def rule_failures(conn: Connection, dataset: str) -> pd.DataFrame:
    """Per COMPLETED run and rule: records that failed it, and findings (file-level ones have no record)."""
    v, r = ValidationResult, PipelineRun
    stmt = (
        select(v.run_id, v.rule_name, func.count(v.record_id.distinct()).label("failed_records"))
        .add_columns(func.count().label("findings"))
        .join(r, r.run_id == v.run_id)
        .where(r.dataset == dataset, r.status == RunStatus.COMPLETED)
        .group_by(v.run_id, v.rule_name)
    )
    return frame_of(conn, stmt)


def audit_events(conn: Connection, run_id: str) -> pd.DataFrame:
    """A run's audit events in the order they were logged."""
    a = AuditLog
    columns = (a.stage, a.event, a.logged_at, a.records_in, a.records_out, a.duration_ms, a.details)
    return frame_of(conn, select(*columns).where(a.run_id == run_id).order_by(a.logged_at, a.id))


def stage_durations(conn: Connection, dataset: str) -> pd.DataFrame:
    """Every finished stage of every run that is no longer RUNNING: duration and counts."""
    a, r = AuditLog, PipelineRun
    columns = (a.run_id, a.stage, a.logged_at, a.duration_ms, a.records_in, a.records_out)
    stmt = (
        select(*columns)
        .join(r, r.run_id == a.run_id)
        .where(r.dataset == dataset, r.status != RunStatus.RUNNING, a.event == "end")
        .order_by(a.logged_at, a.id)
    )
    return frame_of(conn, stmt)
