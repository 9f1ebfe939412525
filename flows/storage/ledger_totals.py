"""The ledger's totals in storage: its aggregates (`ledger_summary`), and the counts and sums its reconciliation
compares them with (per run from the clean table, in total from the current view)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pandas as pd
import pyarrow as pa
from sqlalchemy import Connection, case, column, delete, func, select
from sqlalchemy import table as table_clause

from flows.constants import LINEAGE_COLUMNS, RECORD_COUNT, SUPERSEDED_BY, RunStatus, current_view
from flows.dataset import DatasetSpec
from flows.stages.analytics import VALUE_TYPE
from flows.storage.bulk import write_frame
from flows.storage.models import LedgerSummary, PipelineRun
from flows.storage.records import read_summary
from flows.storage.tables import dataset_tables

QUANTUM = Decimal("0.000001")


class LedgerTotals:
    """The dataset's ledger aggregates and reconciliation counts, inside the caller's transaction."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def summary(self, dataset: str) -> pd.DataFrame:
        """The dataset's ledger aggregates (SUMMARY_COLUMNS), values as exact decimals."""
        t = LedgerSummary
        stmt = select(t.breakdown, t.key_1, t.key_2, t.key_3, t.measure, t.value).where(t.dataset == dataset)
        return read_summary(self._conn, stmt)

    def replace_summary(self, dataset: str, summary: pd.DataFrame) -> None:
        """The dataset's ledger aggregates become `summary`."""
        self._conn.execute(delete(LedgerSummary).where(LedgerSummary.dataset == dataset))
        exact = pa.array(summary["value"].tolist(), type=VALUE_TYPE.pyarrow_dtype)  # however the sum typed them
        values = pd.Series(exact, index=summary.index, dtype=VALUE_TYPE)
        write_frame(self._conn, "ledger_summary", summary.assign(value=values, dataset=dataset))

    def run_counts(self, spec: DatasetSpec) -> pd.DataFrame:
        """Per COMPLETED run: its recorded clean count, and from the clean table the rows loaded from its file,
        promoted by stewards and superseded by later rows, and from the current view the rows still current."""
        clean, runs = dataset_tables(spec).clean, PipelineRun
        promoted = clean.c[LINEAGE_COLUMNS[0]].is_not(None)
        counts = (
            select(
                clean.c.run_id,
                func.sum(_flag(~promoted)).label("loaded"),
                func.sum(_flag(promoted)).label("promoted"),
                func.sum(_flag(clean.c[SUPERSEDED_BY].is_not(None))).label("superseded"),
            )
            .group_by(clean.c.run_id)
            .subquery()
        )
        view = table_clause(current_view(spec.clean_table), column("run_id"))
        current = select(view.c.run_id, func.count().label("current")).group_by(view.c.run_id).subquery()
        stmt = (
            select(runs.run_id, runs.clean_count, counts.c.loaded, counts.c.promoted, counts.c.superseded)
            .add_columns(current.c.current)
            .outerjoin(counts, counts.c.run_id == runs.run_id)
            .outerjoin(current, current.c.run_id == runs.run_id)
            .where(runs.dataset == spec.name, runs.status == RunStatus.COMPLETED)
            .order_by(runs.started_at)
        )
        names = ["run_id", "recorded", "loaded", "promoted", "superseded", "current"]
        frame = pd.DataFrame(self._conn.execute(stmt).all(), columns=names)
        return frame.fillna(0).astype({n: "int64" for n in names[1:]})

    def current_totals(self, spec: DatasetSpec) -> dict[str, Decimal]:
        """The record count and each measure's sum over the dataset's current view, as the database adds them."""
        measures = list(spec.analytics.measures)
        view = table_clause(current_view(spec.clean_table), *(column(m) for m in measures))
        sums = [func.coalesce(func.sum(view.c[m]), 0) for m in measures]
        row = self._conn.execute(select(func.count(), *sums).select_from(view)).one()
        return {n: Decimal(str(v)) for n, v in zip([RECORD_COUNT, *measures], row, strict=True)}


def _flag(condition: Any) -> Any:
    return case((condition, 1), else_=0)
