"""Ledger figures: the headline measure per calendar month and quarter, and what one run changed in the ledger."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from flows.constants import RECORD_COUNT
from panel_app.presentation import Measure

PERIOD_COLUMNS = ["period", "kind"]
CHANGE_LABELS = {
    "added": "Added (new keys)",
    "resent": "Resent, quarantined",
    "conflict": "Conflicts, quarantined",
    "superseded": "Superseded (old → new)",
}
CHANGE_TABLE = ["change", "key", "source_row", "record_id", "earlier_record_id", "earlier_run_id", "before", "after"]


def period_totals(grain: pd.DataFrame, date: str, measure: Measure) -> pd.DataFrame:
    """A measure's sum (`total`) and the record count per calendar month (`2024-01`), then quarter (`2024-Q1`)."""
    columns = [*PERIOD_COLUMNS, "total", RECORD_COUNT]
    if grain.empty:
        return pd.DataFrame(columns=columns)
    days = pd.to_datetime(grain[date])
    parts = []
    for kind, freq in (("month", "M"), ("quarter", "Q")):
        periods = days.dt.to_period(freq).astype(str).str.replace("Q", "-Q", regex=False)
        sums = grain.groupby(periods.to_numpy())[[measure.name, RECORD_COUNT]].sum()
        parts.append(sums.rename_axis("period").reset_index().assign(kind=kind))
    frame = pd.concat(parts, ignore_index=True).rename(columns={measure.name: "total"})[columns]
    return frame.round({"total": measure.places})


def change_counts(counts: Mapping[str, int]) -> list[tuple[str, int]]:
    """The run's changes as (label, rows), in the order the card shows them."""
    return [(label, int(counts.get(change, 0))) for change, label in CHANGE_LABELS.items()]


def change_table(changes: pd.DataFrame) -> pd.DataFrame:
    """The changed rows to list: what happened (labelled), the key and row, the earlier record and run, the headline
    measure before and after (superseded rows), and the finding (quarantined rows)."""
    frame = changes.reindex(columns=[*CHANGE_TABLE, "details"]).copy()
    frame["change"] = frame["change"].map(lambda c: CHANGE_LABELS.get(str(c), str(c)))
    for column in ("before", "after"):
        frame[column] = pd.to_numeric(frame[column].astype(object), errors="coerce").astype(float)
    return frame.reset_index(drop=True)
