"""Reads of a run's quarantined records: counts by category, rule or raw value, and pages of rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd
from sqlalchemy import Column, Connection, Select, Table, func, select

from flows.constants import MISSING, Severity
from flows.storage.models import ExceptionRecord, ValidationResult
from flows.storage.read.common import frame_of, matches_any

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
    status: str | None = None  # an ExceptionStatus (OPEN, PROMOTED, DISMISSED); None = every status
    exception_id: int | None = None  # just this exception

    def sidebar_only(self) -> ExceptionFilter:
        """The same sidebar filters without the drill-down and the search."""
        return ExceptionFilter(values=self.values, missing_values=self.missing_values)


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
            stmt = stmt.where(matches_any(_raw_column(raw, field), values, f.missing_values))
    if f.category:
        stmt = stmt.where(e.error_category == f.category)
    if f.status:
        stmt = stmt.where(e.status == f.status)
    if f.exception_id is not None:
        stmt = stmt.where(e.id == f.exception_id)
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
        stmt = stmt.join(v, (v.record_id == e.original_record_id) & (v.severity == Severity.ERROR))
        stmt = stmt.group_by(v.rule_name, v.control_type)
    counts = frame_of(conn, stmt)
    counts["key"] = counts["key"].fillna("").replace("", MISSING)
    counts = counts.groupby([c for c in counts.columns if c != "records"], as_index=False, dropna=False).sum()
    return counts.sort_values(["records", "key"], ascending=[False, True], ignore_index=True)


def exception_page(
    conn: Connection, raw: Table, run_id: str, f: ExceptionFilter, offset: int, limit: int, fields: Sequence[str]
) -> pd.DataFrame:
    """One page of a run's exception rows (in file order) with every reason, its status and the raw `fields`."""
    e = ExceptionRecord
    columns = [raw.c.source_row, e.id.label("exception_id"), e.status, e.original_record_id.label("record_id")]
    values = [_raw_column(raw, name) for name in fields]
    stmt = _exceptions(select(*columns, e.error_category, e.error_count, *values, e.error_details), raw, run_id, f)
    return frame_of(conn, stmt.order_by(raw.c.source_row, e.id).offset(offset).limit(limit))


def exception_total(conn: Connection, raw: Table, run_id: str, f: ExceptionFilter) -> int:
    """How many exception rows of a run match the filter."""
    stmt = _exceptions(select(func.count(ExceptionRecord.id)), raw, run_id, f)
    return int(conn.execute(stmt).scalar_one())
