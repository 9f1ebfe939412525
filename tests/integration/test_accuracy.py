"""Detection accuracy against the generator's answer key: every planted defect, nothing else."""

from __future__ import annotations

import json

import pytest

from flows.generate import DefectRates, answer_key_path, generate_sales, write_generated
from flows.pipeline import run_pipeline
from tests.integration.helpers import read_table

pytestmark = pytest.mark.usefixtures("prefect_harness")

# Which rule must catch each planted defect, under which category (written from the issue, not the code).
EXPECTED = {
    "missing_order_date": ({"order_date_not_null"}, "MISSING_REQUIRED_FIELD"),
    "missing_order_id": ({"order_id_not_null"}, "MISSING_REQUIRED_FIELD"),
    "malformed_order_date": ({"order_date_iso_format", "order_date_calendar_date"}, "DATA_FORMAT_ERROR"),
    "non_numeric_revenue": ({"revenue_is_amount"}, "DATA_FORMAT_ERROR"),
    "non_integer_quantity": ({"quantity_is_integer"}, "DATA_FORMAT_ERROR"),
    "negative_revenue": ({"revenue_non_negative"}, "BUSINESS_RULE_VIOLATION"),
    "non_positive_quantity": ({"quantity_positive"}, "BUSINESS_RULE_VIOLATION"),
    "invalid_region": ({"region_in_reference_set"}, "DATA_QUALITY_ISSUE"),
    "unknown_product": ({"product_in_reference_set"}, "DATA_QUALITY_ISSUE"),
    "exact_duplicate": ({"order_id_unique"}, "DATA_QUALITY_ISSUE"),
    "conflicting_duplicate": ({"order_id_unique"}, "DATA_QUALITY_ISSUE"),
    "large_quantity": ({"quantity_not_unusually_large"}, "DATA_QUALITY_ISSUE"),
}
WARNING_ONLY = {"large_quantity"}


@pytest.fixture(scope="module")
def accuracy_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, dict[str, set[int]]]:
    """One pipeline run over a generated 20,000-row file on SQLite, with its answer key."""
    folder = tmp_path_factory.mktemp("accuracy")
    path = folder / "sales_20k.csv"
    write_generated(generate_sales(20_000, seed=2024), path, 2024, DefectRates())
    key = json.loads(answer_key_path(path).read_text())["defects"]
    url = f"sqlite:///{folder / 'accuracy.db'}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", url)
        summary = run_pipeline(source=str(path))
    assert summary.status == "COMPLETED"
    return url, summary.run_id, {name: set(rows) for name, rows in key.items()}


def _findings_by_row(url: str, run_id: str) -> dict[str, set[int]]:
    raw = read_table(url, "raw_sales", run_id).set_index("id")["source_row"]
    findings = read_table(url, "validation_results", run_id).dropna(subset=["record_id"])
    findings["source_row"] = findings["record_id"].astype(int).map(raw)
    return {rule: set(group["source_row"]) for rule, group in findings.groupby("rule_name")}


@pytest.mark.parametrize("defect", sorted(EXPECTED))
def test_every_planted_defect_is_caught_under_its_category(
    accuracy_run: tuple[str, str, dict[str, set[int]]], defect: str
) -> None:
    """It flags every row planted with the defect (100% recall) by the rule meant for it."""
    url, run_id, key = accuracy_run
    rules, category = EXPECTED[defect]
    by_rule = _findings_by_row(url, run_id)
    caught = set().union(*(by_rule.get(r, set()) for r in rules))
    assert key[defect], f"the generator planted no {defect}"
    assert key[defect] <= caught
    findings = read_table(url, "validation_results", run_id)
    assert set(findings[findings["rule_name"].isin(rules)]["error_category"]) == {category}


@pytest.mark.parametrize("defect", sorted(EXPECTED))
def test_no_rule_fires_on_rows_without_its_defect(
    accuracy_run: tuple[str, str, dict[str, set[int]]], defect: str
) -> None:
    """It raises each defect's findings only on rows planted with that defect (zero false positives)."""
    url, run_id, key = accuracy_run
    rules, _ = EXPECTED[defect]
    sharing = {d for d, (r, _) in EXPECTED.items() if r & rules}  # defects caught by the same rules
    planted = set().union(*(key.get(d, set()) for d in sharing))
    by_rule = _findings_by_row(url, run_id)
    for rule in rules:
        assert by_rule.get(rule, set()) <= planted, rule


def test_quarantine_is_exactly_the_rows_with_error_defects(accuracy_run: tuple[str, str, dict[str, set[int]]]) -> None:
    """It quarantines every row with an error defect and no other row; warnings stay clean."""
    url, run_id, key = accuracy_run
    raw = read_table(url, "raw_sales", run_id).set_index("id")["source_row"]
    quarantined = set(read_table(url, "exceptions", run_id)["original_record_id"].map(raw))
    errors = set().union(*(rows for d, rows in key.items() if d not in WARNING_ONLY))
    assert quarantined == errors
    clean = set(read_table(url, "clean_sales", run_id)["record_id"].map(raw))
    assert key["large_quantity"] - errors <= clean
