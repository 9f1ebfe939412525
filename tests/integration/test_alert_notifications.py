"""Alert notifications for real: deployment runs on a local Prefect server and worker emit the pipeline's events,
the automations of automations.yaml (applied by `python -m flows.alerts setup`) turn them into POSTs to a
webhook receiver on 127.0.0.1 and into e-mail through the alert-email deployment and an SMTP server on
127.0.0.1, grouped per dataset and kind."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import yaml

from flows.generate import DefectRates, generate_sales, write_generated
from flows.local_stack import DEPLOYMENT
from tests.conftest import ROOT, _admin_connection
from tests.integration.deployed import DASHBOARD_URL, WEBHOOK_TOKEN, Deployed, api
from tests.integration.helpers import read_table
from tests.integration.pausing import pause_lock, wait_until_paused

pytestmark = pytest.mark.slow
ROWS = 1000
AUTOMATIONS = [a["name"] for a in yaml.safe_load((ROOT / "automations.yaml").read_text())["automations"]]


def _drop(folder: Path, name: str, rows: int, seed: int, first_order: int, rates: DefectRates | None = None) -> None:
    """A generated sales file in the incoming folder, settled, and older than any dropped before it."""
    rates = rates or DefectRates()
    path = folder / name
    write_generated(generate_sales(rows, seed, rates, first_order=first_order), path, seed, rates, None)
    settled = 1_000_000_000 + len(list(folder.glob("*.csv")))  # oldest first: the order the flow takes them in
    os.utime(path, (settled, settled))


def _deployment_run(deployed: Deployed, incoming: Path, **env: str) -> subprocess.Popen[bytes]:
    """`prefect deployment run` of the daily deployment on `incoming`, with the flow run's environment overridden
    (output to a log file beside the folder: never a pipe a waiting test could let fill up)."""
    command = [str(Path(sys.executable).with_name("prefect")), "deployment", "run", DEPLOYMENT, "--watch"]
    command += ["--param", f"incoming={incoming}", "--job-variable", f"env={json.dumps(env)}"]
    log = incoming.with_name("deployment-run.log").open("wb")
    return subprocess.Popen(command, cwd=ROOT, env=deployed.stack.env, stdout=log, stderr=subprocess.STDOUT)


def _finished(process: subprocess.Popen[bytes], timeout_s: float = 600) -> int:
    return process.wait(timeout=timeout_s)


def _naming(run_id: str, kind: str) -> Any:
    return lambda body: run_id in body["body"] and f": {kind}" in body["body"].splitlines()[0]


def test_setup_is_idempotent_and_keeps_the_webhook_secret(deployed: Deployed) -> None:
    """Running the set-up again updates the block and the automations in place: one copy of each. The webhook's
    token is in neither its output nor the block document the API returns."""
    setup = subprocess.run(
        [sys.executable, "-m", "flows.alerts", "setup"],
        cwd=ROOT,
        env=deployed.stack.env,
        capture_output=True,
        text=True,
    )
    assert setup.returncode == 0, setup.stderr
    assert setup.stdout.count(" updated (") == len(AUTOMATIONS) == 4
    assert WEBHOOK_TOKEN not in setup.stdout + setup.stderr
    names = [a["name"] for a in api(deployed.stack, "/automations/filter", {})]
    assert sorted(names) == sorted(AUTOMATIONS)
    blocks = api(
        deployed.stack, "/block_documents/filter", {"block_documents": {"name": {"any_": ["sales-pipeline-alerts"]}}}
    )
    assert len(blocks) == 1 and WEBHOOK_TOKEN not in json.dumps(blocks)


def test_a_defective_file_notifies_its_threshold_once_with_links(deployed: Deployed) -> None:
    """A file with about 60 % bad rows crosses several thresholds; the webhook gets one POST for them (grouped),
    naming the run, the dataset, a metric, and links to the run's dashboard page and Data Docs."""
    incoming, db = deployed.work / "breach" / "incoming", deployed.work / "breach.db"
    incoming.mkdir(parents=True)
    rates = DefectRates(missing_order_date=0.2, malformed_order_date=0.2, negative_revenue=0.2)
    _drop(incoming, "bad.csv", ROWS, seed=5, first_order=1, rates=rates)
    assert _finished(_deployment_run(deployed, incoming, DATABASE_URL=f"sqlite:///{db}")) == 0

    (run_id,) = read_table(f"sqlite:///{db}", "pipeline_runs")["run_id"]
    findings = read_table(f"sqlite:///{db}", "alerts", run_id)
    assert len(findings[findings["kind"] == "threshold"]) >= 2  # exception rate and two rules' failure rates
    assert findings["notified"].astype(bool).all()
    body = deployed.receiver.wait_for(_naming(run_id, "threshold"))
    text = body["body"]
    assert body["subject"].startswith("[sales] threshold: ") and body["text"].startswith(body["subject"])
    assert any(f"{m} = " in text for m in findings["metric"])
    assert f"Dashboard: {DASHBOARD_URL}?dataset=sales&run={run_id}" in text
    docs = next(line for line in text.splitlines() if line.startswith("Data Docs: "))
    assert docs.startswith("Data Docs: http://dashboard.test:5006/docs/") and docs.endswith("/index.html")
    time.sleep(5)  # let any further notification arrive: the grouping must hold it back
    assert sum(_naming(run_id, "threshold")(b) for _, b in deployed.receiver.posts) == 1

    query = {"filter": {"event": {"name": ["sales-pipeline.alert.threshold-breached"]}}, "limit": 50}
    events = [e for e in api(deployed.stack, "/events/filter", query)["events"] if e["payload"]["run_id"] == run_id]
    assert len(events) == len(findings[findings["kind"] == "threshold"])  # one event per finding, all on the server
    event = next(e for e in events if e["payload"]["metric"] == "exception_rate")
    assert event["resource"]["prefect.resource.id"] == f"sales-pipeline.run.{run_id}"
    assert event["resource"]["sales-pipeline.dataset"] == "sales"
    assert event["payload"]["links"]["dashboard"] == f"{DASHBOARD_URL}?dataset=sales&run={run_id}"
    mail = deployed.mailbox.wait_for(lambda m: run_id in m.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    assert (mail["Subject"], mail["To"], mail["From"]) == (
        body["subject"],
        "finance@example.com",
        "pipeline@example.com",
    )
    assert mail.get_body(("plain",)).get_content().splitlines() == body["body"].splitlines()  # type: ignore[union-attr]

    artifacts = api(deployed.stack, "/artifacts/filter", {"artifacts": {"key": {"any_": ["sales-run-summary"]}}})
    (report,) = [a["data"] for a in artifacts if run_id in str(a["data"])]
    assert (
        f"## Alerts ({len(findings)})" in report
        and "| threshold | `exception_rate` | 0.552 | <= 0.25 | yes |" in report
    )
    print("webhook POST:", json.dumps(body, indent=2), "event:", json.dumps(event, indent=2), sep="\n")


def test_ten_ordinary_days_are_quiet_and_a_collapsed_eleventh_notifies_an_anomaly(deployed: Deployed) -> None:
    """Eleven files through one deployment run: the ten ordinary 1,000-row days record no finding; the eleventh,
    100 rows, records anomalies (rows received, revenue) and the webhook gets one anomaly POST for the run."""
    incoming, db = deployed.work / "year" / "incoming", deployed.work / "anomaly.db"
    incoming.mkdir(parents=True)
    for day in range(10):
        _drop(incoming, f"day-{day:02d}.csv", ROWS, seed=100 + day, first_order=1 + day * ROWS)
    _drop(incoming, "day-10.csv", 100, seed=999, first_order=1 + 10 * ROWS)
    assert _finished(_deployment_run(deployed, incoming, DATABASE_URL=f"sqlite:///{db}")) == 0

    runs = read_table(f"sqlite:///{db}", "pipeline_runs").sort_values("started_at")
    assert runs["status"].tolist() == ["COMPLETED"] * 11 and runs["raw_count"].tolist() == [ROWS] * 10 + [100]
    findings = read_table(f"sqlite:///{db}", "alerts")
    last = runs["run_id"].iloc[-1]
    print(f"false alarms over 10 ordinary runs: {int((findings['run_id'] != last).sum())}")
    assert findings[findings["run_id"] != last].empty
    anomalies = findings[findings["kind"] == "anomaly"]
    rows = anomalies[anomalies["metric"] == "rows_received"].iloc[0]
    assert (rows["value"], rows["expected"]) == (100.0, "800 to 1,200")
    assert json.loads(rows["details"])["compared_runs"] == runs["run_id"].iloc[:10].tolist()
    assert len(anomalies) >= 2  # revenue fell too
    threshold = findings[(findings["kind"] == "threshold") & (findings["metric"] == "rows_received")]
    assert threshold["expected"].tolist() == ["500 to 5,000,000"]  # the spec's fixed bound is crossed as well
    body = deployed.receiver.wait_for(_naming(last, "anomaly"))
    assert "anomaly-detected" in body["body"] and "day-10.csv" in body["body"]
    time.sleep(5)
    assert sum(_naming(last, "anomaly")(b) for _, b in deployed.receiver.posts) == 1  # grouped


@pytest.mark.postgres
def test_a_run_whose_database_goes_away_notifies_its_failure(deployed: Deployed, postgres_url: str) -> None:
    """The database is dropped while a run waits mid-flight: the run cannot even record its failure, and Prefect's
    own Failed state of the flow run is what notifies."""
    incoming = deployed.work / "doomed" / "incoming"
    incoming.mkdir(parents=True)
    _drop(incoming, "doomed.csv", 200, seed=3, first_order=1)
    with pause_lock(postgres_url) as holder:
        process = _deployment_run(deployed, incoming, DATABASE_URL=postgres_url, PAUSE_AT="chunk-1")
        wait_until_paused(holder)
        admin = _admin_connection()
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE "{postgres_url.rsplit("/", 1)[1]}" WITH (FORCE)')
        admin.close()
    assert _finished(process) != 0
    body = deployed.receiver.wait_for(lambda b: b["subject"].startswith("[sales-pipeline] flow run "))
    assert body["subject"].endswith(" Failed") and "ended Failed: " in body["body"]
    assert "Prefect: http://127.0.0.1:" in body["body"] and pd.notna(body["text"])
    mail = deployed.mailbox.wait_for(lambda m: str(m["Subject"]).startswith("[sales-pipeline] flow run "))
    assert str(mail["Subject"]).endswith(" Failed")
