"""Across-runs figures at hundreds of runs: per run up to MANY_RUNS, else per week, else per month.

A period's counts and measures are the sums of its runs' (clean, quarantined, raw, failed records, the headline
total); its rates are recomputed from those sums (quality = clean / raw, failure rate = failed / raw), never
averaged over runs, so a small file weighs as little in a week as it does in the data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

MANY_RUNS = 60  # more completed runs than this: one bar (or heatmap column) per period, not per run
WEEKLY_UP_TO = 400  # up to this many: per ISO week (Monday first); more: per calendar month
WEEK, MONTH = "week", "month"


def period_of(run_count: int) -> str | None:
    """How many completed runs are charted decides the period: None (per run), WEEK or MONTH."""
    if run_count <= MANY_RUNS:
        return None
    return WEEK if run_count <= WEEKLY_UP_TO else MONTH


def period_starts(started_at: pd.Series, period: str) -> pd.Series:
    """The first day of each start time's week (Monday) or month, as a timestamp at midnight."""
    days = pd.to_datetime(started_at).dt.tz_localize(None).dt.normalize()
    if period == WEEK:
        return days - pd.to_timedelta(days.dt.day_of_week, unit="D")
    return days - pd.to_timedelta(days.dt.day - 1, unit="D")


def period_labels(starts: pd.Series, period: str) -> pd.Series:
    """How a period is named in hovers: `week of 2026-03-02` or `Mar 2026`."""
    return ("week of " + starts.dt.strftime("%Y-%m-%d")) if period == WEEK else starts.dt.strftime("%b %Y")


def by_period(frame: pd.DataFrame, period: str, sums: Sequence[str]) -> pd.DataFrame:
    """One row per period of `frame` (one row per run with `started_at` and the `sums` columns), oldest first:
    `period` (its first day, the chart's x), `label` (its name), `runs` (how many) and the sums."""
    starts = period_starts(frame["started_at"], period)
    grouped = frame.assign(period=starts).groupby("period", sort=True)
    out = grouped[list(sums)].sum()
    out.insert(0, "runs", grouped.size())
    out = out.reset_index()
    out.insert(1, "label", period_labels(out["period"], period))
    return out


def period_key(starts: pd.Series) -> pd.Series:
    """A period's name in the chart's keys (`run_id` of a period row, marker and selection): its first day."""
    return starts.dt.strftime("%Y-%m-%d")


def selected_period(history: pd.DataFrame, run_id: str | None, period: str) -> str | None:
    """The key (period_key) of the period holding `run_id`, or None when it is not charted."""
    started = history.loc[history["run_id"] == run_id, "started_at"]
    return str(period_key(period_starts(started, period)).iloc[0]) if len(started) else None


def period_markers(marks: pd.DataFrame, history: pd.DataFrame, period: str) -> pd.DataFrame:
    """Per-run alert markers (metrics.alerts.run_markers) gathered by period: `label` is the period's first day
    (the chart's x), `alerts` their sum, `hover` how many runs and the first run's findings; `history` maps each
    run_id to its `started_at`."""
    columns = ["run_id", "label", "alerts", "hover"]
    if marks.empty:
        return pd.DataFrame(columns=columns)
    starts = history.set_index("run_id")["started_at"]
    grouped = marks.assign(label=period_starts(marks["run_id"].map(starts), period)).groupby("label", sort=True)
    out = pd.DataFrame({"alerts": grouped["alerts"].sum(), "runs": grouped.size(), "hover": grouped["hover"].first()})
    first = out["hover"].str.split("<br>", n=1).str[1]  # the run's findings, without its own count line
    out["hover"] = _count(out["alerts"], "alert") + " on " + _count(out["runs"], "run") + "<br>" + first
    out = out.reset_index()
    out["run_id"] = period_key(out["label"])
    return out[columns]


def _count(counts: pd.Series, noun: str) -> pd.Series:
    return counts.astype(str) + f" {noun}" + counts.ne(1).map({True: "s", False: ""})


def _keyed(periods: pd.DataFrame) -> pd.DataFrame:
    """The chart's keys: x (`label`) is the period's first day, `run_id` names the period (outline, markers)."""
    return periods.assign(label=periods["period"], run_id=period_key(periods["period"]))


def quality_by_period(history: pd.DataFrame, period: str) -> pd.DataFrame:
    """metrics.quality.quality_history by period: counts summed, the quality score = clean / raw of the sums."""
    sums = by_period(history, period, ["raw", "clean", "quarantined", "warnings"])
    raw = sums["raw"].astype(float)
    return _keyed(sums.assign(quality_pct=(100 * sums["clean"] / raw.where(raw > 0)).round(2)))


def totals_by_period(totals: pd.DataFrame, measures: Sequence[str], period: str) -> pd.DataFrame:
    """Whole-file totals per run (run_id, started_at, the measures, record_count) summed by period."""
    return _keyed(by_period(totals, period, [*measures, "record_count"]))


def failure_rates_by_period(failed: pd.DataFrame, done: pd.DataFrame, period: str) -> pd.DataFrame:
    """Failure rate (%) per control (rows) and period (columns: first days): failed records of the period's runs
    over their records received. `failed`: failed records per rule and run_id (metrics.quality.failed_matrix);
    `done`: the COMPLETED runs (run_id, started_at, raw_count)."""
    starts = period_starts(done["started_at"], period).to_numpy()
    summed = failed.reindex(columns=done["run_id"]).fillna(0).T.groupby(starts).sum().T
    raw = done["raw_count"].astype(float).groupby(starts).sum()
    return (100 * summed / raw.where(raw > 0)).round(2)


@dataclass(frozen=True)
class Charted:
    """An across-runs chart's frames: `rows` drawn (per run, or per `period`), their alert `marks`, and `runs`
    (run_id, started_at) to find the selected run's bar."""

    runs: pd.DataFrame
    rows: pd.DataFrame
    marks: pd.DataFrame
    period: str | None

    def selected(self, run_id: str | None) -> str | None:
        """The `run_id` of the bar to outline: the run's own, or its period's."""
        return run_id if self.period is None else selected_period(self.runs, run_id, self.period)


def charted_quality(history: pd.DataFrame, marks: pd.DataFrame) -> Charted:
    """The quality history (metrics.quality.quality_history) and its markers, by period when runs are many."""
    period = period_of(len(history))
    if period is None:
        return Charted(history, history, marks, None)
    return Charted(history, quality_by_period(history, period), period_markers(marks, history, period), period)


def charted_totals(totals: pd.DataFrame, marks: pd.DataFrame, measures: Sequence[str]) -> Charted:
    """Whole-file totals per run (with started_at and label) and their markers, by period when runs are many."""
    period = period_of(len(totals))
    if period is None:
        return Charted(totals, totals, marks, None)
    rows = totals_by_period(totals, measures, period)
    return Charted(totals, rows, period_markers(marks, totals, period), period)


def resolutions_by_period(table: pd.DataFrame, runs: pd.DataFrame, period: str) -> pd.DataFrame:
    """metrics.stewardship.resolution_table (oldest first) by period: quarantined records by outcome summed, the
    share resolved = (promoted + dismissed) / quarantined of the sums; `run` is the period's first day."""
    dated = table.merge(runs[["run_id", "started_at"]], on="run_id")
    outcomes = ["promoted_by_correction", "promoted_by_waiver", "dismissed", "open"]
    sums = by_period(dated, period, ["quarantined", *outcomes])
    quarantined = sums["quarantined"].astype(float)
    resolved = sums["promoted_by_correction"] + sums["promoted_by_waiver"] + sums["dismissed"]
    keyed = _keyed(sums.assign(resolved_pct=(100 * resolved / quarantined.where(quarantined > 0)).round(1)))
    return keyed.assign(run=keyed["label"])
