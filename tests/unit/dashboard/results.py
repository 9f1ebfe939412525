"""The stored results the fake reader serves: runs, grains, totals, rule failures, audit events and exceptions.

Tea orders (INR): FAILED tea-0, COMPLETED tea-1 and tea-2 (1,234,567 records received), REJECTED tea-3.
Stewarded tea orders: the same after stewards promoted 9 of tea-2's 32 exceptions into its clean data.
Lab assays (EUR, scale 4): COMPLETED lab-1 and lab-2. Each call returns a fresh copy (built once).
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import pandas as pd

from flows.storage.read import RESOLUTION_COLUMNS
from tests.unit.dashboard.fakes import FakeDataset
from tests.unit.dashboard.frames import exception, failures, grain, run, runs, stages
from tests.unit.dashboard.specs import LAB, TEA

HOSTILE_REGION = '=HYPERLINK("http://example.invalid","open")'
HOSTILE_NAME = "<img src=x onerror=alert(1)>"


def tea_row(row: int, region: str = "North", revenue: str = "-1.00", **overrides: str) -> dict[str, str]:
    """A tea order as received."""
    values = {"order_id": f"T-{row:04d}", "order_date": "2024-03-01", "region": region, "product": "Tea"}
    return values | {"quantity": "1", "revenue": revenue} | overrides


def tea_exceptions(negatives: int, first_row: int) -> list[dict[str, Any]]:
    """`negatives` orders with a negative revenue, North and South in turn."""
    return [
        exception(r, "BUSINESS_RULE_VIOLATION", tea_row(r, ("North", "South")[r % 2]), ("revenue_positive", "error"))
        for r in range(first_row, first_row + negatives)
    ]


def tea() -> FakeDataset:
    """Tea orders in rupees: four runs, two of them COMPLETED with results."""
    return copy.deepcopy(_tea())


def stewarded_tea() -> FakeDataset:
    """Tea orders after replays: 9 of tea-2's 32 exceptions promoted (6 corrected, 3 waived: one waiver was
    reopened, then corrected), 3 dismissed, 20 open; tea-2's clean count includes the 9, as a replay leaves it."""
    data = tea()
    data.runs.loc[data.runs["run_id"] == "tea-2", "clean_count"] += 9
    data.resolutions = pd.DataFrame(
        [("tea-1", 10, 10, 0, 0, 0, 0), ("tea-2", 32, 20, 9, 3, 6, 3)], columns=list(RESOLUTION_COLUMNS)
    )
    data.resolution_days = pd.DataFrame(
        [
            ("2024-03-09", "correct", "PROMOTED", 5),
            ("2024-03-09", "waive", "PROMOTED", 4),
            ("2024-03-09", "correct", "OPEN", 2),
            ("2024-03-10", "dismiss", "DISMISSED", 3),
            ("2024-03-11", "reopen", "OPEN", 1),
            ("2024-03-11", "correct", "PROMOTED", 1),
        ],
        columns=["day", "action", "status_after", "events"],
    )
    return data


def lab() -> FakeDataset:
    """Lab assays in euros at 4 decimals: two COMPLETED runs, one key with no site."""
    return copy.deepcopy(_lab())


@cache
def _tea() -> FakeDataset:
    keys = ["order_date", "region", "product", "revenue", "quantity"]
    latest = [
        exception(3, "MISSING_REQUIRED_FIELD", tea_row(3, ""), ("region_not_null", "error")),
        exception(5, "DATA_QUALITY_ISSUE", tea_row(5, HOSTILE_REGION, order_id="=1+2"), ("region_in_set", "error")),
        exception(6, "DATA_QUALITY_ISSUE", tea_row(6, "<b>Mars</b>"), ("region_in_set", "error")),
        exception(
            7,
            "DATA_FORMAT_ERROR",
            tea_row(7, revenue="abc", product="Chai?"),
            ("revenue_is_amount", "error"),
            ("product_known", "warning"),
        ),
        *tea_exceptions(28, 10),
    ]
    return FakeDataset(
        spec=TEA,
        runs=runs(
            run("tea-0", "FAILED", "2024-02-28 08:00", None, status_reason="the database went away"),
            run("tea-1", "COMPLETED", "2024-03-01 09:00", (2000, 1990, 10, 3)),
            run("tea-2", "COMPLETED", "2024-03-08 09:00", (1_234_567, 1_234_535, 32, 1500), source_name=HOSTILE_NAME),
            run("tea-3", "REJECTED", "2024-03-09 09:00", None, status_reason="missing required columns: revenue"),
            dataset="tea_orders",
        ),
        grains={
            "tea-1": grain(
                keys,
                ("2024-02-20", "North", "Tea", 500.00, 2, 1),
                ("2024-02-21", "South", "Coffee", 250.50, 1, 1),
                ("2024-02-21", "East", "Tea", 49.50, 1, 1),
            ),
            "tea-2": grain(
                keys,
                ("2024-03-01", "North", "Tea", 1200.50, 3, 2),
                ("2024-03-01", "South", "Coffee", 800.25, 2, 1),
                ("2024-03-02", "North", "Coffee", 99.99, 1, 1),
                ("2024-03-04", "South", None, 450.00, 5, 2),
                ("2024-03-04", "North", "Tea", 100000.00, 10, 4),
            ),
        },
        totals=pd.DataFrame(
            {"run_id": ["tea-1", "tea-2"], "revenue": [800.0, 102550.74], "quantity": [4, 21], "record_count": [3, 10]}
        ),
        rule_failures=failures(
            ("tea-1", "revenue_positive", 6, 6),
            ("tea-1", "region_not_null", 4, 4),
            ("tea-2", "region_not_null", 1, 1),
            ("tea-2", "region_in_set", 2, 2),
            ("tea-2", "revenue_is_amount", 1, 1),
            ("tea-2", "revenue_positive", 28, 28),
            ("tea-2", "product_known", 1500, 1500),
        ),
        audit={
            "tea-0": stages("2024-02-28 08:00", ("ingest", 2000, 2000, 800, "")),
            "tea-1": stages("2024-03-01 09:00", ("ingest", 2000, 2000, 700, ""), ("load", 2000, 1990, 900, "")),
            "tea-2": stages(
                "2024-03-08 09:00",
                ("ingest", 1_234_567, 1_234_567, 2000, ""),
                ("validate", 1_234_567, 1_234_567, 12_345, ""),
                ("load", 1_234_567, 1_234_535, 3456, "32 quarantined"),
            ),
            "tea-3": stages("2024-03-09 09:00", ("ingest", 50, 0, 20, "rejected: missing revenue")),
        },
        exceptions={
            "tea-1": pd.DataFrame(
                [
                    *tea_exceptions(6, 1),
                    *(
                        exception(r, "MISSING_REQUIRED_FIELD", tea_row(r, ""), ("region_not_null", "error"))
                        for r in range(20, 24)
                    ),
                ]
            ),
            "tea-2": pd.DataFrame(latest),
        },
    )


@cache
def _lab() -> FakeDataset:
    keys = ["taken_on", "site", "price", "minutes", "price_per_minute"]
    sample = {"sample_id": "S-9", "taken_on": "2024-05-02", "site": "", "price": "1.23456", "minutes": "3"}
    return FakeDataset(
        spec=LAB,
        runs=runs(
            run("lab-1", "COMPLETED", "2024-05-01 07:00", (1000, 998, 2, 0)),
            run("lab-2", "COMPLETED", "2024-05-10 07:00", (1_234_567, 1_234_566, 1, 0)),
            dataset="lab_assays",
        ),
        grains={
            "lab-1": grain(
                keys, ("2024-04-28", "Basel", 100.0001, 10, 10.00001, 1), ("2024-04-29", "Bern", 20.5, 5, 4.1, 1)
            ),
            "lab-2": grain(
                keys,
                ("2024-05-01", "Basel", 1234.5678, 30, 41.15226, 2),
                ("2024-05-02", "Bern", 0.1234, 5, 0.02468, 1),
                ("2024-05-02", None, 10.0001, 10, 1.00001, 1),
            ),
        },
        totals=pd.DataFrame(
            {
                "run_id": ["lab-1", "lab-2"],
                "price": [120.5001, 1244.6913],
                "minutes": [15, 45],
                "price_per_minute": [14.10001, 42.17695],
                "record_count": [2, 4],
            }
        ),
        rule_failures=failures(("lab-1", "price_is_amount", 2, 2), ("lab-2", "price_is_amount", 1, 1)),
        audit={
            "lab-1": stages("2024-05-01 07:00", ("ingest", 1000, 1000, 500, "")),
            "lab-2": stages("2024-05-10 07:00", ("ingest", 1_234_567, 1_234_567, 1500, "")),
        },
        exceptions={
            "lab-1": pd.DataFrame(
                [
                    exception(4, "DATA_FORMAT_ERROR", sample | {"sample_id": "S-4"}, ("price_is_amount", "error")),
                    exception(8, "DATA_FORMAT_ERROR", sample | {"sample_id": "S-8"}, ("price_is_amount", "error")),
                ]
            ),
            "lab-2": pd.DataFrame([exception(9, "DATA_FORMAT_ERROR", sample, ("price_is_amount", "error"))]),
        },
    )
