"""Tests for the custom product expectation: the pure row check, and real GX through the pipeline's validator."""

from __future__ import annotations

import json
import string
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
import pytest

from flows.dataset import load_suite
from flows.stages.validate import validation_view
from flows.validation.extensions import ExpectMulticolumnProductToEqualLast, minor_units, product_equals_last
from flows.validation.runner import SuiteOutcome, SuiteRunner

FIRST_ID = 101  # record ids deliberately differ from row positions
TYPE = "expect_multicolumn_product_to_equal_last"
LINE = ["quantity", "unit_price", "line_total"]
CONVERTED = ["boxes", "box_price", "fx_rate", "converted_total"]  # its own columns, so cases stay independent
VALID_ROW = {
    **{"quantity": "2", "unit_price": "1.50", "line_total": "3.00"},
    **{"boxes": "2", "box_price": "1.50", "fx_rate": "2", "converted_total": "6.00"},
}


def rule(name: str, columns: list[str], number: int, **kwargs: Any) -> dict[str, Any]:
    """One suite entry for the product expectation, with the pipeline's meta."""
    return {
        "type": TYPE,
        "id": f"00000000-0000-4000-8000-{number:012d}",
        "kwargs": {"column_list": columns, **kwargs},
        "meta": {
            "rule": name,
            "control_type": "BUSINESS_RULE",
            "error_category": "BUSINESS_RULE_VIOLATION",
            "severity": "error",
        },
    }


SUITE_DOCUMENT: dict[str, Any] = {
    "name": "products",
    "id": "5a1e5000-0000-4000-8000-0000000000ff",
    "meta": {"dataset": "test"},
    "expectations": [
        rule("line_total_matches", LINE, 1),
        rule("line_total_whole_units", LINE, 2, decimal_places=0),
        rule("converted_total_matches", CONVERTED, 3, decimal_places=2),
    ],
}


@pytest.fixture(scope="module")
def validator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SuiteRunner]:
    """The suite written as a JSON file and loaded as the pipeline loads suites; GX costs seconds, so once."""
    folder = tmp_path_factory.mktemp("expectations")
    (folder / "products.json").write_text(json.dumps(SUITE_DOCUMENT, indent=2), encoding="utf-8")
    yield SuiteRunner(load_suite("products", folder))


def outcome_of(validator: SuiteRunner, rows: list[dict[str, str]]) -> SuiteOutcome:
    """Validate valid-by-default text rows (ids from FIRST_ID) through the pipeline's runner."""
    frame = pd.DataFrame([{**VALID_ROW, **r} for r in rows], columns=list(VALID_ROW), dtype="str")
    return validator.validate(validation_view(frame, pd.Series(range(FIRST_ID, FIRST_ID + len(frame)))))


def failing_ids(validator: SuiteRunner, rows: list[dict[str, str]]) -> dict[str, list[int]]:
    """The failing record ids of each rule, for valid-by-default text rows."""
    findings = outcome_of(validator, rows).findings
    return {str(name): sorted(group["record_id"].tolist()) for name, group in findings.groupby("rule_name")}


def line(quantity: str, unit_price: str, line_total: str) -> dict[str, str]:
    """A row overriding only the line columns."""
    return {"quantity": quantity, "unit_price": unit_price, "line_total": line_total}


# --- the row check itself (fast, no GX) ---

PASSING = [
    ("3", "1.5", "4.50"),
    ("3", "1.5", "4.5"),
    ("3", "1.1", "3.3"),  # 3 * 1.1 is 3.3000000000000003 in floats
    ("3", "0.1", "0.3"),  # 0.1 * 3 is 0.30000000000000004
    ("0.1", "0.2", "0.02"),
    ("0.5", "2.01", "1.01"),  # the decimal tie 1.005 rounds away from zero, though the float is 1.00499...
    ("3", "0.335", "1.005"),  # both sides 1.005 at 2 places -> 1.01
    ("-1", "1.005", "-1.01"),
    ("1", "1.004", "1.00"),
    ("12", "19.99", "239.88"),
    ("0", "123.45", "0"),
    ("100000", "12345.67", "1234567000"),
]
FAILING = [
    ("3", "1.1", "3.31"),
    ("3", "1.5", "4.49"),
    ("0.5", "2.01", "1.00"),
    ("-1", "1.5", "1.50"),
    ("2", "2", "5"),
]


@pytest.mark.parametrize("row", PASSING, ids=["*".join(r) for r in PASSING])
def test_product_matches(row: tuple[str, str, str]) -> None:
    """It passes rows whose product equals the total at 2 places, despite float error and decimal ties."""
    frame = pd.DataFrame([row], columns=LINE, dtype="str")
    assert product_equals_last(frame, 2).tolist() == [True]


@pytest.mark.parametrize("row", FAILING, ids=["*".join(r) for r in FAILING])
def test_product_mismatch(row: tuple[str, str, str]) -> None:
    """It fails rows whose product differs from the total by a minor unit or more."""
    frame = pd.DataFrame([row], columns=LINE, dtype="str")
    assert product_equals_last(frame, 2).tolist() == [False]


@pytest.mark.parametrize("value", ["abc", "1,5", "N/A", "inf", "nan", "", None])
def test_unparseable_row_passes(value: str | None) -> None:
    """It passes a row it cannot evaluate, in a factor or in the total; format rules report those."""
    frame = pd.DataFrame([[value, "2", "99"], ["2", "2", value]], columns=LINE, dtype="str")
    assert product_equals_last(frame, 2).tolist() == [True, True]


def test_check_keeps_the_index() -> None:
    """It returns one flag per row, on the frame's own (record id) index."""
    frame = pd.DataFrame([line("2", "2", "4"), line("2", "2", "5")], index=[7, 3], dtype="str")
    result = product_equals_last(frame, 2)
    assert result.index.tolist() == [7, 3]
    assert result.tolist() == [True, False]


def test_minor_units_round_half_away_from_zero() -> None:
    """It rounds to whole minor units half away from zero, as the transform stage does."""
    values = np.array([1.005, -1.005, 2.5, -2.5, 0.125, 1e-9])
    assert minor_units(values, 2).tolist() == [101, -101, 250, -250, 13, 0]
    assert minor_units(values, 0).tolist() == [1, -1, 3, -3, 0, 0]


# --- real GX, through the pipeline's validator ---


def test_matching_rows_pass(validator: SuiteRunner) -> None:
    """It reports nothing for rows whose products match, "4.50" and "4.5" alike, and float pitfalls included."""
    assert failing_ids(validator, [line(*row) for row in PASSING]) == {}


def test_mismatch_reported_by_record_id(validator: SuiteRunner) -> None:
    """It reports a row whose total is off by a cent under its record id, and only under the 2-place rule."""
    found = failing_ids(validator, [line("2", "1.5", "3"), line("3", "1.1", "3.31"), line("3", "1.1", "3.3")])
    assert found == {"line_total_matches": [FIRST_ID + 1]}


def test_findings_name_the_rule(validator: SuiteRunner) -> None:
    """It files the finding with the rule's type and meta; there is no single column to name."""
    frame = pd.DataFrame([{**VALID_ROW, "line_total": "9.99"}], dtype="str")
    findings = validator.validate(validation_view(frame, pd.Series([42]))).findings
    finding = findings[findings["rule_name"] == "line_total_matches"].iloc[0]
    assert finding["record_id"] == 42
    assert finding["expectation_type"] == TYPE
    assert finding["error_category"] == "BUSINESS_RULE_VIOLATION"
    assert pd.isna(finding["column_name"])


def test_whole_units(validator: SuiteRunner) -> None:
    """With decimal_places=0 it compares whole units: 2 × 1.25 = 2.50 rounds to 3, and 3.31 to 3."""
    found = failing_ids(validator, [line("2", "1.25", "3"), line("3", "1.1", "3.31"), line("2", "1.25", "2")])
    assert found["line_total_whole_units"] == [FIRST_ID + 2]
    assert found["line_total_matches"] == [FIRST_ID, FIRST_ID + 1, FIRST_ID + 2]


def test_non_numeric_and_null_not_reported(validator: SuiteRunner) -> None:
    """It reports no row holding an empty or non-numeric value, in any position."""
    rows = [line("abc", "2", "1"), line("2", "", "1"), line("2", "2", "four"), line("", "", ""), line("1,5", "2", "3")]
    rows.append({"fx_rate": "n/a", "converted_total": "1"})
    assert failing_ids(validator, rows) == {}


def test_three_factors(validator: SuiteRunner) -> None:
    """It multiplies every column but the last: 2 × 1.50 × 0.1 is 0.30."""
    rows = [{"fx_rate": "0.1", "converted_total": "0.30"}, {"fx_rate": "0.1", "converted_total": "0.31"}]
    assert failing_ids(validator, rows) == {"converted_total_matches": [FIRST_ID + 1]}


def test_result_lists_every_failing_row(validator: SuiteRunner) -> None:
    """It gives GX one row id per failure, with missing rows counted as skipped, not failed."""
    outcome = outcome_of(validator, [line("2", "2", "5")] * 30 + [line("", "2", "4")])
    result = next(r for r in outcome.docs_result.results if r.expectation_config.kwargs.get("decimal_places") == 0)
    assert result.result["unexpected_count"] == 30
    assert len(result.result["unexpected_index_list"]) == 30
    assert result.result["missing_count"] == 1


# --- configuration, serialisation, rendering ---


def test_suite_round_trips_through_json() -> None:
    """It survives suite -> JSON text -> suite with its type and kwargs, defaults left implicit."""
    from great_expectations.core import ExpectationSuite

    suite = ExpectationSuite(**json.loads(json.dumps(SUITE_DOCUMENT)))
    again = ExpectationSuite(**json.loads(json.dumps(suite.to_json_dict())))
    assert [e.configuration for e in again.expectations] == [e.configuration for e in suite.expectations]
    first, whole_units, _ = (e.configuration.to_json_dict() for e in again.expectations)
    assert first["type"] == TYPE
    assert first["kwargs"] == {"column_list": LINE}
    assert whole_units["kwargs"] == {"column_list": LINE, "decimal_places": 0}
    assert isinstance(again.expectations[0], ExpectMulticolumnProductToEqualLast)


def test_defaults() -> None:
    """It defaults to 2 decimal places and skips rows with any missing value."""
    expectation = ExpectMulticolumnProductToEqualLast(column_list=LINE)
    assert expectation.decimal_places == 2
    assert expectation.ignore_row_if == "any_value_is_missing"


@pytest.mark.parametrize(
    "kwargs",
    [
        {"column_list": ["quantity", "line_total"]},
        {"column_list": LINE, "decimal_places": -1},
        {"column_list": LINE, "decimal_places": 13},
        {"column_list": LINE, "decimal_places": "2"},
        {"column_list": LINE, "decimal_places": 1.5},
    ],
)
def test_rejects_bad_configuration(kwargs: dict[str, Any]) -> None:
    """It refuses fewer than two factors, and decimal places that are not a whole number from 0 to 12."""
    from great_expectations.compatibility import pydantic

    with pytest.raises(pydantic.ValidationError):
        ExpectMulticolumnProductToEqualLast(**kwargs)


def rendered_text(content: Any) -> str:
    """A rendered string template with its params filled in."""
    template = content.string_template if hasattr(content, "string_template") else content.to_json_dict()["value"]
    params = {k: v["value"] if isinstance(v, dict) else v for k, v in template["params"].items()}
    return string.Template(template["template"]).substitute(params)


def test_prescriptive_sentence() -> None:
    """It reads as a sentence in Data Docs (legacy renderer) and in the atomic rendered content."""
    expectation = ExpectMulticolumnProductToEqualLast(column_list=CONVERTED, decimal_places=3, mostly=0.95)
    (legacy,) = ExpectMulticolumnProductToEqualLast._prescriptive_renderer(configuration=expectation.configuration)
    expected = (
        "Product of columns boxes × box_price × fx_rate must equal converted_total"
        " (to 3 decimal places), at least 95 % of the time."
    )
    assert rendered_text(legacy) == expected
    expectation.render()
    assert [rendered_text(c) for c in expectation.rendered_content or []] == [expected]


def test_data_docs_pages_render(validator: SuiteRunner) -> None:
    """It renders into the suite and validation-result pages of Data Docs, readably and without crashing."""
    from great_expectations.core import ExpectationSuite
    from great_expectations.render.renderer import ExpectationSuitePageRenderer, ValidationResultsPageRenderer
    from great_expectations.render.view import DefaultJinjaPageView

    outcome = outcome_of(validator, [line("2", "2", "5")])
    suite = ExpectationSuite(**SUITE_DOCUMENT)
    pages = [
        DefaultJinjaPageView().render(ExpectationSuitePageRenderer().render(suite)),
        DefaultJinjaPageView().render(ValidationResultsPageRenderer().render(outcome.docs_result)),
    ]
    for html in pages:
        assert "Product of columns" in html
        assert "$column_list" not in html
        assert "decimal places" in html
