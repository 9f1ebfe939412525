"""Thin Prefect tasks: open a unit of work, call one service function, log what it returns."""

from flows.tasks.alerts import raise_alerts
from flows.tasks.chunk import process_chunk
from flows.tasks.common import file_lock, run_alive
from flows.tasks.run import (
    build_docs,
    check_schema,
    fail_run,
    finalize_run,
    index_file,
    open_run,
    publish_report,
    reject_run,
)
from flows.tasks.runners import process_chunks

__all__ = [
    "build_docs",
    "check_schema",
    "fail_run",
    "file_lock",
    "finalize_run",
    "index_file",
    "open_run",
    "process_chunk",
    "process_chunks",
    "publish_report",
    "raise_alerts",
    "reject_run",
    "run_alive",
]
