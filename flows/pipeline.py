"""The pipeline flow: one Prefect task per stage, in the order of the README's stage diagram.

python -m flows.pipeline --source data/sample_sales.csv [--dataset sales]
"""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

from prefect import flow

from flows.records import RunContext, RunSummary
from flows.settings import get_settings
from flows.stages.ingest import SourceRejected, read_chunks
from flows.storage.locks import run_lock
from flows.tasks import (
    analyze,
    build_docs,
    check_schema,
    fail,
    finalize,
    index_rows,
    ingest,
    open_run,
    publish_report,
    reject,
    route,
    transform,
    validate,
)


def _flow_run_name() -> str:
    from prefect.runtime import flow_run

    params = flow_run.parameters
    return f"{params.get('dataset', 'sales')}: {Path(str(params.get('source', '?'))).name}"


@flow(name="sales-pipeline", flow_run_name=_flow_run_name, validate_parameters=True)
def run_pipeline(source: str, dataset: str = "sales", chunk_rows: int | None = None) -> RunSummary:
    """Stream one CSV in chunks: validate with its GX suite, quarantine failures, load, aggregate, reconcile."""
    run_id = str(uuid.uuid4())
    with run_lock(get_settings().database_url.get_secret_value(), run_id):  # held while the run is alive
        return _run(open_run(source, dataset, chunk_rows, run_id))


def _run(run: RunContext) -> RunSummary:
    """The stages of one opened run, then its report."""
    try:
        plan = index_rows(run)
        schema = check_schema(run, plan.keys.header)
        partials, results = [], [schema.result]
        for chunk in read_chunks(run.source, run.chunk_rows, run.spec.renames):
            raw = ingest(run, plan, chunk)
            if schema.rejection:
                continue  # a rejected file's rows are still stored, never validated
            validation = validate(run, raw, schema, plan)
            clean = transform(run, raw, route(run, raw, validation))
            partials.append(analyze(run, clean, rows_done=raw.last_row, rows_total=plan.keys.rows))
            results.append(validation.gx_result)
        build_docs(run, schema, results)
        summary = reject(run, schema.rejection) if schema.rejection else finalize(run, partials, plan.keys.rows)
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
