"""The dashboard's reads: small, pre-aggregated frames, every value a bound parameter.

Only COMPLETED runs have results worth showing (a RUNNING run may be half-written), so result
queries take a run id the caller picked from `list_runs` by status, or join on the status.
Analytics are read from the long `analytics_summary` table, for any dataset's grain and measures.
Raw rows are read only for the exceptions of one run (their values as received), from the
dataset's own raw table, which the caller passes in (`flows.storage.tables.dataset_tables`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from sqlalchemy import Column, ColumnElement, Connection, Select, Table, case, func, inspect, select
from sqlalchemy.engine import make_url

from flows.stages.analytics import RECORD_COUNT, breakdown_name
from flows.storage.engine import normalize_url
from flows.storage.models import AnalyticsSummary, AuditLog, ExceptionRecord, PipelineRun, ValidationResult

COMPLETED = "COMPLETED"
MISSING = "(missing)"  # how a missing key or an empty raw value is labelled, and asked for
ExceptionDimension = Literal["category", "rule", "value"]  # "value": a raw field's value as received


@dataclass(frozen=True)
class ExceptionFilter:
    """Which exception rows to read: sidebar filters on raw values, a drill-down and a search.

    `values` holds the chosen values of raw fields (none = all); MISSING among them stands for a
    NULL or any of `missing_values`. A drill-down `value` is (field, value as received), where
    MISSING means NULL or empty, as the breakdown counted it.
    """

    values: tuple[tuple[str, tuple[str, ...]], ...] = ()
    missing_values: tuple[str, ...] = ("",)
    category: str | None = None
    rule: str | None = None
    value: tuple[str, str] | None = None
    search: str = ""

    def sidebar_only(self) -> ExceptionFilter:
        """The same sidebar filters without the drill-down and the search."""
        return ExceptionFilter(values=self.values, missing_values=self.missing_values)


def database_missing(url: str) -> bool:
    """True for a SQLite URL whose file does not exist (connecting would create an empty one)."""
    parsed = make_url(normalize_url(url))
    name = parsed.database or ""
    return parsed.get_backend_name() == "sqlite" and name not in ("", ":memory:") and not Path(name).exists()


def schema_ready(conn: Connection) -> bool:
    """True when the pipeline's tables exist (migrations have run)."""
    return inspect(conn).has_table(PipelineRun.__tablename__)


def _frame(conn: Connection, stmt: Select) -> pd.DataFrame:
    result = conn.execute(stmt)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def list_datasets(conn: Connection) -> list[str]:
    """The datasets that have at least one run, by name."""
    t = PipelineRun
    return [str(d) for d in conn.execute(select(t.dataset).distinct().order_by(t.dataset)).scalars()]


def list_runs(conn: Connection, dataset: str) -> pd.DataFrame:
    """Every run of the dataset, newest first, whatever its status."""
    t = PipelineRun
    return _frame(conn, select(t.__table__).where(t.dataset == dataset).order_by(t.started_at.desc()))


def _wide(measures: Sequence[str]) -> list[Any]:
    """Long (measure, value) rows folded into one column per measure, plus the record count."""
    t = AnalyticsSummary
    return [func.sum(case((t.measure == m, t.value), else_=0)).label(m) for m in (*measures, RECORD_COUNT)]


def _chosen(column: Any, values: Sequence[str], missing_values: Sequence[str] = ()) -> ColumnElement[bool]:
    """`column` is one of the values; MISSING matches NULL (and the dataset's missing-value markers)."""
    given = [v for v in values if v != MISSING]
    condition: ColumnElement[bool] = column.in_(given)
    if MISSING in values:
        condition = condition | column.is_(None) | column.in_(list(missing_values))
    return condition


def _grain_keys(grain: Sequence[str]) -> list[Any]:
    t = AnalyticsSummary
    return [t.key_1, t.key_2, t.key_3][: len(grain)]


def analytics_grain(
    conn: Connection,
    run_id: str,
    grain: Sequence[str],
    measures: Sequence[str],
    start: dt.date | None = None,
    end: dt.date | None = None,
    chosen: Sequence[Sequence[str]] = (),
) -> pd.DataFrame:
    """A run's aggregates at the grain (date first, then dimensions), filtered.

    `chosen` holds the accepted values of each dimension after the date, in grain order (empty = all).
    Columns: the grain's field names, each measure's sum and `record_count`.
    """
    t, keys = AnalyticsSummary, _grain_keys(grain)
    where = [t.run_id == run_id, t.breakdown == breakdown_name(tuple(grain))]
    where += [keys[0] >= start.isoformat()] if start else []  # ISO dates sort as text
    where += [keys[0] <= end.isoformat()] if end else []
    where += [_chosen(key, values) for key, values in zip(keys[1:], chosen, strict=False) if values]
    labelled = [key.label(name) for key, name in zip(keys, grain, strict=True)]
    stmt = select(*labelled, *_wide(measures)).where(*where).group_by(*keys).order_by(*keys)
    return _frame(conn, stmt)


def run_dimensions(conn: Connection, run_id: str, grain: Sequence[str]) -> pd.DataFrame:
    """The distinct key combinations of a run's grain (for filter options); a missing key is NULL."""
    t, keys = AnalyticsSummary, _grain_keys(grain)
    labelled = [key.label(name) for key, name in zip(keys, grain, strict=True)]
    where = (t.run_id == run_id, t.breakdown == breakdown_name(tuple(grain)), t.measure == RECORD_COUNT)
    return _frame(conn, select(*labelled).where(*where).distinct())


def run_totals(conn: Connection, dataset: str, measures: Sequence[str]) -> pd.DataFrame:
    """Each measure's sum and the record count of every COMPLETED run (the `total` breakdown)."""
    t, r = AnalyticsSummary, PipelineRun
    stmt = (
        select(t.run_id, *_wide(measures))
        .join(r, r.run_id == t.run_id)
        .where(r.dataset == dataset, r.status == COMPLETED, t.breakdown == "total")
        .group_by(t.run_id)
    )
    return _frame(conn, stmt)


def rule_failures(conn: Connection, dataset: str) -> pd.DataFrame:
    """Per COMPLETED run and rule: records that failed it, and findings (file-level ones have no record)."""
    v, r = ValidationResult, PipelineRun
    stmt = (
        select(v.run_id, v.rule_name, func.count(v.record_id.distinct()).label("failed_records"))
        .add_columns(func.count().label("findings"))
        .join(r, r.run_id == v.run_id)
        .where(r.dataset == dataset, r.status == COMPLETED)
        .group_by(v.run_id, v.rule_name)
    )
    return _frame(conn, stmt)


def _raw_column(raw: Table, field: str) -> Column[Any]:
    if field not in raw.c:
        raise ValueError(f"{raw.name} has no column {field!r}")
    return raw.c[field]


def _exceptions(stmt: Select, raw: Table, run_id: str, f: ExceptionFilter) -> Select:
    """Join a run's exceptions to their raw rows and apply the filter."""
    e, v = ExceptionRecord, ValidationResult
    stmt = stmt.select_from(e).join(raw, raw.c.id == e.original_record_id).where(e.run_id == run_id)
    for field, values in f.values:
        if values:
            stmt = stmt.where(_chosen(_raw_column(raw, field), values, f.missing_values))
    if f.category:
        stmt = stmt.where(e.error_category == f.category)
    if f.value is not None:
        column, value = _raw_column(raw, f.value[0]), f.value[1]
        stmt = stmt.where((column.is_(None) | (column == "")) if value == MISSING else column == value)
    if f.rule:
        failed = select(v.record_id).where(v.run_id == run_id, v.rule_name == f.rule, v.record_id.is_not(None))
        stmt = stmt.where(e.original_record_id.in_(failed))
    if f.search.strip():
        term = f.search.strip().lower()
        stmt = stmt.where(
            func.lower(e.raw_data).contains(term, autoescape=True)
            | func.lower(e.error_details).contains(term, autoescape=True)
        )
    return stmt


def exception_counts(
    conn: Connection, raw: Table, run_id: str, by: ExceptionDimension, f: ExceptionFilter, field: str = ""
) -> pd.DataFrame:
    """Quarantined records of a run per headline category, failed rule (with its control type) or raw `field`."""
    e, v = ExceptionRecord, ValidationResult
    records = func.count(e.id.distinct()).label("records")
    if by == "category":
        stmt = _exceptions(select(e.error_category.label("key"), records), raw, run_id, f).group_by(e.error_category)
    elif by == "value":
        column = _raw_column(raw, field)
        stmt = _exceptions(select(column.label("key"), records), raw, run_id, f).group_by(column)
    else:
        stmt = _exceptions(select(v.rule_name.label("key"), v.control_type, records), raw, run_id, f)
        stmt = stmt.join(v, (v.record_id == e.original_record_id) & (v.severity == "error"))
        stmt = stmt.group_by(v.rule_name, v.control_type)
    counts = _frame(conn, stmt)
    counts["key"] = counts["key"].fillna("").replace("", MISSING)
    counts = counts.groupby([c for c in counts.columns if c != "records"], as_index=False, dropna=False).sum()
    return counts.sort_values(["records", "key"], ascending=[False, True], ignore_index=True)


def exception_page(
    conn: Connection, raw: Table, run_id: str, f: ExceptionFilter, offset: int, limit: int, fields: Sequence[str]
) -> pd.DataFrame:
    """One page of a run's exception rows (in file order) with every reason and the raw `fields` as received."""
    e = ExceptionRecord
    columns = (raw.c.source_row, e.original_record_id.label("record_id"), e.error_category, e.error_count)
    values = [_raw_column(raw, name) for name in fields]
    stmt = _exceptions(select(*columns, *values, e.error_details), raw, run_id, f)
    return _frame(conn, stmt.order_by(raw.c.source_row, e.id).offset(offset).limit(limit))


def exception_total(conn: Connection, raw: Table, run_id: str, f: ExceptionFilter) -> int:
    """How many exception rows of a run match the filter."""
    stmt = _exceptions(select(func.count(ExceptionRecord.id)), raw, run_id, f)
    return int(conn.execute(stmt).scalar_one())


def audit_events(conn: Connection, run_id: str) -> pd.DataFrame:
    """A run's audit events in the order they were logged."""
    a = AuditLog
    columns = (a.stage, a.event, a.logged_at, a.records_in, a.records_out, a.duration_ms, a.details)
    return _frame(conn, select(*columns).where(a.run_id == run_id).order_by(a.logged_at, a.id))


def stage_durations(conn: Connection, dataset: str) -> pd.DataFrame:
    """Every finished stage of every run that is no longer RUNNING: duration and counts."""
    a, r = AuditLog, PipelineRun
    columns = (a.run_id, a.stage, a.logged_at, a.duration_ms, a.records_in, a.records_out)
    stmt = (
        select(*columns)
        .join(r, r.run_id == a.run_id)
        .where(r.dataset == dataset, r.status != "RUNNING", a.event == "end")
        .order_by(a.logged_at, a.id)
    )
    return _frame(conn, stmt)
