"""The pipeline flow: one Prefect task per step, in the order of the README's stage diagram.

python -m flows.pipeline --source data/sample_sales.csv [--dataset sales] [--chunk-rows N]
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

from prefect import flow

from flows.constants import RunStatus
from flows.records import RunContext, RunSummary
from flows.sources.files import SourceRejected
from flows.startup import configure_process
from flows.tasks import (
    build_docs,
    check_schema,
    fail_run,
    finalize_run,
    index_file,
    open_run,
    process_chunks,
    publish_report,
    raise_alerts,
    reject_run,
    run_alive,
)
from flows.tasks.common import RunFailed, masked_error


def _flow_run_name() -> str:
    from prefect.runtime import flow_run

    from flows.settings import get_settings

    params = flow_run.parameters
    dataset = params.get("dataset") or get_settings().default_dataset
    return f"{dataset}: {Path(str(params.get('source', '?'))).name}"


@flow(name="dataset-pipeline", flow_run_name=_flow_run_name, validate_parameters=True)
def run_pipeline(
    source: str, dataset: str | None = None, chunk_rows: int | None = None, task_runner: str | None = None
) -> RunSummary:
    """Stream one CSV in chunks: validate with its GX suite, quarantine failures, load, aggregate, reconcile.

    `task_runner` (threads, dask or serial; default TASK_RUNNER) says where the chunks run.
    """
    configure_process()
    run_id = str(uuid.uuid4())
    try:
        with run_alive(run_id):  # held while the run lives: a RUNNING run whose lock is free was abandoned
            run = open_run(source, dataset, chunk_rows, run_id)
            try:
                summary = _stages(run, task_runner)
            except Exception as error:
                fail_run(run, error)
                raise_alerts(run, RunStatus.FAILED, masked_error(error))
                raise
            raise_alerts(run, summary.status, summary.reason)
            publish_report(run, summary)
            return summary
    # Drivers echo parts of the URL in their errors, and Prefect logs and stores what a flow raises.
    except Exception as error:  # noqa: BLE001 - every error leaves masked
        raise RunFailed.masking(error) from None


def _stages(run: RunContext, task_runner: str | None) -> RunSummary:
    """Index, schema check, the chunks (ingest, validate, route, transform, analyse), Data Docs, finalize."""
    try:
        plan = index_file(run)
        schema = check_schema(run, plan)
        chunks = process_chunks(run, plan, schema.rejection is not None, task_runner)
        build_docs(run, schema, chunks)
        if schema.rejection:
            return reject_run(run, schema.rejection)
        return finalize_run(run, plan, chunks)
    except SourceRejected as rejected:
        return reject_run(run, str(rejected))


if __name__ == "__main__":
    from flows.cli import main

    sys.exit(main(run_pipeline))
