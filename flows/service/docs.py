"""The run's Data Docs: GX renders every validation of the run into the docs root's one offline site."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flows.records import RunContext
from flows.service.ports import UnitOfWork
from flows.validation.runner import SuiteRunner


def build_docs(
    uow: UnitOfWork,
    run: RunContext,
    runner: SuiteRunner,
    results: Sequence[tuple[str, Any]],
    docs_root: Path,
    keep_days: int | None = None,
) -> Path:
    """Add the run's GX results to the site at `docs_root` (its page `<run_id>/index.html`), each shown under its
    data asset name (dataset, file and rows), and record where the page is; then drop the pages of runs built
    more than `keep_days` ago (their run records stay). Return the run's page."""
    index = runner.build_docs(results, docs_root, run.run_id, keep_days)
    uow.runs.update(run.run_id, data_docs_path=str(index))
    return index
