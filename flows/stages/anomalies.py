"""Anomaly detection on run metrics: one run's values against the trailing runs of its dataset, robustly.

For each metric, the expected range is the history's median +/- a half-width:
- z x 1.4826 x MAD (the MAD scaled to a standard deviation for normal data) when the MAD is above 0;
- when the MAD is 0 (at least half the runs share one value), tolerance x |median|, so a constant series does
  not fire on a tiny change but does on a large one;
- never narrower than the metric's floor (rates: one percentage point), so a rate that is almost always the
  same does not fire on one more failing row.
Nothing fires before `min_history` earlier runs. A metric an earlier run lacks counts as 0 there (no row for a
region means no revenue in it), and so does a metric this run lacks that the history has.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from flows.alert_spec import AnomalySpec
from flows.constants import AlertKind

MAD_TO_SIGMA = 1.4826  # 1 / Phi^-1(3/4): MAD x this estimates the standard deviation of normal data


@dataclass(frozen=True)
class Finding:
    """One alert about one run: which metric, its value, what was expected (a range or a threshold) and why."""

    kind: AlertKind
    metric: str
    value: float | None
    expected: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ExpectedRange:
    """The range a metric is expected in, from its history."""

    low: float
    high: float
    median: float
    mad: float

    def holds(self, value: float) -> bool:
        """Whether `value` lies inside the range (bounds included)."""
        return self.low <= value <= self.high


def expected_range(history: np.ndarray, rules: AnomalySpec, floor: float = 0.0) -> ExpectedRange:
    """The median +/- z robust standard deviations, or +/- tolerance x |median| when the MAD is 0; at least floor."""
    median = float(np.median(history))
    mad = float(np.median(np.abs(history - median)))
    half = rules.z * MAD_TO_SIGMA * mad if mad > 0 else rules.tolerance * abs(median)
    half = max(half, floor)
    return ExpectedRange(low=median - half, high=median + half, median=median, mad=mad)


def detect_anomalies(
    current: Mapping[str, float],
    history: pd.DataFrame,
    rules: AnomalySpec,
    floors: Mapping[str, float] | None = None,
    directions: Mapping[str, str] | None = None,
) -> list[Finding]:
    """The metrics of one run that lie outside their expected range.

    `history` has one row per earlier run and metric (columns run_id, metric, value), the runs to compare with.
    `directions` limits a metric to firing below its range ("low") or above it ("high"); the default is both.
    """
    runs = list(dict.fromkeys(history["run_id"]))
    if len(runs) < rules.min_history:
        return []
    wide = history.pivot_table(index="metric", columns="run_id", values="value", aggfunc="sum")
    metrics = sorted(set(current) | set(wide.index))
    wide = wide.reindex(index=metrics, columns=runs).fillna(0.0)
    found = []
    for metric in metrics:
        value = float(current.get(metric, 0.0))
        bounds = expected_range(wide.loc[metric].to_numpy(dtype=float), rules, (floors or {}).get(metric, 0.0))
        side = (directions or {}).get(metric, "both")
        if bounds.holds(value) or (side == "low" and value > bounds.high) or (side == "high" and value < bounds.low):
            continue
        found.append(
            Finding(
                kind=AlertKind.ANOMALY,
                metric=metric,
                value=value,
                expected=f"{_number(bounds.low)} to {_number(bounds.high)}",
                details={
                    "low": bounds.low,
                    "high": bounds.high,
                    "median": bounds.median,
                    "mad": bounds.mad,
                    "robust_z": _robust_z(value, bounds),
                    "compared_runs": runs,
                },
            )
        )
    return found


def _robust_z(value: float, bounds: ExpectedRange) -> float | None:
    """How many robust standard deviations from the median (None when the MAD is 0)."""
    if bounds.mad == 0:
        return None
    return (value - bounds.median) / (MAD_TO_SIGMA * bounds.mad)


def _number(value: float) -> str:
    """A bound as people read it: whole numbers from 1,000 up, four significant digits below."""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"
