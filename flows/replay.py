"""The replay flow: apply a steward's corrections file (correct, waive, dismiss, reopen) to quarantined rows.

python -m flows.exceptions apply FILE.csv --user NAME   (the command line runs this flow)

`process-corrections` does the same for every file dropped in a corrections incoming folder, with the
incoming folder's checksum idempotency and its moves to processed/ and rejected/.
"""

from __future__ import annotations

import uuid
from pathlib import Path

from prefect import flow

from flows.constants import RunStatus
from flows.service import ReplayBatch, ReplayOutcome
from flows.settings import get_settings
from flows.sources.files import file_sha256
from flows.startup import configure_process
from flows.tasks.common import file_lock, load_spec
from flows.tasks.incoming import file_away, list_incoming
from flows.tasks.replay import apply_corrections, fail_replay, publish_replay_report


def _flow_run_name() -> str:
    from prefect.runtime import flow_run

    params = flow_run.parameters
    return f"replay: {Path(str(params.get('corrections', '?'))).name} by {params.get('user', '?')}"


@flow(name="replay-exceptions", flow_run_name=_flow_run_name, validate_parameters=True)
def replay_exceptions(corrections: str, user: str, dataset: str | None = None) -> ReplayOutcome:
    """Apply one corrections file: validate corrected rows with the dataset's suite, promote them with lineage,
    waive, dismiss or reopen, refresh the analytics of every run touched and reconcile; all of it or nothing."""
    from prefect.runtime import flow_run

    configure_process()
    batch = ReplayBatch(
        spec=load_spec(dataset),
        path=Path(corrections).resolve(),
        user=user,
        run_id=str(uuid.uuid4()),
        flow_run_id=str(flow_run.id) if flow_run.id else None,
        docs_root=get_settings().docs_dir.resolve(),
    )
    try:
        outcome = apply_corrections(batch)
    except Exception as error:
        fail_replay(batch, error)
        raise
    publish_replay_report(batch, outcome)
    return outcome


@flow(name="process-corrections")
def process_corrections(
    incoming: str = "data/corrections/incoming", user: str = "corrections-folder", dataset: str | None = None
) -> dict[str, str]:
    """Apply every corrections file waiting in the folder, oldest first, like sales files: one replay per file,
    then move it to processed/ (applied, or SKIPPED when the same bytes were applied before) or rejected/."""
    configure_process()
    folder, outcomes = Path(incoming), dict[str, str]()
    for path in list_incoming(folder):
        with file_lock(file_sha256(path)):  # a concurrent pickup of the same bytes waits, then skips them
            if not path.is_file():
                continue
            try:
                outcome = replay_exceptions(corrections=str(path), user=user, dataset=dataset)
            except Exception:  # noqa: BLE001 - one bad file must not stop the others; it stays for the next pickup
                outcomes[path.name] = RunStatus.FAILED
                continue
            rejected = outcome.status == RunStatus.REJECTED
            refused = "\n".join(f"line {r.number} (exception {r.exception_id}): {r.reason}" for r in outcome.refused)
            note = outcome.reason if rejected else (f"refused lines:\n{refused}" if refused else None)
            file_away(path, folder.parent / ("rejected" if rejected else "processed"), outcome.run_id, note)
            outcomes[path.name] = outcome.status
    failed = sorted(name for name, status in outcomes.items() if status == RunStatus.FAILED)
    if failed:
        raise RuntimeError(f"{len(failed)} corrections file(s) failed and stay in {folder}: {', '.join(failed)}")
    return outcomes
