"""A hand-written `DashboardReader` over small in-memory frames: the dashboard without a database.

`FakeDataset` holds one dataset's spec and its stored results as the storage layer's read API
returns them; `FakeReader` answers the dashboard's reads from them, applying the same filters
(dates, dimension values with MISSING, drill-down, search) with plain pandas.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from flows.constants import MISSING, RunStatus
from flows.dataset import DatasetSpec, SpecError
from flows.storage.read import (
    ALERT_COLUMNS,
    CHANGE_COLUMNS,
    CHANGES,
    RESOLUTION_COLUMNS,
    ExceptionDimension,
    ExceptionFilter,
)
from panel_app.ports import ALERT_LIMIT, DatabaseState

EXCEPTION_COLUMNS = ["source_row", "record_id", "error_category", "error_count"]
SHOWN_COLUMNS = ["source_row", "exception_id", "status", "record_id", "error_category", "error_count"]


@dataclass
class FakeDataset:
    """One dataset's spec (None: its spec is missing) and its stored results, keyed by run id."""

    spec: DatasetSpec | None
    runs: pd.DataFrame
    grains: dict[str, pd.DataFrame] = field(default_factory=dict)  # the grain's keys (None = missing), sums
    totals: pd.DataFrame = field(default_factory=pd.DataFrame)  # run_id, each measure's sum, record_count
    rule_failures: pd.DataFrame = field(default_factory=pd.DataFrame)  # run_id, rule_name, failed_records, findings
    audit: dict[str, pd.DataFrame] = field(default_factory=dict)  # stage, event, logged_at, counts, details
    exceptions: dict[str, pd.DataFrame] = field(default_factory=dict)  # EXCEPTION_COLUMNS, raw fields, details
    # (exception_id defaults to the record id, status to OPEN); the events of an exception, by its id
    history: dict[int, pd.DataFrame] = field(default_factory=dict)
    resolutions: pd.DataFrame = field(default_factory=pd.DataFrame)  # RESOLUTION_COLUMNS of runs stewards touched
    resolution_days: pd.DataFrame = field(default_factory=pd.DataFrame)  # day, action, status_after, events
    ledger: pd.DataFrame | None = None  # the current ledger's grain; None: every COMPLETED run's grain added up
    changes: dict[str, pd.DataFrame] = field(default_factory=dict)  # CHANGE_COLUMNS rows of a run
    added: dict[str, int] = field(default_factory=dict)  # rows a run added under new keys
    alerts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(ALERT_COLUMNS)))  # findings


@dataclass
class FakeDatabase:
    """Every dataset of one fake database, its state, and a log of the reads and refreshes asked of it."""

    datasets: dict[str, FakeDataset]
    state: DatabaseState = field(default_factory=lambda: DatabaseState("ok"))
    reads: list[tuple[str, ...]] = field(default_factory=list)


class FakeReader:
    """A `DashboardReader` for one dataset of a `FakeDatabase`."""

    masked_url = "fake://dashboard:***@memory/results"

    def __init__(self, db: FakeDatabase, dataset: str, expectations_dir: Path = Path("expectations")) -> None:
        self.db, self.dataset, self.expectations_dir = db, dataset, expectations_dir

    @property
    def spec(self) -> DatasetSpec:
        """The dataset's spec; SpecError when it has none."""
        stored = self.db.datasets.get(self.dataset)
        if stored is None or stored.spec is None:
            raise SpecError(f"no spec for {self.dataset}")
        return stored.spec

    @property
    def _data(self) -> FakeDataset:
        return self.db.datasets[self.dataset]

    def for_dataset(self, dataset: str, expectations_dir: Path | None = None) -> FakeReader:
        """A reader of another dataset of the same fake database."""
        return FakeReader(self.db, dataset, expectations_dir or self.expectations_dir)

    def refresh(self) -> None:
        """Record the refresh (nothing is cached)."""
        self.db.reads.append(("refresh", self.dataset))

    def state(self) -> DatabaseState:
        """The database's state; `ok` with no dataset reads as empty."""
        if self.db.state.kind == "ok" and not self.datasets():
            return DatabaseState("empty", "no pipeline run is recorded yet")
        return self.db.state

    def datasets(self) -> list[str]:
        """The datasets that have at least one run, by name."""
        return sorted(name for name, data in self.db.datasets.items() if not data.runs.empty)

    def runs(self) -> pd.DataFrame:
        """Every run of the dataset, newest first."""
        self.db.reads.append(("runs", self.dataset))
        return self._data.runs.sort_values("started_at", ascending=False, ignore_index=True)

    def grain(self, run_id: str, dates: tuple[Any, Any] | None = None, *chosen: Sequence[str]) -> pd.DataFrame:
        """The run's grain rows within the dates and chosen values; a missing key reads MISSING."""
        return self._filtered(self._data.grains[run_id], dates, chosen)

    def _filtered(
        self, frame: pd.DataFrame, dates: tuple[Any, Any] | None, chosen: Sequence[Sequence[str]]
    ) -> pd.DataFrame:
        frame = frame.copy()
        date, dimensions = self.spec.analytics.date, self.spec.analytics.grain_dimensions
        if dates:
            frame = frame[frame[date].between(dates[0].isoformat(), dates[1].isoformat())]
        for dimension, values in zip(dimensions, chosen, strict=False):
            if values:
                frame = frame[frame[dimension].fillna(MISSING).isin(values)]
        frame[list(dimensions)] = frame[list(dimensions)].fillna(MISSING)
        return frame.reset_index(drop=True)

    def dimensions(self, run_id: str) -> pd.DataFrame:
        """The key combinations of the run's grain (None where a key is missing)."""
        return self._data.grains[run_id][list(self.spec.analytics.grain)].drop_duplicates()

    def ledger_grain(self, dates: tuple[Any, Any] | None = None, *chosen: Sequence[str]) -> pd.DataFrame:
        """The ledger's grain rows within the dates and chosen values, filtered as a run's."""
        self.db.reads.append(("ledger_grain", self.dataset))
        return self._filtered(self._ledger(), dates, chosen)

    def ledger_dimensions(self) -> pd.DataFrame:
        """The key combinations of the ledger's grain."""
        return self._ledger()[list(self.spec.analytics.grain)].drop_duplicates()

    def _ledger(self) -> pd.DataFrame:
        if self._data.ledger is not None:
            return self._data.ledger
        runs = self._data.runs
        done = runs.loc[runs["status"] == RunStatus.COMPLETED, "run_id"]
        keys, frames = list(self.spec.analytics.grain), [self._data.grains[r] for r in done if r in self._data.grains]
        return pd.concat(frames).groupby(keys, dropna=False).sum().reset_index()

    def run_change_counts(self, run_id: str) -> dict[str, int]:
        """Each kind of change of the run's listed rows, and its added count."""
        listed = self._data.changes.get(run_id, pd.DataFrame(columns=CHANGE_COLUMNS))["change"].value_counts()
        return {c: int(listed.get(c, 0)) for c in CHANGES} | {"added": self._data.added.get(run_id, 0)}

    def run_changes(self, run_id: str) -> pd.DataFrame:
        """The run's listed changed rows."""
        return self._data.changes.get(run_id, pd.DataFrame(columns=CHANGE_COLUMNS)).copy()

    def run_totals(self) -> pd.DataFrame:
        """Each measure's sum and the record count of every COMPLETED run."""
        done = self._data.runs.loc[self._data.runs["status"] == RunStatus.COMPLETED, "run_id"]
        return self._data.totals[self._data.totals["run_id"].isin(done)].reset_index(drop=True)

    def rule_failures(self) -> pd.DataFrame:
        """Failed records and findings per COMPLETED run and rule."""
        return self._data.rule_failures

    def stage_durations(self) -> pd.DataFrame:
        """The `end` events of every run that is not RUNNING, with its run id."""
        runs = self._data.runs.set_index("run_id")["status"]
        ends = [
            events[events["event"] == "end"].assign(run_id=run_id)
            for run_id, events in self._data.audit.items()
            if runs[run_id] != RunStatus.RUNNING
        ]
        return pd.concat(ends, ignore_index=True).sort_values("logged_at", ignore_index=True)

    def audit_events(self, run_id: str) -> pd.DataFrame:
        """One run's audit events in order."""
        return self._data.audit.get(run_id, pd.DataFrame()).sort_values("logged_at", ignore_index=True)

    def resolutions(self) -> pd.DataFrame:
        """Every COMPLETED run, oldest first, with its stored resolutions (zeros where none are stored)."""
        self.db.reads.append(("resolutions", self.dataset))
        runs = self._data.runs
        done = runs[runs["status"] == RunStatus.COMPLETED].sort_values("started_at")[["run_id"]]
        stored = self._data.resolutions if not self._data.resolutions.empty else None
        frame = done.merge(stored, on="run_id", how="left") if stored is not None else done
        frame = frame.reindex(columns=list(RESOLUTION_COLUMNS)).fillna(0)
        return frame.astype({c: "int64" for c in RESOLUTION_COLUMNS[1:]}).reset_index(drop=True)

    def resolution_days(self) -> pd.DataFrame:
        """Steward events per day, action and status after."""
        columns = ["day", "action", "status_after", "events"]
        days = self._data.resolution_days
        return days.sort_values(columns[:3], ignore_index=True) if not days.empty else pd.DataFrame(columns=columns)

    def alerts(self) -> pd.DataFrame:
        """The dataset's latest ALERT_LIMIT findings, newest first."""
        self.db.reads.append(("alerts", self.dataset))
        return self._data.alerts.sort_values("alert_id", ascending=False, ignore_index=True).head(ALERT_LIMIT)

    def run_alerts(self, run_id: str) -> pd.DataFrame:
        """Every finding about one run, newest first."""
        found = self._data.alerts[self._data.alerts["run_id"] == run_id]
        return found.sort_values("alert_id", ascending=False, ignore_index=True)

    def exception_counts(
        self, run_id: str, by: ExceptionDimension, f: ExceptionFilter, field: str = ""
    ) -> pd.DataFrame:
        """Quarantined records per category, failed error rule (with its control type) or raw value."""
        rows = self._matching(run_id, f)
        if by == "category":
            keys = rows[["error_category"]].rename(columns={"error_category": "key"})
        elif by == "value":
            keys = pd.DataFrame({"key": rows[field].fillna("").replace("", MISSING)})
        else:
            types = {r.name: r.control_type for r in self.spec.suite.rules}
            findings = [x for details in rows["error_details"] for x in json.loads(details)]
            errors = [(x["rule"], types[x["rule"]]) for x in findings if x["severity"] == "error"]
            keys = pd.DataFrame(errors, columns=["key", "control_type"])
        counts = keys.value_counts().rename("records").reset_index()
        return counts.sort_values(["records", "key"], ascending=[False, True], ignore_index=True)

    def exception_page(self, run_id: str, f: ExceptionFilter, page: int, size: int) -> tuple[pd.DataFrame, int]:
        """One page of the matching rows, in file order, and how many match."""
        rows = self.exception_rows(run_id, f)
        return rows.iloc[(page - 1) * size : page * size].reset_index(drop=True), len(rows)

    def exception_rows(self, run_id: str, f: ExceptionFilter) -> pd.DataFrame:
        """Every matching row: position, record id, category, errors, the raw fields, the findings."""
        columns = [*SHOWN_COLUMNS, *self.spec.column_names, "error_details"]
        return self._matching(run_id, f)[columns].sort_values("source_row", ignore_index=True)

    def _matching(self, run_id: str, f: ExceptionFilter) -> pd.DataFrame:
        rows = self._data.exceptions.get(run_id, pd.DataFrame(columns=[*EXCEPTION_COLUMNS, "error_details"]))
        rows = rows.assign(
            exception_id=rows["exception_id"] if "exception_id" in rows else rows["record_id"],
            status=rows.get("status", "OPEN"),
        )
        keep = pd.Series(True, index=rows.index)
        if f.status:
            keep &= rows["status"] == f.status
        if f.exception_id is not None:
            keep &= rows["exception_id"] == f.exception_id
        for name, values in f.values:
            raw = rows[name]
            missing = raw.isna() | raw.isin(f.missing_values) if MISSING in values else False
            keep &= raw.isin(values) | missing
        if f.category:
            keep &= rows["error_category"] == f.category
        if f.value is not None:
            raw = rows[f.value[0]]
            keep &= (raw.isna() | (raw == "")) if f.value[1] == MISSING else raw == f.value[1]
        if f.rule:
            rule = f.rule
            keep &= rows["error_details"].map(lambda details: rule in {x["rule"] for x in json.loads(details)})
        if f.search.strip():
            term = f.search.strip().lower()
            text = rows[self.spec.column_names].astype(str).agg(" ".join, axis=1) + rows["error_details"]
            keep &= text.str.lower().str.contains(term, regex=False)
        return rows[keep]

    def exception_history(self, exception_id: int) -> pd.DataFrame:
        """The events of one exception, oldest first."""
        self.db.reads.append(("exception_history", str(exception_id)))
        return self._data.history.get(exception_id, pd.DataFrame(columns=["event_id", "created_at", "action"]))

    def corrections_template(self, run_id: str) -> pd.DataFrame:
        """The run's OPEN exceptions: exception_id, action, note, the raw fields."""
        rows = self._matching(run_id, ExceptionFilter(status="OPEN")).sort_values("record_id")
        template = rows[["exception_id", *self.spec.column_names]].astype(str).assign(action="", note="")
        return template[["exception_id", "action", "note", *self.spec.column_names]].reset_index(drop=True)
