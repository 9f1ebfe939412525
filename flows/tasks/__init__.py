"""Thin Prefect tasks: open storage, call the stage function, persist, audit, log counts."""

from flows.tasks.chunk import analyze, ingest, route, transform, validate
from flows.tasks.lifecycle import (
    build_docs,
    check_schema,
    fail,
    finalize,
    index_rows,
    open_run,
    publish_report,
    reject,
)

__all__ = [
    "analyze",
    "build_docs",
    "check_schema",
    "fail",
    "finalize",
    "index_rows",
    "ingest",
    "open_run",
    "publish_report",
    "reject",
    "route",
    "transform",
    "validate",
]
