"""The unit of work: one transaction over the pipeline's tables, committed as a whole or not at all."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Connection, Engine

from flows.constants import LockKey
from flows.dataset import DatasetSpec
from flows.storage.migrate import upgrade
from flows.storage.records import DatasetRecords
from flows.storage.runs import RunRecords
from flows.storage.tables import ensure_dataset_tables


class SqlUnitOfWork:
    """A transaction on one connection: `runs` and `records` read and write in it; exit commits, errors roll back."""

    runs: RunRecords
    records: DatasetRecords

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None

    def __enter__(self) -> SqlUnitOfWork:
        self._connection = self._engine.connect()
        self._connection.begin()
        self.runs, self.records = RunRecords(self._connection), DatasetRecords(self._connection)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        assert self._connection is not None
        try:
            if exc_type is None:
                self._connection.commit()
            else:
                self._connection.rollback()
        finally:
            self._connection.close()
            self._connection = None

    def pause(self) -> None:
        """Wait, inside this transaction, while another session holds the pause lock (PostgreSQL; else nothing)."""
        assert self._connection is not None
        if self._connection.dialect.name == "postgresql":
            key = int(LockKey.PAUSE)
            self._connection.exec_driver_sql(f"SELECT pg_advisory_lock({key}), pg_advisory_unlock({key})")

    def prepare(self, spec: DatasetSpec) -> None:
        """Bring the schema to the newest migration and create the dataset's tables if they are missing."""
        assert self._connection is not None
        upgrade(self._connection)
        ensure_dataset_tables(self._connection, spec)
