"""Duplicate detection on the business key, exact across the whole file however it is chunked.

A first pass over the file (`index_keys`) finds every key used by more than one row, keeping
only those rows. Each chunk then asks `duplicate_findings` for its members. Semantics:
- exact duplicates (same key, same content in the spec's columns): the first occurrence is not a
  finding (it stays clean if otherwise valid); each later copy is quarantined naming the kept record;
- conflicting duplicates (same key, different content): every member is quarantined.
Missing keys (empty, or a spec's missing marker) are not duplicates (the not-null rule reports them).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from flows.dataset import DatasetSpec
from flows.stages.validate import as_findings
from flows.suite import Rule


@dataclass(frozen=True)
class KeyIndex:
    """Row count, header, and every row (0-based position) whose key repeats, with its group facts."""

    rows: int
    header: tuple[str, ...]
    members: pd.DataFrame  # index: position; columns: key, first_position, group_size, exact


def index_keys(chunks: Iterable[pd.DataFrame], spec: DatasetSpec) -> KeyIndex:
    """One pass over the file's chunks: count rows and find repeated keys (hash first, then exact keys).

    Memory per row: two 8-byte hashes, an empty-key flag and the key as compact Arrow text (no Python
    objects), so a 10M-row file indexes in a few hundred MB.
    """
    hashes, signatures, keys, empty, rows = [], [], [], [], 0
    header: tuple[str, ...] = ()
    for chunk in chunks:
        header = tuple(chunk.columns)
        rows += len(chunk)
        if spec.business_key not in chunk.columns:
            continue
        key = chunk[spec.business_key]
        hashes.append(pd.util.hash_pandas_object(key, index=False).to_numpy())
        content = chunk[[c for c in spec.column_names if c in chunk.columns]]
        signatures.append(pd.util.hash_pandas_object(content, index=False).to_numpy())
        keys.append(pa.array(key, type=pa.large_string()))
        empty.append(key.isin(list(spec.missing_values)).to_numpy())
    if not hashes:
        empty_found = pd.DataFrame({"key": pd.Series([], dtype=object), "signature": pd.Series([], dtype="uint64")})
        return KeyIndex(rows, header, _members(empty_found))
    positions = _repeated_positions(np.concatenate(hashes), np.concatenate(empty))
    found_keys = pa.chunked_array(keys).take(pa.array(positions)).to_numpy(zero_copy_only=False)
    found = pd.DataFrame(
        {"key": found_keys, "signature": np.concatenate(signatures)[positions]},
        index=pd.Index(positions, name="position"),
    )
    return KeyIndex(rows, header, _members(found))


def _repeated_positions(key_hash: np.ndarray, empty: np.ndarray) -> np.ndarray:
    """Positions whose key hash occurs more than once (sort-based: far less memory than a hash table)."""
    ordered = np.sort(key_hash)
    repeated = np.unique(ordered[1:][ordered[1:] == ordered[:-1]])  # few values: the repeated hashes
    del ordered
    return np.flatnonzero(pd.Series(key_hash).isin(repeated).to_numpy() & ~empty)


def _members(found: pd.DataFrame) -> pd.DataFrame:
    found = found.assign(position=found.index.to_numpy())
    group = found.groupby("key", sort=False)
    members = pd.DataFrame(
        {
            "key": found["key"],
            "first_position": group["position"].transform("min"),
            "group_size": group["position"].transform("size"),
            "exact": group["signature"].transform("nunique") == 1,
        },
        index=found.index,
    )
    return members[members["group_size"] > 1]  # a hash collision is not a duplicate


def duplicate_findings(index: KeyIndex, positions: np.ndarray, first_id: int, rule: Rule) -> pd.DataFrame:
    """The DUPLICATE rule's findings for the rows at `positions` (record id = first_id + position)."""
    members = index.members[index.members.index.isin(positions)]
    members = members[~(members["exact"] & (members.index == members["first_position"]))]
    first = (members["first_position"] + first_id).astype(str)
    details = np.where(
        members["exact"],
        "exact duplicate of record " + first + ", which was kept",
        "conflicting duplicate: "
        + str(rule.column)
        + " "
        + members["key"].astype(str)
        + " is used by "
        + members["group_size"].astype(str)
        + " records with different content (first: record "
        + first
        + ")",
    )
    ids = pd.Series(members.index.to_numpy() + first_id, dtype="Int64")
    return as_findings(rule, ids, members["key"].to_numpy(), details)


def with_file_wide_duplicates(
    findings: pd.DataFrame, index: KeyIndex, positions: np.ndarray, first_id: int, rules: tuple[Rule, ...]
) -> pd.DataFrame:
    """Replace GX's per-chunk DUPLICATE findings by the file-wide ones, after checking GX saw no others."""
    duplicate_rules = [r for r in rules if r.control_type == "DUPLICATE" and not r.ledger]
    is_duplicate = findings["rule_id"].isin([r.rule_id for r in duplicate_rules])
    seen_by_gx = findings.loc[is_duplicate, "record_id"].to_numpy(dtype="int64") - first_id
    unknown = np.setdiff1d(seen_by_gx, index.members.index.to_numpy())
    if len(unknown):
        raise ValueError(f"GX flagged duplicates the key index does not know: records {(unknown + first_id)[:5]}")
    parts = [findings[~is_duplicate], *(duplicate_findings(index, positions, first_id, r) for r in duplicate_rules)]
    return pd.concat([p for p in parts if not p.empty] or [findings.iloc[:0]], ignore_index=True)
