"""The pure parts of notifications: automations.yaml as Prefect reads it, the links and payload of an event, and
the alerts in the run's summary artifact."""

from __future__ import annotations

import ast
from datetime import timedelta
from pathlib import Path
from uuid import uuid4

from flows.constants import AlertKind, RunStatus
from flows.records import RunSummary
from flows.report import summary_markdown
from flows.service.alerts import RecordedAlert
from flows.stages.anomalies import Finding
from flows.tasks.alert_events import RunLinks, event_name, event_of, run_links
from flows.tasks.notifications import BLOCK_PLACEHOLDER, EmailRoute, automations_of

ROOT = Path(__file__).resolve().parents[2]


def test_every_automation_validates_and_names_the_saved_block() -> None:
    block = uuid4()
    automations = {a.name: a for a in automations_of(ROOT / "automations.yaml", block)}
    assert len(automations) == 4
    assert BLOCK_PLACEHOLDER not in str([a.model_dump() for a in automations.values()])
    for automation in automations.values():
        assert [action.block_document_id for action in automation.actions] == [block]  # type: ignore[attr-defined]
    kinds = {AlertKind.THRESHOLD, AlertKind.ANOMALY, AlertKind.RUN_REJECTED}
    findings = [a for a in automations.values() if a.trigger.expect & {event_name(k) for k in kinds}]  # type: ignore[attr-defined]
    assert len(findings) == 3
    for automation in findings:  # grouped: once per dataset and kind per hour
        trigger = automation.trigger
        assert trigger.for_each == {"sales-pipeline.dataset"} and trigger.within == timedelta(hours=1)  # type: ignore[attr-defined]
        assert trigger.threshold == 1 and trigger.posture == "Reactive"  # type: ignore[attr-defined]


def test_the_failure_automation_watches_every_flow_the_project_defines() -> None:
    """The flow names in automations.yaml are those of the @flow decorators in flows/ (a renamed flow would
    otherwise fail silently), but for the e-mail flow: its own failure notifying would loop."""
    names = set()
    for path in (ROOT / "flows").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "flow":
                names |= {k.value.value for k in node.keywords if k.arg == "name"}  # type: ignore[attr-defined]
    failed = next(a for a in automations_of(ROOT / "automations.yaml", uuid4()) if "failed" in a.name)
    related = failed.trigger.match_related  # type: ignore[attr-defined]
    watched = set(related.root["prefect.resource.name"])  # type: ignore[union-attr]
    assert (
        watched
        == names - {"send-alert-email"}
        == {
            "dataset-pipeline",
            "process-incoming",
            "replay-exceptions",
            "process-corrections",
        }
    )
    assert failed.trigger.expect == {"prefect.flow-run.Failed", "prefect.flow-run.Crashed"}  # type: ignore[attr-defined]


def test_notifications_go_to_the_webhook_to_email_or_to_both() -> None:
    """Each automation's notification becomes a webhook action, an action running the alert-email deployment with
    the same subject and body templates (rendered by Prefect), or both."""
    block, route = uuid4(), EmailRoute(uuid4(), "finance@example.com, ops@example.com", "pipeline@example.com")
    path = ROOT / "automations.yaml"
    for automation in automations_of(path, None, route):
        (action,) = automation.actions
        assert action.type == "run-deployment" and action.deployment_id == route.deployment_id  # type: ignore[union-attr]
        assert action.parameters["to"] == route.to and "{{" in action.parameters["subject"]  # type: ignore[union-attr,index]
        assert action.parameters["sender"] == "pipeline@example.com"  # type: ignore[union-attr,index]
    both = automations_of(path, block, route)
    assert [[a.type for a in automation.actions] for automation in both] == [
        ["send-notification", "run-deployment"]
    ] * 4
    for automation in both:
        webhook, email = automation.actions
        assert (webhook.subject, webhook.body) == (email.parameters["subject"], email.parameters["body"])  # type: ignore[union-attr]


def test_links_point_at_the_dashboards_run_page_and_its_docs_route(tmp_path: Path) -> None:
    page = tmp_path / "docs" / "run-1" / "index.html"
    links = run_links("https://bi.example.com/sales/app", "sales", "run-1", str(page), tmp_path / "docs")
    assert links == {
        "dashboard": "https://bi.example.com/sales/app?dataset=sales&run=run-1",
        "data_docs": "https://bi.example.com/sales/docs/run-1/index.html",
    }
    moved = run_links("http://127.0.0.1:5006/app", "cafe x", "r", "/old/place/r/index.html", tmp_path / "docs")
    assert moved == {
        "dashboard": "http://127.0.0.1:5006/app?dataset=cafe+x&run=r",
        "data_docs": "http://127.0.0.1:5006/docs/r/index.html",
    }
    assert run_links("http://h/app", "sales", "r", None, tmp_path)["data_docs"] is None


def test_an_event_names_the_run_and_dataset_and_carries_the_finding_and_links() -> None:
    finding = Finding(AlertKind.ANOMALY, "rows_received", 100.0, "800 to 1,200", {"median": 1000})
    links = {"dashboard": "http://d/app?dataset=sales&run=r1", "data_docs": None}
    event = event_of(RecordedAlert(7, "r1", "sales", finding), RunLinks("day.csv", 3, links))
    assert event["event"] == "sales-pipeline.alert.anomaly-detected"
    assert event["resource"]["prefect.resource.id"] == "sales-pipeline.run.r1"
    assert event["resource"]["sales-pipeline.dataset"] == "sales"
    assert event["payload"] | {"details": None} == {
        "alert_id": 7,
        "kind": "anomaly",
        "dataset": "sales",
        "run_id": "r1",
        "metric": "rows_received",
        "value": 100.0,
        "expected": "800 to 1,200",
        "details": None,
        "source": "day.csv",
        "run_findings": 3,
        "links": links,
    }


def test_the_run_summary_lists_its_alerts() -> None:
    summary = RunSummary("r1", "sales", RunStatus.COMPLETED, "a.csv", raw_count=100, clean_count=60, exception_count=40)
    alerts = [
        {"kind": "threshold", "metric": "exception_rate", "value": 0.4, "expected": "<= 0.25", "notified": True},
        {"kind": "anomaly", "metric": "rows_received", "value": 5_000_000.0, "expected": "800 to 1,200"},
    ]
    markdown = summary_markdown(summary, None, alerts)
    assert "## Alerts (2)" in markdown
    assert "| threshold | `exception_rate` | 0.4 | <= 0.25 | yes |" in markdown
    assert "| anomaly | `rows_received` | 5,000,000 | 800 to 1,200 | not tried |" in markdown
    assert "Alerts" not in summary_markdown(summary)
