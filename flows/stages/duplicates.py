"""Duplicate semantics on the business key, applied to the suite's DUPLICATE findings.

GX's uniqueness check flags every member of a repeated key. The pipeline then decides:
- exact duplicates (same key, same content): the first occurrence is not a finding (it stays
  clean if otherwise valid); each later copy is quarantined naming the record that was kept;
- conflicting duplicates (same key, different content): every member is quarantined.
"""

from __future__ import annotations

import pandas as pd

from flows.dataset import DatasetSpec


def resolve_duplicates(view: pd.DataFrame, findings: pd.DataFrame, spec: DatasetSpec) -> pd.DataFrame:
    """Drop the kept first copy of exact duplicates and explain every other duplicate finding."""
    is_dup = (findings["control_type"] == "DUPLICATE") & findings["record_id"].notna()
    if not is_dup.any():
        return findings
    dups = findings[is_dup]
    ids = dups["record_id"].to_numpy(dtype="int64")
    content = view.loc[ids, [c for c in spec.column_names if c in view.columns]]
    members = pd.DataFrame(
        {
            "key": content[spec.business_key].to_numpy(),
            "signature": pd.util.hash_pandas_object(content, index=False).to_numpy(),
            "record_id": ids,
        },
        index=dups.index,
    )
    group = members.groupby("key", sort=False)
    first = group["record_id"].transform("min")
    size = group["record_id"].transform("size")
    exact = group["signature"].transform("nunique") == 1
    kept = exact & (members["record_id"] == first)
    key_name = spec.business_key
    details = pd.Series(
        "conflicting duplicate: "
        + key_name
        + " "
        + members["key"].astype(str)
        + " is used by "
        + size.astype(str)
        + " records with different content (first: record "
        + first.astype(str)
        + ")",
        index=members.index,
    )
    details[exact] = "exact duplicate of record " + first[exact].astype(str) + ", which was kept"
    resolved = findings.copy()
    resolved.loc[members.index, "details"] = details
    return resolved.drop(index=members.index[kept]).reset_index(drop=True)
