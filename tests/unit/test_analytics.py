"""Tests for the analytics summary: totals and breakdowns in one long table, with exact decimals."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd
import pytest

from flows.dataset import DatasetSpec
from flows.stages.analytics import (
    RECORD_COUNT,
    SUMMARY_COLUMNS,
    VALUE_TYPE,
    adjust_summary,
    breakdown_name,
    summarize,
)
from flows.stages.transform import type_clean_rows
from flows.stages.validate import validation_view
from tests.factories import make_frame

ROWS: list[dict[str, Any]] = [
    {"region": "North", "product": "Sauces", "order_date": "2024-01-01", "quantity": "1", "revenue": "0.10"},
    {"region": "North", "product": "Dairy", "order_date": "2024-01-01", "quantity": "2", "revenue": "0.20"},
    {"region": "South", "product": "Sauces", "order_date": "2024-01-02", "quantity": "3", "revenue": "0.30"},
    {"region": "South", "product": "Sauces", "order_date": "2024-01-03", "quantity": "4", "revenue": "9999999999.99"},
    {"region": "East", "product": "Snacks", "order_date": "2024-01-03", "quantity": "5", "revenue": "1.01"},
]
TOTAL_REVENUE = Decimal("10000000001.60")


def clean_rows(spec: DatasetSpec, rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Typed clean rows, as the transform stage hands them to analytics."""
    frame = make_frame(0, rows)
    outcome = type_clean_rows(validation_view(frame, pd.Series(range(1, len(frame) + 1))), spec)
    assert outcome.rejects.empty
    return outcome.clean


@pytest.fixture
def summary(spec: DatasetSpec) -> pd.DataFrame:
    """The summary of the five example rows."""
    return summarize(clean_rows(spec, ROWS), spec)


def value(
    summary: pd.DataFrame, breakdown: str, measure: str, key_1: str | None = None, key_2: str | None = None
) -> Any:
    """The one value of the summary at a breakdown, measure and keys."""
    rows = summary[(summary["breakdown"] == breakdown) & (summary["measure"] == measure)]
    if key_1 is not None:
        rows = rows[rows["key_1"] == key_1]
    if key_2 is not None:
        rows = rows[rows["key_2"] == key_2]
    (found,) = rows["value"].tolist()
    return found


def test_long_format(summary: pd.DataFrame) -> None:
    """It returns one long table with breakdown, two keys, measure and an exact decimal value."""
    assert list(summary.columns) == SUMMARY_COLUMNS
    assert summary["value"].dtype == VALUE_TYPE
    assert set(summary["measure"]) == {"revenue", "quantity", RECORD_COUNT}


def test_total_breakdown(summary: pd.DataFrame) -> None:
    """It reports the overall totals under the `total` breakdown, without keys."""
    total = summary[summary["breakdown"] == "total"]
    assert total["key_1"].isna().all() and total["key_2"].isna().all()
    assert value(summary, "total", "revenue") == TOTAL_REVENUE
    assert value(summary, "total", "quantity") == Decimal(15)
    assert value(summary, "total", RECORD_COUNT) == Decimal(5)


def test_every_spec_breakdown_is_present(summary: pd.DataFrame, spec: DatasetSpec) -> None:
    """It reports the total plus each breakdown the spec names, and nothing else."""
    expected = {"total", *(breakdown_name(b) for b in spec.analytics.breakdowns)}
    assert set(summary["breakdown"]) == expected
    assert breakdown_name(("region", "product")) in expected


@pytest.mark.parametrize("measure", ["revenue", "quantity", RECORD_COUNT])
def test_breakdowns_sum_to_the_total(summary: pd.DataFrame, spec: DatasetSpec, measure: str) -> None:
    """It makes every breakdown of a measure add up exactly to that measure's total."""
    total = value(summary, "total", measure)
    for columns in spec.analytics.breakdowns:
        rows = summary[(summary["breakdown"] == breakdown_name(columns)) & (summary["measure"] == measure)]
        assert sum(rows["value"].tolist(), Decimal(0)) == total, breakdown_name(columns)


def test_breakdown_names_are_the_documented_ones(summary: pd.DataFrame) -> None:
    """It names the sales breakdowns exactly as written here (not built with the code's own breakdown_name)."""
    assert set(summary["breakdown"]) == {
        "total",
        "order_date",
        "region",
        "product",
        "region+product",
        "order_date+region+product",
    }


@pytest.mark.parametrize(
    ("breakdown", "columns"),
    [
        ("region", ["region"]),
        ("product", ["product"]),
        ("order_date", ["order_date"]),
        ("region+product", ["region", "product"]),
    ],
)
@pytest.mark.parametrize("measure", ["revenue", "quantity"])
def test_breakdowns_match_a_pandas_groupby(
    summary: pd.DataFrame, breakdown: str, columns: list[str], measure: str
) -> None:
    """It reports, per group, the exact sum a plain pandas groupby over the input rows gives."""
    rows = pd.DataFrame(ROWS)
    rows[measure] = rows[measure].map(Decimal)
    expected = rows.groupby(columns)[measure].agg(lambda values: sum(values, Decimal(0)))
    reported = summary[(summary["breakdown"] == breakdown) & (summary["measure"] == measure)]
    assert len(reported) == len(expected)
    for keys, total in expected.items():
        assert value(summary, breakdown, measure, *(keys if isinstance(keys, tuple) else (keys,))) == total


def test_group_values(summary: pd.DataFrame) -> None:
    """It sums each group's rows under its keys, dates written as YYYY-MM-DD."""
    assert value(summary, "region", "revenue", "North") == Decimal("0.30")
    assert value(summary, "region", RECORD_COUNT, "South") == Decimal(2)
    assert value(summary, "order_date", "quantity", "2024-01-03") == Decimal(9)
    assert value(summary, "region+product", "revenue", "South", "Sauces") == Decimal("10000000000.29")
    assert value(summary, "region+product", RECORD_COUNT, "North", "Dairy") == Decimal(1)


def test_only_existing_groups_are_reported(summary: pd.DataFrame) -> None:
    """It reports only key combinations that occur in the data."""
    pairs = summary.loc[summary["breakdown"] == "region+product", ["key_1", "key_2"]].drop_duplicates()
    assert len(pairs) == 4


def test_revenue_is_exact_decimal(spec: DatasetSpec) -> None:
    """It sums revenue exactly: a thousand rows of 0.10 make 100.00, not a float near it."""
    summary = summarize(clean_rows(spec, [{"revenue": "0.10"}] * 1000), spec)
    assert value(summary, "total", "revenue") == Decimal("100.00")
    assert isinstance(value(summary, "total", "revenue"), Decimal)


def test_totals_beyond_the_column_precision(spec: DatasetSpec) -> None:
    """It totals revenue beyond the 10 integer digits a single revenue may have."""
    summary = summarize(clean_rows(spec, [{"revenue": "9999999999.99"}] * 3), spec)
    assert value(summary, "total", "revenue") == Decimal("29999999999.97")


def test_no_clean_rows(spec: DatasetSpec) -> None:
    """It returns an empty summary with its columns when there are no clean rows."""
    empty = summarize(clean_rows(spec, []), spec)
    assert empty.empty
    assert list(empty.columns) == SUMMARY_COLUMNS


def test_three_column_breakdown_fills_all_keys(spec: DatasetSpec) -> None:
    """It aggregates the day x region x product grain into key_1..key_3 and sums to the total."""
    clean = type_clean_rows(
        validation_view(
            make_frame(0, rows=[{"region": "North"}, {"region": "South"}, {"region": "North", "revenue": "1.50"}]),
            pd.Series([1, 2, 3]),
        ),
        spec,
    ).clean
    summary = summarize(clean, spec)
    grain = summary[(summary["breakdown"] == "order_date+region+product") & (summary["measure"] == "revenue")]
    assert set(zip(grain["key_1"], grain["key_2"], grain["key_3"], strict=True)) == {
        ("2024-03-15", "North", "Sauces"),
        ("2024-03-15", "South", "Sauces"),
    }
    total = summary[(summary["breakdown"] == "total") & (summary["measure"] == "revenue")]["value"].sum()
    assert grain["value"].sum() == total


def _sorted(summary: pd.DataFrame) -> list[tuple[object, ...]]:
    keyed = summary.astype(object).where(summary.notna(), None)
    return sorted((tuple(row) for row in keyed[SUMMARY_COLUMNS].itertuples(index=False)), key=str)


def test_adjusting_a_summary_by_added_and_removed_rows_equals_summarizing_from_scratch(spec: DatasetSpec) -> None:
    """Adding rows sums key by key; removing a day's only row drops that day's keys, as a fresh summary would."""
    base = clean_rows(spec, [{"order_date": "2024-01-05", "revenue": "100.10"}, {"region": "South"}])
    extra = clean_rows(
        spec, [{"order_date": "2024-03-09", "region": "West", "revenue": "-40.05"}, {"revenue": "0.01"}]
    ).set_axis([11, 12])
    both = pd.concat([base, extra])
    empty = pd.DataFrame(columns=SUMMARY_COLUMNS)
    grown = adjust_summary(summarize(base, spec), summarize(extra, spec), empty)
    assert _sorted(grown) == _sorted(summarize(both, spec))
    shrunk = adjust_summary(summarize(both, spec), empty, summarize(extra.iloc[:1], spec))
    assert _sorted(shrunk) == _sorted(summarize(pd.concat([base, extra.iloc[1:]]), spec))
    assert "2024-03-09" not in set(shrunk["key_1"].dropna())
