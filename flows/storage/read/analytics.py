"""Reads of a run's analytics at the dataset's grain (from the long `analytics_summary` table)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Connection, case, func, select

from flows.constants import RECORD_COUNT, breakdown_name
from flows.storage.models import AnalyticsSummary
from flows.storage.read.common import frame_of, matches_any


def wide_measures(measures: Sequence[str]) -> list[Any]:
    """Long (measure, value) rows folded into one column per measure, plus the record count."""
    t = AnalyticsSummary
    return [func.sum(case((t.measure == m, t.value), else_=0)).label(m) for m in (*measures, RECORD_COUNT)]


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
    where += [matches_any(key, values) for key, values in zip(keys[1:], chosen, strict=False) if values]
    labelled = [key.label(name) for key, name in zip(keys, grain, strict=True)]
    stmt = select(*labelled, *wide_measures(measures)).where(*where).group_by(*keys).order_by(*keys)
    return frame_of(conn, stmt)


def run_dimensions(conn: Connection, run_id: str, grain: Sequence[str]) -> pd.DataFrame:
    """The distinct key combinations of a run's grain (for filter options); a missing key is NULL."""
    t, keys = AnalyticsSummary, _grain_keys(grain)
    labelled = [key.label(name) for key, name in zip(keys, grain, strict=True)]
    where = (t.run_id == run_id, t.breakdown == breakdown_name(tuple(grain)), t.measure == RECORD_COUNT)
    return frame_of(conn, select(*labelled).where(*where).distinct())
