"""The replay flow: apply a steward's corrections file (correct, waive, dismiss, reopen) to quarantined rows.

python -m flows.exceptions apply FILE.csv --user NAME   (the command line runs this flow)
"""

from __future__ import annotations

import uuid
from pathlib import Path

from prefect import flow

from flows.service import ReplayBatch, ReplayOutcome
from flows.settings import get_settings
from flows.startup import configure_process
from flows.tasks.common import load_spec
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
