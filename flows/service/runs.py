"""Opening a run, and the runs the incoming folder records without processing (SKIPPED)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from flows.constants import RunStatus
from flows.dataset import DatasetSpec
from flows.records import RunContext
from flows.service.audit import utc_now
from flows.service.ports import UnitOfWork
from flows.sources.files import file_sha256
from flows.sources.spill import discard_spill

ABANDONED = "abandoned: its process stopped (killed or disconnected) before the run finished"


@dataclass(frozen=True)
class Opened:
    """A run just recorded as RUNNING, and the abandoned runs of its dataset that opening it cleaned up."""

    run: RunContext
    abandoned: tuple[str, ...]


def open_run(
    uow: UnitOfWork,
    spec: DatasetSpec,
    source: Path,
    run_id: str,
    *,
    flow_run_id: str | None,
    chunk_rows: int,
    max_file_bytes: int,
    work_root: Path,
) -> Opened:
    """Bring the schema up to date, clean up abandoned runs, and record the run as RUNNING."""
    uow.prepare(spec)
    abandoned = tuple(r for r in uow.runs.running(spec.name) if r != run_id and uow.runs.is_abandoned(r))
    for stale in abandoned:
        uow.records.delete_results(stale, spec)
        uow.runs.update(stale, status=RunStatus.FAILED, status_reason=ABANDONED, ended_at=utc_now())
        discard_spill(work_root / stale)
    readable = source.is_file() and source.stat().st_size <= max_file_bytes  # an oversized file is refused unread
    run = RunContext(
        run_id=run_id,
        spec=spec,
        source=source,
        source_name=source.name,
        source_sha256=file_sha256(source) if readable else "",
        flow_run_id=flow_run_id,
        started_at=utc_now(),
        chunk_rows=chunk_rows,
        work_dir=work_root / run_id,
    )
    _insert_run(uow, spec, run_id, source, run.source_sha256 or None, run.started_at, flow_run_id)
    return Opened(run=run, abandoned=abandoned)


def find_earlier_run(uow: UnitOfWork, source: Path, dataset: str) -> str | None:
    """The run that already processed this exact file (same sha256 and dataset) successfully, if any."""
    return uow.runs.find_completed(file_sha256(source), dataset)


def record_skipped(uow: UnitOfWork, spec: DatasetSpec, source: Path, run_id: str, earlier: str) -> str:
    """Record a SKIPPED run for a file already processed, so every arrival is auditable; return the reason."""
    now = utc_now()
    _insert_run(uow, spec, run_id, source, file_sha256(source), now, None)
    reason = f"already processed successfully by run {earlier}"
    uow.runs.update(run_id, status=RunStatus.SKIPPED, status_reason=reason, ended_at=now)
    return reason


def _insert_run(
    uow: UnitOfWork,
    spec: DatasetSpec,
    run_id: str,
    source: Path,
    sha256: str | None,
    started_at: dt.datetime,
    flow_run_id: str | None,
) -> None:
    """The run row, RUNNING, with the file's provenance and the suite version it is checked against."""
    uow.runs.create(
        run_id=run_id,
        dataset=spec.name,
        flow_run_id=flow_run_id,
        source_name=source.name,
        source_sha256=sha256,
        source_bytes=source.stat().st_size if source.is_file() else None,
        started_at=started_at,
        suite_name=spec.suite.name,
        suite_version=spec.suite.version,
    )
