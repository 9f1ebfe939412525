"""The dashboard's reads: small, pre-aggregated frames, every value a bound parameter.

Only COMPLETED runs have results worth showing (a RUNNING run may be half-written), so result
queries take a run id the caller picked from `list_runs` by status, or join on the status.
Raw rows are read only for the exceptions of one run (their region and values as received).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import pandas as pd
from sqlalchemy import Connection, Select, case, func, inspect, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import InstrumentedAttribute

from flows.storage.engine import normalize_url
from flows.storage.models import AnalyticsSummary, AuditLog, ExceptionRecord, PipelineRun, RawSale, ValidationResult

GRAIN = "order_date+region+product"
MEASURES = ("revenue", "quantity", "record_count")
COMPLETED = "COMPLETED"
MISSING = "(missing)"  # how an empty raw value is labelled, and asked for, in exception breakdowns
ExceptionDimension = Literal["category", "rule", "region"]


@dataclass(frozen=True)
class ExceptionFilter:
    """Which exception rows to read: sidebar filters (raw region/product), a drill-down and a search."""

    regions: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    category: str | None = None
    rule: str | None = None
    region: str | None = None
    search: str = ""


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


def list_runs(conn: Connection, dataset: str) -> pd.DataFrame:
    """Every run of the dataset, newest first, whatever its status."""
    t = PipelineRun
    return _frame(conn, select(t.__table__).where(t.dataset == dataset).order_by(t.started_at.desc()))


def _wide(measure_column: InstrumentedAttribute[str], value_column: InstrumentedAttribute[Any]) -> list[Any]:
    """Long (measure, value) rows folded into one column per measure."""
    return [func.sum(case((measure_column == m, value_column), else_=0)).label(m) for m in MEASURES]


def analytics_grain(
    conn: Connection,
    run_id: str,
    start: dt.date | None = None,
    end: dt.date | None = None,
    regions: Sequence[str] = (),
    products: Sequence[str] = (),
) -> pd.DataFrame:
    """A run's day x region x product aggregates (revenue, quantity, record_count), filtered."""
    t = AnalyticsSummary
    where = [t.run_id == run_id, t.breakdown == GRAIN]
    where += [t.key_1 >= start.isoformat()] if start else []  # ISO dates sort as text
    where += [t.key_1 <= end.isoformat()] if end else []
    where += [t.key_2.in_(list(regions))] if regions else []
    where += [t.key_3.in_(list(products))] if products else []
    keys = (t.key_1.label("order_date"), t.key_2.label("region"), t.key_3.label("product"))
    stmt = select(*keys, *_wide(t.measure, t.value)).where(*where).group_by(*keys).order_by(*keys)
    return _frame(conn, stmt)


def run_dimensions(conn: Connection, run_id: str) -> pd.DataFrame:
    """The order dates, regions and products a run's analytics hold (for filter options)."""
    t = AnalyticsSummary
    stmt = (
        select(t.breakdown, t.key_1.label("key"))
        .where(t.run_id == run_id, t.breakdown.in_(["order_date", "region", "product"]))
        .distinct()
    )
    return _frame(conn, stmt)


def run_totals(conn: Connection, dataset: str) -> pd.DataFrame:
    """Revenue, quantity and record count of every COMPLETED run (the `total` breakdown)."""
    t, r = AnalyticsSummary, PipelineRun
    stmt = (
        select(t.run_id, *_wide(t.measure, t.value))
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


def _exceptions(stmt: Select, run_id: str, f: ExceptionFilter) -> Select:
    """Join a run's exceptions to their raw rows and apply the filter."""
    e, raw, v = ExceptionRecord, RawSale, ValidationResult
    stmt = stmt.select_from(e).join(raw, raw.id == e.original_record_id).where(e.run_id == run_id)
    if f.regions:
        stmt = stmt.where(raw.region.in_(f.regions))
    if f.products:
        stmt = stmt.where(raw.product.in_(f.products))
    if f.category:
        stmt = stmt.where(e.error_category == f.category)
    if f.region is not None:
        missing = raw.region.is_(None) | (raw.region == "")
        stmt = stmt.where(missing if f.region == MISSING else raw.region == f.region)
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


def exception_counts(conn: Connection, run_id: str, by: ExceptionDimension, f: ExceptionFilter) -> pd.DataFrame:
    """Quarantined records of a run per headline category, failed rule (with its control type) or raw region."""
    e, raw, v = ExceptionRecord, RawSale, ValidationResult
    records = func.count(e.id.distinct()).label("records")
    if by == "category":
        stmt = _exceptions(select(e.error_category.label("key"), records), run_id, f).group_by(e.error_category)
    elif by == "region":
        stmt = _exceptions(select(raw.region.label("key"), records), run_id, f).group_by(raw.region)
    else:
        stmt = _exceptions(select(v.rule_name.label("key"), v.control_type, records), run_id, f)
        stmt = stmt.join(v, (v.record_id == e.original_record_id) & (v.severity == "error"))
        stmt = stmt.group_by(v.rule_name, v.control_type)
    counts = _frame(conn, stmt)
    counts["key"] = counts["key"].fillna("").replace("", MISSING)
    return counts.sort_values(["records", "key"], ascending=[False, True], ignore_index=True)


def exception_page(conn: Connection, run_id: str, f: ExceptionFilter, offset: int, limit: int) -> pd.DataFrame:
    """One page of a run's exception rows (in file order) with every reason and the raw values."""
    e, raw = ExceptionRecord, RawSale
    columns = (raw.source_row, e.original_record_id.label("record_id"), e.error_category, e.error_count)
    values = (raw.order_id, raw.order_date, raw.region, raw.product, raw.quantity, raw.revenue)
    stmt = _exceptions(select(*columns, *values, e.error_details), run_id, f)
    return _frame(conn, stmt.order_by(raw.source_row, e.id).offset(offset).limit(limit))


def exception_total(conn: Connection, run_id: str, f: ExceptionFilter) -> int:
    """How many exception rows of a run match the filter."""
    stmt = _exceptions(select(func.count(ExceptionRecord.id)), run_id, f)
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
