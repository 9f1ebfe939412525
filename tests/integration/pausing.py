"""Hold a run mid-flight, deterministically: the test holds the pause lock, the run waits at its pause point.

A run started with PAUSE_AT=<point> (opened, indexed, chunk-N, finalize) waits at that point while
another session holds the PostgreSQL advisory lock `LockKey.PAUSE`. `wait_until_paused` returns only
once the run's session is seen waiting for that lock in `pg_locks`, so a fault injected afterwards
provably hits a run that is mid-flight, whatever the machine's load.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg2

from flows.constants import LockKey
from flows.storage.engine import normalize_url
from tests.conftest import ROOT

WAITING = (
    "SELECT pid FROM pg_locks JOIN pg_stat_activity USING (pid) WHERE locktype = 'advisory' AND NOT granted"
    " AND classid = 0 AND objid = %s AND datname = current_database()"
)


def _connect(url: str) -> psycopg2.extensions.connection:
    conn = psycopg2.connect(normalize_url(url).replace("postgresql+psycopg2://", "postgresql://"))
    conn.autocommit = True
    return conn


@contextmanager
def pause_lock(url: str) -> Iterator[psycopg2.extensions.connection]:
    """Hold the pause lock on the database at `url` until the block ends (or `release` is called)."""
    conn = _connect(url)
    with conn.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", (int(LockKey.PAUSE),))
    try:
        yield conn
    finally:
        conn.close()  # closing the session releases the lock if it is still held


def release(conn: psycopg2.extensions.connection) -> None:
    """Let the paused run go on."""
    with conn.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s)", (int(LockKey.PAUSE),))


def wait_until_paused(
    holder: psycopg2.extensions.connection, process: subprocess.Popen[bytes] | None = None, timeout_s: float = 180
) -> int:
    """The pid of the backend waiting at the pause point; fails if the run ends or never gets there."""
    deadline = time.monotonic() + timeout_s
    with holder.cursor() as cursor:
        while time.monotonic() < deadline:
            cursor.execute(WAITING, (int(LockKey.PAUSE),))
            row = cursor.fetchone()
            if row:
                return int(row[0])
            if process is not None and process.poll() is not None:
                raise AssertionError(f"the run ended (exit {process.returncode}) without reaching its pause point")
            time.sleep(0.05)
    raise AssertionError(f"the run did not reach its pause point in {timeout_s:.0f} s")


def start_run(
    source: Path, url: str, docs: Path, pause_at: str, *extra: str, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """The command line on `source`, in its own process, told to pause at `pause_at`; output to `<docs>.log`,
    chunks spilled beside `docs` in `work/`."""
    from prefect.settings import PREFECT_API_URL

    environment = {**os.environ, "DATABASE_URL": url, "DOCS_DIR": str(docs), "PAUSE_AT": pause_at}
    environment["WORK_DIR"] = str(docs.with_name("work"))
    environment["PREFECT_API_URL"] = str(PREFECT_API_URL.value())
    environment.update(env or {})
    command = [sys.executable, "-m", "flows.pipeline", "--source", str(source), "--chunk-rows", "1000", *extra]
    log = docs.with_name(docs.name + ".log").open("wb")  # a file, not a pipe: a paused run must never block on it
    return subprocess.Popen(command, cwd=ROOT, env=environment, stdout=log, stderr=subprocess.STDOUT)
