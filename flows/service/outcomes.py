"""How a run ends: COMPLETED after analytics and reconciliation, REJECTED with a reason, or FAILED."""

from __future__ import annotations

from collections.abc import Sequence

from flows.constants import RECORD_COUNT, TOTAL, RunStatus
from flows.records import ChunkResult, FilePlan, RunContext, RunSummary
from flows.service import ledger
from flows.service.audit import StageClock, event, utc_now
from flows.service.ports import UnitOfWork
from flows.sources.spill import discard_spill
from flows.stages.analytics import combine_summaries
from flows.stages.reconcile import ReconciliationInputs, reconcile


class ReconciliationFailed(RuntimeError):
    """The run's control totals do not balance."""


def finalize_run(uow: UnitOfWork, run: RunContext, plan: FilePlan, results: Sequence[ChunkResult]) -> RunSummary:
    """Store the analytics (sum of the chunks' partials), reconcile, and mark the run COMPLETED if it balances.

    Analytics and the COMPLETED status commit together: a run's results are visible all at once or not at all.
    """
    spec, clock = run.spec, StageClock(run, "analytics")
    summary_rows = combine_summaries([r.partial for r in results if r.partial is not None])
    uow.records.write("analytics_summary", summary_rows.assign(run_id=run.run_id, dataset=spec.name))
    totals = summary_rows[(summary_rows["breakdown"] == TOTAL) & (summary_rows["measure"] == RECORD_COUNT)]
    uow.runs.record_audit(clock.done(int(totals["value"].sum()), len(summary_rows)))
    ledger.add_run(uow, run, summary_rows, results)
    clock = StageClock(run, "finalize")
    raw_ids, clean_ids, exception_ids = uow.records.record_ids(run.run_id, spec)
    inputs = ReconciliationInputs(
        raw_ids=raw_ids,
        clean_ids=clean_ids,
        exception_ids=exception_ids,
        clean_sums=uow.records.clean_sums(run.run_id, spec),
        analytics_sums=uow.records.analytics_sums(run.run_id),
        scales=spec.measure_scales,
        raw_table=spec.raw_table,
        clean_table=spec.clean_table,
    )
    verdict = reconcile(inputs, plan.rows)
    if not verdict.balanced:
        raise ReconciliationFailed("; ".join(verdict.problems))
    summary = _summary(uow, run, RunStatus.COMPLETED, None)
    uow.runs.update(
        run.run_id,
        status=RunStatus.COMPLETED,
        ended_at=utc_now(),
        clean_count=summary.clean_count,
        exception_count=summary.exception_count,
        validation_result_count=summary.counts["validation_results"],
        warning_count=summary.warnings,
        analytics_count=summary.counts["analytics_summary"],
        reconciled=True,
    )
    uow.runs.record_audit(clock.done(len(raw_ids), len(clean_ids) + len(exception_ids)))
    discard_spill(run.work_dir)
    return summary


def reject_run(uow: UnitOfWork, run: RunContext, reason: str) -> RunSummary:
    """Record the run as REJECTED with its one-line reason; the raw rows (if any) stay stored."""
    uow.records.delete_results(run.run_id, run.spec, keep=("validation_results",))
    uow.runs.update(run.run_id, status=RunStatus.REJECTED, status_reason=reason, ended_at=utc_now(), reconciled=None)
    uow.runs.record_audit([event(run, "reject", "end", details={"reason": reason})])
    discard_spill(run.work_dir)
    return _summary(uow, run, RunStatus.REJECTED, reason)


def fail_run(uow: UnitOfWork, run: RunContext, reason: str) -> None:
    """Mark the run FAILED and remove its partial results, so nothing half-written stays visible.

    `reason` must already be safe to store (the caller masks any password in it).
    """
    uow.records.delete_results(run.run_id, run.spec)
    uow.runs.update(run.run_id, status=RunStatus.FAILED, status_reason=reason[:2000], ended_at=utc_now())
    uow.runs.record_audit([event(run, "run", "failed", details={"reason": reason})])
    discard_spill(run.work_dir)


def _summary(uow: UnitOfWork, run: RunContext, status: RunStatus, reason: str | None) -> RunSummary:
    spec = run.spec
    tables = (spec.raw_table, spec.clean_table, "exceptions", "validation_results", "analytics_summary")
    counts = uow.runs.counts(run.run_id, tables)
    return RunSummary(
        run_id=run.run_id,
        dataset=spec.name,
        status=status,
        source_name=run.source_name,
        reason=reason,
        counts=counts,
        raw_count=counts[spec.raw_table],
        clean_count=counts[spec.clean_table],
        exception_count=counts["exceptions"],
        exceptions_by_category=uow.runs.exceptions_by_category(run.run_id),
        warnings=uow.runs.warnings(run.run_id),
        duration_s=(utc_now() - run.started_at).total_seconds(),
        reconciled=status == RunStatus.COMPLETED,
    )
