"""The service layer on its own: a whole run through plain functions and a SQLite unit of work, no Prefect."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pandas as pd
import pytest

from flows import service
from flows.constants import RunStatus
from flows.dataset import DatasetSpec, load_dataset
from tests.factories import make_frame, write_csv
from tests.integration.helpers import read_table
from tests.superstore import CLEAN_SALES, REASON, SALES_BY_SEGMENT, UNIT_PRICES, write_superstore
from tests.unit.service.runner import open_run, run_file, uow


@pytest.fixture
def url(tmp_path: Path) -> str:
    """A fresh SQLite database file."""
    return f"sqlite:///{tmp_path / 'service.db'}"


def _mixed_file(tmp_path: Path) -> Path:
    """Seven rows: four valid, a negative revenue, an unknown region and an exact duplicate of row 1."""
    frame = make_frame(4, rows=[{"revenue": "-5.00"}, {"region": "north"}])
    frame = pd.concat([frame, frame.iloc[[0]]], ignore_index=True)
    return write_csv(tmp_path / "mixed.csv", frame)


def test_a_whole_run_completes_and_reconciles(url: str, spec: DatasetSpec, tmp_path: Path) -> None:
    """It loads every row, quarantines the three bad ones with their reasons, and marks the run COMPLETED."""
    done = run_file(url, spec, _mixed_file(tmp_path), tmp_path / "work", chunk_rows=3, docs=True)
    assert done.summary.status == RunStatus.COMPLETED
    assert not done.run.work_dir.exists()  # the spilled chunks went with the run
    assert (done.summary.raw_count, done.summary.clean_count, done.summary.exception_count) == (7, 4, 3)
    assert done.plan is not None and [c.rows for c in done.plan.chunks] == [3, 3, 1]
    exceptions = read_table(url, "exceptions", done.run.run_id).sort_values("original_record_id")
    rules = [{f["rule"] for f in json.loads(d)} for d in exceptions["error_details"]]
    assert rules == [{"revenue_non_negative"}, {"region_in_reference_set"}, {"order_id_unique"}]
    run = read_table(url, "pipeline_runs").iloc[0]
    assert (run["status"], run["reconciled"], run["clean_count"]) == ("COMPLETED", 1, 4)
    assert Path(run["data_docs_path"]) == tmp_path / "work" / "docs" / done.run.run_id / "index.html"


def test_chunks_finish_in_any_order_with_the_same_tables(spec: DatasetSpec, tmp_path: Path) -> None:
    """It writes the same rows whether chunks are processed first to last or last to first (ids are reserved)."""
    source = _mixed_file(tmp_path)
    urls = [f"sqlite:///{tmp_path / name}" for name in ("forward.db", "backward.db")]
    forward = run_file(urls[0], spec, source, tmp_path / "a", chunk_rows=4)
    backward = run_file(urls[1], spec, source, tmp_path / "b", chunk_rows=4, order=[1, 0])
    assert backward.summary.status == RunStatus.COMPLETED
    for table, key in (("raw_sales", "id"), ("clean_sales", "record_id"), ("exceptions", "original_record_id")):
        first, second = (
            read_table(url, table).drop(columns=["run_id", "ingestion_timestamp", "id"], errors="ignore")
            if key != "id"
            else read_table(url, table).drop(columns=["run_id", "ingestion_timestamp"])
            for url in urls
        )
        pd.testing.assert_frame_equal(
            first.sort_values(key).reset_index(drop=True), second.sort_values(key).reset_index(drop=True), obj=table
        )
    assert forward.summary.counts == backward.summary.counts


def test_a_missing_required_column_rejects_the_file_and_keeps_its_rows(
    url: str, spec: DatasetSpec, tmp_path: Path
) -> None:
    """It stores the rows as received, writes no clean row or exception, and says which column is missing."""
    source = write_csv(tmp_path / "no_revenue.csv", make_frame(3).drop(columns="revenue"))
    done = run_file(url, spec, source, tmp_path / "work")
    assert (done.summary.status, done.summary.reason) == (RunStatus.REJECTED, "missing required columns: revenue")
    assert len(read_table(url, "raw_sales", done.run.run_id)) == 3
    assert not done.run.work_dir.exists()
    assert read_table(url, "clean_sales", done.run.run_id).empty
    assert read_table(url, "exceptions", done.run.run_id).empty


def test_a_file_that_fails_screening_stores_nothing(url: str, spec: DatasetSpec, tmp_path: Path) -> None:
    """It rejects a semicolon-separated file before any row is stored, naming the delimiter."""
    source = tmp_path / "semi.csv"
    source.write_text("order_id;order_date;region;product;quantity;revenue\nA;2024-01-01;North;Dairy;1;2.00\n")
    done = run_file(url, spec, source, tmp_path / "work")
    assert done.summary.status == RunStatus.REJECTED
    assert done.summary.reason == "wrong delimiter: the header is one column; it looks ';'-separated, not ','"
    assert read_table(url, "raw_sales").empty


def test_a_failed_run_leaves_no_derived_rows(url: str, spec: DatasetSpec, tmp_path: Path) -> None:
    """It deletes a failed run's clean rows, exceptions and findings, keeps its raw rows and records the reason."""
    done = run_file(url, spec, _mixed_file(tmp_path), tmp_path / "work")
    with uow(url) as unit:
        service.fail_run(unit, done.run, "RuntimeError: the disk is full")
    run = read_table(url, "pipeline_runs").iloc[0]
    assert (run["status"], run["status_reason"]) == ("FAILED", "RuntimeError: the disk is full")
    for table in ("clean_sales", "exceptions", "validation_results", "analytics_summary"):
        assert read_table(url, table, done.run.run_id).empty, table
    assert len(read_table(url, "raw_sales", done.run.run_id)) == 7


def test_a_running_run_is_not_taken_for_abandoned_on_sqlite(url: str, spec: DatasetSpec, tmp_path: Path) -> None:
    """It leaves another RUNNING run alone: SQLite cannot tell a live run from a dead one."""
    first = open_run(url, spec, _mixed_file(tmp_path), tmp_path / "work")
    open_run(url, spec, _mixed_file(tmp_path), tmp_path / "work")
    statuses = read_table(url, "pipeline_runs").set_index("run_id")["status"]
    assert statuses[first.run_id] == "RUNNING" and list(statuses) == ["RUNNING", "RUNNING"]


def test_a_measure_with_four_decimals_loads_aggregates_and_reconciles_exactly(url: str, tmp_path: Path) -> None:
    """It types 16.448 exactly at scale 4, sums to the ten-thousandth, and says why 3.14159 was quarantined."""
    spec = load_dataset("superstore", tmp_path / "expectations") if write_superstore(tmp_path) else None
    assert spec is not None
    done = run_file(url, spec, tmp_path / "superstore.csv", tmp_path / "work")
    assert done.summary.status == RunStatus.COMPLETED and done.summary.clean_count == 4
    clean = read_table(url, "clean_superstore", done.run.run_id).set_index("order_no")
    assert {k: Decimal(str(v)).quantize(Decimal("0.0001")) for k, v in clean["sales"].items()} == CLEAN_SALES
    assert {k: Decimal(str(v)).quantize(Decimal("0.0001")) for k, v in clean["unit_price"].items()} == UNIT_PRICES
    analytics = read_table(url, "analytics_summary", done.run.run_id)
    by_segment = analytics[(analytics["breakdown"] == "segment") & (analytics["measure"] == "sales")]
    sums = {
        k: Decimal(str(v)).quantize(Decimal("0.0001"))
        for k, v in zip(by_segment["key_1"], by_segment["value"], strict=True)
    }
    assert sums == SALES_BY_SEGMENT
    details = json.loads(read_table(url, "exceptions", done.run.run_id).iloc[0]["error_details"])
    assert [d["details"] for d in details] == [REASON]
