"""The application: what a run does, as plain functions over a unit of work and a dataset spec.

Nothing here imports Prefect or SQLAlchemy. Tasks open a unit of work (`flows.storage.uow`), call
one function and log what it returns; any function can run in another process or on another
machine given its arguments (`process_chunk` is the one that does, once per chunk).
"""

from flows.service.alerts import mark_notified, record_run_alerts, record_run_ending
from flows.service.chunks import process_chunk
from flows.service.docs import build_docs
from flows.service.outcomes import fail_run, finalize_run, reject_run
from flows.service.planning import check_schema, plan_file
from flows.service.replay import ReplayBatch, ReplayOutcome, apply_corrections, fail_replay
from flows.service.runs import find_earlier_run, open_run, record_skipped

__all__ = [
    "ReplayBatch",
    "ReplayOutcome",
    "apply_corrections",
    "build_docs",
    "check_schema",
    "fail_replay",
    "fail_run",
    "finalize_run",
    "find_earlier_run",
    "mark_notified",
    "open_run",
    "plan_file",
    "process_chunk",
    "record_run_alerts",
    "record_run_ending",
    "record_skipped",
    "reject_run",
]
