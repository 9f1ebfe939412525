"""Tests for splitting records into clean and quarantined, with every reason kept."""

from __future__ import annotations

import json
from itertools import permutations
from typing import Any

import pandas as pd
import pytest

from flows.stages.route import CATEGORY_PRIORITY, EXCEPTION_COLUMNS, build_exceptions, split_failures
from flows.stages.validate import empty_findings
from tests.factories import make_finding, make_findings, make_frame, with_record_ids


@pytest.fixture
def text() -> pd.DataFrame:
    """Five rows as received, with record ids 11..15."""
    return with_record_ids(make_frame(5), first=11)


def _exception(exceptions: pd.DataFrame, record_id: int) -> dict[str, Any]:
    """The one exception row of a record, as a dict."""
    (row,) = exceptions[exceptions["original_record_id"] == record_id].to_dict("records")
    return {str(k): v for k, v in row.items()}


def _details(exceptions: pd.DataFrame, record_id: int) -> list[dict[str, Any]]:
    """The parsed error_details of one record's exception row."""
    return list(json.loads(_exception(exceptions, record_id)["error_details"]))


def test_halves_partition_the_input(text: pd.DataFrame) -> None:
    """It puts every record in exactly one half: the union is the input and the halves do not overlap."""
    findings = make_findings(
        make_finding(14),
        make_finding(12, severity="warning"),
        make_finding(12, error_category="MISSING_REQUIRED_FIELD"),
        make_finding(14, rule_name="other_rule"),
        make_finding(None, severity="warning"),
    )
    outcome = split_failures(text, findings)
    quarantined = pd.Index(outcome.exceptions["original_record_id"])
    assert outcome.clean_ids.intersection(quarantined).empty
    assert sorted(outcome.clean_ids.union(quarantined)) == sorted(text.index)
    assert len(outcome.clean_ids) + len(quarantined) == len(text)
    assert sorted(quarantined) == [12, 14]


def test_no_findings_means_all_clean(text: pd.DataFrame) -> None:
    """It passes every record on and quarantines none when there are no findings."""
    outcome = split_failures(text, empty_findings())
    assert outcome.clean_ids.equals(text.index)
    assert outcome.exceptions.empty
    assert list(outcome.exceptions.columns) == EXCEPTION_COLUMNS


def test_warning_alone_keeps_the_record_clean(text: pd.DataFrame) -> None:
    """It keeps a record whose only finding is a warning."""
    outcome = split_failures(text, make_findings(make_finding(13, severity="warning")))
    assert 13 in outcome.clean_ids
    assert outcome.exceptions.empty


def test_file_level_findings_quarantine_nothing(text: pd.DataFrame) -> None:
    """It quarantines no record for a finding that names no record, even an error."""
    outcome = split_failures(text, make_findings(make_finding(None, severity="error", control_type="SCHEMA")))
    assert outcome.clean_ids.equals(text.index)
    assert outcome.exceptions.empty


def test_one_exception_row_lists_every_reason(text: pd.DataFrame) -> None:
    """It writes one exception row per record listing all its findings, warnings too, and counts only errors."""
    findings = make_findings(
        make_finding(15, rule_name="revenue_non_negative", observed_value="-1.00"),
        make_finding(15, rule_name="quantity_not_unusually_large", severity="warning", observed_value="1500"),
        make_finding(15, rule_name="region_in_reference_set", observed_value="Nort"),
    )
    exceptions = split_failures(text, findings).exceptions
    assert exceptions["original_record_id"].tolist() == [15]
    assert exceptions["error_count"].tolist() == [2]
    details = _details(exceptions, 15)
    assert {d["rule"] for d in details} == {
        "revenue_non_negative",
        "quantity_not_unusually_large",
        "region_in_reference_set",
    }
    assert {d["rule"]: d["observed_value"] for d in details}["quantity_not_unusually_large"] == "1500"
    assert set(details[0]) == {"rule", "column", "error_category", "severity", "observed_value", "details"}


def test_reasons_stay_with_their_record(text: pd.DataFrame) -> None:
    """It attaches each record's own findings and raw values to its exception row, whatever the findings' order."""
    findings = make_findings(
        make_finding(14, rule_name="rule_for_14"),
        make_finding(12, rule_name="rule_for_12"),
        make_finding(14, rule_name="second_rule_for_14"),
    )
    exceptions = split_failures(text, findings).exceptions
    assert {d["rule"] for d in _details(exceptions, 12)} == {"rule_for_12"}
    assert {d["rule"] for d in _details(exceptions, 14)} == {"rule_for_14", "second_rule_for_14"}
    for record_id in (12, 14):
        assert json.loads(_exception(exceptions, record_id)["raw_data"]) == text.loc[record_id].to_dict()


@pytest.mark.parametrize(
    ("categories", "headline"),
    [
        pytest.param(list(pair), CATEGORY_PRIORITY[min(CATEGORY_PRIORITY.index(c) for c in pair)], id="+".join(pair))
        for pair in permutations(CATEGORY_PRIORITY, 2)
    ],
)
def test_headline_category_follows_priority(text: pd.DataFrame, categories: list[str], headline: str) -> None:
    """It headlines a record failing several rules with the most fundamental category, in any finding order."""
    findings = make_findings(*(make_finding(11, error_category=c, rule_name=c.lower()) for c in categories))
    exceptions = split_failures(text, findings).exceptions
    assert exceptions["error_category"].tolist() == [headline]


# Written out by hand (not derived from CATEGORY_PRIORITY): missing field > format error > business rule > quality.
HEADLINES = [
    (("DATA_QUALITY_ISSUE", "MISSING_REQUIRED_FIELD"), "MISSING_REQUIRED_FIELD"),
    (("DATA_FORMAT_ERROR", "MISSING_REQUIRED_FIELD"), "MISSING_REQUIRED_FIELD"),
    (("BUSINESS_RULE_VIOLATION", "MISSING_REQUIRED_FIELD"), "MISSING_REQUIRED_FIELD"),
    (("DATA_QUALITY_ISSUE", "DATA_FORMAT_ERROR"), "DATA_FORMAT_ERROR"),
    (("BUSINESS_RULE_VIOLATION", "DATA_FORMAT_ERROR"), "DATA_FORMAT_ERROR"),
    (("DATA_QUALITY_ISSUE", "BUSINESS_RULE_VIOLATION"), "BUSINESS_RULE_VIOLATION"),
    (("DATA_QUALITY_ISSUE", "BUSINESS_RULE_VIOLATION", "DATA_FORMAT_ERROR"), "DATA_FORMAT_ERROR"),
]


@pytest.mark.parametrize(("categories", "headline"), HEADLINES, ids=[h for _, h in HEADLINES])
@pytest.mark.parametrize("order", ["as listed", "reversed"])
def test_headline_category_literal_table(
    text: pd.DataFrame, categories: tuple[str, ...], headline: str, order: str
) -> None:
    """It headlines each hand-written combination of categories with the hand-written winner, in either order."""
    listed = list(categories) if order == "as listed" else list(reversed(categories))
    findings = make_findings(*(make_finding(11, error_category=c, rule_name=c.lower()) for c in listed))
    assert split_failures(text, findings).exceptions["error_category"].tolist() == [headline]


def test_priority_order() -> None:
    """It ranks a missing field above a format error, a business rule, a quality issue, and a key already loaded."""
    assert CATEGORY_PRIORITY == (
        "MISSING_REQUIRED_FIELD",
        "DATA_FORMAT_ERROR",
        "BUSINESS_RULE_VIOLATION",
        "DATA_QUALITY_ISSUE",
        "ALREADY_LOADED",
    )


def test_warning_category_never_headlines(text: pd.DataFrame) -> None:
    """It headlines with an error's category even when a warning has a higher-priority category."""
    findings = make_findings(
        make_finding(11, error_category="MISSING_REQUIRED_FIELD", severity="warning"),
        make_finding(11, error_category="DATA_QUALITY_ISSUE"),
    )
    assert split_failures(text, findings).exceptions["error_category"].tolist() == ["DATA_QUALITY_ISSUE"]


def test_raw_data_is_the_values_as_received() -> None:
    """It stores the values as received, as JSON: empty stays empty; quotes, commas and newlines survive."""
    odd = {"region": "", "product": 'Dairy, "fresh"\nline ₹', "revenue": "0012.50", "quantity": " 3"}
    text = with_record_ids(make_frame(0, [odd]), first=7)
    exceptions = split_failures(text, make_findings(make_finding(7))).exceptions
    assert json.loads(exceptions["raw_data"].iloc[0]) == text.loc[7].to_dict()


def test_error_details_are_valid_json_for_awkward_values(text: pd.DataFrame) -> None:
    """It writes error details as valid JSON even when an observed value holds quotes, commas or newlines."""
    awkward = 'a "quoted", value\nwith a newline'
    exceptions = split_failures(text, make_findings(make_finding(11, observed_value=awkward))).exceptions
    assert _details(exceptions, 11)[0]["observed_value"] == awkward


def test_stage_is_recorded(text: pd.DataFrame) -> None:
    """It stamps each exception with the pipeline stage that quarantined it."""
    findings = make_findings(make_finding(11))
    assert split_failures(text, findings).exceptions["pipeline_stage"].tolist() == ["validate"]
    assert build_exceptions(text.loc[[11]], findings, stage="transform")["pipeline_stage"].tolist() == ["transform"]


def test_build_exceptions_of_no_records() -> None:
    """It returns an empty exceptions frame with every column when there is nothing to quarantine."""
    empty = build_exceptions(with_record_ids(make_frame(0)), empty_findings(), stage="validate")
    assert empty.empty
    assert list(empty.columns) == EXCEPTION_COLUMNS
