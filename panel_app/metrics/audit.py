"""The audit trail: one run's stages with times, durations and counts, and stage durations across runs."""

from __future__ import annotations

import pandas as pd

from panel_app.metrics.runs import short_labels


def stage_table(events: pd.DataFrame) -> pd.DataFrame:
    """One row per stage of a run, in the order it ran: start, end, duration, records in and out."""
    columns = ["stage", "started_at", "ended_at", "duration_ms", "records_in", "records_out", "details"]
    if events.empty:
        return pd.DataFrame(columns=columns)
    starts = events[events["event"] == "start"].drop_duplicates("stage").set_index("stage")["logged_at"]
    ends = events[events["event"] != "start"].drop_duplicates("stage", keep="last").set_index("stage")
    order = list(dict.fromkeys(events["stage"]))
    table = pd.DataFrame({"stage": order})
    table["started_at"] = table["stage"].map(starts)
    table["ended_at"] = table["stage"].map(ends["logged_at"])
    table["started_at"] = table["started_at"].fillna(table["ended_at"])
    for column in ("duration_ms", "records_in", "records_out", "details"):
        table[column] = table["stage"].map(ends[column])
    table["details"] = table["details"].fillna("")
    return table[columns]


def stage_matrix(durations: pd.DataFrame, runs: pd.DataFrame, last: int = 20) -> pd.DataFrame:
    """Seconds per stage (columns) for each of the last runs (rows, oldest first) that logged stages."""
    if durations.empty:
        return pd.DataFrame()
    seconds = durations.assign(seconds=durations["duration_ms"].fillna(0) / 1000)
    matrix = seconds.pivot_table(index="run_id", columns="stage", values="seconds", aggfunc="sum", sort=False)
    order = list(dict.fromkeys(durations["stage"]))
    shown = runs[runs["run_id"].isin(matrix.index)].sort_values("started_at").tail(last)
    matrix = matrix.reindex(index=shown["run_id"], columns=order).fillna(0).round(3)
    matrix.index = [f"{label} {status}" for label, status in zip(short_labels(shown), shown["status"], strict=True)]
    return matrix
