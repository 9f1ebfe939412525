"""Before any row is stored: screen the file, index it (rows, repeated keys, chunks), check its header."""

from __future__ import annotations

import dataclasses

from flows.records import ChunkRef, FilePlan, RunContext, SchemaCheck
from flows.service.audit import StageClock
from flows.service.ports import UnitOfWork
from flows.sources.files import read_chunks, read_header
from flows.sources.screen import screen_file
from flows.sources.spill import spill_chunks
from flows.stages.keys import index_keys
from flows.stages.validate import schema_rejection
from flows.validation.runner import SuiteRunner


def plan_file(uow: UnitOfWork, run: RunContext, max_file_bytes: int, max_file_rows: int) -> FilePlan:
    """Screen the file, then one pass over it: count rows, find repeated business keys, spill the chunks
    for the workers, and reserve the run's record ids. A file that fails screening raises SourceRejected."""
    clock, spec = StageClock(run, "index"), run.spec
    screen_file(run.source, spec.source_names, max_file_bytes, max_file_rows)
    header = read_header(run.source, spec.renames)
    refs: list[ChunkRef] = []
    keys = index_keys(spill_chunks(read_chunks(run.source, run.chunk_rows, spec.renames), run.work_dir, refs), spec)
    keys = keys if keys.header else dataclasses.replace(keys, header=header)
    first_id = uow.records.reserve_ids(keys.rows)
    uow.runs.update(run.run_id, raw_count=keys.rows)
    repeated = len(keys.members)
    uow.runs.record_audit(clock.done(keys.rows, repeated, repeated_key_rows=repeated, chunks=len(refs)))
    return FilePlan(keys=keys, first_id=first_id, chunks=tuple(refs))


def check_schema(uow: UnitOfWork, run: RunContext, plan: FilePlan, runner: SuiteRunner) -> SchemaCheck:
    """Check the header against the suite's file-level rules: a missing required column rejects the file."""
    outcome = runner.check_schema(plan.keys.header)
    uow.records.write("validation_results", outcome.findings.assign(run_id=run.run_id, dataset=run.dataset))
    return SchemaCheck(rejection=schema_rejection(outcome.findings), docs_result=outcome.docs_result)
