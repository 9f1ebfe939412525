"""The pipeline flow: one Prefect task per stage, in the order of the README's stage diagram.

python -m flows.pipeline --source data/sample_sales.csv [--dataset sales]
"""

from __future__ import annotations

import sys
from pathlib import Path

from prefect import flow

from flows.records import RunSummary
from flows.stages.ingest import SourceRejected
from flows.tasks import analyze, fail, finalize, ingest, open_run, publish_report, reject, route, transform, validate


def _flow_run_name() -> str:
    from prefect.runtime import flow_run

    params = flow_run.parameters
    return f"{params.get('dataset', 'sales')}: {Path(str(params.get('source', '?'))).name}"


@flow(name="sales-pipeline", flow_run_name=_flow_run_name, validate_parameters=True)
def run_pipeline(source: str, dataset: str = "sales") -> RunSummary:
    """Ingest one CSV, validate it with its GX suite, quarantine failures, load and reconcile the rest."""
    run = open_run(source, dataset)
    try:
        raw = ingest(run)
        validation = validate(run, raw)
        if validation.rejection:
            summary = reject(run, validation.rejection)
        else:
            clean_ids = route(run, raw, validation)
            clean = transform(run, raw, clean_ids)
            analyze(run, clean)
            summary = finalize(run, record_count=len(raw.text))
    except SourceRejected as rejected:
        summary = reject(run, str(rejected))
    except Exception as error:
        fail(run, error)
        raise
    publish_report(run, summary)
    return summary


if __name__ == "__main__":
    from flows.cli import main

    sys.exit(main())
