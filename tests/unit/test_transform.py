"""Tests for typing clean rows per the spec and computing the derived ratio exactly."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import Any

import pandas as pd
import pyarrow as pa
import pytest

from flows.dataset import DatasetSpec
from flows.stages.route import EXCEPTION_COLUMNS
from flows.stages.transform import TransformOutcome, type_clean_rows
from flows.stages.validate import validation_view
from tests.factories import make_frame, make_row

DECIMAL_12_2 = pd.ArrowDtype(pa.decimal128(12, 2))


def transform(spec: DatasetSpec, rows: list[dict[str, Any]], first: int = 1) -> TransformOutcome:
    """Type `rows` (each a dict of overrides of a valid row) as the transform task does, ids from `first`."""
    frame = make_frame(0, rows)
    return type_clean_rows(validation_view(frame, pd.Series(range(first, first + len(frame)))), spec)


def test_columns_are_typed(spec: DatasetSpec) -> None:
    """It types quantity as integer, revenue as decimal(12,2), order_date as a date, and keeps strings."""
    clean = transform(spec, [{}]).clean
    assert clean["quantity"].dtype == "Int64"
    assert clean["revenue"].dtype == DECIMAL_12_2
    assert clean["revenue_per_unit"].dtype == DECIMAL_12_2
    assert clean["order_date"].dtype == pd.ArrowDtype(pa.date32())
    row = clean.iloc[0]
    assert (row["order_id"], row["region"], row["product"]) == ("ORD-9000000", "North", "Sauces")
    assert (row["quantity"], row["revenue"], row["order_date"]) == (3, Decimal("360.00"), dt.date(2024, 3, 15))


def test_clean_rows_keep_their_record_ids(spec: DatasetSpec) -> None:
    """It indexes the typed rows by the record ids it was given."""
    clean = transform(spec, [{}, {}, {}], first=40).clean
    assert clean.index.tolist() == [40, 41, 42]


@pytest.mark.parametrize("revenue", ["0.10", "0.20", "1234567890.99", "9999999999.99", "0.01", "5", "5.5"])
def test_revenue_is_exact(spec: DatasetSpec, revenue: str) -> None:
    """It types revenue as the exact decimal written, never through a float."""
    assert transform(spec, [{"revenue": revenue}]).clean["revenue"].iloc[0] == Decimal(revenue)


def test_decimal_sums_are_exact(spec: DatasetSpec) -> None:
    """It keeps revenue exact enough that 0.10 + 0.20 is 0.30."""
    clean = transform(spec, [{"revenue": "0.10"}, {"revenue": "0.20"}]).clean
    assert clean["revenue"].sum() == Decimal("0.30")


@pytest.mark.parametrize(
    ("revenue", "quantity", "per_unit"),
    [
        ("10.00", "3", "3.33"),
        ("0.05", "2", "0.03"),
        ("0.15", "2", "0.08"),
        ("2.50", "4", "0.63"),
        ("1.00", "8", "0.13"),
        ("0.01", "3", "0.00"),
        ("0.02", "3", "0.01"),
        ("100.00", "7", "14.29"),
        ("360.00", "3", "120.00"),
        ("9999999999.99", "1", "9999999999.99"),
        ("9999999999.99", "7", "1428571428.57"),
        ("9999999999.99", "9300000", "1075.27"),  # revenue in paise × quantity exceeds int64
        ("9999999999.99", "999999999", "10.00"),  # the largest values validation lets through
        ("-0.05", "2", "-0.03"),
        ("-10.00", "3", "-3.33"),
    ],
)
def test_revenue_per_unit_rounds_half_up(spec: DatasetSpec, revenue: str, quantity: str, per_unit: str) -> None:
    """It computes revenue_per_unit = revenue / quantity rounded half away from zero to 2 decimals."""
    outcome = transform(spec, [{"revenue": revenue, "quantity": quantity}])
    assert outcome.clean["revenue_per_unit"].iloc[0] == Decimal(per_unit)


@pytest.mark.parametrize(
    ("column", "value", "rule"),
    [
        ("quantity", "three", "typed_as_integer"),
        ("quantity", "2.5", "typed_as_integer"),
        ("revenue", "12..50", "typed_as_decimal"),
        ("revenue", "N/A", "typed_as_decimal"),
        ("revenue", "12345678901.00", "typed_as_decimal"),
        ("revenue", "1.005", "typed_as_decimal"),
        ("order_date", "2024-02-30", "typed_as_date"),
        ("order_date", "not a date", "typed_as_date"),
        ("quantity", "0", "typed_as_ratio"),
    ],
)
def test_untypable_value_goes_to_rejects(spec: DatasetSpec, column: str, value: str, rule: str) -> None:
    """It quarantines a record whose value will not type (stage transform), keeping the other records clean."""
    outcome = transform(spec, [{}, {column: value}, {}], first=1)
    assert outcome.clean.index.tolist() == [1, 3]
    assert list(outcome.rejects.columns) == EXCEPTION_COLUMNS
    (reject,) = outcome.rejects.to_dict("records")
    assert reject["original_record_id"] == 2
    assert (reject["pipeline_stage"], reject["error_category"], reject["error_count"]) == (
        "transform",
        "DATA_FORMAT_ERROR",
        1,
    )
    (detail,) = json.loads(reject["error_details"])
    assert detail["rule"] == rule
    assert detail["observed_value"] == value
    assert json.loads(reject["raw_data"])[column] == value


def test_nothing_is_dropped(spec: DatasetSpec) -> None:
    """It accounts for every input record exactly once: typed clean or rejected."""
    rows = [{}, {"quantity": "x"}, {"revenue": "bad"}, {}, {"order_date": "2024-13-01"}, {"quantity": "0"}]
    outcome = transform(spec, rows, first=100)
    clean, rejected = set(outcome.clean.index), set(outcome.rejects["original_record_id"])
    assert clean.isdisjoint(rejected)
    assert clean | rejected == set(range(100, 106))
    assert clean == {100, 103}


def test_several_bad_values_make_one_reject(spec: DatasetSpec) -> None:
    """It quarantines a record with several untypable values once, listing each failure."""
    outcome = transform(spec, [{"quantity": "three", "order_date": "TBD"}])
    (reject,) = outcome.rejects.to_dict("records")
    assert reject["error_count"] == 2
    assert {d["column"] for d in json.loads(reject["error_details"])} == {"quantity", "order_date"}


def test_empty_input(spec: DatasetSpec) -> None:
    """It returns two empty halves, with the typed columns, when no record reached the transform."""
    outcome = transform(spec, [])
    assert outcome.clean.empty and outcome.rejects.empty
    assert list(outcome.clean.columns) == [*spec.column_names, "revenue_per_unit"]


def test_text_input_is_not_modified(spec: DatasetSpec) -> None:
    """It leaves the text frame it was given unchanged."""
    frame = make_frame(0, [make_row(order_id="ORD-1"), {"quantity": "x"}])
    view = validation_view(frame, pd.Series([1, 2]))
    before = view.copy()
    type_clean_rows(view, spec)
    pd.testing.assert_frame_equal(view, before)
