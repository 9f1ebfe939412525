"""Each dataset's raw and clean tables, built from its spec.

The sales tables are ORM models created by the migrations (their names and columns are fixed).
Any other dataset gets its tables at registration: built from the spec here and created, if
missing, when a run opens (`ensure_dataset_tables`). A table that exists with other columns
than the spec now describes is an error, never silently altered: change the spec's table names
or write a migration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    BigInteger,
    Column,
    Date,
    DateTime,
    Engine,
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
    """The spec's two tables (the ORM models for sales; otherwise built from the spec and registered)."""
    names = (spec.raw_table, spec.clean_table)
    modelled = [n for n in names if n in Base.metadata.tables]
    if modelled:
        if spec.name != "sales" or len(modelled) != 2:
            raise SpecError(f"dataset {spec.name}: tables {modelled} belong to the sales dataset")
        return DatasetTables(Base.metadata.tables[spec.raw_table], Base.metadata.tables[spec.clean_table])
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
        *(Column(c.name, _sql_type(c), nullable=not c.required) for c in spec.columns),
        *(Column(d.name, Numeric(spec.column(d.numerator).precision, d.scale)) for d in spec.derived),
    )
    _registered.update({raw.name: raw, clean.name: clean})
    return DatasetTables(raw, clean)


def ensure_dataset_tables(engine: Engine, spec: DatasetSpec) -> DatasetTables:
    """Create the dataset's tables if missing; refuse tables whose columns differ from the spec's."""
    tables = dataset_tables(spec)
    if tables.raw.metadata is Base.metadata:
        return tables  # the migrations own the sales tables
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql("SELECT pg_advisory_xact_lock(7250001)")  # the migrations' lock: no racing DDL
        tables.raw.metadata.create_all(conn, checkfirst=True)
        existing = inspect(conn)
        for t in (tables.raw, tables.clean):
            have = [c["name"] for c in existing.get_columns(t.name)]
            want = [c.name for c in t.columns]
            if have != want:
                raise SpecError(
                    f"dataset {spec.name}: table {t.name} exists with columns {have}, but the spec describes "
                    f"{want}; give the spec new table names or migrate the table"
                )
    return tables


def _sql_type(column: ColumnSpec) -> TypeEngine[Any]:
    if column.type == "integer":
        return BigInteger()
    if column.type == "decimal":
        return Numeric(column.precision, column.scale)
    if column.type == "date":
        return Date()
    return Text()
