"""Reads of the alert findings the pipeline recorded about runs (the `alerts` table), newest first."""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Connection, select

from flows.storage.models import Alert
from flows.storage.read.common import frame_of

ALERT_COLUMNS = ("alert_id", "run_id", "kind", "metric", "value", "expected", "created_at", "notified", "notify_error")


def _findings() -> tuple[Any, ...]:
    a = Alert
    return (
        a.id.label("alert_id"),
        a.run_id,
        a.kind,
        a.metric,
        a.value,
        a.expected,
        a.created_at,
        a.notified,
        a.notify_error,
    )


def dataset_alerts(conn: Connection, dataset: str, limit: int) -> pd.DataFrame:
    """The dataset's latest `limit` findings across runs, newest first (ALERT_COLUMNS; details left out)."""
    stmt = select(*_findings()).where(Alert.dataset == dataset).order_by(Alert.id.desc()).limit(limit)
    return frame_of(conn, stmt)


def run_alerts(conn: Connection, run_id: str) -> pd.DataFrame:
    """Every finding about one run, newest first (ALERT_COLUMNS)."""
    return frame_of(conn, select(*_findings()).where(Alert.run_id == run_id).order_by(Alert.id.desc()))
