"""Database faults for real: a connection severed mid-load, and PostgreSQL down at start."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.generate import DefectRates, generate_sales, write_generated
from flows.pipeline import run_pipeline
from tests.conftest import ROOT, _admin_connection
from tests.factories import make_frame, write_csv
from tests.integration.helpers import scalar
from tests.integration.test_abandoned_runs import DERIVED, _start_run, _wait_for_clean_rows

pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]


@pytest.mark.postgres
def test_connection_severed_mid_load_leaves_one_complete_result(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It survives pg_terminate_backend mid-load: retried or FAILED, never half-written; a rerun gives one result."""
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setenv("DOCS_DIR", str(tmp_path / "docs"))
    source = tmp_path / "day.csv"
    write_generated(generate_sales(30_000, seed=8), source, 8, DefectRates(), tmp_path / "day.answers.json")
    process = _start_run(source, postgres_url, tmp_path / "docs")
    run_id = _wait_for_clean_rows(postgres_url, process)
    database = postgres_url.rsplit("/", 1)[1]
    admin = _admin_connection()
    with admin.cursor() as cursor:  # sever every connection the pipeline holds, from another session
        cursor.execute(
            "SELECT COUNT(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (database,),
        )
        assert cursor.fetchone()[0] >= 1
    admin.close()
    process.wait(timeout=300)

    status = scalar(postgres_url, "SELECT status FROM pipeline_runs WHERE run_id = :r", r=run_id)
    assert status in {"COMPLETED", "FAILED", "RUNNING"}
    if status == "COMPLETED":  # the storage tasks retried the lost transaction: the result must be exact
        assert scalar(postgres_url, "SELECT raw_count FROM pipeline_runs WHERE run_id = :r", r=run_id) == 30_000
        landed = (
            "SELECT (SELECT COUNT(*) FROM clean_sales WHERE run_id = :r)"
            " + (SELECT COUNT(*) FROM exceptions WHERE run_id = :r)"
        )
        assert scalar(postgres_url, landed, r=run_id) == 30_000
        return
    # Not completed: nothing half-written may count as a result, and a rerun yields exactly one complete result.
    summary = run_pipeline(source=str(source))
    assert summary.status == "COMPLETED"
    assert scalar(postgres_url, "SELECT status FROM pipeline_runs WHERE run_id = :r", r=run_id) == "FAILED"
    for table in DERIVED:
        assert scalar(postgres_url, f"SELECT COUNT(*) FROM {table} WHERE run_id = :r", r=run_id) == 0, table
    assert scalar(postgres_url, "SELECT COUNT(*) FROM pipeline_runs WHERE status = 'COMPLETED'") == 1
    assert summary.counts["clean_sales"] + summary.counts["exceptions"] == 30_000


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
