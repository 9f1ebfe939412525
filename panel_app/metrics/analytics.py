"""Analytics figures from a run's grain (date x dimensions): KPIs, daily trend, breakdowns, runs compared.

Sums are rounded to each measure's decimal places (its spec scale), so they read as the data does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import pandas as pd

from flows.constants import RECORD_COUNT
from panel_app.presentation import PER_RECORD, Measure, Presentation

PERCENT_PLACES = 2


def kpis(grain: pd.DataFrame, p: Presentation) -> dict[str, float]:
    """The headline measure's sum, the record count, the headline per record, then the other measures' sums."""
    records = float(grain[RECORD_COUNT].sum())
    sums = {m.name: round(float(grain[m.name].sum()), m.places) for m in p.measures}
    headline = sums[p.headline.name]
    per_record = round(headline / records, p.per_record.places) if records else math.nan
    return {p.headline.name: headline, RECORD_COUNT: records, PER_RECORD: per_record, **sums}


def daily(grain: pd.DataFrame, date: str, measure: Measure) -> pd.DataFrame:
    """A measure per calendar day (`day`, `value`; days without records count as zero) and its 7-day average."""
    if grain.empty:
        return pd.DataFrame({"day": pd.Series([], dtype="datetime64[ns]"), "value": [], "avg_7d": []})
    per_day = grain.groupby(pd.to_datetime(grain[date]))[measure.name].sum()
    per_day = per_day.asfreq("D", fill_value=0.0)
    frame = pd.DataFrame({"day": per_day.index, "value": per_day.to_numpy()})
    frame["avg_7d"] = frame["value"].rolling(7, min_periods=1).mean().round(max(measure.places, 2))
    return frame


def by_dimension(grain: pd.DataFrame, dimension: str, measures: Sequence[Measure]) -> pd.DataFrame:
    """Each measure's sum and the record count per key of a dimension, largest headline first."""
    names = [m.name for m in measures]
    sums = grain.groupby(dimension)[[*names, RECORD_COUNT]].sum().reset_index()
    sums = sums.round({m.name: m.places for m in measures})
    return sums.sort_values([names[0], dimension], ascending=[False, True], ignore_index=True)


def matrix(grain: pd.DataFrame, rows: str, columns: str, measure: Measure) -> pd.DataFrame:
    """A measure with one dimension's keys as rows and another's as columns (zero where there is nothing)."""
    table = grain.pivot_table(index=rows, columns=columns, values=measure.name, aggfunc="sum", fill_value=0.0)
    return table.round(measure.places).sort_index().sort_index(axis=1)


def _change(current: float, other: float, places: int) -> tuple[float, float]:
    delta = current - other
    return round(delta, places), (round(delta / other * 100, PERCENT_PLACES) if other else math.nan)


def comparison(
    current: pd.DataFrame,
    other: pd.DataFrame,
    exceptions: pd.DataFrame,
    other_exceptions: pd.DataFrame,
    p: Presentation,
) -> pd.DataFrame:
    """Two runs side by side: KPIs, the headline per dimension key, and quarantined records per category."""
    rows: list[tuple[str, str, float, float, int]] = []
    mine, theirs = kpis(current, p), kpis(other, p)
    rows += [("Totals", m.label, mine[m.name], theirs[m.name], m.places) for m in p.kpis]
    for dimension in p.dimensions:
        a = by_dimension(current, dimension, p.measures).set_index(dimension)[p.headline.name]
        b = by_dimension(other, dimension, p.measures).set_index(dimension)[p.headline.name]
        section = f"{p.headline.label} by {dimension.replace('_', ' ')}"
        for key in sorted(set(a.index) | set(b.index)):
            rows.append((section, str(key), float(a.get(key, 0.0)), float(b.get(key, 0.0)), p.headline.places))
    a, b = exceptions.set_index("key")["records"], other_exceptions.set_index("key")["records"]
    rows.append(("Exceptions", "quarantined records", float(a.sum()), float(b.sum()), 0))
    for key in sorted(set(a.index) | set(b.index)):
        rows.append(("Exceptions by category", str(key), float(a.get(key, 0)), float(b.get(key, 0)), 0))
    frame = pd.DataFrame(rows, columns=["section", "item", "this_run", "comparison_run", "places"])
    changes = [
        _change(x, y, n) for x, y, n in zip(frame["this_run"], frame["comparison_run"], frame["places"], strict=True)
    ]
    frame["change"] = [c[0] for c in changes]
    frame["change_pct"] = [c[1] for c in changes]
    return frame.drop(columns="places")
