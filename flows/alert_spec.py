"""A dataset's alert settings (the spec's optional `alerts:` section): fixed thresholds and the anomaly method.

Every threshold is optional; an absent one never fires. Without an `alerts:` section a dataset has no fixed
thresholds, a REJECTED or FAILED run still alerts, and anomaly detection runs with the defaults below.
docs/alerts.md explains the values chosen for the shipped datasets.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from flows.suite import SpecError, one_of

ALERT_KEYS = frozenset(
    {
        "max_exception_rate",
        "max_quarantined_amount",
        "max_control_failure_rate",
        "rows_received",
        "on_rejected",
        "on_failed",
        "anomalies",
    }
)
ANOMALY_KEYS = frozenset({"history", "min_history", "z", "tolerance", "rate_floor", "measure_direction"})
DIRECTIONS = ("both", "low", "high")  # which side of its range a value must leave to fire


@dataclass(frozen=True)
class AnomalySpec:
    """How a run is compared with the trailing COMPLETED runs of its dataset (robust z-score, median and MAD)."""

    history: int = 30  # at most this many earlier COMPLETED runs are compared with
    min_history: int = 8  # fewer earlier runs than this: nothing fires
    z: float = 3.5  # a value further than z robust standard deviations (1.4826 x MAD) from the median fires
    tolerance: float = 0.2  # MAD = 0 (a constant history): the range is the median +/- this share of it
    rate_floor: float = 0.01  # rates: the range is never narrower than +/- this (one percentage point)
    measure_direction: str = "both"  # headline measure metrics fire below their range (low), above (high) or both


@dataclass(frozen=True)
class AlertSpec:
    """Fixed thresholds of one dataset's runs, whether a rejected or failed run alerts, and the anomaly method."""

    max_exception_rate: float | None = None  # quarantined rows / rows received
    max_quarantined_amount: Decimal | None = None  # sum of the headline measure over quarantined rows, as received
    max_control_failure_rate: float | None = None  # failed checks of any one rule / rows received
    min_rows_received: int | None = None
    max_rows_received: int | None = None
    on_rejected: bool = True
    on_failed: bool = True
    anomalies: AnomalySpec = field(default_factory=AnomalySpec)


def parse_alerts(doc: Any, dataset: str) -> AlertSpec:
    """The `alerts:` section of a dataset spec as an AlertSpec (defaults when absent); SpecError says what is wrong."""
    if doc is None:
        return AlertSpec()
    where = f"dataset {dataset}: alerts"
    _known_keys(doc, ALERT_KEYS, where)
    rows = doc.get("rows_received") or {}
    _known_keys(rows, frozenset({"min", "max"}), f"{where}.rows_received")
    anomalies = doc.get("anomalies") or {}
    _known_keys(anomalies, ANOMALY_KEYS, f"{where}.anomalies")
    defaults = AnomalySpec()
    spec = AlertSpec(
        max_exception_rate=_rate(doc.get("max_exception_rate"), f"{where}.max_exception_rate"),
        max_quarantined_amount=_amount(doc.get("max_quarantined_amount"), f"{where}.max_quarantined_amount"),
        max_control_failure_rate=_rate(doc.get("max_control_failure_rate"), f"{where}.max_control_failure_rate"),
        min_rows_received=_count(rows.get("min"), f"{where}.rows_received.min"),
        max_rows_received=_count(rows.get("max"), f"{where}.rows_received.max"),
        on_rejected=_flag(doc.get("on_rejected", True), f"{where}.on_rejected"),
        on_failed=_flag(doc.get("on_failed", True), f"{where}.on_failed"),
        anomalies=AnomalySpec(
            history=_count(anomalies.get("history", defaults.history), f"{where}.anomalies.history") or 0,
            min_history=_count(anomalies.get("min_history", defaults.min_history), f"{where}.anomalies.min_history")
            or 0,
            z=_positive(anomalies.get("z", defaults.z), f"{where}.anomalies.z"),
            tolerance=_positive(anomalies.get("tolerance", defaults.tolerance), f"{where}.anomalies.tolerance"),
            rate_floor=_rate(anomalies.get("rate_floor", defaults.rate_floor), f"{where}.anomalies.rate_floor") or 0.0,
            measure_direction=one_of(
                anomalies.get("measure_direction", defaults.measure_direction),
                DIRECTIONS,
                f"{where}.anomalies.measure_direction",
            ),
        ),
    )
    _check_consistent(spec, where)
    return spec


def _check_consistent(spec: AlertSpec, where: str) -> None:
    low, high = spec.min_rows_received, spec.max_rows_received
    if low is not None and high is not None and low > high:
        raise SpecError(f"{where}.rows_received: min {low} is above max {high}")
    a = spec.anomalies
    if a.min_history < 3:
        raise SpecError(f"{where}.anomalies.min_history is {a.min_history}; a median and MAD need at least 3 runs")
    if a.history < a.min_history:
        raise SpecError(f"{where}.anomalies.history {a.history} is below min_history {a.min_history}")


def _known_keys(doc: Any, known: frozenset[str], where: str) -> None:
    if not isinstance(doc, dict):
        raise SpecError(f"{where} must be a mapping, not {doc!r}")
    unknown = sorted(set(doc) - known)
    if unknown:
        raise SpecError(f"{where}: unknown keys {unknown} (known: {sorted(known)})")


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SpecError(f"{where} is {value!r}; expected a number")
    return float(value)


def _rate(value: Any, where: str) -> float | None:
    if value is None:
        return None
    rate = _number(value, where)
    if not 0 <= rate <= 1:
        raise SpecError(f"{where} is {value!r}; a rate is a share between 0 and 1 (0.25 means 25 %)")
    return rate


def _positive(value: Any, where: str) -> float:
    number = _number(value, where)
    if number <= 0:
        raise SpecError(f"{where} is {value!r}; expected a number above 0")
    return number


def _count(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise SpecError(f"{where} is {value!r}; expected a whole number of 0 or more")
    return value


def _amount(value: Any, where: str) -> Decimal | None:
    if value is None:
        return None
    try:
        if isinstance(value, bool):
            raise InvalidOperation
        amount = Decimal(str(value))
    except InvalidOperation:
        raise SpecError(f"{where} is {value!r}; expected an amount") from None
    if not amount.is_finite() or amount < 0:
        raise SpecError(f"{where} is {value!r}; expected an amount of 0 or more")
    return amount


def _flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise SpecError(f"{where} is {value!r}; expected true or false")
    return value
