"""Tests for running the GX suite over text rows and reading its results as findings (real GX, ephemeral)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pytest

from flows.dataset import DatasetSpec
from flows.generate import generate_sales
from flows.stages.keys import index_keys, with_file_wide_duplicates
from flows.stages.validate import FINDING_COLUMNS, TABLE_LEVEL, schema_rejection, validation_view
from flows.validation.results import ValidationCrashed
from flows.validation.runner import SuiteRunner
from tests.factories import COLUMNS, make_finding, make_findings, make_frame, rule_named

FIRST_ID = 101  # record ids deliberately differ from row positions


@pytest.fixture(scope="module")
def validator(sales_runner: SuiteRunner) -> Iterator[SuiteRunner]:
    """The session's runner for the sales suite."""
    yield sales_runner


def view_of(frame: pd.DataFrame, first: int = FIRST_ID) -> pd.DataFrame:
    """The validation view of a text frame, with record ids counting from `first`."""
    return validation_view(frame, pd.Series(range(first, first + len(frame))))


@dataclass(frozen=True)
class RowCase:
    """A row that breaks exactly one rule, and what the finding must say."""

    rule: str
    overrides: dict[str, str]
    category: str
    severity: str
    ids: tuple[int, ...] = (FIRST_ID + 2,)  # make_frame(2, [overrides]): the bad row is the third
    loaded: bool = False  # the bad row's key is one the ledger already has (the runner is told so)


ROW_CASES = [
    RowCase("order_id_not_null", {"order_id": ""}, "MISSING_REQUIRED_FIELD", "error"),
    RowCase("order_date_not_null", {"order_date": ""}, "MISSING_REQUIRED_FIELD", "error"),
    RowCase("region_not_null", {"region": ""}, "MISSING_REQUIRED_FIELD", "error"),
    RowCase("product_not_null", {"product": ""}, "MISSING_REQUIRED_FIELD", "error"),
    RowCase("quantity_not_null", {"quantity": ""}, "MISSING_REQUIRED_FIELD", "error"),
    RowCase("revenue_not_null", {"revenue": ""}, "MISSING_REQUIRED_FIELD", "error"),
    RowCase("order_id_unique", {"order_id": "ORD-0000001"}, "DATA_QUALITY_ISSUE", "error", (FIRST_ID, FIRST_ID + 2)),
    RowCase("order_id_not_in_ledger", {"order_id": "ORD-LOADED"}, "ALREADY_LOADED", "error", loaded=True),
    RowCase("order_date_iso_format", {"order_date": "2024-3-15"}, "DATA_FORMAT_ERROR", "error"),
    RowCase("order_date_calendar_date", {"order_date": "2024-02-30"}, "DATA_FORMAT_ERROR", "error"),
    RowCase("region_in_reference_set", {"region": "Nort"}, "DATA_QUALITY_ISSUE", "error"),
    RowCase("product_in_reference_set", {"product": "Pickles"}, "DATA_QUALITY_ISSUE", "error"),
    RowCase("quantity_is_integer", {"quantity": "2.5"}, "DATA_FORMAT_ERROR", "error"),
    RowCase("quantity_positive", {"quantity": "0"}, "BUSINESS_RULE_VIOLATION", "error"),
    RowCase("quantity_not_unusually_large", {"quantity": "1500"}, "DATA_QUALITY_ISSUE", "warning"),
    RowCase("revenue_is_amount", {"revenue": "12..50"}, "DATA_FORMAT_ERROR", "error"),
    RowCase("revenue_non_negative", {"revenue": "-10.00"}, "BUSINESS_RULE_VIOLATION", "error"),
]


def test_every_row_rule_has_a_case(spec: DatasetSpec) -> None:
    """It has one violation case per row-level rule of the suite, so a new rule cannot go untested."""
    row_rules = {r.name for r in spec.suite.rules if r.expectation_type not in TABLE_LEVEL}
    assert sorted(c.rule for c in ROW_CASES) == sorted(row_rules)


@dataclass(frozen=True)
class CaseResult:
    """A case's block of rows (two valid, then the case's row), its first record id, and its findings."""

    block: pd.DataFrame
    first_id: int
    findings: pd.DataFrame


@pytest.fixture(scope="module")
def case_results(validator: SuiteRunner) -> dict[str, CaseResult]:
    """Every row case in one GX validation (a call costs ~0.4 s): case i's block has record ids FIRST_ID + 3i.."""
    blocks = []
    for i, case in enumerate(ROW_CASES):
        block = make_frame(2, [case.overrides])
        blocks.append(block.assign(order_id=block["order_id"].str.replace("ORD-", f"ORD-{i:02d}")))  # unique per block
    loaded = [b["order_id"].iloc[-1] for b, c in zip(blocks, ROW_CASES, strict=True) if c.loaded]
    findings = validator.validate(view_of(pd.concat(blocks, ignore_index=True)), loaded).findings
    results = {}
    for i, (case, block) in enumerate(zip(ROW_CASES, blocks, strict=True)):
        first = FIRST_ID + 3 * i
        mine = findings[findings["record_id"].between(first, first + 2)]
        results[case.rule] = CaseResult(block=block, first_id=first, findings=mine)
    return results


@pytest.mark.parametrize("case", ROW_CASES, ids=[c.rule for c in ROW_CASES])
def test_row_breaking_one_rule(case_results: dict[str, CaseResult], spec: DatasetSpec, case: RowCase) -> None:
    """It reports a row breaking one rule as a finding for exactly that rule, record, category and severity."""
    result = case_results[case.rule]
    findings = result.findings
    assert set(findings["rule_name"]) == {case.rule}
    assert sorted(findings["record_id"].tolist()) == [i - FIRST_ID + result.first_id for i in case.ids]
    rule = rule_named(spec.suite, case.rule)
    assert (findings["rule_id"] == rule.rule_id).all()
    assert (findings["column_name"] == rule.column).all()
    assert (findings["error_category"] == case.category).all()
    assert (findings["severity"] == case.severity).all()
    received = result.block.iloc[-1][rule.column]
    observed = findings["observed_value"].iloc[-1]
    assert pd.isna(observed) if received == "" else observed == received


def test_valid_frame_has_no_findings(validator: SuiteRunner) -> None:
    """It reports nothing for a frame of valid rows, in the findings shape."""
    findings = validator.validate(view_of(make_frame(25))).findings
    assert findings.empty
    assert list(findings.columns) == list(FINDING_COLUMNS)


def test_row_breaking_several_rules(validator: SuiteRunner) -> None:
    """It reports every rule a row breaks, each as its own finding on that record."""
    bad = {"order_date": "", "region": "Nort", "quantity": "0", "revenue": "-5.00"}
    findings = validator.validate(view_of(make_frame(2, [bad]))).findings
    assert set(findings["rule_name"]) == {
        "order_date_not_null",
        "region_in_reference_set",
        "quantity_positive",
        "revenue_non_negative",
    }
    assert (findings["record_id"] == FIRST_ID + 2).all()


def test_every_failing_row_is_reported(validator: SuiteRunner) -> None:
    """It reports all failing rows by record id, not GX's default sample of twenty."""
    frame = make_frame(5, [{"region": "Nort"}] * 60)
    findings = validator.validate(view_of(frame, first=1000)).findings
    assert sorted(findings["record_id"].tolist()) == list(range(1005, 1065))


def test_unsorted_record_ids(validator: SuiteRunner) -> None:
    """It reports the record id of the failing row even when ids are not in file order."""
    frame = make_frame(2, [{"product": "Pickles"}])
    view = validation_view(frame, pd.Series([30, 10, 20]))
    assert validator.validate(view).findings["record_id"].tolist() == [20]


@pytest.mark.parametrize("missing", COLUMNS)
def test_missing_column_rejects_the_file(validator: SuiteRunner, missing: str) -> None:
    """It rejects a file without a required column, naming the column."""
    findings = validator.check_schema([c for c in COLUMNS if c != missing]).findings
    errors = findings[findings["severity"] == "error"]
    assert errors["rule_name"].tolist() == [f"{missing}_column_present"]
    assert errors["error_category"].tolist() == ["MISSING_REQUIRED_FIELD"]
    assert findings["record_id"].isna().all()
    assert schema_rejection(findings) == f"missing required columns: {missing}"


def test_several_missing_columns_are_all_named(validator: SuiteRunner) -> None:
    """It names every missing required column in the rejection."""
    findings = validator.check_schema(["order_id", "order_date", "product", "quantity"]).findings
    assert schema_rejection(findings) == "missing required columns: region, revenue"


def test_extra_column_is_a_warning(validator: SuiteRunner) -> None:
    """It reports an unexpected column as one file-level warning that does not reject the file."""
    findings = validator.check_schema([*COLUMNS, "salesperson"]).findings
    assert len(findings) == 1
    finding = findings.iloc[0]
    assert (finding["rule_name"], finding["severity"], finding["control_type"]) == (
        "no_unexpected_columns",
        "warning",
        "SCHEMA",
    )
    assert "salesperson" in finding["details"]
    assert pd.isna(finding["record_id"])
    assert schema_rejection(findings) is None


def test_expected_header_passes_the_schema(validator: SuiteRunner) -> None:
    """It finds nothing wrong with a header that has exactly the expected columns, in any order."""
    findings = validator.check_schema(list(reversed(COLUMNS))).findings
    assert findings.empty
    assert schema_rejection(findings) is None


def test_extra_column_in_rows_is_a_table_warning(validator: SuiteRunner) -> None:
    """It reports an extra column once for the file, not against any record, when validating rows."""
    frame = make_frame(3).assign(salesperson="Asha")
    findings = validator.validate(view_of(frame)).findings
    assert findings["rule_name"].tolist() == ["no_unexpected_columns"]
    assert findings["record_id"].isna().all()


def test_unevaluable_rule_raises(validator: SuiteRunner) -> None:
    """It raises rather than reporting "no failures" when a rule cannot be evaluated."""
    frame = make_frame(3).drop(columns="region")
    with pytest.raises(ValidationCrashed, match="region"):
        validator.validate(view_of(frame))


def test_schema_rejection_without_column_names_the_rules() -> None:
    """It names the failed file-level rules when no column is missing."""
    findings = make_findings(
        make_finding(None, rule_name="row_count_in_range", control_type="SCHEMA", column_name=None),
        make_finding(None, rule_name="no_unexpected_columns", control_type="SCHEMA", severity="warning"),
    )
    assert schema_rejection(findings) == "row_count_in_range"


def test_row_errors_do_not_reject_the_file() -> None:
    """It does not reject a file for row-level errors."""
    assert schema_rejection(make_findings(make_finding(3, severity="error"))) is None


def test_validation_view_nulls_empty_fields() -> None:
    """It shows GX empty fields as null, indexed by record id, and leaves the source frame as received."""
    frame = make_frame(1, [{"region": "", "product": " "}])
    view = validation_view(frame, pd.Series([7, 9]))
    assert view.index.tolist() == [7, 9] and view.index.name == "record_id"
    assert view["region"].isna().tolist() == [False, True]
    assert view["product"].tolist() == ["Sauces", " "]
    assert frame["region"].tolist() == ["North", ""]
    assert list(view.iloc[0]) == list(frame.iloc[0])


# Which rule must flag each defect the generator plants.
DEFECT_RULES: dict[str, tuple[str, ...]] = {
    "missing_order_date": ("order_date_not_null",),
    "malformed_order_date": ("order_date_iso_format", "order_date_calendar_date"),
    "negative_revenue": ("revenue_non_negative",),
    "non_numeric_revenue": ("revenue_is_amount",),
    "non_positive_quantity": ("quantity_positive",),
    "non_integer_quantity": ("quantity_is_integer",),
    "large_quantity": ("quantity_not_unusually_large",),
    "invalid_region": ("region_in_reference_set",),
    "unknown_product": ("product_in_reference_set",),
    "missing_order_id": ("order_id_not_null",),
    "exact_duplicate": ("order_id_unique",),
    "conflicting_duplicate": ("order_id_unique",),
}


def test_detects_exactly_the_planted_defects(validator: SuiteRunner, spec: DatasetSpec) -> None:
    """It flags, rule by rule, exactly the rows the generator's answer key lists (after duplicate resolution)."""
    generated = generate_sales(1000, 11)
    view = view_of(generated.frame, first=1)  # record id = 1-based data row
    index = index_keys([generated.frame], spec)
    positions = np.arange(len(generated.frame))
    findings = with_file_wide_duplicates(validator.validate(view).findings, index, positions, 1, spec.suite.rules)
    flagged: dict[str, set[Any]] = {
        str(rule): set(group["record_id"]) for rule, group in findings.groupby("rule_name", sort=False)
    }
    expected: dict[str, set[Any]] = {}
    for defect, rows in generated.answer_key.items():
        for rule in DEFECT_RULES[defect]:
            expected.setdefault(rule, set()).update(rows)
    malformed = set(generated.answer_key["malformed_order_date"])
    date_rules = ("order_date_iso_format", "order_date_calendar_date")
    assert set().union(*(flagged.pop(r, set()) for r in date_rules)) == malformed
    for rule in date_rules:
        expected.pop(rule)
    assert flagged == expected


def test_calendar_rule_agrees_with_the_calendar_for_every_date(spec: DatasetSpec) -> None:
    """It accepts exactly the real dates of 1900-2099 (leap years included) among all YYYY-MM-DD strings,
    and leaves other shapes to the ISO-format rule."""
    import datetime as dt
    import re

    rule = next(e for e in spec.suite.document["expectations"] if e["meta"]["rule"] == "order_date_calendar_date")
    pattern = re.compile(rule["kwargs"]["regex"])
    for year in range(1890, 2110):
        for month in range(14):
            for day in range(33):
                text = f"{year:04d}-{month:02d}-{day:02d}"
                try:
                    real = dt.date(year, month, day) is not None and 1900 <= year <= 2099
                except ValueError:
                    real = False
                assert bool(pattern.search(text)) is real, text
    for other_shape in ("25/12/2024", "2024-1-5", "not a date", "2024/12/25"):
        assert pattern.search(other_shape), other_shape
