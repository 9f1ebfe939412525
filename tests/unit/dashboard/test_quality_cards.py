"""Data Quality cards over the fake reader: score and counts, clean vs quarantined, pass rates, quality across runs."""

from __future__ import annotations

from typing import Any

import pytest

from panel_app.data_store import DataStore
from panel_app.views import quality
from tests.unit.dashboard.frames import rows_by
from tests.unit.dashboard.results import tea


def tea_run(run_id: str) -> dict[str, Any]:
    """A tea run's stored row."""
    return rows_by(tea().runs, "run_id")[run_id]


def test_the_quality_tiles_write_counts_with_the_datasets_grouping(store: DataStore, lab_store: DataStore) -> None:
    """It writes tea counts as 12,34,567 and lab counts as 1,234,567, and the score's change."""
    markup = quality.QualityKpis(store=store).markup()
    run, before = tea_run("tea-2"), tea_run("tea-1")
    change = run["clean_count"] / run["raw_count"] - before["clean_count"] / before["raw_count"]
    assert "12,34,567" in markup and "12,34,535" in markup and "1,500" in markup
    assert f"+{change * 100:.2f} pts vs comparison" in markup and "balanced" in markup
    lab_markup = quality.QualityKpis(store=lab_store).markup()
    assert "1,234,567" in lab_markup and "1,234,566" in lab_markup and "12,34,567" not in lab_markup


def test_a_run_without_results_has_no_quality_figures(store: DataStore) -> None:
    """It shows a notice and no figures for the REJECTED run."""
    store.run_id = "tea-3"
    assert "has no quality results" in quality.QualityKpis(store=store).markup()
    assert quality.CleanSplit(store=store).figure().layout.annotations[0].text == "No results for this run"
    assert quality.PassRates(store=store).figure().layout.annotations[0].text == "No results for this run"


def test_the_donut_splits_clean_and_quarantined_records(store: DataStore, lab_store: DataStore) -> None:
    """It splits clean and quarantined records as stored, labelled with the dataset's grouping."""
    pie = quality.CleanSplit(store=store).figure().data[0]
    assert list(pie.values) == [1_234_535, 32] and list(pie.customdata) == ["12,34,535", "32"]
    assert list(quality.CleanSplit(store=lab_store).figure().data[0].customdata) == ["1,234,566", "1"]


def test_pass_rates_are_failed_records_over_records_received(store: DataStore) -> None:
    """It draws each record-level control's pass rate, 1 - failed/received, and the comparison run as rings."""
    failures = tea().rule_failures.query("run_id == 'tea-2'").set_index("rule_name")["failed_records"]
    raw = tea_run("tea-2")["raw_count"]
    figure = quality.PassRates(store=store).figure()
    assert figure.data[0].name == "Comparison run"
    drawn = {rule: rate for trace in figure.data[1:] for rule, rate in zip(trace.y, trace.x, strict=True)}
    assert drawn["revenue_positive"] == pytest.approx(round(100 * (1 - failures["revenue_positive"] / raw), 2))
    assert drawn["order_id_unique"] == 100.0 and "revenue_column_present" not in drawn
    assert "1,500" in {text for trace in figure.data[1:] for text in trace.customdata}


def test_quality_across_runs_has_every_completed_run(store: DataStore) -> None:
    """It stacks clean and quarantined records of tea-1 and tea-2, oldest first, with the quality score."""
    clean, quarantined, score = quality.QualityTrend(store=store).figure().data
    assert list(clean.y) == [1990, 1_234_535] and list(clean.customdata) == ["1,990", "12,34,535"]
    assert list(quarantined.y) == [10, 32]
    assert list(score.y) == pytest.approx([99.5, round(100 * 1_234_535 / 1_234_567, 2)])
