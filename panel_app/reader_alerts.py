"""The dashboard reader's reads of the alert findings: the dataset's latest, and one run's (mixed into
`panel_app.reader.Reader`).

Findings are written after a run ends, so they are cached as a list (re-read after LIST_TTL_S, or at once on
`refresh()`), never under a run's revision. A run's findings come from the dataset's list whenever that list is
complete (fewer than ALERT_LIMIT findings in all), so a page load costs one small query.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from flows.storage import read as queries
from panel_app.ports import ALERT_LIMIT
from panel_app.reader_exceptions import utc

ALERT_KEYS = frozenset({"alerts", "run_alerts"})  # list keys of the Reader's cache


class AlertReads:
    """Alert reads over `_read` (the cache) and `dataset` of the Reader."""

    dataset: str
    _read: Callable[..., Any]

    def alerts(self) -> pd.DataFrame:
        """The dataset's latest ALERT_LIMIT findings across runs, newest first, created_at in UTC."""
        listed = self._read(("alerts",), queries.dataset_alerts, self.dataset, ALERT_LIMIT)
        return utc(listed.copy(), "created_at")

    def run_alerts(self, run_id: str) -> pd.DataFrame:
        """Every finding about one run, newest first: from the dataset's list when it holds them all."""
        listed = self.alerts()
        if len(listed) < ALERT_LIMIT:
            return listed[listed["run_id"] == run_id].reset_index(drop=True)
        return utc(self._read(("run_alerts", run_id), queries.run_alerts, run_id).copy(), "created_at")
