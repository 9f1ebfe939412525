"""GX results read as findings: failing rows by record id (never by value), crashes as errors.

A crashed expectation is an error, never "no failures"; GX's id lists are checked against its
counts (see docs/decisions.md).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from flows.constants import RECORD_ID
from flows.stages.validate import TABLE_LEVEL, as_findings, empty_findings
from flows.suite import Rule

RESULT_FORMAT = {
    "result_format": "COMPLETE",
    "partial_unexpected_count": 10**9,  # the id list is silently cut to 20 otherwise
    "include_unexpected_rows": False,
    "exclude_unexpected_values": True,  # ids as one list per column, not a dict per failing row: 2x faster
}


class ValidationCrashed(RuntimeError):
    """An expectation raised inside GX: its result cannot be trusted."""


def findings_of(rule: Rule, result: Any, frame: pd.DataFrame) -> pd.DataFrame:
    """The findings one expectation result holds about `frame` (empty when it passed)."""
    if _crashed(result.exception_info):
        raise ValidationCrashed(f"rule {rule.name} could not be evaluated: {_crash_message(result.exception_info)}")
    if result.success:
        return empty_findings()
    if rule.expectation_type in TABLE_LEVEL:
        details = _table_details(rule, result.result)
        return as_findings(rule, pd.Series([pd.NA], dtype="Int64"), [None], [details])
    ids = _failing_ids(result.result)
    expected = result.result.get("unexpected_count")
    if len(ids) != expected:
        raise ValidationCrashed(f"rule {rule.name}: GX returned {len(ids)} row ids for {expected} failures")
    return as_findings(rule, ids, _observed(frame, ids.to_numpy(dtype="int64"), rule), None)


def _failing_ids(result: dict[str, Any]) -> pd.Series:
    """The failing rows' record ids: GX lists them one dict per row, or (values excluded) one list per column."""
    index_list = result.get("unexpected_index_list") or []
    if len(index_list) == 1 and isinstance(index_list[0].get(RECORD_ID), list):
        return pd.Series(index_list[0][RECORD_ID], dtype="Int64")
    return pd.Series([int(item[RECORD_ID]) for item in index_list], dtype="Int64")


def _observed(frame: pd.DataFrame, ids: Any, rule: Rule) -> Any:
    """The failing values: the column's value, or `a=..., b=...` for a rule over several columns."""
    if rule.column:
        return frame.loc[ids, rule.column].to_numpy()
    if not rule.columns:
        return None
    rows = frame.loc[ids, list(rule.columns)].fillna("(missing)").astype(str)
    parts = [f"{c}=" + rows[c] for c in rule.columns]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined + ", " + part
    return joined.to_numpy()


def _table_details(rule: Rule, result: dict[str, Any]) -> str:
    if rule.expectation_type == "expect_column_to_exist":
        return f"the file has no {rule.column} column"
    mismatched = (result.get("details") or {}).get("mismatched") or {}
    parts = [f"{k} columns: {', '.join(map(str, v))}" for k, v in sorted(mismatched.items()) if v]
    observed = result.get("observed_value")
    return "; ".join(parts) or f"observed: {observed}"


def _crashed(info: Any) -> bool:
    if not isinstance(info, dict):
        return False
    if info.get("raised_exception"):
        return True
    return any(isinstance(v, dict) and v.get("raised_exception") for v in info.values())


def _crash_message(info: dict[str, Any]) -> str:
    if info.get("exception_message"):
        return str(info["exception_message"])
    return "; ".join(str(v.get("exception_message")) for v in info.values() if isinstance(v, dict))
