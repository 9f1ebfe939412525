"""Money at the spec's scale, end to end: a measure with 4 decimal places loads, aggregates and reconciles exactly."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from flows.pipeline import run_pipeline
from tests.integration.helpers import read_table
from tests.superstore import CLEAN_SALES, REASON, SALES_BY_SEGMENT, SPEC, write_superstore

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _four(value: object) -> Decimal:
    return Decimal(str(value)).quantize(Decimal("0.0001"))


def test_a_four_decimal_measure_is_exact_in_every_table(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """It stores 16.448 as 16.4480, sums segments to the ten-thousandth, reconciles, and explains 3.14159."""
    source = write_superstore(tmp_path)
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("DOCS_DIR", str(tmp_path / "docs"))
    monkeypatch.setenv("EXPECTATIONS_DIR", str(tmp_path / "expectations"))
    summary = run_pipeline(source=str(source), dataset="superstore")
    assert (summary.status, summary.clean_count, summary.exception_count) == ("COMPLETED", 4, 1)
    clean = read_table(database_url, "clean_superstore", summary.run_id).set_index("order_no")
    assert {k: _four(v) for k, v in clean["sales"].items()} == CLEAN_SALES
    analytics = read_table(database_url, "analytics_summary", summary.run_id)
    segments = analytics[(analytics["breakdown"] == "segment") & (analytics["measure"] == "sales")]
    assert {k: _four(v) for k, v in zip(segments["key_1"], segments["value"], strict=True)} == SALES_BY_SEGMENT
    total = analytics[(analytics["breakdown"] == "total") & (analytics["measure"] == "sales")]["value"]
    assert [_four(v) for v in total] == [sum(CLEAN_SALES.values())]
    (details,) = read_table(database_url, "exceptions", summary.run_id)["error_details"].map(json.loads)
    assert [(d["rule"], d["details"]) for d in details] == [("typed_as_decimal", REASON)]


def test_at_scale_2_the_reason_names_the_extra_places(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """With the spec at 2 decimals, 16.448 is quarantined saying it has 3 places where the spec allows 2."""
    columns = {**SPEC["columns"], "sales": {**SPEC["columns"]["sales"], "scale": 2}}
    derived = {"unit_price": {"ratio": ["sales", "quantity"], "scale": 2}}
    source = write_superstore(tmp_path, {**SPEC, "columns": columns, "derived": derived})
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("DOCS_DIR", str(tmp_path / "docs"))
    monkeypatch.setenv("EXPECTATIONS_DIR", str(tmp_path / "expectations"))
    summary = run_pipeline(source=str(source), dataset="superstore")
    assert (summary.status, summary.clean_count) == ("COMPLETED", 1)  # only 261.96 has 2 places or fewer
    reasons = sorted(
        d["details"]
        for cell in read_table(database_url, "exceptions", summary.run_id)["error_details"]
        for d in json.loads(cell)
    )
    assert reasons == [
        "0.1234 has 4 decimal places; the spec allows 2",
        "1000000.0001 has 4 decimal places; the spec allows 2",
        "16.448 has 3 decimal places; the spec allows 2",
        "3.14159 has 5 decimal places; the spec allows 2",
    ]
