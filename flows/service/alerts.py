"""Alerts of a finished run: its fixed thresholds and its anomalies against the trailing runs, recorded as findings.

A COMPLETED run is checked against the spec's thresholds (flows.stages.alerts) and compared with the dataset's
last COMPLETED runs (flows.stages.anomalies); a REJECTED or FAILED run is one finding, if the spec says so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import pandas as pd

from flows.constants import TOTAL, AlertKind, RunStatus
from flows.dataset import DatasetSpec
from flows.service.audit import utc_now
from flows.service.ports import UnitOfWork
from flows.stages.alerts import (
    RunCounts,
    ending_finding,
    measure_directions,
    quarantined_amount,
    rate_floors,
    run_metrics,
    threshold_findings,
)
from flows.stages.anomalies import Finding, detect_anomalies


class AlertStore(Protocol):
    """The alerts table and the earlier runs' figures."""

    def trailing_runs(self, dataset: str, run_id: str, limit: int) -> list[str]: ...
    def run_counts(self, run_ids: Sequence[str]) -> dict[str, tuple[int, int]]: ...
    def rule_failures(self, run_ids: Sequence[str]) -> pd.DataFrame: ...
    def measure_rows(self, run_ids: Sequence[str], measure: str, breakdowns: Sequence[str]) -> pd.DataFrame: ...
    def quarantined_values(self, spec: DatasetSpec, run_id: str, column: str) -> pd.Series: ...
    def add(self, rows: Sequence[dict[str, Any]]) -> list[int]: ...
    def mark(self, alert_id: int, notified: bool, error: str | None = None) -> None: ...


class AlertingUnitOfWork(UnitOfWork, Protocol):
    """A unit of work that also reaches the alerts table."""

    @property
    def alerts(self) -> AlertStore: ...


@dataclass(frozen=True)
class RecordedAlert:
    """A finding as stored: its id, run and dataset (what an event about it names)."""

    alert_id: int
    run_id: str
    dataset: str
    finding: Finding


def record_run_alerts(uow: AlertingUnitOfWork, spec: DatasetSpec, run_id: str) -> list[RecordedAlert]:
    """Check a COMPLETED run against its thresholds and its trailing runs; store and return the findings."""
    rules = spec.alerts.anomalies
    earlier = uow.alerts.trailing_runs(spec.name, run_id, rules.history)
    figures = _figures(uow, spec, [run_id, *earlier])
    counts, current = figures.get(run_id, (RunCounts(0, 0, {}), {}))
    measure = spec.headline_measure
    received = measure is not None and measure in spec.column_names  # a derived measure has no received value
    amount = quarantined_amount(uow.alerts.quarantined_values(spec, run_id, str(measure))) if received else None
    found = threshold_findings(spec.alerts, counts, amount, spec.analytics.currency or "")
    history = pd.DataFrame(
        [(r, m, v) for r in earlier if r in figures for m, v in figures[r][1].items()],
        columns=["run_id", "metric", "value"],
    )
    names = set(current) | set(history["metric"])
    floors = rate_floors(names, rules.rate_floor)
    directions = measure_directions(names, spec.headline_measure, rules.measure_direction)
    found += detect_anomalies(current, history, rules, floors, directions)
    return _store(uow, spec, run_id, found)


def record_run_ending(
    uow: AlertingUnitOfWork, spec: DatasetSpec, run_id: str, status: str, reason: str | None
) -> list[RecordedAlert]:
    """Store the finding of a REJECTED or FAILED run when the spec asks for it (nothing for other statuses)."""
    alerts = spec.alerts
    if status == RunStatus.REJECTED and alerts.on_rejected:
        return _store(uow, spec, run_id, [ending_finding(AlertKind.RUN_REJECTED, status, reason)])
    if status == RunStatus.FAILED and alerts.on_failed:
        return _store(uow, spec, run_id, [ending_finding(AlertKind.RUN_FAILED, status, reason)])
    return []


def _figures(
    uow: AlertingUnitOfWork, spec: DatasetSpec, run_ids: list[str]
) -> dict[str, tuple[RunCounts, dict[str, float]]]:
    """Each run's counts and anomaly metrics, from its run row, failed checks per rule and headline analytics."""
    counts = uow.alerts.run_counts(run_ids)
    failures = uow.alerts.rule_failures(run_ids)
    measure, dimension = spec.headline_measure, _first_dimension(spec)
    breakdowns = [TOTAL, *([dimension] if dimension else [])]
    analytics = uow.alerts.measure_rows(run_ids, measure, breakdowns) if measure else pd.DataFrame()
    rule_names = list(dict.fromkeys(r.name for r in spec.suite.rules))
    figures = {}
    for run, (raw, exceptions) in counts.items():
        failed = failures[failures["run_id"] == run]
        per_rule = {str(r): int(n) for r, n in zip(failed["rule"], failed["failed"], strict=True)}
        run_counts = RunCounts(raw, exceptions, per_rule)
        mine = analytics[analytics["run_id"] == run] if measure else analytics
        figures[run] = (run_counts, run_metrics(run_counts, rule_names, mine, measure, dimension))
    return figures


def _first_dimension(spec: DatasetSpec) -> str | None:
    """The grain's first dimension (region for sales), if the spec aggregates by it alone."""
    dims = spec.analytics.grain_dimensions
    return dims[0] if dims and (dims[0],) in spec.analytics.breakdowns else None


def _store(uow: AlertingUnitOfWork, spec: DatasetSpec, run_id: str, found: list[Finding]) -> list[RecordedAlert]:
    now = utc_now()
    rows = [
        {
            "run_id": run_id,
            "dataset": spec.name,
            "kind": str(f.kind),
            "metric": f.metric,
            "value": f.value,
            "expected": f.expected,
            "details": f.details,
            "created_at": now,
        }
        for f in found
    ]
    ids = uow.alerts.add(rows)
    return [RecordedAlert(i, run_id, spec.name, f) for i, f in zip(ids, found, strict=True)]


def mark_notified(uow: AlertingUnitOfWork, alerts: Sequence[RecordedAlert], errors: Sequence[str | None]) -> None:
    """Record, per finding, whether its event went out (an error text says why not)."""
    for alert, error in zip(alerts, errors, strict=True):
        uow.alerts.mark(alert.alert_id, error is None, error)
