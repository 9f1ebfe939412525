"""Alerts of whole runs under the Prefect test harness, on SQLite and PostgreSQL: thresholds and endings (the anomaly
scenario runs through a real server in test_alert_notifications.py)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from flows.generate import DefectRates, generate_sales, write_generated
from flows.pipeline import run_pipeline
from tests.factories import make_frame, write_csv
from tests.integration.helpers import read_table

pytestmark = pytest.mark.usefixtures("prefect_harness")
ROWS = 1000


def generated(
    tmp_path: Path, name: str, rows: int, seed: int, first_order: int, rates: DefectRates | None = None
) -> str:
    """A generated sales file (default defects unless `rates`) with order ids from `first_order` up."""
    path = tmp_path / name
    rates = rates or DefectRates()
    write_generated(generate_sales(rows, seed, rates, first_order=first_order), path, seed, rates)
    return str(path)


def alerts_of(url: str, run_id: str) -> pd.DataFrame:
    """A run's stored findings, details parsed."""
    found = read_table(url, "alerts", run_id)
    return found.assign(details=found["details"].map(lambda d: json.loads(d) if isinstance(d, str) else d))


def test_a_file_full_of_defects_crosses_the_exception_rate_threshold(pipeline_env: str, tmp_path: Path) -> None:
    """A file with about 60 % bad rows records an exception_rate finding above the spec's 0.25, and its event."""
    rates = DefectRates(missing_order_date=0.2, malformed_order_date=0.2, negative_revenue=0.2, invalid_region=0.05)
    summary = run_pipeline(source=generated(tmp_path, "bad.csv", ROWS, seed=5, first_order=1, rates=rates))
    assert summary.status == "COMPLETED"
    found = alerts_of(pipeline_env, summary.run_id)
    assert "anomaly" not in set(found["kind"])  # a first run has no history
    rate = found[found["metric"] == "exception_rate"].iloc[0]
    assert rate["kind"] == "threshold" and rate["expected"] == "<= 0.25"
    assert rate["value"] == pytest.approx(summary.exception_count / summary.raw_count)
    by_metric: dict[str, Any] = dict(zip(found["metric"], found["value"], strict=True))
    assert by_metric["failure_rate:order_date_not_null"] == pytest.approx(0.2)
    assert "quarantined_amount" not in by_metric  # about 0.9 M INR quarantined: under the spec's 5 M
    assert bool(rate["notified"]) and rate["notify_error"] is None
    from flows.dataset import load_dataset
    from flows.stages.alerts import quarantined_amount
    from flows.storage.engine import get_engine
    from flows.storage.uow import SqlUnitOfWork
    from tests.factories import EXPECTATIONS_DIR

    received = read_table(pipeline_env, "exceptions", summary.run_id)["raw_data"].map(
        lambda r: json.loads(r)["revenue"]
    )
    with SqlUnitOfWork(get_engine(pipeline_env)) as uow:  # the amount the threshold compares, from the raw table
        values = uow.alerts.quarantined_values(load_dataset("sales", EXPECTATIONS_DIR), summary.run_id, "revenue")
    assert quarantined_amount(values) == pytest.approx(float(pd.to_numeric(received, errors="coerce").sum()))
    assert 100_000 < quarantined_amount(values) < 5_000_000


def test_a_rejected_run_records_its_finding(pipeline_env: str, tmp_path: Path) -> None:
    """A file without its revenue column is REJECTED, and the spec (on_rejected: true) records a run_rejected alert."""
    summary = run_pipeline(source=str(write_csv(tmp_path / "no_revenue.csv", make_frame(5).drop(columns=["revenue"]))))
    assert summary.status == "REJECTED"
    (finding,) = alerts_of(pipeline_env, summary.run_id).to_dict("records")
    assert (finding["kind"], finding["metric"], finding["expected"]) == ("run_rejected", "run_status", "COMPLETED")
    assert finding["details"]["reason"] == "missing required columns: revenue"


def test_a_failed_run_records_its_finding(sqlite_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A run that cannot reconcile ends FAILED and still records a run_failed alert with the masked reason."""
    monkeypatch.setenv("DATABASE_URL", sqlite_url)
    from flows.dataset import load_dataset
    from flows.storage.engine import get_engine
    from flows.storage.uow import SqlUnitOfWork
    from tests.factories import EXPECTATIONS_DIR

    engine = get_engine(sqlite_url)
    with SqlUnitOfWork(engine) as uow:
        uow.prepare(load_dataset("sales", EXPECTATIONS_DIR))
    with engine.begin() as conn:  # sabotage: every clean row disappears as soon as it is written
        conn.exec_driver_sql(
            "CREATE TRIGGER lose_rows AFTER INSERT ON clean_sales "
            "BEGIN DELETE FROM clean_sales WHERE record_id = NEW.record_id; END"
        )
    with pytest.raises(Exception, match="neither clean_sales nor exceptions"):
        run_pipeline(source=str(write_csv(tmp_path / "ok.csv", make_frame(3))))
    (finding,) = read_table(sqlite_url, "alerts").to_dict("records")
    details = json.loads(finding["details"]) if isinstance(finding["details"], str) else finding["details"]
    assert (finding["kind"], finding["metric"], details["status"]) == ("run_failed", "run_status", "FAILED")
    assert details["reason"].startswith("ReconciliationFailed")
