"""Every task runner writes the same tables: serial, threads (chunks in flight), a Dask LocalCluster, and a real
Dask cluster started from the command line, each compared with a serial run of the same file."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from flows.generate import DefectRates, generate_sales, write_generated
from flows.pipeline import run_pipeline
from flows.records import RunSummary
from tests.integration.helpers import normalised_tables, read_table, without_ledger_rule

pytestmark = pytest.mark.usefixtures("prefect_harness")
ROOT = Path(__file__).resolve().parents[2]
ROWS, CHUNK = 3000, 700  # five chunks, duplicate groups across chunks


@pytest.fixture
def source(tmp_path: Path) -> Path:
    path = tmp_path / "sales.csv"
    write_generated(generate_sales(ROWS, seed=41), path, 41, DefectRates())
    return path


@pytest.fixture
def shared_env(pipeline_env: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    """The environment a worker needs: the database, the spill folder and the expectations (and this Prefect API)."""
    from prefect.settings import PREFECT_API_URL

    monkeypatch.setenv("WORK_DIR", str(tmp_path / "work"))
    monkeypatch.setenv("CHUNKS_IN_FLIGHT", "3")
    without_ledger_rule(tmp_path / "expectations", monkeypatch)  # each test loads its file twice
    monkeypatch.setenv("PREFECT_API_URL", str(PREFECT_API_URL.value()))  # restored when the test ends
    return dict(os.environ)


def assert_same_tables(url: str, expected: RunSummary, actual: RunSummary) -> None:
    """Both runs COMPLETED with the same counts, and every table is equal (run ids, ids and timestamps aside)."""
    assert expected.status == actual.status == "COMPLETED"
    assert actual.counts == expected.counts
    want, got = normalised_tables(url, expected.run_id), normalised_tables(url, actual.run_id)
    for table in want:
        pd.testing.assert_frame_equal(got[table], want[table], obj=table)
    chunks = read_table(url, "audit_log", actual.run_id).query("stage == 'ingest' and event == 'end'")
    assert len(chunks) == -(-ROWS // CHUNK), "every chunk is audited once"


def test_threads_equal_serial(shared_env: dict[str, str], source: Path) -> None:
    """Chunks in flight on threads (SQLite serialises the writes) give the tables of one chunk after another."""
    url = shared_env["DATABASE_URL"]
    serial = run_pipeline(source=str(source), chunk_rows=CHUNK, task_runner="serial")
    threads = run_pipeline(source=str(source), chunk_rows=CHUNK, task_runner="threads")
    assert_same_tables(url, serial, threads)


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_dask_local_cluster_equals_threads(shared_env: dict[str, str], source: Path) -> None:
    """A LocalCluster of worker processes writes what the thread pool writes."""
    url = shared_env["DATABASE_URL"]
    threads = run_pipeline(source=str(source), chunk_rows=CHUNK, task_runner="threads")
    dask = run_pipeline(source=str(source), chunk_rows=CHUNK, task_runner="dask")
    assert_same_tables(url, threads, dask)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def dask_cluster(shared_env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    """`dask scheduler` and `dask worker --nworkers 2` on 127.0.0.1, started from the command line."""
    address = f"tcp://127.0.0.1:{_free_port()}"
    dask = str(Path(sys.executable).with_name("dask"))
    env = dict(shared_env, PYTHONPATH=str(ROOT))
    logs = [(tmp_path / name).open("w") for name in ("scheduler.log", "workers.log")]
    port = address.rsplit(":", 1)[1]
    scheduler = subprocess.Popen(
        [dask, "scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"],
        env=env,
        stderr=logs[0],
        start_new_session=True,
    )
    workers = subprocess.Popen(
        [dask, "worker", address, "--nworkers", "2", "--nthreads", "1", "--no-dashboard"],
        env=env,
        cwd=tmp_path,  # another working folder than the flow's: only the shared paths may matter
        stderr=logs[1],
        start_new_session=True,  # the nannies' worker processes are in its process group
    )
    try:
        from distributed import Client

        with Client(address, timeout=60) as client:
            client.wait_for_workers(2, timeout=90)
        yield address
    finally:
        for process in (workers, scheduler):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        for log in logs:
            log.close()


def _worker_tasks(address: str) -> int:
    """How many tasks the cluster's workers have executed so far."""
    from distributed import Client

    with Client(address, timeout=30) as client:
        counts = client.run(lambda dask_worker: dask_worker.state.executed_count)
    return sum(counts.values()) if counts else 0


@pytest.mark.postgres
@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_real_dask_cluster_equals_serial(
    shared_env: dict[str, str], source: Path, dask_cluster: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks run on a scheduler and two worker processes started by `dask`, and the tables equal a serial run's."""
    url = shared_env["DATABASE_URL"]
    serial = run_pipeline(source=str(source), chunk_rows=CHUNK, task_runner="serial")
    before = _worker_tasks(dask_cluster)
    monkeypatch.setenv("DASK_ADDRESS", dask_cluster)
    started = time.perf_counter()
    remote = run_pipeline(source=str(source), chunk_rows=CHUNK, task_runner="dask")
    assert time.perf_counter() - started < 300
    assert _worker_tasks(dask_cluster) > before, "the chunks must have run on the cluster's workers"
    assert_same_tables(url, serial, remote)
