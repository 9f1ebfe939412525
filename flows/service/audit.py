"""Audit events: a stage's start and end, with counts, duration and details, as audit_log rows."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

from flows.records import RunContext


def utc_now() -> dt.datetime:
    """The current time in UTC, timezone-aware."""
    return dt.datetime.now(dt.UTC)


class StageClock:
    """Times one stage: started when made, `done(...)` returns its start and end events."""

    def __init__(self, run: RunContext, stage: str) -> None:
        self.run, self.stage = run, stage
        self.started, self._t0 = utc_now(), time.perf_counter()

    def done(self, records_in: int, records_out: int, **details: Any) -> list[dict[str, Any]]:
        """The stage's start and end events; the end carries counts, duration and details."""
        duration_ms = round((time.perf_counter() - self._t0) * 1000)
        return [
            event(self.run, self.stage, "start", logged_at=self.started),
            event(self.run, self.stage, "end", records_in, records_out, duration_ms, details, utc_now()),
        ]


def event(
    run: RunContext,
    stage: str,
    name: str,
    records_in: int | None = None,
    records_out: int | None = None,
    duration_ms: int | None = None,
    details: dict[str, Any] | None = None,
    logged_at: dt.datetime | None = None,
) -> dict[str, Any]:
    """One audit_log row; every event has every key (a bulk insert takes its columns from the first)."""
    return {
        "run_id": run.run_id,
        "dataset": run.dataset,
        "flow_run_id": run.flow_run_id,
        "stage": stage,
        "event": name,
        "logged_at": logged_at or utc_now(),
        "records_in": records_in,
        "records_out": records_out,
        "duration_ms": duration_ms,
        "suite_name": run.spec.suite.name,
        "suite_version": run.spec.suite.version,
        "details": json.dumps(details) if details is not None else None,
    }
