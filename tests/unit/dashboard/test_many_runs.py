"""The dashboard at hundreds of runs: across-runs figures by week or month (sums, rates from sums), zoomable, and
the run picker (month, run, search) over the fake reader."""

from __future__ import annotations

import pandas as pd
import pytest

from panel_app.charts.quality import failure_heatmap, quality_trend
from panel_app.data_store import DataStore
from panel_app.metrics import periods
from panel_app.metrics.runs import month_choices, run_labels
from panel_app.views.run_picker import RunPicker


def history(days: int) -> pd.DataFrame:
    """One COMPLETED run a day from Monday 2026-03-02: 100 records, then 900, in turn; all clean on odd days."""
    raw = pd.Series([100, 900] * (days // 2) + [100] * (days % 2))
    clean = raw.where(raw == 900, raw // 2)
    return pd.DataFrame(
        {
            "run_id": [f"run-{i}" for i in range(days)],
            "started_at": pd.Timestamp("2026-03-02 02:00") + pd.to_timedelta(range(days), unit="D"),
            "raw": raw,
            "clean": clean,
            "quarantined": raw - clean,
            "warnings": 0,
        }
    )


@pytest.mark.parametrize(("runs", "period"), [(1, None), (60, None), (61, "week"), (400, "week"), (401, "month")])
def test_the_period_follows_the_number_of_runs(runs: int, period: str | None) -> None:
    """Up to 60 runs each run is charted; up to 400 each week; beyond, each month."""
    assert periods.period_of(runs) == period


def test_a_weeks_quality_is_recomputed_from_its_sums_not_averaged() -> None:
    """A week of 100-record files half clean and 900-record files all clean scores clean / raw of the sums."""
    weeks = periods.quality_by_period(history(14), periods.WEEK)
    assert list(weeks["runs"]) == [7, 7]
    first = weeks.iloc[0]
    assert (first["raw"], first["clean"]) == (4 * 100 + 3 * 900, 4 * 50 + 3 * 900)
    assert first["quality_pct"] == pytest.approx(round(100 * 2900 / 3100, 2))  # not the mean of 50 % and 100 %
    assert first["label"] == pd.Timestamp("2026-03-02") and first["run_id"] == "2026-03-02"


def test_months_start_on_the_first_and_the_selected_run_names_its_period() -> None:
    """Runs from 2 March to 30 April fall in two months; run-40 (11 April) is in April's."""
    frame = history(60)
    months = periods.by_period(frame, periods.MONTH, ["raw"])
    assert list(months["period"]) == [pd.Timestamp("2026-03-01"), pd.Timestamp("2026-04-01")]
    assert months["raw"].sum() == frame["raw"].sum()  # nothing dropped
    assert periods.selected_period(frame, "run-40", periods.MONTH) == "2026-04-01"
    assert periods.selected_period(frame, "gone", periods.MONTH) is None


def test_failure_rates_by_period_are_failed_over_received_of_the_sums() -> None:
    """A control's weekly rate is its failed records over the week's records received."""
    done = history(14).rename(columns={"raw": "raw_count"})
    failed = pd.DataFrame({r: [1 if i % 2 else 10] for i, r in enumerate(done["run_id"])}, index=["rule_a"])
    rates = periods.failure_rates_by_period(failed, done, periods.WEEK)
    assert list(rates.columns) == [pd.Timestamp("2026-03-02"), pd.Timestamp("2026-03-09")]
    assert rates.loc["rule_a"].iloc[0] == pytest.approx(round(100 * (4 * 10 + 3 * 1) / 3100, 2))


def test_alert_markers_are_gathered_by_period() -> None:
    """Two runs with findings in one week make one marker counting both."""
    frame = history(14)
    marks = pd.DataFrame(
        {
            "run_id": ["run-1", "run-3"],
            "label": ["a", "b"],
            "alerts": [2, 1],
            "hover": ["2 alerts<br>x", "1 alert<br>y"],
        }
    )
    gathered = periods.period_markers(marks, frame, periods.WEEK)
    assert list(gathered["alerts"]) == [3]
    assert gathered["hover"].iloc[0] == "3 alerts on 2 runs<br>x"
    assert gathered["label"].iloc[0] == pd.Timestamp("2026-03-02")


def test_charts_by_period_zoom_on_a_date_axis() -> None:
    """With a period the figures get a date axis with a range slider and 3 m / 6 m / 1 y / all buttons; per run
    they keep one category per run."""
    weeks = periods.quality_by_period(history(100), periods.WEEK)
    fig = quality_trend(weeks, "2026-03-09", period=periods.WEEK)
    assert fig.layout.xaxis.type == "date" and fig.layout.xaxis.rangeslider.visible
    assert [b.label for b in fig.layout.xaxis.rangeselector.buttons] == ["3 m", "6 m", "1 y", "all"]
    assert len(fig.data[0].x) == len(weeks) == 15
    per_run = history(5).assign(label=lambda f: f["run_id"], quality_pct=50.0)
    assert quality_trend(per_run, None).layout.xaxis.type == "category"
    heat = failure_heatmap(pd.DataFrame([[1.0, 2.0]], index=["r"], columns=weeks["period"][:2]), periods.WEEK)
    assert heat.layout.xaxis.rangeslider.visible and heat.data[0].texttemplate is None


def test_months_are_offered_newest_first_with_their_run_counts(store: DataStore) -> None:
    """The tea orders' runs fall in March (three) and February 2024 (one)."""
    assert month_choices(store.runs) == {"2024-03 · 3 runs": "2024-03", "2024-02 · 1 run": "2024-02"}


def test_the_picker_shows_the_selected_runs_month_and_picks_by_month_or_search(store: DataStore) -> None:
    """It opens on tea-2's month with that month's runs; a month picked by hand opens its newest run; a search
    result opens that run (and shows its month); the store's run_id stays the one truth."""
    picker = RunPicker(store=store)
    assert picker.month == "2024-03" and picker.runs.value == "tea-2"
    assert sorted(picker.runs.options.values()) == ["tea-1", "tea-2", "tea-3"]
    picker.month = "2024-02"
    assert store.run_id == "tea-0" and list(picker.runs.options.values()) == ["tea-0"]
    label = dict(zip(store.runs["run_id"], run_labels(store.runs), strict=True))["tea-1"]
    assert label in picker.search.options and picker.search.search_strategy == "includes"
    picker.search.value = label
    assert store.run_id == "tea-1" and picker.month == "2024-03" and picker.runs.value == "tea-1"
    store.run_id = "tea-2"  # e.g. the `?run=` link or another selector
    assert picker.runs.value == "tea-2"


def test_a_weeks_share_resolved_is_recomputed_from_its_sums() -> None:
    """Resolved = (corrected + waived + dismissed) / quarantined of the week's sums, not a mean of run shares."""
    runs = history(7)
    table = pd.DataFrame(
        {
            "run_id": runs["run_id"],
            "quarantined": [10, 90, 0, 0, 0, 0, 0],
            "promoted_by_correction": [10, 0, 0, 0, 0, 0, 0],
            "promoted_by_waiver": 0,
            "dismissed": [0, 8, 0, 0, 0, 0, 0],
            "open": [0, 82, 0, 0, 0, 0, 0],
        }
    )
    week = periods.resolutions_by_period(table, runs, periods.WEEK).iloc[0]
    assert (week["quarantined"], week["runs"], week["resolved_pct"]) == (100, 7, 18.0)  # not (100 % + 8.9 %) / 2
    assert week["run"] == pd.Timestamp("2026-03-02")
