"""Figure builders and the metrics behind them, on tiny frames: no server, no database."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from panel_app.charts import analytics as analytics_charts
from panel_app.charts import audit as audit_charts
from panel_app.charts import exceptions as exception_charts
from panel_app.metrics import analytics, audit, exceptions, quality, runs
from panel_app.presentation import Measure, Presentation

REVENUE = Measure("revenue", "revenue", currency="INR", places=2, indian=True)
SALES = Presentation(
    dataset="sales",
    title="Sales",
    date="order_date",
    dimensions=("region", "product"),
    measures=(REVENUE, Measure("quantity", "quantity", indian=True)),
    records=Measure("record_count", "records", indian=True),
    per_record=Measure("per_record", "revenue per record", currency="INR", places=2, indian=True),
    fields=("order_id", "order_date", "region", "product", "quantity", "revenue"),
)


def grain(*rows: tuple[str, str, str, float, int, int]) -> pd.DataFrame:
    """A day x region x product grain frame."""
    return pd.DataFrame(rows, columns=["order_date", "region", "product", "revenue", "quantity", "record_count"])


GRAIN = grain(
    ("2024-01-01", "North", "Dairy", 100.0, 2, 1),
    ("2024-01-01", "South", "Snacks", 50.5, 1, 1),
    ("2024-01-03", "North", "Snacks", 200.25, 5, 2),
)


def test_kpis_and_breakdowns_add_up() -> None:
    """It sums revenue, records and quantity, and averages revenue per record."""
    kpis = analytics.kpis(GRAIN, SALES)
    assert kpis == {"revenue": 350.75, "record_count": 4.0, "per_record": 87.69, "quantity": 8.0}
    assert math.isnan(analytics.kpis(GRAIN.iloc[0:0], SALES)["per_record"])
    by_region = analytics.by_dimension(GRAIN, "region", SALES.measures)
    assert by_region["region"].tolist() == ["North", "South"]
    assert by_region["revenue"].tolist() == [300.25, 50.5]
    assert analytics.matrix(GRAIN, "region", "product", REVENUE).loc["South", "Dairy"] == 0.0


def test_daily_revenue_counts_days_without_orders_as_zero() -> None:
    """The trend has every calendar day, and a 7-day average."""
    daily = analytics.daily(GRAIN, "order_date", REVENUE)
    assert daily["value"].tolist() == [150.5, 0.0, 200.25]
    assert daily["avg_7d"].tolist() == [150.5, 75.25, 116.92]


def test_comparison_lists_kpis_regions_products_and_exception_categories() -> None:
    """It puts the two runs side by side with the change and the change in percent."""
    mine = pd.DataFrame({"key": ["A"], "records": [3]})
    theirs = pd.DataFrame({"key": ["A", "B"], "records": [1, 2]})
    table = analytics.comparison(GRAIN, GRAIN.iloc[:1], mine, theirs, SALES).set_index("item")
    assert table.loc["revenue", ["this_run", "comparison_run", "change"]].tolist() == [350.75, 100.0, 250.75]
    assert table.loc["revenue", "change_pct"] == 250.75
    assert table.loc["quarantined records", "change"] == 0
    assert table.loc["B", "this_run"] == 0


def test_trend_and_breakdown_figures_carry_the_numbers() -> None:
    """The figures plot exactly the computed values, with rupee amounts in the hover text."""
    fig = analytics_charts.measure_trend(analytics.daily(GRAIN, "order_date", REVENUE), REVENUE)
    assert list(fig.data[0].y) == [150.5, 0.0, 200.25]
    bars = analytics_charts.measure_by(analytics.by_dimension(GRAIN, "region", SALES.measures), "region", REVENUE)
    assert list(bars.data[0].y) == ["South", "North"]
    assert list(bars.data[0].customdata) == ["₹50.50", "₹300.25"]
    heat = analytics_charts.heatmap(analytics.matrix(GRAIN, "region", "product", REVENUE), REVENUE)
    assert heat.data[0].z.tolist() == [[100.0, 200.25], [0.0, 50.5]]
    empty = analytics_charts.measure_trend(analytics.daily(GRAIN.iloc[0:0], "order_date", REVENUE), REVENUE)
    assert empty.layout.annotations[0].text


def test_exception_bars_show_raw_values_as_text_and_keep_them_for_drill_down() -> None:
    """A hostile raw value is escaped in the label and kept unchanged in customdata."""
    counts = pd.DataFrame({"key": ["<b>x</b>", "North"], "records": [5, 2]})
    fig = exception_charts.exception_bars(counts)
    assert list(fig.data[0].y) == ["North", "&lt;b&gt;x&lt;/b&gt;"]
    assert list(fig.data[0].customdata) == ["North", "<b>x</b>"]


def test_exception_reasons_spell_out_every_finding() -> None:
    """Every rule of the error details appears, warnings marked."""
    details = '[{"rule": "a_rule", "severity": "error"}, {"rule": "b_rule", "severity": "warning", "details": "big"}]'
    assert exceptions.reasons(details) == "a_rule; b_rule (warning): big"


RUNS = pd.DataFrame(
    {
        "run_id": ["r1", "r2", "r3"],
        "status": ["COMPLETED", "COMPLETED", "REJECTED"],
        "started_at": pd.to_datetime(["2024-01-01 10:00", "2024-01-02 10:00", "2024-01-03 10:00"], utc=True),
        "raw_count": [100, 200, 5],
    }
)


def test_default_and_comparison_runs() -> None:
    """The latest COMPLETED run is shown first and compared with the COMPLETED run before it."""
    assert runs.default_run(RUNS) == "r2"
    assert runs.previous_completed(RUNS, "r2") == "r1"
    assert runs.previous_completed(RUNS, "r1") is None


def test_controls_table_counts_failed_records_and_file_level_checks() -> None:
    """Record rules are checked on every record; a failed file-level rule counts once."""
    rules = pd.DataFrame(
        {
            "rule": ["col_present", "not_null"],
            "control_type": ["SCHEMA", "DATA_QUALITY"],
            "severity": ["error", "error"],
            "error_category": ["MISSING_REQUIRED_FIELD"] * 2,
            "description": ["", ""],
            "scope": ["file", "record"],
        }
    )
    failures = pd.DataFrame(
        {
            "run_id": ["r1", "r2", "r2"],
            "rule_name": ["not_null", "not_null", "col_present"],
            "failed_records": [10, 4, 0],
            "findings": [10, 4, 1],
        }
    )
    table = quality.controls_table(rules, failures, RUNS, "r2").set_index("rule")
    assert table.loc["not_null", ["checked", "failed", "pass_rate_pct", "change"]].tolist() == [200, 4, 98.0, -6]
    assert table.loc["col_present", ["checked", "failed"]].tolist() == [1, 1]
    assert table.loc["not_null", "trend"] == "█▁"


@pytest.mark.parametrize("events", [pd.DataFrame()])
def test_empty_audit_draws_an_explanation(events: pd.DataFrame) -> None:
    """With no events the stage table is empty and the chart says why."""
    stages = audit.stage_table(events)
    assert stages.empty
    assert audit_charts.stage_timeline(stages).layout.annotations[0].text == "No audit events for this run"
