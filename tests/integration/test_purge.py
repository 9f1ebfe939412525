"""Retention (issue 17): `python -m flows.purge` through the real pipeline on SQLite and PostgreSQL.

Two small runs with disjoint order ids: an old COMPLETED run with two exceptions left OPEN and one dismissed, and
an old REJECTED run (a file without its `product` column). Their end times are moved into the past by
SQL. The purge removes the REJECTED run's raw rows and the old runs' row-level validation results, keeps everything
an open exception or the ledger needs, writes its audit events, and leaves the ledger check and backup verify
passing; a later resend of the old run's orders is still caught, naming the old run's file and row, and its
recent run is left alone by the next purge.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
import sqlalchemy as sa

from flows.backup import main as backup_main
from flows.ledger import main as ledger_main
from flows.pipeline import run_pipeline
from flows.purge import main as purge_main
from flows.storage.engine import normalize_url
from flows.storage.models import PipelineRun
from tests.factories import make_frame, write_csv
from tests.integration.helpers import read_table, scalar
from tests.integration.stewarding import apply_actions, export_template

pytestmark = pytest.mark.usefixtures("prefect_harness")
DEFECTS = [{"revenue": "-10.00"}, {"region": "north"}, {"quantity": "0"}]
TABLES = ("raw_sales", "clean_sales", "exceptions", "validation_results", "analytics_summary", "ledger_summary")


def age_runs(url: str, run_ids: list[str], days: int) -> None:
    """Move the runs' end (and start) `days` into the past, as if they had run then."""
    engine = sa.create_engine(normalize_url(url))
    when = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
    try:
        with engine.begin() as conn:
            stmt = sa.update(PipelineRun).where(PipelineRun.run_id.in_(run_ids))
            conn.execute(stmt.values(started_at=when, ended_at=when))
    finally:
        engine.dispose()


def counts(url: str) -> dict[str, int]:
    """Rows per table, and the audit log's purge events."""
    found = {t: int(str(scalar(url, f"SELECT COUNT(*) FROM {t}"))) for t in TABLES}
    return found | {"purge events": int(str(scalar(url, "SELECT COUNT(*) FROM audit_log WHERE stage = 'purge'")))}


def test_purge_keeps_what_open_exceptions_and_the_ledger_need(
    pipeline_env: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """It removes the old runs' unreferenced raw rows and row-level findings, nothing else; dry-run changes nothing;
    the ledger check and verify pass after it; a resend of a purged run's orders is still quarantined."""
    url = pipeline_env
    old = run_pipeline(source=str(write_csv(tmp_path / "day-1.csv", make_frame(20, rows=DEFECTS)))).run_id
    template = export_template(tmp_path, old)
    apply_actions(tmp_path, "dismiss.csv", template, {"ORD-9000001": {"action": "dismiss", "note": "a test order"}})
    wrong = make_frame(10, first=101).drop(columns=["product"])
    rejected = run_pipeline(source=str(write_csv(tmp_path / "day-2.csv", wrong)))
    assert rejected.status == "REJECTED" and rejected.raw_count == 10
    age_runs(url, [old, rejected.run_id], days=100)
    exceptions = read_table(url, "exceptions", old).set_index("status")["original_record_id"]
    open_ids = set(exceptions.loc[["OPEN"]].astype(int))
    assert len(open_ids) == 2 and len(exceptions.loc[["DISMISSED"]]) == 1
    before = counts(url)
    findings = read_table(url, "validation_results")
    old_findings = findings[findings["run_id"].isin([old, rejected.run_id])]
    kept = old_findings["record_id"].isna() | old_findings["record_id"].isin(open_ids)

    assert purge_main(["--older-than-days", "30", "--dry-run"]) == 0
    assert "would remove 10 raw rows" in capsys.readouterr().out
    assert counts(url) == before

    assert purge_main(["--dataset", "sales", "--older-than-days", "30"]) == 0
    assert f"removed 10 raw rows and {int((~kept).sum())} validation results of 2 run(s)" in capsys.readouterr().out
    after = counts(url)
    assert after["raw_sales"] == before["raw_sales"] - 10
    assert after["validation_results"] == before["validation_results"] - int((~kept).sum())
    assert {t: after[t] for t in TABLES[1:3] + TABLES[4:]} == {t: before[t] for t in TABLES[1:3] + TABLES[4:]}
    assert after["purge events"] == 2
    assert read_table(url, "raw_sales", rejected.run_id).empty
    assert len(read_table(url, "raw_sales", old)) == 23  # every record is clean or an exception: all kept
    left = read_table(url, "validation_results", old)
    assert open_ids <= set(left["record_id"].dropna().astype(int))
    assert set(left["record_id"].dropna().astype(int)) <= open_ids
    events = read_table(url, "audit_log").query("stage == 'purge'").set_index("run_id")
    assert json.loads(events.loc[rejected.run_id, "details"])["raw_sales"] == 10
    details = json.loads(events.loc[old, "details"])
    assert details["raw_sales"] == 0 and details["validation_results"] == int(
        (~kept[old_findings["run_id"] == old]).sum()
    )
    assert sum(details["validation_results_by_rule"].values()) == details["validation_results"]

    assert purge_main(["--older-than-days", "30"]) == 0  # again: nothing left to remove, no new event
    assert counts(url) == after
    assert ledger_main(["check"]) == 0
    assert backup_main(["verify"]) == 0

    resend = run_pipeline(source=str(write_csv(tmp_path / "day-4.csv", make_frame(5))))
    assert resend.status == "COMPLETED" and resend.clean_count == 0 and resend.exception_count == 5
    details = read_table(url, "validation_results", resend.run_id)["details"]
    assert details.str.startswith("resent: ").all()
    assert details.str.contains(f"loaded by run {old} from day-1.csv \\(row 1,").any()
    assert purge_main(["--older-than-days", "30"]) == 0  # the resend's run is recent: untouched
    assert len(read_table(url, "validation_results", resend.run_id)) == 5
