"""The run's Data Docs: GX renders the suite and every validation of the run into an offline site."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flows.records import RunContext
from flows.service.ports import UnitOfWork
from flows.validation.runner import SuiteRunner


def build_docs(
    uow: UnitOfWork, run: RunContext, runner: SuiteRunner, results: Sequence[tuple[str, Any]], docs_root: Path
) -> Path:
    """Build `docs_root/<run_id>/` from the run's GX results, each shown under its data asset name (dataset, file
    and rows), and record where it is; return its index.html."""
    index = runner.build_docs(results, docs_root, run.run_id)
    uow.runs.update(run.run_id, data_docs_path=str(index))
    return index
