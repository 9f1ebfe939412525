"""The cross-file check's pure part: which rows the ledger already has, resend or conflict, and what the rule says."""

from __future__ import annotations

import pandas as pd
import pytest

from flows.dataset import DatasetSpec
from flows.stages.ledger import NO_MATCHES, check_against_ledger, with_ledger_details
from flows.stages.transform import type_clean_rows
from flows.stages.validate import validation_view
from tests.factories import make_finding, make_frame, make_row


def loaded(spec: DatasetSpec, frame: pd.DataFrame, run: str = "run-1") -> pd.DataFrame:
    """Ledger rows as the storage layer returns them: who loaded each key, then the typed columns."""
    typed = type_clean_rows(validation_view(frame, pd.Series(range(1, len(frame) + 1))), spec).clean
    who = pd.DataFrame(
        {
            "key": frame["order_id"].to_numpy(),
            "earlier_record": list(typed.index),
            "earlier_run": run,
            "earlier_source": "monday.csv",
            "earlier_row": list(typed.index),
        },
        index=typed.index,
    )
    return pd.concat([who, typed[spec.column_names]], axis=1).reset_index(drop=True)


def check(spec: DatasetSpec, rows: list[dict[str, str]], ledger: pd.DataFrame) -> pd.DataFrame:
    frame = pd.DataFrame(rows, dtype="str")
    view = validation_view(frame, pd.Series(range(101, 101 + len(frame))), spec.missing_values)
    return check_against_ledger(view, spec, ledger).matches


def test_same_content_written_differently_is_a_resend(spec: DatasetSpec) -> None:
    """It compares typed values: 360 and 360.00 are the same revenue, so the row is a resend naming who loaded it."""
    found = check(spec, [make_row(order_id="ORD-0000002", revenue="360")], loaded(spec, make_frame(3)))
    assert found["resent"].tolist() == [True]
    assert found.loc[101, "details"] == (
        "resent: order_id ORD-0000002 was loaded by run run-1 from monday.csv (row 2, record 2) with the same "
        "content, and stays counted once"
    )


def test_other_content_is_a_conflict_naming_the_columns(spec: DatasetSpec) -> None:
    """It names every column that differs; a row that will not type differs from the typed row it repeats."""
    rows = [
        make_row(order_id="ORD-0000001", revenue="400.00", region="South"),
        make_row(order_id="ORD-0000003", quantity="two"),
        make_row(order_id="ORD-0000009"),
        make_row(order_id=""),
    ]
    found = check(spec, rows, loaded(spec, make_frame(3)))
    assert found.index.tolist() == [101, 102]  # a new key and a missing key are not in the ledger
    assert not found["resent"].any()
    assert found.loc[101, "details"].endswith("this row differs in region, revenue")
    assert found.loc[102, "details"].endswith("this row differs in values that do not type")


@pytest.mark.parametrize(("policy", "flagged", "replaces"), [("quarantine", 2, {}), ("supersede", 1, {102: 1})])
def test_the_policy_decides_what_the_rule_fails(spec: DatasetSpec, policy: str, flagged: int, replaces: dict) -> None:
    """Resends always fail the rule; conflicts fail it under quarantine and replace the earlier row under supersede."""
    frame = pd.DataFrame([make_row(order_id="ORD-0000002"), make_row(order_id="ORD-0000001", quantity="9")])
    view = validation_view(frame, pd.Series([101, 102]), spec.missing_values)
    result = check_against_ledger(view, spec, loaded(spec, make_frame(3)))
    assert len(result.flagged_keys(policy)) == flagged
    assert result.supersedes(policy).to_dict() == replaces


def test_details_replace_what_gx_reports_and_unknown_flags_are_an_error(spec: DatasetSpec) -> None:
    rule = spec.ledger_rule
    assert rule is not None
    frame = pd.DataFrame([make_row(order_id="ORD-0000002")])
    view = validation_view(frame, pd.Series([101]), spec.missing_values)
    result = check_against_ledger(view, spec, loaded(spec, make_frame(3)))
    findings = pd.DataFrame([make_finding(101, rule), make_finding(101)])
    detailed = with_ledger_details(findings, result, rule)
    assert (
        detailed.loc[0, "details"].startswith("resent: ") and detailed.loc[1, "details"] == findings.loc[1, "details"]
    )
    with pytest.raises(ValueError, match="did not find"):
        with_ledger_details(findings, NO_MATCHES, rule)
