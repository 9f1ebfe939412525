"""The dashboard's `DashboardReader` over the storage layer's read API, cached for every browser session.

A COMPLETED run's results change only when stewards act on its exceptions, which moves its `revision`
(in the run list): results are cached under the run and its revision until evicted. Lists that grow as
runs arrive (datasets, runs and their revisions, cross-run aggregates, alert findings) are re-read after
LIST_TTL_S or on `refresh()`, so a replay from elsewhere shows within LIST_TTL_S, and the dashboard's own at once.
Each dataset has its own Reader (and cache); `for_dataset` hands out the sibling for another one.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from flows.constants import RECORD_COUNT
from flows.dataset import DatasetSpec, load_dataset
from flows.storage import read as queries
from flows.storage.read import mask_secrets, mask_url
from panel_app.ports import DatabaseState
from panel_app.reader_alerts import ALERT_KEYS, AlertReads
from panel_app.reader_exceptions import ExceptionReads
from panel_app.reader_exceptions import utc as _utc
from panel_app.reader_ledger import LedgerReads, typed_grain

LIST_TTL_S = 30.0
LIST_KEYS = (
    frozenset({"datasets", "runs", "run_totals", "rule_failures", "stage_durations", "resolutions", "resolution_days"})
    | ALERT_KEYS
)
MAX_ENTRIES = 512
DEFAULT_EXPECTATIONS = Path("expectations")
_SHARED: dict[tuple[str, str, Path], Reader] = {}


@lru_cache(maxsize=32)
def load_spec(dataset: str, expectations_dir: Path) -> DatasetSpec:
    """A dataset's spec, read from the expectations folder once per process."""
    return load_dataset(dataset, expectations_dir)


def shared_reader(url: str, dataset: str, expectations_dir: Path = DEFAULT_EXPECTATIONS) -> Reader:
    """The one Reader of this process for a database URL and dataset (its cache is shared)."""
    key = (url, dataset, expectations_dir)
    if key not in _SHARED:
        _SHARED[key] = Reader(url, dataset, expectations_dir, family=_SHARED)
    return _SHARED[key]


def _floats(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for column in columns:
        frame[column] = pd.to_numeric(frame[column].astype(object), errors="coerce").astype(float)
    return frame


class Reader(ExceptionReads, LedgerReads, AlertReads):
    """Reads one database for one dataset through `flows.storage.read`, with a bounded cache."""

    def __init__(
        self,
        url: str,
        dataset: str,
        expectations_dir: Path = DEFAULT_EXPECTATIONS,
        family: dict[tuple[str, str, Path], Reader] | None = None,
    ) -> None:
        self.url, self.dataset, self.masked_url = url, dataset, mask_url(url)
        self.expectations_dir = expectations_dir
        self._family = {} if family is None else family  # the readers of the other datasets
        self._family.setdefault((url, dataset, expectations_dir), self)
        self._cache: OrderedDict[Hashable, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def for_dataset(self, dataset: str, expectations_dir: Path | None = None) -> Reader:
        """The reader of another dataset of the same database (one per dataset, created once)."""
        key = (self.url, dataset, expectations_dir or self.expectations_dir)
        if key not in self._family:
            Reader(*key, family=self._family)
        return self._family[key]

    @property
    def spec(self) -> DatasetSpec:
        """The dataset's spec (raises SpecError when it cannot be loaded)."""
        return load_spec(self.dataset, self.expectations_dir)

    @cached_property
    def raw_table(self) -> Any:  # a SQLAlchemy Table, opaque here: the dashboard builds no SQL
        """The dataset's raw table (values as received)."""
        return queries.raw_table(self.spec)

    def _read(self, key: tuple[Hashable, ...], query: Callable[..., Any], *args: Any) -> Any:
        now = time.monotonic()
        with self._lock:
            hit = self._cache.get(key)
            if hit and (key[0] not in LIST_KEYS or now - hit[0] < LIST_TTL_S):
                self._cache.move_to_end(key)
                return hit[1]
        with queries.connect(self.url) as conn:
            value = query(conn, *args)
        with self._lock:
            self._cache[key] = (now, value)
            while len(self._cache) > MAX_ENTRIES:
                self._cache.popitem(last=False)
        return value

    def refresh(self) -> None:
        """Forget the lists that grow as runs arrive; per-run results stay cached."""
        with self._lock:
            for key in [k for k in self._cache if isinstance(k, tuple) and k[0] in LIST_KEYS]:
                del self._cache[key]

    def state(self) -> DatabaseState:
        """Connect and say whether there is anything to show; never raises, never shows a password."""
        if queries.database_missing(self.url):
            return DatabaseState("empty", f"there is no database file yet at {self.masked_url}")
        try:
            with queries.connect(self.url) as conn:
                ready = queries.schema_ready(conn)
            if ready and self.datasets():
                return DatabaseState("ok")
        except Exception as exc:  # noqa: BLE001 - whatever stops the connection becomes the banner
            message = str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""]
            return DatabaseState("unreachable", mask_secrets(f"{type(exc).__name__}: {message[0]}", self.url))
        detail = "no pipeline run is recorded yet" if ready else "the pipeline's tables do not exist yet"
        return DatabaseState("empty", detail)

    def datasets(self) -> list[str]:
        """The datasets of the database that have at least one run."""
        return list(self._read(("datasets",), queries.list_datasets))

    def revision(self, run_id: str) -> int:
        """The newest steward event on the run's exceptions (0 for none), as of the last read of the run list."""
        runs = self._read(("runs",), queries.list_runs, self.dataset)
        found = runs.loc[runs["run_id"] == run_id, "revision"]
        return int(found.iloc[0]) if len(found) else 0

    def runs(self) -> pd.DataFrame:
        """Every run of the dataset, newest first, timestamps in UTC."""
        frame = self._read(("runs",), queries.list_runs, self.dataset)
        return _utc(frame.copy(), "started_at", "ended_at")

    def grain(self, run_id: str, dates: tuple[Any, Any] | None = None, *chosen: Sequence[str]) -> pd.DataFrame:
        """A run's aggregates at the spec's grain under the filters, as floats; a missing key reads MISSING.

        `chosen`: the accepted values of each grain dimension, in grain order (empty = all).
        """
        analytics = self.spec.analytics
        start, end = dates or (None, None)
        picked = tuple(tuple(values) for values in chosen)
        key = ("grain", run_id, self.revision(run_id), start, end, picked)
        args = (run_id, analytics.grain, analytics.measures, start, end, picked)
        return typed_grain(self._read(key, queries.analytics_grain, *args), self.spec)

    def dimensions(self, run_id: str) -> pd.DataFrame:
        """The key combinations of a run's grain (one column per grain field; a missing key is None)."""
        key = ("dimensions", run_id, self.revision(run_id))
        return self._read(key, queries.run_dimensions, run_id, self.spec.analytics.grain)

    def run_totals(self) -> pd.DataFrame:
        """Each measure's sum and the record count of every COMPLETED run."""
        measures = self.spec.analytics.measures
        frame = self._read(("run_totals",), queries.run_totals, self.dataset, measures).copy()
        return _floats(frame, *measures, RECORD_COUNT)

    def rule_failures(self) -> pd.DataFrame:
        """Failed records and findings per COMPLETED run and rule."""
        return self._read(("rule_failures",), queries.rule_failures, self.dataset)

    def stage_durations(self) -> pd.DataFrame:
        """Finished stages of every run that is not RUNNING."""
        return _utc(self._read(("stage_durations",), queries.stage_durations, self.dataset).copy(), "logged_at")

    def audit_events(self, run_id: str) -> pd.DataFrame:
        """One run's audit events in order."""
        return _utc(self._read(("audit", run_id), queries.audit_events, run_id).copy(), "logged_at")

    def resolutions(self) -> pd.DataFrame:
        """Per COMPLETED run: exceptions by current status, and how many were promoted by correction and by waiver."""
        return self._read(("resolutions",), queries.resolutions, self.dataset)

    def resolution_days(self) -> pd.DataFrame:
        """Steward events per UTC day (`YYYY-MM-DD`), action and status after."""
        return self._read(("resolution_days",), queries.resolution_days, self.dataset)
