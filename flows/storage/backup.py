"""A copy of the SQLite database through SQLite's online backup API, safe while the pipeline writes.

The copy is taken in one backup step, inside one read transaction: it is the database as the last commit before it
left it (a run still RUNNING shows as RUNNING, with the chunks it had committed), and writers carry on meanwhile
(the database is in WAL mode). PostgreSQL is backed up with pg_dump instead (README, "Backup and restore").
"""

from __future__ import annotations

import os
import sqlite3
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from flows.storage.engine import normalize_url

PARTIAL = ".partial"  # the copy's name until it is complete and checked


class BackupError(RuntimeError):
    """The backup could not be taken (not SQLite, no database file, or the copy failed its check)."""


@dataclass(frozen=True)
class SqliteBackup:
    """What a backup wrote: from where, to where, and how big the copy is."""

    source: Path
    target: Path
    size_bytes: int


def sqlite_path(url: str) -> Path:
    """The database file a SQLite DATABASE_URL names; BackupError for any other database."""
    parsed = make_url(normalize_url(url))
    if parsed.get_backend_name() != "sqlite":
        raise BackupError(f"DATABASE_URL is a {parsed.get_backend_name()} database: back it up with pg_dump -Fc")
    if not parsed.database or parsed.database == ":memory:":
        raise BackupError("DATABASE_URL is an in-memory SQLite database: there is no file to back up")
    return Path(parsed.database)


def backup_sqlite(url: str, target: Path) -> SqliteBackup:
    """Copy the SQLite database of `url` to `target`, as one file (`target` is replaced only once the copy is
    complete and passes `PRAGMA quick_check`)."""
    source = sqlite_path(url)
    if not source.is_file():
        raise BackupError(f"no SQLite database at {source}")
    if target.exists() and target.resolve() == source.resolve():
        raise BackupError(f"{target} is the database itself")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(target.name + PARTIAL)
    partial.unlink(missing_ok=True)
    try:
        with closing(sqlite3.connect(source, timeout=60)) as src, closing(sqlite3.connect(partial)) as copy:
            src.backup(copy)  # pages=-1: one step, one read transaction, so one consistent snapshot
            copy.execute("PRAGMA journal_mode=DELETE")  # one self-contained file, no -wal beside it
            verdict = copy.execute("PRAGMA quick_check").fetchone()[0]
        if verdict != "ok":
            raise BackupError(f"the copy failed PRAGMA quick_check: {verdict}")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    return SqliteBackup(source, target, target.stat().st_size)
