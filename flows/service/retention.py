"""Retention: purge what the policy no longer keeps, from runs that ended long enough ago, in one unit of work.

The policy (README, "Retention and housekeeping") covers two kinds of row only: raw rows that nothing references
any more and row-level validation results. Exceptions, runs, audit events, analytics, ledger_summary and the clean
tables are kept for good, and so is everything an OPEN exception or the ledger reads (flows/storage/retention.py).
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from typing import Any

from flows.dataset import DatasetSpec
from flows.service.ports import PurgeUnitOfWork

STAGE = "purge"


@dataclass(frozen=True)
class RetentionPolicy:
    """Days after a run ended that its unreferenced raw rows and its row-level validation results are kept
    (None: for good)."""

    raw_days: int | None
    validation_days: int | None

    @property
    def is_set(self) -> bool:
        """True when the policy removes anything at all."""
        return self.raw_days is not None or self.validation_days is not None

    def cutoffs(self, now: dt.datetime) -> tuple[dt.datetime | None, dt.datetime | None]:
        """The end times before which raw rows, and validation results, are due (None: never)."""
        days = (self.raw_days, self.validation_days)
        raw, results = (None if d is None else now - dt.timedelta(days=d) for d in days)
        return raw, results


def policy_for(raw_days: int | None, validation_days: int | None, older_than_days: int | None) -> RetentionPolicy:
    """The settings' policy, or `older_than_days` for both kinds when given (the command's --older-than-days)."""
    if older_than_days is not None:
        if older_than_days < 0:
            raise ValueError(f"--older-than-days must be 0 or more, not {older_than_days}")
        return RetentionPolicy(older_than_days, older_than_days)
    return RetentionPolicy(raw_days, validation_days)


@dataclass(frozen=True)
class RunPurge:
    """What a purge removed (or, dry, would remove) of one run."""

    run_id: str
    status: str
    ended_at: dt.datetime
    raw_rows: int
    validation_results: int


def purge(
    uow: PurgeUnitOfWork, spec: DatasetSpec, policy: RetentionPolicy, now: dt.datetime, dry_run: bool = False
) -> list[RunPurge]:
    """Remove what the policy no longer keeps of the dataset's finished runs, one DELETE per run and table, and
    write a `purge` audit event per run touched; with `dry_run`, count only and write nothing."""
    raw_cut, results_cut = policy.cutoffs(now)
    raw_due = {r["run_id"]: r for r in uow.retention.ended_before(spec.name, raw_cut)} if raw_cut else {}
    results_due = {r["run_id"]: r for r in uow.retention.ended_before(spec.name, results_cut)} if results_cut else {}
    runs = sorted({**raw_due, **results_due}.values(), key=lambda r: (r["ended_at"], r["run_id"]))
    if not dry_run:
        uow.runs.lock([r["run_id"] for r in runs])  # a replay of one of these runs waits, or goes first
    done, events = [], []
    for run in runs:
        t0, run_id = time.perf_counter(), str(run["run_id"])
        by_rule = uow.retention.count_results(run_id) if run_id in results_due else {}
        if dry_run:
            raw, results = uow.retention.count_raw(run_id, spec) if run_id in raw_due else 0, sum(by_rule.values())
        else:
            raw = uow.retention.delete_raw(run_id, spec) if run_id in raw_due else 0
            results = uow.retention.delete_results(run_id) if by_rule else 0
        if raw or results:
            done.append(RunPurge(run_id, str(run["status"]), run["ended_at"], raw, results))
            events.append(_event(spec, done[-1], policy, by_rule, round((time.perf_counter() - t0) * 1000)))
    if not dry_run:
        uow.runs.record_audit(events)
    return done


def _event(
    spec: DatasetSpec, run: RunPurge, policy: RetentionPolicy, by_rule: dict[str, int], duration_ms: int
) -> dict[str, Any]:
    """The run's `purge` audit event: rows removed, per table (findings also per rule: what the Controls tab counted
    for the run), and the policy that removed them."""
    details = {
        spec.raw_table: run.raw_rows,
        "validation_results": run.validation_results,
        "validation_results_by_rule": by_rule,
        "run_status": run.status,
        "raw_retention_days": policy.raw_days,
        "validation_retention_days": policy.validation_days,
    }
    return {
        "run_id": run.run_id,
        "dataset": spec.name,
        "flow_run_id": None,
        "stage": STAGE,
        "event": "end",
        "logged_at": dt.datetime.now(dt.UTC),
        "records_in": run.raw_rows + run.validation_results,
        "records_out": 0,
        "duration_ms": duration_ms,
        "suite_name": None,
        "suite_version": None,
        "details": json.dumps(details),
    }
