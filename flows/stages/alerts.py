"""A run's alert metrics and its fixed thresholds: pure functions over counts and frames.

Metric names (what a finding's `metric` says):
- `rows_received`, `exception_rate` (quarantined rows / rows received);
- `failure_rate:<rule>` (failed checks of one rule / rows received), one per rule of the suite;
- `<measure>:total` and `<measure>:<dimension>=<key>` for the headline measure (revenue by region for sales);
- `quarantined_amount` (thresholds only): the headline measure summed over quarantined rows, as received.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import pandas as pd

from flows.alert_spec import AlertSpec
from flows.constants import TOTAL, AlertKind
from flows.stages.anomalies import Finding

ROWS_RECEIVED, EXCEPTION_RATE, QUARANTINED_AMOUNT = "rows_received", "exception_rate", "quarantined_amount"
FAILURE_RATE = "failure_rate:"


@dataclass(frozen=True)
class RunCounts:
    """What a finished run counted: rows received, rows quarantined, failed checks per rule."""

    rows_received: int
    exceptions: int
    failures: Mapping[str, int]

    def rate(self, count: int) -> float:
        """`count` as a share of the rows received (0 for an empty file)."""
        return count / self.rows_received if self.rows_received else 0.0


def run_metrics(
    counts: RunCounts, rules: Iterable[str], analytics: pd.DataFrame, measure: str | None, dimension: str | None
) -> dict[str, float]:
    """The run's anomaly metrics: rows, exception rate, each rule's failure rate (0 when it never failed), and the
    headline measure in total and per key of `dimension` (from the run's analytics rows, long format)."""
    metrics = {ROWS_RECEIVED: float(counts.rows_received), EXCEPTION_RATE: counts.rate(counts.exceptions)}
    for rule in rules:
        metrics[FAILURE_RATE + rule] = counts.rate(counts.failures.get(rule, 0))
    if measure is not None:
        metrics.update(measure_metrics(analytics, measure, dimension))
    return metrics


def measure_metrics(analytics: pd.DataFrame, measure: str, dimension: str | None) -> dict[str, float]:
    """`<measure>:total` and `<measure>:<dimension>=<key>` from analytics rows (breakdown, key_1, measure, value)."""
    mine = analytics[analytics["measure"] == measure]
    total = mine.loc[mine["breakdown"] == TOTAL, "value"].astype(float).sum()
    metrics = {f"{measure}:{TOTAL}": float(total)}
    if dimension is not None:
        by_key = mine[mine["breakdown"] == dimension].groupby("key_1")["value"].sum()
        metrics.update({f"{measure}:{dimension}={key}": float(value) for key, value in by_key.items()})
    return metrics


def rate_floors(metrics: Iterable[str], floor: float) -> dict[str, float]:
    """The rate metrics among `metrics`, each with the narrowest half-width its expected range may have."""
    return {m: floor for m in metrics if m == EXCEPTION_RATE or m.startswith(FAILURE_RATE)}


def measure_directions(metrics: Iterable[str], measure: str | None, direction: str) -> dict[str, str]:
    """The headline measure's metrics among `metrics`, each with the side of its range it fires on."""
    return {m: direction for m in metrics if measure is not None and m.startswith(f"{measure}:")}


def quarantined_amount(values: pd.Series) -> float:
    """The sum of one measure over quarantined rows, as received (text): values that do not parse as a number are
    left out."""
    return float(pd.to_numeric(values, errors="coerce").sum())


def threshold_findings(spec: AlertSpec, counts: RunCounts, amount: float | None, unit: str = "") -> list[Finding]:
    """Every fixed threshold of `spec` the run crossed (rates above their maximum, rows outside their bounds)."""
    found = []

    def above(metric: str, value: float, limit: float | None, shown: str) -> None:
        if limit is not None and value > limit:
            found.append(Finding(AlertKind.THRESHOLD, metric, value, f"<= {shown}", {"threshold": limit}))

    above(EXCEPTION_RATE, counts.rate(counts.exceptions), spec.max_exception_rate, f"{spec.max_exception_rate}")
    limit = spec.max_quarantined_amount
    if amount is not None and limit is not None:
        above(QUARANTINED_AMOUNT, amount, float(limit), f"{limit:,} {unit}".rstrip())
    per_control = spec.max_control_failure_rate
    for rule, failed in sorted(counts.failures.items()):
        above(FAILURE_RATE + rule, counts.rate(failed), per_control, f"{per_control}")
    rows, low, high = counts.rows_received, spec.min_rows_received, spec.max_rows_received
    if (low is not None and rows < low) or (high is not None and rows > high):
        bounds = f"{low if low is not None else 0:,} to {high:,}" if high is not None else f">= {low:,}"
        found.append(Finding(AlertKind.THRESHOLD, ROWS_RECEIVED, float(rows), bounds, {"min": low, "max": high}))
    return found


def ending_finding(kind: AlertKind, status: str, reason: str | None) -> Finding:
    """The finding of a run that ended REJECTED or FAILED (no metric value: the reason says what happened)."""
    return Finding(kind, "run_status", None, "COMPLETED", {"status": status, "reason": reason})
