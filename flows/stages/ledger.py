"""The cross-file check, the pure part: a file's rows whose business key is already in the ledger, each either
a resend (same content as the loaded row) or a conflict (other content), and what the ledger rule reports.

Content is compared typed, column by column, so `360`, `360.0` and `360.00` are the same revenue, and a row
whose values will not type differs from the loaded row (which did). What happens next is the spec's
`key_conflict`: a resend is always quarantined; a conflict is quarantined (`quarantine`) or replaces the
earlier row (`supersede`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from flows.constants import RECORD_ID, KeyConflict
from flows.dataset import DatasetSpec, Rule
from flows.stages.transform import type_clean_rows


class LedgerConflict(RuntimeError):
    """Two runs changed the same ledger rows at once; the later one fails (nothing of it kept) and can be loaded
    again."""


MATCH_COLUMNS = ["key", "earlier_record", "earlier_run", "earlier_source", "earlier_row", "resent", "details"]


@dataclass(frozen=True)
class LedgerCheck:
    """The rows (index: record id) whose key the ledger has: who loaded it, resent or not, and the finding text."""

    matches: pd.DataFrame  # MATCH_COLUMNS

    @property
    def resent(self) -> pd.DataFrame:
        return self.matches[self.matches["resent"]]

    @property
    def conflicts(self) -> pd.DataFrame:
        return self.matches[~self.matches["resent"]]

    def flagged_keys(self, policy: str) -> list[str]:
        """The keys the ledger rule fails: resends always, conflicts unless the later file supersedes."""
        flagged = self.matches if policy == KeyConflict.QUARANTINE else self.resent
        return flagged["key"].astype(str).unique().tolist()

    def supersedes(self, policy: str) -> pd.Series:
        """Under `supersede`: record id -> the earlier record it replaces (if it ends clean); else empty."""
        if policy != KeyConflict.SUPERSEDE:
            return pd.Series([], dtype="Int64")
        return self.conflicts["earlier_record"].astype("Int64")


NO_MATCHES = LedgerCheck(pd.DataFrame(columns=MATCH_COLUMNS).astype({"resent": bool}))


def check_against_ledger(view: pd.DataFrame, spec: DatasetSpec, loaded: pd.DataFrame) -> LedgerCheck:
    """Match the file's rows (`view`: text by record id, missing values null) with the `loaded` ledger rows
    (`key`, `earlier_*` and the spec's columns typed); classify each match as a resend or a conflict."""
    key = view[spec.business_key]
    hit = key.notna() & key.isin(loaded["key"])
    if not hit.any():
        return NO_MATCHES
    rows = view[hit]
    earlier = loaded.drop_duplicates("key").set_index("key").loc[rows[spec.business_key].to_numpy()]
    earlier.index = rows.index
    clean = type_clean_rows(rows, spec).clean
    typed, typed_ok = clean.reindex(rows.index), pd.Series(rows.index.isin(clean.index), index=rows.index)
    differs = pd.Series("", index=rows.index)
    for column in spec.column_names:
        mine, theirs = typed[column], earlier[column]
        same = (mine == theirs).fillna(False).astype(bool) | (mine.isna() & theirs.isna())
        differs += np.where(same & typed_ok, "", column + ", ")
    differs = differs.str.rstrip(", ")
    resent = differs == ""
    named = (
        spec.business_key
        + " "
        + rows[spec.business_key].astype(str)
        + " was loaded by run "
        + earlier["earlier_run"]
        + " from "
        + earlier["earlier_source"].astype(str)
        + " (row "
        + earlier["earlier_row"].astype(str)
        + ", record "
        + earlier["earlier_record"].astype(str)
        + ")"
    )
    details = np.where(
        resent,
        "resent: " + named + " with the same content, and stays counted once",
        "conflicts with the ledger: "
        + named
        + "; this row differs in "
        + differs.where(typed_ok, "values that do not type"),
    )
    matches = pd.DataFrame(
        {
            "key": rows[spec.business_key].astype(str),
            **{c: earlier[c] for c in MATCH_COLUMNS[1:5]},
            "resent": resent.to_numpy(dtype=bool),
            "details": details,
        },
        index=rows.index,
    )
    return LedgerCheck(matches)


def with_ledger_details(findings: pd.DataFrame, check: LedgerCheck, rule: Rule | None) -> pd.DataFrame:
    """The ledger rule's findings (GX reports the key only) with the check's details: who loaded it first."""
    if rule is None:
        return findings
    mine = (findings["rule_id"] == rule.rule_id).to_numpy()
    if not mine.any():
        return findings
    ids = findings.loc[mine, RECORD_ID].to_numpy(dtype="int64")
    details = check.matches["details"].reindex(ids)
    if details.isna().any():
        raise ValueError(f"GX flagged keys the ledger check did not find: records {ids[details.isna()][:5]}")
    findings = findings.copy()
    findings.loc[mine, "details"] = details.to_numpy()
    return findings
