"""Analytics figures from a run's grain (date x dimensions): KPIs, daily trend, breakdowns, runs compared."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from panel_app.presentation import PER_RECORD, RECORD_COUNT, Presentation


def kpis(grain: pd.DataFrame, measures: Sequence[str]) -> dict[str, float]:
    """The headline measure's sum, the record count, the headline per record, then the other measures' sums."""
    records = float(grain[RECORD_COUNT].sum())
    sums = {m: round(float(grain[m].sum()), 2) for m in measures}
    headline = sums[measures[0]]
    per_record = round(headline / records, 2) if records else math.nan
    return {measures[0]: headline, RECORD_COUNT: records, PER_RECORD: per_record, **sums}


def daily(grain: pd.DataFrame, date: str, measure: str) -> pd.DataFrame:
    """A measure per calendar day (`day`, `value`; days without records count as zero) and its 7-day average."""
    if grain.empty:
        return pd.DataFrame({"day": pd.Series([], dtype="datetime64[ns]"), "value": [], "avg_7d": []})
    per_day = grain.groupby(pd.to_datetime(grain[date]))[measure].sum()
    per_day = per_day.asfreq("D", fill_value=0.0)
    frame = pd.DataFrame({"day": per_day.index, "value": per_day.to_numpy()})
    frame["avg_7d"] = frame["value"].rolling(7, min_periods=1).mean().round(2)
    return frame


def by_dimension(grain: pd.DataFrame, dimension: str, measures: Sequence[str]) -> pd.DataFrame:
    """Each measure's sum and the record count per key of a dimension, largest headline first."""
    sums = grain.groupby(dimension)[[*measures, RECORD_COUNT]].sum().reset_index()
    sums[list(measures)] = sums[list(measures)].round(2)
    return sums.sort_values([measures[0], dimension], ascending=[False, True], ignore_index=True)


def matrix(grain: pd.DataFrame, rows: str, columns: str, measure: str) -> pd.DataFrame:
    """A measure with one dimension's keys as rows and another's as columns (zero where there is nothing)."""
    table = grain.pivot_table(index=rows, columns=columns, values=measure, aggfunc="sum", fill_value=0.0)
    return table.round(2).sort_index().sort_index(axis=1)


def _change(current: float, other: float) -> tuple[float, float]:
    delta = current - other
    return round(delta, 2), (round(delta / other * 100, 2) if other else math.nan)


def comparison(
    current: pd.DataFrame,
    other: pd.DataFrame,
    exceptions: pd.DataFrame,
    other_exceptions: pd.DataFrame,
    p: Presentation,
) -> pd.DataFrame:
    """Two runs side by side: KPIs, the headline per dimension key, and quarantined records per category."""
    names = [m.name for m in p.measures]
    rows: list[tuple[str, str, float, float]] = []
    mine, theirs = kpis(current, names), kpis(other, names)
    rows += [("Totals", m.label, mine[m.name], theirs[m.name]) for m in p.kpis]
    for dimension in p.dimensions:
        a = by_dimension(current, dimension, names).set_index(dimension)[p.headline.name]
        b = by_dimension(other, dimension, names).set_index(dimension)[p.headline.name]
        section = f"{p.headline.label} by {dimension.replace('_', ' ')}"
        for key in sorted(set(a.index) | set(b.index)):
            rows.append((section, str(key), float(a.get(key, 0.0)), float(b.get(key, 0.0))))
    a, b = exceptions.set_index("key")["records"], other_exceptions.set_index("key")["records"]
    rows.append(("Exceptions", "quarantined records", float(a.sum()), float(b.sum())))
    for key in sorted(set(a.index) | set(b.index)):
        rows.append(("Exceptions by category", str(key), float(a.get(key, 0)), float(b.get(key, 0))))
    frame = pd.DataFrame(rows, columns=["section", "item", "this_run", "comparison_run"])
    changes = [_change(x, y) for x, y in zip(frame["this_run"], frame["comparison_run"], strict=True)]
    frame["change"] = [c[0] for c in changes]
    frame["change_pct"] = [c[1] for c in changes]
    return frame
