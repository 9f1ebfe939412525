"""Limits: a file over MAX_FILE_BYTES or MAX_FILE_ROWS is refused up front, before any row is stored."""

from __future__ import annotations

from pathlib import Path

import pytest

from flows.pipeline import run_pipeline
from tests.factories import make_frame, write_csv
from tests.integration.helpers import read_table, scalar

pytestmark = pytest.mark.usefixtures("prefect_harness")


def test_file_over_the_byte_limit_is_rejected_unread(
    pipeline_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It rejects a file larger than MAX_FILE_BYTES naming both sizes, stores no row and keeps the file."""
    path = write_csv(tmp_path / "big.csv", make_frame(50))
    size = path.stat().st_size
    monkeypatch.setenv("MAX_FILE_BYTES", str(size - 1))

    summary = run_pipeline(source=str(path))

    assert summary.status == "REJECTED"
    assert summary.reason == f"file too large: {size:,} bytes exceeds the limit of {size - 1:,} (MAX_FILE_BYTES)"
    run = read_table(pipeline_env, "pipeline_runs", summary.run_id).iloc[0]
    assert (run["status"], run["status_reason"]) == ("REJECTED", summary.reason)
    assert scalar(pipeline_env, "SELECT COUNT(*) FROM raw_sales") == 0
    assert path.is_file()


def test_file_over_the_row_limit_is_rejected_before_any_row_is_stored(
    pipeline_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It rejects a file with more data rows than MAX_FILE_ROWS after the first pass, with no raw row written."""
    path = write_csv(tmp_path / "long.csv", make_frame(11))
    monkeypatch.setenv("MAX_FILE_ROWS", "10")

    summary = run_pipeline(source=str(path))

    assert summary.status == "REJECTED"
    assert summary.reason == "too many rows: more than the limit of 10 (MAX_FILE_ROWS)"
    assert scalar(pipeline_env, "SELECT COUNT(*) FROM raw_sales") == 0
    assert scalar(pipeline_env, "SELECT COUNT(*) FROM audit_log WHERE stage = 'ingest'") == 0


def test_file_at_the_limits_is_loaded(pipeline_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """It loads a file exactly at both limits."""
    path = write_csv(tmp_path / "edge.csv", make_frame(10))
    monkeypatch.setenv("MAX_FILE_ROWS", "10")
    monkeypatch.setenv("MAX_FILE_BYTES", str(path.stat().st_size))

    summary = run_pipeline(source=str(path))

    assert (summary.status, summary.raw_count) == ("COMPLETED", 10)
