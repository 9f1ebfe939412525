"""Alert findings as the dashboard shows them: one line per finding, the run's banner, the list across runs and
the markers on the across-runs charts.

Findings arrive as the storage layer reads them (flows.storage.read.ALERT_COLUMNS), newest first. Every
function here is bounded by that list (ALERT_LIMIT rows at most), so a `map` over it is cheap.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from panel_app.formatting import text

SHOWN = 3  # findings the banner spells out; the rest are counted
HOVER_LINES = 6  # findings a chart marker's hover spells out
LIST_COLUMNS = ("this_run", "run", "kind", "metric", "value", "expected", "notified", "recorded_utc", "run_id")
THIS_RUN = "◀ this run"


def number(value: float) -> str:
    """A value as the findings' expected ranges write theirs: whole numbers from 1,000 up, else 4 significant
    digits ("" for none: an ended run's finding has no value)."""
    if pd.isna(value):
        return ""
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.4g}"


def finding_lines(findings: pd.DataFrame) -> pd.Series:
    """Each finding in one line: `anomaly: rows_received = 100 (expected 800 to 1,200)`."""
    values = findings["value"].astype(float).map(number)
    said = findings["kind"].astype(str).str.replace("_", " ") + ": " + findings["metric"].astype(str)
    said = said.where(values == "", said + " = " + values)
    return said + " (expected " + findings["expected"].astype(str) + ")"


def banner_text(findings: pd.DataFrame, shown: int = SHOWN) -> str:
    """`3 alerts on this run: …; …; and 1 more`, the findings in the order they were recorded ("" for none)."""
    if findings.empty:
        return ""
    lines = finding_lines(findings.sort_values("alert_id")).tolist()
    count = f"{len(lines)} alert{'s' if len(lines) != 1 else ''} on this run"
    rest = f"; and {len(lines) - shown} more" if len(lines) > shown else ""
    return f"{count}: {'; '.join(lines[:shown])}{rest}"


def notified_text(findings: pd.DataFrame) -> pd.Series:
    """Whether each finding's Prefect event went out: `sent`, `not sent: <why>` or `not tried`."""
    notified = findings["notified"]
    why = findings["notify_error"].fillna("").astype(str)
    failed = ("not sent: " + why).where(why != "", "not sent")
    said = np.select([notified.eq(True), notified.notna()], ["sent", failed.to_numpy(object)], "not tried")
    return pd.Series(said, index=findings.index, dtype=object)


def alert_list(listed: pd.DataFrame, mine: pd.DataFrame, runs: pd.DataFrame, selected: str | None) -> pd.DataFrame:
    """The list of the Data Quality tab: the selected run's findings first (marked), then the others, newest
    first; each with its run (start time UTC and file), kind, metric, value, expected and notification."""
    others = listed[listed["run_id"] != selected] if selected else listed
    rows = pd.concat([mine, others], ignore_index=True) if not mine.empty else others.reset_index(drop=True)
    if rows.empty:
        return pd.DataFrame(columns=list(LIST_COLUMNS))
    about = runs.set_index("run_id")[["started_at", "source_name"]].reindex(rows["run_id"])
    started = pd.to_datetime(about["started_at"]).dt.strftime("%Y-%m-%d %H:%M").fillna("")
    table = pd.DataFrame(
        {
            "this_run": (rows["run_id"] == selected).map({True: THIS_RUN, False: ""}),
            "run": (started + " · " + about["source_name"].fillna("").astype(str)).to_numpy(),
            "kind": rows["kind"].astype(str),
            "metric": rows["metric"].astype(str),
            "value": rows["value"].astype(float).map(number),
            "expected": rows["expected"].astype(str),
            "notified": notified_text(rows),
            "recorded_utc": pd.to_datetime(rows["created_at"], utc=True).dt.strftime("%Y-%m-%d %H:%M:%S"),
            "run_id": rows["run_id"].astype(str),
        }
    )
    return table[list(LIST_COLUMNS)]


def run_markers(listed: pd.DataFrame, history: pd.DataFrame) -> pd.DataFrame:
    """One marker per charted run with findings: its `run_id`, chart `label`, `alerts` (count) and `hover` (the
    findings' kinds and metrics, escaped); runs not in `history` (run_id, label) are left out."""
    columns = ["run_id", "label", "alerts", "hover"]
    charted = listed[listed["run_id"].isin(history["run_id"])] if not listed.empty else listed
    if charted.empty:
        return pd.DataFrame(columns=columns)
    named = charted.assign(line=finding_lines(charted).map(text))
    grouped = named.sort_values("alert_id").groupby("run_id", sort=False)["line"]
    marks = pd.DataFrame({"alerts": grouped.size(), "hover": grouped.agg(_hover)}).reset_index()
    marks["hover"] = marks["alerts"].map(lambda n: f"{n} alert{'s' if n != 1 else ''}") + "<br>" + marks["hover"]
    marks = history[["run_id", "label"]].merge(marks, on="run_id")  # in the chart's run order
    return marks[columns]


def _hover(lines: pd.Series) -> str:
    more = f"<br>and {len(lines) - HOVER_LINES} more" if len(lines) > HOVER_LINES else ""
    return "<br>".join(lines.iloc[:HOVER_LINES]) + more
