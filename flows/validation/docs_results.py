"""The copy of a GX result kept for the Data Docs: bounded, and showing failing values and record ids.

The pipeline asks GX for failing record ids only (`exclude_unexpected_values`): GX then returns them
as one list per column instead of one Python dict per failing row, which halves validation time.
The Data Docs still show what GX's COMPLETE format shows (the failing values, their counts, and
which records they are in), rebuilt here from the frame for the first `limit` failures.

`SHOWN_FAILURES` bounds a page: about 250 bytes of HTML per failing row shown, per expectation. At 200 a
5,000-row run added about 345 KB to the Data Docs site; at 100 it stays under the 300 KB budget (README). The
counts on the page are still of every failure, and the exceptions table holds every failing row.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from flows.constants import RECORD_ID
from flows.suite import Rule

SHOWN_FAILURES = 100


def for_docs(result: Any, rules: dict[str, Rule], frame: pd.DataFrame, limit: int = SHOWN_FAILURES) -> Any:
    """`result` with each failed expectation's details filled for the Data Docs, every list cut to `limit`."""
    for expectation_result in result.results:
        details = expectation_result.result
        index_list = details.get("unexpected_index_list") or []
        if len(index_list) == 1 and isinstance(index_list[0].get(RECORD_ID), list):
            rule = rules[str(expectation_result.expectation_config.id)]
            details.update(_shown_failures(rule, frame, index_list[0][RECORD_ID], limit))
    return trim_for_docs(result, limit)


def _shown_failures(rule: Rule, frame: pd.DataFrame, ids: list[int], limit: int) -> dict[str, Any]:
    """GX's COMPLETE-format lists for the first `limit` failing records, and the value counts of all of them."""
    columns = list(rule.columns or ([rule.column] if rule.column else []))
    shown_ids = ids[:limit]
    rows = frame.loc[shown_ids, columns] if columns else pd.DataFrame(index=shown_ids)
    records = [
        {**row, RECORD_ID: int(record_id)} for record_id, row in zip(shown_ids, rows.to_dict("records"), strict=True)
    ]
    values: list[Any] = rows[columns[0]].tolist() if len(columns) == 1 else rows.to_dict("records")
    shown: dict[str, Any] = {
        "partial_unexpected_list": values,
        "unexpected_list": values,
        "partial_unexpected_index_list": records,
        "unexpected_index_list": records,
        "unexpected_index_query": f"df.filter(items={list(map(int, shown_ids))}, axis=0)",
    }
    if len(columns) == 1:
        counts = frame.loc[ids, columns[0]].value_counts(dropna=False).head(limit)
        shown["partial_unexpected_counts"] = [{"value": v, "count": int(c)} for v, c in counts.items()]
    return shown


def trim_for_docs(result: Any, limit: int = SHOWN_FAILURES) -> Any:
    """Cut each expectation's id and value lists to `limit`, so a run's docs cost bounded memory."""
    for expectation_result in result.results:
        kwargs = expectation_result.expectation_config.kwargs
        if len(kwargs.get("value_set") or ()) > limit:  # a ledger rule's set: the keys a resent file repeats
            kwargs["value_set"] = kwargs["value_set"][:limit]
        details = expectation_result.result
        for name, value in details.items():
            if isinstance(value, list) and len(value) > limit:
                details[name] = value[:limit]
    return result
