"""Tests for the run's control totals: every raw record in exactly one place, and sums that agree."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from flows.stages.reconcile import Reconciliation, ReconciliationInputs, reconcile

BREAKDOWNS = ("total", "region", "product", "region+product", "order_date")


def make_inputs(**overrides: Any) -> ReconciliationInputs:
    """A balanced run of ten raw records: 1..7 clean, 8..10 exceptions, every breakdown summing to the totals."""
    clean_sums = {"revenue": Decimal("1234.56"), "quantity": Decimal(21)}
    sums = {**clean_sums, "record_count": Decimal(7)}
    inputs = ReconciliationInputs(
        raw_ids=np.arange(1, 11),
        clean_ids=np.arange(1, 8),
        exception_ids=np.arange(8, 11),
        clean_sums=clean_sums,
        analytics_sums={(b, m): v for b in BREAKDOWNS for m, v in sums.items()},
    )
    return replace(inputs, **overrides)


def check(inputs: ReconciliationInputs, record_count: int = 10) -> Reconciliation:
    """Reconcile `inputs` for a file of `record_count` rows."""
    return reconcile(inputs, record_count)


def test_balanced_run() -> None:
    """It finds no problem when ids partition the raw records and every breakdown matches the clean totals."""
    verdict = check(make_inputs())
    assert verdict.balanced
    assert verdict.problems == ()
    assert (verdict.raw_count, verdict.clean_count, verdict.exception_count) == (10, 7, 3)


def test_order_of_ids_does_not_matter() -> None:
    """It compares id sets, so ids read back in any order still balance."""
    assert check(make_inputs(raw_ids=np.arange(10, 0, -1), clean_ids=np.array([7, 1, 5, 3, 2, 6, 4]))).balanced


def test_empty_file_balances() -> None:
    """It balances a run with no records and no analytics."""
    empty = np.array([], dtype=np.int64)
    inputs = ReconciliationInputs(empty, empty, empty, {"revenue": Decimal(0), "quantity": Decimal(0)}, {})
    assert check(inputs, record_count=0).balanced


def test_all_records_quarantined_needs_no_totals() -> None:
    """It balances a run where every record was quarantined and analytics is empty."""
    zero = {"revenue": Decimal(0), "quantity": Decimal(0)}
    inputs = make_inputs(clean_ids=np.array([], dtype=np.int64), exception_ids=np.arange(1, 11))
    assert check(replace(inputs, clean_sums=zero, analytics_sums={})).balanced


@pytest.mark.parametrize(
    ("overrides", "record_count", "problem"),
    [
        pytest.param(
            {"clean_ids": np.arange(1, 9)}, 10, "1 records are in both clean_sales and exceptions", id="overlap"
        ),
        pytest.param(
            {"clean_ids": np.arange(1, 7)}, 10, "1 raw records are in neither clean_sales nor exceptions", id="missing"
        ),
        pytest.param(
            {"exception_ids": np.array([8, 9, 10, 99])},
            10,
            "1 clean/exception records are not raw records of this run",
            id="stray",
        ),
        pytest.param(
            {"raw_ids": np.array([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 10])},
            10,
            "raw_sales holds a record id more than once",
            id="raw-duplicate",
        ),
        pytest.param(
            {"clean_ids": np.array([1, 2, 3, 4, 5, 6, 7, 7])},
            10,
            "clean_sales holds a record id more than once",
            id="clean-duplicate",
        ),
        pytest.param(
            {"exception_ids": np.array([8, 9, 10, 10])},
            10,
            "exceptions holds a record id more than once",
            id="exception-duplicate",
        ),
        pytest.param({}, 11, "raw_sales holds 10 records, the file has 11", id="raw-count"),
    ],
)
def test_id_problem_is_detected(overrides: dict[str, Any], record_count: int, problem: str) -> None:
    """It reports each id-set problem: overlap, missing, stray, repeated ids, a raw count off the file's."""
    verdict = check(make_inputs(**overrides), record_count)
    assert not verdict.balanced
    assert any(p.startswith(problem) for p in verdict.problems), verdict.problems


def test_overlap_names_example_ids() -> None:
    """It names the records found in both halves."""
    verdict = check(make_inputs(clean_ids=np.arange(1, 10)))
    assert "(e.g. [8, 9])" in " ".join(verdict.problems)


def test_same_counts_different_ids_is_caught() -> None:
    """It catches a swapped id even when every count still matches."""
    verdict = check(make_inputs(exception_ids=np.array([8, 9, 11])))
    assert not verdict.balanced
    assert len(verdict.problems) == 2  # record 10 is missing and record 11 is stray


@pytest.mark.parametrize("breakdown", BREAKDOWNS)
@pytest.mark.parametrize("measure", ["revenue", "quantity", "record_count"])
def test_sum_mismatch_is_detected(breakdown: str, measure: str) -> None:
    """It reports a breakdown whose measure does not sum to the clean table's total, even by one paisa."""
    inputs = make_inputs()
    sums = dict(inputs.analytics_sums)
    sums[(breakdown, measure)] += Decimal("0.01")
    verdict = check(replace(inputs, analytics_sums=sums))
    assert len(verdict.problems) == 1
    assert verdict.problems[0].startswith(f"analytics {breakdown}/{measure} sums to")


@pytest.mark.parametrize("measure", ["revenue", "quantity", "record_count"])
def test_missing_total_is_detected(measure: str) -> None:
    """It reports a measure with no total in analytics when there are clean records."""
    inputs = make_inputs()
    sums = {k: v for k, v in inputs.analytics_sums.items() if k != ("total", measure)}
    verdict = check(replace(inputs, analytics_sums=sums))
    assert verdict.problems == (f"analytics has no total for {measure}",)
