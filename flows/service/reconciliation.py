"""Every COMPLETED run's reconciliation again, over what is stored now: for a restored backup, or an audit.

Finalize reconciles a run once, as it completes; stewards move records later (a promoted record is in the clean
table and stays in exceptions, marked PROMOTED). So a stored run balances when every raw record is in exactly one
of the clean table or its OPEN or DISMISSED exceptions, each PROMOTED exception has its clean row, every analytics
breakdown sums to the clean rows, and the counts in its pipeline_runs row are what the tables hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from flows.constants import CLEAN_LOADED, CLEAN_PROMOTED, ExceptionStatus
from flows.dataset import DatasetSpec
from flows.service.ports import UnitOfWork
from flows.stages.reconcile import ReconciliationInputs, reconcile


@dataclass(frozen=True)
class RunBalance:
    """One stored run's reconciliation: what its tables hold, and each problem found."""

    run_id: str
    raw_count: int
    clean_count: int
    exception_count: int
    problems: tuple[str, ...]


def reconcile_runs(uow: UnitOfWork, spec: DatasetSpec) -> list[RunBalance]:
    """Reconcile each COMPLETED run of the dataset from its stored rows, oldest first (reads every record id)."""
    return [reconcile_stored_run(uow, spec, run) for run in uow.runs.completed(spec.name)]


def reconcile_stored_run(uow: UnitOfWork, spec: DatasetSpec, run: Mapping[str, Any]) -> RunBalance:
    """The run's raw = clean + open or dismissed exceptions (record ids, not counts), the analytics against the
    clean rows (the finalize check, `reconcile`), and the counts its pipeline_runs row recorded."""
    run_id = str(run["run_id"])
    raw, states = uow.exceptions.record_states(run_id, spec)
    clean = np.concatenate([states[CLEAN_LOADED], states[CLEAN_PROMOTED]])
    unresolved = np.concatenate([states[ExceptionStatus.OPEN], states[ExceptionStatus.DISMISSED]])
    promoted = states[ExceptionStatus.PROMOTED]
    inputs = ReconciliationInputs(
        raw_ids=raw,
        clean_ids=clean,
        exception_ids=unresolved,
        clean_sums=uow.records.clean_sums(run_id, spec),
        analytics_sums=uow.records.analytics_sums(run_id),
        scales=spec.measure_scales,
        raw_table=spec.raw_table,
        clean_table=spec.clean_table,
    )
    recorded_raw = run.get("raw_count")
    problems = list(reconcile(inputs, len(raw) if recorded_raw is None else int(recorded_raw)).problems)
    if recorded_raw is None:
        problems.append("pipeline_runs has no raw_count for the run")
    if set(promoted.tolist()) != set(states[CLEAN_PROMOTED].tolist()):
        problems.append(f"the PROMOTED exceptions and the promoted rows of {spec.clean_table} name other records")
    exceptions = len(unresolved) + len(promoted)
    for column, table, held in (
        ("clean_count", spec.clean_table, len(clean)),
        ("exception_count", "exceptions", exceptions),
    ):
        if run.get(column) != held:
            problems.append(f"pipeline_runs.{column} is {run.get(column)}, {table} holds {held} rows of the run")
    return RunBalance(run_id, len(raw), len(clean), exceptions, tuple(problems))
