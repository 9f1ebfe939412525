"""Reads of aggregates at the dataset's grain: one run's (`analytics_summary`) or the whole current ledger's
(`ledger_summary`, the same long format keyed by dataset). Neither scans a clean table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Connection, case, func, select

from flows.constants import RECORD_COUNT, breakdown_name
from flows.storage.models import AnalyticsSummary, LedgerSummary
from flows.storage.read.common import frame_of, matches_any

Summary = type[AnalyticsSummary] | type[LedgerSummary]


def wide_measures(measures: Sequence[str], t: Summary = AnalyticsSummary) -> list[Any]:
    """Long (measure, value) rows folded into one column per measure, plus the record count."""
    return [func.sum(case((t.measure == m, t.value), else_=0)).label(m) for m in (*measures, RECORD_COUNT)]


def _grain_keys(grain: Sequence[str], t: Summary) -> list[Any]:
    return [t.key_1, t.key_2, t.key_3][: len(grain)]


def _grain(
    conn: Connection,
    t: Summary,
    owner: ColumnElement[bool],
    grain: Sequence[str],
    measures: Sequence[str],
    start: dt.date | None,
    end: dt.date | None,
    chosen: Sequence[Sequence[str]],
) -> pd.DataFrame:
    keys = _grain_keys(grain, t)
    where = [owner, t.breakdown == breakdown_name(tuple(grain))]
    where += [keys[0] >= start.isoformat()] if start else []  # ISO dates sort as text
    where += [keys[0] <= end.isoformat()] if end else []
    where += [matches_any(key, values) for key, values in zip(keys[1:], chosen, strict=False) if values]
    labelled = [key.label(name) for key, name in zip(keys, grain, strict=True)]
    stmt = select(*labelled, *wide_measures(measures, t)).where(*where).group_by(*keys).order_by(*keys)
    return frame_of(conn, stmt)


def _dimensions(conn: Connection, t: Summary, owner: ColumnElement[bool], grain: Sequence[str]) -> pd.DataFrame:
    keys = _grain_keys(grain, t)
    labelled = [key.label(name) for key, name in zip(keys, grain, strict=True)]
    where = (owner, t.breakdown == breakdown_name(tuple(grain)), t.measure == RECORD_COUNT)
    return frame_of(conn, select(*labelled).where(*where).distinct())


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
    t = AnalyticsSummary
    return _grain(conn, t, t.run_id == run_id, grain, measures, start, end, chosen)


def ledger_grain(
    conn: Connection,
    dataset: str,
    grain: Sequence[str],
    measures: Sequence[str],
    start: dt.date | None = None,
    end: dt.date | None = None,
    chosen: Sequence[Sequence[str]] = (),
) -> pd.DataFrame:
    """The dataset's whole current ledger at the grain, filtered as `analytics_grain` filters a run's."""
    t = LedgerSummary
    return _grain(conn, t, t.dataset == dataset, grain, measures, start, end, chosen)


def run_dimensions(conn: Connection, run_id: str, grain: Sequence[str]) -> pd.DataFrame:
    """The distinct key combinations of a run's grain (for filter options); a missing key is NULL."""
    return _dimensions(conn, AnalyticsSummary, AnalyticsSummary.run_id == run_id, grain)


def ledger_dimensions(conn: Connection, dataset: str, grain: Sequence[str]) -> pd.DataFrame:
    """The values each grain key takes in the dataset's current ledger, a missing key as NULL: what the filter
    options and the date bounds need. Not their combinations (a year of days times every region and product is
    thousands of rows to fetch for a handful of values): each column lists its distinct values, and the shorter
    columns repeat their last value to fill the frame."""
    t = LedgerSummary
    where = (t.dataset == dataset, t.breakdown == breakdown_name(tuple(grain)), t.measure == RECORD_COUNT)
    columns = {
        name: [row[0] for row in conn.execute(select(key).where(*where).distinct().order_by(key))]
        for key, name in zip(_grain_keys(grain, t), grain, strict=True)
    }
    longest = max((len(values) for values in columns.values()), default=0)
    return pd.DataFrame({name: values + values[-1:] * (longest - len(values)) for name, values in columns.items()})
