"""The dataset spec's `alerts:` section: parsed with defaults, refused with a clear message when wrong."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from flows.alert_spec import AlertSpec, AnomalySpec, parse_alerts
from flows.dataset import SpecError, load_dataset
from tests.factories import EXPECTATIONS_DIR
from tests.unit.test_dataset import write_spec


def test_the_shipped_datasets_have_thresholds() -> None:
    """Sales and cafe both carry an alerts section; sales allows a quarter of its rows in quarantine."""
    sales = load_dataset("sales", EXPECTATIONS_DIR).alerts
    assert sales.max_exception_rate == 0.25 and sales.max_quarantined_amount == Decimal("5000000")
    assert (sales.min_rows_received, sales.max_rows_received) == (500, 5_000_000)
    cafe = load_dataset("dirty_cafe_sales", EXPECTATIONS_DIR).alerts
    assert cafe.max_exception_rate is not None and cafe.max_exception_rate > 0.262  # the public file's own rate


def test_an_absent_section_means_the_documented_defaults(tmp_path: Path) -> None:
    """No alerts section: no fixed thresholds, rejected and failed runs alert, anomalies after 8 of 30 runs."""
    spec = load_dataset("sales", write_spec(tmp_path, lambda d: d.pop("alerts")))
    assert spec.alerts == AlertSpec()
    assert spec.alerts.on_rejected and spec.alerts.on_failed and spec.alerts.max_exception_rate is None
    assert (spec.alerts.anomalies.history, spec.alerts.anomalies.min_history) == (30, 8)


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ({"max_exception_rate": 25}, "alerts.max_exception_rate is 25; a rate is a share between 0 and 1"),
        ({"max_exeption_rate": 0.2}, "unknown keys ['max_exeption_rate']"),
        ({"rows_received": {"min": 10, "max": 5}}, "rows_received: min 10 is above max 5"),
        ({"rows_received": {"min": -1}}, "rows_received.min is -1; expected a whole number"),
        ({"max_quarantined_amount": "lots"}, "max_quarantined_amount is 'lots'; expected an amount"),
        ({"on_failed": "yes"}, "on_failed is 'yes'; expected true or false"),
        ({"anomalies": {"min_history": 2}}, "a median and MAD need at least 3 runs"),
        ({"anomalies": {"history": 5}}, "history 5 is below min_history 8"),
        ({"anomalies": {"z": 0}}, "anomalies.z is 0; expected a number above 0"),
        ("loud", "alerts must be a mapping"),
    ],
)
def test_a_wrong_section_is_refused_with_what_and_where(tmp_path: Path, section: Any, message: str) -> None:
    """It names the dataset, the key and what was expected."""

    def edit(doc: dict[str, Any]) -> None:
        doc["alerts"] = section

    with pytest.raises(SpecError, match="dataset sales: alerts") as raised:
        load_dataset("sales", write_spec(tmp_path, edit))
    assert message in str(raised.value)


def test_anomaly_settings_are_read() -> None:
    """Each anomaly setting given replaces its default; the others keep theirs."""
    parsed = parse_alerts({"anomalies": {"z": 5, "tolerance": 0.5}}, "d").anomalies
    assert parsed == AnomalySpec(z=5.0, tolerance=0.5)
