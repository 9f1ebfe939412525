"""Incoming-folder processing and the Prefect artifacts each run publishes."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from flows.incoming import process_incoming
from tests.factories import make_frame, write_csv
from tests.integration.helpers import read_table, scalar

pytestmark = pytest.mark.usefixtures("prefect_harness")


def _drop(folder: Path, name: str, rows: int, mtime: float, first: int = 1, **drop: bool) -> Path:
    frame = make_frame(rows, first=first)  # files of different days: give each its own `first`
    if drop.get("revenue"):
        frame = frame.drop(columns=["revenue"])
    path = write_csv(folder / name, frame)
    os.utime(path, (mtime, mtime))
    return path


def test_processes_oldest_first_and_files_each_file_away(pipeline_env: str, tmp_path: Path) -> None:
    """It runs once per CSV, oldest first, moving each to processed/ or rejected/ with the reason."""
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    _drop(incoming, "b_newer.csv", 4, 2_000_000_000, first=11)
    _drop(incoming, "a_older.csv", 3, 1_000_000_000)
    _drop(incoming, "c_bad.csv", 2, 3_000_000_000, first=21, revenue=True)
    (incoming / "notes.txt").write_text("not a csv")

    outcomes = process_incoming(incoming=str(incoming), dataset="sales")

    assert list(outcomes.items()) == [
        ("a_older.csv", "COMPLETED"),
        ("b_newer.csv", "COMPLETED"),
        ("c_bad.csv", "REJECTED"),
    ]
    assert sorted(p.name for p in (tmp_path / "processed").iterdir()) == ["a_older.csv", "b_newer.csv"]
    rejected = tmp_path / "rejected"
    assert sorted(p.name for p in rejected.iterdir()) == ["c_bad.csv", "c_bad.csv.reason.txt"]
    assert "missing required columns: revenue" in (rejected / "c_bad.csv.reason.txt").read_text()
    assert [p.name for p in incoming.iterdir()] == ["notes.txt"]
    runs = read_table(pipeline_env, "pipeline_runs").sort_values("started_at")
    assert runs["source_name"].tolist() == ["a_older.csv", "b_newer.csv", "c_bad.csv"]
    assert runs["status"].tolist() == ["COMPLETED", "COMPLETED", "REJECTED"]


def test_redropped_file_loads_nothing_new_unless_forced(
    pipeline_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It skips a file whose sha256 was already processed, records the skip, and reloads it only with force."""
    monkeypatch.setenv("INCOMING_SETTLE_SECONDS", "0")  # the copies below are fresh
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    original = _drop(incoming, "day1.csv", 5, 1_000_000_000)
    keep = tmp_path / "copy.csv"
    shutil.copy(original, keep)
    assert process_incoming(incoming=str(incoming)) == {"day1.csv": "COMPLETED"}

    shutil.copy(keep, incoming / "day1_again.csv")
    assert process_incoming(incoming=str(incoming)) == {"day1_again.csv": "SKIPPED"}
    assert scalar(pipeline_env, "SELECT COUNT(*) FROM raw_sales") == 5
    skipped = read_table(pipeline_env, "pipeline_runs").query("status == 'SKIPPED'")
    assert len(skipped) == 1 and "already processed successfully" in skipped["status_reason"].iloc[0]
    assert (tmp_path / "processed" / "day1_again.csv").is_file()

    shutil.copy(keep, incoming / "day1.csv")
    # ledger: same ids on purpose (force reloads the very file; its rows are resends of the first load's)
    assert process_incoming(incoming=str(incoming), force=True) == {"day1.csv": "COMPLETED"}
    assert scalar(pipeline_env, "SELECT COUNT(*) FROM raw_sales") == 10
    runs = read_table(pipeline_env, "pipeline_runs").query("status == 'COMPLETED'").sort_values("started_at")
    forced = runs["run_id"].iloc[-1]
    # processed/day1.csv is taken, so the forced run's copy gets its run id (first 8 characters) appended
    processed = sorted(p.name for p in (tmp_path / "processed").iterdir())
    assert processed == sorted(["day1.csv", "day1_again.csv", f"day1-{forced[:8]}.csv"])
    assert (tmp_path / "processed" / f"day1-{forced[:8]}.csv").read_bytes() == keep.read_bytes()


def test_file_still_being_written_is_left_for_the_next_pickup(
    pipeline_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It leaves a file modified within INCOMING_SETTLE_SECONDS untouched in incoming/, and takes it once settled."""
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    monkeypatch.setenv("INCOMING_SETTLE_SECONDS", "30")
    growing = write_csv(incoming / "growing.csv", make_frame(4))
    with growing.open("a") as handle:  # half a row: the writer has not finished
        handle.write("ORD-0000099,2024-03-")
    _drop(incoming, "settled.csv", 2, 1_000_000_000, first=101)  # after growing.csv's ORD-0000099

    assert process_incoming(incoming=str(incoming)) == {"settled.csv": "COMPLETED"}
    assert [p.name for p in incoming.iterdir()] == ["growing.csv"]
    assert scalar(pipeline_env, "SELECT COUNT(*) FROM pipeline_runs WHERE source_name = 'growing.csv'") == 0

    with growing.open("a") as handle:
        handle.write("15,North,Sauces,1,1.00\n")
    os.utime(growing, (1_000_000_000, 1_000_000_000))
    assert process_incoming(incoming=str(incoming)) == {"growing.csv": "COMPLETED"}
    assert scalar(pipeline_env, "SELECT COUNT(*) FROM raw_sales") == 2 + 5


def test_rejected_hostile_file_keeps_its_bytes_in_rejected(pipeline_env: str, tmp_path: Path) -> None:
    """It moves a binary file named .csv to rejected/ unchanged, with the one-line reason beside it."""
    import gzip

    incoming = tmp_path / "incoming"
    incoming.mkdir()
    content = gzip.compress(b"order_id,order_date,region,product,quantity,revenue\n")
    path = incoming / "packed.csv"
    path.write_bytes(content)
    os.utime(path, (1_000_000_000, 1_000_000_000))

    assert process_incoming(incoming=str(incoming)) == {"packed.csv": "REJECTED"}
    assert (tmp_path / "rejected" / "packed.csv").read_bytes() == content
    assert (
        "binary file (gzip-compressed), not CSV text" in (tmp_path / "rejected" / "packed.csv.reason.txt").read_text()
    )


def test_a_failed_run_leaves_its_file_in_incoming_and_the_flow_run_failed(
    sqlite_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It leaves a FAILED run's file in incoming/ unchanged; the flow run ends Failed; the next pickup loads it."""
    pipeline_env = sqlite_url  # the incoming flow's filing does not depend on the database; one is enough
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    failing = _drop(incoming, "a_fails.csv", 3, 1_000_000_000)
    content = failing.read_bytes()
    blocked = tmp_path / "docs-is-a-file"
    blocked.write_text("a file where the Data Docs folder should be")  # the run fails mid-way, building its docs
    monkeypatch.setenv("DOCS_DIR", str(blocked))

    state = process_incoming(incoming=str(incoming), return_state=True)

    assert state.is_failed()
    assert f"RuntimeError: 1 file(s) failed and stay in {incoming}: a_fails.csv" in str(state.message)
    assert [p.name for p in incoming.iterdir()] == ["a_fails.csv"]
    assert failing.read_bytes() == content
    assert not (tmp_path / "processed").exists() and not (tmp_path / "rejected").exists()
    runs = read_table(pipeline_env, "pipeline_runs")
    assert (runs["source_name"].tolist(), runs["status"].tolist()) == (["a_fails.csv"], ["FAILED"])
    assert scalar(pipeline_env, "SELECT COUNT(*) FROM raw_sales") == 3  # raw rows kept, derived rows deleted
    assert scalar(pipeline_env, "SELECT COUNT(*) FROM clean_sales") == 0

    monkeypatch.setenv("DOCS_DIR", str(tmp_path / "docs"))
    # ledger: same ids on purpose (the FAILED run's file is picked up again; that run left nothing clean)
    assert process_incoming(incoming=str(incoming)) == {"a_fails.csv": "COMPLETED"}
    assert list(incoming.iterdir()) == [] and (tmp_path / "processed" / "a_fails.csv").read_bytes() == content


async def _artifacts(key: str) -> list:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    async with get_client() as client:
        return await client.read_artifacts(artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=[key])))


def test_each_run_publishes_summary_and_failures_artifacts(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """It publishes a markdown run summary and a table of failures per control as Prefect artifacts."""
    import asyncio

    from flows.pipeline import run_pipeline

    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    monkeypatch.setenv("DOCS_DIR", str(tmp_path / "docs"))
    path = write_csv(tmp_path / "mixed.csv", make_frame(3, rows=[{"revenue": "-5.00"}, {"region": "Mars"}]))
    summary = run_pipeline(source=str(path))

    markdown = [a for a in asyncio.run(_artifacts("sales-run-summary")) if summary.run_id in str(a.data)]
    assert len(markdown) == 1
    assert "reconciliation: **balanced**" in str(markdown[0].data)
    assert "BUSINESS_RULE_VIOLATION" in str(markdown[0].data)
    assert f"Data Docs: [{(tmp_path / 'docs' / summary.run_id / 'index.html').as_uri()}]" in str(markdown[0].data)
    tables = [a for a in asyncio.run(_artifacts("sales-failures-by-control")) if summary.run_id in str(a.description)]
    assert len(tables) == 1
    assert "revenue_non_negative" in str(tables[0].data) and "region_in_reference_set" in str(tables[0].data)
