"""The dashboard reader's reads of one run's exceptions: counts, pages, rows, one exception's history, and the
open ones as a corrections template (mixed into `panel_app.reader.Reader`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from flows.dataset import DatasetSpec
from flows.storage import read as queries
from flows.storage.read import ExceptionDimension, ExceptionFilter


def utc(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """The frame with these timestamp columns in UTC (changed in place)."""
    for column in columns:
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


class ExceptionReads:
    """Exception reads over `_read` (the cache), `raw_table`, `spec`, `url` and `revision` of the Reader."""

    url: str
    _read: Callable[..., Any]

    @property
    def spec(self) -> DatasetSpec:
        """The dataset's spec (see Reader)."""
        raise NotImplementedError

    @property
    def raw_table(self) -> Any:
        """The dataset's raw table (see Reader)."""
        raise NotImplementedError

    def revision(self, run_id: str) -> int:
        """The run's revision (see Reader)."""
        raise NotImplementedError

    def exception_counts(
        self, run_id: str, by: ExceptionDimension, f: ExceptionFilter, field: str = ""
    ) -> pd.DataFrame:
        """Quarantined records of a run per category, rule or raw value of `field`."""
        key = ("exception_counts", run_id, self.revision(run_id), by, field, f)
        return self._read(key, queries.exception_counts, self.raw_table, run_id, by, f, field)

    def exception_page(self, run_id: str, f: ExceptionFilter, page: int, size: int) -> tuple[pd.DataFrame, int]:
        """One page of exception rows (1-based page number) and how many rows match in all."""
        raw, fields, revision = self.raw_table, self.spec.column_names, self.revision(run_id)
        total = self._read(("exception_total", run_id, revision, f), queries.exception_total, raw, run_id, f)
        rows = self._read(
            ("exception_page", run_id, revision, f, page, size),
            queries.exception_page,
            raw,
            run_id,
            f,
            (page - 1) * size,
            size,
            fields,
        )
        return rows, int(total)

    def exception_rows(self, run_id: str, f: ExceptionFilter) -> pd.DataFrame:
        """Every exception row matching the filter (for the CSV export; not cached)."""
        raw, fields = self.raw_table, self.spec.column_names
        with queries.connect(self.url) as conn:
            total = queries.exception_total(conn, raw, run_id, f)
            return queries.exception_page(conn, raw, run_id, f, 0, total, fields)

    def exception_history(self, exception_id: int) -> pd.DataFrame:
        """One exception's events, oldest first, times in UTC (not cached: it is read when a row is picked)."""
        with queries.connect(self.url) as conn:
            return utc(queries.exception_history(conn, exception_id), "created_at")

    def corrections_template(self, run_id: str) -> pd.DataFrame:
        """The run's open exceptions as a corrections template (not cached: it is downloaded)."""
        with queries.connect(self.url) as conn:
            return queries.corrections_template(conn, run_id, self.spec.column_names)
