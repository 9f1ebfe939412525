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


def open_for(age: pd.Timedelta) -> str:
    """How long an exception has been open, in the largest whole unit: `3 d`, `5 h`, `12 min`."""
    seconds = max(0, int(age.total_seconds()))
    for unit, size in (("d", 86_400), ("h", 3_600), ("min", 60)):
        if seconds >= size:
            return f"{seconds // size} {unit}"
    return "< 1 min"


def display_rows(
    page: pd.DataFrame, fields: Sequence[str], with_details: bool = False, age: pd.Timedelta | None = None
) -> pd.DataFrame:
    """Exception rows with readable columns: row, exception id, status, how long it has been open (`age`: since
    its run quarantined it; blank once closed), reasons, the raw `fields` as received, category, record id.

    With details, the error count and the findings as JSON follow (for exports).
    """
    rows = page.rename(columns={"source_row": "row", "error_category": "category", "error_count": "errors"})
    rows = rows.rename(columns={"exception_id": "exception"})
    rows["reasons"] = page["error_details"].map(reasons) if not page.empty else pd.Series(dtype=object)
    if "status" in rows:
        rows["status"] = rows["status"].astype(str).str.lower()
        waiting = open_for(age) if age is not None else ""
        rows["open for"] = rows["status"].map(lambda status: waiting if status == "open" else "")
    columns = ["row", "exception", "status", "open for", "reasons", *fields, "category", "record_id"]
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
