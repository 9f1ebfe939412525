# ruff: noqa: E501  (the suite table below reads best one rule per line)
"""Onboarding is configuration only: a dataset defined entirely in this test runs end to end.

The spec, the GX suite and the CSV are written to a temporary folder; nothing in flows/ or
panel_app/ knows this dataset. Its header names differ from its field names, it has its own
missing-value marker, a day/month/year date, an optional dimension and a derived ratio.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml

from flows.pipeline import run_pipeline
from flows.storage.engine import normalize_url
from tests.integration.helpers import read_table

pytestmark = pytest.mark.usefixtures("prefect_harness")

SPEC = {
    "name": "fuel_purchases",
    "title": "Fleet fuel purchases",
    "suite": "fuel_rules",
    "tables": {"raw": "raw_fuel_purchases", "clean": "clean_fuel_purchases"},
    "business_key": "receipt",
    "missing_values": ["", "N/A"],
    "columns": {
        "receipt": {"source": "Receipt No", "type": "string", "required": True},
        "purchased_on": {"source": "Date", "type": "date", "required": True, "format": "%d/%m/%Y"},
        "station": {"source": "Station", "type": "string", "required": False},
        "litres": {"source": "Litres", "type": "decimal", "required": True, "precision": 8, "scale": 2},
        "amount": {"source": "Amount", "type": "decimal", "required": True, "precision": 10, "scale": 2},
    },
    "derived": {"price_per_litre": {"ratio": ["amount", "litres"], "scale": 2}},
    "analytics": {
        "date": "purchased_on",
        "dimensions": ["station"],
        "measures": {"amount": "sum", "litres": "sum"},
        "breakdowns": [["purchased_on"], ["station"], ["purchased_on", "station"]],
    },
}


def _rule(n: int, type_: str, kwargs: dict, rule: str, control: str, category: str, severity: str = "error") -> dict:
    meta = {"rule": rule, "control_type": control, "error_category": category, "severity": severity}
    return {"type": type_, "id": f"00000000-0000-4000-8000-{n:012d}", "kwargs": kwargs, "meta": meta}


SUITE = {
    "name": "fuel_rules",
    "id": "00000000-0000-4000-8000-100000000000",
    "expectations": [
        _rule(1, "expect_column_to_exist", {"column": "receipt"}, "receipt_present", "SCHEMA", "MISSING_REQUIRED_FIELD"),
        _rule(2, "expect_column_values_to_not_be_null", {"column": "receipt"}, "receipt_not_null", "DATA_QUALITY", "MISSING_REQUIRED_FIELD"),
        _rule(3, "expect_column_values_to_not_be_null", {"column": "purchased_on"}, "date_not_null", "DATA_QUALITY", "MISSING_REQUIRED_FIELD"),
        _rule(4, "expect_column_values_to_not_be_null", {"column": "litres"}, "litres_not_null", "DATA_QUALITY", "MISSING_REQUIRED_FIELD"),
        _rule(5, "expect_column_values_to_not_be_null", {"column": "amount"}, "amount_not_null", "DATA_QUALITY", "MISSING_REQUIRED_FIELD"),
        _rule(6, "expect_column_values_to_be_unique", {"column": "receipt"}, "receipt_unique", "DUPLICATE", "DATA_QUALITY_ISSUE"),
        _rule(7, "expect_column_values_to_match_regex", {"column": "purchased_on", "regex": r"^\d{2}/\d{2}/\d{4}$"}, "date_format", "DATA_QUALITY", "DATA_FORMAT_ERROR"),
        _rule(8, "expect_column_values_to_match_regex", {"column": "litres", "regex": r"^\d+(\.\d{1,2})?$"}, "litres_is_amount", "DATA_QUALITY", "DATA_FORMAT_ERROR"),
        _rule(9, "expect_column_values_to_match_regex", {"column": "amount", "regex": r"^\d+(\.\d{1,2})?$"}, "amount_is_amount", "DATA_QUALITY", "DATA_FORMAT_ERROR"),
        _rule(10, "expect_column_values_to_not_be_null", {"column": "station"}, "station_known", "DATA_QUALITY", "DATA_QUALITY_ISSUE", "warning"),
        _rule(11, "expect_column_values_to_be_in_set", {"column": "station", "value_set": ["Pune", "Nagpur"]}, "station_in_set", "DATA_QUALITY", "DATA_QUALITY_ISSUE"),
    ],
}  # fmt: skip

CSV = """Receipt No,Date,Station,Litres,Amount
R1,01/03/2024,Pune,10.00,1000.00
R2,01/03/2024,Nagpur,20.50,2050.00
R3,02/03/2024,N/A,5.00,512.50
R4,02/03/2024,Pune,N/A,700.00
R5,2024-03-02,Pune,8.00,800.00
R6,03/03/2024,Mumbai,4.00,400.00
R1,01/03/2024,Pune,10.00,1000.00
R7,03/03/2024,Nagpur,abc,300.00
"""


@pytest.fixture
def fuel_dataset(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, pipeline_env: str) -> tuple[str, Path]:
    """The dataset's spec, suite and file in a scratch expectations folder the settings point at."""
    expectations = tmp_path / "expectations"
    expectations.mkdir()
    (expectations / "fuel_purchases.yaml").write_text(yaml.safe_dump(SPEC, sort_keys=False), encoding="utf-8")
    (expectations / "fuel_rules.json").write_text(json.dumps(SUITE, indent=2), encoding="utf-8")
    monkeypatch.setenv("EXPECTATIONS_DIR", str(expectations))
    source = tmp_path / "fuel.csv"
    source.write_text(CSV, encoding="utf-8")
    return pipeline_env, source


def test_a_dataset_defined_in_configuration_runs_end_to_end(fuel_dataset: tuple[str, Path]) -> None:
    """Its rows are validated by its suite, quarantined with their reasons, typed, aggregated and reconciled."""
    url, source = fuel_dataset
    summary = run_pipeline(source=str(source), dataset="fuel_purchases")
    assert summary.status == "COMPLETED"
    raw = read_table(url, "raw_fuel_purchases", summary.run_id)
    assert raw.sort_values("source_row")["receipt"].tolist() == ["R1", "R2", "R3", "R4", "R5", "R6", "R1", "R7"]
    assert raw["station"].tolist().count("N/A") == 1  # raw keeps values as received

    exceptions = read_table(url, "exceptions", summary.run_id)
    rows = exceptions["original_record_id"].map(raw.set_index("id")["source_row"])
    rules = exceptions["error_details"].map(lambda d: sorted(x["rule"] for x in json.loads(d)))
    reasons = dict(zip(rows, rules, strict=True))
    assert reasons == {
        4: ["litres_not_null"],
        5: ["date_format"],
        6: ["station_in_set"],
        7: ["receipt_unique"],
        8: ["litres_is_amount"],
    }
    clean = read_table(url, "clean_fuel_purchases", summary.run_id).sort_values("record_id")
    assert clean["receipt"].tolist() == ["R1", "R2", "R3"]
    assert clean["station"].isna().tolist() == [False, False, True]  # the warned, unknown station is NULL
    assert [str(d)[:10] for d in clean["purchased_on"]] == ["2024-03-01", "2024-03-01", "2024-03-02"]
    assert [float(v) for v in clean["price_per_litre"]] == [100.0, 100.0, 102.5]

    summary_rows = read_table(url, "analytics_summary", summary.run_id)
    totals = summary_rows[summary_rows["breakdown"] == "total"].set_index("measure")["value"].astype(float)
    assert totals.to_dict() == {"amount": 3562.5, "litres": 35.5, "record_count": 3.0}
    for table in ("pipeline_runs", "audit_log", "validation_results", "exceptions", "analytics_summary"):
        assert set(read_table(url, table, summary.run_id)["dataset"]) == {"fuel_purchases"}, table


def test_its_clean_table_is_typed_from_the_spec(fuel_dataset: tuple[str, Path]) -> None:
    """The clean table is created at the first run with the spec's types and NOT NULL on required fields."""
    url, source = fuel_dataset
    assert run_pipeline(source=str(source), dataset="fuel_purchases").status == "COMPLETED"
    engine = sa.create_engine(normalize_url(url))
    try:
        columns = {c["name"]: c for c in sa.inspect(engine).get_columns("clean_fuel_purchases")}
    finally:
        engine.dispose()
    assert isinstance(columns["purchased_on"]["type"], sa.Date)
    assert isinstance(columns["amount"]["type"], sa.Numeric)
    assert (columns["amount"]["type"].precision, columns["amount"]["type"].scale) == (10, 2)
    assert columns["receipt"]["nullable"] is False
    assert columns["station"]["nullable"] is True


def test_a_changed_spec_is_refused_not_silently_applied(fuel_dataset: tuple[str, Path]) -> None:
    """After its tables exist, a spec with other columns fails the run with a message naming the table."""
    _, source = fuel_dataset
    assert run_pipeline(source=str(source), dataset="fuel_purchases").status == "COMPLETED"
    spec_path = Path(str(source)).parent / "expectations" / "fuel_purchases.yaml"
    changed = dict(SPEC, columns={**SPEC["columns"], "pump": {"type": "string", "required": False}})
    spec_path.write_text(yaml.safe_dump(changed, sort_keys=False), encoding="utf-8")
    with pytest.raises(
        Exception,
        match=r"table raw_fuel_purchases exists with other columns than the spec describes \(pump: absent, spec text\)",
    ):
        run_pipeline(source=str(source), dataset="fuel_purchases")


def test_the_dashboard_data_store_reads_it_from_its_spec(fuel_dataset: tuple[str, Path], tmp_path: Path) -> None:
    """The dashboard's data store offers the dataset, filters by its grain and reads its exceptions as received."""
    from panel_app.data_store import DataStore
    from panel_app.reader import Reader

    url, source = fuel_dataset
    summary = run_pipeline(source=str(source), dataset="fuel_purchases")
    store = DataStore(Reader(url, "fuel_purchases"), expectations_dir=tmp_path / "expectations")
    assert store.param.dataset.objects == {"Fleet fuel purchases": "fuel_purchases"}
    assert (store.dataset, store.run_id) == ("fuel_purchases", summary.run_id)
    assert store.presentation.dimensions == ("station",)
    assert store.options["station"] == ["Nagpur", "Pune", "(missing)"]
    grain = store.grain
    assert float(grain["amount"].sum()) == 3562.5 and float(grain["litres"].sum()) == 35.5
    store.set_filter("station", ["Pune"])
    assert float(store.grain["amount"].sum()) == 1000.0
    store.set_filter("station", [])
    counts = store.reader.exception_counts(summary.run_id, "value", store.exception_filter(), "station")
    assert dict(zip(counts["key"], counts["records"], strict=True)) == {"Pune": 3, "Mumbai": 1, "Nagpur": 1}
