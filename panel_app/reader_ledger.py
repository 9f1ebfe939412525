"""The dashboard reader's reads of the dataset's ledger: the whole current ledger at the grain (from
`ledger_summary`, never the clean table), its dimensions, and what one run changed in it (mixed into
`panel_app.reader.Reader`).

The ledger moves when a run completes and when stewards act on any run's exceptions (promotions add rows and
supersede others). Its reads are cached under `ledger_version`: every COMPLETED run with its revision, as of
the last read of the run list (re-read after LIST_TTL_S, or at once on `refresh()`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import pandas as pd

from flows.constants import MISSING, RECORD_COUNT, RunStatus
from flows.dataset import DatasetSpec
from flows.storage import read as queries


def typed_grain(frame: pd.DataFrame, spec: DatasetSpec) -> pd.DataFrame:
    """A grain read as the cards take it: a missing key reads MISSING, sums and counts are floats."""
    frame = frame.copy()
    for dimension in spec.analytics.grain_dimensions:
        frame[dimension] = frame[dimension].fillna(MISSING)
    for column in (*spec.analytics.measures, RECORD_COUNT):
        frame[column] = pd.to_numeric(frame[column].astype(object), errors="coerce").astype(float)
    return frame


class LedgerReads:
    """Ledger reads over `_read` (the cache), `spec`, `dataset`, `runs` and `revision` of the Reader."""

    dataset: str
    _read: Callable[..., Any]

    @property
    def spec(self) -> DatasetSpec:
        """The dataset's spec (see Reader)."""
        raise NotImplementedError

    def runs(self) -> pd.DataFrame:
        """The run list (see Reader)."""
        raise NotImplementedError

    def revision(self, run_id: str) -> int:
        """The run's revision (see Reader)."""
        raise NotImplementedError

    def ledger_version(self) -> tuple[tuple[str, int], ...]:
        """Every COMPLETED run and its revision: it moves whenever the current ledger may have."""
        runs = self.runs()
        if runs.empty:
            return ()
        done = runs[runs["status"] == RunStatus.COMPLETED]
        return tuple(sorted(zip(done["run_id"].astype(str), done["revision"].astype(int).tolist(), strict=True)))

    def ledger_grain(self, dates: tuple[Any, Any] | None = None, *chosen: Sequence[str]) -> pd.DataFrame:
        """The whole current ledger's aggregates at the spec's grain under the filters (as `Reader.grain`)."""
        analytics = self.spec.analytics
        start, end = dates or (None, None)
        picked = tuple(tuple(values) for values in chosen)
        key = ("ledger_grain", self.ledger_version(), start, end, picked)
        args = (self.dataset, analytics.grain, analytics.measures, start, end, picked)
        return typed_grain(self._read(key, queries.ledger_grain, *args), self.spec)

    def ledger_dimensions(self) -> pd.DataFrame:
        """The key combinations of the current ledger's grain (a missing key is None)."""
        key = ("ledger_dimensions", self.ledger_version())
        return self._read(key, queries.ledger_dimensions, self.dataset, self.spec.analytics.grain)

    def run_change_counts(self, run_id: str) -> dict[str, int]:
        """How many rows the run quarantined as resent and as conflicts, superseded, and added."""
        key = ("change_counts", run_id, self.revision(run_id))
        return dict(self._read(key, queries.run_change_counts, self.spec, run_id))

    def run_changes(self, run_id: str) -> pd.DataFrame:
        """The rows the run changed the ledger with (flows.storage.read.CHANGE_COLUMNS), a bounded list per kind."""
        frame = self._read(("changes", run_id, self.revision(run_id)), queries.run_changes, self.spec, run_id)
        return frame.copy()
