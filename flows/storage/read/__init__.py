"""The storage layer's read API: everything the dashboard (or any reader) may call, every value bound.

Only COMPLETED runs have results worth showing (a RUNNING run may be half-written), so result
queries take a run id the caller picked from `list_runs` by status, or join on the status.
Analytics are read from the long `analytics_summary` table, for any dataset's grain and measures; the whole
current ledger's from `ledger_summary`, and what a run changed in it from its ledger findings and clean rows.
Steward resolutions (`resolutions`, `resolution_days`) are read from `exceptions` and `exception_events`.
Alert findings (`dataset_alerts`, `run_alerts`) are read from `alerts`, newest first.
Raw rows are read only for the exceptions of one run (their values as received), from the
dataset's own raw table (`raw_table(spec)`).
"""

from flows.storage.read.alerts import ALERT_COLUMNS, dataset_alerts, run_alerts
from flows.storage.read.analytics import analytics_grain, ledger_dimensions, ledger_grain, run_dimensions
from flows.storage.read.connection import connect, database_missing, mask_secrets, mask_url, raw_table, schema_ready
from flows.storage.read.exceptions import (
    ExceptionDimension,
    ExceptionFilter,
    exception_counts,
    exception_page,
    exception_total,
)
from flows.storage.read.ledger import CHANGE_COLUMNS, CHANGES, run_change_counts, run_changes
from flows.storage.read.runs import (
    audit_events,
    list_datasets,
    list_runs,
    rule_failures,
    run_totals,
    stage_durations,
)
from flows.storage.read.steward import corrections_template, exception_history
from flows.storage.read.stewardship import RESOLUTION_COLUMNS, resolution_days, resolutions

__all__ = [
    "ALERT_COLUMNS",
    "CHANGES",
    "CHANGE_COLUMNS",
    "RESOLUTION_COLUMNS",
    "ExceptionDimension",
    "ExceptionFilter",
    "analytics_grain",
    "audit_events",
    "connect",
    "corrections_template",
    "database_missing",
    "dataset_alerts",
    "exception_counts",
    "exception_history",
    "exception_page",
    "exception_total",
    "ledger_dimensions",
    "ledger_grain",
    "list_datasets",
    "list_runs",
    "mask_secrets",
    "mask_url",
    "raw_table",
    "resolution_days",
    "resolutions",
    "rule_failures",
    "run_alerts",
    "run_change_counts",
    "run_changes",
    "run_dimensions",
    "run_totals",
    "schema_ready",
    "stage_durations",
]
