"""The whole flow under the Prefect test harness, on SQLite and on a real PostgreSQL."""

from __future__ import annotations

import hashlib
import json
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pandas as pd
import pytest

from flows.generate import DefectRates, generate_sales, write_generated
from flows.pipeline import run_pipeline
from tests.factories import EXPECTATIONS_DIR, make_frame, write_csv
from tests.integration.helpers import read_table, scalar

pytestmark = pytest.mark.usefixtures("prefect_harness")
STAGES = ["index", "ingest", "validate", "route", "transform", "analytics", "ledger", "finalize"]


@pytest.fixture
def sample_csv(tmp_path: Path) -> Path:
    """A generated 3,000-row file with the default defects."""
    path = tmp_path / "sales.csv"
    write_generated(generate_sales(3000, seed=7), path, 7, DefectRates())
    return path


def test_every_table_holds_what_the_file_says(pipeline_env: str, sample_csv: Path) -> None:
    """It stores every row as text, splits ids exactly, types clean rows and aggregates them."""
    summary = run_pipeline(source=str(sample_csv))
    assert summary.status == "COMPLETED"
    url, run_id = pipeline_env, summary.run_id
    source = pd.read_csv(sample_csv, dtype=str, keep_default_na=False)

    raw = read_table(url, "raw_sales", run_id).sort_values("source_row").reset_index(drop=True)
    assert raw["source_row"].tolist() == list(range(1, len(source) + 1))
    for column in source.columns:
        assert raw[column].fillna("").tolist() == source[column].tolist(), column

    clean = read_table(url, "clean_sales", run_id)
    exceptions = read_table(url, "exceptions", run_id)
    raw_ids, clean_ids, exc_ids = set(raw["id"]), set(clean["record_id"]), set(exceptions["original_record_id"])
    assert clean_ids | exc_ids == raw_ids
    assert not clean_ids & exc_ids
    assert len(clean) + len(exceptions) == len(source)

    by_id = raw.set_index("id")
    typed = clean.set_index("record_id").sort_index()
    received = by_id.loc[typed.index]
    assert [Decimal(str(v)).quantize(Decimal("0.01")) for v in typed["revenue"]] == [
        Decimal(v) for v in received["revenue"]
    ]
    assert typed["quantity"].astype(int).tolist() == received["quantity"].astype(int).tolist()
    assert pd.to_datetime(typed["order_date"]).dt.strftime("%Y-%m-%d").tolist() == received["order_date"].tolist()
    expected_rpu = [
        (Decimal(r) / int(q)).quantize(Decimal("0.01"), ROUND_HALF_UP)
        for r, q in zip(received["revenue"], received["quantity"], strict=True)
    ]
    assert [Decimal(str(v)).quantize(Decimal("0.01")) for v in typed["revenue_per_unit"]] == expected_rpu

    details = exceptions["error_details"].map(json.loads)
    assert (details.map(len) >= exceptions["error_count"]).all()
    assert exceptions["raw_data"].map(json.loads).map(lambda d: set(d) == set(source.columns)).all()

    analytics = read_table(url, "analytics_summary", run_id)
    analytics["value"] = analytics["value"].map(lambda v: Decimal(str(v)).quantize(Decimal("0.01")))
    by_region = received.assign(revenue=received["revenue"].map(Decimal)).groupby("region")["revenue"].sum()
    stored = analytics[(analytics["breakdown"] == "region") & (analytics["measure"] == "revenue")]
    assert dict(zip(stored["key_1"], stored["value"], strict=True)) == by_region.to_dict()
    total = analytics[(analytics["breakdown"] == "total") & (analytics["measure"] == "record_count")]["value"]
    assert total.tolist() == [Decimal(len(clean))]


def test_run_row_and_audit_trail(pipeline_env: str, sample_csv: Path) -> None:
    """It records the run with checksum, counts and suite version, and audits every stage."""
    summary = run_pipeline(source=str(sample_csv))
    run = read_table(pipeline_env, "pipeline_runs", summary.run_id).iloc[0]
    assert run["status"] == "COMPLETED"
    assert run["source_sha256"] == hashlib.sha256(sample_csv.read_bytes()).hexdigest()
    assert run["raw_count"] == 3000
    assert run["clean_count"] + run["exception_count"] == 3000
    assert bool(run["reconciled"]) is True
    assert run["flow_run_id"]
    assert len(run["suite_version"]) == 16
    audit = read_table(pipeline_env, "audit_log", summary.run_id)
    ends = audit[audit["event"] == "end"].set_index("stage")
    assert set(audit[audit["event"] == "start"]["stage"]) == set(STAGES)
    assert set(ends.index) == set(STAGES)
    assert (ends["duration_ms"] >= 0).all()
    assert ends.loc["ingest", "records_out"] == 3000
    assert ends.loc["route", "records_out"] == run["clean_count"]
    assert set(audit["flow_run_id"]) == {run["flow_run_id"]}
    assert set(audit["suite_version"]) == {run["suite_version"]}
    docs = Path(run["data_docs_path"])
    assert docs.is_file() and docs.parent.name == summary.run_id
    assert "record_id" in "".join(p.read_text() for p in docs.parent.rglob("validations/**/*.html"))


def test_missing_required_column_rejects_the_file(pipeline_env: str, tmp_path: Path) -> None:
    """It rejects a file without revenue, names the column, keeps raw rows and loads nothing clean."""
    path = write_csv(tmp_path / "no_revenue.csv", make_frame(5).drop(columns=["revenue"]))
    summary = run_pipeline(source=str(path))
    assert summary.status == "REJECTED"
    assert summary.reason == "missing required columns: revenue"
    run = read_table(pipeline_env, "pipeline_runs", summary.run_id).iloc[0]
    assert run["status"] == "REJECTED" and "revenue" in run["status_reason"]
    assert len(read_table(pipeline_env, "raw_sales", summary.run_id)) == 5
    assert read_table(pipeline_env, "clean_sales", summary.run_id).empty
    findings = read_table(pipeline_env, "validation_results", summary.run_id)
    assert findings["rule_name"].tolist() == ["revenue_column_present", "no_unexpected_columns"]


def test_extra_column_is_kept_and_reported(pipeline_env: str, tmp_path: Path) -> None:
    """It loads a file with an extra column, keeps the extra values in raw_sales and warns once."""
    frame = make_frame(4).assign(channel="web")
    summary = run_pipeline(source=str(write_csv(tmp_path / "extra.csv", frame)))
    assert summary.status == "COMPLETED"
    assert summary.counts["clean_sales"] == 4
    raw = read_table(pipeline_env, "raw_sales", summary.run_id)
    assert raw["extra_fields"].map(json.loads).tolist() == [{"channel": "web"}] * 4
    findings = read_table(pipeline_env, "validation_results", summary.run_id)
    assert findings["rule_name"].tolist() == ["no_unexpected_columns"]
    assert findings["severity"].tolist() == ["warning"]


def test_unbalanced_run_fails_loudly_and_leaves_no_results(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """It fails a run whose clean rows vanish, marks it FAILED and removes its partial results."""
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    from flows.dataset import load_dataset
    from flows.storage.engine import get_engine
    from flows.storage.uow import SqlUnitOfWork

    engine = get_engine(sqlite_url)
    with SqlUnitOfWork(engine) as uow:  # the schema and the sales tables, as a first run creates them
        uow.prepare(load_dataset("sales", EXPECTATIONS_DIR))
    with engine.begin() as conn:  # sabotage: every clean row disappears as soon as it is written
        conn.exec_driver_sql(
            "CREATE TRIGGER lose_rows AFTER INSERT ON clean_sales "
            "BEGIN DELETE FROM clean_sales WHERE record_id = NEW.record_id; END"
        )
    path = write_csv(tmp_path / "ok.csv", make_frame(3))
    with pytest.raises(Exception, match="neither clean_sales nor exceptions"):
        run_pipeline(source=str(path))
    run = read_table(sqlite_url, "pipeline_runs").iloc[0]
    assert run["status"] == "FAILED"
    assert "ReconciliationFailed" in run["status_reason"]
    for table in ("exceptions", "validation_results", "analytics_summary"):
        assert read_table(sqlite_url, table).empty, table
    assert len(read_table(sqlite_url, "raw_sales")) == 3


def test_two_runs_keep_distinct_record_ids(pipeline_env: str, tmp_path: Path) -> None:
    """It gives every run its own block of record ids, so runs never collide."""
    a, b = write_csv(tmp_path / "a.csv", make_frame(10)), write_csv(tmp_path / "b.csv", make_frame(10, first=11))
    first, second = run_pipeline(source=str(a)), run_pipeline(source=str(b))  # two days' files: other order ids
    ids = read_table(pipeline_env, "raw_sales")
    assert ids["id"].is_unique and len(ids) == 20
    assert scalar(pipeline_env, "SELECT COUNT(DISTINCT run_id) FROM clean_sales") == 2
    assert first.run_id != second.run_id


@pytest.mark.postgres
def test_postgres_url_with_sslmode_and_postgres_scheme(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """It accepts Supabase-style URLs: the postgres:// scheme and an sslmode query option."""
    url = postgres_url.replace("postgresql://", "postgres://") + "?sslmode=prefer"
    monkeypatch.setenv("DATABASE_URL", url)
    summary = run_pipeline(source=str(write_csv(tmp_path / "ok.csv", make_frame(3))))
    assert summary.status == "COMPLETED"
    assert summary.counts["clean_sales"] == 3
