"""Each dataset's raw and clean tables, built from its spec by one code path for every dataset.

A dataset's tables are created, if missing, when its run opens (`ensure_dataset_tables`). A table
that exists with other columns, types or decimal scales than the spec now describes is an error,
never silently altered: give the spec new table names or write a migration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    inspect,
)
from sqlalchemy.types import TypeEngine

from flows.constants import LINEAGE_COLUMNS, SUPERSEDED_BY, SUPERSEDED_IN, SUPERSEDES, LockKey, current_view
from flows.dataset import ColumnSpec, DatasetSpec, SpecError
from flows.storage.models import Base

RECORD_IDS = "records"  # the id_blocks row every dataset's raw record ids are reserved from
_registered: dict[str, Table] = {}


@dataclass(frozen=True)
class DatasetTables:
    """A dataset's raw table (text as received) and clean table (typed)."""

    raw: Table
    clean: Table


def table(name: str) -> Table:
    """A shared table, or a dataset table registered in this process."""
    if name in Base.metadata.tables:
        return Base.metadata.tables[name]
    if name in _registered:
        return _registered[name]
    raise LookupError(f"unknown table {name}: load its dataset spec first")


def dataset_tables(spec: DatasetSpec) -> DatasetTables:
    """The spec's two tables, built from the spec (and registered under their names in this process)."""
    metadata = MetaData()
    raw = Table(
        spec.raw_table,
        metadata,
        Column("id", BigInteger, primary_key=True, autoincrement=False),
        Column("run_id", String(36), nullable=False, index=True),
        Column("dataset", String(64), nullable=False, server_default=spec.name),
        Column("source_name", Text, nullable=False),
        Column("source_row", Integer, nullable=False),
        Column("ingestion_timestamp", DateTime(timezone=True), nullable=False),
        *(Column(c.name, Text) for c in spec.columns),
        Column("extra_fields", Text),
    )
    clean = Table(
        spec.clean_table,
        metadata,
        Column("record_id", BigInteger, ForeignKey(raw.c.id), primary_key=True, autoincrement=False),
        Column("run_id", String(36), nullable=False, index=True),
        Column("dataset", String(64), nullable=False, server_default=spec.name),
        *(Column(c.name, sql_type(c), nullable=not c.required) for c in spec.columns),
        *(Column(d.name, Numeric(spec.column(d.numerator).precision, d.scale)) for d in spec.derived),
        *(Column(name, BigInteger) for name in LINEAGE_COLUMNS),  # set only on rows a replay promoted
        Column(SUPERSEDES, BigInteger),  # set on a later file's row that replaced an earlier one
        Column(SUPERSEDED_BY, BigInteger),  # set on the earlier row, with the run that replaced it
        Column(SUPERSEDED_IN, String(36)),
    )
    _registered.update({raw.name: raw, clean.name: clean})
    return DatasetTables(raw, clean)


def ensure_dataset_tables(conn: Connection, spec: DatasetSpec) -> DatasetTables:
    """Create the dataset's tables if missing; refuse tables whose columns differ from the spec's."""
    tables = dataset_tables(spec)
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({int(LockKey.SCHEMA_CHANGES)})")  # no racing DDL
    tables.raw.metadata.create_all(conn, checkfirst=True)
    existing = inspect(conn)
    for t in (tables.raw, tables.clean):
        have = {c["name"]: _kind(c["type"]) for c in existing.get_columns(t.name)}
        want = {c.name: _kind(c.type) for c in t.columns}
        keys = sorted(k for k in have | want if have.get(k) != want.get(k))
        differ = [f"{k}: {have.get(k, 'absent')}, spec {want.get(k, 'absent')}" for k in keys]
        if differ:
            raise SpecError(
                f"dataset {spec.name}: table {t.name} exists with other columns than the spec describes "
                f"({'; '.join(differ)}); give the spec new table names or migrate the table"
            )
    _ensure_ledger(conn, spec, existing)
    return tables


def _ensure_ledger(conn: Connection, spec: DatasetSpec, existing: Any) -> None:
    """The index on the business key (the ledger check looks keys up by it) and the dataset's current view.

    Both only when missing: even CREATE INDEX IF NOT EXISTS waits for a SHARE lock on the table, behind every
    run of the dataset writing its chunks, and every run opening would queue behind it.
    """
    clean, key = spec.clean_table, spec.business_key
    index = f"ix_{clean}_{key}"[:63]
    if index not in {i["name"] for i in existing.get_indexes(clean)}:
        conn.exec_driver_sql(f"CREATE INDEX IF NOT EXISTS {index} ON {clean} ({key})")
    if current_view(clean) in existing.get_view_names():
        return
    conn.exec_driver_sql(
        f"CREATE VIEW {current_view(clean)} AS SELECT c.* FROM {clean} c "
        "JOIN pipeline_runs r ON r.run_id = c.run_id "
        f"WHERE r.status = 'COMPLETED' AND c.{SUPERSEDED_BY} IS NULL"
    )


def sql_type(column: ColumnSpec) -> TypeEngine[Any]:
    """The clean table's SQL type for a spec column."""
    if column.type == "integer":
        return BigInteger()
    if column.type == "decimal":
        return Numeric(column.precision, column.scale)
    if column.type == "date":
        return Date()
    return Text()


def _kind(sql: Any) -> str:
    """A column type as the comparison cares about: its family, and the scale of a decimal."""
    if isinstance(sql, Numeric) and not isinstance(sql, Float):
        return f"decimal({sql.scale})"
    for family, kind in ((Integer, "integer"), (DateTime, "timestamp"), (Date, "date"), (String, "text")):
        if isinstance(sql, family):
            return kind
    return type(sql).__name__.lower()
