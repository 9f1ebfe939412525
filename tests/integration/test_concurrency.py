"""Concurrency on PostgreSQL: the same file picked up twice at the same time is loaded once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from flows.storage.engine import get_engine
from flows.storage.locks import lock_key
from flows.storage.migrate import upgrade_to_head
from tests.conftest import ROOT
from tests.factories import make_frame, write_csv
from tests.integration.helpers import read_table, scalar

pytestmark = [pytest.mark.postgres, pytest.mark.slow, pytest.mark.usefixtures("prefect_harness")]


def _start_pickup(incoming: Path, url: str, docs: Path) -> subprocess.Popen[str]:
    from prefect.settings import PREFECT_API_URL

    env = {**os.environ, "DATABASE_URL": url, "DOCS_DIR": str(docs), "PREFECT_API_URL": str(PREFECT_API_URL.value())}
    command = [sys.executable, "-m", "flows.incoming", "--incoming", str(incoming)]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_same_file_picked_up_twice_concurrently_is_loaded_once(postgres_url: str, tmp_path: Path) -> None:
    """It loads the file in one process; the other waits on the file's lock, then records it as SKIPPED."""
    upgrade_to_head(get_engine(postgres_url))  # concurrent first-time migrations are not what this tests
    folders = [tmp_path / name / "incoming" for name in ("a", "b")]
    for folder in folders:
        folder.mkdir(parents=True)
        path = write_csv(folder / "day.csv", make_frame(200))
        os.utime(path, (1_000_000_000, 1_000_000_000))

    pickups = [_start_pickup(folder, postgres_url, tmp_path / "docs") for folder in folders]
    outputs = [p.communicate(timeout=300) for p in pickups]

    assert [p.returncode for p in pickups] == [0, 0], [err[-2000:] for _, err in outputs]
    statuses = sorted(out.split()[0] for out, _ in outputs)
    assert statuses == ["COMPLETED", "SKIPPED"]
    assert scalar(postgres_url, "SELECT COUNT(*) FROM raw_sales") == 200
    assert sorted(read_table(postgres_url, "pipeline_runs")["status"]) == ["COMPLETED", "SKIPPED"]


def test_lock_key_is_a_signed_64_bit_integer() -> None:
    """It maps a sha256 to a key PostgreSQL's bigint advisory lock accepts."""
    assert lock_key("f" * 64) == -1
    assert lock_key("7" + "f" * 63) == 2**63 - 1


@pytest.mark.slow
@pytest.mark.usefixtures("prefect_harness")
def test_two_files_concurrently_give_the_same_results_as_one_after_the_other(
    postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It writes, for each of two files run at the same time, exactly the tables a run on its own writes."""
    from flows.generate import DefectRates, generate_sales, write_generated
    from flows.pipeline import run_pipeline
    from tests.integration.test_abandoned_runs import _start_run, _wait_for
    from tests.integration.test_chunking import _normalised

    monkeypatch.setenv("DATABASE_URL", postgres_url)
    monkeypatch.setenv("DOCS_DIR", str(tmp_path / "docs"))
    first, second = tmp_path / "first.csv", tmp_path / "second.csv"
    write_generated(generate_sales(20_000, seed=21), first, 21, DefectRates(), tmp_path / "first.answers.json")
    write_generated(generate_sales(3_000, seed=22), second, 22, DefectRates(), tmp_path / "second.answers.json")

    process = _start_run(first, postgres_url, tmp_path / "docs")
    first_concurrent = _wait_for(postgres_url, process, "raw_sales")
    second_concurrent = run_pipeline(source=str(second)).run_id
    assert process.wait(timeout=300) == 0
    first_alone = run_pipeline(source=str(first), chunk_rows=1000).run_id
    second_alone = run_pipeline(source=str(second)).run_id

    status = "SELECT status FROM pipeline_runs WHERE run_id = :r"
    for concurrent, alone in ((first_concurrent, first_alone), (second_concurrent, second_alone)):
        assert scalar(postgres_url, status, r=concurrent) == scalar(postgres_url, status, r=alone) == "COMPLETED"
        expected, actual = _normalised(postgres_url, alone), _normalised(postgres_url, concurrent)
        for table in expected:
            pd.testing.assert_frame_equal(actual[table], expected[table], obj=table)
