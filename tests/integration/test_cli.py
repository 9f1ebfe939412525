"""The command line, as a user runs it: a real subprocess with no Prefect server running."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.factories import make_frame, write_csv

pytestmark = pytest.mark.slow


def _run(args: list[str], database_url: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_API")}
    env.update(DATABASE_URL=database_url, DO_NOT_TRACK="1", PREFECT_LOGGING_LEVEL="WARNING")
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def test_generate_then_run_prints_summary(tmp_path: Path, sqlite_url: str) -> None:
    """It generates a file, runs one pipeline run, prints counts per table and exits 0."""
    out = tmp_path / "sample.csv"
    generated = _run(["flows.generate", "--rows", "1500", "--seed", "3", "--out", str(out)], sqlite_url)
    assert generated.returncode == 0, generated.stderr
    assert (tmp_path / "sample.answers.json").is_file()
    result = _run(["flows.pipeline", "--source", str(out)], sqlite_url)
    assert result.returncode == 0, result.stderr
    assert "COMPLETED" in result.stdout
    assert "raw_sales                 1,500" in result.stdout
    assert "exceptions by category:" in result.stdout
    assert "reconciliation: balanced" in result.stdout


def test_rejected_file_exits_non_zero_with_one_line_reason(tmp_path: Path, sqlite_url: str) -> None:
    """It exits 2 and names the missing columns when the file fails its schema controls."""
    path = write_csv(tmp_path / "bad.csv", make_frame(2).drop(columns=["region", "product"]))
    result = _run(["flows.pipeline", "--source", str(path)], sqlite_url)
    assert result.returncode == 2
    assert "REJECTED: missing required columns: region, product" in result.stderr
    assert "Traceback" not in result.stderr


def test_unreachable_database_fails_without_leaking_the_password(tmp_path: Path) -> None:
    """It exits 1 with a one-line reason and never prints the database password."""
    path = write_csv(tmp_path / "ok.csv", make_frame(2))
    url = "postgresql://writer:S3cret-Pa55@127.0.0.1:1/nowhere"
    result = _run(["flows.pipeline", "--source", str(path)], url)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1].startswith("FAILED: ")
    assert "S3cret-Pa55" not in result.stdout + result.stderr
