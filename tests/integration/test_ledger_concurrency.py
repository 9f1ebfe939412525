"""Two runs of one dataset loading the same new orders at the same time (PostgreSQL): each checks its keys while
the other is still RUNNING, so neither sees the other's. The first to finalize keeps them; the second fails at
its finalize, keeps nothing, and loading its file again quarantines the orders as resends. Overlap is forced
with the pause lock the test holds, never left to timing."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from flows.generate import DefectRates, generate_sales, write_generated
from tests.integration.helpers import scalar
from tests.integration.pausing import pause_lock, release, start_run, wait_until_paused

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]


def test_the_second_of_two_simultaneous_loads_of_the_same_orders_fails_cleanly(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flows.pipeline import run_pipeline

    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setenv("DOCS_DIR", str(tmp_path / "docs"))
    held, other = tmp_path / "held.csv", tmp_path / "other.csv"
    write_generated(generate_sales(4_000, seed=31), held, 31, DefectRates())
    pd.read_csv(held, dtype=str, keep_default_na=False).iloc[::-1].to_csv(other, index=False)  # same orders

    with pause_lock(postgres_url) as holder:
        process = start_run(held, postgres_url, tmp_path / "docs", "chunk-3")  # chunks checked, not finalized
        wait_until_paused(holder, process)
        first = run_pipeline(source=str(other))
        assert first.status == "COMPLETED" and first.clean_count > 0
        release(holder)
        assert process.wait(timeout=300) != 0
    runs = "SELECT status, status_reason FROM pipeline_runs WHERE source_name = 'held.csv'"
    status = scalar(postgres_url, runs.replace("status, status_reason", "status"))
    reason = str(scalar(postgres_url, runs.replace("status, status_reason", "status_reason")))
    assert status == "FAILED"
    assert "while this run was checking them" in reason and "load the file again" in reason
    failed = "SELECT run_id FROM pipeline_runs WHERE source_name = 'held.csv'"
    assert scalar(postgres_url, f"SELECT COUNT(*) FROM clean_sales WHERE run_id = ({failed})") == 0
    assert scalar(postgres_url, "SELECT COUNT(*) FROM current_clean_sales") == first.clean_count

    again = run_pipeline(source=str(held))
    assert again.status == "COMPLETED" and again.clean_count == 0
    assert scalar(postgres_url, "SELECT COUNT(*) FROM current_clean_sales") == first.clean_count
