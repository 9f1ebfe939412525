"""Each cafe rule through real GX, on hand-made rows: the defects the public file happens not to contain."""

from __future__ import annotations

import pandas as pd
import pytest

from flows.dataset import load_dataset
from flows.stages.validate import row_findings, validation_view
from flows.validation.runner import borrowed_runner
from tests.factories import EXPECTATIONS_DIR

GOOD = {
    "transaction_id": "TXN_1000001",
    "item": "Coffee",
    "quantity": "2",
    "price_per_unit": "2.0",
    "total_spent": "4.0",
    "payment_method": "Cash",
    "location": "In-store",
    "transaction_date": "2023-05-01",
}
CASES = [
    ("valid", {}, set()),
    ("off_menu", {"item": "Pizza"}, {"item_on_menu", "price_matches_menu"}),
    ("wrong_price", {"price_per_unit": "2.5", "total_spent": "5.0"}, {"price_matches_menu"}),
    ("wrong_total", {"total_spent": "5.0"}, {"total_equals_quantity_times_price"}),
    ("total_as_cents", {"total_spent": "4.00"}, set()),
    ("quantity_7", {"quantity": "7", "total_spent": "14.0"}, {"quantity_whole_1_to_5"}),
    ("quantity_decimal", {"quantity": "2.0"}, {"quantity_whole_1_to_5"}),
    ("not_a_day", {"transaction_date": "2023-02-29"}, {"transaction_date_in_2023"}),
    ("other_year", {"transaction_date": "2024-01-10"}, {"transaction_date_in_2023"}),
    ("bad_id", {"transaction_id": "TX_12"}, {"transaction_id_format"}),
    ("total_text", {"total_spent": "four"}, {"total_spent_is_amount"}),
    ("placeholder_item", {"item": "UNKNOWN"}, {"item_not_null"}),
    ("error_total", {"total_spent": "ERROR"}, {"total_spent_not_null"}),
    ("bitcoin", {"payment_method": "Bitcoin"}, {"payment_method_in_set"}),
    ("unknown_location", {"location": "UNKNOWN"}, {"location_not_null"}),
    ("empty_location", {"location": ""}, {"location_not_null"}),
]


@pytest.fixture(scope="module")
def findings_by_case() -> dict[str, set[str]]:
    """Validate one row per case with the committed cafe suite; the rules each row fails."""
    spec = load_dataset("dirty_cafe_sales", EXPECTATIONS_DIR)
    rows = []
    for n, (_, change, _) in enumerate(CASES):
        row = {**GOOD, **change}
        if "transaction_id" not in change:
            row["transaction_id"] = f"TXN_{2000000 + n}"
        rows.append(row)
    text = pd.DataFrame(rows)
    view = validation_view(text, pd.Series(range(len(text))), spec.missing_values)
    with borrowed_runner(spec.suite) as runner:
        findings = row_findings(runner.validate(view).findings)
    return {name: set(findings.loc[findings["record_id"] == i, "rule_name"]) for i, (name, _, _) in enumerate(CASES)}


@pytest.mark.parametrize(("name", "expected"), [(name, rules) for name, _, rules in CASES], ids=[c[0] for c in CASES])
def test_each_cafe_defect_is_caught_by_its_rule_only(
    findings_by_case: dict[str, set[str]], name: str, expected: set[str]
) -> None:
    """It flags the defect by the rule meant for it, and by no other."""
    assert findings_by_case[name] == expected
