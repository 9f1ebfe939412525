"""Reads for working through exceptions: one exception's history, and a run's open exceptions as a template."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from sqlalchemy import Connection, select

from flows.constants import ExceptionStatus
from flows.stages.corrections import template
from flows.storage.models import ExceptionEvent, ExceptionRecord
from flows.storage.read.common import frame_of

HISTORY_COLUMNS = ("created_at", "action", "status_after", "user_name", "note", "corrected_values", "findings")


def exception_history(conn: Connection, exception_id: int) -> pd.DataFrame:
    """Every event of one exception, oldest first: when, what, the status it led to, who, the note, the values
    the steward gave, the findings of a correction that still fails, the suite version and the replay run."""
    t = ExceptionEvent
    columns = [getattr(t, c) for c in HISTORY_COLUMNS]
    stmt = select(t.id.label("event_id"), *columns, t.suite_version, t.replay_run_id)
    return frame_of(conn, stmt.where(t.exception_id == exception_id).order_by(t.id))


def corrections_template(conn: Connection, run_id: str, columns: Sequence[str]) -> pd.DataFrame:
    """The run's OPEN exceptions as a corrections template (see `flows.stages.corrections.template`)."""
    e = ExceptionRecord
    stmt = select(e.id, e.raw_data).where(e.run_id == run_id, e.status == ExceptionStatus.OPEN)
    rows = [dict(r) for r in conn.execute(stmt.order_by(e.original_record_id)).mappings()]
    return template(rows, columns)
