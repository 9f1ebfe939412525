"""Reads of what one run changed in its dataset's ledger: the rows it quarantined as resent or as conflicts (the
ledger rule's findings), the earlier rows it superseded, and how many rows it added under new keys."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import ColumnElement, Connection, case, func, literal, null, select

from flows.constants import SUPERSEDES
from flows.dataset import DatasetSpec
from flows.storage.models import ValidationResult
from flows.storage.read.common import frame_of
from flows.storage.tables import dataset_tables

RESENT, CONFLICT, SUPERSEDED, ADDED = "resent", "conflict", "superseded", "added"
CHANGES = (RESENT, CONFLICT, SUPERSEDED, ADDED)
FINDING_PREFIX = {RESENT: "resent: ", CONFLICT: "conflicts with the ledger: "}  # the ledger rule's details
CHANGE_COLUMNS = [
    *("change", "key", "source_row", "record_id", "earlier_record_id", "earlier_run_id", "before", "after"),
    "details",
]
ROW_LIMIT = 500  # rows of each kind listed; the counts are always whole


def _ledger_findings(spec: DatasetSpec, run_id: str, change: str) -> list[ColumnElement[bool]]:
    """The conditions that pick the run's ledger-rule findings of one kind (resent or conflict)."""
    v, rule = ValidationResult, spec.ledger_rule
    prefix = v.details.startswith(FINDING_PREFIX[change], autoescape=True)
    return [v.run_id == run_id, v.rule_name == (rule.name if rule else None), prefix]


def run_change_counts(conn: Connection, spec: DatasetSpec, run_id: str) -> dict[str, int]:
    """How many rows the run quarantined as resent and as conflicts, superseded, and added under new keys."""
    clean = dataset_tables(spec).clean
    counts = {change: 0 for change in CHANGES}
    if spec.ledger_rule is not None:
        for change in (RESENT, CONFLICT):
            found = select(func.count()).select_from(ValidationResult).where(*_ledger_findings(spec, run_id, change))
            counts[change] = int(conn.execute(found).scalar_one())
    replaces = clean.c[SUPERSEDES].is_not(None)
    stmt = select(func.sum(case((replaces, 1), else_=0)), func.sum(case((replaces, 0), else_=1)))
    superseded, added = conn.execute(stmt.where(clean.c.run_id == run_id)).one()
    return counts | {SUPERSEDED: int(superseded or 0), ADDED: int(added or 0)}


def run_changes(conn: Connection, spec: DatasetSpec, run_id: str, limit: int = ROW_LIMIT) -> pd.DataFrame:
    """The rows the run changed the ledger with, up to `limit` of each kind, in file order (CHANGE_COLUMNS).

    Resent and conflicts: the quarantined row (its key as received) and the finding, which names the earlier
    run, file and row. Superseded: the run's row, the earlier row and run it replaced, and the headline measure
    (the spec's first) before and after.
    """
    tables = dataset_tables(spec)
    raw, clean = tables.raw, tables.clean
    earlier, headline = clean.alias("earlier"), spec.analytics.measures[0]
    parts: list[pd.DataFrame] = []
    if spec.ledger_rule is not None:
        v = ValidationResult
        for change in (RESENT, CONFLICT):
            stmt = (
                select(
                    literal(change).label("change"),
                    raw.c[spec.business_key].label("key"),
                    raw.c.source_row,
                    v.record_id,
                    null().label("earlier_record_id"),
                    null().label("earlier_run_id"),
                    null().label("before"),
                    null().label("after"),
                    v.details,
                )
                .select_from(v)
                .join(raw, raw.c.id == v.record_id)
                .where(*_ledger_findings(spec, run_id, change))
            )
            parts.append(frame_of(conn, stmt.order_by(raw.c.source_row).limit(limit)))
    stmt = (
        select(
            literal(SUPERSEDED).label("change"),
            raw.c[spec.business_key].label("key"),
            raw.c.source_row,
            clean.c.record_id,
            earlier.c.record_id.label("earlier_record_id"),
            earlier.c.run_id.label("earlier_run_id"),
            earlier.c[headline].label("before"),
            clean.c[headline].label("after"),
            null().label("details"),
        )
        .join(raw, raw.c.id == clean.c.record_id)
        .join(earlier, earlier.c.record_id == clean.c[SUPERSEDES])
        .where(clean.c.run_id == run_id)
    )
    parts.append(frame_of(conn, stmt.order_by(raw.c.source_row).limit(limit)))
    frames = [p.astype(object) for p in parts if len(p)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=CHANGE_COLUMNS)
