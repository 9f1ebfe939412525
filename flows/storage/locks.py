"""Cross-process locks (PostgreSQL advisory locks; no-ops on SQLite).

- one lock per source file (sha256): a file is never loaded twice at the same time;
- one lock per run, held for the run's whole life: a RUNNING run whose lock is free was abandoned
  (its process was killed or lost its connection), because the server drops a dead session's locks.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, text

from flows.storage.engine import get_engine, is_postgres, is_transient_error

CONNECT_ATTEMPTS, CONNECT_DELAY_S = 3, 2.0
_log = logging.getLogger(__name__)


def lock_key(hex_digest: str) -> int:
    """The signed 64-bit advisory-lock key of a hex digest (a sha256, or a run id without dashes)."""
    return int.from_bytes(bytes.fromhex(hex_digest.replace("-", "")[:16]), "big", signed=True)


@contextmanager
def source_lock(url: str, sha256: str) -> Iterator[None]:
    """Hold the file's lock while the block runs: a concurrent pickup of the same bytes waits."""
    with _advisory_lock(url, lock_key(sha256)):
        yield


@contextmanager
def run_lock(url: str, run_id: str) -> Iterator[None]:
    """Hold the run's lock while the block runs, so other processes can tell the run is alive."""
    with _advisory_lock(url, lock_key(run_id)):
        yield


@contextmanager
def _advisory_lock(url: str, key: int) -> Iterator[None]:
    """A session-level lock on its own connection; if the process dies, the server drops both."""
    engine = get_engine(url)
    if not is_postgres(engine):
        yield
        return
    for attempt in range(1, CONNECT_ATTEMPTS + 1):
        try:
            conn = engine.connect()
            break
        except Exception as exc:
            if attempt == CONNECT_ATTEMPTS or not is_transient_error(exc):
                raise
            _log.warning(
                "database unreachable (%s), attempt %d of %d: retrying in %.0f s",
                type(exc).__name__,
                attempt,
                CONNECT_ATTEMPTS,
                CONNECT_DELAY_S,
            )
            time.sleep(CONNECT_DELAY_S)
    with conn:
        conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": key})
        conn.commit()  # a session lock outlives the transaction; do not sit idle in one
        try:
            yield
        finally:
            _unlock(conn, key)


def _unlock(conn: Connection, key: int) -> None:
    """Release the lock; if its connection was lost meanwhile, the server already released it with the session."""
    try:
        conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": key})
        conn.commit()
    except Exception as exc:
        if not is_transient_error(exc):
            raise
        _log.warning("the lock's connection was lost (%s); the server released the lock with it", type(exc).__name__)
