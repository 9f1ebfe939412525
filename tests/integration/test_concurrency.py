"""Concurrency on PostgreSQL: the same file picked up twice at once is loaded once; two files at once
give the same tables as one after the other. Overlap is forced with locks the test holds, never left to timing."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from flows.sources.files import file_sha256
from flows.storage.engine import get_engine
from flows.storage.locks import lock_key
from flows.storage.migrate import upgrade_to_head
from tests.conftest import ROOT
from tests.factories import make_frame, write_csv
from tests.integration.helpers import read_table, scalar
from tests.integration.pausing import _connect, pause_lock, release, start_run, wait_until_paused

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]
WAITERS = (
    "SELECT COUNT(*) FROM pg_locks JOIN pg_stat_activity USING (pid) WHERE locktype = 'advisory' AND NOT granted"
    " AND classid = %s AND objid = %s AND datname = current_database()"
)


def _start_pickup(incoming: Path, url: str, docs: Path) -> subprocess.Popen[str]:
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "DATABASE_URL": url, "DOCS_DIR": str(docs), "PREFECT_API_URL": str(PREFECT_API_URL.value())}
    command = [sys.executable, "-m", "flows.incoming", "--incoming", str(incoming)]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_same_file_picked_up_twice_concurrently_is_loaded_once(postgres_url: str, tmp_path: Path) -> None:
    """Both pickups provably wait on the file's lock at once; released, one loads the file and the other skips it."""
    upgrade_to_head(get_engine(postgres_url))  # concurrent first-time migrations are not what this tests
    folders = [tmp_path / name / "incoming" for name in ("a", "b")]
    for folder in folders:
        folder.mkdir(parents=True)
        path = write_csv(folder / "day.csv", make_frame(200))
        os.utime(path, (1_000_000_000, 1_000_000_000))
    key = lock_key(file_sha256(folders[0] / "day.csv"))
    classid, objid = (key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF  # how pg_locks shows a bigint advisory key

    holder = _connect(postgres_url)
    with holder.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", (key,))  # the file's lock, as a third pickup would hold it
        pickups = [_start_pickup(folder, postgres_url, tmp_path / "docs") for folder in folders]
        deadline, waiting = time.monotonic() + 180, 0
        while waiting < 2 and time.monotonic() < deadline and all(p.poll() is None for p in pickups):
            cursor.execute(WAITERS, (classid, objid))
            waiting = cursor.fetchone()[0]
            time.sleep(0.05)
        assert waiting == 2, "both pickups must be waiting on the file's lock at the same time"
        cursor.execute("SELECT pg_advisory_unlock(%s)", (key,))
    holder.close()
    outputs = [p.communicate(timeout=300) for p in pickups]

    assert [p.returncode for p in pickups] == [0, 0], [err[-2000:] for _, err in outputs]
    assert sorted(out.split()[0] for out, _ in outputs) == ["COMPLETED", "SKIPPED"]
    assert scalar(postgres_url, "SELECT COUNT(*) FROM raw_sales") == 200
    assert sorted(read_table(postgres_url, "pipeline_runs")["status"]) == ["COMPLETED", "SKIPPED"]


def test_lock_key_is_a_signed_64_bit_integer() -> None:
    """It maps a sha256 to a key PostgreSQL's bigint advisory lock accepts."""
    assert lock_key("f" * 64) == -1
    assert lock_key("7" + "f" * 63) == 2**63 - 1


def test_two_files_concurrently_give_the_same_results_as_one_after_the_other(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It runs a second file to completion while the first is held mid-run, and both equal runs on their own."""
    from flows.generate import DefectRates, generate_sales, write_generated
    from flows.pipeline import run_pipeline
    from tests.integration.helpers import normalised_tables, without_ledger_rule

    monkeypatch.setenv("DATABASE_URL", postgres_url)
    without_ledger_rule(tmp_path / "expectations", monkeypatch)  # each file loads twice, compared in one database
    monkeypatch.setenv("DOCS_DIR", str(tmp_path / "docs"))
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    write_generated(generate_sales(5_000, seed=21), first, 21, DefectRates(), tmp_path / "first.answers.json")
    second_file = generate_sales(3_000, seed=22, first_order=5_001)  # another day's file: ids after the first's
    write_generated(second_file, second, 22, DefectRates(), tmp_path / "second.answers.json")

    with pause_lock(postgres_url) as holder:
        process = start_run(first, postgres_url, tmp_path / "docs", "chunk-3")
        wait_until_paused(holder, process)
        first_concurrent = str(scalar(postgres_url, "SELECT run_id FROM pipeline_runs WHERE status = 'RUNNING'"))
        second_concurrent = run_pipeline(source=str(second)).run_id
        release(holder)
        assert process.wait(timeout=300) == 0
    first_alone = run_pipeline(source=str(first), chunk_rows=1000).run_id
    second_alone = run_pipeline(source=str(second)).run_id

    status = "SELECT status FROM pipeline_runs WHERE run_id = :r"
    for concurrent, alone in ((first_concurrent, first_alone), (second_concurrent, second_alone)):
        assert scalar(postgres_url, status, r=concurrent) == scalar(postgres_url, status, r=alone) == "COMPLETED"
        expected, actual = normalised_tables(postgres_url, alone), normalised_tables(postgres_url, concurrent)
        for table in expected:
            pd.testing.assert_frame_equal(actual[table], expected[table], obj=table)
