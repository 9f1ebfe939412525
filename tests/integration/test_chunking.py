"""Chunked streaming gives exactly the same tables as one chunk: correctness is never traded for speed."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from flows.generate import DefectRates, generate_sales, write_generated
from flows.pipeline import run_pipeline
from tests.integration.helpers import read_table

pytestmark = pytest.mark.usefixtures("prefect_harness")
ROWS, SMALL_CHUNK = 3000, 700


def _normalised(url: str, run_id: str) -> dict[str, pd.DataFrame]:
    """Every table of a run with record ids made relative to the run's first id (ids differ between runs)."""
    raw = read_table(url, "raw_sales", run_id)
    base = int(raw["id"].min())

    def relative(text: pd.Series) -> pd.Series:
        shift = lambda s: re.sub(r"record (\d+)", lambda m: f"record {int(m[1]) - base}", s)  # noqa: E731
        return text.map(lambda s: shift(s) if isinstance(s, str) else s)

    def by(frame: pd.DataFrame, column: str, drop: tuple[str, ...] = ()) -> pd.DataFrame:
        frame = frame.assign(**{column: frame[column] - base})
        frame = frame.drop(columns=["run_id", *drop], errors="ignore")
        return frame.sort_values(list(frame.columns)).reset_index(drop=True)

    findings = read_table(url, "validation_results", run_id).assign(record_id=lambda f: f["record_id"].fillna(base))
    findings["details"] = relative(findings["details"])
    exceptions = read_table(url, "exceptions", run_id)
    exceptions["error_details"] = relative(exceptions["error_details"])
    return {
        "raw_sales": by(raw, "id", drop=("ingestion_timestamp",)),
        "clean_sales": by(read_table(url, "clean_sales", run_id), "record_id"),
        "exceptions": by(exceptions, "original_record_id", drop=("id",)),
        "validation_results": by(findings, "record_id", drop=("id",)),
        "analytics_summary": read_table(url, "analytics_summary", run_id)
        .drop(columns=["id", "run_id"])
        .sort_values(["breakdown", "key_1", "key_2", "key_3", "measure"])
        .reset_index(drop=True),
    }


def test_chunked_run_equals_single_chunk_run(pipeline_env: str, tmp_path: Path) -> None:
    """It writes identical tables with 700-row chunks and with one chunk, duplicates split across chunks included."""
    path = tmp_path / "sales.csv"
    generated = generate_sales(ROWS, seed=99)
    write_generated(generated, path, 99, DefectRates())
    originals = [r for r in generated.answer_key["conflicting_duplicate"]]
    chunks_hit = {(row - 1) // SMALL_CHUNK for row in originals}
    assert len(chunks_hit) > 2, "the file must put duplicate groups into several chunks"

    whole = run_pipeline(source=str(path), chunk_rows=100_000)
    chunked = run_pipeline(source=str(path), chunk_rows=SMALL_CHUNK)
    assert whole.status == chunked.status == "COMPLETED"
    assert whole.counts == chunked.counts
    expected, actual = _normalised(pipeline_env, whole.run_id), _normalised(pipeline_env, chunked.run_id)
    for table in expected:
        pd.testing.assert_frame_equal(actual[table], expected[table], obj=table)
    audit = read_table(pipeline_env, "audit_log", chunked.run_id)
    assert (
        audit.query("stage == 'ingest' and event == 'end'")["records_in"] == SMALL_CHUNK
    ).sum() == ROWS // SMALL_CHUNK
