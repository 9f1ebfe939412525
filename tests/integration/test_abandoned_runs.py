"""kill -9 mid-run on PostgreSQL: the next run marks the abandoned run FAILED and removes its partial results."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from flows.generate import DefectRates, generate_sales, write_generated
from flows.pipeline import run_pipeline
from tests.conftest import ROOT
from tests.factories import make_frame, write_csv
from tests.integration.helpers import read_table, scalar

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]
DERIVED = ["clean_sales", "exceptions", "validation_results", "analytics_summary"]


def _start_run(source: Path, url: str, docs: Path) -> subprocess.Popen[bytes]:
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "DATABASE_URL": url, "DOCS_DIR": str(docs), "PREFECT_API_URL": str(PREFECT_API_URL.value())}
    command = [sys.executable, "-m", "flows.pipeline", "--source", str(source), "--chunk-rows", "1000"]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wait_for_clean_rows(url: str, process: subprocess.Popen[bytes], timeout_s: float = 120) -> str:
    """The id of the RUNNING run once it has written clean rows (mid-run)."""
    return _wait_for(url, process, "clean_sales", timeout_s)


def _wait_for(url: str, process: subprocess.Popen[bytes], table: str | None, timeout_s: float = 120) -> str:
    """The id of the RUNNING run once `table` holds rows of it (None: as soon as the run is recorded)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline and process.poll() is None:
        try:
            run_id = scalar(url, "SELECT run_id FROM pipeline_runs WHERE status = 'RUNNING'")
            if run_id and (table is None or scalar(url, f"SELECT COUNT(*) FROM {table} WHERE run_id = :r", r=run_id)):
                return str(run_id)
        except Exception:  # noqa: BLE001 - the tables may not exist yet
            pass
        time.sleep(0.05)
    raise AssertionError(f"the run never reached its first rows in {table}")


@pytest.mark.parametrize("point", [None, "raw_sales", "validation_results", "clean_sales"])
def test_killed_run_is_cleaned_up_and_rerun_yields_one_result(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, point: str | None
) -> None:
    """It leaves a run killed at any point RUNNING; the next run marks it FAILED, deletes its results, completes."""
    pipeline_env = postgres_url
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setenv("DOCS_DIR", str(tmp_path / "docs"))
    source = tmp_path / "day.csv"
    write_generated(generate_sales(30_000, seed=5), source, 5, DefectRates(), tmp_path / "day.answers.json")
    process = _start_run(source, pipeline_env, tmp_path / "docs")
    killed = _wait_for(pipeline_env, process, point)
    os.kill(process.pid, signal.SIGKILL)
    process.wait(timeout=30)
    assert scalar(pipeline_env, "SELECT status FROM pipeline_runs WHERE run_id = :r", r=killed) == "RUNNING"

    summary = run_pipeline(source=str(source))

    assert summary.status == "COMPLETED" and summary.raw_count == 30_000
    runs = read_table(pipeline_env, "pipeline_runs").set_index("run_id")
    assert runs.at[killed, "status"] == "FAILED" and "abandoned" in runs.at[killed, "status_reason"]
    assert (runs["status"] == "COMPLETED").sum() == 1
    for table in DERIVED:
        assert scalar(pipeline_env, f"SELECT COUNT(*) FROM {table} WHERE run_id = :r", r=killed) == 0, table
    if point is not None:  # raw rows are never deleted (killed right at the start, there may be none yet)
        assert scalar(pipeline_env, "SELECT COUNT(*) FROM raw_sales WHERE run_id = :r", r=killed)


def test_live_run_is_not_taken_for_abandoned(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It starts a second file's run while the first is mid-run: the first is left alone and both complete."""
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setenv("DOCS_DIR", str(tmp_path / "docs"))
    first = tmp_path / "big.csv"
    write_generated(generate_sales(30_000, seed=6), first, 6, DefectRates(), tmp_path / "big.answers.json")
    second = write_csv(tmp_path / "small.csv", make_frame(20))
    process = _start_run(first, postgres_url, tmp_path / "docs")
    live = _wait_for_clean_rows(postgres_url, process)

    summary = run_pipeline(source=str(second))
    still = scalar(postgres_url, "SELECT status FROM pipeline_runs WHERE run_id = :r", r=live)
    assert process.wait(timeout=300) == 0

    assert (summary.status, summary.raw_count, still) == ("COMPLETED", 20, "RUNNING")
    runs = read_table(postgres_url, "pipeline_runs").set_index("run_id")
    assert runs.at[live, "status"] == "COMPLETED" and runs.at[live, "raw_count"] == 30_000
