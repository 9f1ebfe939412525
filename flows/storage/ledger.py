"""A dataset's ledger in storage: the loaded rows a file's keys match, supersession marks, the ledger-wide
aggregates (`ledger_summary`) and the counts its reconciliation compares. Inside the caller's transaction.

The current ledger is every clean row of a COMPLETED run (promotions included) that no later row superseded;
`current_<clean table>` is that view for a user's SQL. Key lookups go by the business key's index.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import pandas as pd
from sqlalchemy import (
    BigInteger,
    Text,
    any_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY

from flows.constants import (
    RECORD_ID,
    SUPERSEDED_BY,
    SUPERSEDED_IN,
    SUPERSEDES,
    RunStatus,
)
from flows.dataset import DatasetSpec
from flows.stages.corrections import stored_as_typed
from flows.stages.ledger import LedgerConflict
from flows.storage.ledger_totals import LedgerTotals
from flows.storage.models import PipelineRun
from flows.storage.tables import dataset_tables

SUPERSEDE_BATCH = 5_000  # pairs per UPDATE: 3 bound parameters each, under SQLite's 32,766

QUANTUM = Decimal("0.000001")
EARLIER = ["key", "earlier_record", "earlier_run", "earlier_source", "earlier_row"]  # who loaded a key first
SOURCES = ["earlier_record", "earlier_source", "earlier_row"]  # an earlier record's raw row: which file, which row


class LedgerRecords(LedgerTotals):
    """Reads and writes of the dataset's ledger."""

    def lock(self, dataset: str) -> None:
        """Until the transaction ends, no other run of the dataset changes its ledger (PostgreSQL; SQLite has one
        writer at a time): finalizing runs go one after another, each seeing what the one before committed."""
        if self._conn.dialect.name == "postgresql":
            key = int.from_bytes(hashlib.sha256(f"ledger:{dataset}".encode()).digest()[:8], "big", signed=True)
            self._conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({key})")

    def matches(self, spec: DatasetSpec, keys: Sequence[str]) -> pd.DataFrame:
        """The current rows whose key is one of `keys`: EARLIER columns, then the spec's columns typed.

        Two queries: the keys' current rows (by the key's index), then the raw rows of those few. As one join, the
        planner expects every key to match and reads the whole raw table for them (seconds a chunk at 10M rows)."""
        tables = dataset_tables(spec)
        clean, raw, runs = tables.clean, tables.raw, PipelineRun
        key = clean.c[spec.business_key]
        stmt = (
            select(key.label("key"), clean.c.record_id, clean.c.run_id)
            .add_columns(*_as_text(clean, spec))
            .join(runs, runs.run_id == clean.c.run_id)
            .where(runs.status == RunStatus.COMPLETED, clean.c[SUPERSEDED_BY].is_(None))
            .where(self._one_of(key, keys, Text))
        )
        rows = self._conn.execute(stmt).all() if len(keys) else []
        found = pd.DataFrame(rows, columns=[*EARLIER[:3], *_values(spec)], dtype=object)
        ids = found["earlier_record"].tolist()
        origin = select(raw.c.id, raw.c.source_name, raw.c.source_row).where(self._one_of(raw.c.id, ids, BigInteger))
        came = pd.DataFrame(self._conn.execute(origin).all() if ids else [], columns=SOURCES, dtype=object)
        frame = _iso_dates(found.merge(came, on="earlier_record", how="left"), spec)
        return pd.concat([frame[EARLIER], stored_as_typed(frame, spec)[spec.column_names]], axis=1)

    def supersede(self, spec: DatasetSpec, run_id: str, replaced_by: dict[int, int]) -> pd.DataFrame:
        """Mark each earlier row (key) superseded by its later row (value) in `run_id`; return the earlier rows,
        typed, as they were (for the ledger's aggregates). Rows no longer current are refused."""
        clean = dataset_tables(spec).clean
        if not replaced_by:
            return pd.DataFrame()
        stmt = select(clean.c.record_id, *_as_text(clean, spec)).where(clean.c.record_id.in_(list(replaced_by)))
        gone = self._conn.execute(stmt).all()
        frame = pd.DataFrame(gone, columns=[RECORD_ID, *_values(spec)], dtype=object).set_index(RECORD_ID)
        pairs = list(replaced_by.items())
        for start in range(0, len(pairs), SUPERSEDE_BATCH):  # one UPDATE per batch: old id -> new id by CASE
            batch = dict(pairs[start : start + SUPERSEDE_BATCH])
            done = self._conn.execute(
                clean.update()
                .where(clean.c.record_id.in_(list(batch)), clean.c[SUPERSEDED_BY].is_(None))
                .values({SUPERSEDED_BY: case(batch, value=clean.c.record_id), SUPERSEDED_IN: run_id})
            )
            if done.rowcount != len(batch):
                raise LedgerConflict(
                    f"{len(batch) - done.rowcount} of records {min(batch)}..{max(batch)} are no longer current: "
                    "another run superseded them first"
                )
        return stored_as_typed(_iso_dates(frame, spec), spec)

    def restore(self, spec: DatasetSpec, replacements: Sequence[int]) -> pd.DataFrame:
        """Make current again the rows these records had superseded (a reopening took the records out); return
        those rows, typed."""
        clean = dataset_tables(spec).clean
        if not len(replacements):
            return pd.DataFrame()
        back = clean.c[SUPERSEDED_BY].in_(list(replacements))
        rows = self._conn.execute(select(clean.c.record_id, *_as_text(clean, spec)).where(back)).all()
        frame = pd.DataFrame(rows, columns=[RECORD_ID, *_values(spec)], dtype=object).set_index(RECORD_ID)
        self._conn.execute(clean.update().where(back).values({SUPERSEDED_BY: None, SUPERSEDED_IN: None}))
        return stored_as_typed(_iso_dates(frame, spec), spec)

    def superseding(self, spec: DatasetSpec, run_id: str) -> dict[int, int]:
        """The run's clean rows that replace an earlier row: earlier record id -> the run's record id."""
        clean = dataset_tables(spec).clean
        stmt = select(clean.c[SUPERSEDES], clean.c.record_id).where(
            clean.c.run_id == run_id, clean.c[SUPERSEDES].is_not(None)
        )
        return {int(old): int(new) for old, new in self._conn.execute(stmt)}

    def late_repeats(self, spec: DatasetSpec, run_id: str, since: dt.datetime) -> list[str]:
        """Keys of the run's clean rows that a run COMPLETED since `since` also made current (two runs of the
        dataset loading the same key at the same time: each checked its keys before the other finished)."""
        runs = PipelineRun
        finished = select(runs.run_id).where(runs.dataset == spec.name, runs.status == RunStatus.COMPLETED)
        meanwhile = list(self._conn.execute(finished.where(runs.ended_at >= since, runs.run_id != run_id)).scalars())
        if not meanwhile:  # the usual case: no other run finished while this one ran; nothing to join
            return []
        clean = dataset_tables(spec).clean
        mine, other, key = clean.alias("mine"), clean.alias("other"), spec.business_key
        stmt = (
            select(mine.c[key])
            .join(other, other.c[key] == mine.c[key])
            .where(mine.c.run_id == run_id, other.c.run_id.in_(meanwhile), other.c[SUPERSEDED_BY].is_(None))
            .where(func.coalesce(mine.c[SUPERSEDES], -1) != other.c.record_id)
            .limit(5)
        )
        return [str(k) for k in self._conn.execute(stmt).scalars()]

    def _one_of(self, column: Any, values: Sequence[Any], kind: Any) -> Any:
        """`column` is one of `values`, as one bound parameter however many there are: an array on PostgreSQL,
        a JSON list on SQLite (IN lists would need a query per few thousand values)."""
        if self._conn.dialect.name == "postgresql":
            return column == any_(bindparam("values", list(values), type_=ARRAY(kind)))
        listed: Any = select(literal_column("value")).select_from(
            func.json_each(bindparam("values", json.dumps(list(values))))
        )
        return column.in_(listed.scalar_subquery())


def _flag(condition: Any) -> Any:
    return case((condition, 1), else_=0)


def _values(spec: DatasetSpec) -> list[str]:
    return [*spec.column_names, *(d.name for d in spec.derived)]


def _as_text(clean: Any, spec: DatasetSpec) -> list[Any]:
    """The spec's columns and derived columns as text, dates as dates (text would follow the server's DateStyle)."""
    dates = {c.name for c in spec.columns if c.type == "date"}
    return [clean.c[n] if n in dates else cast(clean.c[n], Text).label(n) for n in _values(spec)]


def _iso_dates(frame: pd.DataFrame, spec: DatasetSpec) -> pd.DataFrame:
    for name in (c.name for c in spec.columns if c.type == "date"):
        frame[name] = frame[name].map(lambda d: None if d is None else d.isoformat())
    return frame
