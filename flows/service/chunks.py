"""One chunk's work: ingest, validate, route, transform and partial analytics, in one unit of work.

Given the run context, the file plan and the chunk's location, any process that can read the run's
work folder and reach the database can do it; record ids are the ones the plan reserved, so the
tables are the same whatever order chunks finish in. Everything is computed first and written at
the end, so the chunk's transaction is short: concurrent chunks overlap their computing, and on
SQLite (one writer at a time) they queue only for the writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from flows.constants import RECORD_ID, SUPERSEDES
from flows.records import ChunkRef, ChunkResult, FilePlan, RunContext
from flows.service.audit import StageClock
from flows.service.ledger import check_ledger
from flows.service.ports import UnitOfWork
from flows.sources.spill import read_spilled
from flows.stages.analytics import summarize
from flows.stages.ingest import to_raw_rows
from flows.stages.keys import with_file_wide_duplicates
from flows.stages.ledger import with_ledger_details
from flows.stages.route import split_failures
from flows.stages.transform import type_clean_rows
from flows.stages.validate import row_findings, validation_view
from flows.validation.runner import SuiteRunner


@dataclass
class _Writes:
    """What the chunk will write, table by table in order, and its audit events."""

    frames: list[tuple[str, pd.DataFrame]]
    events: list[dict[str, Any]]


def process_chunk(
    uow: UnitOfWork, run: RunContext, plan: FilePlan, chunk: ChunkRef, runner: SuiteRunner | None
) -> ChunkResult:
    """Store the chunk's rows as received; unless the file is rejected (`runner` None), validate, quarantine,
    type and store the clean rows, and return the chunk's partial analytics."""
    spec = run.spec
    clock = StageClock(run, "ingest")
    text = read_spilled(chunk)
    first_id, first_row = plan.first_id + chunk.first_position, chunk.first_position + 1
    raw = to_raw_rows(text, spec, first_id, run.run_id, run.source_name, run.started_at, first_row)
    writes = _Writes(frames=[(spec.raw_table, raw)], events=clock.done(len(text), len(raw), first_row=first_row))
    result = ChunkResult(number=chunk.number, rows=len(text), last_row=chunk.first_position + len(text))
    if runner is not None:  # a rejected file's rows are still stored, never validated
        text.index = pd.Index(raw["id"].to_numpy(), name=RECORD_ID)
        result = _check_and_type(uow, run, plan, text, runner, writes, result)
    uow.claim_writer()
    for table, frame in writes.frames:
        uow.records.write(table, frame)
    uow.runs.record_audit(writes.events)
    return result


def _check_and_type(
    uow: UnitOfWork,
    run: RunContext,
    plan: FilePlan,
    text: pd.DataFrame,
    runner: SuiteRunner,
    writes: _Writes,
    result: ChunkResult,
) -> ChunkResult:
    """Validate, route and type the chunk's rows (indexed by record id), adding what they write to `writes`."""
    spec, tag = run.spec, {"run_id": run.run_id, "dataset": run.dataset}
    clock = StageClock(run, "validate")
    view = validation_view(text, text.index.to_series(), spec.missing_values)
    ledger = check_ledger(uow, spec, view)
    outcome = runner.validate(view, ledger.flagged_keys(spec.key_conflict))
    positions = text.index.to_numpy() - plan.first_id
    rules = spec.suite.rules
    findings = with_file_wide_duplicates(row_findings(outcome.findings), plan.keys, positions, plan.first_id, rules)
    findings = with_ledger_details(findings, ledger, spec.ledger_rule)
    writes.frames.append(("validation_results", findings.assign(**tag)))
    writes.events += clock.done(len(text), findings[RECORD_ID].nunique(), findings=len(findings))

    clock = StageClock(run, "route")
    routed = split_failures(text, findings)
    writes.frames.append(("exceptions", routed.exceptions.assign(**tag)))
    writes.events += clock.done(len(text), len(routed.clean_ids), exceptions=len(routed.exceptions))

    clock = StageClock(run, "transform")
    clean_view = validation_view(text.loc[routed.clean_ids], routed.clean_ids.to_series(), spec.missing_values)
    typed = type_clean_rows(clean_view, spec)
    replaces = ledger.supersedes(spec.key_conflict).reindex(typed.clean.index)
    writes.frames.append((spec.clean_table, typed.clean.assign(**{SUPERSEDES: replaces}).reset_index().assign(**tag)))
    writes.frames.append(("exceptions", typed.rejects.assign(**tag)))
    writes.events += clock.done(len(routed.clean_ids), len(typed.clean), rejected=len(typed.rejects))
    return ChunkResult(
        number=result.number,
        rows=result.rows,
        last_row=result.last_row,
        clean=len(typed.clean),
        exceptions=len(routed.exceptions) + len(typed.rejects),
        findings=len(findings),
        resent=len(ledger.resent),
        conflicts=len(ledger.conflicts),
        partial=summarize(typed.clean, spec),
        docs_result=outcome.docs_result,
    )
