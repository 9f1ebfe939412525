"""The anomaly detector on hand-made histories: robust z-score with median and MAD, a minimum history, MAD = 0."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from flows.alert_spec import AnomalySpec
from flows.constants import AlertKind
from flows.stages.anomalies import MAD_TO_SIGMA, detect_anomalies, expected_range

RULES = AnomalySpec(history=30, min_history=8, z=3.5, tolerance=0.2, rate_floor=0.01)


def history_of(metric: str, values: list[float]) -> pd.DataFrame:
    """One row per earlier run (run-01, run-02, ...) holding `metric`."""
    return pd.DataFrame(
        {"run_id": [f"run-{i:02d}" for i in range(1, len(values) + 1)], "metric": metric, "value": values}
    )


def test_too_short_a_history_fires_nothing() -> None:
    """It stays silent with fewer earlier runs than min_history, however far off the value is."""
    history = history_of("rows_received", [1000.0] * 7)
    assert detect_anomalies({"rows_received": 1.0}, history, RULES) == []


def test_a_constant_series_tolerates_a_small_change_and_fires_on_a_large_one() -> None:
    """With MAD = 0 the range is the median +/- 20 %: 1,010 rows pass, 100 rows fire, with the range named."""
    history = history_of("rows_received", [1000.0] * 10)
    assert detect_anomalies({"rows_received": 1010.0}, history, RULES) == []
    (finding,) = detect_anomalies({"rows_received": 100.0}, history, RULES)
    assert finding.kind == AlertKind.ANOMALY and finding.metric == "rows_received" and finding.value == 100.0
    assert (finding.details["low"], finding.details["high"]) == (800.0, 1200.0)
    assert finding.expected == "800 to 1,200"
    assert finding.details["mad"] == 0.0 and finding.details["robust_z"] is None
    assert finding.details["compared_runs"] == [f"run-{i:02d}" for i in range(1, 11)]


def test_a_constant_zero_rate_keeps_its_floor() -> None:
    """A rule that never failed does not fire on one failing row in a thousand, but does on a burst (floor 0.01)."""
    history = history_of("failure_rate:x", [0.0] * 10)
    floors = {"failure_rate:x": 0.01}
    assert detect_anomalies({"failure_rate:x": 0.001}, history, RULES, floors) == []
    (finding,) = detect_anomalies({"failure_rate:x": 0.05}, history, RULES, floors)
    assert (finding.details["low"], finding.details["high"]) == (-0.01, 0.01)


def test_an_outlier_fires_with_the_robust_range() -> None:
    """The range is median +/- 3.5 x 1.4826 x MAD; a value beyond it fires with that range and its robust z."""
    values = [100.0, 102.0, 98.0, 101.0, 99.0, 103.0, 97.0, 100.0, 104.0, 96.0]
    median, mad = 100.0, 2.0
    bounds = expected_range(np.asarray(values), RULES)
    assert (bounds.median, bounds.mad) == (median, mad)
    assert bounds.high == pytest.approx(median + 3.5 * MAD_TO_SIGMA * mad)
    (finding,) = detect_anomalies({"revenue:total": 130.0}, history_of("revenue:total", values), RULES)
    assert finding.details["low"] == pytest.approx(89.6218)
    assert finding.details["high"] == pytest.approx(110.3782)
    assert finding.details["robust_z"] == pytest.approx(30 / (MAD_TO_SIGMA * 2))
    assert finding.expected == "89.62 to 110.4"


def test_ordinary_noise_does_not_fire() -> None:
    """Draws from the same normal distribution as the history stay quiet (no false alarm in 200 tries)."""
    rng = np.random.default_rng(16)
    history = history_of("revenue:total", list(rng.normal(1_500_000, 50_000, 30)))
    fired = [v for v in rng.normal(1_500_000, 50_000, 200) if detect_anomalies({"revenue:total": v}, history, RULES)]
    assert fired == []


def test_a_metric_missing_on_either_side_counts_as_zero() -> None:
    """A region absent from this run (history of 200) fires as 0; a region new to this run compares with zeros."""
    history = pd.concat([history_of("revenue:region=North", [200.0] * 8), history_of("rows_received", [1.0] * 8)])
    found = {
        f.metric: f.value for f in detect_anomalies({"rows_received": 1.0, "revenue:region=Mars": 5.0}, history, RULES)
    }
    assert found == {"revenue:region=North": 0.0, "revenue:region=Mars": 5.0}


def test_a_low_only_metric_ignores_a_spike_but_not_a_drop() -> None:
    """With direction "low" (the shipped specs' headline measure), a big order's spike is quiet, a collapse fires."""
    values = [100.0, 102.0, 98.0, 101.0, 99.0, 103.0, 97.0, 100.0]
    history, low = history_of("revenue:total", values), {"revenue:total": "low"}
    assert detect_anomalies({"revenue:total": 400.0}, history, RULES, directions=low) == []
    (finding,) = detect_anomalies({"revenue:total": 20.0}, history, RULES, directions=low)
    assert finding.metric == "revenue:total" and finding.value == 20.0
