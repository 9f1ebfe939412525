"""Exception management in storage: exceptions and their status, the append-only events, promoted clean rows,
and the read-backs a replay needs (clean rows as text, each raw record's state), inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Select, Text, cast, delete, func, insert, select, update

from flows.constants import CLEAN_LOADED, CLEAN_PROMOTED, RECORD_ID, ExceptionStatus
from flows.dataset import DatasetSpec
from flows.stages.analytics import VALUE_TYPE
from flows.storage.bulk import write_frame
from flows.storage.models import AnalyticsSummary, ExceptionEvent, ExceptionRecord, PipelineRun
from flows.storage.records import read_int_column, read_summary
from flows.storage.tables import dataset_tables

QUANTUM = Decimal(1).scaleb(-VALUE_TYPE.pyarrow_dtype.scale)  # analytics values are kept at this scale
IN_LIST = 5000  # ids per IN (...) list: far below SQLite's limit of bound variables
EXCEPTION_FIELDS = ("id", "run_id", "dataset", "original_record_id", "error_category", "error_details", "raw_data")


class StaleException(RuntimeError):
    """An exception changed status under us (another steward acted on it first)."""


class ExceptionRecords:
    """Exceptions, their events, and promotions into a dataset's clean table."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def find(self, ids: Iterable[int]) -> dict[int, dict[str, Any]]:
        """The exceptions with these ids (with their status and their run's), by id; unknown ids are absent."""
        t, run = ExceptionRecord, PipelineRun
        columns = [getattr(t, f) for f in EXCEPTION_FIELDS]
        stmt = select(*columns, t.status, run.status.label("run_status")).join(
            run, run.run_id == t.run_id, isouter=True
        )
        stmt = stmt.where(t.id.in_(list(ids)))
        return {row["id"]: dict(row) for row in self._conn.execute(stmt).mappings()}

    def of_run(self, run_id: str, status: str | None = None) -> list[dict[str, Any]]:
        """A run's exceptions (optionally of one status) in record order."""
        t = ExceptionRecord
        stmt = select(*(getattr(t, f) for f in EXCEPTION_FIELDS), t.status).where(t.run_id == run_id)
        if status:
            stmt = stmt.where(t.status == status)
        return [dict(r) for r in self._conn.execute(stmt.order_by(t.original_record_id)).mappings()]

    def set_status(self, exception_id: int, expected: str, status: str) -> None:
        """Move an exception from `expected` to `status`; StaleException if it is no longer `expected`."""
        t = ExceptionRecord
        stmt = update(t).where(t.id == exception_id, t.status == expected).values(status=status)
        if self._conn.execute(stmt).rowcount != 1:
            raise StaleException(f"exception {exception_id} is no longer {expected}: someone else acted on it first")

    def move_status(self, ids: Sequence[int], expected: str, status: str) -> None:
        """Move many exceptions from `expected` to `status` at once; StaleException if any is no longer `expected`."""
        t = ExceptionRecord
        for start in range(0, len(ids), IN_LIST):
            part = list(ids[start : start + IN_LIST])
            stmt = update(t).where(t.id.in_(part), t.status == expected).values(status=status)
            moved = self._conn.execute(stmt).rowcount
            if moved != len(part):
                stale = len(part) - moved
                raise StaleException(
                    f"{stale} of these exceptions are no longer {expected}: someone acted on them first"
                )

    def add_events(self, events: Sequence[dict[str, Any]]) -> dict[int, int]:
        """Append one event per exception (one executemany); return each exception's new event id."""
        if not events:
            return {}
        self._conn.execute(insert(ExceptionEvent), list(events))
        t, replay = ExceptionEvent, events[0]["replay_run_id"]
        return {e: i for i, e in self._conn.execute(select(t.id, t.exception_id).where(t.replay_run_id == replay))}

    def events(self, exception_id: int) -> list[dict[str, Any]]:
        """An exception's events, oldest first."""
        t = ExceptionEvent
        stmt = select(t.__table__).where(t.exception_id == exception_id).order_by(t.id)
        return [dict(r) for r in self._conn.execute(stmt).mappings()]

    def promote(self, spec: DatasetSpec, rows: pd.DataFrame) -> None:
        """Insert promoted clean rows (with their lineage columns); record_id is the key, so never twice."""
        write_frame(self._conn, spec.clean_table, rows)

    def unpromote(self, spec: DatasetSpec, exception_id: int) -> None:
        """Remove the clean row a replay promoted from this exception (the exception is reopened)."""
        clean = dataset_tables(spec).clean
        self._conn.execute(delete(clean).where(clean.c.promoted_from_exception_id == exception_id))

    def clean_keys(self, run_id: str, spec: DatasetSpec, among: Sequence[str]) -> set[str]:
        """Which of the business keys `among` a clean row of the run already has."""
        clean, candidates = dataset_tables(spec).clean, sorted(set(among))
        column = clean.c[spec.business_key]
        found: set[str] = set()
        for start in range(0, len(candidates), IN_LIST):
            part = candidates[start : start + IN_LIST]
            stmt = select(column).where(clean.c.run_id == run_id, cast(column, Text).in_(part))
            found |= {str(k) for k in self._conn.execute(stmt).scalars() if k is not None}
        return found

    def clean_text(self, run_id: str, spec: DatasetSpec, record_ids: Sequence[int] | None = None) -> pd.DataFrame:
        """The run's clean rows (or only those of `record_ids`), every value as text (dates ISO), by record id."""
        clean = dataset_tables(spec).clean
        names = [*spec.column_names, *(d.name for d in spec.derived)]
        dates = {c.name for c in spec.columns if c.type == "date"}  # read as dates: text would follow DateStyle
        columns = (clean.c[n] if n in dates else cast(clean.c[n], Text).label(n) for n in names)
        stmt = select(clean.c.record_id, *columns).where(clean.c.run_id == run_id)
        if record_ids is None:
            rows = self._conn.execute(stmt).all()
        else:
            ids = list(record_ids)
            parts = (stmt.where(clean.c.record_id.in_(ids[i : i + IN_LIST])) for i in range(0, len(ids), IN_LIST))
            rows = [row for part in parts for row in self._conn.execute(part).all()]
        frame = pd.DataFrame(rows, columns=[RECORD_ID, *names], dtype=object)
        for name in dates:
            frame[name] = frame[name].map(lambda d: None if d is None else d.isoformat())
        return frame.set_index(RECORD_ID)

    def analytics(self, run_id: str) -> pd.DataFrame:
        """The run's analytics rows (SUMMARY_COLUMNS), values as exact decimals."""
        t = AnalyticsSummary
        stmt = select(t.breakdown, t.key_1, t.key_2, t.key_3, t.measure, t.value).where(t.run_id == run_id)
        return read_summary(self._conn, stmt)

    def replace_analytics(self, run_id: str, dataset: str, summary: pd.DataFrame) -> None:
        """Replace the run's analytics rows by `summary`."""
        t = AnalyticsSummary
        self._conn.execute(delete(t).where(t.run_id == run_id))
        write_frame(self._conn, "analytics_summary", summary.assign(run_id=run_id, dataset=dataset))

    def record_states(
        self, run_id: str, spec: DatasetSpec, record_ids: Sequence[int] | None = None
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """The run's raw record ids (or those of `record_ids`), and the record ids in each state: loaded clean,
        promoted clean, and the exceptions per status (OPEN, DISMISSED, PROMOTED)."""
        tables, t = dataset_tables(spec), ExceptionRecord
        clean, raw = tables.clean, tables.raw
        loaded = clean.c.promoted_from_exception_id.is_(None)
        queries: dict[str, Select[Any]] = {
            "raw": select(raw.c.id).where(raw.c.run_id == run_id),
            CLEAN_LOADED: select(clean.c.record_id).where(clean.c.run_id == run_id, loaded),
            CLEAN_PROMOTED: select(clean.c.record_id).where(clean.c.run_id == run_id, ~loaded),
            **{
                str(status): select(t.original_record_id).where(t.run_id == run_id, t.status == status)
                for status in ExceptionStatus
            },
        }
        columns = {"raw": raw.c.id, CLEAN_LOADED: clean.c.record_id, CLEAN_PROMOTED: clean.c.record_id}
        found: dict[str, np.ndarray] = {}
        for name, query in queries.items():
            column = columns.get(name, t.original_record_id)
            ids = list(record_ids) if record_ids is not None else None
            parts = (
                [query]
                if ids is None
                else [query.where(column.in_(ids[i : i + IN_LIST])) for i in range(0, len(ids), IN_LIST)]
            )
            found[name] = np.concatenate(
                [read_int_column(self._conn, part) for part in parts] or [np.array([], np.int64)]
            )
        return found.pop("raw"), found

    def state_counts(self, run_id: str, spec: DatasetSpec) -> dict[str, int]:
        """How many of the run's records are raw, clean (loaded, promoted) and exceptions per status."""
        tables, t = dataset_tables(spec), ExceptionRecord
        clean, raw = tables.clean, tables.raw
        loaded = clean.c.promoted_from_exception_id.is_(None)
        counts = {"raw": select(func.count()).select_from(raw).where(raw.c.run_id == run_id)}
        counts[CLEAN_LOADED] = select(func.count()).select_from(clean).where(clean.c.run_id == run_id, loaded)
        counts[CLEAN_PROMOTED] = select(func.count()).select_from(clean).where(clean.c.run_id == run_id, ~loaded)
        by_status = select(t.status, func.count()).where(t.run_id == run_id).group_by(t.status)
        found = {name: int(self._conn.execute(query).scalar_one()) for name, query in counts.items()}
        return found | {str(s): 0 for s in ExceptionStatus} | {str(k): int(v) for k, v in self._conn.execute(by_status)}
