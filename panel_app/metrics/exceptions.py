"""Exception rows as a reader sees them: every reason spelled out, the raw values as received."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pandas as pd


def reasons(error_details: str) -> str:
    """Every finding of an exception row in one line: `rule (warning): details; rule2`."""
    try:
        findings = json.loads(error_details or "[]")
    except ValueError:
        return str(error_details)
    parts = []
    for finding in findings:
        part = str(finding.get("rule", "?"))
        if finding.get("severity") == "warning":
            part += " (warning)"
        if finding.get("details"):
            part += f": {finding['details']}"
        parts.append(part)
    return "; ".join(parts)


def display_rows(page: pd.DataFrame, fields: Sequence[str], with_details: bool = False) -> pd.DataFrame:
    """Exception rows with readable columns: row, reasons, the raw `fields` as received, category, record id.

    With details, the error count and the findings as JSON follow (for exports).
    """
    rows = page.rename(columns={"source_row": "row", "error_category": "category", "error_count": "errors"})
    rows["reasons"] = page["error_details"].map(reasons) if not page.empty else pd.Series(dtype=object)
    columns = ["row", "reasons", *fields, "category", "record_id"]
    return rows.reindex(columns=[*columns, "errors", "error_details"] if with_details else columns)


def compare_counts(mine: pd.DataFrame, theirs: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """Quarantined records per key in this run and the comparison run, with the change."""
    a, b = mine.set_index("key")["records"], theirs.set_index("key")["records"]
    keys = sorted(set(a.index) | set(b.index))
    frame = pd.DataFrame({"by": dimension, "key": keys})
    frame["this_run"] = [int(a.get(k, 0)) for k in keys]
    frame["comparison_run"] = [int(b.get(k, 0)) for k in keys]
    frame["change"] = frame["this_run"] - frame["comparison_run"]
    return frame
