"""What every task shares: task options, the engine, audit events."""

from __future__ import annotations

import json
import time
from typing import Any

from prefect.cache_policies import NO_CACHE
from sqlalchemy import Engine

from flows.records import RunContext
from flows.settings import get_settings
from flows.storage import runs
from flows.storage.engine import get_engine, is_transient_error

STORAGE_TASK: dict[str, Any] = {
    "cache_policy": NO_CACHE,
    "retries": 2,
    "retry_delay_seconds": 2,
    "retry_condition_fn": lambda _task, _run, state: _is_transient(state),
}
COMPUTE_TASK: dict[str, Any] = {"cache_policy": NO_CACHE}


def _is_transient(state: Any) -> bool:
    try:
        state.result()
    except Exception as exc:  # noqa: BLE001 - classify whatever the task raised
        return is_transient_error(exc)
    return False


def engine() -> Engine:
    """The pooled engine for DATABASE_URL (read from the settings, never passed around)."""
    return get_engine(get_settings().database_url.get_secret_value())


def audit(run: RunContext, stage: str, started: Any, t0: float, n_in: int, n_out: int, **details: Any) -> list[dict]:
    """A stage's start and end events; the end carries counts, duration and stage details."""
    duration_ms = round((time.perf_counter() - t0) * 1000)
    return [
        event(run, stage, "start", logged_at=started),
        event(run, stage, "end", records_in=n_in, records_out=n_out, duration_ms=duration_ms, details=details),
    ]


def event(
    run: RunContext,
    stage: str,
    event: str,
    logged_at: Any = None,
    records_in: int | None = None,
    records_out: int | None = None,
    duration_ms: int | None = None,
    details: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One audit_log row; every event has every key (a bulk insert takes its columns from the first)."""
    return {
        "run_id": run.run_id,
        "dataset": run.spec.name,
        "flow_run_id": run.flow_run_id,
        "stage": stage,
        "event": event,
        "logged_at": logged_at or runs.utc_now(),
        "records_in": records_in,
        "records_out": records_out,
        "duration_ms": duration_ms,
        "suite_name": run.spec.suite.name,
        "suite_version": run.spec.suite.version,
        "details": json.dumps(details) if details is not None else None,
    }
