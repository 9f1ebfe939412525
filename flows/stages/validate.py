"""Validate, the pure part: the frame GX sees, and findings as frames (one row per failed check per record).

The GX suite is the single source of truth for the rules; `flows.validation` runs it. This module
shapes what goes in (text values, missing markers as null, indexed by record id) and what comes out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd

from flows.constants import RECORD_ID, ControlType, Severity
from flows.suite import Rule

FINDING_COLUMNS = (
    RECORD_ID,
    "rule_id",
    "rule_name",
    "expectation_type",
    "column_name",
    "control_type",
    "error_category",
    "severity",
    "observed_value",
    "details",
)
TABLE_LEVEL = ("expect_column_to_exist", "expect_table_columns_to_match_set")


def validation_view(
    source_frame: pd.DataFrame, record_ids: pd.Series, missing_values: Sequence[str] = ("",)
) -> pd.DataFrame:
    """The frame GX sees: the file's columns as text, indexed by record id; missing values are null.

    `missing_values` are the dataset's "no value" markers: the empty field, and for example the
    placeholders `ERROR` and `UNKNOWN` (the raw table and the exceptions keep them as received).
    """
    if tuple(missing_values) == ("",):
        view = source_frame.where(source_frame != "", None)
    else:
        view = source_frame.where(~source_frame.isin(list(missing_values)), None)
    view.index = pd.Index(record_ids.to_numpy(), name=RECORD_ID)
    return view


def empty_findings() -> pd.DataFrame:
    """A findings frame with no rows."""
    frame = pd.DataFrame({c: pd.Series([], dtype="str") for c in FINDING_COLUMNS})
    frame[RECORD_ID] = frame[RECORD_ID].astype("Int64")
    return frame


def as_findings(rule: Rule, ids: pd.Series, values: Any, details: Any) -> pd.DataFrame:
    """Findings of one rule: one row per record id, with the observed values and details."""
    return pd.DataFrame(
        {
            RECORD_ID: ids,
            "rule_id": rule.rule_id,
            "rule_name": rule.name,
            "expectation_type": rule.expectation_type,
            "column_name": rule.column,
            "control_type": rule.control_type,
            "error_category": rule.error_category,
            "severity": rule.severity,
            "observed_value": values,
            "details": details,
        }
    )


def schema_rejection(findings: pd.DataFrame) -> str | None:
    """The one-line reason a file fails its error-severity file-level rules, or None."""
    failed = findings[(findings["control_type"] == ControlType.SCHEMA) & (findings["severity"] == Severity.ERROR)]
    if failed.empty:
        return None
    missing = failed["column_name"].dropna().tolist()
    if missing:
        return f"missing required columns: {', '.join(missing)}"
    return "; ".join(failed["rule_name"].tolist())


def row_findings(findings: pd.DataFrame) -> pd.DataFrame:
    """Only the findings about records (file-level rules are recorded once per run, not per chunk)."""
    return findings[~findings["expectation_type"].isin(TABLE_LEVEL)].reset_index(drop=True)
