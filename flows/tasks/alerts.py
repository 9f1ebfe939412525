"""The alerts task: record a finished run's findings in a unit of work of its own, then emit their events."""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows import service
from flows.constants import RunStatus
from flows.records import RunContext
from flows.settings import get_settings
from flows.tasks.alert_events import RunLinks, emit_findings, run_links
from flows.tasks.common import masked_error, unit_of_work

EMIT_TIMEOUT_S = 5.0  # the most a run waits for its alert events to be handed to Prefect


@task(name="Record and emit alerts", cache_policy=NO_CACHE)
def raise_alerts(run: RunContext, status: str, reason: str | None = None) -> int:
    """Record the run's alerts (thresholds and anomalies, or its rejection or failure), emit one Prefect event
    each; a failure here is logged, never raised: alerting must not fail the run. Returns how many were found."""
    log = get_run_logger()
    try:
        with unit_of_work() as uow:
            if status == RunStatus.COMPLETED:
                recorded = service.record_run_alerts(uow, run.spec, run.run_id)
            else:
                recorded = service.record_run_ending(uow, run.spec, run.run_id, status, reason)
            docs_page = (uow.runs.get(run.run_id) or {}).get("data_docs_path") if recorded else None
    except Exception as error:  # noqa: BLE001 - record nothing, keep the run's outcome
        log.error("alerts of run %s not recorded: %s", run.run_id, masked_error(error))
        return 0
    for alert in recorded:
        f = alert.finding
        log.warning("alert (%s) %s = %s, expected %s", f.kind, f.metric, f.value, f.expected)
    settings = get_settings()
    links = run_links(settings.dashboard_url, run.dataset, run.run_id, docs_page, settings.docs_dir)
    errors = emit_findings(recorded, RunLinks(run.source_name, len(recorded), links), EMIT_TIMEOUT_S)
    try:
        with unit_of_work() as uow:
            service.mark_notified(uow, recorded, errors)
    except Exception as error:  # noqa: BLE001 - the findings stay, with notified unknown
        log.error("alerts of run %s: could not record whether events went out: %s", run.run_id, masked_error(error))
    for alert, problem in zip(recorded, errors, strict=True):
        if problem:
            log.warning("alert %d: %s", alert.alert_id, problem)
    return len(recorded)
