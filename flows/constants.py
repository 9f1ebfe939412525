"""Names every layer shares, each defined once: run statuses, rule metadata, lock keys and column names."""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum, StrEnum


class RunStatus(StrEnum):
    """Where a pipeline run stands; only COMPLETED runs have results anyone reads."""

    RUNNING = "RUNNING"
    COMPLETED = "COMPLETED"
    REJECTED = "REJECTED"
    FAILED = "FAILED"
    SKIPPED = "SKIPPED"
    APPLIED = "APPLIED"  # a replay of steward corrections that landed (its results are in the runs it touched)


class ErrorCategory(StrEnum):
    """What kind of defect a rule finds; in this order, the most fundamental first (a record's headline)."""

    MISSING_REQUIRED_FIELD = "MISSING_REQUIRED_FIELD"
    DATA_FORMAT_ERROR = "DATA_FORMAT_ERROR"
    BUSINESS_RULE_VIOLATION = "BUSINESS_RULE_VIOLATION"
    DATA_QUALITY_ISSUE = "DATA_QUALITY_ISSUE"
    ALREADY_LOADED = "ALREADY_LOADED"  # the key is in the ledger already: a resend, or a conflicting later file


class Severity(StrEnum):
    """An error quarantines the record; a warning is recorded and the record stays clean."""

    ERROR = "error"
    WARNING = "warning"


class ControlType(StrEnum):
    """The family of control a rule belongs to."""

    SCHEMA = "SCHEMA"
    BUSINESS_RULE = "BUSINESS_RULE"
    DATA_QUALITY = "DATA_QUALITY"
    DUPLICATE = "DUPLICATE"


class LockKey(IntEnum):
    """Fixed PostgreSQL advisory-lock keys (per-file and per-run keys are derived from digests)."""

    SCHEMA_CHANGES = 7250001  # migrations and dataset table creation: no two processes race on DDL
    PAUSE = 7250002  # a run told to pause (PAUSE_AT) waits at that point while another session holds this


RECORD_COUNT = "record_count"  # the measure every analytics breakdown carries besides the spec's sums
RECORD_ID = "record_id"  # the name of the record-id index of every frame the stages pass around
MISSING = "(missing)"  # how a missing key or an empty raw value is labelled on screen, and asked for
TOTAL = "total"  # the breakdown that groups every record into one
# analytics values are NUMERIC(24, 6): a measure (sum) of up to 6 decimals is stored exactly
VALUE_PRECISION, VALUE_SCALE = 24, 6


def breakdown_name(columns: Sequence[str]) -> str:
    """The label of a breakdown, e.g. `region` or `region+product`."""
    return "+".join(columns)


class ExceptionStatus(StrEnum):
    """Where a quarantined record stands: OPEN until a steward corrects, waives or dismisses it."""

    OPEN = "OPEN"
    PROMOTED = "PROMOTED"  # corrected (or waived) and now in the clean table, with lineage
    DISMISSED = "DISMISSED"


class StewardAction(StrEnum):
    """What a steward may do to an exception (a corrections file's `action` column)."""

    CORRECT = "correct"
    WAIVE = "waive"
    DISMISS = "dismiss"
    REOPEN = "reopen"


LINEAGE_COLUMNS = ("promoted_from_exception_id", "promotion_event_id")  # clean rows a replay promoted
# ledger lineage on clean rows: the earlier row a row replaced, and (on that earlier row) what replaced it and when
SUPERSEDES, SUPERSEDED_BY, SUPERSEDED_IN = "supersedes_record_id", "superseded_by_record_id", "superseded_in_run_id"


class AlertKind(StrEnum):
    """What an alert finding is about (alerts.kind; the event name is sales-pipeline.alert.<event name>)."""

    THRESHOLD = "threshold"  # a fixed threshold of the dataset spec was crossed
    ANOMALY = "anomaly"  # a run metric far outside the trailing runs' range
    RUN_REJECTED = "run_rejected"
    RUN_FAILED = "run_failed"


class KeyConflict(StrEnum):
    """A dataset spec's `key_conflict`: what a later file's row with a loaded key but other content does."""

    QUARANTINE = "quarantine"  # it becomes an exception; a steward keeps the old row or accepts the new one
    SUPERSEDE = "supersede"  # the later file wins: the earlier row is marked superseded (nothing is deleted)


def current_view(clean_table: str) -> str:
    """The view of a dataset's current ledger: clean rows of COMPLETED runs, promotions included, not superseded."""
    return f"current_{clean_table}"


# The states of a run's clean rows that storage reads back beside the exceptions' statuses (record_states,
# state_counts): loaded by the run, or promoted into it later by a correction or a waiver.
CLEAN_LOADED, CLEAN_PROMOTED = "clean (loaded)", "clean (promoted)"
