"""Drive the service layer through a whole run with no Prefect: what the flow's tasks do, in order."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from flows import service
from flows.dataset import DatasetSpec
from flows.records import ChunkRef, ChunkResult, FilePlan, RunContext, RunSummary
from flows.sources.files import SourceRejected
from flows.storage.engine import get_engine
from flows.storage.uow import SqlUnitOfWork
from flows.validation.runner import SuiteRunner, borrowed_runner

LIMIT_BYTES, LIMIT_ROWS = 1 << 30, 10_000_000


@dataclass(frozen=True)
class ServiceRun:
    """What a run through the service left: its context, plan (None if screening refused it) and summary."""

    run: RunContext
    plan: FilePlan | None
    summary: RunSummary


def uow(url: str) -> SqlUnitOfWork:
    """A fresh unit of work on the database."""
    return SqlUnitOfWork(get_engine(url))


def open_run(url: str, spec: DatasetSpec, source: Path, work_root: Path, chunk_rows: int = 1000) -> RunContext:
    """Open a run as the flow's first task does."""
    with uow(url) as unit:
        opened = service.open_run(
            unit,
            spec,
            source,
            str(uuid.uuid4()),
            flow_run_id=None,
            chunk_rows=chunk_rows,
            max_file_bytes=LIMIT_BYTES,
            work_root=work_root,
        )
    return opened.run


def run_file(
    url: str,
    spec: DatasetSpec,
    source: Path,
    work_root: Path,
    chunk_rows: int = 1000,
    order: Sequence[int] | None = None,
    docs: bool = False,
    keep_days: int | None = None,
) -> ServiceRun:
    """A whole run: open, plan, schema check, every chunk (in `order` of chunk positions if given), the Data Docs
    when `docs` (a second of GX rendering; their own tests cover them; `keep_days` is their retention), and
    finalize."""
    run = open_run(url, spec, source, work_root, chunk_rows)
    with borrowed_runner(spec.suite) as runner:
        return _stages(url, spec, run, runner, work_root, order, docs, keep_days)


def _stages(
    url: str,
    spec: DatasetSpec,
    run: RunContext,
    runner: SuiteRunner,
    work_root: Path,
    order: Sequence[int] | None,
    docs: bool,
    keep_days: int | None = None,
) -> ServiceRun:
    try:
        with uow(url) as unit:
            plan = service.plan_file(unit, run, LIMIT_BYTES, LIMIT_ROWS)
    except SourceRejected as rejected:
        with uow(url) as unit:
            return ServiceRun(run, None, service.reject_run(unit, run, str(rejected)))
    with uow(url) as unit:
        schema = service.check_schema(unit, run, plan, runner)
    chunks = [plan.chunks[i] for i in order] if order is not None else list(plan.chunks)
    results = [process(url, run, plan, chunk, None if schema.rejection else runner) for chunk in chunks]
    with uow(url) as unit:
        service.build_docs(
            unit,
            run,
            runner,
            [("header", schema.docs_result), *(("rows", r.docs_result) for r in results if r.docs_result is not None)],
            work_root / "docs",
            keep_days,
        )
    with uow(url) as unit:
        if schema.rejection:
            return ServiceRun(run, plan, service.reject_run(unit, run, schema.rejection))
        return ServiceRun(run, plan, service.finalize_run(unit, run, plan, results))


def process(url: str, run: RunContext, plan: FilePlan, chunk: ChunkRef, runner: SuiteRunner | None) -> ChunkResult:
    """One chunk's work in its own unit of work."""
    with uow(url) as unit:
        return service.process_chunk(unit, run, plan, chunk, runner)
