"""Alert records: the findings about runs, and the per-run figures their metrics are computed from."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Connection, func, insert, select, update

from flows.constants import RunStatus
from flows.dataset import DatasetSpec
from flows.storage.models import Alert, AnalyticsSummary, ExceptionRecord, PipelineRun, ValidationResult
from flows.storage.tables import dataset_tables


class AlertRecords:
    """The alerts table, and reads of earlier runs for comparison, inside the caller's transaction."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def trailing_runs(self, dataset: str, run_id: str, limit: int) -> list[str]:
        """The dataset's last `limit` COMPLETED runs started before `run_id`, oldest first."""
        t = PipelineRun
        started = select(t.started_at).where(t.run_id == run_id).scalar_subquery()
        stmt = (
            select(t.run_id)
            .where(t.dataset == dataset, t.status == RunStatus.COMPLETED, t.run_id != run_id, t.started_at < started)
            .order_by(t.started_at.desc())
            .limit(limit)
        )
        return list(reversed(self._conn.execute(stmt).scalars().all()))

    def run_counts(self, run_ids: Sequence[str]) -> dict[str, tuple[int, int]]:
        """Rows received and rows quarantined of each run (as its pipeline_runs row says)."""
        t = PipelineRun
        stmt = select(t.run_id, t.raw_count, t.exception_count).where(t.run_id.in_(list(run_ids)))
        return {r: (int(raw or 0), int(exc or 0)) for r, raw, exc in self._conn.execute(stmt)}

    def rule_failures(self, run_ids: Sequence[str]) -> pd.DataFrame:
        """Failed checks per run and rule (columns run_id, rule, failed)."""
        t = ValidationResult
        stmt = (
            select(t.run_id, t.rule_name, func.count())
            .where(t.run_id.in_(list(run_ids)))
            .group_by(t.run_id, t.rule_name)
        )
        return pd.DataFrame(self._conn.execute(stmt).all(), columns=["run_id", "rule", "failed"])

    def measure_rows(self, run_ids: Sequence[str], measure: str, breakdowns: Sequence[str]) -> pd.DataFrame:
        """The runs' analytics rows of one measure and some breakdowns (run_id, breakdown, key_1, measure, value)."""
        t = AnalyticsSummary
        stmt = select(t.run_id, t.breakdown, t.key_1, t.measure, t.value).where(
            t.run_id.in_(list(run_ids)), t.measure == measure, t.breakdown.in_(list(breakdowns))
        )
        rows = self._conn.execute(stmt).all()
        frame = pd.DataFrame(rows, columns=["run_id", "breakdown", "key_1", "measure", "value"])
        return frame.assign(value=frame["value"].astype(float))

    def quarantined_values(self, spec: DatasetSpec, run_id: str, column: str) -> pd.Series:
        """One column of every row the run quarantined, as received (from the raw table: no JSON to parse)."""
        raw = dataset_tables(spec).raw
        stmt = select(raw.c[column]).join(ExceptionRecord, ExceptionRecord.original_record_id == raw.c.id)
        return pd.Series(list(self._conn.execute(stmt.where(ExceptionRecord.run_id == run_id)).scalars()), dtype=object)

    def add(self, rows: Sequence[dict[str, Any]]) -> list[int]:
        """Insert findings (one dict of column values each); return their ids, in order."""
        return [int(self._conn.execute(insert(Alert).values(**row).returning(Alert.id)).scalar_one()) for row in rows]

    def mark(self, alert_id: int, notified: bool, error: str | None = None) -> None:
        """Record whether a finding's event went out, and why not."""
        self._conn.execute(update(Alert).where(Alert.id == alert_id).values(notified=notified, notify_error=error))

    def of_run(self, run_id: str) -> list[dict[str, Any]]:
        """A run's findings, in the order they were recorded."""
        stmt = select(Alert.__table__).where(Alert.run_id == run_id).order_by(Alert.id)
        return [dict(r) for r in self._conn.execute(stmt).mappings()]
