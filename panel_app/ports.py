"""What the dashboard needs from whatever reads the pipeline's results: the `DashboardReader` protocol.

`panel_app.reader.Reader` implements it over the storage layer's read API (`flows.storage.read`);
the unit tests implement it over small in-memory frames (tests/unit/dashboard/fakes.py). The
DataStore and every card depend only on this protocol.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import pandas as pd

from flows.dataset import DatasetSpec
from flows.storage.read import ExceptionDimension, ExceptionFilter

ALERT_LIMIT = 200  # `alerts()` lists at most this many findings: the dataset's latest


@dataclass(frozen=True)
class DatabaseState:
    """What the dashboard can show: `ok`, `empty` (no runs yet) or `unreachable`, and why."""

    kind: Literal["ok", "empty", "unreachable"]
    detail: str = ""


class DashboardReader(Protocol):
    """Reads one dataset's runs and results; `for_dataset` hands out the reader of another dataset."""

    dataset: str
    masked_url: str  # where it reads, the password masked (shown on the empty and unreachable pages)
    expectations_dir: Path

    @property
    def spec(self) -> DatasetSpec:
        """The dataset's spec (raises SpecError when it cannot be loaded)."""
        ...

    def for_dataset(self, dataset: str, expectations_dir: Path | None = None) -> DashboardReader:
        """The reader of another dataset of the same database."""
        ...

    def refresh(self) -> None:
        """Forget the lists that grow as runs arrive."""
        ...

    def state(self) -> DatabaseState:
        """Whether there is anything to show; never raises."""
        ...

    def datasets(self) -> list[str]:
        """The datasets that have at least one run."""
        ...

    def runs(self) -> pd.DataFrame:
        """Every run of the dataset, newest first, timestamps in UTC."""
        ...

    def grain(self, run_id: str, dates: tuple[Any, Any] | None = None, *chosen: Sequence[str]) -> pd.DataFrame:
        """A run's aggregates at the spec's grain under the date range and each dimension's chosen values."""
        ...

    def dimensions(self, run_id: str) -> pd.DataFrame:
        """The key combinations of a run's grain (a missing key is None)."""
        ...

    def run_totals(self) -> pd.DataFrame:
        """Each measure's sum and the record count of every COMPLETED run."""
        ...

    def ledger_grain(self, dates: tuple[Any, Any] | None = None, *chosen: Sequence[str]) -> pd.DataFrame:
        """The whole current ledger's aggregates at the spec's grain under the filters (as `grain`)."""
        ...

    def ledger_dimensions(self) -> pd.DataFrame:
        """The key combinations of the current ledger's grain (a missing key is None)."""
        ...

    def run_change_counts(self, run_id: str) -> dict[str, int]:
        """How many rows a run quarantined as `resent` and as `conflict`, `superseded`, and `added` (new keys)."""
        ...

    def run_changes(self, run_id: str) -> pd.DataFrame:
        """The rows a run changed the ledger with (flows.storage.read.CHANGE_COLUMNS), a bounded list per kind."""
        ...

    def rule_failures(self) -> pd.DataFrame:
        """Failed records and findings per COMPLETED run and rule."""
        ...

    def stage_durations(self) -> pd.DataFrame:
        """Finished stages of every run that is not RUNNING."""
        ...

    def audit_events(self, run_id: str) -> pd.DataFrame:
        """One run's audit events in order."""
        ...

    def resolutions(self) -> pd.DataFrame:
        """Per COMPLETED run, oldest first: `exceptions`, `open`, `promoted`, `dismissed`, `promoted_by_correction`,
        `promoted_by_waiver` (flows.storage.read.RESOLUTION_COLUMNS)."""
        ...

    def resolution_days(self) -> pd.DataFrame:
        """Steward events per UTC `day` (text, YYYY-MM-DD), `action` and `status_after`: `events`."""
        ...

    def alerts(self) -> pd.DataFrame:
        """The dataset's latest ALERT_LIMIT findings across runs, newest first (flows.storage.read.ALERT_COLUMNS)."""
        ...

    def run_alerts(self, run_id: str) -> pd.DataFrame:
        """Every finding about one run, newest first (the same columns)."""
        ...

    def exception_counts(
        self, run_id: str, by: ExceptionDimension, f: ExceptionFilter, field: str = ""
    ) -> pd.DataFrame:
        """Quarantined records of a run (`key`, `records`) per category, rule or raw value of `field`."""
        ...

    def exception_page(self, run_id: str, f: ExceptionFilter, page: int, size: int) -> tuple[pd.DataFrame, int]:
        """One page of exception rows (1-based) and how many rows match in all."""
        ...

    def exception_rows(self, run_id: str, f: ExceptionFilter) -> pd.DataFrame:
        """Every exception row matching the filter (for the CSV export)."""
        ...

    def exception_history(self, exception_id: int) -> pd.DataFrame:
        """One exception's steward events, oldest first (created_at in UTC)."""
        ...

    def corrections_template(self, run_id: str) -> pd.DataFrame:
        """The run's open exceptions as a corrections template: exception_id, action, note, the source fields."""
        ...
