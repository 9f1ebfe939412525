"""The shared tables: SQLAlchemy 2 models, portable across SQLite and PostgreSQL.

Alembic migrations (flows/storage/migrations) create these tables; keep the two in step. Every
dataset's raw and clean tables, sales included, are built from its spec (flows/storage/tables.py).
Record ids come from one sequence shared by every dataset, so validation_results and exceptions can
name a record of any dataset's raw table without a foreign key; the run's reconciliation checks
they match. Analytics values are NUMERIC(24,6): exact for any measure of up to 6 decimals on
PostgreSQL (SQLite stores NUMERIC with REAL affinity, exact to 15 significant digits).
Every table is indexed on run_id.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import JSON, BigInteger, Boolean, DateTime, Float, ForeignKey, Integer, Numeric, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from flows.constants import VALUE_PRECISION, VALUE_SCALE

Timestamp = DateTime(timezone=True)


class Base(DeclarativeBase):
    """Declarative base of every pipeline table."""


class PipelineRun(Base):
    """One pipeline run over one source file."""

    __tablename__ = "pipeline_runs"

    run_id: Mapped[str] = mapped_column(String(36), primary_key=True)
    dataset: Mapped[str] = mapped_column(String(64), index=True)
    flow_run_id: Mapped[str | None] = mapped_column(String(36))
    source_name: Mapped[str] = mapped_column(Text)
    source_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    source_bytes: Mapped[int | None] = mapped_column(BigInteger)
    status: Mapped[str] = mapped_column(String(16), index=True)
    status_reason: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[dt.datetime] = mapped_column(Timestamp)
    ended_at: Mapped[dt.datetime | None] = mapped_column(Timestamp)
    suite_name: Mapped[str] = mapped_column(String(128))
    suite_version: Mapped[str] = mapped_column(String(64))
    raw_count: Mapped[int | None] = mapped_column(Integer)
    clean_count: Mapped[int | None] = mapped_column(Integer)
    exception_count: Mapped[int | None] = mapped_column(Integer)
    validation_result_count: Mapped[int | None] = mapped_column(Integer)
    warning_count: Mapped[int | None] = mapped_column(Integer)
    analytics_count: Mapped[int | None] = mapped_column(Integer)
    reconciled: Mapped[bool | None] = mapped_column(Boolean)
    data_docs_path: Mapped[str | None] = mapped_column(Text)


class ValidationResult(Base):
    """One failed check for one record (record_id is NULL for file-level checks)."""

    __tablename__ = "validation_results"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(36), index=True)
    dataset: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[int | None] = mapped_column(BigInteger, index=True)  # an id in the dataset's raw table
    rule_id: Mapped[str] = mapped_column(String(36))
    rule_name: Mapped[str] = mapped_column(String(128))
    expectation_type: Mapped[str] = mapped_column(String(128))
    column_name: Mapped[str | None] = mapped_column(String(128))
    control_type: Mapped[str] = mapped_column(String(32))
    error_category: Mapped[str] = mapped_column(String(64))
    severity: Mapped[str] = mapped_column(String(16))
    observed_value: Mapped[str | None] = mapped_column(Text)
    details: Mapped[str | None] = mapped_column(Text)


class ExceptionRecord(Base):
    """A quarantined record with every reason it failed and its raw values as JSON."""

    __tablename__ = "exceptions"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(36), index=True)
    dataset: Mapped[str] = mapped_column(String(64))
    original_record_id: Mapped[int] = mapped_column(BigInteger, unique=True)  # an id in the dataset's raw table
    error_category: Mapped[str] = mapped_column(String(64), index=True)
    pipeline_stage: Mapped[str] = mapped_column(String(32))
    error_count: Mapped[int] = mapped_column(Integer)
    error_details: Mapped[str] = mapped_column(Text)
    raw_data: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(
        String(16), index=True, server_default="OPEN"
    )  # flows.constants.ExceptionStatus


class ExceptionEvent(Base):
    """One steward action on an exception (append-only: never updated or deleted), and what it led to."""

    __tablename__ = "exception_events"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    exception_id: Mapped[int] = mapped_column(BigInteger, ForeignKey("exceptions.id"), index=True)
    run_id: Mapped[str] = mapped_column(String(36), index=True)  # the run that quarantined the record
    dataset: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(16))
    status_after: Mapped[str] = mapped_column(String(16))
    user_name: Mapped[str] = mapped_column(String(128))
    note: Mapped[str] = mapped_column(Text)
    corrected_values: Mapped[dict[str, str] | None] = mapped_column(JSON)
    findings: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)  # why a corrected row still fails
    suite_name: Mapped[str] = mapped_column(String(128))
    suite_version: Mapped[str] = mapped_column(String(64))
    replay_run_id: Mapped[str] = mapped_column(String(36), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp)


class AuditLog(Base):
    """One event in a run's life: a stage starting or ending, with counts and duration."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(36), index=True)
    dataset: Mapped[str] = mapped_column(String(64))
    flow_run_id: Mapped[str | None] = mapped_column(String(36))
    stage: Mapped[str] = mapped_column(String(32))
    event: Mapped[str] = mapped_column(String(16))
    logged_at: Mapped[dt.datetime] = mapped_column(Timestamp)
    records_in: Mapped[int | None] = mapped_column(Integer)
    records_out: Mapped[int | None] = mapped_column(Integer)
    duration_ms: Mapped[int | None] = mapped_column(Integer)
    suite_name: Mapped[str | None] = mapped_column(String(128))
    suite_version: Mapped[str | None] = mapped_column(String(64))
    details: Mapped[str | None] = mapped_column(Text)


class AnalyticsSummary(Base):
    """One aggregate: a measure over one breakdown key (long format, any dataset)."""

    __tablename__ = "analytics_summary"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(36), index=True)
    dataset: Mapped[str] = mapped_column(String(64))
    breakdown: Mapped[str] = mapped_column(String(128))
    key_1: Mapped[str | None] = mapped_column(Text)
    key_2: Mapped[str | None] = mapped_column(Text)
    key_3: Mapped[str | None] = mapped_column(Text)
    measure: Mapped[str] = mapped_column(String(64))
    value: Mapped[Decimal] = mapped_column(Numeric(VALUE_PRECISION, VALUE_SCALE))


class LedgerSummary(Base):
    """One aggregate over a dataset's whole current ledger (every run, promotions in, superseded rows out), in
    analytics_summary's long format; kept up to date as runs complete, rows are promoted and rows superseded."""

    __tablename__ = "ledger_summary"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    dataset: Mapped[str] = mapped_column(String(64), index=True)
    breakdown: Mapped[str] = mapped_column(String(128))
    key_1: Mapped[str | None] = mapped_column(Text)
    key_2: Mapped[str | None] = mapped_column(Text)
    key_3: Mapped[str | None] = mapped_column(Text)
    measure: Mapped[str] = mapped_column(String(64))
    value: Mapped[Decimal] = mapped_column(Numeric(VALUE_PRECISION, VALUE_SCALE))


class Alert(Base):
    """One finding about a run: a threshold crossed, an anomaly, a rejected or failed run; and whether its Prefect
    event went out (notified NULL: not attempted yet)."""

    __tablename__ = "alerts"

    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    run_id: Mapped[str] = mapped_column(String(36), index=True)
    dataset: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # flows.constants.AlertKind
    metric: Mapped[str] = mapped_column(String(200))
    value: Mapped[float | None] = mapped_column(Float)
    expected: Mapped[str] = mapped_column(Text)  # "<= 0.25" or "800 to 1,200"
    details: Mapped[dict[str, object] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(Timestamp)
    notified: Mapped[bool | None] = mapped_column(Boolean)
    notify_error: Mapped[str | None] = mapped_column(Text)


class IdBlock(Base):
    """Next free id of a bulk-loaded table; ids are reserved a block at a time."""

    __tablename__ = "id_blocks"

    table_name: Mapped[str] = mapped_column(String(64), primary_key=True)
    next_id: Mapped[int] = mapped_column(BigInteger)
