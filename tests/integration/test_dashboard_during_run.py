"""The dashboard reading while a run is held half-way through never sees that run's partial results."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest

from flows.generate import DefectRates, generate_sales, write_generated
from flows.pipeline import run_pipeline
from panel_app.data_store import DataStore
from panel_app.reader import Reader
from tests.factories import make_frame, write_csv
from tests.integration.helpers import scalar
from tests.integration.pausing import pause_lock, start_run, wait_until_paused

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]


def test_dashboard_shows_only_the_completed_run_while_another_runs(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It keeps the completed run selected and reads nothing of the RUNNING run, though its rows are in the tables."""
    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setenv("DOCS_DIR", str(tmp_path / "docs"))
    done = run_pipeline(source=str(write_csv(tmp_path / "small.csv", make_frame(20))))
    big = tmp_path / "big.csv"
    later = generate_sales(5_000, seed=4, first_order=21)  # another day's file: ids after small.csv's
    write_generated(later, big, 4, DefectRates(), tmp_path / "big.answers.json")
    with pause_lock(postgres_url) as holder:
        process = start_run(big, postgres_url, tmp_path / "docs", "chunk-3")
        try:
            wait_until_paused(holder, process)
            running = str(scalar(postgres_url, "SELECT run_id FROM pipeline_runs WHERE status = 'RUNNING'"))
            # chunks 1 and 2 are committed: the RUNNING run's clean rows are really there to be (not) read
            assert scalar(postgres_url, "SELECT COUNT(*) FROM clean_sales WHERE run_id = :r", r=running) > 1_000

            reader = Reader(postgres_url, "sales")
            store = DataStore(reader)
            assert store.run_id == done.run_id  # the default is the latest COMPLETED run, not the newer RUNNING one
            assert set(reader.run_totals()["run_id"]) == {done.run_id}
            assert running not in set(reader.rule_failures()["run_id"])
            assert reader.grain(running, None, (), ()).empty
            assert running not in set(reader.stage_durations()["run_id"])
            assert reader.runs().set_index("run_id").loc[running, "status"] == "RUNNING"
            assert float(store.grain["revenue"].sum()) == pytest.approx(
                float(scalar(postgres_url, "SELECT SUM(revenue) FROM clean_sales WHERE run_id = :r", r=done.run_id))
            )
        finally:
            if process.poll() is None:
                os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
