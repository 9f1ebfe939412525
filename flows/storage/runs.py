"""Run records: the pipeline_runs row, audit events, and the per-run counts a summary reports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, func, insert, select, text, update

from flows.constants import RunStatus, Severity
from flows.storage.locks import lock_key
from flows.storage.models import AuditLog, ExceptionRecord, PipelineRun, ValidationResult
from flows.storage.tables import table as named_table


class RunRecords:
    """The run table and audit log, read and written inside the caller's transaction."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def create(self, **values: Any) -> None:
        """Insert a run in status RUNNING."""
        self._conn.execute(insert(PipelineRun).values(status=RunStatus.RUNNING, **values))

    def update(self, run_id: str, **values: Any) -> None:
        """Set fields of a run (status, counts, end time...)."""
        self._conn.execute(update(PipelineRun).where(PipelineRun.run_id == run_id).values(**values))

    def get(self, run_id: str) -> dict[str, Any] | None:
        """One run as a dict, or None."""
        stmt = select(PipelineRun.__table__).where(PipelineRun.run_id == run_id)
        row = self._conn.execute(stmt).mappings().first()
        return dict(row) if row else None

    def completed(self, dataset: str) -> list[dict[str, Any]]:
        """The dataset's COMPLETED runs as dicts, oldest first."""
        t = PipelineRun
        stmt = select(t.__table__).where(t.dataset == dataset, t.status == RunStatus.COMPLETED).order_by(t.started_at)
        return [dict(row) for row in self._conn.execute(stmt).mappings()]

    def lock(self, run_ids: Sequence[str]) -> None:
        """Hold these runs' rows until the transaction ends (PostgreSQL; SQLite has one writer at a time): replays
        touching the same run go one after the other, each reading the analytics the previous one committed."""
        if run_ids and self._conn.dialect.name == "postgresql":
            t = PipelineRun
            stmt = select(t.run_id).where(t.run_id.in_(list(run_ids))).order_by(t.run_id).with_for_update()
            self._conn.execute(stmt).all()

    def running(self, dataset: str) -> list[str]:
        """The ids of the dataset's runs still marked RUNNING."""
        t = PipelineRun
        stmt = select(t.run_id).where(t.dataset == dataset, t.status == RunStatus.RUNNING)
        return list(self._conn.execute(stmt).scalars())

    def is_abandoned(self, run_id: str) -> bool:
        """True when no live session holds the run's lock (PostgreSQL only; SQLite cannot tell, so False)."""
        if self._conn.dialect.name != "postgresql":
            return False
        key = lock_key(run_id)
        if not self._conn.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": key}).scalar():
            return False
        self._conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
        return True

    def find_completed(self, sha256: str, dataset: str, status: str = RunStatus.COMPLETED) -> str | None:
        """The run that already processed a file with this checksum successfully (`status`), if any."""
        t = PipelineRun
        stmt = (
            select(t.run_id)
            .where(t.source_sha256 == sha256, t.dataset == dataset, t.status == status)
            .order_by(t.started_at)
            .limit(1)
        )
        return self._conn.execute(stmt).scalar_one_or_none()

    def record_audit(self, events: list[dict[str, Any]]) -> None:
        """Append audit events."""
        if events:
            self._conn.execute(insert(AuditLog), events)

    def counts(self, run_id: str, tables: Sequence[str]) -> dict[str, int]:
        """How many rows of each table belong to the run."""
        counted = {}
        for name in tables:
            t = named_table(name)
            stmt = select(func.count()).select_from(t).where(t.c.run_id == run_id)
            counted[name] = int(self._conn.execute(stmt).scalar_one())
        return counted

    def warnings(self, run_id: str) -> int:
        """How many warning-severity findings the run recorded."""
        t = ValidationResult
        stmt = select(func.count()).where(t.run_id == run_id, t.severity == Severity.WARNING)
        return int(self._conn.execute(stmt).scalar_one())

    def exceptions_by_category(self, run_id: str) -> dict[str, int]:
        """Quarantined records per headline category."""
        t = ExceptionRecord
        stmt = select(t.error_category, func.count()).where(t.run_id == run_id).group_by(t.error_category)
        return {c: int(n) for c, n in self._conn.execute(stmt)}

    def failures_by_rule(self, run_id: str) -> list[dict[str, Any]]:
        """Failed checks per rule for the run (file-level rules count once)."""
        t = ValidationResult
        rows = self._conn.execute(
            select(t.rule_name, t.control_type, t.error_category, t.severity, func.count())
            .where(t.run_id == run_id)
            .group_by(t.rule_name, t.control_type, t.error_category, t.severity)
            .order_by(func.count().desc(), t.rule_name)
        )
        keys = ("rule", "control_type", "error_category", "severity", "failed")
        return [dict(zip(keys, row, strict=True)) for row in rows]
