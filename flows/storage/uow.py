"""The unit of work: one transaction over the pipeline's tables, committed as a whole or not at all."""

from __future__ import annotations

import threading
from types import TracebackType

from sqlalchemy import Connection, Engine

from flows.constants import LockKey
from flows.dataset import DatasetSpec
from flows.storage.alerts import AlertRecords
from flows.storage.exceptions import ExceptionRecords
from flows.storage.ledger import LedgerRecords
from flows.storage.migrate import upgrade
from flows.storage.records import DatasetRecords
from flows.storage.retention import RetentionRecords
from flows.storage.runs import RunRecords
from flows.storage.tables import ensure_dataset_tables

_writers: dict[str, threading.Lock] = {}  # SQLite database URL -> its one writer slot in this process
_writers_lock = threading.Lock()


class SqlUnitOfWork:
    """A transaction on one connection: `runs` and `records` read and write in it; exit commits, errors roll back."""

    runs: RunRecords
    records: DatasetRecords
    exceptions: ExceptionRecords
    ledger: LedgerRecords
    alerts: AlertRecords
    retention: RetentionRecords

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None
        self._writer: threading.Lock | None = None

    def __enter__(self) -> SqlUnitOfWork:
        self._connection = self._engine.connect()
        self._connection.begin()
        self.runs, self.records = RunRecords(self._connection), DatasetRecords(self._connection)
        self.exceptions, self.ledger = ExceptionRecords(self._connection), LedgerRecords(self._connection)
        self.alerts, self.retention = AlertRecords(self._connection), RetentionRecords(self._connection)
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
            if self._writer is not None:
                self._writer.release()
                self._writer = None

    def claim_writer(self) -> None:
        """On SQLite (one writer at a time), wait for this process's writer slot and keep it until the end.

        Concurrent chunks compute in parallel and queue here only for their writes, instead of racing for
        SQLite's file lock. PostgreSQL takes concurrent writers: nothing to wait for.
        """
        if self._engine.dialect.name != "sqlite" or self._writer is not None:
            return
        with _writers_lock:
            writer = _writers.setdefault(str(self._engine.url), threading.Lock())
        writer.acquire()
        self._writer = writer

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
