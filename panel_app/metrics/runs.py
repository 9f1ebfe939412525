"""The run list: labels, which run to show first, and the per-run tables of the audit and controls tabs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from flows.constants import RunStatus
from flows.docs_links import DOCS_ROUTE, docs_relative

COMPLETED = RunStatus.COMPLETED
STATUS_NOTE: dict[str, str] = {
    RunStatus.RUNNING: "in progress: its results appear once it completes",
    RunStatus.REJECTED: "rejected as a whole: no record was loaded",
    RunStatus.FAILED: "failed: its partial results were removed",
    RunStatus.SKIPPED: "skipped: the same file was already processed",
}


def reason(run: pd.Series) -> str:
    """Why a run ended as it did: its recorded reason, else what its status means."""
    recorded = run["status_reason"]
    return str(recorded) if pd.notna(recorded) and recorded else STATUS_NOTE.get(str(run["status"]), "")


def run_labels(runs: pd.DataFrame) -> list[str]:
    """How each run is named in selectors and charts: start time, file, status and a short id (vectorised: a year
    of nightly runs is hundreds of rows)."""
    if runs.empty:
        return []
    started = pd.to_datetime(runs["started_at"]).dt.strftime("%Y-%m-%d %H:%M:%S")
    ids = runs["run_id"].astype(str).str.slice(0, 8)
    return (
        started + " · " + runs["source_name"].astype(str) + " · " + runs["status"].astype(str) + " · " + ids
    ).tolist()


def short_labels(runs: pd.DataFrame) -> list[str]:
    """A compact, unique name of each run for chart axes: day, time and a short id."""
    if runs.empty:
        return []
    started = pd.to_datetime(runs["started_at"]).dt.strftime("%d %b %H:%M")
    return (started + " #" + runs["run_id"].astype(str).str.slice(0, 6)).tolist()


def run_months(runs: pd.DataFrame) -> pd.Series:
    """Each run's month (`2026-03`, UTC start): how the run selector groups hundreds of runs."""
    return pd.to_datetime(runs["started_at"]).dt.strftime("%Y-%m")


def month_choices(runs: pd.DataFrame) -> dict[str, str]:
    """The run selector's months, newest first, each labelled with its run count (`2026-03 · 31 runs`)."""
    if runs.empty:
        return {}
    counts = run_months(runs).value_counts().sort_index(ascending=False)
    labels = counts.index + " · " + counts.astype(str) + " run" + counts.ne(1).map({True: "s", False: ""})
    return dict(zip(labels, counts.index, strict=True))


class RunRows:
    """Each run's row by run id, looked up when asked (not one Series per run built up front)."""

    def __init__(self, runs: pd.DataFrame) -> None:
        self._runs = runs.set_index(runs["run_id"].astype(str), drop=False) if not runs.empty else runs

    def get(self, run_id: str) -> pd.Series | None:
        if self._runs.empty or run_id not in self._runs.index:
            return None
        row = self._runs.loc[run_id]
        return row if isinstance(row, pd.Series) else None


def completed(runs: pd.DataFrame) -> pd.DataFrame:
    """The COMPLETED runs, oldest first."""
    return runs[runs["status"] == COMPLETED].sort_values("started_at", ignore_index=True)


def history_labels(runs: pd.DataFrame) -> pd.DataFrame:
    """The COMPLETED runs, oldest first, with their short chart labels."""
    done = completed(runs) if not runs.empty else pd.DataFrame(columns=["run_id", "started_at"])
    labels = short_labels(done)
    return pd.DataFrame({"run_id": done["run_id"], "label": labels, "started_at": done["started_at"]})


def default_run(runs: pd.DataFrame) -> str | None:
    """The latest COMPLETED run, or the latest run of any status when none completed."""
    done = completed(runs)
    if not done.empty:
        return str(done["run_id"].iloc[-1])
    return None if runs.empty else str(runs.sort_values("started_at")["run_id"].iloc[-1])


def previous_completed(runs: pd.DataFrame, run_id: str) -> str | None:
    """The COMPLETED run just before this one, for a default comparison."""
    done = completed(runs)
    started = runs.loc[runs["run_id"] == run_id, "started_at"]
    earlier = done[done["started_at"] < started.iloc[0]] if len(started) else done.iloc[0:0]
    return None if earlier.empty else str(earlier["run_id"].iloc[-1])


def duration_s(runs: pd.DataFrame) -> pd.Series:
    """Wall-clock seconds from start to end (NaN while running)."""
    return ((runs["ended_at"] - runs["started_at"]).dt.total_seconds()).round(2)


def runs_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Every run for the audit trail; a RUNNING run shows only that it is in progress."""
    table = pd.DataFrame(
        {
            "started_utc": runs["started_at"].dt.strftime("%Y-%m-%d %H:%M:%S"),
            "status": runs["status"],
            "source_file": runs["source_name"],
            "sha256": runs["source_sha256"].fillna("").str.slice(0, 12),
            "raw": runs["raw_count"],
            "clean": runs["clean_count"],
            "exceptions": runs["exception_count"],
            "duration_s": duration_s(runs),
            "reason": runs["status_reason"].fillna(runs["status"].map(STATUS_NOTE)).fillna(""),
            "run_id": runs["run_id"],
        }
    )
    running = runs["status"] == RunStatus.RUNNING
    table.loc[running, ["raw", "clean", "exceptions"]] = None
    return table


def reconciliation_table(runs: pd.DataFrame) -> pd.DataFrame:
    """Per run: raw = clean + quarantined, and whether the pipeline's reconciliation passed."""
    done = runs[runs["status"] != RunStatus.RUNNING].sort_values("started_at", ascending=False)
    clean, exceptions = done["clean_count"].fillna(0), done["exception_count"].fillna(0)
    balanced = done["reconciled"].map({True: "balanced", False: "NOT balanced"}).astype(object)
    return pd.DataFrame(
        {
            "started_utc": done["started_at"].dt.strftime("%Y-%m-%d %H:%M:%S"),
            "source_file": done["source_name"],
            "status": done["status"],
            "raw": done["raw_count"],
            "clean": done["clean_count"],
            "quarantined": done["exception_count"],
            "unaccounted": (done["raw_count"] - clean - exceptions).where(done["status"] == COMPLETED),
            "reconciliation": balanced.where(done["reconciled"].notna(), "not reconciled: " + done["status"]),
            "run_id": done["run_id"],
        }
    ).reset_index(drop=True)


def docs_href(data_docs_path: str | None, docs_dir: Path) -> str | None:
    """The dashboard URL of a run's Data Docs page, if the file is under the served docs folder."""
    if not data_docs_path:
        return None
    relative = docs_relative(data_docs_path, docs_dir)
    return f"/{DOCS_ROUTE}/{relative}" if (docs_dir / relative).is_file() else None


def flow_run_href(prefect_ui_url: str, flow_run_id: str | None) -> str | None:
    """The Prefect UI page of a flow run (only for an http(s) UI address)."""
    if not flow_run_id or not prefect_ui_url.startswith(("http://", "https://")):
        return None
    return f"{prefect_ui_url.rstrip('/')}/runs/flow-run/{flow_run_id}"
