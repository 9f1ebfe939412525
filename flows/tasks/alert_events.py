"""Prefect events of alert findings: one event per finding, sent within a bounded time, never raising.

`emit_event` only queues the event for Prefect's events worker (a background thread), and swallows most errors
itself; it still runs here in a thread of its own with a time limit, so neither a slow start of that worker nor
an unforeseen error can hold up or fail a run. Each finding gets None (sent) or the reason it was not.
"""

from __future__ import annotations

import contextvars
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urljoin

from prefect.events import emit_event

from flows.constants import AlertKind
from flows.docs_links import DOCS_ROUTE, docs_relative
from flows.service.alerts import RecordedAlert

EVENT_PREFIX = "sales-pipeline"
EVENT_NAMES = {
    AlertKind.THRESHOLD: "threshold-breached",
    AlertKind.ANOMALY: "anomaly-detected",
    AlertKind.RUN_REJECTED: "run-rejected",
    AlertKind.RUN_FAILED: "run-failed",
}
NOT_SENT = "not emitted: Prefect has no events client here (no API to send to)"


@dataclass(frozen=True)
class RunLinks:
    """What every event of a run carries besides its finding: the file, how many findings, where to look."""

    source: str
    findings: int
    links: dict[str, str | None] = field(default_factory=dict)


def run_links(
    dashboard_url: str, dataset: str, run_id: str, docs_page: str | None, docs_dir: Path
) -> dict[str, str | None]:
    """The dashboard's page of the run and its Data Docs page served by the dashboard (`/docs/...`)."""
    base = dashboard_url.rstrip("/")
    docs = urljoin(base, f"{DOCS_ROUTE}/{docs_relative(docs_page, docs_dir)}") if docs_page else None
    return {"dashboard": f"{base}?{urlencode({'dataset': dataset, 'run': run_id})}", "data_docs": docs}


def event_name(kind: AlertKind) -> str:
    """The event's name, e.g. sales-pipeline.alert.threshold-breached."""
    return f"{EVENT_PREFIX}.alert.{EVENT_NAMES[kind]}"


def event_of(alert: RecordedAlert, run: RunLinks) -> dict[str, Any]:
    """emit_event's arguments for one finding: the run as resource, the dataset related, what was found as payload."""
    f = alert.finding
    return {
        "event": event_name(f.kind),
        "resource": {
            "prefect.resource.id": f"{EVENT_PREFIX}.run.{alert.run_id}",
            "prefect.resource.name": f"{alert.dataset} run {alert.run_id}",
            f"{EVENT_PREFIX}.dataset": alert.dataset,
        },
        "related": [
            {"prefect.resource.id": f"{EVENT_PREFIX}.dataset.{alert.dataset}", "prefect.resource.role": "dataset"}
        ],
        "payload": {
            "alert_id": alert.alert_id,
            "kind": str(f.kind),
            "dataset": alert.dataset,
            "run_id": alert.run_id,
            "metric": f.metric,
            "value": f.value,
            "expected": f.expected,
            "details": f.details,
            "source": run.source,
            "run_findings": run.findings,
            "links": run.links,
        },
    }


def emit_findings(alerts: Sequence[RecordedAlert], run: RunLinks, timeout_s: float) -> list[str | None]:
    """Emit one event per finding within `timeout_s` seconds; per finding, None if sent, else why not."""
    outcome: list[str | None] = [f"not emitted: timed out after {timeout_s:g} s"] * len(alerts)

    def send() -> None:
        for i, alert in enumerate(alerts):
            try:
                outcome[i] = None if emit_event(**event_of(alert, run)) is not None else NOT_SENT
            except Exception as error:  # noqa: BLE001 - an alert must never fail the run
                outcome[i] = f"not emitted: {type(error).__name__}: {error}"[:2000]

    context = contextvars.copy_context()  # Prefect's settings (its API URL) live in context variables
    thread = threading.Thread(target=context.run, args=(send,), name="alert-events", daemon=True)
    thread.start()
    thread.join(timeout_s)
    return list(outcome)
