"""Analytics cards over the fake reader: KPIs, trend, breakdowns, heatmap, totals across runs, runs compared.

Expected numbers are computed here with pandas from the fake's frames (results.py).
"""

from __future__ import annotations

import pandas as pd
import pytest

from flows.constants import MISSING
from panel_app.data_store import DataStore
from panel_app.views import analytics
from tests.unit.dashboard.frames import rows_by
from tests.unit.dashboard.results import lab, tea


def revenue(run_id: str) -> pd.DataFrame:
    """A tea run's grain with missing keys read as MISSING."""
    return tea().grains[run_id].fillna(MISSING)


def test_kpis_sum_the_grain_and_write_rupees_with_indian_grouping(store: DataStore) -> None:
    """It sums revenue, records and quantity over the grain, writes rupees the Indian way and the change."""
    grain = revenue("tea-2")
    total, records = round(grain["revenue"].sum(), 2), grain["record_count"].sum()
    card = analytics.AnalyticsKpis(store=store)
    assert card.values() == pytest.approx(
        {"revenue": total, "record_count": records, "per_record": round(total / records, 2), "quantity": 21}
    )
    markup = card.markup()
    assert "₹1,02,550.74" in markup and "₹10,255.07" in markup
    store.date_range = None  # the comparison run's days are before this run's: compare the whole runs
    assert total - revenue("tea-1")["revenue"].sum() == pytest.approx(101750.74)
    assert "+₹1,01,750.74 (+12718.8 %) vs comparison" in card.markup()


def test_kpis_of_a_scale_4_euro_dataset_keep_4_places(lab_store: DataStore) -> None:
    """It writes the price in euros at 4 places (per record too) and the derived ratio at 6."""
    grain = lab().grains["lab-2"]
    card = analytics.AnalyticsKpis(store=lab_store)
    price, records = round(grain["price"].sum(), 4), grain["record_count"].sum()
    assert card.values()["price"] == pytest.approx(price, abs=1e-9)
    assert card.values()["per_record"] == round(price / records, 4)
    markup = card.markup()
    assert "€1,244.6913" in markup and "€311.1728" in markup and "€42.176950" in markup and "₹" not in markup


def test_the_trend_has_every_day_and_writes_its_hover_in_the_datasets_money(store: DataStore) -> None:
    """It plots every day (zero without records) with the formatted amount as hover text."""
    grain = revenue("tea-2")
    per_day = grain.groupby(pd.to_datetime(grain["order_date"]))["revenue"].sum().asfreq("D", fill_value=0.0)
    figure = analytics.MeasureTrend(store=store).figure()
    assert list(figure.data[0].y) == pytest.approx(per_day.tolist())
    assert figure.data[0].customdata[-1] == "₹1,00,450.00"


def test_breakdowns_sum_each_dimension_key_and_show_the_comparison(store: DataStore) -> None:
    """It sums revenue per region and per product (a missing product as MISSING), the comparison run beside it."""
    grain, before = revenue("tea-2"), revenue("tea-1")
    by_region = analytics.MeasureBreakdown(store=store, position=0).figure().data[-1]
    assert dict(zip(by_region.y, by_region.x, strict=True)) == grain.groupby("region")["revenue"].sum().to_dict()
    by_product = analytics.MeasureBreakdown(store=store, position=1).figure().data[-1]
    assert dict(zip(by_product.y, by_product.x, strict=True))[MISSING] == 450.0
    store.date_range = None
    bars = analytics.MeasureBreakdown(store=store, position=0).figure().data
    assert bars[0].name == "Comparison run"
    shown = before[before["region"].isin(grain["region"])]  # only this run's keys are drawn
    assert dict(zip(bars[0].y, bars[0].x, strict=True)) == shown.groupby("region")["revenue"].sum().to_dict()


def test_the_heatmap_crosses_the_first_two_dimensions(store: DataStore) -> None:
    """It puts each region x product's revenue in a cell, zero where there is none."""
    grain = revenue("tea-2")
    expected = grain.pivot_table(index="region", columns="product", values="revenue", aggfunc="sum", fill_value=0.0)
    card = analytics.DimensionHeatmap(store=store)
    assert card.matrix().set_index("region").rename_axis(columns=None).equals(expected.rename_axis(columns=None))
    assert card.figure().data[0].z.tolist() == expected.to_numpy().tolist()


def test_a_dataset_with_one_dimension_has_no_second_breakdown_or_heatmap(lab_store: DataStore) -> None:
    """It breaks the lab assays down by site only: the second breakdown and the heatmap have nothing to show."""
    second = analytics.MeasureBreakdown(store=lab_store, position=1)
    assert second.dimension is None and second.figure().layout.annotations[0].text == "No dimension to break down by"
    assert analytics.DimensionHeatmap(store=lab_store).matrix().empty
    sites = analytics.MeasureBreakdown(store=lab_store, position=0).figure().data[-1]
    assert list(sites.customdata) == ["€0.1234", "€10.0001", "€1,234.5678"]


def test_totals_across_runs_show_every_completed_run_whole_file(store: DataStore) -> None:
    """It draws the whole-file totals of the COMPLETED runs, oldest first, the selected one highlighted."""
    totals = tea().totals
    bars = analytics.TotalsAcrossRuns(store=store).figure().data[0]
    assert list(bars.y) == totals["revenue"].tolist()
    assert list(bars.marker.color) == ["#b8c7d6", "#1f5f8b"]
    assert bars.customdata[1] == "₹1,02,550.74 · 10 records"


def test_the_comparison_lists_totals_keys_and_exceptions_of_both_runs(store: DataStore) -> None:
    """It sets both runs side by side under the same filters, with the change; nothing without a comparison run."""
    store.date_range = None
    table = rows_by(analytics.RunComparison(store=store).frame(), "section", "item")
    now, before = revenue("tea-2")["revenue"].sum(), revenue("tea-1")["revenue"].sum()
    totals = table[("Totals", "revenue")]
    assert [totals["this_run"], totals["comparison_run"]] == pytest.approx([now, before])
    assert totals["change"] == round(now - before, 2)
    east = table[("revenue by region", "East")]
    assert [east["this_run"], east["comparison_run"]] == [0.0, 49.5]
    counts = tea().exceptions["tea-1"]["error_category"].value_counts().to_dict()
    for category, records in counts.items():
        assert table[("Exceptions by category", category)]["comparison_run"] == records
    store.compare_run_id = ""
    assert analytics.RunComparison(store=store).frame().empty


def test_the_comparison_of_a_scale_4_dataset_rounds_the_change_to_4_places(lab_store: DataStore) -> None:
    """It rounds the change to the price's 4 places: 1,244.6913 against 120.5001 is 1,124.1912."""
    lab_store.date_range = None
    table = rows_by(analytics.RunComparison(store=lab_store).frame(), "section", "item")
    price = {run_id: row["price"] for run_id, row in rows_by(lab().totals, "run_id").items()}
    assert table[("Totals", "price")]["change"] == round(price["lab-2"] - price["lab-1"], 4) == 1124.1912
