"""Database faults for real: every connection severed mid-chunk, and PostgreSQL down at start."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from flows.generate import DefectRates, generate_sales, write_generated
from tests.conftest import ROOT, _admin_connection
from tests.factories import make_frame, write_csv
from tests.integration.helpers import scalar
from tests.integration.pausing import pause_lock, release, start_run, wait_until_paused

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]
ROWS = 5_000


async def _task_attempts(flow_run_id: str, name: str) -> int:
    """How many times the flow run's task `name` ran (1 when it never retried)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId, TaskRunFilter, TaskRunFilterName

    async with get_client() as client:
        runs = await client.read_task_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[flow_run_id])),
            task_run_filter=TaskRunFilter(name=TaskRunFilterName(any_=[name])),
        )
    (run,) = runs
    return int(run.run_count)


@pytest.mark.postgres
def test_connection_severed_mid_chunk_is_retried_and_the_run_completes_exactly(
    postgres_url: str, tmp_path: Path
) -> None:
    """It loses every connection while chunk 2 is written but not committed; the chunk's task retries it whole."""
    source = tmp_path / "day.csv"
    write_generated(generate_sales(ROWS, seed=8), source, 8, DefectRates(), tmp_path / "day.answers.json")
    database = postgres_url.rsplit("/", 1)[1]
    with pause_lock(postgres_url) as holder:
        process = start_run(source, postgres_url, tmp_path / "docs", "chunk-2")
        paused = wait_until_paused(holder, process)
        run_id = str(scalar(postgres_url, "SELECT run_id FROM pipeline_runs WHERE status = 'RUNNING'"))
        # Chunks run two at a time: chunk 1 may still be committing while chunk 2 waits at its pause point.
        assert _eventually(lambda: scalar(postgres_url, COUNT_RAW, r=run_id) == 1_000), "chunk 1 never committed"
        admin = _admin_connection()
        with admin.cursor() as cursor:  # sever every connection the pipeline holds, from another session
            cursor.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid NOT IN (pg_backend_pid(), %s)",
                (database, holder.info.backend_pid),
            )
            pids = [row[0] for row in cursor.fetchall()]
            assert paused in pids and len(pids) >= 2  # the paused chunk and the run's lock, at least
            cursor.execute("SELECT COUNT(pg_terminate_backend(pid)) FROM unnest(%s::int[]) AS pid", (pids,))
        admin.close()
        release(holder)
        assert process.wait(timeout=300) == 0, (tmp_path / "docs.log").read_text()[-3000:]

    row = "SELECT status, raw_count, clean_count + exception_count FROM pipeline_runs WHERE run_id = :r"
    assert tuple(scalar_row(postgres_url, row, run_id)) == ("COMPLETED", ROWS, ROWS)
    landed = "SELECT (SELECT COUNT(*) FROM clean_sales WHERE run_id = :r)"
    landed += " + (SELECT COUNT(*) FROM exceptions WHERE run_id = :r)"
    assert scalar(postgres_url, landed, r=run_id) == ROWS
    assert scalar(postgres_url, "SELECT COUNT(*) FROM raw_sales WHERE run_id = :r", r=run_id) == ROWS
    flow_run_id = str(scalar(postgres_url, "SELECT flow_run_id FROM pipeline_runs WHERE run_id = :r", r=run_id))
    assert asyncio.run(_task_attempts(flow_run_id, "Process chunk 2")) == 2  # it was retried, once


COUNT_RAW = "SELECT COUNT(*) FROM raw_sales WHERE run_id = :r"


def _eventually(check: Callable[[], bool], timeout_s: float = 120) -> bool:
    """Whether `check` comes true before the timeout (polled every 0.1 s)."""
    deadline = time.monotonic() + timeout_s
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.1)
    return True


def scalar_row(url: str, sql: str, run_id: str) -> tuple[object, ...]:
    """One row of a query, as a tuple."""
    import sqlalchemy as sa

    from flows.storage.engine import normalize_url

    engine = sa.create_engine(normalize_url(url))
    try:
        with engine.connect() as conn:
            return tuple(conn.execute(sa.text(sql), {"r": run_id}).one())
    finally:
        engine.dispose()


def test_postgres_down_at_start_retries_then_fails_clearly(tmp_path: Path) -> None:
    """It retries the storage task, then exits 1 with a one-line reason that names no password."""
    path = write_csv(tmp_path / "ok.csv", make_frame(2))
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.update(DATABASE_URL="postgresql://writer:Hidden-Pw-42@127.0.0.1:1/sales", PREFECT_LOGGING_LEVEL="INFO")
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "flows.pipeline", "--source", str(path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert output.count("database unreachable (OperationalError), attempt") == 2, output[-3000:]
    assert time.monotonic() - started >= 4  # two retries, 2 s apart
    assert any(line.startswith("FAILED: OperationalError") for line in result.stderr.splitlines())
    assert "Hidden-Pw-42" not in output
