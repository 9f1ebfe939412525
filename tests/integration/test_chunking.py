"""Chunked streaming gives exactly the same tables as one chunk: correctness is never traded for speed."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from flows.generate import DefectRates, generate_sales, write_generated
from flows.pipeline import run_pipeline
from tests.integration.helpers import normalised_tables, read_table, without_ledger_rule

pytestmark = pytest.mark.usefixtures("prefect_harness")
ROWS, SMALL_CHUNK = 3000, 700


def test_chunked_run_equals_single_chunk_run(
    pipeline_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It writes identical tables with 700-row chunks and with one chunk, duplicates split across chunks included."""
    path = tmp_path / "sales.csv"
    generated = generate_sales(ROWS, seed=99)
    write_generated(generated, path, 99, DefectRates())
    originals = [r for r in generated.answer_key["conflicting_duplicate"]]
    chunks_hit = {(row - 1) // SMALL_CHUNK for row in originals}
    assert len(chunks_hit) > 2, "the file must put duplicate groups into several chunks"

    without_ledger_rule(tmp_path / "expectations", monkeypatch)  # the same file twice, compared in one database
    whole = run_pipeline(source=str(path), chunk_rows=100_000)
    chunked = run_pipeline(source=str(path), chunk_rows=SMALL_CHUNK)
    assert whole.status == chunked.status == "COMPLETED"
    assert whole.counts == chunked.counts
    expected, actual = normalised_tables(pipeline_env, whole.run_id), normalised_tables(pipeline_env, chunked.run_id)
    for table in expected:
        pd.testing.assert_frame_equal(actual[table], expected[table], obj=table)
    audit = read_table(pipeline_env, "audit_log", chunked.run_id)
    assert (
        audit.query("stage == 'ingest' and event == 'end'")["records_in"] == SMALL_CHUNK
    ).sum() == ROWS // SMALL_CHUNK
