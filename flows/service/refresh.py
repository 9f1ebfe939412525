"""After a replay, each run it touched: its analytics adjusted by the clean rows it gained and lost, every raw
record checked to stand in exactly one state, its clean count, and a note when its suite version differs.

Analytics are sums and counts, so they are adjusted key by key with the promoted rows (added) and the rows a
reopening took out of the clean table (removed), in the replay's transaction: a click costs what it changes,
not a scan of the run's clean rows. The result equals a summary of the run's clean rows from scratch (the
replay tests compare it, to the paisa, with a run of the same file generated without defects).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pandas as pd

from flows.constants import CLEAN_LOADED, CLEAN_PROMOTED, RECORD_COUNT, TOTAL, ExceptionStatus, breakdown_name
from flows.dataset import DatasetSpec
from flows.service.ports import UnitOfWork
from flows.stages.analytics import SUMMARY_COLUMNS, adjust_summary, summarize
from flows.stages.corrections import record_states_problems, stored_as_typed


class ReplayUnbalanced(RuntimeError):
    """After the batch, a run's records or the batch's actions do not add up."""


@dataclass(frozen=True)
class CleanChange:
    """The clean rows a replay gave a run (`added`) and took from it (`removed`), typed like a file's rows."""

    added: pd.DataFrame
    removed: pd.DataFrame


NO_CHANGE = CleanChange(pd.DataFrame(), pd.DataFrame())


def removed_rows(uow: UnitOfWork, spec: DatasetSpec, exceptions: list[dict[str, Any]]) -> dict[str, pd.DataFrame]:
    """The promoted clean rows of these (PROMOTED) exceptions, typed, by run: read before a reopening deletes them."""
    by_run: dict[str, list[int]] = {}
    for exception in exceptions:
        by_run.setdefault(exception["run_id"], []).append(int(exception["original_record_id"]))
    return {run: stored_as_typed(uow.exceptions.clean_text(run, spec, ids), spec) for run, ids in by_run.items()}


def changes_by_run(
    typed: pd.DataFrame, lineage: dict[int, tuple[int, int, str]], removed: dict[str, pd.DataFrame]
) -> dict[str, CleanChange]:
    """The promoted rows (`typed`, by record id; `lineage` names each one's run) and the removed rows, by run."""
    runs = pd.Series([lineage[i][2] for i in typed.index], index=typed.index, dtype=object) if len(typed) else None
    added = {str(run): rows for run, rows in typed.groupby(runs, sort=False)} if runs is not None else {}
    return {
        run: CleanChange(added.get(run, pd.DataFrame()), removed.get(run, pd.DataFrame())) for run in {*added, *removed}
    }


def _shape(spec: DatasetSpec) -> set[tuple[str, str]]:
    """Every (breakdown, measure) pair a summary of a run with clean rows has under the spec."""
    breakdowns = [TOTAL, *(breakdown_name(columns) for columns in spec.analytics.breakdowns)]
    return {(b, m) for b in breakdowns for m in (*spec.analytics.measures, RECORD_COUNT)}


def _summary(rows: pd.DataFrame, spec: DatasetSpec) -> pd.DataFrame:
    return summarize(rows, spec) if len(rows) else pd.DataFrame(columns=SUMMARY_COLUMNS)


def refresh_run(
    uow: UnitOfWork, spec: DatasetSpec, run_id: str, change: CleanChange | None, records: Sequence[int]
) -> str | None:
    """Adjust the run's analytics by `change`, check its records still add up (`records`: the ones the replay
    touched, each in exactly one state), and say so when the run was loaded with another suite version."""
    change = change or NO_CHANGE
    if len(change.added) or len(change.removed):
        stored = uow.exceptions.analytics(run_id)
        if set(zip(stored["breakdown"], stored["measure"], strict=True)) == _shape(spec):
            summary = adjust_summary(stored, _summary(change.added, spec), _summary(change.removed, spec))
        else:  # the spec's breakdowns or measures changed since the load (or the run had no clean row): recompute
            summary = summarize(stored_as_typed(uow.exceptions.clean_text(run_id, spec), spec), spec)
        uow.exceptions.replace_analytics(run_id, spec.name, summary)
    problems, clean = _unbalanced(uow, spec, run_id, records)
    if problems:
        raise ReplayUnbalanced(f"run {run_id}: " + "; ".join(problems))
    uow.runs.update(run_id, clean_count=clean)
    loaded, now = (uow.runs.get(run_id) or {}).get("suite_version"), spec.suite.version
    return (
        None
        if loaded == now
        else f"run {run_id} was loaded with suite version {loaded}; corrections checked with {now}"
    )


def _unbalanced(uow: UnitOfWork, spec: DatasetSpec, run_id: str, records: Sequence[int]) -> tuple[list[str], int]:
    """What does not add up, and the run's clean rows. The load checked every record; a replay moves only the
    records it touched: those are checked one by one, and the run's counts as a whole (O(batch), not O(run))."""
    counts = uow.exceptions.state_counts(run_id, spec)
    clean = counts[CLEAN_LOADED] + counts[CLEAN_PROMOTED]
    placed = clean + counts[ExceptionStatus.OPEN] + counts[ExceptionStatus.DISMISSED]
    problems = [] if placed == counts["raw"] else [f"{counts['raw']} raw records but {placed} in a state"]
    if counts[CLEAN_PROMOTED] != counts[ExceptionStatus.PROMOTED]:
        problems.append("the promoted clean rows and the exceptions marked PROMOTED differ in number")
    raw, states = uow.exceptions.record_states(run_id, spec, records)
    marked = states.pop(ExceptionStatus.PROMOTED)
    problems += record_states_problems(raw, states)
    if set(marked.tolist()) != set(states[CLEAN_PROMOTED].tolist()):
        problems.append("the promoted clean rows and the exceptions marked PROMOTED differ")
    return problems, clean
