"""Duplicate semantics on the business key, exact across chunk boundaries."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from flows.dataset import DatasetSpec, Rule
from flows.stages.keys import KeyIndex, duplicate_findings, index_keys, with_file_wide_duplicates
from tests.factories import make_finding, make_findings, make_frame, make_row, rule_named


@pytest.fixture
def unique_rule(spec: DatasetSpec) -> Rule:
    """The suite's DUPLICATE rule on order_id."""
    return rule_named(spec.suite, "order_id_unique")


def index_of(rows: list[dict[str, str]], spec: DatasetSpec, chunk: int = 1000) -> KeyIndex:
    """The key index of `rows`, read in chunks of `chunk` rows as the pipeline does."""
    frame = pd.DataFrame(rows, dtype="str")
    return index_keys((frame.iloc[i : i + chunk] for i in range(0, len(frame), chunk)), spec)


def details_of(index: KeyIndex, rule: Rule, first_id: int = 1) -> dict[int, str]:
    """Duplicate finding details keyed by record id, over the whole file."""
    findings = duplicate_findings(index, np.arange(index.rows), first_id, rule)
    return dict(zip(findings["record_id"].astype(int), findings["details"], strict=True))


def test_exact_duplicate_keeps_the_first_copy(spec: DatasetSpec, unique_rule: Rule) -> None:
    """It raises no finding for the first exact copy and names it as kept on the later copy."""
    a, b = make_row(order_id="ORD-1"), make_row(order_id="ORD-2")
    assert details_of(index_of([a, b, a], spec), unique_rule) == {3: "exact duplicate of record 1, which was kept"}


def test_every_later_exact_copy_names_the_kept_record(spec: DatasetSpec, unique_rule: Rule) -> None:
    """It quarantines every later exact copy, each naming the first record as the one kept."""
    a = make_row(order_id="ORD-1")
    index = index_of([a, a, make_row(order_id="ORD-2"), a], spec)
    assert details_of(index, unique_rule, first_id=50) == {
        51: "exact duplicate of record 50, which was kept",
        53: "exact duplicate of record 50, which was kept",
    }


def test_conflicting_duplicates_are_all_quarantined(spec: DatasetSpec, unique_rule: Rule) -> None:
    """It raises a finding for every record sharing a key with different content, naming the first."""
    index = index_of([make_row(order_id="ORD-1"), make_row(order_id="ORD-1", quantity="4", revenue="480.00")], spec)
    expected = "conflicting duplicate: order_id ORD-1 is used by 2 records with different content (first: record 1)"
    assert details_of(index, unique_rule) == {1: expected, 2: expected}


def test_exact_copies_plus_a_conflict_are_all_quarantined(spec: DatasetSpec, unique_rule: Rule) -> None:
    """It quarantines every member of a key when any member's content differs, even identical ones."""
    a = make_row(order_id="ORD-1")
    details = details_of(index_of([a, a, make_row(order_id="ORD-1", region="South")], spec), unique_rule)
    assert sorted(details) == [1, 2, 3]
    assert all(d.startswith("conflicting duplicate") and "used by 3 records" in d for d in details.values())


def test_keys_are_resolved_independently(spec: DatasetSpec, unique_rule: Rule) -> None:
    """It decides exact or conflicting per key when several keys repeat."""
    a, b = make_row(order_id="ORD-A"), make_row(order_id="ORD-B")
    details = details_of(index_of([a, b, a, make_row(order_id="ORD-B", product="Dairy")], spec), unique_rule)
    assert sorted(details) == [2, 3, 4]
    assert details[3] == "exact duplicate of record 1, which was kept"
    assert details[2].startswith("conflicting duplicate: order_id ORD-B") and details[2] == details[4]


@pytest.mark.parametrize("chunk", [1, 2, 3, 1000])
def test_duplicates_split_across_chunks_are_found_exactly(spec: DatasetSpec, unique_rule: Rule, chunk: int) -> None:
    """It gives the same findings whatever the chunk size, copies far apart included."""
    a, c = make_row(order_id="ORD-A"), make_row(order_id="ORD-C")
    rows = [a, make_row(order_id="ORD-B"), c, a, make_row(order_id="ORD-D"), make_row(order_id="ORD-C", region="West")]
    details = details_of(index_of(rows, spec, chunk), unique_rule)
    assert details[4] == "exact duplicate of record 1, which was kept"
    assert sorted(details) == [3, 4, 6]


def test_only_the_asked_positions_get_findings(spec: DatasetSpec, unique_rule: Rule) -> None:
    """It reports, for one chunk, only the members inside that chunk, with file-wide record ids."""
    a = make_row(order_id="ORD-A")
    index = index_of([a, make_row(order_id="ORD-B"), a, a], spec)
    findings = duplicate_findings(index, np.array([2, 3]), 101, unique_rule)
    assert findings["record_id"].tolist() == [103, 104]
    assert set(findings["details"]) == {"exact duplicate of record 101, which was kept"}


def test_empty_keys_are_not_duplicates(spec: DatasetSpec, unique_rule: Rule) -> None:
    """It leaves rows without an order_id to the not-null rule."""
    blank = make_row(order_id="")
    assert details_of(index_of([blank, blank, make_row(order_id="ORD-1")], spec), unique_rule) == {}


def test_extra_columns_do_not_make_a_conflict(spec: DatasetSpec, unique_rule: Rule) -> None:
    """It compares only the spec's columns, so copies differing in an extra column are exact duplicates."""
    frame = make_frame(0, [{"order_id": "ORD-1"}, {"order_id": "ORD-1"}]).assign(note=["first", "second"])
    index = index_keys([frame], spec)
    assert details_of(index, unique_rule) == {2: "exact duplicate of record 1, which was kept"}


def test_counts_rows_and_keeps_the_header(spec: DatasetSpec) -> None:
    """It counts every row over all chunks and keeps the header as read."""
    index = index_of([make_row(order_id=f"ORD-{i}") for i in range(7)], spec, chunk=3)
    assert index.rows == 7
    assert index.header == ("order_id", "order_date", "region", "product", "quantity", "revenue")
    assert index.members.empty


def test_gx_findings_are_replaced_by_file_wide_ones(spec: DatasetSpec, unique_rule: Rule) -> None:
    """It swaps GX's per-chunk duplicate findings for the file-wide ones and leaves other findings alone."""
    a = make_row(order_id="ORD-1", region="Nort")
    index = index_of([a, a], spec)
    region = rule_named(spec.suite, "region_in_reference_set")
    gx = make_findings(
        make_finding(1, region, observed_value="Nort"),
        make_finding(2, region, observed_value="Nort"),
        make_finding(1, unique_rule, observed_value="ORD-1"),
        make_finding(2, unique_rule, observed_value="ORD-1"),
    )
    merged = with_file_wide_duplicates(gx, index, np.array([0, 1]), 1, spec.suite.rules)
    assert merged.loc[merged["rule_name"] == "region_in_reference_set", "record_id"].tolist() == [1, 2]
    assert merged.loc[merged["rule_name"] == "order_id_unique", "record_id"].tolist() == [2]


def test_a_duplicate_gx_saw_but_the_index_missed_is_an_error(spec: DatasetSpec, unique_rule: Rule) -> None:
    """It refuses to continue when GX flags a duplicate the file-wide index does not know."""
    index = index_of([make_row(order_id="ORD-1"), make_row(order_id="ORD-2")], spec)
    gx = make_findings(make_finding(1, unique_rule, observed_value="ORD-1"))
    with pytest.raises(ValueError, match="key index does not know"):
        with_file_wide_duplicates(gx, index, np.array([0, 1]), 1, spec.suite.rules)
