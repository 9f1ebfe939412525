"""Retention in storage: which finished runs are old enough, and the set-based DELETEs of what a purge may remove.

A raw row may go only when nothing references it: no clean row (every clean table's `record_id` is a foreign key to
its raw row, and the ledger reads the file and row a key came from) and no exception of any status (an OPEN one is
corrected from it, a DISMISSED one may be reopened and then promoted). Row-level validation results may go, except
those of a record whose exception is still OPEN and the file-level ones (`record_id` NULL: a few per run).
One DELETE per run and table, inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Connection, delete, exists, func, select

from flows.constants import ExceptionStatus, RunStatus
from flows.dataset import DatasetSpec
from flows.storage.models import ExceptionRecord, PipelineRun, ValidationResult
from flows.storage.tables import DatasetTables, dataset_tables

FINISHED = (RunStatus.COMPLETED, RunStatus.REJECTED, RunStatus.FAILED)


class RetentionRecords:
    """Reads and deletes of a purge."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def ended_before(self, dataset: str, cutoff: dt.datetime) -> list[dict[str, Any]]:
        """The dataset's COMPLETED, REJECTED and FAILED runs that ended before `cutoff`, oldest first."""
        t = PipelineRun
        stmt = (
            select(t.run_id, t.status, t.ended_at)
            .where(t.dataset == dataset, t.status.in_([str(s) for s in FINISHED]), t.ended_at < cutoff)
            .order_by(t.ended_at, t.run_id)
        )
        return [dict(row) for row in self._conn.execute(stmt).mappings()]

    def count_raw(self, run_id: str, spec: DatasetSpec) -> int:
        """How many of the run's raw rows nothing references any more."""
        tables = dataset_tables(spec)
        stmt = select(func.count()).select_from(tables.raw).where(*_unreferenced_raw(run_id, tables))
        return int(self._conn.execute(stmt).scalar_one())

    def delete_raw(self, run_id: str, spec: DatasetSpec) -> int:
        """Delete the run's raw rows that nothing references; return how many."""
        tables = dataset_tables(spec)
        return int(self._conn.execute(delete(tables.raw).where(*_unreferenced_raw(run_id, tables))).rowcount)

    def count_results(self, run_id: str) -> dict[str, int]:
        """How many of the run's row-level validation results a purge may remove, per rule."""
        v = ValidationResult
        stmt = select(v.rule_name, func.count()).where(*_purgeable_results(run_id)).group_by(v.rule_name)
        return {str(rule): int(n) for rule, n in self._conn.execute(stmt)}

    def delete_results(self, run_id: str) -> int:
        """Delete the run's row-level validation results, but those of records still OPEN; return how many."""
        return int(self._conn.execute(delete(ValidationResult).where(*_purgeable_results(run_id))).rowcount)


def _unreferenced_raw(run_id: str, tables: DatasetTables) -> list[Any]:
    raw, clean, e = tables.raw, tables.clean, ExceptionRecord
    return [
        raw.c.run_id == run_id,
        ~exists(select(clean.c.record_id).where(clean.c.record_id == raw.c.id)),
        ~exists(select(e.id).where(e.original_record_id == raw.c.id)),
    ]


def _purgeable_results(run_id: str) -> list[Any]:
    v, e = ValidationResult, ExceptionRecord
    still_open = exists(select(e.id).where(e.original_record_id == v.record_id, e.status == ExceptionStatus.OPEN))
    return [v.run_id == run_id, v.record_id.is_not(None), ~still_open]
