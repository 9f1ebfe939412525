"""Route: split records into clean and quarantined; every quarantined record carries all its reasons."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from flows.constants import ErrorCategory
from flows.stages.json_rows import to_json_rows

# When a record fails several rules, its headline category is the most fundamental one.
CATEGORY_PRIORITY = tuple(ErrorCategory)
DETAIL_COLUMNS = ["rule_name", "column_name", "error_category", "severity", "observed_value", "details"]
EXCEPTION_COLUMNS = [
    "original_record_id",
    "error_category",
    "pipeline_stage",
    "error_count",
    "error_details",
    "raw_data",
]


@dataclass(frozen=True)
class RoutingOutcome:
    """Both halves of the split: the ids that go on, and the exception rows."""

    clean_ids: pd.Index
    exceptions: pd.DataFrame


def split_failures(text: pd.DataFrame, findings: pd.DataFrame, stage: str = "validate") -> RoutingOutcome:
    """Quarantine every record with an error-severity finding; the union of both halves is `text`."""
    row_findings = findings[findings["record_id"].notna()]
    failed = row_findings.loc[row_findings["severity"] == "error", "record_id"].drop_duplicates()
    failed_ids = pd.Index(failed.to_numpy(dtype="int64"), name="record_id")
    return RoutingOutcome(
        clean_ids=text.index.difference(failed_ids, sort=False),
        exceptions=build_exceptions(text.loc[failed_ids], row_findings, stage),
    )


def build_exceptions(text: pd.DataFrame, findings: pd.DataFrame, stage: str) -> pd.DataFrame:
    """One exception row per record of `text`, listing every finding about it (warnings included)."""
    if text.empty:
        return pd.DataFrame({c: pd.Series([], dtype="object") for c in EXCEPTION_COLUMNS})
    ids = text.index.to_numpy(dtype="int64")
    mine = findings[findings["record_id"].isin(ids)].sort_values(["record_id", "severity"], kind="stable")
    as_json = pd.Series(
        to_json_rows(mine[DETAIL_COLUMNS].rename(columns={"rule_name": "rule", "column_name": "column"})),
        index=mine["record_id"].to_numpy(dtype="int64"),
    )
    grouped = as_json.groupby(level=0, sort=False)
    errors = mine[mine["severity"] == "error"]
    rank = errors["error_category"].map({c: i for i, c in enumerate(CATEGORY_PRIORITY)})
    headline = pd.Series(rank.to_numpy(), index=errors["record_id"].to_numpy(dtype="int64")).groupby(level=0).min()
    return pd.DataFrame(
        {
            "original_record_id": ids,
            "error_category": headline.reindex(ids).map(dict(enumerate(CATEGORY_PRIORITY))).to_numpy(),
            "pipeline_stage": stage,
            "error_count": errors.groupby("record_id").size().reindex(ids).to_numpy(dtype="int64"),
            "error_details": ("[" + grouped.agg(",".join) + "]").reindex(ids).to_numpy(),
            "raw_data": to_json_rows(text),
        }
    )
