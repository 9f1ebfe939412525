"""How stewards resolved exceptions: per run (open, corrected or waived into the clean data, dismissed) and per day."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from flows.constants import ExceptionStatus, StewardAction
from panel_app.metrics.runs import history_labels

# The per-run table's outcome columns (from the read's columns) and how they are named on screen
PER_RUN = {
    "open": "still open",
    "promoted_by_correction": "corrected → promoted",
    "promoted_by_waiver": "waived → promoted",
    "dismissed": "dismissed",
}
# What each (action, status after) of an event means, in the over-time chart's words
EVENT_OUTCOMES = {
    (StewardAction.CORRECT, ExceptionStatus.PROMOTED): "corrected → promoted",
    (StewardAction.WAIVE, ExceptionStatus.PROMOTED): "waived → promoted",
    (StewardAction.DISMISS, ExceptionStatus.DISMISSED): "dismissed",
    (StewardAction.CORRECT, ExceptionStatus.OPEN): "corrected, still failing",
    (StewardAction.REOPEN, ExceptionStatus.OPEN): "reopened",
}
TABLE_COLUMNS = ("run", "quarantined", *PER_RUN, "resolved_pct", "run_id")


@dataclass(frozen=True)
class PromotedRows:
    """Clean rows of a run that stewards promoted from its exceptions, and how."""

    promoted: int
    corrected: int
    waived: int

    def note(self, count: Callable[[object], str] = str) -> str:
        """`includes 12 rows promoted by stewards (8 corrected, 4 waived)`, numbers written with `count`."""
        rows = "row" if self.promoted == 1 else "rows"
        how = f"{count(self.corrected)} corrected, {count(self.waived)} waived"
        return f"includes {count(self.promoted)} {rows} promoted by stewards ({how})"


def promoted_rows(resolutions: pd.DataFrame, run_id: str | None) -> PromotedRows | None:
    """The run's promoted rows, or None when stewards promoted none of its exceptions."""
    if not run_id or resolutions.empty:
        return None
    row = resolutions[resolutions["run_id"] == run_id]
    if row.empty or int(row["promoted"].iloc[0]) == 0:
        return None
    first = row.iloc[0]
    return PromotedRows(int(first["promoted"]), int(first["promoted_by_correction"]), int(first["promoted_by_waiver"]))


def still_quarantined(history: pd.DataFrame, resolutions: pd.DataFrame) -> pd.DataFrame:
    """The quality history with `quarantined` less the records stewards have since promoted (counted in `clean`)."""
    if history.empty or resolutions.empty:
        return history
    promoted = history["run_id"].map(resolutions.set_index("run_id")["promoted"]).fillna(0).astype(int)
    return history.assign(quarantined=history["quarantined"] - promoted)


def reconciled_with_promotions(table: pd.DataFrame, resolutions: pd.DataFrame) -> pd.DataFrame:
    """The reconciliation table with a `promoted` column (after `quarantined`): records counted both in clean and
    in quarantined since stewards promoted them, so unaccounted = raw - clean - quarantined + promoted."""
    promoted = resolutions.set_index("run_id")["promoted"] if not resolutions.empty else pd.Series(dtype="int64")
    counted = table["run_id"].map(promoted).fillna(0).astype(int)
    table = table.assign(unaccounted=table["unaccounted"] + counted.where(table["unaccounted"].notna()))
    table.insert(list(table.columns).index("quarantined") + 1, "promoted", counted)
    return table


def resolution_table(resolutions: pd.DataFrame, runs: pd.DataFrame) -> pd.DataFrame:
    """Per COMPLETED run, oldest first: its chart label, quarantined records by outcome, and the share resolved.

    Resolved = promoted (corrected or waived) or dismissed; a run without exceptions has no share (NaN).
    """
    if resolutions.empty or runs.empty:
        return pd.DataFrame(columns=list(TABLE_COLUMNS))
    table = history_labels(runs).merge(resolutions, on="run_id", how="inner")
    quarantined = table["exceptions"].astype(float)
    resolved = table["promoted"] + table["dismissed"]
    table = table.assign(
        run=table["label"],
        quarantined=table["exceptions"],
        resolved_pct=(100 * resolved / quarantined.where(quarantined > 0)).round(1),
    )
    return table[list(TABLE_COLUMNS)].reset_index(drop=True)


def daily_outcomes(days: pd.DataFrame) -> pd.DataFrame:
    """Steward events per day (rows, as dates, oldest first) and outcome (columns, in EVENT_OUTCOMES order)."""
    if days.empty:
        return pd.DataFrame(columns=list(dict.fromkeys(EVENT_OUTCOMES.values())))
    keys = zip(days["action"], days["status_after"], strict=True)
    outcome = [EVENT_OUTCOMES.get((a, s), f"{a} → {str(s).lower()}") for a, s in keys]
    table = days.assign(day=pd.to_datetime(days["day"]).dt.date, outcome=outcome).pivot_table(
        index="day", columns="outcome", values="events", aggfunc="sum", fill_value=0
    )
    known = [o for o in dict.fromkeys(EVENT_OUTCOMES.values()) if o in table.columns]
    return table[known + [c for c in table.columns if c not in known]].rename_axis(columns=None).sort_index()
