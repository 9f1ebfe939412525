"""kill -9 mid-run on PostgreSQL: the next run marks the abandoned run FAILED and removes its partial results.

Each run is held at a pause point (tests/integration/pausing.py) before it is killed, so it is
provably mid-flight, with exactly the state that point promises, whatever the machine's load.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import pytest

from flows.generate import DefectRates, generate_sales, write_generated
from flows.pipeline import run_pipeline
from tests.factories import make_frame, write_csv
from tests.integration.helpers import read_table, scalar
from tests.integration.pausing import pause_lock, release, start_run, wait_until_paused

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]
DERIVED = ["clean_sales", "exceptions", "validation_results", "analytics_summary"]
ROWS = 5_000  # five chunks of 1,000
RUNNING = "SELECT run_id FROM pipeline_runs WHERE status = 'RUNNING'"


def count(url: str, table: str, run_id: str) -> int:
    """Committed rows of a run in a table, seen from another session."""
    return int(scalar(url, f"SELECT COUNT(*) FROM {table} WHERE run_id = :r", r=run_id))  # type: ignore[arg-type]


def wait_for_no_other_sessions(url: str, timeout_s: float = 60) -> None:
    """Until every session of the killed process has ended (a killed client's backends exit on their own)."""
    others = "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
    deadline = time.monotonic() + timeout_s
    while scalar(url, others) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not scalar(url, others), "the killed run's sessions did not end"


def _source(tmp_path: Path) -> Path:
    source = tmp_path / "day.csv"
    write_generated(generate_sales(ROWS, seed=5), source, 5, DefectRates(), tmp_path / "day.answers.json")
    return source


IN_FLIGHT = 2  # chunks run two at a time: while chunk N is held, chunks up to N+1 have run, none after
# point -> raw rows of the run committed once the run settles there (chunks of 1,000, each committed alone):
# held at chunk-1, chunk 2 commits; held at chunk-3, chunks 1, 2 and 4 commit and chunk 5 is never started
POINTS = {"opened": 0, "chunk-1": 1_000, "chunk-3": 3_000, "finalize": ROWS}


def settled_count(url: str, table: str, run_id: str, expected: int, timeout_s: float = 60) -> int:
    """Committed rows once the run has settled at its pause point: waits while the chunks in flight beside the
    held one commit (up to `expected`), then checks that nothing more commits."""
    deadline = time.monotonic() + timeout_s
    while count(url, table, run_id) < expected and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)  # a chunk that must not run would have committed by now
    return count(url, table, run_id)


@pytest.mark.parametrize("point", list(POINTS))
def test_killed_run_is_cleaned_up_and_rerun_yields_one_result(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, point: str
) -> None:
    """It leaves a run killed at any point RUNNING; the next run marks it FAILED, deletes its results, completes."""
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setenv("DOCS_DIR", str(tmp_path / "docs"))
    monkeypatch.setenv("WORK_DIR", str(tmp_path / "work"))
    monkeypatch.setenv("CHUNKS_IN_FLIGHT", str(IN_FLIGHT))
    source = _source(tmp_path)
    with pause_lock(postgres_url) as holder:
        process = start_run(source, postgres_url, tmp_path / "docs", point)
        wait_until_paused(holder, process)
        killed = str(scalar(postgres_url, RUNNING))
        assert (tmp_path / "work" / killed).is_dir() == point.startswith("chunk")  # spilled, not yet done
        assert settled_count(postgres_url, "raw_sales", killed, POINTS[point]) == POINTS[point]
        landed = count(postgres_url, "clean_sales", killed) + count(postgres_url, "exceptions", killed)
        assert landed == min(POINTS[point], ROWS) and count(postgres_url, "analytics_summary", killed) == 0
        os.kill(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        release(holder)
    wait_for_no_other_sessions(postgres_url)
    assert scalar(postgres_url, "SELECT status FROM pipeline_runs WHERE run_id = :r", r=killed) == "RUNNING"

    # ledger: same ids on purpose (the rerun of a killed run's file; the killed run never COMPLETED)
    summary = run_pipeline(source=str(source))

    assert summary.status == "COMPLETED" and summary.raw_count == ROWS
    runs = read_table(postgres_url, "pipeline_runs").set_index("run_id")
    assert runs.at[killed, "status"] == "FAILED"
    assert (
        runs.at[killed, "status_reason"]
        == "abandoned: its process stopped (killed or disconnected) before the run finished"
    )
    assert (runs["status"] == "COMPLETED").sum() == 1
    for table in DERIVED:
        assert count(postgres_url, table, killed) == 0, table
    assert count(postgres_url, "raw_sales", killed) == POINTS[point]  # what was received is never deleted
    assert not (tmp_path / "work" / killed).exists()  # the abandoned run's spill folder went with it


def test_live_run_is_not_taken_for_abandoned(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It runs a second file while the first is held mid-run: the first is left alone and both complete."""
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setenv("DOCS_DIR", str(tmp_path / "docs"))
    # another day's file: order ids after the first file's (ROWS rows: at most ORD-0005000)
    first, second = _source(tmp_path), write_csv(tmp_path / "small.csv", make_frame(20, first=ROWS + 1))
    with pause_lock(postgres_url) as holder:
        process = start_run(first, postgres_url, tmp_path / "docs", "chunk-2")
        wait_until_paused(holder, process)
        live = str(scalar(postgres_url, RUNNING))
        summary = run_pipeline(source=str(second))  # its open_run looks for abandoned runs of the dataset
        still = scalar(postgres_url, "SELECT status FROM pipeline_runs WHERE run_id = :r", r=live)
        release(holder)
        assert process.wait(timeout=300) == 0

    assert (summary.status, summary.raw_count, still) == ("COMPLETED", 20, "RUNNING")
    runs = read_table(postgres_url, "pipeline_runs").set_index("run_id")
    assert runs.at[live, "status"] == "COMPLETED" and runs.at[live, "raw_count"] == ROWS
