"""Concurrency on PostgreSQL: the same file picked up twice at the same time is loaded once."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
