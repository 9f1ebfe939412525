"""Builders of the frames the storage layer's read API returns, for the fake reader's stored results."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

RUN_COLUMNS = [
    *("run_id", "dataset", "flow_run_id", "source_name", "source_sha256", "source_bytes", "status", "status_reason"),
    *("started_at", "ended_at", "suite_name", "suite_version", "raw_count", "clean_count", "exception_count"),
    *("warning_count", "reconciled", "data_docs_path"),
]


def rows_by(frame: pd.DataFrame, *keys: str) -> dict[Any, dict[str, Any]]:
    """A frame as {key: {column: value}} (a tuple key for several columns), for plain lookups in assertions."""
    return {k: {str(c): x for c, x in v.items()} for k, v in frame.set_index(list(keys)).to_dict("index").items()}


def run(run_id: str, status: str, started: str, counts: tuple[int, int, int, int] | None, **extra: Any) -> dict:
    """One pipeline_runs row; `counts` are raw, clean, quarantined and warnings (None: not counted)."""
    raw, clean, quarantined, warnings = counts or (None, None, None, None)
    start = pd.Timestamp(started, tz="UTC")
    row = {
        **dict.fromkeys(RUN_COLUMNS),
        **{"run_id": run_id, "status": status, "started_at": start, "ended_at": start + pd.Timedelta(seconds=90)},
        **{"source_name": f"{run_id}.csv", "source_sha256": f"{run_id}-sha", "source_bytes": 2_345_678},
        **{"raw_count": raw, "clean_count": clean, "exception_count": quarantined, "warning_count": warnings},
        **{"suite_name": "checks", "suite_version": "v1", "flow_run_id": f"flow-{run_id}"},
        "reconciled": True if status == "COMPLETED" else None,
    }
    return row | extra


def runs(*rows: dict, dataset: str) -> pd.DataFrame:
    """A run list as the reader returns it (any order; the fake sorts it)."""
    return pd.DataFrame(list(rows), columns=RUN_COLUMNS).assign(dataset=dataset)


def grain(columns: list[str], *rows: tuple[Any, ...]) -> pd.DataFrame:
    """Grain rows: the keys (None = missing), each measure's sum, record_count."""
    return pd.DataFrame(list(rows), columns=[*columns, "record_count"])


def failures(*rows: tuple[str, str, int, int]) -> pd.DataFrame:
    """Rule failures: run_id, rule_name, failed_records, findings."""
    return pd.DataFrame(list(rows), columns=["run_id", "rule_name", "failed_records", "findings"])


def stages(started: str, *rows: tuple[str, int, int, int, str]) -> pd.DataFrame:
    """Audit events of a run: a start and an end per (stage, records_in, records_out, duration_ms, details)."""
    clock, events = pd.Timestamp(started, tz="UTC"), list[tuple[Any, ...]]()
    for stage, records_in, records_out, duration_ms, details in rows:
        end = clock + pd.Timedelta(milliseconds=duration_ms)
        events.append((stage, "start", clock, None, None, None, ""))
        events.append((stage, "end", end, records_in, records_out, duration_ms, details))
        clock = end
    return pd.DataFrame(
        events, columns=["stage", "event", "logged_at", "records_in", "records_out", "duration_ms", "details"]
    )


def exception(row: int, category: str, raw: dict[str, str], *findings: tuple[str, str]) -> dict[str, Any]:
    """One quarantined row: its position, category, raw values as received and (rule, severity) findings."""
    details = [{"rule": rule, "severity": severity} for rule, severity in findings]
    errors = sum(severity == "error" for _, severity in findings)
    return (
        {"source_row": row, "record_id": 1000 + row, "error_category": category, "error_count": errors}
        | raw
        | {"error_details": json.dumps(details)}
    )
