"""Fixed thresholds and run metrics on hand-made run counts (flows.stages.alerts)."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd

from flows.alert_spec import AlertSpec
from flows.constants import AlertKind, RunStatus
from flows.stages.alerts import (
    RunCounts,
    ending_finding,
    quarantined_amount,
    rate_floors,
    run_metrics,
    threshold_findings,
)

SPEC = AlertSpec(
    max_exception_rate=0.25,
    max_quarantined_amount=Decimal("1000"),
    max_control_failure_rate=0.10,
    min_rows_received=500,
    max_rows_received=5000,
)


def test_an_ordinary_run_crosses_nothing() -> None:
    """15 % exceptions, 5 % on the worst rule, 1,000 rows and 800 in quarantine: no finding."""
    counts = RunCounts(1000, 150, {"order_date_not_null": 50, "region_in_reference_set": 10})
    assert threshold_findings(SPEC, counts, 800.0, "INR") == []


def test_each_threshold_names_its_metric_value_and_limit() -> None:
    """A bad small file crosses every threshold, each finding saying what it measured and what was allowed."""
    counts = RunCounts(400, 200, {"order_date_not_null": 120, "region_in_reference_set": 4})
    found = {f.metric: f for f in threshold_findings(SPEC, counts, 2500.5, "INR")}
    assert set(found) == {"exception_rate", "quarantined_amount", "failure_rate:order_date_not_null", "rows_received"}
    assert all(f.kind == AlertKind.THRESHOLD for f in found.values())
    assert (found["exception_rate"].value, found["exception_rate"].expected) == (0.5, "<= 0.25")
    assert found["quarantined_amount"].expected == "<= 1,000 INR"
    assert found["failure_rate:order_date_not_null"].value == 0.3
    assert (found["rows_received"].value, found["rows_received"].expected) == (400.0, "500 to 5,000")


def test_absent_thresholds_never_fire() -> None:
    """The default AlertSpec has no fixed thresholds."""
    assert threshold_findings(AlertSpec(), RunCounts(1, 1, {"r": 1}), 1e12) == []


def test_quarantined_amount_sums_what_parses() -> None:
    """Values that parse as numbers are summed (negative ones too); text, blanks and missing values are left out."""
    assert quarantined_amount(pd.Series(["100.50", "-20", "abc", "", None], dtype=object)) == 80.5
    assert quarantined_amount(pd.Series(["4.0"], dtype=object)) == 4.0
    assert quarantined_amount(pd.Series([], dtype=object)) == 0.0


def test_run_metrics_cover_rows_rates_rules_and_the_headline_measure() -> None:
    """Every rule gets a rate (0 when it never failed); revenue in total and per region come from the analytics."""
    analytics = pd.DataFrame(
        {
            "breakdown": ["total", "region", "region", "region", "total"],
            "key_1": [None, "North", "South", "North", None],
            "measure": ["revenue", "revenue", "revenue", "quantity", "record_count"],
            "value": [300.0, 120.0, 180.0, 7.0, 10.0],
        }
    )
    metrics = run_metrics(RunCounts(10, 2, {"a": 1}), ["a", "b"], analytics, "revenue", "region")
    assert metrics == {
        "rows_received": 10.0,
        "exception_rate": 0.2,
        "failure_rate:a": 0.1,
        "failure_rate:b": 0.0,
        "revenue:total": 300.0,
        "revenue:region=North": 120.0,
        "revenue:region=South": 180.0,
    }
    assert rate_floors(metrics, 0.01) == {"exception_rate": 0.01, "failure_rate:a": 0.01, "failure_rate:b": 0.01}


def test_an_empty_file_has_rates_of_zero() -> None:
    """No rows received: rates are 0, not a division error."""
    assert RunCounts(0, 0, {}).rate(0) == 0.0


def test_a_run_ending_is_a_finding_with_its_reason() -> None:
    """A rejected run's finding carries its status and reason."""
    finding = ending_finding(AlertKind.RUN_REJECTED, RunStatus.REJECTED, "missing column region")
    assert (finding.metric, finding.value, finding.details["reason"]) == ("run_status", None, "missing column region")
