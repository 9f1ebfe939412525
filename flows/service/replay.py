"""Replay a batch of steward actions in one unit of work: events, statuses, promotions with lineage, the
analytics of every run touched adjusted (see `refresh`), and reconciliation; all of it or nothing.

The replay is a run of its own in pipeline_runs (status APPLIED, with audit events), never COMPLETED: the
dashboard reads COMPLETED runs as loads. A file whose exact bytes an APPLIED replay already applied is
recorded SKIPPED and changes nothing.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from flows.constants import LINEAGE_COLUMNS, SUPERSEDES, ExceptionStatus, RunStatus
from flows.dataset import DatasetSpec
from flows.service import ledger
from flows.service.audit import utc_now
from flows.service.corrections import Decisions, decide
from flows.service.ports import UnitOfWork
from flows.service.refresh import CleanChange, ReplayUnbalanced, changes_by_run, refresh_run, removed_rows
from flows.sources.files import file_sha256
from flows.stages.corrections import Line, Refusal, header_problem, read_lines
from flows.validation.runner import SuiteRunner


@dataclass(frozen=True)
class ReplayBatch:
    """A corrections file to apply: whose it is, where it is, and the replay run that applies it."""

    spec: DatasetSpec
    path: Path
    user: str
    run_id: str
    flow_run_id: str | None = None
    docs_root: Path | None = None  # where the replay's Data Docs go (none without it)
    # A file whose bytes an APPLIED replay applied is SKIPPED. A dashboard action is not: its one line is the same
    # bytes whenever the same action is retried (after a refusal, or a reopening), and status moves make it safe.
    by_checksum: bool = True


@dataclass(frozen=True)
class ReplayOutcome:
    """What a replay did: its run and status, counts per outcome, refused lines with reasons, runs touched."""

    run_id: str
    status: str
    reason: str | None = None
    applied: int = 0
    promoted: int = 0
    still_open: int = 0
    dismissed: int = 0
    reopened: int = 0
    refused: tuple[Refusal, ...] = ()
    runs_touched: tuple[str, ...] = ()
    suite_version: str = ""
    suite_notes: tuple[str, ...] = ()  # runs loaded with another suite version than the one the replay applied


def apply_corrections(uow: UnitOfWork, batch: ReplayBatch, runner: SuiteRunner) -> ReplayOutcome:
    """Apply a corrections file: every good line lands (with its event), refused lines say why; one transaction."""
    spec, started, t0 = batch.spec, utc_now(), time.perf_counter()
    sha = file_sha256(batch.path)
    earlier = uow.runs.find_completed(sha, spec.name, RunStatus.APPLIED) if batch.by_checksum else None
    _open_run(uow, batch, sha, started)
    if earlier is not None:
        reason = f"already applied by replay {earlier}"
        skipped = ReplayOutcome(batch.run_id, RunStatus.SKIPPED, reason, suite_version=spec.suite.version)
        return _close(uow, batch, skipped, t0, started)
    frame = pd.read_csv(batch.path, dtype=str, keep_default_na=False)
    problem = header_problem(list(frame.columns))
    if problem:
        rejected = ReplayOutcome(batch.run_id, RunStatus.REJECTED, problem, suite_version=spec.suite.version)
        return _close(uow, batch, rejected, t0, started)
    lines, refused = read_lines(frame, spec)
    decisions = decide(uow, spec, lines, runner)
    touched, changed = _write(uow, batch, decisions)
    records = _records_by_run(decisions)
    notes = tuple(
        note for run_id in touched if (note := refresh_run(uow, spec, run_id, changed.get(run_id), records[run_id]))
    )
    if decisions.docs and batch.docs_root is not None:
        index = runner.build_docs(decisions.docs, batch.docs_root, batch.run_id)
        uow.runs.update(batch.run_id, data_docs_path=str(index))
    outcome = ReplayOutcome(
        run_id=batch.run_id,
        status=RunStatus.APPLIED,  # not COMPLETED: a replay has no rows of its own for the dashboard to show
        applied=len(lines) - len(decisions.refused),
        promoted=len(decisions.promote),
        still_open=len(decisions.still_open),
        dismissed=len(decisions.dismiss),
        reopened=len(decisions.reopen),
        refused=tuple(sorted([*refused, *decisions.refused], key=lambda r: r.number)),
        runs_touched=tuple(touched),
        suite_version=spec.suite.version,
        suite_notes=notes,
    )
    if outcome.applied != outcome.promoted + outcome.still_open + outcome.dismissed + outcome.reopened:
        raise ReplayUnbalanced(f"actions in {outcome.applied} != promoted + still open + dismissed + reopened")
    return _close(uow, batch, outcome, t0, started)


def _write(uow: UnitOfWork, batch: ReplayBatch, d: Decisions) -> tuple[list[str], dict[str, CleanChange]]:
    """Append an event per applied line, move statuses, insert promoted rows with lineage; the runs touched, and
    the clean rows each gained and lost (typed)."""
    spec, now, promoted, open_ = batch.spec, utc_now(), ExceptionStatus.PROMOTED, ExceptionStatus.OPEN
    uow.runs.lock(sorted(_records_by_run(d)))  # one replay at a time per run touched (see RunRecords.lock)
    done = [
        *((line, e, promoted, changes, None) for line, e, changes in d.promote),
        *((line, e, open_, changes, findings) for line, e, changes, findings in d.still_open),
        *((line, e, ExceptionStatus.DISMISSED, None, None) for line, e in d.dismiss),
        *((line, e, open_, None, None) for line, e in d.reopen),
    ]
    event_ids = uow.exceptions.add_events([_event(batch, *item, now) for item in done])
    uow.exceptions.move_status([e["id"] for _, e, _ in d.promote], open_, promoted)
    uow.exceptions.move_status([e["id"] for _, e in d.dismiss], open_, ExceptionStatus.DISMISSED)
    removed = removed_rows(uow, spec, [e for _, e in d.reopen if e["status"] == promoted])
    for _, exception in d.reopen:
        uow.exceptions.unpromote(spec, exception["id"])
    for closed in {e["status"] for _, e in d.reopen}:
        uow.exceptions.move_status([e["id"] for _, e in d.reopen if e["status"] == closed], closed, open_)
    lineage = {int(e["original_record_id"]): (e["id"], event_ids[e["id"]], e["run_id"]) for _, e, _ in d.promote}
    typed = pd.concat(d.typed) if d.typed else pd.DataFrame()
    typed = typed[typed.index.isin(list(lineage))] if len(typed) else typed
    replaces = {new: old for new, old in d.supersedes.items() if new in lineage}
    if len(typed):
        ids = typed.index.to_numpy()
        rows = typed.reset_index().assign(
            run_id=[lineage[i][2] for i in ids],
            dataset=spec.name,
            **{LINEAGE_COLUMNS[0]: [lineage[i][0] for i in ids], LINEAGE_COLUMNS[1]: [lineage[i][1] for i in ids]},
            **{SUPERSEDES: pd.array([replaces.get(i) for i in ids], dtype="Int64")},
        )
        uow.exceptions.promote(spec, rows)
    reopened = pd.concat([f for f in removed.values() if len(f)]) if any(len(f) for f in removed.values()) else None
    ledger.replay_changes(uow, spec, batch.run_id, typed, replaces, reopened if reopened is not None else typed[:0])
    return sorted({item[1]["run_id"] for item in done}), changes_by_run(typed, lineage, removed)


def _records_by_run(d: Decisions) -> dict[str, list[int]]:
    """The raw records each touched run's applied lines are about."""
    applied = [e for _, e, _ in d.promote] + [e for _, e, _, _ in d.still_open]
    applied += [e for _, e in d.dismiss] + [e for _, e in d.reopen]
    by_run: dict[str, list[int]] = {}
    for exception in applied:
        by_run.setdefault(exception["run_id"], []).append(int(exception["original_record_id"]))
    return by_run


def _event(
    batch: ReplayBatch,
    line: Line,
    exception: dict[str, Any],
    status_after: str,
    changes: dict[str, str] | None,
    findings: list[Any] | None,
    now: Any,
) -> dict[str, Any]:
    """One exception_events row."""
    return {
        "exception_id": exception["id"],
        "run_id": exception["run_id"],
        "dataset": batch.spec.name,
        "action": str(line.action),
        "status_after": status_after,
        "user_name": batch.user,
        "note": line.note,
        "corrected_values": changes or None,
        "findings": findings,
        "suite_name": batch.spec.suite.name,
        "suite_version": batch.spec.suite.version,
        "replay_run_id": batch.run_id,
        "created_at": now,
    }


def _open_run(uow: UnitOfWork, batch: ReplayBatch, sha: str | None, started: Any) -> None:
    uow.runs.create(
        run_id=batch.run_id,
        dataset=batch.spec.name,
        flow_run_id=batch.flow_run_id,
        source_name=batch.path.name,
        source_sha256=sha,
        source_bytes=batch.path.stat().st_size if batch.path.is_file() else None,
        started_at=started,
        suite_name=batch.spec.suite.name,
        suite_version=batch.spec.suite.version,
    )


def _close(uow: UnitOfWork, batch: ReplayBatch, outcome: ReplayOutcome, t0: float, started: Any) -> ReplayOutcome:
    """The replay run's status and its start and end audit events."""
    uow.runs.update(batch.run_id, status=outcome.status, status_reason=outcome.reason, ended_at=utc_now())
    counts = {k: getattr(outcome, k) for k in ("applied", "promoted", "still_open", "dismissed", "reopened")}
    details = {**counts, "refused": len(outcome.refused), "runs_touched": list(outcome.runs_touched)}
    base: dict[str, Any] = dict.fromkeys(("records_in", "records_out", "duration_ms", "details"))
    base |= {"run_id": batch.run_id, "dataset": batch.spec.name, "flow_run_id": batch.flow_run_id, "stage": "replay"}
    base |= {"suite_name": batch.spec.suite.name, "suite_version": batch.spec.suite.version}
    end = {
        "records_in": counts["applied"] + len(outcome.refused),
        "records_out": counts["applied"],
        "duration_ms": round((time.perf_counter() - t0) * 1000),
        "details": json.dumps(details),
    }
    uow.runs.record_audit(
        [{**base, "event": "start", "logged_at": started}, {**base, **end, "event": "end", "logged_at": utc_now()}]
    )
    return outcome


def fail_replay(uow: UnitOfWork, batch: ReplayBatch, reason: str) -> None:
    """Record the replay FAILED (its batch rolled back: nothing of it landed); `reason` is already masked."""
    _open_run(uow, batch, file_sha256(batch.path) if batch.path.is_file() else None, utc_now())
    uow.runs.update(batch.run_id, status=RunStatus.FAILED, status_reason=reason[:2000], ended_at=utc_now())
