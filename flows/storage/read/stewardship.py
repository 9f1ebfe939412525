"""Reads of how stewards resolved exceptions: per COMPLETED run by current status and how each was promoted,
and steward events per day.

A PROMOTED exception counts as corrected or waived by the action of the latest event that promoted it
(an exception may have been promoted, reopened and promoted again).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Connection, String, case, func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.expression import FunctionElement

from flows.constants import ExceptionStatus, RunStatus, StewardAction
from flows.storage.models import ExceptionEvent, ExceptionRecord, PipelineRun
from flows.storage.read.common import frame_of

RESOLUTION_COLUMNS = (
    *("run_id", "exceptions", "open", "promoted", "dismissed"),
    *("promoted_by_correction", "promoted_by_waiver"),
)


class utc_day(FunctionElement[str]):  # noqa: N801 - a SQL function, named like one
    """The UTC calendar day of a timestamp as `YYYY-MM-DD` text, on SQLite and PostgreSQL alike."""

    type = String()
    inherit_cache = True


@compiles(utc_day)
def _utc_day_sqlite(element: utc_day, compiler: Any, **kw: Any) -> str:
    return f"date({compiler.process(element.clauses, **kw)})"  # SQLite keeps the UTC wall time as text


@compiles(utc_day, "postgresql")
def _utc_day_postgres(element: utc_day, compiler: Any, **kw: Any) -> str:
    # not date(): it would use the session's time zone
    return f"to_char(({compiler.process(element.clauses, **kw)}) AT TIME ZONE 'UTC', 'YYYY-MM-DD')"


def _count_when(condition: Any, label: str) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0).label(label)


def resolutions(conn: Connection, dataset: str) -> pd.DataFrame:
    """Per COMPLETED run of the dataset, oldest first: its exceptions by current status, and how many were
    promoted by correction and by waiver. A run without exceptions has a row of zeros.

    Columns: RESOLUTION_COLUMNS.
    """
    r, e, ev = PipelineRun, ExceptionRecord, ExceptionEvent
    latest = (
        select(ev.exception_id, func.max(ev.id).label("event_id"))
        .where(ev.dataset == dataset, ev.status_after == ExceptionStatus.PROMOTED)
        .group_by(ev.exception_id)
        .subquery("latest_promotion")
    )
    promoting = ev.__table__.alias("promoting")
    promoted = e.status == ExceptionStatus.PROMOTED
    stmt = (
        select(
            r.run_id,
            func.count(e.id).label("exceptions"),
            _count_when(e.status == ExceptionStatus.OPEN, "open"),
            _count_when(promoted, "promoted"),
            _count_when(e.status == ExceptionStatus.DISMISSED, "dismissed"),
            _count_when(promoted & (promoting.c.action == StewardAction.CORRECT), "promoted_by_correction"),
            _count_when(promoted & (promoting.c.action == StewardAction.WAIVE), "promoted_by_waiver"),
        )
        .select_from(r)
        .outerjoin(e, e.run_id == r.run_id)
        .outerjoin(latest, latest.c.exception_id == e.id)
        .outerjoin(promoting, promoting.c.id == latest.c.event_id)
        .where(r.dataset == dataset, r.status == RunStatus.COMPLETED)
        .group_by(r.run_id, r.started_at)
        .order_by(r.started_at, r.run_id)
    )
    frame = frame_of(conn, stmt)
    counts = list(RESOLUTION_COLUMNS[1:])
    frame[counts] = frame[counts].astype("int64")
    return frame


def resolution_days(conn: Connection, dataset: str) -> pd.DataFrame:
    """Steward events of the dataset per UTC day (`YYYY-MM-DD`), action and status after, oldest first.

    Columns: day, action, status_after, events.
    """
    ev = ExceptionEvent
    day = utc_day(ev.created_at)
    stmt = (
        select(day.label("day"), ev.action, ev.status_after, func.count().label("events"))
        .where(ev.dataset == dataset)
        .group_by(day, ev.action, ev.status_after)
        .order_by(day, ev.action, ev.status_after)
    )
    frame = frame_of(conn, stmt)
    frame["events"] = frame["events"].astype("int64")
    return frame
