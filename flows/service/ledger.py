"""The ledger, the service part: the cross-file check of a chunk's keys, and keeping the ledger current as a run
completes (its rows in, the rows it supersedes out) and as stewards promote or reopen rows.

The ledger's aggregates (`ledger_summary`) are adjusted, never recomputed: sums and counts are additive, so
a run costs what it adds and removes, not a scan of every file loaded.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from flows.constants import RECORD_COUNT, TOTAL
from flows.dataset import DatasetSpec
from flows.records import ChunkResult, RunContext
from flows.service.audit import StageClock
from flows.service.ports import UnitOfWork
from flows.stages.analytics import SUMMARY_COLUMNS, adjust_summary, summarize
from flows.stages.ledger import NO_MATCHES, LedgerCheck, LedgerConflict, check_against_ledger


def check_ledger(uow: UnitOfWork, spec: DatasetSpec, view: pd.DataFrame) -> LedgerCheck:
    """Which of the rows' keys (`view`: text by record id) the current ledger already has, and how they compare;
    nothing when the dataset's suite has no ledger rule."""
    if spec.ledger_rule is None:
        return NO_MATCHES
    keys = view[spec.business_key].dropna().unique().tolist()
    return check_against_ledger(view, spec, uow.ledger.matches(spec, keys)) if keys else NO_MATCHES


def add_run(uow: UnitOfWork, run: RunContext, summary: pd.DataFrame, results: Sequence[ChunkResult]) -> int:
    """At finalize, one run of the dataset at a time: supersede the earlier rows the run replaces and adjust the
    ledger's aggregates; return how many rows it superseded. Fails (the run rolls back) if a run that finished
    meanwhile made one of the same keys current."""
    spec, clock = run.spec, StageClock(run, "ledger")
    uow.ledger.lock(spec.name)
    repeated = uow.ledger.late_repeats(spec, run.run_id, run.started_at)
    if repeated:
        raise LedgerConflict(
            f"another run of {spec.name} loaded {spec.business_key} {', '.join(repeated)} while this run was "
            "checking them; nothing of this run was kept: load the file again to check it against that run"
        )
    replaced_by = uow.ledger.superseding(spec, run.run_id)
    superseded = uow.ledger.supersede(spec, run.run_id, replaced_by)
    adjust(uow, spec, summary, superseded)
    details = {
        "resent": sum(r.resent for r in results),
        "conflicts": sum(r.conflicts for r in results),
        "superseded": len(replaced_by),
        "policy": str(spec.key_conflict),
    }
    uow.runs.record_audit(clock.done(sum(r.clean for r in results), len(replaced_by), **details))
    return len(replaced_by)


def adjust(uow: UnitOfWork, spec: DatasetSpec, added: pd.DataFrame, removed_rows: pd.DataFrame) -> None:
    """The ledger's aggregates plus `added` (a summary) minus the summary of `removed_rows` (typed clean rows)."""
    removed = summarize(removed_rows, spec) if len(removed_rows) else pd.DataFrame(columns=SUMMARY_COLUMNS)
    if not len(added) and not len(removed):
        return
    stored = uow.ledger.summary(spec.name)
    uow.ledger.replace_summary(spec.name, adjust_summary(stored, added, removed))


def replay_changes(
    uow: UnitOfWork,
    spec: DatasetSpec,
    replay_id: str,
    promoted: pd.DataFrame,
    replaces: dict[int, int],
    reopened: pd.DataFrame,
) -> None:
    """A replay's effect on the ledger: `promoted` rows (typed, by record id) in, each earlier row they replace
    (`replaces`: promoted record -> earlier record) superseded, and the `reopened` rows out, with the rows they
    had superseded current again."""
    uow.ledger.lock(spec.name)
    superseded = uow.ledger.supersede(spec, replay_id, {old: new for new, old in replaces.items()})
    restored = uow.ledger.restore(spec, reopened.index.tolist()) if len(reopened) else pd.DataFrame()
    arrived = pd.concat([f for f in (promoted, restored) if len(f)]) if len(promoted) or len(restored) else promoted
    added = summarize(arrived, spec) if len(arrived) else pd.DataFrame(columns=SUMMARY_COLUMNS)
    gone = pd.concat([f for f in (superseded, reopened) if len(f)]) if len(superseded) or len(reopened) else reopened
    adjust(uow, spec, added, gone)


@dataclass(frozen=True)
class LedgerReconciliation:
    """The ledger check: per COMPLETED run, current = loaded + promoted − superseded (and loaded + promoted = the
    clean count the run recorded); in total, the current view's count and sums = ledger_summary's totals."""

    runs: pd.DataFrame  # run_id, recorded, loaded, promoted, superseded, current
    current: dict[str, Decimal]  # record_count and each measure's sum over the current view
    summary: dict[str, Decimal]  # the same from ledger_summary
    problems: list[str]


def reconcile_ledger(uow: UnitOfWork, spec: DatasetSpec) -> LedgerReconciliation:
    """Check the ledger's per-run counts and its aggregates against the current view (scans: a command's job)."""
    runs, problems = uow.ledger.run_counts(spec), []
    held = runs["loaded"] + runs["promoted"]
    for run_id, recorded, holds in zip(runs["run_id"], runs["recorded"], held, strict=True):
        if recorded != holds:
            problems.append(f"run {run_id}: recorded {recorded} clean rows, holds {holds}")
    for run_id, now, due in zip(runs["run_id"], runs["current"], held - runs["superseded"], strict=True):
        if now != due:
            problems.append(f"run {run_id}: {now} current rows, but loaded + promoted − superseded = {due}")
    scales = {RECORD_COUNT: 0, **spec.measure_scales}
    current = {m: v.quantize(Decimal(1).scaleb(-scales[m])) for m, v in uow.ledger.current_totals(spec).items()}
    stored = uow.ledger.summary(spec.name)
    totals = stored[stored["breakdown"] == TOTAL].set_index("measure")["value"]
    summary = {m: Decimal(str(totals.get(m, 0))).quantize(v) for m, v in current.items()}
    for measure, value in current.items():
        if value != summary[measure]:
            problems.append(f"{measure}: {value} over the current view, {summary[measure]} in ledger_summary")
    if int(runs["current"].sum()) != int(current[RECORD_COUNT]):
        problems.append(f"runs hold {int(runs['current'].sum())} current rows, the view {current[RECORD_COUNT]}")
    return LedgerReconciliation(runs, current, summary, problems)
