"""The SQLite backup (`flows.storage.backup`): SQLite's online backup API, while another connection writes."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from flows.storage.backup import BackupError, backup_sqlite, sqlite_path


def make_database(path: Path) -> None:
    """A WAL database (as the pipeline's engine sets it) with three committed rows."""
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
        conn.execute("CREATE TABLE runs (run_id TEXT PRIMARY KEY)")
        conn.executemany("INSERT INTO runs VALUES (?)", [("a",), ("b",), ("c",)])
        conn.commit()


def run_ids(path: Path) -> list[str]:
    with closing(sqlite3.connect(path)) as conn:
        return [r[0] for r in conn.execute("SELECT run_id FROM runs ORDER BY run_id")]


def test_it_copies_the_committed_state_while_a_writer_holds_a_transaction(tmp_path: Path) -> None:
    """It neither waits for nor includes another connection's uncommitted write, and leaves one file."""
    source, target = tmp_path / "pipeline.db", tmp_path / "backups" / "copy.db"
    make_database(source)
    writer = sqlite3.connect(source, isolation_level=None)
    try:
        writer.execute("BEGIN IMMEDIATE")
        writer.execute("INSERT INTO runs VALUES ('in flight')")
        done = backup_sqlite(f"sqlite:///{source}", target)
        writer.execute("COMMIT")
    finally:
        writer.close()
    assert run_ids(target) == ["a", "b", "c"] and run_ids(source) == ["a", "b", "c", "in flight"]
    assert done.size_bytes == target.stat().st_size > 0
    assert sorted(p.name for p in target.parent.iterdir()) == ["copy.db"]  # no -wal, no .partial


def test_it_replaces_an_earlier_backup(tmp_path: Path) -> None:
    """It overwrites the target file with the new copy."""
    source, target = tmp_path / "pipeline.db", tmp_path / "copy.db"
    make_database(source)
    target.write_bytes(b"an older backup")
    backup_sqlite(f"sqlite:///{source}", target)
    assert run_ids(target) == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql://user:secret@db.example/pipeline", "pg_dump"),
        ("sqlite:///:memory:", "in-memory"),
    ],
)
def test_it_refuses_a_database_without_a_file(url: str, message: str) -> None:
    """It points PostgreSQL to pg_dump, and refuses an in-memory database, without printing a password."""
    with pytest.raises(BackupError, match=message) as refused:
        sqlite_path(url)
    assert "secret" not in str(refused.value)


def test_it_refuses_a_missing_database_or_itself_as_target(tmp_path: Path) -> None:
    """It does not create an empty database where none was, nor overwrite the database with itself."""
    with pytest.raises(BackupError, match="no SQLite database"):
        backup_sqlite(f"sqlite:///{tmp_path / 'missing.db'}", tmp_path / "copy.db")
    assert not (tmp_path / "missing.db").exists()
    make_database(tmp_path / "pipeline.db")
    with pytest.raises(BackupError, match="is the database itself"):
        backup_sqlite(f"sqlite:///{tmp_path / 'pipeline.db'}", tmp_path / "pipeline.db")
