"""Replay tasks: apply a corrections file in one unit of work, or record the replay FAILED."""

from __future__ import annotations

from prefect import get_run_logger, task
from prefect.artifacts import create_markdown_artifact

from flows import service
from flows.service import ReplayBatch, ReplayOutcome
from flows.tasks.common import STORAGE_TASK, masked_error, unit_of_work
from flows.validation.runner import borrowed_runner


@task(name="Apply corrections", **STORAGE_TASK)
def apply_corrections(batch: ReplayBatch) -> ReplayOutcome:
    """Validate corrected rows with the dataset's suite, promote, waive, dismiss or reopen: all lines or none."""
    with borrowed_runner(batch.spec.suite) as runner, unit_of_work() as uow:
        uow.prepare(batch.spec)
        outcome = service.apply_corrections(uow, batch, runner)
    log = get_run_logger()
    log.info(
        "replay %s: %s, %d applied: %d promoted, %d still open, %d dismissed, %d reopened; %d refused",
        outcome.run_id,
        outcome.status,
        outcome.applied,
        outcome.promoted,
        outcome.still_open,
        outcome.dismissed,
        outcome.reopened,
        len(outcome.refused),
    )
    for refusal in outcome.refused:
        log.warning("line %d (exception %s) refused: %s", refusal.number, refusal.exception_id, refusal.reason)
    return outcome


@task(name="Mark replay failed", **STORAGE_TASK)
def fail_replay(batch: ReplayBatch, error: BaseException) -> None:
    """Record the replay FAILED with its reason; its batch rolled back, so nothing of it landed."""
    reason = masked_error(error)
    with unit_of_work() as uow:
        service.fail_replay(uow, batch, reason)
    get_run_logger().error("replay %s failed: %s", batch.run_id, reason)


@task(name="Publish replay report", **STORAGE_TASK)
def publish_replay_report(batch: ReplayBatch, outcome: ReplayOutcome) -> None:
    """The replay's counts and refused lines as a markdown artifact."""
    lines = [
        f"# Replay {outcome.run_id}: {outcome.status}",
        f"{batch.path.name} by {batch.user}, suite {batch.spec.suite.name}@{outcome.suite_version}",
        "",
        "| applied | promoted | still open | dismissed | reopened | refused |",
        "|---|---|---|---|---|---|",
        f"| {outcome.applied} | {outcome.promoted} | {outcome.still_open} | {outcome.dismissed} "
        f"| {outcome.reopened} | {len(outcome.refused)} |",
    ]
    lines += [f"- line {r.number} (exception {r.exception_id}): {r.reason}" for r in outcome.refused[:200]]
    key = f"{batch.spec.name.lower().replace('_', '-')}-replay-summary"
    create_markdown_artifact("\n".join(lines), key=key, description=f"{batch.path.name}: {outcome.status}")
