"""Tests for duplicate semantics on the business key: keep the first exact copy, quarantine the rest."""

from __future__ import annotations

from typing import Any

import pandas as pd
import pytest

from flows.dataset import DatasetSpec, Rule
from flows.stages.duplicates import resolve_duplicates
from flows.stages.validate import validation_view
from tests.factories import make_finding, make_findings, make_frame, make_row, rule_named


@pytest.fixture
def unique_rule(spec: DatasetSpec) -> Rule:
    """The suite's DUPLICATE rule on order_id."""
    return rule_named(spec.suite, "order_id_unique")


def view_of(rows: list[dict[str, str]], first: int = 1) -> pd.DataFrame:
    """A validation view of `rows` (full rows), record ids counting from `first`."""
    frame = pd.DataFrame(rows, dtype="str")
    return validation_view(frame, pd.Series(range(first, first + len(frame))))


def dup_findings(rule: Rule, view: pd.DataFrame, *ids: int, **extra: Any) -> pd.DataFrame:
    """The findings GX reports for a repeated key: one per member, in record order."""
    return make_findings(*(make_finding(i, rule, observed_value=view.loc[i, "order_id"], **extra) for i in ids))


def by_record(findings: pd.DataFrame) -> dict[int, str]:
    """Finding details keyed by record id."""
    return dict(zip(findings["record_id"].astype(int), findings["details"], strict=True))


def test_exact_duplicate_keeps_the_first_copy(spec: DatasetSpec, unique_rule: Rule) -> None:
    """It drops the first exact copy's finding and names it as kept on the later copy."""
    a, b = make_row(order_id="ORD-1"), make_row(order_id="ORD-2")
    view = view_of([a, b, a])
    resolved = resolve_duplicates(view, dup_findings(unique_rule, view, 1, 3), spec)
    assert by_record(resolved) == {3: "exact duplicate of record 1, which was kept"}


def test_every_later_exact_copy_names_the_kept_record(spec: DatasetSpec, unique_rule: Rule) -> None:
    """It quarantines every later exact copy, each naming the first record as the one kept."""
    a = make_row(order_id="ORD-1")
    view = view_of([a, a, make_row(order_id="ORD-2"), a], first=50)
    resolved = resolve_duplicates(view, dup_findings(unique_rule, view, 50, 51, 53), spec)
    assert by_record(resolved) == {
        51: "exact duplicate of record 50, which was kept",
        53: "exact duplicate of record 50, which was kept",
    }


def test_conflicting_duplicates_are_all_quarantined(spec: DatasetSpec, unique_rule: Rule) -> None:
    """It keeps a finding for every record sharing a key with different content, naming the first."""
    view = view_of([make_row(order_id="ORD-1"), make_row(order_id="ORD-1", quantity="4", revenue="480.00")])
    resolved = resolve_duplicates(view, dup_findings(unique_rule, view, 1, 2), spec)
    expected = "conflicting duplicate: order_id ORD-1 is used by 2 records with different content (first: record 1)"
    assert by_record(resolved) == {1: expected, 2: expected}


def test_exact_copies_plus_a_conflict_are_all_quarantined(spec: DatasetSpec, unique_rule: Rule) -> None:
    """It quarantines every member of a key when any member's content differs, even identical ones."""
    a = make_row(order_id="ORD-1")
    view = view_of([a, a, make_row(order_id="ORD-1", region="South")])
    resolved = resolve_duplicates(view, dup_findings(unique_rule, view, 1, 2, 3), spec)
    assert sorted(by_record(resolved)) == [1, 2, 3]
    assert all(d.startswith("conflicting duplicate") and "used by 3 records" in d for d in resolved["details"])


def test_keys_are_resolved_independently(spec: DatasetSpec, unique_rule: Rule) -> None:
    """It decides exact or conflicting per key when several keys repeat."""
    a, b = make_row(order_id="ORD-A"), make_row(order_id="ORD-B")
    view = view_of([a, b, a, make_row(order_id="ORD-B", product="Dairy")])
    resolved = resolve_duplicates(view, dup_findings(unique_rule, view, 1, 2, 3, 4), spec)
    details = by_record(resolved)
    assert sorted(details) == [2, 3, 4]
    assert details[3] == "exact duplicate of record 1, which was kept"
    assert details[2].startswith("conflicting duplicate: order_id ORD-B") and details[2] == details[4]


def test_other_findings_are_untouched(spec: DatasetSpec, unique_rule: Rule) -> None:
    """It leaves non-duplicate findings (even on the kept copy) exactly as they were."""
    a = make_row(order_id="ORD-1", region="Nort")
    view = view_of([a, a])
    region = rule_named(spec.suite, "region_in_reference_set")
    findings = pd.concat(
        [
            make_findings(
                make_finding(1, region, observed_value="Nort"), make_finding(2, region, observed_value="Nort")
            ),
            dup_findings(unique_rule, view, 1, 2),
        ],
        ignore_index=True,
    )
    resolved = resolve_duplicates(view, findings, spec)
    kept = resolved[resolved["rule_name"] == "region_in_reference_set"].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, findings.iloc[:2].reset_index(drop=True))
    assert resolved.loc[resolved["rule_name"] == "order_id_unique", "record_id"].tolist() == [2]


def test_no_duplicate_findings_is_a_no_op(spec: DatasetSpec) -> None:
    """It returns the findings unchanged when none is a duplicate finding."""
    view = view_of([make_row(region="Nort")])
    findings = make_findings(make_finding(1, rule_named(spec.suite, "region_in_reference_set")))
    pd.testing.assert_frame_equal(resolve_duplicates(view, findings, spec), findings)


def test_file_level_duplicate_finding_is_ignored(spec: DatasetSpec, unique_rule: Rule) -> None:
    """It leaves a duplicate finding that names no record alone."""
    view = view_of([make_row()])
    findings = make_findings(make_finding(None, unique_rule))
    pd.testing.assert_frame_equal(resolve_duplicates(view, findings, spec), findings)


def test_extra_columns_do_not_make_a_conflict(spec: DatasetSpec, unique_rule: Rule) -> None:
    """It compares only the spec's columns, so copies differing in an extra column are exact duplicates."""
    frame = make_frame(0, [{"order_id": "ORD-1"}, {"order_id": "ORD-1"}]).assign(note=["first", "second"])
    view = validation_view(frame, pd.Series([1, 2]))
    resolved = resolve_duplicates(view, dup_findings(unique_rule, view, 1, 2), spec)
    assert by_record(resolved) == {2: "exact duplicate of record 1, which was kept"}
